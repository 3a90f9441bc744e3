#!/bin/bash
# bench/gpu.sh - one prepared GPU check and benchmark of nnc's CUDA back end.
#
# For a machine with an NVIDIA GPU (and ideally PyTorch): builds nnc when
# build/bin/nnc is missing (scripts/build.sh, all cores), compiles CPU and
# CUDA model.so files for a few examples, checks with bench/gpu_check.py that
# the CUDA build predicts and trains like the CPU build (rtol 1e-4), times
# both (and a PyTorch CUDA equivalent of dense-only models when
# torch.cuda.is_available()), and prints the ratios. Everything it does is
# logged to $OUT/gpu-bench.log ($OUT defaults to bench/out); results go to
# $OUT/results.jsonl. Exit status 1 when a CUDA result differs from the CPU.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=${OUT:-$ROOT/bench/out}
mkdir -p "$OUT"
LOG=$OUT/gpu-bench.log
exec > >(tee -a "$LOG") 2>&1
log() { echo "[$(date +%H:%M:%S)] $*"; }
cd "$ROOT"

log "bench/gpu.sh in $ROOT, results in $OUT"
log "host: $(uname -srm), $(nproc) cores"
if command -v nvidia-smi >/dev/null; then
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv 2>&1
else
  log "nvidia-smi not found"
fi
python3 - <<'PY' 2>&1
try:
    import torch
    print("torch", torch.__version__, "cuda available:", torch.cuda.is_available(),
          torch.cuda.get_device_name(0) if torch.cuda.is_available() else "")
except Exception as e:
    print("PyTorch not usable:", e)
PY

# A build/ carried from another checkout works through the path overrides
# below; one whose CMake cache names another source tree is not rebuilt in
# place (CMake refuses), a fresh build-gpu/ is made instead.
BUILD=$ROOT/build
if [ -f "$BUILD/CMakeCache.txt" ] && ! grep -q "CMAKE_HOME_DIRECTORY:INTERNAL=$ROOT\$" "$BUILD/CMakeCache.txt" &&
   ! [ -x "$BUILD/bin/nnc" ]; then
  BUILD=$ROOT/build-gpu
fi
NNC=$BUILD/bin/nnc
if ! [ -x "$NNC" ] || ! [ -f "$BUILD/lib/libnnc_modelrt.a" ] || ! "$NNC" --help >/dev/null 2>&1; then
  log "building nnc in $BUILD (scripts/build.sh nnc nnc_modelrt, $(nproc) jobs)"
  start=$(date +%s)
  NNC_BUILD_DIR=$BUILD NNC_JOBS=$(nproc) scripts/build.sh nnc nnc_modelrt || { log "build failed"; exit 2; }
  log "build took $(( $(date +%s) - start )) s"
else
  log "using the existing build ($NNC)"
fi
export NNC_MODELRT_ARCHIVE=$BUILD/lib/libnnc_modelrt.a
export NNC_MODELRT_EXPORTS=$ROOT/lib/ModelRT/exports.map
export NNC_INCLUDE_DIR=$ROOT/include

# libdevice (math functions of the kernels): the CUDA toolkit's, else
# Triton's copy that ships with PyTorch.
if [ -z "${NNC_LIBDEVICE:-}" ]; then
  for f in /usr/local/cuda/nvvm/libdevice/libdevice.10.bc \
           /usr/local/cuda-*/nvvm/libdevice/libdevice.10.bc; do
    [ -f "$f" ] && export NNC_LIBDEVICE=$f && break
  done
fi
if [ -z "${NNC_LIBDEVICE:-}" ]; then
  f=$(python3 -c 'import triton, os, glob; print((glob.glob(os.path.join(os.path.dirname(triton.__file__), "**/libdevice*.bc"), recursive=True) or [""])[0])' 2>/dev/null)
  [ -n "$f" ] && export NNC_LIBDEVICE=$f
fi
log "libdevice: ${NNC_LIBDEVICE:-none found (kernels using erf/tanh/... may fail to JIT)}"

status=0
: > "$OUT/results.jsonl"
for model in spiral fashion_mlp fashion_cnn; do
  src=examples/$model.nn
  log "== $model: compiling for cpu and cuda"
  if ! "$NNC" "$src" -o "$OUT/$model-cpu.so"; then
    log "$model: CPU compile failed; skipped"; continue
  fi
  if ! "$NNC" "$src" --target=cuda --gpu-chips=sm_90,sm_80 -o "$OUT/$model-cuda.so"; then
    log "$model: CUDA compile failed; skipped"; continue
  fi
  "$NNC" "$src" --target=cuda --gpu-chips=sm_90 --emit=ptx -o "$OUT/$model.ptx" &&
    log "$model: PTX $(wc -l < "$OUT/$model.ptx") lines, $(grep -c '^.visible .entry' "$OUT/$model.ptx") kernels"
  log "$model: running bench/gpu_check.py (batch 128)"
  if timeout 300 python3 bench/gpu_check.py "$model" "$OUT/$model-cpu.so" \
       "$OUT/$model-cuda.so" --batch 128 --iters 20 > "$OUT/$model.out" 2>&1; then
    log "$model: CUDA results equal the CPU build"
  else
    log "$model: CHECK FAILED (see below)"; status=1
  fi
  cat "$OUT/$model.out"
  grep '^RESULT ' "$OUT/$model.out" | sed 's/^RESULT //' >> "$OUT/results.jsonl"
done

log "== summary (seconds per call; ratios > 1 mean CUDA is faster than CPU)"
python3 - "$OUT/results.jsonl" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    keys = [k for k in r if k.endswith("_s") or k.startswith(("speedup", "ratio"))]
    print(r["model"], "ok" if r["ok"] else "MISMATCH",
          " ".join(f"{k}={r[k]:.4g}" for k in keys), r.get("torch", ""))
PY
log "done, status $status"
exit $status
