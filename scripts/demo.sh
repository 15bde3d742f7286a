#!/usr/bin/env bash
# The main job, end to end, against embedded defaults it starts itself:
# builds Lifeboat, starts a local MongoDB-compatible server (SecantusDB), a
# local Redis and a local S3 (moto, signature checking on) and fills them,
# creates an uploads tree with awkward names, config files and a small git
# repository for the application's code, takes a backup of all five (copied to S3), lists it, verifies it (with a test restore of the
# database), restores it elsewhere and compares, then loses the local copy and
# restores from S3. Leaves the files in a scratch folder it prints; stops the servers.
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/install-deps.sh
swift build -c release --product lifeboat
LIFEBOAT="$(swift build -c release --show-bin-path)/lifeboat"
trap './scripts/test-servers.sh stop' EXIT
eval "$(./scripts/test-servers.sh start mongo s3)"

work="$(mktemp -d /tmp/lifeboat-demo.XXXXXX)"
echo "== sample stack in $work"
mkdir -p "$work/uploads/invoices 2026" "$work/uploads/تقارير" "$work/uploads/empty folder" "$work/app" "$work/nginx"
echo "invoice 1" > "$work/uploads/invoices 2026/INV-0001.txt"
echo "تقرير شهري" > "$work/uploads/تقارير/تقرير.txt"
head -c 5000000 /dev/urandom > "$work/uploads/photo.bin"
ln -s "invoices 2026/INV-0001.txt" "$work/uploads/latest-invoice"
ln "$work/uploads/photo.bin" "$work/uploads/photo-hardlink.bin"
printf 'MONGO_URI=mongodb://app:secret@mongodb:27017/alawael\n' > "$work/app/.env.production"
chmod 600 "$work/app/.env.production"
printf 'events {}\nhttp { server { listen 80; } }\n' > "$work/nginx/nginx.conf"

db="demo$$"
echo "== sample database $db"
.test-servers/venv/bin/python - "$LIFEBOAT_TEST_MONGO_URI" "$db" <<'PY'
import datetime, sys, pymongo
client = pymongo.MongoClient(sys.argv[1])
d = client[sys.argv[2]]
d.users.insert_many([{"_id": i, "name": f"مستخدم {i}", "email": f"user{i}@example.com",
                      "created": datetime.datetime(2026, 1, 1) + datetime.timedelta(hours=i)} for i in range(1000)])
d.users.create_index("email", unique=True)
d.orders.insert_many([{"_id": i, "user": i % 1000, "total": round(i * 1.25, 2)} for i in range(5000)])
d.create_collection("sessions", capped=True, size=1 << 20)
d.create_collection("bigOrders", viewOn="orders", pipeline=[{"$match": {"total": {"$gt": 5000}}}])
print(f"{d.users.count_documents({})} users, {d.orders.count_documents({})} orders")
PY

echo "== sample Redis (a private redis-server), and an empty one to restore into"
mkdir -p "$work/redis-a" "$work/redis-b"
redis-server --port 6511 --bind 127.0.0.1 --dir "$work/redis-a" --save '' --daemonize yes --repl-diskless-sync-delay 0 >/dev/null
redis-server --port 6512 --bind 127.0.0.1 --dir "$work/redis-b" --save '' --daemonize yes >/dev/null
trap 'redis-cli -p 6511 shutdown nosave >/dev/null 2>&1; redis-cli -p 6512 shutdown nosave >/dev/null 2>&1; ./scripts/test-servers.sh stop' EXIT
sleep 0.3
redis-cli -p 6511 EVAL "for i = 1, 20000 do redis.call('HSET', 'session:' .. i, 'user', i, 'ua', 'demo') redis.call('EXPIRE', 'session:' .. i, 86400) end redis.call('SET', 'config:motd', 'مرحبا') return 1" 0 >/dev/null
echo "$(redis-cli -p 6511 dbsize) keys"

export BACKUP_DIR="$work/backup"
export UPLOADS_DIR="$work/uploads"
export CONFIG_PATHS="$work/app/.env.production,$work/nginx/nginx.conf"
echo "== the application's code: a small git repository"
git init -q -b main "$work/app-code"
printf 'print("hello")\n' > "$work/app-code/server.py"
git -C "$work/app-code" add server.py
git -C "$work/app-code" -c user.name=Demo -c user.email=demo@example.com commit -q -m "first version"
git -C "$work/app-code" tag v1.0
export APP_REPO_DIR="$work/app-code"
export MONGO_URI="$LIFEBOAT_TEST_MONGO_URI"
export REDIS_URL="redis://127.0.0.1:6511/"
export BACKUP_RETENTION_DAYS=7
export AWS_S3_BUCKET="lifeboat-demo-$$/stack" AWS_ENDPOINT_URL="$LIFEBOAT_TEST_S3_ENDPOINT" AWS_REGION=us-east-1
export AWS_ACCESS_KEY_ID="$LIFEBOAT_TEST_S3_ACCESS_KEY_ID" AWS_SECRET_ACCESS_KEY="$LIFEBOAT_TEST_S3_SECRET_ACCESS_KEY"
echo "== a bucket in the local S3: s3://lifeboat-demo-$$"
.test-servers/venv/bin/python -c "import boto3; boto3.client('s3', endpoint_url='$AWS_ENDPOINT_URL', region_name='us-east-1').create_bucket(Bucket='lifeboat-demo-$$')"

