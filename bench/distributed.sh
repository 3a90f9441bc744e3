#!/bin/bash
# Training throughput of data parallelism (docs/distributed.md): samples/s
# of `nnc train` on one process with 1 thread, on 2 MPI ranks with 1 thread
# each (mpirun -np 2, each rank bound to its own core), and, for reference,
# one process with 2 threads. Figures come from each run's summary.json:
# training samples / the epochs' seconds; the per-epoch test-set evaluation
# is left out (the models are trained without their `test` line), the data
# loading and the compile (cached before timing) are not counted.
# Usage: bench/distributed.sh [MODEL...]   (default: fashion_mlp fashion_cnn)
# Environment: BENCH_EPOCHS (default 1), BENCH_OUT (default build/bench),
# NNC_BUILD_DIR (default build), BENCH_BUILD=0 (do not build).
set -eu
cd "$(dirname "$0")/.."
BUILD_DIR=${NNC_BUILD_DIR:-build}
OUT=${BENCH_OUT:-$BUILD_DIR/bench}/distributed
EPOCHS=${BENCH_EPOCHS:-1}
NNC=$BUILD_DIR/bin/nnc
MODELS=("$@")
[ ${#MODELS[@]} -gt 0 ] || MODELS=(fashion_mlp fashion_cnn)
if ! command -v mpirun >/dev/null; then
  echo "error: mpirun not found (apt-get install openmpi-bin libopenmpi-dev," \
    "scripts/setup.sh)"
  exit 2
fi
if [ "${BENCH_BUILD:-1}" != 0 ]; then
  echo "== building nnc and the MPI plugin"
  scripts/build.sh nnc nnc_mpi >"$OUT.build.log" 2>&1 || {
    tail -n 30 "$OUT.build.log"
    echo "error: the build failed (log: $OUT.build.log)"
    exit 2
  }
fi
[ -f "$BUILD_DIR/lib/libnnc_mpi.so" ] || {
  echo "error: $BUILD_DIR/lib/libnnc_mpi.so is missing (a build without MPI)"
  exit 2
}
MPIRUN="mpirun -np 2 --bind-to core --map-by core"
[ "$(id -u)" = 0 ] && MPIRUN="$MPIRUN --allow-run-as-root"
mkdir -p "$OUT"
export NNC_CACHE_DIR=$OUT/cache

echo "== $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs," \
  "$(lscpu | sed -n 's/^Model name: *//p' | head -n 1)," \
  "$(mpirun --version | head -n 1), $EPOCHS epoch(s) per run"
echo "   load average: $(cut -d' ' -f1-3 /proc/loadavg) (a shared machine:" \
  "other work on it slows some runs)"

# samples_per_second DIR: training samples per second of a finished run.
samples_per_second() {
  /usr/bin/python3 - "$1/summary.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
print("%.0f" % (s["samples_per_epoch"] * s["epochs_run"] / s["seconds"]))
PY
}

printf "%-14s %14s %14s %8s %14s\n" model "1 x 1 thread" "2 ranks x 1" \
  speedup "1 x 2 threads"
for m in "${MODELS[@]}"; do
  nn=$OUT/$m.nn
  sed '/^ *test *=/d' "examples/$m.nn" >"$nn"
  train="$NNC train $nn --epochs $EPOCHS --quiet --no-plots"
  # compile once, outside the timed runs
  $NNC train "$nn" --epochs 0 --quiet --no-plots --out "$OUT/$m-compile" >/dev/null
  NNC_NUM_THREADS=1 $train --threads 1 --out "$OUT/$m-1" >/dev/null
  NNC_NUM_THREADS=1 $MPIRUN $train --threads 1 --out "$OUT/$m-2r" >/dev/null
  $train --threads 2 --out "$OUT/$m-2t" >/dev/null
  one=$(samples_per_second "$OUT/$m-1")
  ranks=$(samples_per_second "$OUT/$m-2r")
  threads=$(samples_per_second "$OUT/$m-2t")
  printf "%-14s %14s %14s %7.2fx %14s\n" "$m" "$one" "$ranks" \
    "$(awk "BEGIN { print $ranks / $one }")" "$threads"
done
echo "   samples/s of training (higher is better); speedup = 2 ranks / 1 x 1"
