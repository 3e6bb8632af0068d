#!/usr/bin/env bash
# The main job on its embedded default: installs what is missing, builds, runs `fhecnn demo`.
# Extra arguments go to the demo (see `build/release/bin/fhecnn demo --help`).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh build
cmake --preset release >/dev/null
cmake --build --preset release --target fhecnn -j "$(nproc)"
exec build/release/bin/fhecnn demo "$@"
