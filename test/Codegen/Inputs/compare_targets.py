#!/usr/bin/env python3
"""Compiles every .nn file given for --target=cpu and --target=cuda and checks
that CUDA compiles whatever the CPU back end compiles, and that any failure
is a clean diagnostic (exit code 1, an `error:` line), never a crash. Prints
one line per file (noting when only the CPU build fails)."""
import subprocess, sys, tempfile, os

nnc, files = sys.argv[1], sys.argv[2:]
bad = 0
with tempfile.TemporaryDirectory() as tmp:
    for f in files:
        name = os.path.splitext(os.path.basename(f))[0]
        res = {}
        for target in ("cpu", "cuda"):
            p = subprocess.run([nnc, f, "--target=" + target, "-o",
                                os.path.join(tmp, f"{name}-{target}.so")],
                               capture_output=True, text=True)
            first = next((l for l in p.stderr.splitlines() if "error:" in l), "")
            res[target] = (p.returncode, first)
        (rc_cpu, err_cpu), (rc_gpu, err_gpu) = res["cpu"], res["cuda"]
        ok = (rc_gpu in (0, 1) and rc_cpu in (0, 1) and (rc_gpu == 0 or rc_cpu != 0)
              and (rc_gpu == 0 or err_gpu))
        state = "compiles" if rc_gpu == 0 else "error: " + err_gpu.split("error: ", 1)[-1]
        if rc_gpu == 0 and rc_cpu != 0:
            state += " (cpu fails: " + err_cpu.split("error: ", 1)[-1] + ")"
        print(f"{'OK' if ok else 'MISMATCH'} {name}: cuda {state}")
        bad += not ok
sys.exit(1 if bad else 0)
