#!/usr/bin/env bash
# Builds the image the disaster-recovery tests run their stack from (no
# registry is reachable): the host's Python 3.11 with the SecantusDB server
# (MongoDB wire-compatible) and what it imports, copied from the test
# servers' venv, imported as lifeboat-test/python:latest. The same image
# runs the stack's MongoDB-compatible server and its small HTTP backend;
# its docker-entrypoint.sh stands for the official mongo image's
# (scripts/test-images/mongo-entrypoint.py), with the user mongodb (999).
# Skipped when the image is already there, built from this same script and
# entrypoint (a label holds their hash).
# Usage: scripts/test-stack-image.sh SOCKET
set -euo pipefail
cd "$(dirname "$0")/.."
socket="$1"
image="lifeboat-test/python:latest"
api="http://localhost/v1.41"
version="$(cat scripts/test-stack-image.sh scripts/test-images/mongo-entrypoint.py Tests/tools/stack_backend.py | sha256sum | cut -c1-16)"
if curl -sf --unix-socket "$socket" "$api/images/$image/json" | grep -q "\"lifeboat.test-image\":\"$version\""; then exit 0; fi
site=".test-servers/venv/lib/python3.11/site-packages"
[ -d "$site/secantus" ] || ./scripts/test-servers.sh install

root="$(mktemp -d)"
trap 'rm -rf "$root"' EXIT
copy_with_libraries() {
  local real
  real="$(readlink -f "$1")"
  mkdir -p "$root$(dirname "$1")" "$root$(dirname "$real")"
  cp -a "$real" "$root$real"
  [ "$real" = "$1" ] || ln -sf "$real" "$root$1"
  for lib in $(ldd "$real" 2>/dev/null | grep -o '/[^ ]*' | sort -u); do
    mkdir -p "$root$(dirname "$lib")"
    [ -e "$root$lib" ] || cp -L "$lib" "$root$lib"
  done
}
for binary in /usr/bin/python3.11 /bin/sh /bin/bash /bin/sleep /bin/cat /bin/ls /bin/rm /bin/mkdir /usr/bin/env /bin/chmod /bin/chown /usr/bin/head /usr/bin/base64 /usr/bin/id; do
  copy_with_libraries "$binary"
done
ln -sf python3.11 "$root/usr/bin/python3"
# The standard library without its tests, and the extension modules' libraries.
mkdir -p "$root/usr/lib/python3.11"
tar -C /usr/lib/python3.11 --exclude=./test --exclude=__pycache__ --exclude=./idlelib --exclude=./tkinter -cf - . | tar -C "$root/usr/lib/python3.11" -xf -
for module in /usr/lib/python3.11/lib-dynload/*.so; do
  for lib in $(ldd "$module" 2>/dev/null | grep -o '/[^ ]*' | sort -u); do
    mkdir -p "$root$(dirname "$lib")"
    [ -e "$root$lib" ] || cp -L "$lib" "$root$lib"
  done
done
target="$root/usr/lib/python3/dist-packages"
mkdir -p "$target"
for package in secantus secantusdb.libs wiredtiger pymongo bson gridfs dns dateutil six.py future past s2sphere shapely shapely.libs numpy numpy.libs; do
  [ -e "$site/$package" ] && cp -a "$site/$package" "$target/"
done
find "$target" -name __pycache__ -prune -exec rm -rf {} +
# The libraries the packages' extension modules link from the system.
for module in $(find "$target" -name '*.so*' -type f); do
  for lib in $(ldd "$module" 2>/dev/null | grep -o '/[^ ]*' | grep -v "^$target" | sort -u); do
    mkdir -p "$root$(dirname "$lib")"
    [ -e "$root$lib" ] || cp -L "$lib" "$root$lib"
  done
done
mkdir -p "$root/data" "$root/tmp" "$root/etc" "$root/app"
chmod 1777 "$root/tmp"
printf 'root:x:0:0:root:/root:/bin/sh\nmongodb:x:999:999::/data/db:/bin/sh\n' > "$root/etc/passwd"
printf 'root:x:0:\nmongodb:x:999:\n' > "$root/etc/group"
mkdir -p "$root/usr/local/bin"
cp scripts/test-images/mongo-entrypoint.py "$root/usr/local/bin/docker-entrypoint.sh"
cp Tests/tools/stack_backend.py "$root/app/backend.py"
tar -C "$root" -c . | curl -sf --unix-socket "$socket" -X POST -H 'Content-Type: application/x-tar' --data-binary @- \
  "$api/images/create?fromSrc=-&repo=lifeboat-test/python&tag=latest&changes=ENV%20PYTHONPATH%3D%2Fusr%2Flib%2Fpython3%2Fdist-packages&changes=LABEL%20lifeboat.test-image%3D$version" >/dev/null
echo "built $image" >&2
