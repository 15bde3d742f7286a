#!/usr/bin/env bash
# Benchmark: how cost grows with size. Each path runs at several sizes and
# prints time per GB and peak private memory (RssAnon, bench/peak-private.py)
# at each, against the process's own baseline (`lifeboat list` of an empty
# folder), and draws one PNG per path (time per GB and memory against size)
# into docs/images/scale-PATH.png.
#
#   bench/scale.sh [PATHS (default: files,smallfiles,mongo,redis,chain)]
#
# Sizes (environment; defaults are the issue's):
#   FILES_GB="1 4 16"               trees of 64 KiB-1 MiB files (bench/make-tree.py)
#   SMALL_FILES="100000 1000000"    trees of 1 KiB files, 1,000 a folder
#   MONGO_DOCS="100000 1000000 4000000"   ~1 KB text documents, 4 collections (SecantusDB)
#   REDIS_KEYS="1000000 10000000"   ~100 B values (DEBUG POPULATE)
#   CHAIN_FILES=1000000 CHAIN_LINKS=30    daily incrementals, 1% changed each day,
#                                   then the last restored (the whole chain read)
# Files, small files and Redis also run the stock tools at each size (tar
# and zstd; redis-cli --rdb), so a slope that is the filesystem's or the
# server's is told from Lifeboat's own.
# A size that the free disk cannot hold (three times its data: source, set,
# restore) is skipped and said so. Results: $BENCH_DIR/scale.tsv.
set -euo pipefail
cd "$(dirname "$0")/.."
PATHS="${1:-files,smallfiles,mongo,redis,chain}"
FILES_GB="${FILES_GB:-1 4 16}"
SMALL_FILES="${SMALL_FILES:-100000 1000000}"
MONGO_DOCS="${MONGO_DOCS:-100000 1000000 4000000}"
REDIS_KEYS="${REDIS_KEYS:-1000000 10000000}"
CHAIN_FILES="${CHAIN_FILES:-1000000}"
CHAIN_LINKS="${CHAIN_LINKS:-30}"
BENCH_DIR="${BENCH_DIR:-/tmp/lifeboat-bench-scale}"
MONGO_PORT="${LIFEBOAT_BENCH_MONGO_PORT:-27967}"
REDIS_PORT="${LIFEBOAT_BENCH_REDIS_PORT:-6439}"
unset AWS_ENDPOINT_URL AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY S3_BUCKET MONGO_URI REDIS_URL UPLOADS_DIR
export LIFEBOAT_PROGRESS=off

./scripts/install-deps.sh
swift build -c release --product lifeboat >/dev/null
LIFEBOAT="$(swift build -c release --show-bin-path)/lifeboat"
./scripts/test-servers.sh install
# matplotlib for the plots, in a venv of its own (PyPI).
VENV="${BENCH_VENV:-/tmp/lifeboat-bench-venv}"
[ -x "$VENV/bin/python" ] && "$VENV/bin/python" -c "import matplotlib" 2>/dev/null || { rm -rf "$VENV"; python3 -m venv "$VENV" && "$VENV/bin/pip" -q install matplotlib; }
PLOT_PY="$VENV/bin/python"
rm -rf "$BENCH_DIR"; mkdir -p "$BENCH_DIR"
gcc -O2 -o "$BENCH_DIR/mongo-raw" bench/mongo-raw.c $(pkg-config --cflags --libs libmongoc-1.0) -lpthread
results="$BENCH_DIR/scale.tsv"
: > "$results"

