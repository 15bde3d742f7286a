#!/usr/bin/env bash
# Benchmark: uploading a backup artifact to S3, Lifeboat against `aws s3 cp`
# (awscli from PyPI), to the same moto server (signature checking on) in the
# same run, with peak memory. Lifeboat's figure is `lifeboat copy --tier s3`
# of a local set holding one artifact of SIZE_MB: it also reads the local
# artifact and re-checks its SHA-256, sends Content-MD5 and SigV4-signed
# SHA-256 of every part, and checks the ETag and size after completion.
#
#   bench/s3.sh [SIZE_MB (default 1024)] [RUNS (default 3)]
set -euo pipefail
cd "$(dirname "$0")/.."
SIZE_MB="${1:-1024}"
RUNS="${2:-3}"
BENCH_DIR="${BENCH_DIR:-/tmp/lifeboat-bench-s3}"
PORT="${LIFEBOAT_BENCH_S3_PORT:-5077}"
venv=".test-servers/venv"

./scripts/install-deps.sh
./scripts/test-servers.sh install
command -v /usr/bin/time >/dev/null || apt-get install -y -qq time >/dev/null
[ -x "$venv/bin/aws" ] || "$venv/bin/pip" install -q 'awscli'
swift build -c release --product lifeboat >/dev/null
LIFEBOAT="$(swift build -c release --show-bin-path)/lifeboat"
rm -rf "$BENCH_DIR"; mkdir -p "$BENCH_DIR/uploads"

"$venv/bin/moto_server" -H 127.0.0.1 -p "$PORT" > "$BENCH_DIR/moto.log" 2>&1 &
moto_pid=$!
trap 'kill $moto_pid 2>/dev/null || true' EXIT
for _ in $(seq 100); do curl -s "http://127.0.0.1:$PORT/" >/dev/null 2>&1 && break; sleep 0.1; done
read -r key secret < <("$venv/bin/python" scripts/moto-auth.py "http://127.0.0.1:$PORT")
export AWS_ACCESS_KEY_ID="$key" AWS_SECRET_ACCESS_KEY="$secret" AWS_DEFAULT_REGION=us-east-1 AWS_REGION=us-east-1
aws() { "$venv/bin/aws" --endpoint-url "http://127.0.0.1:$PORT" "$@"; }
aws s3api create-bucket --bucket bench >/dev/null

# One incompressible artifact: a set of one random file, uncompressed.
head -c "$((SIZE_MB << 20))" /dev/urandom > "$BENCH_DIR/uploads/random.bin"
env BACKUP_DIR="$BENCH_DIR/backup" UPLOADS_DIR="$BENCH_DIR/uploads" BACKUP_COMPRESSION=none "$LIFEBOAT" backup >/dev/null 2>&1
artifact=$(ls "$BENCH_DIR"/backup/*/files.tar)
bytes=$(stat -c %s "$artifact")

results="$BENCH_DIR/results.tsv"
: > "$results"
source bench/lib.sh
for run in $(seq "$RUNS"); do
  measure "aws s3 cp (upload)" "$venv/bin/aws" --endpoint-url "http://127.0.0.1:$PORT" s3 cp "$artifact" "s3://bench/aws/files.tar" --only-show-errors
  aws s3 rm "s3://bench/aws/files.tar" --only-show-errors
  measure "lifeboat copy --tier s3 (upload)" env BACKUP_DIR="$BENCH_DIR/backup" AWS_S3_BUCKET=bench/lifeboat \
    AWS_ENDPOINT_URL="http://127.0.0.1:$PORT" "$LIFEBOAT" copy latest --tier s3
  measure "aws s3 cp (download)" "$venv/bin/aws" --endpoint-url "http://127.0.0.1:$PORT" s3 cp "s3://bench/lifeboat/$(basename "$(dirname "$artifact")")/files.tar" "$BENCH_DIR/downloaded.tar" --only-show-errors
  rm -f "$BENCH_DIR/downloaded.tar"
  measure "lifeboat verify --from s3 (download+check)" env BACKUP_DIR="$BENCH_DIR/backup" AWS_S3_BUCKET=bench/lifeboat \
    AWS_ENDPOINT_URL="http://127.0.0.1:$PORT" "$LIFEBOAT" verify latest --from s3
  aws s3 rm "s3://bench/lifeboat" --recursive --only-show-errors
done

python3 - "$results" "$bytes" "$RUNS" <<'PY'
import statistics, sys
path, size, runs = sys.argv[1], int(sys.argv[2]), sys.argv[3]
rows = {}
for line in open(path):
    name, wall, cpu, peak = line.rstrip("\n").split("\t")
    rows.setdefault(name, []).append((float(wall), float(cpu), int(peak)))
med = {n: (statistics.median(w for w, _, _ in v), statistics.median(c for _, c, _ in v), max(p for _, _, p in v)) for n, v in rows.items()}
print(f"\nS3 transfer of one {size / 2**20:.0f} MiB artifact to moto, median of {runs} (peak RSS = max)\n")
print(f"| {'method':44} | {'wall s':>7} | {'MiB/s':>7} | {'CPU s':>6} | {'peak MiB':>8} |")
print(f"|{'-'*46}|{'-'*9}|{'-'*9}|{'-'*8}|{'-'*10}|")
for name, (wall, cpu, peak) in med.items():
    print(f"| {name:44} | {wall:7.2f} | {size / 2**20 / wall:7.1f} | {cpu:6.2f} | {peak / 1024:8.1f} |")
up = med["lifeboat copy --tier s3 (upload)"][0] / med["aws s3 cp (upload)"][0]
down = med["lifeboat verify --from s3 (download+check)"][0] / med["aws s3 cp (download)"][0]
print(f"\nupload: Lifeboat / aws s3 cp = {up:.2f}x wall (target <= 1.00x), peak {med['lifeboat copy --tier s3 (upload)'][2] / 1024:.1f} MiB (target < 64)")
print(f"download and check: Lifeboat verify / aws s3 cp = {down:.2f}x wall (verify also hashes and reads the tar to the end)")
PY
