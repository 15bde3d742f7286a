#!/usr/bin/env bash
# Benchmark: `lifeboat rebuild` of a whole stack (MongoDB-compatible server,
# Redis, uploads; over 1 GB) from S3 on this machine, step by step, against
# the standard tools doing each part by hand in the same run:
#   download       aws s3 cp --recursive of the same set (the same moto server)
#   MongoDB        raw libmongoc bulk insert of the same documents (bench/mongo-raw.c)
#   Redis          docker cp of the RDB into the stopped container, start, DBSIZE
#   uploads        tar -I zstd -x of the same tree
# Target: the whole rebuild in at most 1.3x the sum of those baselines.
#
#   bench/rebuild.sh [UPLOADS_MB (default 700)] [DOCS (default 200000)] [REDIS_KEYS (default 100000)]
#
# MongoDB is restored with one insertion stream (MONGO_PARALLEL_COLLECTIONS=1,
# as the baseline): SecantusDB serializes writes, and four streams contend
# (bench/mongo.sh measures both); mongod is the other way round.
#
# Needs the test servers (scripts/test-servers.sh start: the Docker engine
# and moto); the stack is the tests' (Tests/CLITests/Stack).
set -euo pipefail
cd "$(dirname "$0")/.."
UPLOADS_MB="${1:-700}"
DOCS="${2:-200000}"
KEYS="${3:-100000}"
BENCH_DIR="${BENCH_DIR:-/tmp/lifeboat-bench-rebuild}"
venv=".test-servers/venv"

./scripts/install-deps.sh
command -v /usr/bin/time >/dev/null || apt-get install -y -qq time >/dev/null
eval "$(./scripts/test-servers.sh start)"
[ -x "$venv/bin/aws" ] || "$venv/bin/pip" install -q 'awscli'
swift build -c release --product lifeboat >/dev/null
LIFEBOAT="$(swift build -c release --show-bin-path)/lifeboat"
rm -rf "$BENCH_DIR"; mkdir -p "$BENCH_DIR/uploads"
gcc -O2 -o "$BENCH_DIR/mongo-raw" bench/mongo-raw.c $(pkg-config --cflags --libs libmongoc-1.0) -lpthread

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
export DOCKER_HOST="$LIFEBOAT_TEST_DOCKER_HOST" STACK_MONGO_PORT="$(free_port)" STACK_REDIS_PORT="$(free_port)" \
  STACK_BACKEND_PORT="$(free_port)" STACK_UPLOADS="$BENCH_DIR/uploads" HOME="$BENCH_DIR"
project="lbbench$$"
compose() { docker-compose -p "$project" -f Tests/CLITests/Stack/docker-compose.yml "$@"; }
trap 'compose down -v -t 2 >/dev/null 2>&1 || true' EXIT
wait_port() { for _ in $(seq 600); do (echo > "/dev/tcp/127.0.0.1/$1") 2>/dev/null && return; sleep 0.1; done; echo "port $1 never answered" >&2; exit 1; }
bucket="bench-rebuild-$$"
aws() { "$venv/bin/aws" --endpoint-url "$LIFEBOAT_TEST_S3_ENDPOINT" --region us-east-1 "$@"; }
export AWS_ACCESS_KEY_ID="$LIFEBOAT_TEST_S3_ACCESS_KEY_ID" AWS_SECRET_ACCESS_KEY="$LIFEBOAT_TEST_S3_SECRET_ACCESS_KEY"
aws s3api create-bucket --bucket "$bucket" >/dev/null
export BACKUP_DIR="$BENCH_DIR/backup" AWS_S3_BUCKET="$bucket" AWS_ENDPOINT_URL="$LIFEBOAT_TEST_S3_ENDPOINT" AWS_REGION=us-east-1 \
  MONGO_URI="mongodb://127.0.0.1:$STACK_MONGO_PORT/?directConnection=true" REDIS_URL="redis://127.0.0.1:$STACK_REDIS_PORT/" \
  UPLOADS_DIR="$BENCH_DIR/uploads" COMPOSE_PROJECT_NAME="$project" HEALTHCHECK_URL="http://127.0.0.1:$STACK_BACKEND_PORT/api/health"

results="$BENCH_DIR/results.tsv"
: > "$results"
source bench/lib.sh

# The stack, filled. The MongoDB fill on the empty server is the raw insert baseline.
compose up -d >/dev/null 2>&1
wait_port "$STACK_MONGO_PORT"; wait_port "$STACK_REDIS_PORT"
measure "raw libmongoc bulk insert" "$BENCH_DIR/mongo-raw" insert "$MONGO_URI" bench 4 "$DOCS"
redis-cli -p "$STACK_REDIS_PORT" EVAL "for i = 1, tonumber(ARGV[1]) do redis.call('SET', 'key:' .. i, string.rep(string.format('%08d', i), 128)) end return 1" 0 "$KEYS" >/dev/null
python3 - "$BENCH_DIR/uploads" "$UPLOADS_MB" <<'PY'
import os, sys
root, total = sys.argv[1], int(sys.argv[2]) * 1_000_000
written, index = 0, 0
while written < total:
    size = [4_000_000, 400_000, 40_000][index % 3]
    folder = os.path.join(root, "u%02d" % (index % 20))
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "f%06d.bin" % index), "wb") as f:
        f.write(os.urandom(size))
    written += size
    index += 1
