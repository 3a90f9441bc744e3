#!/bin/bash
# Compile time of every example and bench model, and of deep MLPs with a
# train section (depth 25, 50, 100 by default), one after the other, wall
# seconds per `nnc FILE -o model.so` (best of BENCH_REPS, default 1), plus the
# ten longest stages and passes of `--time-report` for the slowest model. Not
# a test: run it on a quiet machine. Extra arguments go to nnc (e.g. --vectorize=matmul).
# Usage: bench/compile_time.sh [nnc options...]
# Environment: BENCH_DEPTHS="25 50 100", BENCH_REPS=1, BENCH_OUT (relative).
set -u
cd "$(dirname "$0")/.."
BUILD_DIR=${NNC_BUILD_DIR:-build}
OUT=${BENCH_OUT:-build/bench/compile}
mkdir -p "$OUT"
NNC="$BUILD_DIR/bin/nnc"
[ -x "$NNC" ] || scripts/build.sh nnc >"$OUT/build.log" 2>&1 || {
  echo "build failed: $OUT/build.log"; exit 2; }
reps=${BENCH_REPS:-1}
# deep_mlp DEPTH: DEPTH dense(64) + relu layers, Adam, on 32 features.
deep_mlp() {
  local depth=$1 f="$OUT/mlp$1.nn" chain="x" i
  for ((i = 0; i < depth; i++)); do chain="$chain -> dense(64) -> relu"; done
  cat >"$f" <<NN
model Deep$depth {
  input  x: f32[N, 32]
  output y = $chain -> dense(10)
}
train Deep$depth {
  data      = spiral(classes = 10)
  target    t: i32[N]
  loss      = cross_entropy(y, t)
  optimizer = adam(lr = 0.001)
  batch     = 32
  epochs    = 1
}
NN
  echo "$f"
}
files=(examples/*.nn bench/models/*.nn)
for d in ${BENCH_DEPTHS:-25 50 100}; do files+=("$(deep_mlp "$d")"); done
echo "== $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs, nnc options: ${*:-(none)}"
slowest="" worst=0
for f in "${files[@]}"; do
  best=""
  for ((r = 0; r < reps; r++)); do
    start=$(date +%s.%N)
    if ! "$NNC" "$f" -o "$OUT/model.so" "$@" 2>"$OUT/nnc.log"; then
      echo "  $f: FAILED ($(head -1 "$OUT/nnc.log"))"; best=""; break
    fi
    t=$(echo "$(date +%s.%N) - $start" | bc)
    if [ -z "$best" ] || [ "$(echo "$t < $best" | bc)" = 1 ]; then best=$t; fi
  done
  [ -n "$best" ] || continue
  printf '  %-40s %6.2f s\n' "$f" "$best"
  if [ "$(echo "$best > $worst" | bc)" = 1 ]; then worst=$best slowest=$f; fi
done
if [ -n "$slowest" ]; then
  echo "== slowest: $slowest; the longest stages and passes of its" \
    "--time-report (wall seconds):"
  "$NNC" "$slowest" -o "$OUT/model.so" --time-report "$@" 2>&1 >/dev/null |
    sed -nE 's/^ +[0-9.]+ +\( *[0-9.]+%\) +([0-9.]+) +\( *[0-9.]+%\)  (.*)$/\1\t\2/p' |
    grep -v $'\tTotal$' | grep -v "'func.func' Pipeline" | sort -rn | head -10 |
    awk -F'\t' '{ printf "  %7.2f  %s\n", $1, $2 }'
fi
