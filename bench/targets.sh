#!/usr/bin/env bash
# Benchmark: one set copied to three targets at once (two S3 providers, two
# moto servers with signature checking on, and an SFTP server, Debian's
# sshd), against the slowest of the three copies made alone, with peak
# memory; and the standard tools doing the same (`aws s3 cp` twice and
# `scp`, started together from the shell). Every copy reads the local
# artifact, re-checks its SHA-256 and writes the manifest last.
#
#   bench/targets.sh [SIZE_MB (default 256)] [RUNS (default 3)]
#
# Targets: wall time of the three at once <= 1.1x the slowest alone, peak
# memory within 16 MiB of one target's. On a 2-core machine the three
# servers and Lifeboat share the cores (moto is CPU-bound Python): the
# figure is then a floor on what separate machines would show.
set -euo pipefail
cd "$(dirname "$0")/.."
SIZE_MB="${1:-256}"
RUNS="${2:-3}"
BENCH_DIR="${BENCH_DIR:-/tmp/lifeboat-bench-targets}"
PORT_A="${LIFEBOAT_BENCH_S3_PORT:-5077}"
PORT_B=$((PORT_A + 1))
PORT_SSH=$((PORT_A + 2))
venv=".test-servers/venv"

./scripts/install-deps.sh
./scripts/test-servers.sh install
[ -x "$venv/bin/aws" ] || "$venv/bin/pip" install -q 'awscli'
swift build -c release --product lifeboat >/dev/null
LIFEBOAT="$(swift build -c release --show-bin-path)/lifeboat"
rm -rf "$BENCH_DIR"; mkdir -p "$BENCH_DIR/uploads" "$BENCH_DIR/ssh" "$BENCH_DIR/vault"

pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true' EXIT
for port in "$PORT_A" "$PORT_B"; do
  "$venv/bin/moto_server" -H 127.0.0.1 -p "$port" > "$BENCH_DIR/moto-$port.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 100); do curl -s "http://127.0.0.1:$port/" >/dev/null 2>&1 && break; sleep 0.1; done
done
read -r key_a secret_a < <("$venv/bin/python" scripts/moto-auth.py "http://127.0.0.1:$PORT_A")
read -r key_b secret_b < <("$venv/bin/python" scripts/moto-auth.py "http://127.0.0.1:$PORT_B")
AWS_ACCESS_KEY_ID="$key_a" AWS_SECRET_ACCESS_KEY="$secret_a" "$venv/bin/aws" --region us-east-1 --endpoint-url "http://127.0.0.1:$PORT_A" s3api create-bucket --bucket bench >/dev/null
AWS_ACCESS_KEY_ID="$key_b" AWS_SECRET_ACCESS_KEY="$secret_b" "$venv/bin/aws" --region us-east-1 --endpoint-url "http://127.0.0.1:$PORT_B" s3api create-bucket --bucket bench >/dev/null

# The SFTP server: its own host key, one client key, key login only.
ssh="$BENCH_DIR/ssh"
ssh-keygen -q -t ed25519 -N '' -f "$ssh/host_key"; ssh-keygen -q -t ed25519 -N '' -f "$ssh/client_key"
cp "$ssh/client_key.pub" "$ssh/authorized_keys"
echo "[127.0.0.1]:$PORT_SSH $(cut -d' ' -f1,2 "$ssh/host_key.pub")" > "$ssh/known_hosts"
mkdir -p /run/sshd 2>/dev/null || true
cat > "$ssh/sshd_config" <<CONF
Port $PORT_SSH
ListenAddress 127.0.0.1
HostKey $ssh/host_key
AuthorizedKeysFile $ssh/authorized_keys
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
PermitRootLogin prohibit-password
Subsystem sftp internal-sftp
PidFile $ssh/sshd.pid
CONF
/usr/sbin/sshd -D -e -f "$ssh/sshd_config" 2> "$ssh/sshd.log" &
pids+=($!)
for _ in $(seq 100); do (echo > /dev/tcp/127.0.0.1/$PORT_SSH) 2>/dev/null && break; sleep 0.1; done
user="$(id -un)"

