"""Runs ONNX's single-operator conformance cases (Debian's libonnx-testdata,
ONNX 1.12: /usr/share/libonnx-testdata/data/node) through `nnc import`.

For every case whose nodes are all of op types nnc import supports: import,
compile with nnc, load the imported checkpoint, run on the case's inputs and
compare with its expected outputs (ONNX's backend tolerance, rtol 1e-3 and
atol 1e-7, and nnc's own 1e-5 relative). Prints one line per case and a
tally by outcome: `pass`, `mismatch`, `refused` (nnc import's error: an op,
attribute or layout the language lacks) or `failed` (the compiler or the run
failed after a successful import: a bug of the importer).

usage: /usr/bin/python3 scripts/onnx_node_tests.py [--nnc build/bin/nnc]
       [--workdir DIR] [PATTERN]     (PATTERN: a substring of case names)
Needs python3-onnx and NumPy; uses python/nnc.
"""
import argparse
import collections
import glob
import os
import subprocess
import sys
import tempfile

import numpy as np
import onnx
from onnx import numpy_helper

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "python"))
import nnc  # noqa: E402

DATA = "/usr/share/libonnx-testdata/data/node"
SUPPORTED = {
    "Gemm", "MatMul", "Add", "Sub", "Mul", "Conv", "BatchNormalization",
    "MaxPool", "AveragePool", "GlobalAveragePool", "Flatten", "Reshape",
    "Transpose", "Relu", "Sigmoid", "Tanh", "LeakyRelu", "Elu", "Softmax",
    "LogSoftmax", "Dropout", "Identity", "LSTM", "GRU", "RNN", "Concat",
    "LayerNormalization", "Shape", "Gather", "Unsqueeze", "Squeeze",
    "ConstantOfShape", "Exp", "Log", "Sqrt", "Abs", "Erf", "Pow", "Clip",
    "Max", "Min",
    "Constant"}


def read_tensor(path):
    t = onnx.TensorProto()
    with open(path, "rb") as f:
        t.ParseFromString(f.read())
    return numpy_helper.to_array(t)


def run_case(case, args):
    model = onnx.load(os.path.join(case, "model.onnx"))
    name = os.path.basename(case)
    work = os.path.join(args.workdir, name)
    os.makedirs(work, exist_ok=True)
    nn_path = os.path.join(work, "m.nn")
    r = subprocess.run([args.nnc, "import", os.path.join(case, "model.onnx"),
                        "-o", nn_path], capture_output=True, text=True)
    if r.returncode != 0:
        return "refused", r.stderr.strip().split(": error: ", 1)[-1]
    try:
        m = nnc.compile(nn_path, out=os.path.join(work, "m.so"),
                        nnc_binary=args.nnc)
        m.load(os.path.join(work, "m.safetensors"))
        data = os.path.join(case, "test_data_set_0")
        inits = {t.name for t in model.graph.initializer}
        inputs = [read_tensor(os.path.join(data, f"input_{i}.pb"))
                  for i, inp in enumerate(model.graph.input)
                  if inp.name not in inits]
        outputs = [read_tensor(os.path.join(data, f"output_{i}.pb"))
                   for i in range(len(model.graph.output))]
        got = m.predict(*inputs)
        if not isinstance(got, dict):
            got = {0: got}
        got = list(got.values())
    except Exception as e:  # the compiler or the run failed
        return "failed", str(e).strip().splitlines()[-1][:200]
    worst = 0.0
    for g, want in zip(got, outputs):
        if g.shape != want.shape:
            return "mismatch", f"shape {g.shape} vs {want.shape}"
        if not np.allclose(g, want, rtol=1e-3, atol=1e-7):
            return "mismatch", f"max abs diff {np.abs(g - want).max():.2e}"
        scale = max(np.abs(want).max(), 1e-30)
        worst = max(worst, float(np.abs(g - want).max() / scale))
    return "pass", f"max relative error {worst:.1e}"


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--nnc", default=os.path.join(ROOT, "build", "bin", "nnc"))
    p.add_argument("--workdir", default=None)
    p.add_argument("pattern", nargs="?", default="")
    args = p.parse_args()
    args.workdir = args.workdir or tempfile.mkdtemp(prefix="nnc-node-tests-")
    tally = collections.Counter()
    for case in sorted(glob.glob(os.path.join(DATA, "test_*"))):
        if args.pattern not in os.path.basename(case):
            continue
        ops = {n.op_type for n in onnx.load(
            os.path.join(case, "model.onnx")).graph.node}
        if not ops <= SUPPORTED or ops <= {"Constant"}:
            continue
        outcome, detail = run_case(case, args)
        tally[outcome] += 1
        print(f"{outcome:9} {os.path.basename(case)}: {detail}", flush=True)
    total = sum(tally.values())
    print(f"{total} cases of supported ops: " +
          ", ".join(f"{k} {v}" for k, v in sorted(tally.items())))


if __name__ == "__main__":
    main()
