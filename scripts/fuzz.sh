#!/bin/sh
# The differential fuzzer (docs/fuzzing.md): random .nn models compiled by
# nnc and compared with PyTorch twins. Needs Debian's python3-torch.
# Usage: scripts/fuzz.sh N [--seed S] | --replay SEED | --seeds 3,17,40-45 [-j JOBS]
#        [--nnc PATH] [--no-shrink] [--log FILE] [-v]
exec /usr/bin/python3 "$(dirname "$0")/fuzz/fuzz.py" "$@"
