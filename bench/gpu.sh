#!/bin/bash
# bench/gpu.sh - the GPU check and benchmark of nnc's CUDA back end, in two
# halves: `prepare` runs here (where nnc builds) and writes everything the GPU
# machine needs into one small directory; `run` runs there and needs only
# bash, coreutils, the NVIDIA driver and, for the PyTorch comparison, a
# python3 with torch (CUDA).
#
#   bench/gpu.sh prepare DIR   compile each model below for cpu and cuda
#                              (model.so; PTX for $BENCH_GPU_CHIPS, default
#                              sm_90: H100/H200), build gpu_compare, write the
#                              PyTorch twins' weights and inputs (nnc-bench)
#   bench/gpu.sh run DIR       on the GPU machine (DIR/gpu.sh run DIR works
#                              too: prepare copies this script into DIR)
#
# `run` runs gpu_compare per model: the CUDA build against the CPU build
# (predict, gradients of one batch, losses of 3 training steps, rtol 1e-4),
# then times both (median of BENCH_ITERS calls, default 30). If `python3`
# (or $BENCH_PYTHON) imports torch and torch.cuda.is_available(), it times
# the PyTorch twin (bench/torch_models.py) on CUDA with the same weights,
# inputs and batch (bench/gpu_torch.py) and prints nnc-cuda/torch-cuda
# ratios; otherwise it says which python it tried and why it cannot. Output
# goes to stdout and, when OUT is set, to $OUT/gpu-run.log.
#
# Exit status of run: 0 every CUDA result equals the CPU build; 1 a mismatch
# or an error (crash, timeout) in some model; 2 usage or DIR not prepared;
# 3 CUDA is not available (no NVIDIA driver or no device: the CUDA model
# cannot be created; nothing was compared). prepare: 0, or 1 on failure.
set -u
SELF=$(cd "$(dirname "$0")" && pwd)/$(basename "$0")

# NAME SOURCE BATCH TWIN: the model.so NAME-{cpu,cuda}.so built from SOURCE
# (relative to the repository), checked and timed at BATCH; TWIN names its
# PyTorch twin in bench/torch_models.py SPECS, `-` when there is none.
MODELS="
spiral examples/spiral.nn 32 spiral
digits_mlp examples/digits_mlp.nn 32 -
fashion_mlp examples/fashion_mlp.nn 128 fashion_mlp
fashion_mlp examples/fashion_mlp.nn 1024 fashion_mlp
fashion_cnn examples/fashion_cnn.nn 128 fashion_cnn
fashion_cnn examples/fashion_cnn.nn 1024 fashion_cnn
fashion_lstm examples/fashion_lstm.nn 128 fashion_lstm
fashion_lstm examples/fashion_lstm.nn 1024 fashion_lstm
fashion_transformer examples/fashion_transformer.nn 128 fashion_transformer
fashion_transformer examples/fashion_transformer.nn 1024 fashion_transformer
lenet5 bench/models/lenet5.nn 64 lenet5
lstm bench/models/lstm.nn 32 lstm
encoder bench/models/encoder.nn 16 encoder
"
MAX_DIR_MIB=60

usage() {
  echo "usage: $0 prepare DIR | run DIR" >&2
  exit 2
}

