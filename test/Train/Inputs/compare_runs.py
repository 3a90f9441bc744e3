#!/usr/bin/env python3
"""Independent check of data-parallel training (docs/distributed.md): two
runs of `nnc train` must end with the same parameters and optimizer state
and the same loss history.

Usage: compare_runs.py DIR_A DIR_B [--rtol 1e-5]

Reads DIR/checkpoint.safetensors (parameters, buffers and optimizer state)
with NumPy and its own 20-line safetensors reader, and DIR/history.csv.
Tolerance, stated: for every tensor, max |a - b| <= rtol * max |b| (relative
to the tensor's largest magnitude, so that elements near zero do not make
the check meaningless); for every row of the train_loss and val_loss
columns, |a - b| <= rtol * |b|. The step counts in the checkpoints' metadata
must be equal. Prints the worst relative difference of each and exits 1 on
a violation.
"""
import csv
import json
import struct
import sys

import numpy as np

DTYPES = {"F32": np.float32, "I32": np.int32, "I64": np.int64}


def read_safetensors(path):
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n].decode("utf-8"))
    metadata = header.pop("__metadata__", {})
    data = raw[8 + n:]
    tensors = {}
    for name, t in header.items():
        b, e = t["data_offsets"]
        tensors[name] = np.frombuffer(data[b:e], dtype=DTYPES[t["dtype"]]) \
            .reshape(t["shape"]).astype(np.float64)
    return tensors, metadata


def read_history(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def main():
    args = sys.argv[1:]
    rtol = 1e-5
    if "--rtol" in args:
        i = args.index("--rtol")
        rtol = float(args[i + 1])
        del args[i:i + 2]
    a_dir, b_dir = args
    ok = True
    a, a_meta = read_safetensors(a_dir + "/checkpoint.safetensors")
    b, b_meta = read_safetensors(b_dir + "/checkpoint.safetensors")
    if a_meta.get("nnc.step") != b_meta.get("nnc.step"):
        print("steps differ: %s vs %s" % (a_meta.get("nnc.step"),
                                          b_meta.get("nnc.step")))
        ok = False
    if sorted(a) != sorted(b):
        print("tensor names differ: %s vs %s" % (sorted(a), sorted(b)))
        return 1
    worst_name, worst = None, 0.0
    for name in sorted(b):
        scale = float(np.max(np.abs(b[name]))) if b[name].size else 0.0
        diff = float(np.max(np.abs(a[name] - b[name]))) if b[name].size else 0.0
        rel = diff / scale if scale > 0 else diff
        if rel > worst:
            worst_name, worst = name, rel
        if rel > rtol:
            print("FAIL %s: max |a - b| = %.3g, %.3g of max |b| = %.3g"
                  % (name, diff, rel, scale))
            ok = False
    print("tensors: %d, step %s, worst relative difference %.3g (%s)"
          % (len(b), b_meta.get("nnc.step"), worst, worst_name))
    ha = read_history(a_dir + "/history.csv")
    hb = read_history(b_dir + "/history.csv")
    if len(ha) != len(hb):
        print("FAIL history: %d rows vs %d" % (len(ha), len(hb)))
        return 1
    for column in ("train_loss", "val_loss"):
        worst = 0.0
        for ra, rb in zip(ha, hb):
            if rb[column] == "" and ra[column] == "":
                continue
            x, y = float(ra[column]), float(rb[column])
            rel = abs(x - y) / abs(y) if y != 0 else abs(x - y)
            worst = max(worst, rel)
            if rel > rtol:
                print("FAIL %s epoch %s: %r vs %r" % (column, rb["epoch"],
                                                       x, y))
                ok = False
        print("%s: %d rows, worst relative difference %.3g"
              % (column, len(hb), worst))
    print("OK" if ok else "MISMATCH")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
