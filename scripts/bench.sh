#!/usr/bin/env bash
# Benchmarks that print JSON to stdout (logs on stderr). Usage:
#   scripts/bench.sh core [PRESET] [REPS]   core CKKS operations at N = 2^16, 1 and 2 threads
#   scripts/bench.sh poly [PRESET] [REPS]   AppReLU (alpha 13) on one ciphertext at N = 2^16, 1 and 2 threads
#   scripts/bench.sh boot [THREADS] [REPS] [SLOTS...]
#                                           bootstrapping at boot_n16 (default 2 threads, 3 reps,
#                                           slots 4096 8192 16384 32768): a JSON array, one object
#                                           per slot count, each measured in its own process
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
  boot)
    build report_boot
    threads="${1:-2}"
    reps="${2:-3}"
    shift $(( $# > 2 ? 2 : $# ))
    sizes=("$@")
    [ ${#sizes[@]} -gt 0 ] || sizes=(4096 8192 16384 32768)
    echo "["
    sep=""
    for s in "${sizes[@]}"; do
      line="$(build/release/bench/report_boot "$s" "$threads" "$reps")"
      printf '%s  %s' "$sep" "$line"
      sep=$',\n'
    done
    printf '\n]\n'
    ;;
  *)
    echo "usage: scripts/bench.sh core|poly|boot ..." >&2
    exit 2
    ;;
esac