# run PATH SIZE_LABEL BYTES STEP COMMAND...: one run; appends path, size, bytes, step, wall s, peak private KiB.
run() {
  local path="$1" size="$2" bytes="$3" step="$4"; shift 4
  local out
  sync  # no step pays for the writeback of the one before
  out=$(python3 bench/peak-private.py --wall "$@") || { echo "failed: $path $size $step" >&2; cat "$BENCH_DIR/last.err" >&2 2>/dev/null; exit 1; }
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$path" "$size" "$bytes" "$step" "${out% *}" "${out#* }" >> "$results"
  echo "  $path $size $step: $out (wall s, peak private KiB)"
}
fits() {  # fits BYTES: three times BYTES free under $BENCH_DIR?
  local free
  free=$(df --output=avail -B1 "$BENCH_DIR" | tail -1)
  [ $(( $1 * 3 )) -lt "$free" ] && return 0
  echo "  skipped: needs $(( $1 * 3 / 1000000000 )) GB free, $(( free / 1000000000 )) GB are" | tee -a "$BENCH_DIR/skipped.txt"
  return 1
}

mkdir -p "$BENCH_DIR/empty"
run baseline - 0 "lifeboat list (empty)" env BACKUP_DIR="$BENCH_DIR/empty" "$LIFEBOAT" list

has() { [[ ",$PATHS," == *",$1,"* ]]; }

# settle: after deleting many files, wait until ext4 no longer counts their
# inodes as just freed (30 s; 35 with dirty blocks). Until then every new
# file's inode allocation steps over them one by one (perf: ext4_create ->
# recently_deleted). The same 100,000-file extraction took 2.8-18 s here
# depending on what had been deleted before; this keeps that out of the step.
settle() { sync; sleep 36; }

# stock_tar PATH SIZE BYTES TREE: the stock tools on the same tree at the
# same size (tar with zstd at Lifeboat's level, both ways), so a slope that
# is the filesystem's shows in theirs too. Lifeboat's restore is removed
# first: the disk holds three copies at most.
stock_tar() {
  local path="$1" size="$2" bytes="$3" tree="$4"
  rm -rf "$BENCH_DIR/restored"
  run "$path" "$size" "$bytes" "tar -c | zstd (stock)" bash -c "tar -C '$tree' -cf - . | zstd -q -3 -T0 > '$BENCH_DIR/stock.tar.zst'"
  rm -rf "$BENCH_DIR/set"; mkdir -p "$BENCH_DIR/restored"
  settle
  run "$path" "$size" "$bytes" "zstd -d | tar -x (stock)" bash -c "zstd -dc '$BENCH_DIR/stock.tar.zst' | tar -C '$BENCH_DIR/restored' -xf -"
  rm -rf "$BENCH_DIR/stock.tar.zst" "$BENCH_DIR/restored"
}

if has files; then
  for gb in $FILES_GB; do
    mb=$(python3 -c "print(int(float('$gb') * 1000))")
    fits $(( mb * 1000000 + (mb > 1000 ? 1000000000 : 0) )) || continue
    tree="$BENCH_DIR/tree"; rm -rf "$tree" "$BENCH_DIR/set" "$BENCH_DIR/restored"
    # Sizes past 1 GB are copies of one 1 GB tree in folders of their own
    # (made once; copying is faster than generating, and each frame is
    # compressed alone, so copies cost what new data would).
    if [ "$mb" -le 1000 ]; then
      python3 bench/make-tree.py "$tree" "$mb" > /dev/null
    else
      [ -d "$BENCH_DIR/tree-1000" ] || python3 bench/make-tree.py "$BENCH_DIR/tree-1000" 1000 > /dev/null
      for copy in $(seq $(( mb / 1000 ))); do mkdir -p "$tree"; cp -r "$BENCH_DIR/tree-1000" "$tree/copy-$copy"; done
    fi
    bytes=$(du -sb "$tree" | cut -f1)
    run files "${gb} GB" "$bytes" backup env BACKUP_DIR="$BENCH_DIR/set" UPLOADS_DIR="$tree" "$LIFEBOAT" backup --components files
    run files "${gb} GB" "$bytes" restore env BACKUP_DIR="$BENCH_DIR/set" UPLOADS_DIR="$tree" "$LIFEBOAT" restore latest --components files --to "$BENCH_DIR/restored"
    stock_tar files "${gb} GB" "$bytes" "$tree"
    rm -rf "$tree" "$BENCH_DIR/set" "$BENCH_DIR/restored"
  done
  rm -rf "$BENCH_DIR/tree-1000"
fi

small_tree() {  # small_tree DIR COUNT: COUNT files of 1 KiB, 1,000 a folder
  python3 - "$1" "$2" <<'PY'
import os, sys
root, count = sys.argv[1], int(sys.argv[2])
block = os.urandom(512).hex().encode()
for i in range(count):
    folder = os.path.join(root, f"d{i // 1000:05d}")
    if i % 1000 == 0:
        os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, f"f{i:07d}.txt"), "wb") as f:
        f.write(block[(i % 512):] + block[:(i % 512)])
