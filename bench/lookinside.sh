#!/usr/bin/env bash
# Benchmark: one file out of a large set in S3, and what the independent
# frames cost the full backup. One run on this machine, printed as ratios.
#
#   bench/lookinside.sh [SET_GB (default 4)] [BEFORE_BINARY]
#
# 1. A set of SET_GB GB in moto's S3 (signature checking on): many 1 MB
#    files (1/2 random, 1/2 text); `lifeboat restore --include` of one of
#    them, against the standard way (`aws s3 cp` of the artifact piped into
#    `tar -I zstd -x` of that file). Wall time and bytes transferred.
# 2. With BEFORE_BINARY (a lifeboat built before the frames), the full
#    files backup of bench/files.sh's tree by both binaries, median of 3:
#    time and size ratio (target: within 3%).
set -euo pipefail
cd "$(dirname "$0")/.."
SET_GB="${1:-4}"
BEFORE="${2:-}"
BENCH_DIR="${BENCH_DIR:-/tmp/lifeboat-bench-look}"
PORT="${LIFEBOAT_BENCH_S3_PORT:-5081}"
venv=".test-servers/venv"

./scripts/install-deps.sh
./scripts/test-servers.sh install
[ -x "$venv/bin/aws" ] || "$venv/bin/pip" install -q 'awscli'
command -v /usr/bin/time >/dev/null || { apt-get install -y -qq time >/dev/null; }
swift build -c release --product lifeboat >/dev/null
LIFEBOAT="$(swift build -c release --show-bin-path)/lifeboat"

need=$((SET_GB * 2 + 2))
free=$(df -BG --output=avail /tmp | tail -1 | tr -dc 0-9)
if [ "$free" -lt "$need" ]; then
  echo "only ${free} GB free in /tmp, ${need} GB needed for a ${SET_GB} GB set: using $((free / 2 - 1)) GB" >&2
  SET_GB=$((free / 2 - 1))
fi
rm -rf "$BENCH_DIR"; mkdir -p "$BENCH_DIR/uploads"
pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true; rm -rf "$BENCH_DIR"' EXIT
"$venv/bin/moto_server" -H 127.0.0.1 -p "$PORT" > "$BENCH_DIR/moto.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do curl -s "http://127.0.0.1:$PORT/" >/dev/null 2>&1 && break; sleep 0.1; done
read -r key secret < <("$venv/bin/python" scripts/moto-auth.py "http://127.0.0.1:$PORT")
export AWS_ACCESS_KEY_ID="$key" AWS_SECRET_ACCESS_KEY="$secret" AWS_REGION=us-east-1 AWS_ENDPOINT_URL="http://127.0.0.1:$PORT"
"$venv/bin/aws" s3api create-bucket --bucket bench >/dev/null

python3 - "$BENCH_DIR/uploads" "$SET_GB" <<'PY'
import os, random, sys
root, gb = sys.argv[1], int(sys.argv[2])
random.seed(1)
text = (b"invoice line: lifeboat look-inside benchmark, quantity 1, price 10.00\n" * 16000)[:1 << 20]
for i in range(gb * 1024):
    folder = os.path.join(root, f"d{i // 256:03d}")
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, f"f{i:05d}.bin"), "wb") as f:
        f.write(os.urandom(1 << 20) if i % 2 == 0 else text[:-8] + i.to_bytes(8, "little"))
PY
wanted_path=$(cd "$BENCH_DIR/uploads" && find . -name "f$(printf %05d $((SET_GB * 512 + 1))).bin" | sed 's|^\./||')
env BACKUP_DIR="$BENCH_DIR/backup" UPLOADS_DIR="$BENCH_DIR/uploads" AWS_S3_BUCKET=bench "$LIFEBOAT" backup >/dev/null 2>&1
set_id=$(ls "$BENCH_DIR/backup" | grep -- -full-)
stored=$(stat -c %s "$BENCH_DIR/backup/$set_id/files.tar.zst")
# The same read from the local copy: Lifeboat's own part of the time.
/usr/bin/time -o "$BENCH_DIR/t0" -f "%e %M" env BACKUP_DIR="$BENCH_DIR/backup" AWS_S3_BUCKET=bench "$LIFEBOAT" restore "$set_id" --from local \
  --include "$wanted_path" --to "$BENCH_DIR/out0" --json > "$BENCH_DIR/restore0.json"
read -r wall0 peak0 < "$BENCH_DIR/t0"
rm -rf "$BENCH_DIR/backup"

# Lifeboat: the file's frames only.
/usr/bin/time -o "$BENCH_DIR/t1" -f "%e %M" env BACKUP_DIR="$BENCH_DIR/backup" AWS_S3_BUCKET=bench "$LIFEBOAT" restore "$set_id" --from s3 \
  --include "$wanted_path" --to "$BENCH_DIR/out1" --json > "$BENCH_DIR/restore.json"
