#!/usr/bin/env python3
"""summary.test: `nnc summary`'s trainable parameter count of every model
of bench/torch_models.py equals sum(p.numel() for p in twin.parameters()).

Usage: summary_twins.py NNC REPO
"""
import os
import re
import subprocess
import sys


def main():
    nnc, repo = sys.argv[1], sys.argv[2]
    sys.path.insert(0, os.path.join(repo, "bench"))
    import torch_models
    status = 0
    for name, spec in torch_models.SPECS.items():
        want = sum(p.numel() for p in spec.module().parameters())
        out = subprocess.run([nnc, "summary", os.path.join(repo, spec.nn_file)],
                             capture_output=True, text=True)
        m = re.search(r"^Trainable params: ([0-9,]+)", out.stdout, re.M)
        got = int(m.group(1).replace(",", "")) if m else None
        ok = got == want
        print("%s: nnc %s, pytorch %d %s" % (name, got, want,
                                             "ok" if ok else "DIFFERENT"))
        status |= 0 if ok else 1
    return status


if __name__ == "__main__":
    sys.exit(main())