PY
redis-cli -p "$STACK_REDIS_PORT" --rdb "$BENCH_DIR/baseline.rdb" >/dev/null 2>&1
tar -C "$BENCH_DIR/uploads" -I 'zstd -T0 -3' -cf "$BENCH_DIR/baseline-uploads.tar.zst" .

"$LIFEBOAT" backup > "$BENCH_DIR/backup.log" 2>&1
set_id="$(tail -1 "$BENCH_DIR/backup.log")"
stored="$(du -sb "$BACKUP_DIR/$set_id" | cut -f1)"

# Baselines on the same machine.
measure "aws s3 cp --recursive (download)" "$venv/bin/aws" --endpoint-url "$LIFEBOAT_TEST_S3_ENDPOINT" --region us-east-1 \
  s3 cp "s3://$bucket/$set_id/" "$BENCH_DIR/download/" --recursive --only-show-errors
mkdir -p "$BENCH_DIR/extract"
measure "tar -I zstd -x (uploads)" tar -C "$BENCH_DIR/extract" -I 'zstd -T0' -xf "$BENCH_DIR/baseline-uploads.tar.zst"
rm -rf "$BENCH_DIR/extract" "$BENCH_DIR/download"
redis_container="$(docker -H "$DOCKER_HOST" ps -q --filter "label=com.docker.compose.project=$project" --filter "label=com.docker.compose.service=redis")"
redis_baseline() {
  docker -H "$DOCKER_HOST" stop -t 5 "$redis_container" >/dev/null
  docker -H "$DOCKER_HOST" cp "$BENCH_DIR/baseline.rdb" "$redis_container:/data/dump.rdb"
  docker -H "$DOCKER_HOST" start "$redis_container" >/dev/null
  until [ "$(redis-cli -p "$STACK_REDIS_PORT" DBSIZE 2>/dev/null)" = "$KEYS" ]; do sleep 0.05; done
}
export -f redis_baseline; export BENCH_DIR redis_container KEYS STACK_REDIS_PORT
measure "docker cp RDB + restart + DBSIZE (redis)" bash -c redis_baseline

# The disaster, then the rebuild from S3 alone.
compose down -v -t 2 >/dev/null 2>&1
rm -rf "$BENCH_DIR/uploads" "$BACKUP_DIR"; mkdir -p "$BENCH_DIR/uploads"
compose up --no-start >/dev/null 2>&1
measure "lifeboat rebuild" env MONGO_PARALLEL_COLLECTIONS="${MONGO_PARALLEL_COLLECTIONS:-1}" "$LIFEBOAT" rebuild --json
cp "$BENCH_DIR/out.txt" "$BENCH_DIR/rebuild-report.json"

python3 - "$results" "$BENCH_DIR/rebuild-report.json" "$stored" "$UPLOADS_MB" "$DOCS" "$KEYS" <<'PY'
import json, sys
rows = {}
for line in open(sys.argv[1]):
    name, wall, cpu, peak = line.rstrip("\n").split("\t")
    rows[name] = (float(wall), float(cpu), int(peak))
text = open(sys.argv[2]).read()
report = json.loads(text[text.index("{"):])
steps = {s["name"]: s["seconds"] for s in report["steps"]}
stored, uploads_mb, docs, keys = int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
print(f"rebuild of a stack of {stored/1e9:.2f} GB stored ({uploads_mb} MB uploads, {docs} documents of ~1 KB, {keys} Redis keys of 1 KB), one run")
print()
print("| step | lifeboat s | baseline | baseline s | ratio |")
print("|---|---|---|---|---|")
pairs = [("download", "aws s3 cp --recursive (download)"), ("mongo", "raw libmongoc bulk insert"),
         ("redis", "docker cp RDB + restart + DBSIZE (redis)"), ("uploads", "tar -I zstd -x (uploads)")]
baseline_sum = 0.0
for step, base in pairs:
    b = rows[base][0]
    baseline_sum += b
    print(f"| {step} | {steps.get(step, 0):.1f} | {base} | {b:.1f} | {steps.get(step, 0)/b:.2f}x |")
for step in ["locate", "data services", "empty check", "application", "check"]:
    print(f"| {step} | {steps.get(step, 0):.1f} | | | |")
total = rows["lifeboat rebuild"][0]
print(f"| **whole rebuild** | {total:.1f} | sum of the baselines | {baseline_sum:.1f} | **{total/baseline_sum:.2f}x** (target <= 1.3x) |")
print()
slow = max(pairs, key=lambda p: steps.get(p[0], 0))
print(f"slowest step: {slow[0]} {steps.get(slow[0], 0):.1f} s vs {slow[1]} {rows[slow[1]][0]:.1f} s ({steps.get(slow[0], 0)/rows[slow[1]][0]:.2f}x)")
print(f"download throughput: {stored/1e6/steps['download']:.1f} MB/s (aws s3 cp {stored/1e6/rows[pairs[0][1]][0]:.1f} MB/s)")
print(f"RTO reported: {report['rtoSeconds']:.1f} s; peak RSS of the rebuild {rows['lifeboat rebuild'][2]/1024:.1f} MiB")
PY