echo "== lifeboat config"
"$LIFEBOAT" config
echo "== lifeboat backup"
id="$("$LIFEBOAT" backup --label demo --ns "$db.*")"
echo "== lifeboat list"
"$LIFEBOAT" list
echo "== lifeboat verify $id --deep"
"$LIFEBOAT" verify "$id" --deep
echo "== lifeboat status (is everything backed up right now? exit 0: all well)"
"$LIFEBOAT" status
echo "== lifeboat doctor (will the next backup and restore work? exit 1: only warnings here)"
"$LIFEBOAT" doctor || [ $? -eq 1 ]
echo "== lifeboat restore $id --components mongo,files,config,code --to $work/restored --ns-from '$db.*' --ns-to '${db}restored.*'"
"$LIFEBOAT" restore "$id" --components mongo,files,config,code --to "$work/restored" --ns-from "$db.*" --ns-to "${db}restored.*"
echo "== lifeboat restore $id --components redis into the empty Redis (online, through replication)"
REDIS_URL="redis://127.0.0.1:6512/" "$LIFEBOAT" restore "$id" --components redis
echo "== compare"
[ "$(redis-cli -p 6512 dbsize)" = "$(redis-cli -p 6511 dbsize)" ] && [ "$(redis-cli -p 6512 get config:motd)" = "مرحبا" ] \
  || { echo "demo FAILED: the restored Redis differs" >&2; exit 1; }
echo "redis: $(redis-cli -p 6512 dbsize) keys restored, TTL of session:1 $(redis-cli -p 6512 ttl session:1) s"
diff -r "$work/uploads" "$work/restored/files"
# (a failed test inside an && list would not stop `set -e`: each comparison exits itself)
[ "$(git -C "$work/restored/code" rev-parse HEAD)" = "$(git -C "$work/app-code" rev-parse HEAD)" ] && [ "$(git -C "$work/restored/code" tag)" = "v1.0" ] \
  || { echo "demo FAILED: the restored code differs" >&2; exit 1; }
echo "code: commit $(git -C "$work/restored/code" rev-parse --short HEAD) and tag v1.0 restored"
diff "$work/app/.env.production" "$work/restored/config$work/app/.env.production"
stat -c '%a %n' "$work/restored/config$work/app/.env.production"
.test-servers/venv/bin/python - "$MONGO_URI" "$db" <<'PY'
import sys, pymongo
client = pymongo.MongoClient(sys.argv[1])
a, b = client[sys.argv[2]], client[sys.argv[2] + "restored"]
for name in ("users", "orders"):
    left = list(a[name].find().sort("_id"))
    right = list(b[name].find().sort("_id"))
    assert left == right, f"{name} differs"
    print(f"{name}: {len(right)} documents identical")
assert sorted(i["name"] for i in a.users.list_indexes()) == sorted(i["name"] for i in b.users.list_indexes())
assert b.command("listCollections", filter={"name": "bigOrders"})["cursor"]["firstBatch"][0]["type"] == "view"
print("indexes and the view came back")
client.drop_database(sys.argv[2]); client.drop_database(sys.argv[2] + "restored")
PY
echo "== stock GNU tar lists the files artifact"
tar --zstd -tvf "$BACKUP_DIR/$id/files.tar.zst" | sed -n 1,5p
echo "== the local disk is lost: the set is still listed, from S3"
mv "$BACKUP_DIR" "$work/backup-lost"
"$LIFEBOAT" list
echo "== lifeboat verify latest --from s3 (downloaded and checked)"
"$LIFEBOAT" verify latest --from s3
echo "== lifeboat restore latest --components files,config --to $work/from-s3 (taken from S3)"
"$LIFEBOAT" restore latest --components files,config --to "$work/from-s3"
diff -r "$work/uploads" "$work/from-s3/files"
echo "files restored from S3 are identical"
echo "== lifeboat prune --dry-run"
"$LIFEBOAT" prune --dry-run
echo
echo "demo passed: backup $id verified (with a test restore), copied to S3, and restored identically from both (scratch folder: $work)"
