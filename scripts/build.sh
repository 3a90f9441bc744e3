#!/bin/sh
# Configures (once) and builds nnc in build/ with clang-19, Ninja and ccache.
# Usage: scripts/build.sh [--sanitize] [ninja targets...]   e.g. scripts/build.sh check-nnc
#   --sanitize (or NNC_SANITIZE=address,undefined): a separate build in
#   build-asan/ where nnc, nnc-opt, the runtime, the unit tests and the model
#   shim linked into every model.so are compiled with AddressSanitizer and
#   UndefinedBehaviorSanitizer (docs/safety.md, "Sanitizers").
set -eu
cd "$(dirname "$0")/.."
SANITIZE=${NNC_SANITIZE:-}
if [ "${1:-}" = "--sanitize" ]; then
  SANITIZE=${SANITIZE:-address,undefined}
  shift
fi
if [ -n "$SANITIZE" ]; then
  BUILD_DIR=${NNC_BUILD_DIR:-build-asan}
  # A finding stops the process with a report (-fno-sanitize-recover); the
  # stack traces are symbolized with LLVM 19's llvm-symbolizer.
  export ASAN_SYMBOLIZER_PATH=${ASAN_SYMBOLIZER_PATH:-/usr/lib/llvm-19/bin/llvm-symbolizer}
  export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}
else
  BUILD_DIR=${NNC_BUILD_DIR:-build}
fi
# ccache keys with paths relative to the checkout, so that another clone of
# the repository (CI's) reuses the objects compiled here.
export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$(pwd)}
export CCACHE_NOHASHDIR=1
JOBS=${NNC_JOBS:-2}
if [ ! -f "$BUILD_DIR/build.ninja" ]; then
  cmake -G Ninja -S . -B "$BUILD_DIR" \
    -DCMAKE_BUILD_TYPE=${NNC_BUILD_TYPE:-Release} \
    -DCMAKE_C_COMPILER=clang-19 -DCMAKE_CXX_COMPILER=clang++-19 \
    -DNNC_SANITIZE="$SANITIZE"
fi
ninja -C "$BUILD_DIR" -j "$JOBS" "$@"
