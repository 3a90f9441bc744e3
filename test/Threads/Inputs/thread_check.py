#!/usr/bin/env python3
"""Checks that compiled models compute the same bits on 1, 2, 3 and 4 threads
(docs/abi.md, "Threads"; issue 13).

  thread_check.py [options] --out DIR files A.nn...  the given .nn files
  thread_check.py [options] --out DIR matrix I/K     slice I of K of the
                                                     single-op matrix
  thread_check.py selftest                           the comparison itself

Options: --threads 1,2,3,4 (the thread counts compared), --batch 1,3,17,
--vary-seed-at T (to test the check: the run on T threads uses another seed,
so every model must come out DIFFERENT).

Each model is compiled as test/Safety/Inputs/guard_check.py compiles it
(the matrix cases with their training section, refusals allowed where the
case says so), then `nnc-guard-run --hash` runs it once per thread count:
an instance with seed 7 per batch size, predict, train_step twice,
compute_gradients and apply_gradients, one line per output, loss and
instance tensor with its FNV-1a hash or bits. The second count is asked for
through NNC_NUM_THREADS, the others through --threads. Every run must print
the same lines ('#' lines excepted). Prints SAME, DIFFERENT, REFUSED or FAIL
per model and a summary; exits 1 when a model differs or fails.
"""
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "Safety", "Inputs"))
import guard_check  # noqa: E402

GUARD_RUN = os.environ.get("NNC_GUARD_RUN", "nnc-guard-run")


def hash_lines(text):
    return [l for l in text.splitlines() if l and not l.startswith("#")]


def compare(runs):
    """`runs`: (threads, output text) pairs, the reference first. None when
    every run printed the same hash lines, else what differs first."""
    ref_threads, ref_text = runs[0]
    ref = hash_lines(ref_text)
    if not ref:
        return "no hash lines on %d threads" % ref_threads
    for threads, text in runs[1:]:
        got = hash_lines(text)
        for i in range(max(len(ref), len(got))):
            a = ref[i] if i < len(ref) else "(nothing)"
            b = got[i] if i < len(got) else "(nothing)"
            if a != b:
                return "%d threads: '%s', %d threads: '%s'" % (
                    ref_threads, a, threads, b)
    return None


def hash_run(so, threads, use_env, seed, batches):
    """nnc-guard-run --hash on `threads` threads: (output, error)."""
    cmd = [GUARD_RUN, "--hash", "--seed", str(seed), "--batch", batches]
    env = dict(os.environ)
    env.pop("NNC_NUM_THREADS", None)
    if use_env:
        env["NNC_NUM_THREADS"] = str(threads)
    else:
        cmd += ["--threads", str(threads)]
    p = subprocess.run(cmd + [so], capture_output=True, text=True, env=env)
    if p.returncode != 0:
        how = ("killed by signal %d" % -p.returncode if p.returncode < 0 else
               "exit code %d" % p.returncode)
        return None, "nnc-guard-run --hash on %d threads: %s: %s" % (
            threads, how, (p.stderr or p.stdout).strip())
    return p.stdout, None


def check_so(name, so, opts):
    """One line of the report and whether it is a failure."""
    runs = []
    for i, threads in enumerate(opts["threads"]):
        seed = 8 if threads == opts["vary"] else 7
        out, err = hash_run(so, threads, i == 1, seed, opts["batch"])
        if err:
            return "FAIL %s: %s" % (name, err), True
        runs.append((threads, out))
    diff = compare(runs)
    if diff:
        return "DIFFERENT %s: %s" % (name, diff), True
    return "SAME %s (%s threads, %d lines)" % (
        name, " ".join(str(t) for t, _ in runs), len(hash_lines(runs[0][1]))
    ), False


def run_case(case, out, opts):
    state, detail, _ = guard_check.build_case(case, out)
    if state == "crash":
        return "FAIL %s: the compiler crashed: %s" % (case.name, detail), True
    if state == "refused":
        if case.may_refuse:
            return "REFUSED %s (%s)" % (case.name, case.may_refuse), False
        return "FAIL %s: refused: %s" % (case.name, detail), True
    return check_so(case.name, os.path.join(out, case.name + ".so"), opts)


def run_file(path, out, opts):
    name = os.path.splitext(os.path.basename(path))[0]
    so = os.path.join(out, name + ".so")
    state, detail = guard_check.compile_model(path, ["-o", so])
    if state != "ok":
        return "FAIL %s: %s: %s" % (name, state, detail), True
    return check_so(name, so, opts)


def selftest():
    """The comparison catches every kind of difference."""
    same = "# 1 thread\nbatch 1 predict output y 00ff\nbatch 1 param w 12\n"
    other = "# 2 threads\nbatch 1 predict output y 00ff\nbatch 1 param w 12\n"
    assert compare([(1, same), (2, other), (3, same)]) is None
    flipped = same.replace("00ff", "00fe")
    assert compare([(1, same), (2, same), (3, flipped)]) == (
        "1 threads: 'batch 1 predict output y 00ff', "
        "3 threads: 'batch 1 predict output y 00fe'")
    shorter = "batch 1 predict output y 00ff\n"
    assert "(nothing)" in compare([(1, same), (4, shorter)])
    assert "(nothing)" in compare([(1, shorter), (4, same)])
    assert compare([(1, "# only a comment\n"), (2, "")]) is not None
    print("selftest: ok")
    return 0


def main(argv):
    if argv == ["selftest"]:
        return selftest()
    opts = {"threads": [1, 2, 3, 4], "batch": "1,3,17", "vary": None}
    while argv and argv[0] in ("--threads", "--batch", "--vary-seed-at"):
        key, value, argv = argv[0], argv[1], argv[2:]
        if key == "--threads":
            opts["threads"] = [int(t) for t in value.split(",")]
        elif key == "--batch":
            opts["batch"] = value
        else:
            opts["vary"] = int(value)
    if len(argv) < 3 or argv[0] != "--out" or argv[2] not in ("matrix",
                                                              "files"):
        sys.exit(__doc__)
    out, mode, rest = argv[1], argv[2], argv[3:]
    os.makedirs(out, exist_ok=True)
    if mode == "matrix":
        cases, title = guard_check.matrix_slice(rest[0])
        jobs = [(run_case, c) for c in cases]
    else:
        jobs = [(run_file, p) for p in rest]
        title = "files"
    return guard_check.run_jobs(
        [lambda fn=fn, arg=arg: fn(arg, out, opts) for fn, arg in jobs],
        title, passed="same", failed="different or failed")

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
