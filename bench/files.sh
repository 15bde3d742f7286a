#!/usr/bin/env bash
# Benchmark: `lifeboat backup --components files` against GNU tar with zstd
# and with gzip on the same tree, in one run on this machine. Prints one table
# (median of RUNS runs each, warm page cache) with ratios to `tar -I zstd`.
#
#   bench/files.sh [TREE_MB (default 540)] [RUNS (default 3)]
#
# The tree is made once under $BENCH_DIR (default /tmp/lifeboat-bench) and
# reused. Lifeboat is built in release mode. Output sizes are in bytes.
set -euo pipefail
cd "$(dirname "$0")/.."
TREE_MB="${1:-540}"
RUNS="${2:-3}"
BENCH_DIR="${BENCH_DIR:-/tmp/lifeboat-bench}"
LEVEL=3

./scripts/install-deps.sh
command -v /usr/bin/time >/dev/null || { apt-get install -y -qq time >/dev/null; }
command -v pigz >/dev/null || { apt-get install -y -qq pigz >/dev/null; }
swift build -c release --product lifeboat >/dev/null
LIFEBOAT="$(swift build -c release --show-bin-path)/lifeboat"

tree="$BENCH_DIR/tree-$TREE_MB"
if [ ! -d "$tree" ]; then
  mkdir -p "$BENCH_DIR"
  python3 bench/make-tree.py "$tree.partial" "$TREE_MB" && mv "$tree.partial" "$tree"
fi
out="$BENCH_DIR/out"
# Warm the page cache so every contender reads from memory alike.
cat $(find "$tree" -type f) > /dev/null

age-keygen -o "$BENCH_DIR/age.key" 2>/dev/null || true
recipient="$(age-keygen -y "$BENCH_DIR/age.key")"

results="$BENCH_DIR/results.tsv"
: > "$results"
# measure NAME OUTPUT-FILE-GLOB COMMAND...: one run; appends wall, cpu, peak KiB, output bytes.
measure() {
  local name="$1" output="$2"; shift 2
  rm -rf "$out"; mkdir -p "$out"
  /usr/bin/time -o "$BENCH_DIR/time.txt" -f "%e %U %S %M" "$@" >/dev/null 2>"$BENCH_DIR/stderr.txt" \
    || { cat "$BENCH_DIR/stderr.txt" >&2; exit 1; }
  read -r wall user sys peak < "$BENCH_DIR/time.txt"
  local bytes
  bytes=$(stat -c %s $output)
  printf '%s\t%s\t%s\t%s\t%s\n' "$name" "$wall" "$(python3 -c "print($user + $sys)")" "$peak" "$bytes" >> "$results"
}

for run in $(seq "$RUNS"); do
  measure "lifeboat backup (zstd -$LEVEL)" "$out/*/files.tar.zst" \
    env BACKUP_DIR="$out" UPLOADS_DIR="$tree" BACKUP_COMPRESSION=zstd BACKUP_COMPRESSION_LEVEL=$LEVEL "$LIFEBOAT" backup --components files
  measure "lifeboat backup (zstd -$LEVEL + age)" "$out/*/files.tar.zst.age" \
    env BACKUP_DIR="$out" UPLOADS_DIR="$tree" BACKUP_COMPRESSION=zstd BACKUP_COMPRESSION_LEVEL=$LEVEL BACKUP_ENCRYPTION_RECIPIENTS="$recipient" \
    "$LIFEBOAT" backup --components files
  measure "tar -I 'zstd -T0 -$LEVEL' -cf" "$out/x.tar.zst" tar -I "zstd -T0 -$LEVEL" -cf "$out/x.tar.zst" -C "$tree" .
  measure "tar czf" "$out/x.tar.gz" tar czf "$out/x.tar.gz" -C "$tree" .
  measure "tar -I 'pigz -6' -cf" "$out/x.tar.gz" tar -I "pigz -6" -cf "$out/x.tar.gz" -C "$tree" .
  measure "lifeboat backup (gzip -6)" "$out/*/files.tar.gz" \
    env BACKUP_DIR="$out" UPLOADS_DIR="$tree" BACKUP_COMPRESSION=gzip "$LIFEBOAT" backup --components files
done
rm -rf "$out"

python3 - "$results" "$TREE_MB" "$RUNS" <<'PY'
import statistics, sys
path, mb, runs = sys.argv[1], sys.argv[2], sys.argv[3]
rows = {}
for line in open(path):
    name, wall, cpu, peak, size = line.rstrip("\n").split("\t")
    rows.setdefault(name, []).append((float(wall), float(cpu), int(peak), int(size)))
med = {n: tuple(statistics.median(x[i] for x in v) for i in range(4)) for n, v in rows.items()}
base = med["tar -I 'zstd -T0 -3' -cf"]
print(f"files backup of a {mb} MB tree (1/3 random, 1/3 text, 1/3 repeated), median of {runs} runs, warm cache")
print(f"{'method':34} {'wall s':>7} {'cpu s':>7} {'peak MiB':>9} {'output MB':>10} {'wall vs tar+zstd':>17}")
for n, (wall, cpu, peak, size) in med.items():
    print(f"{n:34} {wall:7.2f} {cpu:7.2f} {peak/1024:9.1f} {size/1e6:10.1f} {wall/base[0]:16.2f}x")
lz = med["lifeboat backup (zstd -3)"]
print()
print(f"targets: lifeboat/tar+zstd wall {lz[0]/base[0]:.2f}x (<= 1.0x); tar czf/lifeboat wall {med['tar czf'][0]/lz[0]:.1f}x (>= 4x); peak {lz[2]/1024:.1f} MiB (< 64)")
enc = med["lifeboat backup (zstd -3 + age)"]
print(f"encryption overhead: {enc[0]/lz[0]:.2f}x the wall time without (<= 1.15x)")
lg, pg = med["lifeboat backup (gzip -6)"], med["tar -I 'pigz -6' -cf"]
print(f"gzip: lifeboat/tar -I pigz wall {lg[0]/pg[0]:.2f}x (<= 1.0x), size {lg[3]/pg[3]:.3f}x")
PY
