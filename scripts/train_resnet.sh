#!/usr/bin/env bash
# Starts, resumes or reports the background training run of scripts/train_resnet.py.
#
#   scripts/train_resnet.sh            start the run, or resume it from its last checkpoint, in the
#                                      background (nohup, nice 19, own session); if it is already
#                                      running, only report progress; if it has finished, report that
#   scripts/train_resnet.sh status     report only (never starts anything)
#   scripts/train_resnet.sh stop       stop the run (SIGTERM to the recorded pid only); the last
#                                      completed epoch is kept, `scripts/train_resnet.sh` resumes it
#
# Settings (environment): DEPTH (20), EPOCHS (50), DATA (/work/shared/data/cifar10),
# TRAIN_DIR (/work/fhecnn-train/resnet$DEPTH: checkpoints, log, pid; keep it outside the repo),
# OUT (models/resnet$DEPTH-cifar10.onnx, relative to the repository root), PYTHON (/usr/bin/python3,
# the interpreter with Debian's python3-torch), NICE (19), EXTRA_ARGS (more train_resnet.py options).
# Changing EPOCHS or other schedule options of a run that has already started changes its schedule
# from the resume point on (the script logs a warning); keep them fixed for a reproducible run.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEPTH="${DEPTH:-20}"
EPOCHS="${EPOCHS:-50}"
DATA="${DATA:-/work/shared/data/cifar10}"
TRAIN_DIR="${TRAIN_DIR:-/work/fhecnn-train/resnet${DEPTH}}"
OUT="${OUT:-models/resnet${DEPTH}-cifar10.onnx}"
PYTHON="${PYTHON:-/usr/bin/python3}"
NICE="${NICE:-19}"
EXTRA_ARGS="${EXTRA_ARGS:-}"

LOG="$TRAIN_DIR/train.log"
PIDFILE="$TRAIN_DIR/pid"
action="${1:-start}"

running_pid() {
  # Prints the pid if the recorded process is alive and is our training script.
  [ -f "$PIDFILE" ] || return 1
  local pid
  pid="$(tr -dc '0-9' < "$PIDFILE")"
  [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] || return 1
  tr '\0' ' ' < "/proc/$pid/cmdline" | grep -q "train_resnet.py" || return 1
  echo "$pid"
}

report() {
  echo "run dir: $TRAIN_DIR"
  echo "log:     $LOG"
  if [ -f "$TRAIN_DIR/final_metrics.json" ]; then
    echo "state:   FINISHED (final_metrics.json present; ONNX at $OUT)"
    grep -E "final (train|test)|bound B|ONNX (form|check)|exported" "$LOG" 2>/dev/null | tail -n 7 || true
    return 0
  fi
  local pid
  if pid="$(running_pid)"; then
    echo "state:   RUNNING, pid $pid (nice $(ps -o ni= -p "$pid" | tr -d ' '))"
  else
    echo "state:   NOT RUNNING"
  fi
  if [ -f "$LOG" ]; then
    local last_epoch last_step
    last_epoch="$(grep ' EPOCH ' "$LOG" | tail -n 1 || true)"
    last_step="$(grep -E ' epoch [0-9]+/[0-9]+ step ' "$LOG" | tail -n 1 || true)"
    echo "last epoch: ${last_epoch:-none yet}"
    echo "last step:  ${last_step:-none yet}"
    grep -E 'ERROR|Traceback|Error' "$LOG" | tail -n 3 || true
  fi
  if [ -f "$TRAIN_DIR/nohup.out" ] && grep -q Traceback "$TRAIN_DIR/nohup.out"; then
    echo "nohup.out has a traceback:"
    tail -n 5 "$TRAIN_DIR/nohup.out"
  fi
}

case "$action" in
  status)
    report
    ;;
  stop)
    if pid="$(running_pid)"; then
      kill -TERM "$pid"
      echo "sent SIGTERM to $pid; resume later with: $0"
    else
      echo "not running"
    fi
    ;;
  start)
    mkdir -p "$TRAIN_DIR"
    if [ -f "$TRAIN_DIR/final_metrics.json" ]; then
      report
      exit 0
    fi
    if pid="$(running_pid)"; then
      report
      exit 0
    fi
    cd "$ROOT"
    mkdir -p "$(dirname "$OUT")"
    # shellcheck disable=SC2086  # EXTRA_ARGS is split on purpose
    setsid nohup nice -n "$NICE" "$PYTHON" scripts/train_resnet.py \
      --data "$DATA" --depth "$DEPTH" --epochs "$EPOCHS" \
      --checkpoint-dir "$TRAIN_DIR" --log "$LOG" --pid-file "$PIDFILE" --out "$OUT" \
      --resume $EXTRA_ARGS >> "$TRAIN_DIR/nohup.out" 2>&1 < /dev/null &
    echo "$!" > "$PIDFILE"  # the script rewrites it with its own pid at start
    sleep 3
    if pid="$(running_pid)"; then
      echo "started ResNet-$DEPTH training ($EPOCHS epochs), pid $pid"
    else
      echo "failed to start; see $TRAIN_DIR/nohup.out" >&2
      tail -n 20 "$TRAIN_DIR/nohup.out" >&2 || true
      exit 1
    fi
    report
    ;;
  *)
    echo "usage: $0 [start|status|stop]" >&2
    exit 2
    ;;
esac
