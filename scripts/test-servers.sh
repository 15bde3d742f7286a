#!/usr/bin/env bash
# Starts (or stops) the real servers the tests use, on loopback:
#   SecantusDB (a MongoDB wire-compatible server, from PyPI) on 127.0.0.1:$LIFEBOAT_TEST_MONGO_PORT
# Usage: scripts/test-servers.sh start|stop|env
# `start` prints the environment the tests read (eval it or source the file
# it writes: .test-servers/env).
set -euo pipefail
cd "$(dirname "$0")/.."
state=".test-servers"
venv="$state/venv"
mongo_port="${LIFEBOAT_TEST_MONGO_PORT:-27917}"

start_mongo() {
  if [ ! -x "$venv/bin/secantusd-py" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q 'SecantusDB==0.7.0b3'
  fi
  if [ -f "$state/mongo.pid" ] && kill -0 "$(cat "$state/mongo.pid")" 2>/dev/null; then return; fi
  "$venv/bin/secantusd-py" --host 127.0.0.1 --port "$mongo_port" --storage-path :memory: \
    --oplog-max-entries 2000000 --oplog-retention-seconds 86400 > "$state/mongo.log" 2>&1 &
  echo $! > "$state/mongo.pid"
  for _ in $(seq 100); do
    if python3 - "$mongo_port" <<'PY' 2>/dev/null; then return; fi
import socket, sys
socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=0.2).close()
PY
    sleep 0.1
  done
  echo "SecantusDB did not start; see $state/mongo.log" >&2
  cat "$state/mongo.log" >&2
  exit 1
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
  start)
    mkdir -p "$state"
    start_mongo
    cat > "$state/env" <<ENV
export LIFEBOAT_TEST_MONGO_URI='mongodb://127.0.0.1:$mongo_port/?directConnection=true'
ENV
    cat "$state/env"
    ;;
  stop)
    stop_one mongo
    ;;
  env)
    cat "$state/env"
    ;;
  *)
    echo "usage: $0 start|stop|env" >&2
    exit 64
    ;;
esac
