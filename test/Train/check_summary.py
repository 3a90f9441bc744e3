#!/usr/bin/env python3
"""Checks one metric of a summary.json written by `nnc train`.

Usage: check_summary.py SUMMARY KEY OP VALUE   (OP: >=, <=)
Prints `KEY = <value>` and exits 1 when the comparison does not hold, so lit
tests state the acceptance thresholds of the examples in one line.
"""
import json
import sys


def main():
    path, key, op, bound = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
    with open(path) as f:
        summary = json.load(f)
    if key not in summary:
        print("%s: no key %r (keys: %s)" % (path, key, ", ".join(sorted(summary))))
        return 1
    value = float(summary[key])
    ok = value >= bound if op == ">=" else value <= bound
    print("%s = %.4f (%s %s %g)" % (key, value, "ok:" if ok else "FAILED:", op, bound))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
