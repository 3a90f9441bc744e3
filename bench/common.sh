# Shared by bench/predict.sh and bench/train_step.sh (sourced, not run):
# reads --threads N, builds nnc and nnc-bench, measures the core's FP32
# peak, prints the machine and the PyTorch setting, and runs one model
# through nnc-bench, bench/torch_bench.py and (predict) ONNX Runtime,
# counting the results. With N > 1 threads every side runs on N threads
# pinned to CPUs 0..N-1 (taskset), and nnc runs once more on 1 thread for
# its own speedup.
# Environment: BENCH_ITERS, BENCH_WARMUP (timed and warm-up calls per side),
# BENCH_OUT (work directory, default build/bench), NNC_BUILD_DIR,
# BENCH_ORT=0 (no ONNX Runtime column), BENCH_ORT_VERSION, BENCH_BUILD=0
# (use the nnc and nnc-bench already in NNC_BUILD_DIR/bin, do not build),
# BENCH_TORCH_CORETYPE (OpenBLAS kernel for PyTorch), BENCH_TORCH_MALLOC=
# default (PyTorch with glibc malloc's default thresholds), BENCH_ROUNDS=R
# (R rounds per model, each timing nnc then its anchors back to back, and
# the median of the rounds' ratios: a noisy neighbour then slows both sides).

BUILD_DIR=${NNC_BUILD_DIR:-build}
BENCH_OUT=${BENCH_OUT:-$BUILD_DIR/bench}
TORCH_PY=/usr/bin/python3 # Debian's python3-torch; `python3` may lack torch
# These variables force a slow OpenBLAS kernel: PyTorch runs without them,
# unless BENCH_TORCH_CORETYPE names the kernel to use (e.g. SkylakeX where
# OpenBLAS does not recognise the CPU and falls back to Prescott).
TORCH_ENV="env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE"
if [ -n "${BENCH_TORCH_CORETYPE:-}" ]; then
  TORCH_ENV="$TORCH_ENV OPENBLAS_CORETYPE=$BENCH_TORCH_CORETYPE"
fi
# glibc's malloc serves blocks of 128 KiB and more with mmap and gives freed
# memory back to the kernel, so that an eager framework's activations fault
# their pages in again on every step (nnc's models keep freed blocks of
# 16 KiB and more in the shim's cache). On a VM where page faults are dear
# that made PyTorch's encoder step take 13 to 50 ms from one call to the
# next. PyTorch runs with malloc keeping its memory, as nnc does, unless
# BENCH_TORCH_MALLOC=default.
if [ "${BENCH_TORCH_MALLOC:-keep}" != default ]; then
  TORCH_ENV="$TORCH_ENV MALLOC_MMAP_THRESHOLD_=1073741824"
  TORCH_ENV="$TORCH_ENV MALLOC_TRIM_THRESHOLD_=4294967296"
fi
case ${BENCH_ROUNDS:-1} in
'' | *[!0-9]* | 0)
  echo "error: BENCH_ROUNDS must be a positive integer, not '$BENCH_ROUNDS'"
  exit 2
  ;;
esac
# onnxruntime-node from the npm registry, installed once per build directory
ORT_DIR=$BUILD_DIR/bench/onnx
ORT_VERSION=${BENCH_ORT_VERSION:-1.30.0}
ORT_OK=0
PEAK_GFLOPS=""
THREADS=1
PIN="" # taskset -c 0-(THREADS-1) when THREADS > 1
MODELS=()
ran=0
skipped=0
failed=0

# parse_args ARGS...: --threads N (or --threads=N) into THREADS and PIN, the
# other arguments (model names) into MODELS. Exits 2 on a bad count.
parse_args() {
  while [ $# -gt 0 ]; do
    case $1 in
    --threads) THREADS=${2:-}; shift 2 || shift ;;
    --threads=*) THREADS=${1#--threads=}; shift ;;
    -*) echo "error: unknown option '$1' (usage: $0 [--threads N] [MODEL...])"
      exit 2 ;;
    *) MODELS+=("$1"); shift ;;
    esac
  done
  if ! [[ "$THREADS" =~ ^[1-9][0-9]*$ ]] || [ "$THREADS" -gt "$(nproc)" ]; then
    echo "error: --threads expects 1..$(nproc) (the CPUs this script may" \
      "use), got '$THREADS'"
    exit 2
  fi
  [ "$THREADS" -gt 1 ] && PIN="taskset -c 0-$((THREADS - 1))"
  return 0
}

