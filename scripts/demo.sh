#!/usr/bin/env bash
# The main job, end to end, against embedded defaults: builds Lifeboat,
# creates a sample stack (an uploads tree with awkward names, config files),
# takes a backup, lists it, verifies it, restores it elsewhere and compares.
# Leaves everything in a scratch folder it prints.
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/install-deps.sh
swift build -c release --product lifeboat
LIFEBOAT="$(swift build -c release --show-bin-path)/lifeboat"

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

export BACKUP_DIR="$work/backup"
export UPLOADS_DIR="$work/uploads"
export CONFIG_PATHS="$work/app/.env.production,$work/nginx/nginx.conf"
export BACKUP_RETENTION_DAYS=7

echo "== lifeboat config"
"$LIFEBOAT" config
echo "== lifeboat backup"
id="$("$LIFEBOAT" backup --label demo)"
echo "== lifeboat list"
"$LIFEBOAT" list
echo "== lifeboat verify $id"
"$LIFEBOAT" verify "$id"
echo "== lifeboat restore $id --to $work/restored"
"$LIFEBOAT" restore "$id" --to "$work/restored"
echo "== compare"
diff -r "$work/uploads" "$work/restored/files"
diff "$work/app/.env.production" "$work/restored/config$work/app/.env.production"
stat -c '%a %n' "$work/restored/config$work/app/.env.production"
echo "== stock GNU tar lists the same artifact"
tar --zstd -tvf "$BACKUP_DIR/$id/files.tar.zst" | sed -n 1,5p
echo "== lifeboat prune --dry-run"
"$LIFEBOAT" prune --dry-run
echo
echo "demo passed: backup $id verified and restored identically (scratch folder: $work)"
