#!/usr/bin/env bash
# Benchmarks that print JSON to stdout (logs on stderr). Usage:
#   scripts/bench.sh core [PRESET] [REPS]   core CKKS operations at N = 2^16, 1 and 2 threads
#   scripts/bench.sh poly [PRESET] [REPS]   AppReLU (alpha 13) on one ciphertext at N = 2^16, 1 and 2 threads
set -euo pipefail
cd "$(dirname "$0")/.."
what="${1:-}"
shift || true
build() {
  cmake --preset release >/dev/null
  cmake --build --preset release --target "$@" -j "$(nproc)" >&2
}
case "$what" in
  core)
    build report_core
    exec build/release/bench/report_core "$@"
    ;;
  poly)
    build report_poly
    exec build/release/bench/report_poly "$@"
    ;;
  *)
    echo "usage: scripts/bench.sh core|poly [PRESET] [REPS]" >&2
    exit 2
    ;;
esac