prepare() {
  local dir=$1 root build name src batch twin d
  root=$(cd "$(dirname "$SELF")/.." && pwd)
  build=${NNC_BUILD_DIR:-$root/build}
  if ! [ -x "$build/bin/nnc" ] || ! [ -x "$build/bin/nnc-bench" ]; then
    echo "== building nnc and nnc-bench"
    (cd "$root" && scripts/build.sh nnc nnc-bench) || return 1
  fi
  # inputs/, not torch/: a folder named torch in the working directory would
  # shadow the torch package for the python that run starts there.
  rm -rf "$dir" && mkdir -p "$dir/inputs" || return 1
  for name in $(echo "$MODELS" | awk 'NF {print $1}' | sort -u); do
    src=$(echo "$MODELS" | awk -v n="$name" '$1 == n {print $2; exit}')
    echo "== $name: compiling $src for cpu and cuda"
    "$build/bin/nnc" "$root/$src" -o "$dir/$name-cpu.so" &&
      "$build/bin/nnc" "$root/$src" --target=cuda --gpu-chips="${BENCH_GPU_CHIPS:-sm_90}" \
        -o "$dir/$name-cuda.so" ||
      { echo "error: cannot compile $src"; return 1; }
  done
  echo "== gpu_compare (clang-19, libc + libdl + libm only)"
  clang-19 -O2 -std=c99 -Wall -I"$root/include" "$root/bench/gpu_compare.c" \
    -o "$dir/gpu_compare" -ldl -lm || return 1
  # The PyTorch side: nnc's initial weights (seed 42), one batch of inputs
  # and labels, and the CPU build's predict outputs, as nnc-bench writes
  # them for bench/torch_bench.py (one predict and one train call).
  echo "$MODELS" | while read -r name src batch twin; do
    [ -n "$name" ] && [ "$twin" != - ] || continue
    d=$dir/inputs/$name-b$batch
    "$build/bin/nnc-bench" "$dir/$name-cpu.so" "$d" --batch "$batch" \
      --warmup 0 --iters 1 >/dev/null && mv "$d/nnc.json" "$d/predict.json" ||
      { echo "error: nnc-bench predict failed on $name"; exit 1; }
    "$build/bin/nnc-bench" "$dir/$name-cpu.so" "$d" --batch "$batch" --train \
      --check-steps 1 --warmup 0 --iters 1 >/dev/null
    case $? in
    0) mv "$d/nnc.json" "$d/train.json" ;;
    3) ;; # no train_step entry: PyTorch times predict only
    *) echo "error: nnc-bench train failed on $name"; exit 1 ;;
    esac
    rm -f "$d/after.safetensors" "$d/losses.npy"
    echo "== $name batch $batch: PyTorch inputs in inputs/$name-b$batch"
  done || return 1
  echo "$MODELS" | awk 'NF' >"$dir/models.txt"
  cp "$SELF" "$root/bench/gpu_torch.py" "$root/bench/torch_models.py" "$dir/"
  local mib
  mib=$(du -sm "$dir" | cut -f1)
  echo "== prepared $dir: ${mib} MiB"
  if [ "$mib" -ge "$MAX_DIR_MIB" ]; then
    echo "error: $dir is larger than $MAX_DIR_MIB MiB"
    return 1
  fi
  echo "   on the GPU machine: bench/gpu.sh run $dir (or $dir/gpu.sh run $dir)"
}

# field NAME FILE PATTERN: the milliseconds gpu_compare printed for PATTERN
# ("predict" or "train_step") on the `cuda` or `cpu` side (NAME).
field() {
  awk -v side="$1" -v what="$3" '$1 == what && $2 == "median" {
    for (i = 1; i < NF; ++i) if ($i == side) { print $(i + 1); exit } }' "$2"
}

# ratio A B: A / B with 2 decimals, `-` when either is missing.
ratio() {
  if [ -z "$1" ] || [ -z "$2" ] || [ "$1" = - ] || [ "$2" = - ]; then
    echo -
  else
    awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'
  fi
}