build_tools() {
  if [ "${BENCH_BUILD:-1}" = 0 ]; then
    echo "== not building (BENCH_BUILD=0): $BUILD_DIR/bin/nnc and nnc-bench"
    [ -x "$BUILD_DIR/bin/nnc" ] && [ -x "$BUILD_DIR/bin/nnc-bench" ] && return
    echo "error: $BUILD_DIR/bin/nnc or nnc-bench is missing"
    exit 2
  fi
  echo "== building nnc and nnc-bench"
  if ! scripts/build.sh nnc nnc-bench >"$BENCH_OUT.build.log" 2>&1; then
    tail -n 30 "$BENCH_OUT.build.log"
    echo "error: the build failed (log: $BENCH_OUT.build.log)"
    exit 2
  fi
}

print_setting() {
  echo "== $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs," \
    "$(lscpu | sed -n 's/^Model name: *//p' | head -n 1)"
  for v in OPENBLAS_CORETYPE OPENBLAS_L2_SIZE; do
    eval "val=\${$v-}"
    echo "   $v: ${val:-not set} in this shell; unset for PyTorch"
  done
  echo "   PyTorch command: $TORCH_ENV $TORCH_PY"
  BENCH_THREADS=$THREADS $TORCH_ENV "$TORCH_PY" - <<'PY'
import ctypes
import os
import torch
threads = int(os.environ["BENCH_THREADS"])
torch.set_num_threads(threads)
torch.ones(64, 64) @ torch.ones(64, 64)  # loads the BLAS
libs = sorted({l.split()[-1].rsplit("/", 1)[-1] for l in open("/proc/self/maps")
               if "blas" in l.lower() or "dnnl" in l.lower()})
print(f"   PyTorch {torch.__version__}, {threads} thread{'s' * (threads > 1)}"
      f" (torch.set_num_threads({threads})),"
      f" libraries: {', '.join(libs) or 'none found'}")
paths = {l.split()[-1] for l in open("/proc/self/maps")
         if "openblas" in l.split()[-1].rsplit("/", 1)[-1]}
for path in paths:
    name = ctypes.CDLL(path).openblas_get_corename
    name.restype = ctypes.c_char_p
    core = name().decode()
    print(f"   OpenBLAS kernel: {core}")
    if core.lower() in ("prescott", "nehalem", "core2", "katmai"):
        print("   WARNING: OpenBLAS did not recognise this CPU and uses a"
              " generic kernel: PyTorch's dense layers are slow here; try"
              " BENCH_TORCH_CORETYPE=SkylakeX (AVX-512) or Haswell (AVX2)")
if not any("openblas" in l for l in libs):
    print("   WARNING: PyTorch is not using OpenBLAS (reference BLAS is ~10x"
          " slower): apt-get install libopenblas0-pthread")
PY
  if [ "$THREADS" = 1 ]; then
    echo "   nnc runs on 1 thread (nnc-bench --threads 1): nnc/torch ratios"
    echo "   compare 1 thread with 1 thread (below 1 means nnc is faster)."
  else
    echo "   nnc, PyTorch and ONNX Runtime run on $THREADS threads, each pinned"
    echo "   to CPUs 0-$((THREADS - 1)) ($PIN); nnc also runs on 1 thread"
    echo "   there for its own speedup (below 1 nnc/torch means nnc is faster)."
  fi
  measure_peak
}

