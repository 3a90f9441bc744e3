#!/usr/bin/env python3
"""Checks a run's best epoch (checkpoint-policy.test).

Usage: check_best.py RUN_DIR EVAL_OUTPUT
summary.json's best_epoch must be the epoch of the lowest val_loss in
history.csv (the first on ties), and EVAL_OUTPUT (`nnc eval` of
best.safetensors on the validation data) must report that epoch's val_loss
(to the 4 printed decimals).
"""
import json
import sys


def main():
    run, eval_output = sys.argv[1], sys.argv[2]
    summary = json.load(open(run + "/summary.json"))
    lines = open(run + "/history.csv").read().split()
    header = lines[0].split(",")
    rows = [dict(zip(header, line.split(","))) for line in lines[1:]]
    losses = [float(r["val_loss"]) for r in rows]
    best = losses.index(min(losses)) + 1
    words = open(eval_output).read().split()
    got = float(words[words.index("loss") + 1])
    ok = summary.get("best_epoch") == best and abs(got - losses[best - 1]) <= 5e-5
    print("best epoch %d (summary %s), val_loss %.6f, best.safetensors %.4f: %s"
          % (best, summary.get("best_epoch"), losses[best - 1], got,
             "ok" if ok else "WRONG"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
