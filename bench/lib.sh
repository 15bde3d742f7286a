# Shared by the bench scripts: `measure NAME COMMAND...` runs COMMAND once
# under /usr/bin/time and appends "name, wall s, cpu s, peak RSS KiB" to
# $results (a TSV the script's summary reads). Needs BENCH_DIR and results.
measure() {
  local name="$1"; shift
  /usr/bin/time -o "$BENCH_DIR/time.txt" -f "%e %U %S %M" "$@" > "$BENCH_DIR/out.txt" 2> "$BENCH_DIR/err.txt" \
    || { cat "$BENCH_DIR/err.txt" >&2; exit 1; }
  local wall user sys peak
  read -r wall user sys peak < "$BENCH_DIR/time.txt"
  printf '%s\t%s\t%s\t%s\n' "$name" "$wall" "$(python3 -c "print($user + $sys)")" "$peak" >> "$results"
}
