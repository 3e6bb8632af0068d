#!/usr/bin/env bash
# Benchmarks that print JSON to stdout (logs on stderr). Usage:
#   scripts/bench.sh core [PRESET] [REPS]   core CKKS operations at N = 2^16, 1 and 2 threads
#   scripts/bench.sh poly [PRESET] [REPS]   AppReLU (alpha 13) on one ciphertext at N = 2^16, 1 and 2 threads
#   scripts/bench.sh boot [THREADS] [REPS] [SLOTS...]
#                                           bootstrapping at boot_n16 (default 2 threads, 3 reps,
#                                           slots 4096 8192 16384 32768): a JSON array, one object
#                                           per slot count, each measured in its own process
#   scripts/bench.sh resnet [--depth D] [--images K] [--threads T] [--model M.onnx] [--data DIR]
#                                           encrypted ResNet-D (default 20) on the first K (1)
#                                           CIFAR-10 test images at boot_n16, T (2) threads:
#                                           one JSON object (latency, layers, keys, agreement)
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
  resnet)
    depth=20 images=1 threads=2 model="" data="../shared/data/cifar10"
    while [ $# -gt 0 ]; do
      case "$1" in
        --depth) depth="$2"; shift 2 ;;
        --images) images="$2"; shift 2 ;;
        --threads) threads="$2"; shift 2 ;;
        --model) model="$2"; shift 2 ;;
        --data) data="$2"; shift 2 ;;
        *) echo "bench.sh resnet: unknown option '$1'" >&2; exit 2 ;;
      esac
    done
    [ -n "$model" ] || model="../shared/models/paper-resnet${depth}-cifar10.onnx"
    [ -f "$model" ] || { echo "bench.sh resnet: cannot read model: $model does not exist" >&2; exit 2; }
    build report_resnet
    exec build/release/bench/report_resnet "$model" "$data" "$images" "$threads"
    ;;
  *)
    echo "usage: scripts/bench.sh core|poly|boot|resnet ..." >&2
    exit 2
    ;;
esac
