#!/bin/bash
# Predict time of nnc vs PyTorch on the same weights, inputs, batch and
# thread count, in one run: checks the outputs agree (rtol 1e-4) before
# timing, prints the ratio per model. Exits non-zero on a mismatch.
# Usage: bench/predict.sh [MODEL...]  (default: fashion_mlp fashion_cnn)
set -u
cd "$(dirname "$0")/.."
DEFAULT_ITERS=100
. bench/common.sh
mkdir -p "$BENCH_OUT"
build_tools
print_setting
for name in "${@:-fashion_mlp fashion_cnn}"; do
  for n in $name; do bench_model "$n" predict; done
done
summary
