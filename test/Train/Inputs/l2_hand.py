#!/usr/bin/env python3
"""Hand computation for l2-penalty.test, in plain Python.

Usage: l2_hand.py CHECKPOINT DATA.csv LAMBDA SUMMARY.json [EVAL_OUTPUT]
With w = fc1.weight and b = fc1.bias of the checkpoint and the rows
(a, b, t) of DATA.csv: mse = mean((w.x + b - t)^2), and nnc's l2 is
LAMBDA / 2 * sum w^2 (docs/language.md). Checks summary.json's train_loss
(the compiled objective, lr 0: the weights did not move) and test_loss (the
runtime's inference-mode evaluation), and `loss L` of a saved `nnc eval`
output, to 1e-5 relative (plus 5e-5 for the 4 printed decimals). Prints
what LAMBDA * sum w^2 (Keras's l2) would have given.
"""
import json
import sys

from plain_safetensors import tensors


def main():
    ckpt, csv, lam, summary = sys.argv[1:5]
    lam = float(lam)
    t = tensors(ckpt)
    w, b = t["fc1.weight"], t["fc1.bias"][0]
    rows = [[float(v) for v in line.split(",")]
            for line in open(csv).read().split()[1:]]
    mse = sum((w[0] * r[0] + w[1] * r[1] + b - r[2]) ** 2 for r in rows) / len(rows)
    squares = sum(v * v for v in w)
    want = mse + lam / 2 * squares
    print("mse %.7f  sum w^2 %.7f  want %.7f (lambda * sum w^2 would give %.7f)"
          % (mse, squares, want, mse + lam * squares))
    s = json.load(open(summary))
    got = [("train_loss", s["train_loss"], 0.0), ("test_loss", s["test_loss"], 0.0)]
    if len(sys.argv) > 5:
        words = open(sys.argv[5]).read().split()
        got.append(("eval", float(words[words.index("loss") + 1]), 5e-5))
    status = 0
    for name, value, rounding in got:
        ok = abs(value - want) <= 1e-5 * abs(want) + rounding
        print("%s %.7f %s" % (name, value, "ok" if ok else "DIFFERENT"))
        status |= 0 if ok else 1
    return status


if __name__ == "__main__":
    sys.exit(main())
