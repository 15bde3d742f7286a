#!/usr/bin/env bash
# Builds the Lifeboat image's runtime stage (Dockerfile.backup, target
# runtime-host) on the local Docker engine, with no registry: the Debian
# bookworm runtime base is made by debootstrap from Debian's mirror (with
# the runtime libraries and CA certificates; cached) and imported, and the
# binary is the one built on this host, with its Swift runtime libraries.
# Usage: scripts/build-image.sh SOCKET [BINARY] [TAG]
set -euo pipefail
cd "$(dirname "$0")/.."
socket="$1"
binary="${2:-$(swift build --show-bin-path)/lifeboat}"
tag="${3:-lifeboat:test}"
# The runtime packages: the ones Dockerfile.backup's runtime stage installs
# (the C libraries Lifeboat links, CA certificates, git), read from it so
# the list is written once, plus passwd (useradd; minbase lacks it). The
# cached base is named by this list, so a change to it builds a new base
# instead of reusing one that lacks a package.
here="$(cd "$(dirname "$0")/.." && pwd)"
packages="$(grep -m1 -E '^ +libmongoc-1\.0-0 ' "$here/Dockerfile.backup" | sed 's/ca-certificates git.*/ca-certificates git/' | xargs | tr ' ' ','),passwd"
case "$packages" in libmongoc-1.0-0,*ca-certificates,git,passwd) ;; *) echo "build-image.sh: cannot read the runtime packages from Dockerfile.backup (found: $packages)" >&2; exit 1 ;; esac
key="$(printf '%s' "$packages" | sha256sum | cut -c1-12)"
base="lifeboat-test/debian-runtime:bookworm-$key"
cache="${LIFEBOAT_TEST_CACHE:-/var/cache/lifeboat-test}"
# Debian's docker.io client (20.10), whose classic builder stops at --target.
client=/usr/bin/docker
[ -x "$client" ] || client=docker
docker=("$client" -H "unix://$socket")

if ! "${docker[@]}" image inspect "$base" >/dev/null 2>&1; then
  mkdir -p "$cache"
  if [ ! -f "$cache/runtime-rootfs-$key.tar" ]; then
    command -v debootstrap >/dev/null || apt-get install -y -qq debootstrap >/dev/null
    root="$(mktemp -d)"
    debootstrap --variant=minbase \
      --include="$packages" \
      bookworm "$root" "${LIFEBOAT_DEBIAN_MIRROR:-http://deb.debian.org/debian}" >/dev/null
    rm -rf "$root/var/cache/apt/archives"/*.deb "$root/var/lib/apt/lists"/*
    tar -C "$root" -cf "$cache/runtime-rootfs-$key.tar.partial" . && mv "$cache/runtime-rootfs-$key.tar.partial" "$cache/runtime-rootfs-$key.tar"
    rm -rf "$root"
  fi
  "${docker[@]}" import "$cache/runtime-rootfs-$key.tar" "$base" >/dev/null
fi

context="$(mktemp -d)"
trap 'rm -rf "$context"' EXIT
cp Dockerfile.backup "$context/"
cp "$binary" "$context/lifeboat"
# The man pages, one per command, from the commands themselves
# (swift-argument-parser's generate-manual; scripts/test.sh builds it).
manual="$(dirname "$binary")/generate-manual"
if [ ! -x "$manual" ]; then
  echo "build-image: $manual is missing: run \`swift build --product generate-manual\` first" >&2
  exit 1
fi
mkdir -p "$context/man"
"$manual" "$binary" --multi-page --output-directory "$context/man" >/dev/null
mkdir -p "$context/swift-runtime"
# The Swift runtime libraries the binary links (the C libraries come from Debian in the base).
for lib in $(ldd "$binary" | grep -o '/[^ ]*' | sort -u); do
  case "$lib" in
    */swift/*|*/lib/swift*) cp -L "$lib" "$context/swift-runtime/" ;;
  esac
done
DOCKER_BUILDKIT=0 "${docker[@]}" build -q -f "$context/Dockerfile.backup" --target runtime-host \
  --build-arg RUNTIME_BASE="$base" --build-arg INSTALL_RUNTIME_PACKAGES=false -t "$tag" "$context" >/dev/null
echo "built $tag"
