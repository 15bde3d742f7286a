#!/usr/bin/env bash
# Benchmark: an incremental files backup after 1% of a tree changed, against
# the full backup of the same tree (wall time and stored bytes), and side by
# side with restic (Debian's) doing the same two backups, in one run.
#
#   bench/incremental.sh [TREE_MB (default 1000)]
set -euo pipefail
cd "$(dirname "$0")/.."
TREE_MB="${1:-1000}"
BENCH_DIR="${BENCH_DIR:-/tmp/lifeboat-bench-incremental}"

./scripts/install-deps.sh
command -v restic >/dev/null || apt-get install -y -qq restic >/dev/null
swift build -c release --product lifeboat >/dev/null
LIFEBOAT="$(swift build -c release --show-bin-path)/lifeboat"
rm -rf "$BENCH_DIR"; mkdir -p "$BENCH_DIR"
python3 bench/make-tree.py "$BENCH_DIR/tree" "$TREE_MB" >/dev/null
cat $(find "$BENCH_DIR/tree" -type f) > /dev/null   # warm cache
sleep 1.1

results="$BENCH_DIR/results.tsv"
: > "$results"
source bench/lib.sh
export BACKUP_DIR="$BENCH_DIR/backup" UPLOADS_DIR="$BENCH_DIR/tree"
export RESTIC_REPOSITORY="$BENCH_DIR/restic" RESTIC_PASSWORD=bench
restic init >/dev/null

measure "lifeboat full" "$LIFEBOAT" backup
measure "restic full" restic backup -q "$BENCH_DIR/tree"

# Change 1%: rewrite 1% of the files (about 1% of the bytes), add a few, delete a few.
python3 - "$BENCH_DIR/tree" <<'PY'
import os, random, sys
root = sys.argv[1]
files = sorted(os.path.join(d, f) for d, _, names in os.walk(root) for f in names)
rng = random.Random(7)
for path in rng.sample(files, max(1, len(files) // 100)):
    size = os.path.getsize(path)
    with open(path, "r+b") as f:
        f.seek(size // 2)
        f.write(rng.randbytes(min(4096, size)))
for i in range(5):
    with open(os.path.join(root, f"new-{i}.bin"), "wb") as f:
        f.write(rng.randbytes(100_000))
for path in rng.sample(files, 5):
    os.remove(path)
PY
sleep 1.1

measure "lifeboat incremental" "$LIFEBOAT" backup --kind incremental
measure "restic incremental" restic backup -q "$BENCH_DIR/tree"

full_id=$(ls "$BACKUP_DIR" | grep -- -full- | head -1)
incr_id=$(ls "$BACKUP_DIR" | grep -- -incr- | head -1)
full_bytes=$(du -sb "$BACKUP_DIR/$full_id" | cut -f1)
incr_bytes=$(du -sb "$BACKUP_DIR/$incr_id" | cut -f1)
restic_total=$(du -sb "$RESTIC_REPOSITORY" | cut -f1)

python3 - "$results" "$full_bytes" "$incr_bytes" "$restic_total" "$TREE_MB" <<'PY'
import sys
path, full_bytes, incr_bytes, restic_total, mb = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
rows = {}
for line in open(path):
    name, wall, cpu, peak = line.rstrip("\n").split("\t")
    rows[name] = (float(wall), float(cpu), int(peak))
print(f"\nincremental files backup after 1% of a {mb} MB tree changed (one run)\n")
print(f"| {'method':22} | {'wall s':>7} | {'CPU s':>6} | {'peak MiB':>8} |")
print(f"|{'-'*24}|{'-'*9}|{'-'*8}|{'-'*10}|")
for name, (wall, cpu, peak) in rows.items():
    print(f"| {name:22} | {wall:7.2f} | {cpu:6.2f} | {peak / 1024:8.1f} |")
lf, li = rows["lifeboat full"][0], rows["lifeboat incremental"][0]
rf, ri = rows["restic full"][0], rows["restic incremental"][0]
print(f"\nLifeboat incremental / full: wall {li / lf:.3f}x (target <= 0.10), stored bytes {incr_bytes / full_bytes:.3f}x ({incr_bytes} of {full_bytes}; target <= 0.10)")
print(f"restic incremental / full: wall {ri / rf:.3f}x; repository {restic_total} bytes after both")
print(f"Lifeboat incremental / restic incremental: wall {li / ri:.2f}x")
PY
