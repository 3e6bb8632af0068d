#!/usr/bin/env bash
# Installs every Debian package fhecnn needs. Idempotent: does nothing when all is present.
# Run as root on Debian 12.
#   scripts/install-deps.sh          build, tests, benchmarks and the Python model scripts
#   scripts/install-deps.sh build    only what building and testing the C++ needs
#   scripts/install-deps.sh demo     build + the demo photo (python3-skimage ships it; no Python
#                                    runs, the image file is read by fhecnn)
set -euo pipefail

BUILD_PKGS=(
  build-essential cmake pkg-config git
  libgtest-dev libgmock-dev libbenchmark-dev
  libssl-dev libmpfr-dev libgmp-dev libboost-dev
  libonnx-dev libprotobuf-dev protobuf-compiler
  libcli11-dev nlohmann-json3-dev libfmt-dev libzstd-dev libstb-dev
)
# Only for scripts/ (training, export, demo image); never needed at run time.
SCRIPT_PKGS=(python3 python3-numpy python3-torch python3-onnx python3-skimage)

want=("${BUILD_PKGS[@]}")
case "${1:-all}" in
  all) want+=("${SCRIPT_PKGS[@]}") ;;
  build) ;;
  demo) want+=(python3-skimage) ;;
  *) echo "install-deps: cannot install: unknown set '$1' (use 'all', 'build' or 'demo')" >&2; exit 2 ;;
esac

missing=()
for p in "${want[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#want[@]} packages present" >&2
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: cannot install ${missing[*]}: not root (run as root or with sudo)" >&2
  exit 1
fi

echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-deps: done" >&2