# measure_peak: compiles bench/peak_flops.c for the widest FMA vectors the
# CPU has (zmm with avx512f, else ymm with avx2 + fma) and sets PEAK_GFLOPS
# to the best of its runs, on the CPUs this script may use (taskset).
measure_peak() {
  local flags="" cc exe="$BENCH_OUT/peak_flops" cpu_flags
  cpu_flags=$(grep -m 1 '^flags' /proc/cpuinfo)
  if [[ " $cpu_flags " == *" avx512f "* ]]; then
    flags="-mavx512f -mavx2 -mfma"
  elif [[ " $cpu_flags " == *" avx2 "* && " $cpu_flags " == *" fma "* ]]; then
    flags="-mavx2 -mfma"
  else
    echo "   FP32 peak: unknown (no AVX2/FMA in /proc/cpuinfo); no % of peak"
    return
  fi
  cc=$(command -v clang-19 || command -v gcc || command -v cc)
  if ! "$cc" -O2 $flags bench/peak_flops.c -o "$exe" 2>"$exe.log"; then
    echo "   FP32 peak: unknown ($cc cannot build bench/peak_flops.c:" \
      "$(head -n 1 "$exe.log"))"
    return
  fi
  local line
  line=$("$exe")
  PEAK_GFLOPS=$(echo "$line" | sed -n 's/^peak_flops: \([0-9.]*\) GFLOP.*/\1/p')
  echo "   FP32 peak of one core: ${line#peak_flops: }, bench/peak_flops.c" \
    "built with $(basename "$cc") -O2 $flags"
  if [ "$THREADS" -gt 1 ] && [ -n "$PEAK_GFLOPS" ]; then
    PEAK_GFLOPS=$(awk "BEGIN { print $PEAK_GFLOPS * $THREADS }")
    echo "   % of peak below: of $THREADS cores, $PEAK_GFLOPS GFLOP/s"
  fi
}

# setup_ort: installs onnxruntime-node (npm registry) into $ORT_DIR unless
# it is already there; sets ORT_OK=1 when node can load it.
setup_ort() {
  if [ "${BENCH_ORT:-1}" = 0 ]; then
    echo "   ONNX Runtime: not run (BENCH_ORT=0)"
    return
  fi
  if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    echo "   ONNX Runtime: not run (node or npm missing: apt-get install npm)"
    return
  fi
  if [ ! -d "$ORT_DIR/node_modules/onnxruntime-node" ]; then
    echo "   installing onnxruntime-node@$ORT_VERSION into $ORT_DIR (npm)"
    mkdir -p "$ORT_DIR"
    # The CPU binaries are in the package; its install script would only
    # fetch the CUDA ones (from nuget.org): skipped.
    if ! ONNXRUNTIME_NODE_INSTALL=skip npm install --prefix "$ORT_DIR" \
      --ignore-scripts --no-audit --no-fund \
      "onnxruntime-node@$ORT_VERSION" >"$ORT_DIR/npm.log" 2>&1; then
      echo "   ONNX Runtime: not run (npm install failed, log:" \
        "$ORT_DIR/npm.log: $(grep -m 1 -i error "$ORT_DIR/npm.log"))"
      return
    fi
  fi
  local version
  if ! version=$(NODE_PATH="$ORT_DIR/node_modules" node -e \
    "console.log(require('onnxruntime-node').env.versions.common)" 2>&1); then
    echo "   ONNX Runtime: not run (node cannot load onnxruntime-node:" \
      "$(echo "$version" | grep -m 1 -i error))"
    return
  fi
  ORT_OK=1
  echo "   ONNX Runtime $version (onnxruntime-node in $ORT_DIR), $THREADS intra-op"
  echo "   and 1 inter-op thread, sequential execution, all graph"
  echo "   optimizations, on the PyTorch twins exported by torch.onnx.export."
}

# ort_column NAME DIR: exports NAME's twin to ONNX, checks ONNX Runtime
# against nnc and PyTorch, times it. An export or run error skips the column
# (said, not counted as a failure); a mismatch is a failure.
ort_column() {
  local name=$1 dir=$2 round=${3:-1} rc
  [ "$ORT_OK" = 1 ] || return 0
  # The twin is exported once, in the first round.
  if [ "$round" = 1 ]; then
    (cd bench && $TORCH_ENV "$TORCH_PY" onnx_export.py --model "$name" \
      --dir "../$dir" 2>"../$dir/onnx_export.log") | sed 's/^/   /'
    rc=${PIPESTATUS[0]}
    if [ "$rc" != 0 ]; then
      echo "   SKIP onnxruntime column: $name not exported to ONNX" \
        "(exit $rc; $dir/onnx_export.log: $(tail -n 1 "$dir/onnx_export.log"))"
      rm -f "$dir/onnx_export.ok"
      return 0
    fi
    touch "$dir/onnx_export.ok"
  fi
  [ -f "$dir/onnx_export.ok" ] || return 0
  NODE_PATH="$ORT_DIR/node_modules" $PIN node bench/ort_bench.js "$dir" \
    "$name" 1e-4 "$THREADS" 2>"$dir/ort.log"
  rc=$?
  if [ "$rc" = 1 ]; then
    echo "   MISMATCH: ONNX Runtime disagrees on $name"
    failed=$((failed + 1))
  elif [ "$rc" != 0 ]; then
    echo "   SKIP onnxruntime column: ONNX Runtime cannot run $name" \
      "(exit $rc; $dir/ort.log: $(head -n 1 "$dir/ort.log"))"
  fi
}

