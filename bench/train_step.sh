#!/bin/bash
# Time of one fused training step of nnc vs PyTorch (forward, loss,
# backward, optimizer update) on the same weights, batch and thread count,
# in one run: first checks the losses of 3 steps and the parameters after
# them agree (rtol 1e-3), then times; prints the ratio and FLOP rates, and
# with N > 1 threads nnc's speedup over 1 thread (bench/common.sh).
# Exits non-zero on a mismatch. fashion_cnn trains its dropout-free twin
# (bench/models/fashion_cnn_nodropout.nn), which PyTorch can check.
# Usage: bench/train_step.sh [--threads N] [MODEL...]   (N: default 1)
#   (default: spiral fashion_mlp fashion_cnn lenet5 lstm encoder)
set -u
cd "$(dirname "$0")/.."
DEFAULT_ITERS=30
. bench/common.sh
parse_args "$@"
set -- "${MODELS[@]}"
mkdir -p "$BENCH_OUT"
build_tools
print_setting
for name in "${@:-spiral fashion_mlp fashion_cnn lenet5 lstm encoder}"; do
  for n in $name; do bench_model "$n" train --check-steps 3; done
done
summary
