#!/usr/bin/env bash
# Installs what building and testing Lifeboat needs on Debian 12 (run as root,
# or with sudo available). Idempotent: packages already present are skipped.
set -euo pipefail

packages=(
  pkg-config
  libarchive-dev   # tar streams (files and config artifacts)
  libssl-dev       # SHA-256, MD5, HMAC, age encryption (X25519, ChaCha20-Poly1305, scrypt)
  libzstd-dev      # zstd compression of artifacts
  zlib1g-dev       # gzip streams (reading gzip artifacts)
  libdeflate-dev   # gzip members of artifacts, compressed in parallel
  zstd gzip tar    # stock tools the tests check our artifacts against
  git              # the 'code' component (git bundle), and stock git clone in its tests
  python3 python3-venv  # the test servers (SecantusDB and moto from PyPI) run in a venv
  libmongoc-dev libbson-dev  # MongoDB client (mongo component)
  libhiredis-dev   # Redis client (redis component)
  redis-server redis-tools  # the Redis test server and redis-check-rdb / redis-cli
  libcurl4-openssl-dev  # HTTP: the Docker socket, S3, alert webhooks
  docker.io curl   # the Docker engine the tests start, and the image import
  age              # stock age, to check our encrypted artifacts both ways
  debootstrap docker-compose  # the image's Debian runtime base, and the compose file check
  time             # /usr/bin/time for the benchmarks' peak memory
  chromium         # headless: the tests open and screenshot the report page
  openssh-server openssh-client  # sshd on a private port, the SFTP target's tests (and ssh-keygen for their keys)
)

missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
