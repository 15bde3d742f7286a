#!/usr/bin/env bash
# Builds the local image the Docker tests run (no registry is reachable):
# a minimal root filesystem holding the host's redis-server, redis-cli and a
# few shell tools with the libraries they link, imported as
# lifeboat-test/redis:latest. Its docker-entrypoint.sh stands for the
# official redis image's (scripts/test-images/redis-entrypoint.sh), with the
# user redis (999) it runs the server as. Skipped when the image is already
# there, built from this same script and entrypoint (a label holds their hash).
# Usage: scripts/test-image.sh SOCKET
set -euo pipefail
socket="$1"
image="lifeboat-test/redis:latest"
api="http://localhost/v1.41"
cd "$(dirname "$0")/.."
version="$(cat scripts/test-image.sh scripts/test-images/redis-entrypoint.sh | sha256sum | cut -c1-16)"
if curl -sf --unix-socket "$socket" "$api/images/$image/json" | grep -q "\"lifeboat.test-image\":\"$version\""; then exit 0; fi

root="$(mktemp -d)"
trap 'rm -rf "$root"' EXIT
binaries=(/usr/bin/redis-server /usr/bin/redis-cli /bin/sh /bin/sleep /bin/cat /bin/ls /bin/rm /bin/mkdir /usr/bin/env /bin/chown /bin/grep /usr/bin/id /usr/bin/setpriv)
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
printf 'root:x:0:0:root:/root:/bin/sh\nredis:x:999:999::/data:/bin/sh\n' > "$root/etc/passwd"
printf 'root:x:0:\nredis:x:999:\n' > "$root/etc/group"
mkdir -p "$root/usr/local/bin"
cp scripts/test-images/redis-entrypoint.sh "$root/usr/local/bin/docker-entrypoint.sh"
tar -C "$root" -c . | curl -sf --unix-socket "$socket" -X POST -H 'Content-Type: application/x-tar' --data-binary @- \
  "$api/images/create?fromSrc=-&repo=lifeboat-test/redis&tag=latest&changes=LABEL%20lifeboat.test-image%3D$version" >/dev/null
echo "built $image" >&2
