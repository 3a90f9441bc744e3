#!/bin/sh
# Configures (once) and builds nnc in build/ with clang-19, Ninja and ccache.
# Usage: scripts/build.sh [ninja targets...]   e.g. scripts/build.sh check-nnc
set -eu
cd "$(dirname "$0")/.."
BUILD_DIR=${NNC_BUILD_DIR:-build}
# ccache keys with paths relative to the checkout, so that another clone of
# the repository (CI's) reuses the objects compiled here.
export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$(pwd)}
export CCACHE_NOHASHDIR=1
JOBS=${NNC_JOBS:-2}
if [ ! -f "$BUILD_DIR/build.ninja" ]; then
  cmake -G Ninja -S . -B "$BUILD_DIR" \
    -DCMAKE_BUILD_TYPE=${NNC_BUILD_TYPE:-Release} \
    -DCMAKE_C_COMPILER=clang-19 -DCMAKE_CXX_COMPILER=clang++-19
fi
ninja -C "$BUILD_DIR" -j "$JOBS" "$@"
