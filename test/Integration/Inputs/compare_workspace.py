"""Compares the kernel workspace `nnc summary --bytes` estimates with the
peak the model's allocator measured (nnc-bench --report-workspace).

usage: compare_workspace.py SUMMARY MEASURED [THREADS]

SUMMARY is the output of `nnc summary --bytes`; MEASURED the stderr of
nnc-bench runs with --report-workspace, whose lines read
`nnc workspace: ENTRY peak N bytes over K calls (model M)`. With one thread
(the default) every measured entry must equal its estimate to the byte: the
estimate counts what each memref.alloc asks the allocator for, and so does
the counter (docs/runtime.md, "nnc summary"). With THREADS > 1 the measured
peak must lie between the one-thread estimate and the estimate plus
(THREADS - 1) times the entry's per-thread figure.
"""
import re
import sys


def estimates(path):
    text = open(path).read()
    line = re.search(r"per entry point: (.*)", text).group(1)
    out = {}
    for m in re.finditer(
            r"(\w+) ([\d,]+) B(?: \(\+([\d,]+) B/thread\))?", line):
        out[m.group(1)] = (int(m.group(2).replace(",", "")),
                           int((m.group(3) or "0").replace(",", "")))
    return out


def measured(path):
    out = {}
    for m in re.finditer(r"nnc workspace: (\w+) peak (\d+) bytes",
                         open(path).read()):
        out[m.group(1)] = int(m.group(2))
    return out


def main():
    est, meas = estimates(sys.argv[1]), measured(sys.argv[2])
    threads = int(sys.argv[3]) if len(sys.argv) > 3 else 1
    if not meas:
        sys.exit("no measurement in " + sys.argv[2])
    for entry, got in sorted(meas.items()):
        peak, per_thread = est[entry]
        high = peak + (threads - 1) * per_thread
        ok = peak <= got <= high
        print("%s %s: estimate %d (to %d with %d threads), measured %d" %
              ("ok" if ok else "MISMATCH", entry, peak, high, threads, got))
        if not ok:
            sys.exit(1)


main()
