#!/usr/bin/env bash
# Starts (or stops) the real servers the tests use, on loopback:
#   SecantusDB (a MongoDB wire-compatible server, from PyPI) on 127.0.0.1:27917,
#   and a second one requiring authentication on 127.0.0.1:27918;
#   redis-server (Debian) on 127.0.0.1:6399; a Docker engine (docker.io) on
#   .test-servers/docker.sock with the lifeboat-test/redis image; moto's S3
#   server (PyPI) on 127.0.0.1:5055 with signature checking on, and a second
#   one on 5056 with keys of its own (the second provider of named targets)
# Usage: scripts/test-servers.sh install|start [SERVICE...]|stop|env
#   (SERVICE: mongo mongo-auth redis s3 docker; all of them by default)
# `start` prints the environment the tests read (eval it or source the file
# it writes: .test-servers/env).
set -euo pipefail
cd "$(dirname "$0")/.."
state=".test-servers"
venv="$state/venv"
mongo_port="${LIFEBOAT_TEST_MONGO_PORT:-27917}"
auth_port="${LIFEBOAT_TEST_MONGO_AUTH_PORT:-27918}"
redis_port="${LIFEBOAT_TEST_REDIS_PORT:-6399}"
s3_port="${LIFEBOAT_TEST_S3_PORT:-5055}"
s3b_port="${LIFEBOAT_TEST_S3B_PORT:-$((s3_port + 1))}"

wait_port() {
  for _ in $(seq 150); do
    if python3 - "$1" <<'PY' 2>/dev/null; then return 0; fi
import socket, sys
socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=0.2).close()
PY
    sleep 0.1
  done
  return 1
}

install_venv() {
  if [ ! -x "$venv/bin/secantusd-py" ]; then
    mkdir -p "$state"
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q 'SecantusDB==0.7.0b3'
  fi
  if [ ! -x "$venv/bin/moto_server" ]; then
    "$venv/bin/pip" install -q 'moto[server]==5.2.5'
  fi
  # The SMTP server of the alert-email tests (Tests/tools/smtp_server.py).
  if ! "$venv/bin/python" -c 'import aiosmtpd' 2>/dev/null; then
    "$venv/bin/pip" install -q 'aiosmtpd==1.4.6'
  fi
  # The --json schema checks (Tests/tools/validate_json.py).
  if ! "$venv/bin/python" -c 'import jsonschema' 2>/dev/null; then
    "$venv/bin/pip" install -q 'jsonschema==4.26.0'
  fi
}

start_mongo() {
  install_venv
  if [ -f "$state/mongo.pid" ] && kill -0 "$(cat "$state/mongo.pid")" 2>/dev/null; then return; fi
  "$venv/bin/secantusd-py" --host 127.0.0.1 --port "$mongo_port" --storage-path :memory: \
    --oplog-max-entries 2000000 --oplog-retention-seconds 86400 > "$state/mongo.log" 2>&1 &
  echo $! > "$state/mongo.pid"
  wait_port "$mongo_port" || { echo "SecantusDB did not start:" >&2; cat "$state/mongo.log" >&2; exit 1; }
}

# A second server that requires authentication (user lifeboat / s3cret),
# for the wrong-credentials tests: users are created without --auth, then
# the server restarts with it on the same storage.
start_mongo_auth() {
  if [ -f "$state/mongo-auth.pid" ] && kill -0 "$(cat "$state/mongo-auth.pid")" 2>/dev/null; then return; fi
  rm -rf "$state/mongo-auth-data"
  "$venv/bin/secantusd-py" --host 127.0.0.1 --port "$auth_port" --storage-path "$state/mongo-auth-data" > "$state/mongo-auth.log" 2>&1 &
  local pid=$!
  wait_port "$auth_port" || { echo "SecantusDB (auth) did not start:" >&2; cat "$state/mongo-auth.log" >&2; exit 1; }
  "$venv/bin/python" - "$auth_port" <<'PY'
import sys, pymongo
client = pymongo.MongoClient(f"mongodb://127.0.0.1:{sys.argv[1]}/?directConnection=true")
client.admin.command("createUser", "lifeboat", pwd="s3cret", roles=["root"])
PY
  kill "$pid"
  for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  "$venv/bin/secantusd-py" --host 127.0.0.1 --port "$auth_port" --storage-path "$state/mongo-auth-data" --auth > "$state/mongo-auth.log" 2>&1 &
  echo $! > "$state/mongo-auth.pid"
  wait_port "$auth_port" || { echo "SecantusDB (auth) did not restart:" >&2; cat "$state/mongo-auth.log" >&2; exit 1; }
}

# Redis from Debian, on loopback, with the debug command (DEBUG DIGEST) for
# comparisons and no snapshot delay; the tests start more of their own.
start_redis() {
  if [ -f "$state/redis.pid" ] && kill -0 "$(cat "$state/redis.pid")" 2>/dev/null; then return; fi
  mkdir -p "$state/redis"
  redis-server --port "$redis_port" --bind 127.0.0.1 --dir "$PWD/$state/redis" --save '' --appendonly no \
    --repl-diskless-sync-delay 0 --enable-debug-command yes --daemonize no > "$state/redis.log" 2>&1 &
  echo $! > "$state/redis.pid"
  wait_port "$redis_port" || { echo "redis-server did not start:" >&2; cat "$state/redis.log" >&2; exit 1; }
}

