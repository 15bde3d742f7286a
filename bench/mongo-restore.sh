#!/usr/bin/env bash
# Benchmark: how fast a MongoDB restore is with the default insertion
# parallelism (MONGO_RESTORE_WORKERS=auto) against each fixed setting on the
# same server in the same run, where its time goes, and the gzip dump
# against the zstd one and against what the compression alone costs.
#
#   bench/mongo-restore.sh [DOCS (default 100000)] [BINARY (default: this tree's release build)]
#
# Data: DOCS documents of ~1 KB in 4 collections with an index each (the
# shape of issue 19's measurements), loaded by raw libmongoc into a fresh
# SecantusDB. Each restore goes to a fresh, empty server. One run of each; prints one table.
set -euo pipefail
cd "$(dirname "$0")/.."
DOCS="${1:-100000}"
BENCH_DIR="${BENCH_DIR:-/tmp/lifeboat-bench-mongo-restore}"
PORT="${LIFEBOAT_BENCH_MONGO_PORT:-27947}"
unset AWS_ENDPOINT_URL AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY S3_BUCKET

./scripts/install-deps.sh
for tool in /usr/bin/time pigz zstd; do command -v "$tool" >/dev/null || apt-get install -y -qq "$(basename "$tool")" >/dev/null; done
if [ -n "${2:-}" ]; then LIFEBOAT="$2"; else
  swift build -c release --product lifeboat >/dev/null
  LIFEBOAT="$(swift build -c release --show-bin-path)/lifeboat"
fi
rm -rf "$BENCH_DIR"; mkdir -p "$BENCH_DIR"
gcc -O2 -o "$BENCH_DIR/mongo-raw" bench/mongo-raw.c $(pkg-config --cflags --libs libmongoc-1.0) -lpthread

