#!/usr/bin/env bash
# Benchmark: continuous oplog capture against a writer inserting as fast as
# it can into a private SecantusDB: does capture keep up with the write
# rate, and how far does the sealed recovery point lag real time?
#
#   bench/oplog.sh [SECONDS (default 60)] [SLICE_SECONDS (default 10)]
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION="${1:-60}"
SLICE="${2:-10}"
BENCH_DIR="${BENCH_DIR:-/tmp/lifeboat-bench-oplog}"
PORT="${LIFEBOAT_BENCH_MONGO_PORT:-27977}"
venv=".test-servers/venv"

./scripts/install-deps.sh
./scripts/test-servers.sh install
swift build -c release --product lifeboat >/dev/null
LIFEBOAT="$(swift build -c release --show-bin-path)/lifeboat"
rm -rf "$BENCH_DIR"; mkdir -p "$BENCH_DIR"
"$venv/bin/secantusd-py" --host 127.0.0.1 --port "$PORT" --storage-path :memory: --oplog-max-entries 5000000 > "$BENCH_DIR/mongo.log" 2>&1 &
mongo_pid=$!
trap 'kill $mongo_pid ${serve_pid:-} 2>/dev/null || true' EXIT
for _ in $(seq 100); do python3 -c "import socket; socket.create_connection(('127.0.0.1', $PORT), 0.2)" 2>/dev/null && break; sleep 0.1; done
export BACKUP_DIR="$BENCH_DIR/backup" MONGO_URI="mongodb://127.0.0.1:$PORT/?directConnection=true"
"$venv/bin/python" -c "import pymongo,sys; pymongo.MongoClient(sys.argv[1]).bench.docs.insert_one({'_id': -1})" "$MONGO_URI"
"$LIFEBOAT" backup --components mongo >/dev/null 2>&1

OPLOG_STREAM=true OPLOG_SLICE_SECONDS="$SLICE" BACKUP_SCHEDULE="0 0 1 1 *" LIFEBOAT_HTTP_ADDR=off "$LIFEBOAT" serve 2> "$BENCH_DIR/serve.log" &
serve_pid=$!
"$venv/bin/python" - "$MONGO_URI" "$DURATION" "$BACKUP_DIR" "$SLICE" <<'PY'
import glob, json, os, sys, threading, time, pymongo
uri, duration, backup, slice_seconds = sys.argv[1], float(sys.argv[2]), sys.argv[3], int(sys.argv[4])
docs = pymongo.MongoClient(uri).bench.docs
written = 0
stop = False
def write():
    global written
    batch = 0
    while not stop:
        docs.insert_many([{"_id": written + i, "v": "x" * 200} for i in range(50)])
        written += 50
threading.Thread(target=write, daemon=True).start()

def newest_end():
    ends = []
    for manifest in glob.glob(os.path.join(backup, "*-incr-*", "manifest.json")):
        with open(manifest) as f:
            m = json.load(f)
        for a in m["artifacts"]:
            oplog = (a.get("mongo") or {}).get("oplog")
            if oplog:
                ends.append((oplog["end"]["seconds"], oplog["entries"]))
    return ends

start = time.time()
max_lag = 0.0
while time.time() - start < duration:
    time.sleep(1)
    ends = newest_end()
    if ends and time.time() - start > slice_seconds + 5:
        max_lag = max(max_lag, time.time() - max(e for e, _ in ends))
stop = True
elapsed = time.time() - start
time.sleep(slice_seconds * 2 + 5)
ends = newest_end()
captured = sum(n for _, n in ends)
print(f"\noplog capture, {elapsed:.0f} s of writes, slices every {slice_seconds} s (one run)\n")
print(f"| measure | value |\n|---|---|")
print(f"| writes | {written} ({written / elapsed:.0f}/s) |")
print(f"| oplog entries captured in {len(ends)} slices | {captured} ({captured / elapsed:.0f}/s) |")
print(f"| recovery point lag, max while writing | {max_lag:.1f} s (target <= {slice_seconds + 5} s) |")
print(f"\ncapture kept up: {'yes' if captured >= written else 'NO'} (captured {captured} of {written} writes)")
PY
kill -TERM "$serve_pid"; wait "$serve_pid" || true
