#!/bin/sh
# Installs every build and test dependency of nnc from Debian bookworm. Idempotent.
# Usage: scripts/setup.sh   (as root, or with sudo available)
set -eu
SUDO=""
if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi
PACKAGES="
  cmake ninja-build ccache pkg-config
  clang-19 clang-format-19 llvm-19-dev llvm-19-tools libmlir-19-dev mlir-19-tools
  libclang-rt-19-dev
  libfmt-dev googletest libgtest-dev nlohmann-json3-dev zlib1g-dev
  python3-torch python3-numpy python3-pytest dataset-fashion-mnist libopenblas0-pthread
  librsvg2-bin
  openmpi-bin libopenmpi-dev
  libonnx-dev libprotobuf-dev python3-onnx
"
missing=""
for p in $PACKAGES; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update
  $SUDO apt-get install -y --no-install-recommends $missing
fi
echo "nnc: all dependencies installed"
