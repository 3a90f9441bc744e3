#!/usr/bin/env python3
"""Reference for metrics.test, in plain Python.

Usage: check_metrics.py SUMMARY.json DATA.csv PREDICTIONS.csv
DATA.csv: the test rows (last column the class); PREDICTIONS.csv: what
`nnc predict` wrote for them (a `class` column). Builds the confusion
matrix (rows: true class, columns: predicted) and the macro precision,
recall and F1 (sklearn's definitions, 0 for an empty denominator) and
checks summary.json's confusion.matrix (exactly) and test_precision,
test_recall, test_f1 (1e-9).
"""
import json
import sys


def main():
    summary = json.load(open(sys.argv[1]))
    truth = [int(line.split(",")[-1]) for line in open(sys.argv[2]).read().split()[1:]]
    lines = open(sys.argv[3]).read().split()
    col = lines[0].split(",").index("class")
    pred = [int(line.split(",")[col]) for line in lines[1:]]
    n = max(max(truth), max(pred)) + 1
    n = max(n, len(summary["confusion"]["matrix"]))
    m = [[0] * n for _ in range(n)]
    for t, p in zip(truth, pred):
        m[t][p] += 1
    prec, rec, f1 = [], [], []
    for c in range(n):
        predicted = sum(m[t][c] for t in range(n))
        actual = sum(m[c])
        p = m[c][c] / predicted if predicted else 0.0
        r = m[c][c] / actual if actual else 0.0
        prec.append(p)
        rec.append(r)
        f1.append(2 * p * r / (p + r) if p + r else 0.0)
    want = {"test_precision": sum(prec) / n, "test_recall": sum(rec) / n,
            "test_f1": sum(f1) / n}
    ok = summary["confusion"]["matrix"] == m and summary["confusion"]["set"] == "test"
    print("confusion", m, "ok" if ok else "DIFFERENT from %s" % summary["confusion"])
    for k, v in want.items():
        good = abs(summary[k] - v) <= 1e-9
        print("%s %.6f (reference %.6f) %s" % (k, summary[k], v, "ok" if good else "DIFFERENT"))
        ok &= good
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
