#!/usr/bin/env python3
"""Compiles models and runs nnc-guard-run on each (docs/guard-pages.md).

  guard_check.py --out DIR matrix I/K     slice I of K of the single-op matrix
  guard_check.py --out DIR known          the matrix cases with a known fault
  guard_check.py --out DIR files A.nn...  the given .nn files (the examples)

For a matrix case it first asks the compiler for the model's output type
(`nnc --emit=nn` of the model alone) to declare the default training
target, then compiles the model with its train section to DIR/<case>.so and
runs `nnc-guard-run` on it (every entry point, batch 1, 3 and 17, every
buffer against guard pages). A compiler exit code 1 with an `error:` line is
a clean refusal: allowed for the cases that say why they may be refused
(`may_refuse`: they move the batch axis, ...), a failure for the others; any other exit code (a crash) is always a failure, as is any
failure or fault of nnc-guard-run. Prints one line per model and a summary;
exits 1 when anything failed. The .nn files stay in DIR for reproduction.
"""
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import single_op_matrix  # noqa: E402

NNC = os.environ.get("NNC", "nnc")
GUARD_RUN = os.environ.get("NNC_GUARD_RUN", "nnc-guard-run")


def first_error(stderr):
    return next((l.strip() for l in stderr.splitlines() if "error:" in l),
                stderr.strip().splitlines()[-1] if stderr.strip() else "")


def compile_model(path, args):
    """(state, detail): state 'ok', 'refused' or 'crash'."""
    p = subprocess.run([NNC, path] + args, capture_output=True, text=True)
    if p.returncode == 0:
        return "ok", p.stdout
    if p.returncode == 1 and "error:" in p.stderr:
        return "refused", first_error(p.stderr)
    return "crash", "exit code %d: %s" % (p.returncode, first_error(p.stderr))


def output_type(nn_ir):
    """y's type in @predict as a DSL type ('f32[N, 3, 4]'), or None when y
    has no leading batch dimension."""
    m = re.search(r'tensor<([^>]*)>\s*\{nn\.output = "y"\}', nn_ir)
    if not m:
        return None
    *dims, dtype = m.group(1).split("x")
    if not dims or dims[0] != "?" or "?" in dims[1:]:
        return None
    return "%s[%s]" % (dtype, ", ".join(["N"] + dims[1:]))


def guard_run(so):
    p = subprocess.run([GUARD_RUN, so], capture_output=True, text=True)
    if p.returncode == 0:
        return None
    how = ("killed by signal %d" % -p.returncode if p.returncode < 0 else
           "exit code %d" % p.returncode)
    return "nnc-guard-run %s: %s" % (how, (p.stderr or p.stdout).strip())


def build_case(case, out):
    """Compiles a matrix case to DIR/<case>.so: (state, detail, target) as
    for compile_model, `target` the default training target's type (None:
    the case's own train section, or y has no batch axis: predict only).
    Also used by test/Threads/Inputs/thread_check.py."""
    base = os.path.join(out, case.name)
    target = None
    if case.train is None:
        with open(base + ".probe.nn", "w") as f:
            f.write(single_op_matrix.model_text(case))
        state, detail = compile_model(base + ".probe.nn", ["--emit=nn"])
        if state == "ok":
            target = output_type(detail)
            detail = ""
    else:
        state = "ok"
    if state == "ok":
        with open(base + ".nn", "w") as f:
            f.write(single_op_matrix.model_text(case, target))
        state, detail = compile_model(base + ".nn", ["-o", base + ".so"])
    return state, detail, target


def run_case(case, out):
    """One line of the report and whether it is a failure."""
    base = os.path.join(out, case.name)
    state, detail, target = build_case(case, out)
    if state == "crash":
        return "FAIL %s: the compiler crashed: %s" % (case.name, detail), True
    if state == "refused":
        if case.may_refuse:
            return "REFUSED %s (%s): %s" % (case.name, case.may_refuse,
                                            detail), False
        return "FAIL %s: refused: %s" % (case.name, detail), True
    err = guard_run(base + ".so")
    if err:
        return "FAIL %s: %s" % (case.name, err), True
    entries = "predict only" if target is None and case.train is None else \
        "all entries"
    return "PASS %s (%s)" % (case.name, entries), False


def run_file(path, out):
    name = os.path.splitext(os.path.basename(path))[0]
    so = os.path.join(out, name + ".so")
    state, detail = compile_model(path, ["-o", so])
    if state != "ok":
        return "FAIL %s: %s: %s" % (name, state, detail), True
    err = guard_run(so)
    return ("FAIL %s: %s" % (name, err), True) if err else \
        ("PASS %s" % name, False)


def main(argv):
    if len(argv) < 3 or argv[0] != "--out" or \
            argv[2] not in ("matrix", "known", "files"):
        sys.exit(__doc__)
    out, mode, rest = argv[1], argv[2], argv[3:]
    os.makedirs(out, exist_ok=True)
    if mode == "matrix":
        cases, title = matrix_slice(rest[0])
        jobs = [(run_case, c) for c in cases]
    elif mode == "known":
        cases = [c for c in single_op_matrix.cases() if c.known_fault]
        jobs = [(run_case, c) for c in cases]
        title = "known faults"
    else:
        jobs = [(run_file, p) for p in rest]
        title = "files"
    return run_jobs([lambda fn=fn, arg=arg: fn(arg, out) for fn, arg in jobs],
                    title)


def matrix_slice(spec):
    """The cases of slice `spec` ("I/N": every N-th case from the I-th) of
    the single-op matrix, known faults left out, and its title."""
    index, count = (int(v) for v in spec.split("/"))
    cases = [c for c in single_op_matrix.cases() if not c.known_fault]
    return cases[index::count], "matrix slice %d/%d" % (index, count)


def run_jobs(jobs, title, passed="passed", failed="failed"):
    """Runs `jobs` (callables returning (line, bad)), printing each line,
    then a summary under `title` counting the `passed` and `failed` ones and
    the refusals; returns the exit code, 1 when any failed."""
    results = []
    for job in jobs:
        results.append(job())
        print(results[-1][0], flush=True)
    bad = sum(b for _, b in results)
    refused = sum(line.startswith("REFUSED") for line, _ in results)
    print("%s: %d models, %d %s, %d refused, %d %s" %
          (title, len(results), len(results) - bad - refused, passed,
           refused, bad, failed))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
