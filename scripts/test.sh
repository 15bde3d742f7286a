#!/usr/bin/env bash
# Runs the whole test suite: installs what it needs, starts the real test
# servers (scripts/test-servers.sh), builds, runs every test, stops the
# servers. Tests that need something absent skip unless
# LIFEBOAT_TEST_DISALLOW_SKIP is set, which CI does.
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/install-deps.sh
trap './scripts/test-servers.sh stop' EXIT
eval "$(./scripts/test-servers.sh start)"
swift build --build-tests
# The man page generator the image build uses (scripts/build-image.sh).
swift build --product generate-manual
swift test --skip-build "$@"
