#!/bin/bash
# bench/gpu_prebuilt.sh - the GPU check when the GPU machine cannot build nnc.
#
#   bench/gpu_prebuilt.sh prepare DIR   (here: compile CPU and CUDA model.so
#                                        files and bench/gpu_compare.c into DIR)
#   bench/gpu_prebuilt.sh run DIR       (on the GPU machine: needs only libc
#                                        and the NVIDIA driver)
# `run` compares each CUDA build with the CPU build (predict, gradients of one
# batch, losses of 3 training steps; rtol 1e-4) and times both; it writes
# $OUT/gpu-run.log when OUT is set. bench/results/ keeps a run's log.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
MODELS="spiral:32 digits_mlp:32 fashion_mlp:128 fashion_mlp:1024 fashion_cnn:64 fashion_lstm:32 fashion_transformer:16"
case "${1:-}" in
prepare)
  DIR=${2:?usage: $0 prepare DIR}
  mkdir -p "$DIR"
  for m in $(for s in $MODELS; do echo "${s%%:*}"; done | sort -u); do
    "$ROOT/build/bin/nnc" "$ROOT/examples/$m.nn" -o "$DIR/$m-cpu.so" &&
      "$ROOT/build/bin/nnc" "$ROOT/examples/$m.nn" --target=cuda -o "$DIR/$m-cuda.so" ||
      { echo "cannot compile $m"; exit 1; }
  done
  clang-19 -O2 -std=c99 -I"$ROOT/include" "$ROOT/bench/gpu_compare.c" -o "$DIR/gpu_compare" -ldl -lm
  cp "$0" "$DIR/"
  echo "prepared $DIR: copy it to the GPU machine and run: $(basename "$0") run DIR"
  ;;
run)
  DIR=${2:?usage: $0 run DIR}
  cd "$DIR" || exit 2
  {
    nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv 2>&1 | head -3
    rc=0
    for spec in $MODELS; do
      m=${spec%%:*}; b=${spec##*:}
      echo "=== $m batch $b"
      timeout 120 ./gpu_compare ./$m-cpu.so ./$m-cuda.so "$b" 3 30 || { echo "exit $?"; rc=1; }
    done
    echo "overall rc=$rc"
    exit $rc
  } 2>&1 | tee "${OUT:-.}/gpu-run.log"
  exit "${PIPESTATUS[0]}"
  ;;
*)
  echo "usage: $0 prepare DIR | run DIR"; exit 2;;
esac
