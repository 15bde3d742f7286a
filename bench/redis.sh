#!/usr/bin/env bash
# Benchmark: Lifeboat's Redis snapshot against `redis-cli --rdb` on the same
# server and data (a private redis-server, repl-diskless-sync-delay 0 for
# both), and the online restore into a fresh server, in one run.
#
#   bench/redis.sh [KEYS (default 1000000)] [RUNS (default 3)]
set -euo pipefail
cd "$(dirname "$0")/.."
KEYS="${1:-1000000}"
RUNS="${2:-3}"
BENCH_DIR="${BENCH_DIR:-/tmp/lifeboat-bench-redis}"
PORT="${LIFEBOAT_BENCH_REDIS_PORT:-6419}"
TARGET_PORT=$((PORT + 1))

./scripts/install-deps.sh
command -v /usr/bin/time >/dev/null || apt-get install -y -qq time >/dev/null
swift build -c release --product lifeboat >/dev/null
LIFEBOAT="$(swift build -c release --show-bin-path)/lifeboat"
rm -rf "$BENCH_DIR"; mkdir -p "$BENCH_DIR/source" "$BENCH_DIR/target"
start() {
  redis-server --port "$1" --bind 127.0.0.1 --dir "$2" --save '' --appendonly no --repl-diskless-sync-delay 0 \
    --daemonize no > "$2/log" 2>&1 &
  echo $!
}
source_pid=$(start "$PORT" "$BENCH_DIR/source")
trap 'kill $source_pid ${target_pid:-} 2>/dev/null || true' EXIT
for _ in $(seq 100); do redis-cli -p "$PORT" ping >/dev/null 2>&1 && break; sleep 0.05; done
# ~100-byte values, as in the notes' baseline.
redis-cli -p "$PORT" EVAL "local v = string.rep('x', 90) for i = 1, tonumber(ARGV[1]) do redis.call('SET', 'key:' .. i, v .. i) end return 1" 0 "$KEYS" >/dev/null

results="$BENCH_DIR/results.tsv"
: > "$results"
source bench/lib.sh
for run in $(seq "$RUNS"); do
  rm -f "$BENCH_DIR/cli.rdb"
  measure "redis-cli --rdb" redis-cli -p "$PORT" --rdb "$BENCH_DIR/cli.rdb"
  rm -rf "$BENCH_DIR/backup"
  measure "lifeboat backup --components redis (zstd)" env BACKUP_DIR="$BENCH_DIR/backup" REDIS_URL="redis://127.0.0.1:$PORT/" \
    "$LIFEBOAT" backup --components redis
  rm -rf "$BENCH_DIR/backup-none"
  measure "lifeboat backup --components redis (none)" env BACKUP_DIR="$BENCH_DIR/backup-none" REDIS_URL="redis://127.0.0.1:$PORT/" BACKUP_COMPRESSION=none \
    "$LIFEBOAT" backup --components redis
done
rdb_bytes=$(stat -c %s "$BENCH_DIR/cli.rdb")
# Private memory (RssAnon) of one more snapshot: what grows with the data, if anything.
rm -rf "$BENCH_DIR/backup-private"
private=$(env BACKUP_DIR="$BENCH_DIR/backup-private" REDIS_URL="redis://127.0.0.1:$PORT/" python3 bench/peak-private.py "$LIFEBOAT" backup --components redis)
target_pid=$(start "$TARGET_PORT" "$BENCH_DIR/target")
for _ in $(seq 100); do redis-cli -p "$TARGET_PORT" ping >/dev/null 2>&1 && break; sleep 0.05; done
measure "lifeboat restore (online, fresh server)" env BACKUP_DIR="$BENCH_DIR/backup" REDIS_URL="redis://127.0.0.1:$TARGET_PORT/" \
  "$LIFEBOAT" restore latest --components redis
[ "$(redis-cli -p "$TARGET_PORT" dbsize)" = "$KEYS" ] || { echo "restore: DBSIZE differs" >&2; exit 1; }

python3 - "$results" "$KEYS" "$RUNS" "$rdb_bytes" "$private" <<'PY'
import statistics, sys
path, keys, runs, rdb, private = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
rows = {}
for line in open(path):
    name, wall, cpu, peak = line.rstrip("\n").split("\t")
    rows.setdefault(name, []).append((float(wall), float(cpu), int(peak)))
med = {n: tuple(statistics.median(x[i] for x in v) for i in range(3)) for n, v in rows.items()}
base = med["redis-cli --rdb"][0]
print(f"Redis snapshot of {keys} keys ({rdb/1e6:.1f} MB RDB), median of {runs} runs (restore: one run)")
print(f"{'method':42} {'wall s':>7} {'cpu s':>7} {'peak MiB':>9} {'vs redis-cli':>13}")
for n, (wall, cpu, peak) in med.items():
    print(f"{n:42} {wall:7.2f} {cpu:7.2f} {peak/1024:9.1f} {wall/base:12.2f}x")
z = med["lifeboat backup --components redis (zstd)"]
print()
print(f"targets: snapshot wall {z[0]/base:.2f}x redis-cli --rdb (<= 1.1x); peak RSS {z[2]/1024:.1f} MiB, of it private {private/1024:.1f} MiB (< 32)")
PY