PY
}

if has smallfiles; then
  for count in $SMALL_FILES; do
    fits $(( count * 5000 )) || continue   # 1 KiB data + a 4 KiB block each
    tree="$BENCH_DIR/small"; rm -rf "$tree" "$BENCH_DIR/set" "$BENCH_DIR/restored"
    small_tree "$tree" "$count"
    bytes=$(( count * 1024 ))
    run smallfiles "$count files" "$bytes" backup env BACKUP_DIR="$BENCH_DIR/set" UPLOADS_DIR="$tree" "$LIFEBOAT" backup --components files
    run smallfiles "$count files" "$bytes" restore env BACKUP_DIR="$BENCH_DIR/set" UPLOADS_DIR="$tree" "$LIFEBOAT" restore latest --components files --to "$BENCH_DIR/restored"
    stock_tar smallfiles "$count files" "$bytes" "$tree"
    rm -rf "$tree" "$BENCH_DIR/set" "$BENCH_DIR/restored"
  done
fi

mongo_server=""
fresh_mongo() {
  if [ -n "$mongo_server" ]; then kill "$mongo_server" 2>/dev/null || true; wait "$mongo_server" 2>/dev/null || true; fi
  .test-servers/venv/bin/secantusd-py --host 127.0.0.1 --port "$MONGO_PORT" --storage-path :memory: --cache-size 12G \
    --noop-heartbeat-seconds 86400 --oplog-max-entries 20000000 --oplog-retention-seconds 86400 >> "$BENCH_DIR/mongo.log" 2>&1 &
  mongo_server=$!
  for _ in $(seq 100); do (echo > "/dev/tcp/127.0.0.1/$MONGO_PORT") 2>/dev/null && break; sleep 0.1; done
}
redis_pids=""
trap 'kill ${mongo_server:-} $redis_pids 2>/dev/null || true' EXIT

if has mongo; then
  uri="mongodb://127.0.0.1:$MONGO_PORT/?directConnection=true"
  for docs in $MONGO_DOCS; do
    fits $(( docs * 1100 )) || continue
    rm -rf "$BENCH_DIR/set"
    fresh_mongo
    "$BENCH_DIR/mongo-raw" insert "$uri" bench 4 "$docs" text > "$BENCH_DIR/insert.txt"
    "$BENCH_DIR/mongo-raw" index "$uri" bench 4 > /dev/null
    bytes=$(sed -n 's/.* documents, \([0-9]*\) bytes/\1/p' "$BENCH_DIR/insert.txt")
    run mongo "$docs docs" "$bytes" backup env BACKUP_DIR="$BENCH_DIR/set" MONGO_URI="$uri" MONGO_OPLOG=false "$LIFEBOAT" backup --components mongo --ns 'bench.*'
    fresh_mongo
    run mongo "$docs docs" "$bytes" restore env BACKUP_DIR="$BENCH_DIR/set" MONGO_URI="$uri" "$LIFEBOAT" restore latest --components mongo --no-oplog-replay
    rm -rf "$BENCH_DIR/set"
  done
  kill "$mongo_server" 2>/dev/null || true; mongo_server=""
fi