# round_ratios DIR: "nnc/torch/nnc/ort" medians of the round just timed
# (nnc.json, torch.json, ort.json when ONNX Runtime ran), as "r1/r2" or "r1/".
round_ratios() {
  "$TORCH_PY" - "$1" <<'PY'
import json
import os
import sys
d = sys.argv[1]
def median(name):
    path = os.path.join(d, name)
    return json.load(open(path))["median_ms"] if os.path.exists(path) else None
nnc, torch, ort = median("nnc.json"), median("torch.json"), median("ort.json")
print(f"{nnc / torch:.4f}/" + (f"{nnc / ort:.4f}" if ort else ""))
PY
}

# spec NAME FIELD: a field of torch_models.SPECS[NAME].
spec() {
  (cd bench && "$TORCH_PY" -c "import torch_models as m; \
print(getattr(m.SPECS['$1'], '$2'))")
}

# compile NN SO LOG: compiles with nnc; prints a skip message on failure.
compile() {
  if ! "$BUILD_DIR/bin/nnc" "$1" -o "$2" >"$3" 2>&1; then
    echo "   SKIP: nnc cannot compile $1 yet:"
    grep -m 1 'error' "$3" | sed 's/^/     /'
    skipped=$((skipped + 1))
    return 1
  fi
}

# bench_model NAME MODE [nnc-bench options]: MODE is predict or train.
bench_model() {
  local name=$1 mode=$2
  shift 2
  local dir="$BENCH_OUT/$mode/$name" nn batch twin
  echo "== $name: $mode"
  if [ "$mode" = train ] && twin=$(spec "$name" train_twin) &&
    [ "$twin" != None ]; then
    echo "   (training $twin: $name without dropout, whose masks PyTorch" \
      "cannot reproduce, and without conv biases; see its .nn file)"
    name=$twin
    dir="$BENCH_OUT/$mode/$name"
  fi
  rm -rf "$dir" && mkdir -p "$dir"
  nn=$(spec "$name" nn_file) && batch=$(spec "$name" batch) || {
    echo "   ERROR: no spec for $name in bench/torch_models.py"
    failed=$((failed + 1))
    return
  }
  local src=$nn flags=""
  if [ "$mode" = predict ]; then
    # predict only needs the model: drop train sections, so that a model
    # whose loss or optimizer is not lowered yet still benchmarks.
    src="$dir/model.nn"
    "$TORCH_PY" -c "import re,sys; sys.stdout.write(re.sub( \
r'(?m)^train\s+\w+\s*\{[^}]*\}', '', open('$nn').read()))" >"$src"
  else
    flags="--train"
  fi
  compile "$src" "$dir/model.so" "$dir/nnc.log" || return
  local rounds=${BENCH_ROUNDS:-1} round=1 ratios="" rc extra
  while [ "$round" -le "$rounds" ]; do
    [ "$rounds" -gt 1 ] && echo "   -- round $round of $rounds"
    $PIN "$BUILD_DIR/bin/nnc-bench" "$dir/model.so" "$dir" $flags \
      --batch "$batch" --threads "$THREADS" \
      --iters "${BENCH_ITERS:-$DEFAULT_ITERS}" \
      --warmup "${BENCH_WARMUP:-10}" "$@" | sed 's/^/   /'
    rc=${PIPESTATUS[0]}
    if [ "$rc" = 3 ]; then
      echo "   SKIP: the compiled model has no $mode entry point yet"
      skipped=$((skipped + 1))
      return
    elif [ "$rc" != 0 ]; then
      echo "   ERROR: nnc-bench failed (exit $rc)"
      failed=$((failed + 1))
      return
    fi
    extra="--extra-threads 2" # PyTorch on 2 threads, for information
    { [ "$THREADS" -gt 1 ] || [ "$round" -gt 1 ]; } && extra=""
    (cd bench && $PIN $TORCH_ENV "$TORCH_PY" torch_bench.py --model "$name" \
      --dir "../$dir" --threads "$THREADS" $extra)
    rc=$?
    if [ "$rc" != 0 ]; then
      [ "$rc" = 1 ] && echo "   MISMATCH: nnc and PyTorch disagree on $name"
      failed=$((failed + 1))
      return
    fi
    rm -f "$dir/ort.json"
    [ "$mode" = predict ] && ort_column "$name" "$dir" "$round"
    ratios="$ratios $(round_ratios "$dir")"
    round=$((round + 1))
  done
  ran=$((ran + 1))
  [ "$rounds" -gt 1 ] && "$TORCH_PY" - "$name" "$mode" $ratios <<'PY'
import statistics
import sys
name, mode, rounds = sys.argv[1], sys.argv[2], sys.argv[3:]
for column, anchor in enumerate(("torch", "onnxruntime")):
    values = [float(r.split("/")[column]) for r in rounds
              if len(r.split("/")) > column and r.split("/")[column]]
    if len(values) == len(rounds):
        print(f"  ROUNDS {name} {mode}: nnc/{anchor} per round "
              f"{' '.join(f'{v:.3f}' for v in values)}: median "
              f"{statistics.median(values):.2f} (spread {min(values):.2f}"
              f"-{max(values):.2f}; each round one median of nnc, then one"
              f" of {anchor}, back to back)")
PY
  "$TORCH_PY" bench/report.py "$dir" "$name" "$PEAK_GFLOPS"
  [ "$THREADS" -gt 1 ] && speedup "$name" "$dir" $flags "$@"
  return 0
}