./scripts/test-servers.sh install
# Each restore meets a fresh, empty server (a restore needs none of the
# source data there): SecantusDB slows as its oplog and files grow, which in
# one long-lived server made the last of identical runs 1.36x the first.
server=""
fresh_server() {
  if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
  .test-servers/venv/bin/secantusd-py --host 127.0.0.1 --port "$PORT" --storage-path :memory: --cache-size 4G --noop-heartbeat-seconds 86400 \
    --oplog-max-entries 10000000 --oplog-retention-seconds 86400 >> "$BENCH_DIR/server.log" 2>&1 &
  server=$!
  for _ in $(seq 100); do (echo > "/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break; sleep 0.1; done
}
trap 'kill $server 2>/dev/null || true' EXIT
fresh_server
URI="mongodb://127.0.0.1:$PORT/?directConnection=true"

results="$BENCH_DIR/results.tsv"
: > "$results"
source bench/lib.sh

measure "raw libmongoc bulk insert (1 connection)" "$BENCH_DIR/mongo-raw" insert "$URI" bench 4 "$DOCS" text
bytes=$(sed -n 's/.* documents, \([0-9]*\) bytes/\1/p' "$BENCH_DIR/out.txt")
measure "raw libmongoc index build, 4 collections" "$BENCH_DIR/mongo-raw" index "$URI" bench 4
export MONGO_URI="$URI" MONGO_OPLOG=false LIFEBOAT_PROGRESS=off
# The first read of fresh data is slower on this server: read it once before the dumps compared.
measure "raw libmongoc scan (4 connections; warms the server)" "$BENCH_DIR/mongo-raw" scan "$URI" bench
ROUNDS="${ROUNDS:-3}"
# Steps compared are interleaved in rounds and their medians compared: on
# this 2-core machine identical runs differ by up to 15% (the server is
# Python and shares the cores), more than the differences measured.
for round in $(seq "$ROUNDS"); do
  rm -rf "$BENCH_DIR/zstd" "$BENCH_DIR/gzip"
  measure "backup, zstd (default)" env BACKUP_DIR="$BENCH_DIR/zstd" "$LIFEBOAT" backup --components mongo --ns 'bench.*'
  measure "backup, gzip" env BACKUP_DIR="$BENCH_DIR/gzip" BACKUP_COMPRESSION=gzip "$LIFEBOAT" backup --components mongo --ns 'bench.*'
done
zst=$(ls "$BENCH_DIR"/zstd/*/mongo.archive.zst)
zstd -q -d -c "$zst" > "$BENCH_DIR/raw.archive"
gzip -t "$BENCH_DIR"/gzip/*/mongo.archive.gz
sizes="$(stat -c %s "$BENCH_DIR/raw.archive" "$zst" "$BENCH_DIR"/gzip/*/mongo.archive.gz | tr '\n' ' ')"
measure "sha256sum of the stored artifact (restore's first pass)" sha256sum "$zst"
for round in $(seq "$ROUNDS"); do
  measure "compression alone: zstd -3 -T2 of the archive" zstd -q -3 -T2 -f -o "$BENCH_DIR/raw.zst" "$BENCH_DIR/raw.archive"
  measure "compression alone: pigz -6 -p2 of the archive" pigz -6 -p2 -k -f "$BENCH_DIR/raw.archive"
done
measure "verify of the zstd set (read, decompress, parse)" env BACKUP_DIR="$BENCH_DIR/zstd" "$LIFEBOAT" verify latest
for round in $(seq "$ROUNDS"); do
  for workers in 1 2 4 auto; do
    label="restore, MONGO_RESTORE_WORKERS=$workers"
    [ "$workers" = auto ] && label="$label (default)"
    fresh_server
    measure "$label" env BACKUP_DIR="$BENCH_DIR/zstd" MONGO_RESTORE_WORKERS="$workers" \
      "$LIFEBOAT" restore latest --components mongo --ns-from 'bench.*' --ns-to "r.*" --no-oplog-replay
    [ "$workers" = auto ] && { grep -o '([0-9]* connections\? inserting[^)]*)' "$BENCH_DIR/err.txt" | head -1 >> "$BENCH_DIR/levels.txt" || true; }
  done
done
fresh_server
measure "restore of the gzip set, default" env BACKUP_DIR="$BENCH_DIR/gzip" \
  "$LIFEBOAT" restore latest --components mongo --ns-from 'bench.*' --ns-to "rg.*" --no-oplog-replay

python3 - "$results" "$DOCS" "$bytes" "$BENCH_DIR" "$ROUNDS" $sizes <<'PY'
import sys, os, statistics
path, docs, raw_bytes, bench, rounds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]
archive, zst_size, gz_size = (int(x) for x in sys.argv[6:9])
runs = {}
for line in open(path):
    name, wall, cpu, peak = line.rstrip("\n").split("\t")
    runs.setdefault(name, []).append((float(wall), float(cpu), int(peak)))
print(f"MongoDB restore and gzip dump, {docs} documents of ~1 KB in 4 collections with an index each ({raw_bytes/1e6:.1f} MB of BSON), SecantusDB, {os.cpu_count()} cores; steps compared: median of {rounds} interleaved runs")
print(f"{'step':58} {'wall s':>7} {'range':>13} {'cpu s':>7} {'peak MiB':>9}")
w = {}
for name, values in runs.items():
    walls = [v[0] for v in values]
    w[name] = statistics.median(walls)
    spread = f"{min(walls):.2f}-{max(walls):.2f}" if len(walls) > 1 else ""
    print(f"{name:58} {w[name]:7.2f} {spread:>13} {statistics.median(v[1] for v in values):7.2f} {max(v[2] for v in values)/1024:9.1f}")
try:
    print("auto ended at: " + "; ".join(l.strip() for l in open(f"{bench}/levels.txt")))
except OSError:
    pass
fixed = {k.split("=")[1]: v for k, v in w.items() if k.startswith("restore, MONGO_RESTORE_WORKERS=") and "auto" not in k}
best = min(fixed.values())
auto = w["restore, MONGO_RESTORE_WORKERS=auto (default)"]
print()
print("fixed: " + ", ".join(f"{k} {v:.2f} s" for k, v in fixed.items()) + f"; best {best:.2f} s")
print(f"auto / best fixed: {auto / best:.2f}x (target <= 1.10x)")
zs, gz = w["backup, zstd (default)"], w["backup, gzip"]
cz, cg = w["compression alone: zstd -3 -T2 of the archive"], w["compression alone: pigz -6 -p2 of the archive"]
print(f"gzip dump / zstd dump: {gz / zs:.2f}x ({gz:.2f} s against {zs:.2f} s); archive {archive/1e6:.1f} MB, zstd {zst_size/1e6:.1f} MB, gzip {gz_size/1e6:.1f} MB")
print(f"gzip dump - zstd dump = {gz - zs:.2f} s; pigz - zstd on the same archive = {cg - cz:.2f} s (target: the first at most the second)")
PY