read -r wall1 peak1 < "$BENCH_DIR/t1"
read1=$(python3 -c "import json,re,sys; n=[x for x in json.load(open(sys.argv[1]))['notes'] if x.startswith('read ')][0]; print(n)" "$BENCH_DIR/restore.json")
cmp "$BENCH_DIR/out1/files/$wanted_path" "$BENCH_DIR/uploads/$wanted_path"

# What one ranged GET of 1 MiB of this object costs on this server (moto
# reads the whole object for each range), for reading the figures above.
/usr/bin/time -o "$BENCH_DIR/tg" -f "%e" "$venv/bin/aws" s3api get-object --bucket bench --key "$set_id/files.tar.zst" --range "bytes=1000000000-1001048575" "$BENCH_DIR/range.bin" >/dev/null
read -r wallg < "$BENCH_DIR/tg"

# The standard tools: the whole artifact through tar.
mkdir -p "$BENCH_DIR/out2"
/usr/bin/time -o "$BENCH_DIR/t2" -f "%e %M" bash -c "'$venv/bin/aws' s3 cp 's3://bench/$set_id/files.tar.zst' - | tar -I zstd -x -C '$BENCH_DIR/out2' '$wanted_path'"
read -r wall2 peak2 < "$BENCH_DIR/t2"
cmp "$BENCH_DIR/out2/$wanted_path" "$BENCH_DIR/uploads/$wanted_path"

python3 - "$SET_GB" "$stored" "$wall1" "$peak1" "$read1" "$wall2" "$peak2" "$wall0" "$peak0" "$wallg" <<'PY'
import sys
gb, stored, w1, p1, r1, w2, p2, w0, p0, wg = sys.argv[1:]
stored, w1, w2, w0, wg = int(stored), float(w1), float(w2), float(w0), float(wg)
print(f"one 1 MiB file out of a {gb} GB set in S3 (moto), the set {stored / 1e9:.2f} GB stored")
print(f"{'method':44} {'wall s':>7} {'peak MiB':>9} {'transferred':>12}")
print(f"{'lifeboat restore --include (ranged reads)':44} {w1:7.2f} {int(p1) / 1024:9.1f} {r1[5:].split(' from')[0]:>12}")
print(f"{'aws s3 cp - | tar -I zstd -x FILE':44} {w2:7.2f} {int(p2) / 1024:9.1f} {stored / 1048576:9.1f} MiB")
print(f"{'lifeboat restore --include, local copy':44} {w0:7.2f} {int(p0) / 1024:9.1f} {'(local)':>12}")
print(f"{'aws s3api get-object, one 1 MiB range':44} {wg:7.2f} {'':>9} {'1.0 MiB':>12}")
print(f"targets: lifeboat wall {w1:.2f} s (< 2 s), {w1 / w2:.3f}x the standard tools; transferred {r1[5:].split(' from')[0]} (< 16 MB)")
PY

if [ -n "$BEFORE" ]; then
  unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_REGION AWS_ENDPOINT_URL
  tree=/tmp/lifeboat-bench/tree-540
  [ -d "$tree" ] || { mkdir -p /tmp/lifeboat-bench; python3 bench/make-tree.py "$tree.partial" 540 && mv "$tree.partial" "$tree"; }
  cat $(find "$tree" -type f) > /dev/null
  : > "$BENCH_DIR/full.tsv"
  for run in 1 2 3; do
    for who in before after; do
      binary="$LIFEBOAT"; [ "$who" = before ] && binary="$BEFORE"
      rm -rf "$BENCH_DIR/full"; mkdir -p "$BENCH_DIR/full"
      /usr/bin/time -o "$BENCH_DIR/t3" -f "%e" env BACKUP_DIR="$BENCH_DIR/full" UPLOADS_DIR="$tree" "$binary" backup --components files >/dev/null 2>&1
      printf '%s\t%s\t%s\n' "$who" "$(cat "$BENCH_DIR/t3")" "$(stat -c %s "$BENCH_DIR"/full/*/files.tar.zst)" >> "$BENCH_DIR/full.tsv"
    done
  done
  python3 - "$BENCH_DIR/full.tsv" <<'PY'
import statistics, sys
rows = {}
for line in open(sys.argv[1]):
    who, wall, size = line.split()
    rows.setdefault(who, []).append((float(wall), int(size)))
m = {k: (statistics.median(w for w, _ in v), statistics.median(s for _, s in v)) for k, v in rows.items()}
print()
print("full files backup of bench/files.sh's 540 MB tree, median of 3, before and after the independent frames")
for k in ("before", "after"):
    print(f"{k:8} {m[k][0]:7.2f} s {m[k][1] / 1e6:9.2f} MB")
print(f"after/before: wall {m['after'][0] / m['before'][0]:.3f}x, size {m['after'][1] / m['before'][1]:.4f}x (targets: within 3%)")
PY
fi
