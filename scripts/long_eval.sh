#!/usr/bin/env bash
# A long `fhecnn eval` (thousands of simulated images, or encrypted images at minutes each) in
# the background, under nice, resumable. Usage:
#   scripts/long_eval.sh NAME EVAL-OPTIONS...     start, or resume, run NAME
#   scripts/long_eval.sh NAME --status            progress of run NAME
# Files in runs/NAME/: checkpoint.jsonl (one line per finished image; fhecnn eval --checkpoint),
# report.json (written when the run completes), log.txt, pid. Running the same command again
# after an interruption skips the images already in the checkpoint; the options must be the same
# (fhecnn eval refuses a checkpoint written for another model, mode or settings).
# Example (the issue's 20 encrypted ResNet-20 images):
#   scripts/long_eval.sh resnet20-enc20 --model ../shared/models/paper-resnet20-cifar10.onnx \
#       --data ../shared/data/cifar10 --mode encrypted --count 20 --threads 2
set -euo pipefail
cd "$(dirname "$0")/.."
name="${1:?usage: scripts/long_eval.sh NAME EVAL-OPTIONS... | NAME --status}"
shift
dir="runs/$name"
if [[ "${1:-}" == "--status" ]]; then
  [[ -d "$dir" ]] || { echo "no run named $name (no $dir)" >&2; exit 1; }
  if [[ -f "$dir/pid" ]] && kill -0 "$(cat "$dir/pid")" 2>/dev/null; then
    echo "running (pid $(cat "$dir/pid"))"
  else
    echo "not running"
  fi
  echo "images recorded: $(($(grep -c '' "$dir/checkpoint.jsonl" 2>/dev/null || echo 1) - 1))"
  tail -c 400 "$dir/log.txt" | tr '\r' '\n' | tail -n 3
  exit 0
fi
if [[ -f "$dir/pid" ]] && kill -0 "$(cat "$dir/pid")" 2>/dev/null; then
  echo "run $name is already running (pid $(cat "$dir/pid"))" >&2
  exit 1
fi
mkdir -p "$dir"
cmake --preset release >/dev/null
cmake --build --preset release --target fhecnn -j "$(nproc)" >&2
nohup nice -n 10 build/release/bin/fhecnn eval "$@" --checkpoint "$dir/checkpoint.jsonl" \
  --json "$dir/report.json" >>"$dir/log.txt" 2>&1 &
echo $! >"$dir/pid"
echo "started $name (pid $!): progress in $dir/log.txt, status: scripts/long_eval.sh $name --status"