if has redis; then
  for keys in $REDIS_KEYS; do
    fits $(( keys * 150 )) || continue
    rm -rf "$BENCH_DIR/set" "$BENCH_DIR/redis-source" "$BENCH_DIR/redis-target"; mkdir -p "$BENCH_DIR/redis-source" "$BENCH_DIR/redis-target"
    redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --enable-debug-command yes --dir "$BENCH_DIR/redis-source" --save '' --appendonly no --repl-diskless-sync-delay 0 > /dev/null 2>&1 &
    source_pid=$!
    redis-server --port $((REDIS_PORT + 1)) --bind 127.0.0.1 --dir "$BENCH_DIR/redis-target" --save '' --appendonly no > /dev/null 2>&1 &
    target_pid=$!
    redis_pids="$source_pid $target_pid"
    for _ in $(seq 100); do redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && redis-cli -p $((REDIS_PORT + 1)) ping >/dev/null 2>&1 && break; sleep 0.05; done
    [ "$(redis-cli -p "$REDIS_PORT" DEBUG POPULATE "$keys" key 100)" = OK ] || { echo "DEBUG POPULATE failed" >&2; exit 1; }
    bytes=$(redis-cli -p "$REDIS_PORT" INFO memory | sed -n 's/^used_memory_dataset:\([0-9]*\).*/\1/p')
    run redis "$keys keys" "$bytes" backup env BACKUP_DIR="$BENCH_DIR/set" REDIS_URL="redis://127.0.0.1:$REDIS_PORT/" "$LIFEBOAT" backup --components redis
    run redis "$keys keys" "$bytes" restore env BACKUP_DIR="$BENCH_DIR/set" REDIS_URL="redis://127.0.0.1:$((REDIS_PORT + 1))/" "$LIFEBOAT" restore latest --components redis
    # The stock way to take the same RDB: redis-cli --rdb (a replica's full sync), then zstd.
    run redis "$keys keys" "$bytes" "redis-cli --rdb | zstd (stock)" bash -c "redis-cli -p $REDIS_PORT --rdb '$BENCH_DIR/stock.rdb' > /dev/null && zstd -q -3 -T0 --rm -f '$BENCH_DIR/stock.rdb'"
    rm -f "$BENCH_DIR/stock.rdb.zst"
    kill $redis_pids 2>/dev/null || true; wait $redis_pids 2>/dev/null || true; redis_pids=""
    rm -rf "$BENCH_DIR/set"
  done
fi

if has chain; then
  if fits $(( CHAIN_FILES * 5000 )); then
    tree="$BENCH_DIR/chain-tree"; rm -rf "$tree" "$BENCH_DIR/set" "$BENCH_DIR/restored"
    small_tree "$tree" "$CHAIN_FILES"
    bytes=$(( CHAIN_FILES * 1024 ))
    export BACKUP_DIR="$BENCH_DIR/set" UPLOADS_DIR="$tree"
    run chain "link 1" "$bytes" "full backup" "$LIFEBOAT" backup --components files
    for day in $(seq 2 "$CHAIN_LINKS"); do
      # 1% of the files rewritten, ten added, ten deleted.
      python3 - "$tree" "$day" "$CHAIN_FILES" <<'PY'
import os, random, sys
root, day, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rng = random.Random(day)
for i in rng.sample(range(count), max(1, count // 100)):
    path = os.path.join(root, f"d{i // 1000:05d}", f"f{i:07d}.txt")
    if os.path.exists(path):
        with open(path, "wb") as f:
            f.write(rng.randbytes(1024))
for k in range(10):
    with open(os.path.join(root, "d00000", f"new-{day}-{k}.txt"), "wb") as f:
        f.write(rng.randbytes(1024))
for i in rng.sample(range(count), 10):
    path = os.path.join(root, f"d{i // 1000:05d}", f"f{i:07d}.txt")
    if os.path.exists(path):
        os.remove(path)
PY
      sleep 1.1
      if [ "$day" = "$CHAIN_LINKS" ]; then
        run chain "link $day" "$bytes" "incremental backup (last)" "$LIFEBOAT" backup --components files --kind incremental
      else
        "$LIFEBOAT" backup --components files --kind incremental > /dev/null 2>&1
      fi
    done
    run chain "$CHAIN_LINKS links" "$bytes" "restore of the last link" "$LIFEBOAT" restore latest --components files --to "$BENCH_DIR/restored"
    unset BACKUP_DIR UPLOADS_DIR
    rm -rf "$tree" "$BENCH_DIR/set" "$BENCH_DIR/restored"
  fi
fi

"$PLOT_PY" bench/scale-report.py "$results" docs/images
[ -f "$BENCH_DIR/skipped.txt" ] && { echo "skipped for lack of disk:"; cat "$BENCH_DIR/skipped.txt"; }
echo "plots: docs/images/scale-*.png"