# One incompressible artifact: a set of one random file, uncompressed.
head -c "$((SIZE_MB << 20))" /dev/urandom > "$BENCH_DIR/uploads/random.bin"
env BACKUP_DIR="$BENCH_DIR/backup" UPLOADS_DIR="$BENCH_DIR/uploads" BACKUP_COMPRESSION=none "$LIFEBOAT" backup >/dev/null 2>&1
artifact=$(ls "$BENCH_DIR"/backup/*/files.tar)
set_id=$(basename "$(dirname "$artifact")")
cat "$artifact" > /dev/null

export BACKUP_DIR="$BENCH_DIR/backup" AWS_S3_BUCKET=bench/lifeboat AWS_ENDPOINT_URL="http://127.0.0.1:$PORT_A" \
  AWS_ACCESS_KEY_ID="$key_a" AWS_SECRET_ACCESS_KEY="$secret_a" AWS_REGION=us-east-1 \
  TARGETS=offsite,vault \
  TARGET_OFFSITE_URL=s3://bench/lifeboat TARGET_OFFSITE_ENDPOINT="http://127.0.0.1:$PORT_B" \
  TARGET_OFFSITE_ACCESS_KEY_ID="$key_b" TARGET_OFFSITE_SECRET_ACCESS_KEY="$secret_b" \
  TARGET_VAULT_URL="sftp://$user@127.0.0.1:$PORT_SSH$BENCH_DIR/vault" \
  TARGET_VAULT_SSH_KEY_FILE="$ssh/client_key" TARGET_VAULT_KNOWN_HOSTS_FILE="$ssh/known_hosts"
clear_targets() {
  AWS_ACCESS_KEY_ID="$key_a" AWS_SECRET_ACCESS_KEY="$secret_a" "$venv/bin/aws" --region us-east-1 --endpoint-url "http://127.0.0.1:$PORT_A" s3 rm s3://bench --recursive --only-show-errors
  AWS_ACCESS_KEY_ID="$key_b" AWS_SECRET_ACCESS_KEY="$secret_b" "$venv/bin/aws" --region us-east-1 --endpoint-url "http://127.0.0.1:$PORT_B" s3 rm s3://bench --recursive --only-show-errors
  rm -rf "$BENCH_DIR/vault"/* "$BENCH_DIR/scp"
}
standard_tools() {
  AWS_ACCESS_KEY_ID="$key_a" AWS_SECRET_ACCESS_KEY="$secret_a" "$venv/bin/aws" --region us-east-1 --endpoint-url "http://127.0.0.1:$PORT_A" s3 cp "$artifact" s3://bench/aws/files.tar --only-show-errors &
  local a=$!
  AWS_ACCESS_KEY_ID="$key_b" AWS_SECRET_ACCESS_KEY="$secret_b" "$venv/bin/aws" --region us-east-1 --endpoint-url "http://127.0.0.1:$PORT_B" s3 cp "$artifact" s3://bench/aws/files.tar --only-show-errors &
  local b=$!
  scp -q -P "$PORT_SSH" -i "$ssh/client_key" -o UserKnownHostsFile="$ssh/known_hosts" -o BatchMode=yes "$artifact" "$user@127.0.0.1:$BENCH_DIR/vault/scp.tar" &
  local c=$!
  wait $a && wait $b && wait $c
}
export -f standard_tools
export artifact key_a secret_a key_b secret_b PORT_A PORT_B PORT_SSH ssh user venv BENCH_DIR

results="$BENCH_DIR/results.tsv"
: > "$results"
source bench/lib.sh
for run in $(seq "$RUNS"); do
  for tier in s3 offsite vault; do
    clear_targets
    measure "lifeboat copy --tier $tier (alone)" "$LIFEBOAT" copy "$set_id" --tier "$tier"
  done
  clear_targets
  measure "lifeboat copy --tier s3,offsite,vault" "$LIFEBOAT" copy "$set_id" --tier s3,offsite,vault
  clear_targets
  measure "aws s3 cp x2 + scp, together (shell &)" bash -c standard_tools
done
clear_targets

python3 - "$results" "$(stat -c %s "$artifact")" "$RUNS" <<'PY'
import statistics, sys
path, size, runs = sys.argv[1], int(sys.argv[2]), sys.argv[3]
rows = {}
for line in open(path):
    name, wall, cpu, peak = line.rstrip("\n").split("\t")
    rows.setdefault(name, []).append((float(wall), float(cpu), int(peak)))
med = {n: (statistics.median(w for w, _, _ in v), statistics.median(c for _, c, _ in v), max(p for _, _, p in v)) for n, v in rows.items()}
print(f"\nOne {size / 2**20:.0f} MiB set copied to three targets, median of {runs} (peak RSS = max)\n")
print(f"| {'method':40} | {'wall s':>7} | {'CPU s':>6} | {'peak MiB':>8} |")
print(f"|{'-'*42}|{'-'*9}|{'-'*8}|{'-'*10}|")
for name, (wall, cpu, peak) in med.items():
    print(f"| {name:40} | {wall:7.2f} | {cpu:6.2f} | {peak / 1024:8.1f} |")
alone = [v for n, v in med.items() if n.endswith("(alone)")]
slowest = max(w for w, _, _ in alone)
largest = max(p for _, _, p in alone)
together = med["lifeboat copy --tier s3,offsite,vault"]
print(f"\nthree at once / slowest alone = {together[0] / slowest:.2f}x wall (target <= 1.10x); "
      f"sum of the three alone = {sum(w for w, _, _ in alone):.2f} s")
print(f"peak memory: three at once {together[2] / 1024:.1f} MiB, largest alone {largest / 1024:.1f} MiB: +{(together[2] - largest) / 1024:.1f} MiB (target <= 16)")
print(f"Lifeboat three at once / standard tools together = {together[0] / med['aws s3 cp x2 + scp, together (shell &)'][0]:.2f}x wall")
PY
