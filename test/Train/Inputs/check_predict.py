#!/usr/bin/env python3
"""Reference for preprocess.test, in plain Python.

Usage: check_predict.py CHECKPOINT TRAIN.csv PREDICTIONS.csv (--scale S | --standardize)
The model is y = w . x' + b (fc1 of the checkpoint), where x' is a raw row
of TRAIN.csv (its last column is the target) multiplied by S, or
standardised with the mean and population std of the training rows. The
predictions `nnc predict` wrote for the raw feature columns must match to
1e-5 relative (+1e-6).
"""
import math
import sys

from plain_safetensors import tensors


def main():
    ckpt, train, predictions, mode = sys.argv[1:5]
    t = tensors(ckpt)
    w, b = t["fc1.weight"], t["fc1.bias"][0]
    rows = [[float(v) for v in line.split(",")[:-1]]
            for line in open(train).read().split()[1:]]
    k = len(rows[0])
    if mode == "--scale":
        s = float(sys.argv[5])
        prep = [[s * v for v in r] for r in rows]
    else:
        mean = [sum(r[j] for r in rows) / len(rows) for j in range(k)]
        std = [math.sqrt(sum((r[j] - mean[j]) ** 2 for r in rows) / len(rows))
               for j in range(k)]
        prep = [[(r[j] - mean[j]) / std[j] for j in range(k)] for r in rows]
    want = [sum(w[j] * r[j] for j in range(k)) + b for r in prep]
    got = [float(line.split(",")[0])
           for line in open(predictions).read().split()[1:]]
    ok = len(got) == len(want) and all(
        abs(g - e) <= 1e-5 * abs(e) + 1e-6 for g, e in zip(got, want))
    print("predictions %s, reference %s: %s" % (
        " ".join("%.6f" % g for g in got), " ".join("%.6f" % e for e in want),
        "ok" if ok else "DIFFERENT"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