# moto's S3 server; an IAM user's key is created and then signatures are
# checked (a wrong secret gets 403 SignatureDoesNotMatch), as with AWS.
start_s3() {
  start_moto s3 "$s3_port"
  start_moto s3b "$s3b_port"
}

start_moto() {
  local name="$1" port="$2"
  if [ -f "$state/$name.pid" ] && kill -0 "$(cat "$state/$name.pid")" 2>/dev/null; then return; fi
  "$venv/bin/moto_server" -H 127.0.0.1 -p "$port" > "$state/$name.log" 2>&1 &
  echo $! > "$state/$name.pid"
  wait_port "$port" || { echo "moto_server ($name) did not start:" >&2; cat "$state/$name.log" >&2; exit 1; }
  "$venv/bin/python" scripts/moto-auth.py "http://127.0.0.1:$port" > "$state/$name.key"
}

# A Docker engine (Debian's docker.io) on a socket of our own, no bridge or
# iptables (containers use host networking), with its images cached across
# runs, and the test image built from the host's redis binaries.
docker_root="${LIFEBOAT_TEST_DOCKER_ROOT:-/var/cache/lifeboat-test/docker}"
start_docker() {
  command -v dockerd >/dev/null || return 0
  local socket="$PWD/$state/docker.sock"
  if [ -f "$state/docker.pid" ] && kill -0 "$(cat "$state/docker.pid")" 2>/dev/null; then return; fi
  mkdir -p "$docker_root" "$state/docker-exec"
  dockerd --iptables=false --ip6tables=false --bridge=none --storage-driver=overlay2 --data-root "$docker_root" \
    --exec-root "$PWD/$state/docker-exec" -H "unix://$socket" --pidfile "$PWD/$state/dockerd.pid" > "$state/docker.log" 2>&1 &
  echo $! > "$state/docker.pid"
  for _ in $(seq 100); do curl -sf --unix-socket "$socket" http://localhost/_ping >/dev/null 2>&1 && break; sleep 0.1; done
  curl -sf --unix-socket "$socket" http://localhost/_ping >/dev/null || { echo "dockerd did not start:" >&2; tail -20 "$state/docker.log" >&2; exit 1; }
  ./scripts/test-image.sh "$socket"
  ./scripts/test-stack-image.sh "$socket"
}

stop_docker() {
  stop_one docker
  umount "$state/docker-exec/netns/default" 2>/dev/null || true
}

stop_one() {
  local pidfile="$state/$1.pid"
  if [ -f "$pidfile" ]; then
    local pid
    pid="$(cat "$pidfile")"
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
    rm -f "$pidfile"
  fi
}

case "${1:-}" in
  install)
    install_venv
    ;;
  start)
    # Only the standard output below is meant to be evaluated: everything the
    # servers and image builds print goes to standard error.
    mkdir -p "$state"
    shift
    services=("$@")
    [ ${#services[@]} -gt 0 ] || services=(mongo mongo-auth redis s3 docker)
    for service in "${services[@]}"; do
      case "$service" in
        mongo) start_mongo ;;
        mongo-auth) install_venv; start_mongo_auth ;;
        redis) start_redis ;;
        s3) install_venv; start_s3 ;;
        docker) start_docker ;;
        *) echo "unknown service '$service' (mongo, mongo-auth, redis, s3, docker)" >&2; exit 64 ;;
      esac
    done >&2
    has() { local s; for s in "${services[@]}"; do [ "$s" = "$1" ] && return 0; done; return 1; }
    {
      if has mongo; then echo "export LIFEBOAT_TEST_MONGO_URI='mongodb://127.0.0.1:$mongo_port/?directConnection=true'"; fi
      if has redis; then echo "export LIFEBOAT_TEST_REDIS_URL='redis://127.0.0.1:$redis_port/'"; fi
      if has docker && command -v dockerd >/dev/null; then echo "export LIFEBOAT_TEST_DOCKER_HOST='unix://$PWD/$state/docker.sock'"; fi
      if has s3; then
        echo "export LIFEBOAT_TEST_S3_ENDPOINT='http://127.0.0.1:$s3_port'"
        echo "export LIFEBOAT_TEST_S3_ACCESS_KEY_ID='$(cut -d' ' -f1 "$state/s3.key")'"
        echo "export LIFEBOAT_TEST_S3_SECRET_ACCESS_KEY='$(cut -d' ' -f2 "$state/s3.key")'"
        echo "export LIFEBOAT_TEST_S3B_ENDPOINT='http://127.0.0.1:$s3b_port'"
        echo "export LIFEBOAT_TEST_S3B_ACCESS_KEY_ID='$(cut -d' ' -f1 "$state/s3b.key")'"
        echo "export LIFEBOAT_TEST_S3B_SECRET_ACCESS_KEY='$(cut -d' ' -f2 "$state/s3b.key")'"
      fi
      if has mongo-auth; then echo "export LIFEBOAT_TEST_MONGO_AUTH_URI='mongodb://lifeboat:s3cret@127.0.0.1:$auth_port/?directConnection=true&authSource=admin'"; fi
    } > "$state/env"
    cat "$state/env"
    ;;
  stop)
    stop_one mongo
    stop_one mongo-auth
    stop_one redis
    stop_one s3
    stop_one s3b
    stop_docker
    ;;
  env)
    cat "$state/env"
    ;;
  *)
    echo "usage: $0 install|start [mongo|mongo-auth|redis|s3|docker]...|stop|env" >&2
    exit 64
    ;;
esac