run() {
  local dir=$1 name src batch twin rc status=0 iters=${BENCH_ITERS:-30}
  local py=${BENCH_PYTHON:-python3} tmp
  cd "$dir" 2>/dev/null && [ -x ./gpu_compare ] && [ -f models.txt ] || {
    echo "error: $dir is not prepared (run: bench/gpu.sh prepare $dir here)"
    return 2
  }
  tmp=$(mktemp -d) || return 2
  echo "== bench/gpu.sh run, $(date -u '+%Y-%m-%d %H:%M UTC'), $(uname -srm)," \
    "$(nproc) CPUs ($(sed -n 's/^model name[^:]*: *//p' /proc/cpuinfo | head -n 1))"
  if command -v nvidia-smi >/dev/null; then
    nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv 2>&1 | head -3
  else
    echo "   nvidia-smi: not found"
  fi
  echo "   nnc: CUDA build vs CPU build (gpu_compare, rtol 1e-4), medians of" \
    "$iters calls; CPU build single-threaded; times include the C ABI's"
  echo "   host<->device copies of inputs and outputs"
  while read -r name src batch twin; do
    echo "== $name batch $batch ($src)"
    timeout 300 ./gpu_compare "./$name-cpu.so" "./$name-cuda.so" "$batch" 3 \
      "$iters" >"$tmp/$name-b$batch.out" 2>&1
    rc=$?
    sed 's/^/  /' "$tmp/$name-b$batch.out"
    case $rc in
    0) ;;
    1) echo "  MISMATCH: the CUDA build differs from the CPU build"; status=1 ;;
    3) echo "  CUDA is not available on this machine (see above): nothing" \
         "compared; stopping (exit 3)"
       status=3; break ;;
    124) echo "  ERROR: gpu_compare timed out (300 s)"; status=1 ;;
    *) echo "  ERROR: gpu_compare failed (exit $rc)"; status=1 ;;
    esac
  done <models.txt

  local have_torch=0 why
  if ! command -v "$py" >/dev/null; then
    echo "== PyTorch CUDA is not available: no '$py' on PATH;" \
      "no nnc-cuda/torch-cuda ratios"
  elif why=$("$py" -c 'import sys, torch
sys.exit(0 if torch.cuda.is_available() else "torch " + torch.__version__ +
         ": torch.cuda.is_available() is False")' 2>&1); then
    have_torch=1
  else
    echo "== PyTorch CUDA is not available: tried $py ($(command -v "$py")," \
      "$("$py" --version 2>&1)): $(echo "$why" | tail -n 1);" \
      "no nnc-cuda/torch-cuda ratios"
  fi
  if [ "$have_torch" = 1 ] && [ "$status" = 3 ]; then
    echo "== PyTorch CUDA is available ($(command -v "$py")), but not timed:" \
      "nnc's CUDA build cannot run here"
  elif [ "$have_torch" = 1 ]; then
    echo "== PyTorch CUDA ($(command -v "$py")): the twins of" \
      "bench/torch_models.py, nnc's weights and inputs, same batch"
    local specs
    specs=$(awk '$4 != "-" {printf "%s:%s:%s ", $1, $4, $3}' models.txt)
    # shellcheck disable=SC2086 # one NAME:TWIN:BATCH per word
    timeout 600 "$py" gpu_torch.py . --iters "$iters" $specs \
      >"$tmp/torch.out" 2>"$tmp/torch.err"
    rc=$?
    sed 's/^/  /' "$tmp/torch.out" "$tmp/torch.err"
    [ "$rc" = 0 ] || echo "  ERROR: gpu_torch.py failed (exit $rc); ratios" \
      "missing where it stopped"
  fi

  if [ "$status" != 3 ]; then
    echo "== summary (ms; cpu/cuda > 1: the CUDA build is faster;" \
      "nnc/torch < 1: nnc's CUDA build is faster than PyTorch CUDA)"
    printf '  %-20s %5s | %9s %9s %9s %7s %9s | %9s %9s %9s %7s %9s\n' \
      model batch "pred cpu" "pred cuda" "torch" cpu/cuda nnc/torch \
      "step cpu" "step cuda" "torch" cpu/cuda nnc/torch
    local out pc pg pt tc tg tt
    while read -r name src batch twin; do
      out=$tmp/$name-b$batch.out
      [ -f "$out" ] || continue
      pc=$(field cpu "$out" predict) pg=$(field cuda "$out" predict)
      tc=$(field cpu "$out" train_step) tg=$(field cuda "$out" train_step)
      pt=$(awk -v n="$name" -v b="$batch" '$1 == "TORCH" && $2 == n &&
        $3 == b {print $5}' "$tmp/torch.out" 2>/dev/null)
      tt=$(awk -v n="$name" -v b="$batch" '$1 == "TORCH" && $2 == n &&
        $3 == b {print $7}' "$tmp/torch.out" 2>/dev/null)
      printf '  %-20s %5s | %9s %9s %9s %7s %9s | %9s %9s %9s %7s %9s\n' \
        "$name" "$batch" "${pc:--}" "${pg:--}" "${pt:--}" "$(ratio "$pc" "$pg")" \
        "$(ratio "$pg" "$pt")" "${tc:--}" "${tg:--}" "${tt:--}" \
        "$(ratio "$tc" "$tg")" "$(ratio "$tg" "$tt")"
    done <models.txt
  fi
  rm -rf "$tmp"
  case $status in
  0) echo "== result: every CUDA build equals its CPU build (exit 0)" ;;
  1) echo "== result: MISMATCH or error above (exit 1)" ;;
  3) echo "== result: CUDA not available here (exit 3)" ;;
  esac
  return "$status"
}

case "${1:-}" in
prepare)
  [ $# = 2 ] || usage
  prepare "$2"
  ;;
run)
  [ $# = 2 ] || usage
  dir=$(cd "$2" 2>/dev/null && pwd) || { echo "error: no directory $2"; exit 2; }
  if [ -n "${OUT:-}" ]; then
    mkdir -p "$OUT"
    run "$dir" 2>&1 | tee "$OUT/gpu-run.log"
    exit "${PIPESTATUS[0]}"
  fi
  run "$dir"
  ;;
*)
  usage
  ;;
esac
