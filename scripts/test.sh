#!/usr/bin/env bash
# Runs the whole test suite: installs what it needs, builds, runs every test.
# Tests that need something absent (a server, root for tmpfs) skip unless
# LIFEBOAT_TEST_DISALLOW_SKIP is set, which CI does.
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/install-deps.sh
swift build --build-tests
swift test --skip-build "$@"
