#!/usr/bin/env bash
# The main job on its embedded default: installs what is missing, builds, and classifies a photo
# (the cat "chelsea.png" that Debian's python3-skimage ships, centre-cropped and resized to
# 32x32) with fhecnn's own ResNet-20 (models/resnet20-cifar10.onnx) under 128-bit CKKS: keys,
# encryption, the whole network on the ciphertext, decryption, top-5 classes, time and memory.
# Needs about 8 GB of RAM and a few minutes on 2 cores.
#   bash scripts/run.sh                 the default above
#   bash scripts/run.sh ARGS...         `fhecnn run ARGS...` instead (e.g. --model M --image F --resize)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh demo
cmake --preset release >/dev/null
cmake --build --preset release --target fhecnn -j "$(nproc)"
if [ $# -gt 0 ]; then
  exec build/release/bin/fhecnn run "$@"
fi
model=models/resnet20-cifar10.onnx
image=/usr/lib/python3/dist-packages/skimage/data/chelsea.png
[ -f "$model" ] || { echo "run.sh: cannot run the demo: $model is missing" >&2; exit 1; }
[ -f "$image" ] || { echo "run.sh: cannot run the demo: $image is missing (python3-skimage)" >&2; exit 1; }
exec build/release/bin/fhecnn run --model "$model" --image "$image" --resize
