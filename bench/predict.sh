#!/bin/bash
# Predict time of nnc vs PyTorch and ONNX Runtime on the same weights,
# inputs, batch and thread count, in one run: checks the outputs agree
# (rtol 1e-4) before timing, prints the ratios and FLOP rates per model,
# and with N > 1 threads nnc's speedup over 1 thread (bench/common.sh).
# Exits non-zero on a mismatch.
# Usage: bench/predict.sh [--threads N] [MODEL...]   (N: default 1)
#   (default: fashion_mlp fashion_cnn lenet5 lstm encoder)
set -u
cd "$(dirname "$0")/.."
DEFAULT_ITERS=100
. bench/common.sh
parse_args "$@"
set -- "${MODELS[@]}"
mkdir -p "$BENCH_OUT"
build_tools
print_setting
setup_ort
for name in "${@:-fashion_mlp fashion_cnn lenet5 lstm encoder}"; do
  for n in $name; do bench_model "$n" predict; done
done
summary
