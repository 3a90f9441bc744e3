"""Prints the FLOP rates of one benchmarked model and their fraction of the
core's FP32 peak.

Usage: report.py DIR NAME [PEAK_GFLOPS] (NAME: the benchmark's). Reads
DIR/nnc.json (nnc's times), DIR/torch.json (PyTorch's times and the FLOPs of one call counted by
flops.py) and, when present, DIR/ort.json (ONNX Runtime's times). Rates use
the median times; the rate at the best time follows in parentheses (on a
shared machine the best time is the steadier figure). With a known peak it
also prints a `FLOOR` line: the time the counted products alone take at the
peak, and that time over each anchor's median (and best): the least
nnc/anchor ratio the measured peak allows, whatever else the step does. No torch
import: plain JSON.
"""
import json
import os
import sys


def load(directory, name):
    path = os.path.join(directory, name)
    if not os.path.exists(path):
        return None
    with open(path) as f:
        return json.load(f)


def main():
    directory, name = sys.argv[1], sys.argv[2]
    peak = float(sys.argv[3]) if len(sys.argv) > 3 and sys.argv[3] else 0.0
    run, torch_run = load(directory, "nnc.json"), load(directory, "torch.json")
    if not run or not torch_run or not torch_run.get("flops"):
        return 0
    flop = torch_run["flops"]

    def rate(ms, best_ms):
        gflops, best = flop / (ms * 1e6), flop / (best_ms * 1e6)
        if not peak:
            return f"{gflops:.1f} GFLOP/s (best {best:.1f})"
        return (f"{gflops:.1f} GFLOP/s = {100 * gflops / peak:.0f}% of peak "
                f"(best {best:.1f} = {100 * best / peak:.0f}%)")

    what = "per step" if run["mode"] == "train_step" else "per batch"
    parts = [f"nnc {rate(run['median_ms'], run['best_ms'])}",
             f"torch {rate(torch_run['median_ms'], torch_run['best_ms'])}"]
    ort = load(directory, "ort.json")
    if ort:
        parts.append(f"onnxruntime {rate(ort['median_ms'], ort['best_ms'])}")
    print(f"  FLOPS {name} {run['mode']} batch {run['batch']}: "
          f"{flop / 1e9:.3g} GFLOP {what} "
          f"({', '.join(torch_run['flop_kinds'])} products), "
          + ", ".join(parts)
          + (f" (peak {peak:.1f} GFLOP/s)" if peak else " (peak unknown)"))
    if peak:
        floor_ms = flop / (peak * 1e6)
        anchors = [("torch", torch_run)] + ([("onnxruntime", ort)] if ort
                                           else [])
        print(f"  FLOOR {name} {run['mode']} batch {run['batch']}: the "
              f"products alone take {floor_ms:.3f} ms at the peak, "
              + ", ".join(f"{floor_ms / a['median_ms']:.2f} of {n}'s median "
                          f"(best {floor_ms / a['best_ms']:.2f})"
                          for n, a in anchors)
              + " (the least nnc/anchor ratio unless a product is skipped)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
