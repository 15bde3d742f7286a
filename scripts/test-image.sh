#!/usr/bin/env bash
# Builds the local image the Docker tests run (no registry is reachable):
# a minimal root filesystem holding the host's redis-server, redis-cli and a
# few shell tools with the libraries they link, imported as
# lifeboat-test/redis:latest. Skipped when the image is already there.
# Usage: scripts/test-image.sh SOCKET
set -euo pipefail
socket="$1"
image="lifeboat-test/redis:latest"
api="http://localhost/v1.41"
if curl -sf --unix-socket "$socket" "$api/images/$image/json" >/dev/null; then exit 0; fi

root="$(mktemp -d)"
trap 'rm -rf "$root"' EXIT
binaries=(/usr/bin/redis-server /usr/bin/redis-cli /bin/sh /bin/sleep /bin/cat /bin/ls /bin/rm /bin/mkdir /usr/bin/env)
for binary in "${binaries[@]}"; do
  real="$(readlink -f "$binary")"
  mkdir -p "$root$(dirname "$binary")" "$root$(dirname "$real")"
  cp -a "$real" "$root$real"
  [ "$real" = "$binary" ] || ln -sf "$real" "$root$binary"
  for lib in $(ldd "$real" | grep -o '/[^ ]*' | sort -u); do
    mkdir -p "$root$(dirname "$lib")"
    cp -L "$lib" "$root$lib"
  done
done
mkdir -p "$root/data" "$root/tmp" "$root/etc"
echo "root:x:0:0:root:/root:/bin/sh" > "$root/etc/passwd"
echo "root:x:0:" > "$root/etc/group"
tar -C "$root" -c . | curl -sf --unix-socket "$socket" -X POST -H 'Content-Type: application/x-tar' --data-binary @- \
  "$api/images/create?fromSrc=-&repo=lifeboat-test/redis&tag=latest" >/dev/null
echo "built $image" >&2