# speedup NAME DIR [nnc-bench options]: nnc on 1 thread (same CPUs) into
# DIR/threads1; prints nnc's speedup N threads vs 1 and whether the checked
# outputs (predict outputs, or 3 losses and the weights after them) are
# bitwise the same; a difference is a failure.
speedup() {
  local name=$1 dir=$2 batch
  shift 2
  batch=$(spec "$name" batch)
  mkdir -p "$dir/threads1"
  if ! $PIN "$BUILD_DIR/bin/nnc-bench" "$dir/model.so" "$dir/threads1" \
    --batch "$batch" --threads 1 --iters "${BENCH_ITERS:-$DEFAULT_ITERS}" \
    --warmup "${BENCH_WARMUP:-10}" "$@" >"$dir/threads1/nnc-bench.log" 2>&1
  then
    echo "   ERROR: nnc-bench --threads 1 failed" \
      "($dir/threads1/nnc-bench.log: $(tail -n 1 "$dir/threads1/nnc-bench.log"))"
    failed=$((failed + 1))
    return
  fi
  local same=identical f
  for f in "$dir"/output.*.npy "$dir"/losses.npy "$dir"/after.safetensors; do
    [ -e "$f" ] || continue
    cmp -s "$f" "$dir/threads1/${f##*/}" || same="DIFFERENT (${f##*/})"
  done
  "$TORCH_PY" - "$dir" "$name" "$THREADS" "$same" <<'PY'
import json, sys
d, name, threads, same = sys.argv[1:5]
n = json.load(open(f"{d}/nnc.json"))
one = json.load(open(f"{d}/threads1/nnc.json"))
print(f"  SPEEDUP {name} {n['mode']} batch {n['batch']}: nnc 1 thread "
      f"{one['median_ms']:.3f} ms (best {one['best_ms']:.3f}), {threads} "
      f"threads {n['median_ms']:.3f} ms (best {n['best_ms']:.3f}): "
      f"{one['median_ms'] / n['median_ms']:.2f}x (best "
      f"{one['best_ms'] / n['best_ms']:.2f}x); results bitwise {same}")
PY
  if [ "$same" != identical ]; then
    echo "   MISMATCH: nnc on $THREADS threads and on 1 thread differ"
    failed=$((failed + 1))
  fi
}

summary() {
  echo "== $ran compared, $skipped skipped, $failed failed"
  [ "$failed" = 0 ]
}
