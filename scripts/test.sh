#!/usr/bin/env bash
# The default test suite: installs what is missing, builds everything, runs every test except
# those labelled `slow` (ring degree 2^16). `scripts/test.sh slow` runs only the slow ones.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh build
cmake --preset release >/dev/null
cmake --build --preset release -j "$(nproc)"
if [ "${1:-}" = "slow" ]; then
  exec ctest --preset slow
fi
exec ctest --preset release
