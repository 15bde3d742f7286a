#!/usr/bin/env bash
# Benchmark: Lifeboat's MongoDB dump and restore against raw libmongoc on the
# same server and data, in one run. The server is a fresh SecantusDB (the
# MongoDB wire-compatible server the tests use); it is slow, which is why the
# baselines are measured against it in the same run.
#
#   bench/mongo.sh [DOCS (default 100000)]
#
# Prints one table: wall, CPU and peak memory of each step, rates, and the
# ratios the targets are stated in.
set -euo pipefail
cd "$(dirname "$0")/.."
DOCS="${1:-100000}"
BENCH_DIR="${BENCH_DIR:-/tmp/lifeboat-bench-mongo}"
PORT="${LIFEBOAT_BENCH_MONGO_PORT:-27937}"

./scripts/install-deps.sh
command -v /usr/bin/time >/dev/null || apt-get install -y -qq time >/dev/null
swift build -c release --product lifeboat >/dev/null
LIFEBOAT="$(swift build -c release --show-bin-path)/lifeboat"
rm -rf "$BENCH_DIR"; mkdir -p "$BENCH_DIR"
gcc -O2 -o "$BENCH_DIR/mongo-raw" bench/mongo-raw.c $(pkg-config --cflags --libs libmongoc-1.0) -lpthread

# The test-servers venv holds SecantusDB; start a private, empty instance.
# Its periodic no-op oplog heartbeat is turned off so that a quiet server
# stays quiet (with it, a dump that spans a heartbeat reads the oplog, which
# this server can only do by scanning all of it).
./scripts/test-servers.sh install
.test-servers/venv/bin/secantusd-py --host 127.0.0.1 --port "$PORT" --storage-path :memory: --noop-heartbeat-seconds 86400 \
  --oplog-max-entries 2000000 --oplog-retention-seconds 86400 > "$BENCH_DIR/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 100); do (echo > "/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break; sleep 0.1; done
URI="mongodb://127.0.0.1:$PORT/?directConnection=true"

results="$BENCH_DIR/results.tsv"
: > "$results"
source bench/lib.sh

measure "raw libmongoc bulk insert" "$BENCH_DIR/mongo-raw" insert "$URI" bench 4 "$DOCS"
bytes=$(sed -n 's/.* documents, \([0-9]*\) bytes/\1/p' "$BENCH_DIR/out.txt")
measure "raw libmongoc scan" "$BENCH_DIR/mongo-raw" scan "$URI" bench
measure "raw libmongoc oplog window read" "$BENCH_DIR/mongo-raw" oplog "$URI" bench
measure "lifeboat backup, oplog captured" env BACKUP_DIR="$BENCH_DIR/backup" MONGO_URI="$URI" \
  "$LIFEBOAT" backup --components mongo --ns 'bench.*'
measure "lifeboat backup, MONGO_OPLOG=false" env BACKUP_DIR="$BENCH_DIR/backup2" MONGO_URI="$URI" MONGO_OPLOG=false \
  "$LIFEBOAT" backup --components mongo --ns 'bench.*'
stored=$(du -b "$BENCH_DIR"/backup/*/mongo.archive.zst | cut -f1)
measure "lifeboat restore, 1 insertion worker" env BACKUP_DIR="$BENCH_DIR/backup" MONGO_URI="$URI" MONGO_PARALLEL_COLLECTIONS=1 \
  "$LIFEBOAT" restore latest --components mongo --ns-from 'bench.*' --ns-to 'benchr.*' --no-oplog-replay
measure "lifeboat restore, 4 insertion workers" env BACKUP_DIR="$BENCH_DIR/backup" MONGO_URI="$URI" \
  "$LIFEBOAT" restore latest --components mongo --ns-from 'bench.*' --ns-to 'benchs.*' --no-oplog-replay

python3 - "$results" "$DOCS" "$bytes" "$stored" <<'PY'
import sys
path, docs, raw_bytes, stored = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
rows = {}
for line in open(path):
    name, wall, cpu, peak = line.rstrip("\n").split("\t")
    rows[name] = (float(wall), float(cpu), int(peak))
gb = raw_bytes / 1e9
print(f"MongoDB dump and restore, {docs} documents of ~1 KB ({raw_bytes/1e6:.1f} MB of BSON) on SecantusDB, one run")
print(f"{'step':40} {'wall s':>7} {'cpu s':>7} {'cpu s/GB':>9} {'peak MiB':>9}")
for name, (wall, cpu, peak) in rows.items():
    print(f"{name:40} {wall:7.2f} {cpu:7.2f} {cpu/gb:9.1f} {peak/1024:9.1f}")
w = {k: v[0] for k, v in rows.items()}
scan, oplog, insert = w["raw libmongoc scan"], w["raw libmongoc oplog window read"], w["raw libmongoc bulk insert"]
print()
print(f"consistent dump / (raw scan + raw oplog read): {w['lifeboat backup, oplog captured']/(scan+oplog):.2f}x")
print(f"dump without oplog / raw scan: {w['lifeboat backup, MONGO_OPLOG=false']/scan:.2f}x (target <= 1.1x); artifact {stored/1e6:.1f} MB zstd")
print(f"restore rate / raw insert rate: 1 worker {insert/w['lifeboat restore, 1 insertion worker']:.2f}x, 4 workers {insert/w['lifeboat restore, 4 insertion workers']:.2f}x (target >= 0.9x)")
peaks = [v[2] for k, v in rows.items() if k.startswith("lifeboat")]
print(f"peak memory of lifeboat runs: at most {max(peaks)/1024:.1f} MiB (target < 128)")
PY
