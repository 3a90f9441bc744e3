#!/usr/bin/env python3
"""Compiles every .nn file given for --target=cpu and --target=cuda and checks
that CUDA compiles whatever the CPU back end compiles, and that any failure
is a clean diagnostic (exit code 1, an `error:` line), never a crash. Prints
one line per file (noting when only the CPU build fails).

With `--guard-run TOOL` first, also runs TOOL (nnc-guard-run) on every CPU
model.so built, so that the examples are compiled once for both checks, and
prints `GUARD OK name` or `GUARD FAIL name: ...` (docs/guard-pages.md)."""
import subprocess, sys, tempfile, os

args = sys.argv[1:]
guard_run = None
if args[:1] == ["--guard-run"]:
    guard_run, args = args[1], args[2:]
nnc, files = args[0], args[1:]
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
        if guard_run and rc_cpu == 0:
            g = subprocess.run([guard_run, os.path.join(tmp, f"{name}-cpu.so")],
                               capture_output=True, text=True)
            how = (f"killed by signal {-g.returncode}" if g.returncode < 0
                   else f"exit code {g.returncode}")
            print(f"GUARD OK {name}" if g.returncode == 0 else
                  f"GUARD FAIL {name}: {how}: {(g.stderr or g.stdout).strip()}",
                  flush=True)
            bad += g.returncode != 0
sys.exit(1 if bad else 0)
