#!/usr/bin/python3
"""nnc's differential fuzzer: random .nn models against PyTorch twins.

    fuzz.py N [--seed S]        run N models with seeds S, S+1, ...
    fuzz.py --replay SEED       rerun one model, print its .nn and details
    fuzz.py --seeds 3,17,40     run the given seeds
    -j 8                        check 8 models at a time

Each model is generated from its seed (nnfuzz/gen.py), compiled with nnc,
run through the C ABI (predict, compute_gradients, apply_gradients,
train_step) and compared with its PyTorch twin (nnfuzz/twin.py) within the
tolerances documented in nnfuzz/check.py and docs/fuzzing.md. Each failure
prints its seed, a one-line replay command and (unless --no-shrink) the
minimal .nn model that still fails the same way. Exit status: 0 when no
model failed, 1 otherwise, 2 on usage errors.
"""
import argparse
import json
import multiprocessing
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from nnfuzz import check, gen, model, shrink  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))


def parse_seeds(text):
    seeds = []
    for part in text.split(","):
        if "-" in part:
            lo, hi = part.split("-")
            seeds.extend(range(int(lo), int(hi) + 1))
        elif part:
            seeds.append(int(part))
    return seeds


def describe(desc):
    if desc.get("invalid"):
        return f"must refuse: transpose -> {desc['ops'][0]['op']}"
    ops = " ".join(op["op"] for op in desc["ops"])
    losses = "+".join(t["kind"] for t in desc["losses"])
    return (f"batch {desc['batch']} -O{desc['opt']} [{ops}] {losses} "
            f"{desc['optimizer']['kind']}")


def run_seed(job):
    """Generates and checks one seed (in a worker process with -j)."""
    seed, keep_batch, nnc = job
    desc = model.prune(gen.generate(seed, keep_batch))
    return seed, desc, check.run_case(desc, nnc)


def main(argv):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("count", nargs="?", type=int, default=100,
                   help="number of models (default 100)")
    p.add_argument("--seed", type=int, default=1,
                   help="first seed (default 1)")
    p.add_argument("--seeds", help="explicit seeds: 3,17,40-45")
    p.add_argument("--replay", type=int, metavar="SEED",
                   help="rerun one seed verbosely (shrinks on failure)")
    p.add_argument("--nnc", default=os.environ.get(
        "NNC", os.path.join(REPO, "build", "bin", "nnc")),
        help="the nnc binary (default build/bin/nnc, or $NNC)")
    p.add_argument("--keep-batch", action="store_true",
                   help="only models that keep N the leading axis (no "
                   "batch-moving ops, no must-refuse models)")
    p.add_argument("--no-shrink", action="store_true",
                   help="report failures without shrinking them")
    p.add_argument("--shrink-budget", type=int, default=60,
                   help="most candidate models tried per shrink")
    p.add_argument("--log", help="also append one JSON line per model here")
    p.add_argument("-j", "--jobs", type=int, default=1,
                   help="models checked in parallel (default 1)")
    p.add_argument("-v", "--verbose", action="store_true",
                   help="one line per model")
    args = p.parse_args(argv)
    if not os.access(args.nnc, os.X_OK):
        print(f"fuzz: error: no nnc binary at {args.nnc} (use --nnc)",
              file=sys.stderr)
        return 2
    if args.replay is not None:
        seeds, verbose = [args.replay], True
    elif args.seeds:
        seeds, verbose = parse_seeds(args.seeds), args.verbose
    else:
        seeds, verbose = list(range(args.seed, args.seed + args.count)), \
            args.verbose

    counts = {"pass": 0, "refused": 0}
    failures = []
    start = time.time()
    log = open(args.log, "a") if args.log else None
    if args.replay is not None:
        desc = model.prune(gen.generate(args.replay, args.keep_batch))
        print(model.to_nn(desc))
        print(f"# {describe(desc)}")
    jobs = [(seed, args.keep_batch, args.nnc) for seed in seeds]
    pool = None
    if args.jobs > 1:
        pool = multiprocessing.get_context("fork").Pool(args.jobs)
        results = pool.imap(run_seed, jobs)
    else:
        results = map(run_seed, jobs)
    for seed, desc, out in results:
        if out.failed():
            counts[out.kind] = counts.get(out.kind, 0) + 1
        else:
            counts[out.verdict] += 1
        line = f"seed {seed}: {out.kind or out.verdict} ({out.seconds:.1f} s)"
        if verbose or out.failed():
            print(f"{line}  {describe(desc)}", flush=True)
        if out.detail and (verbose or out.failed()):
            print(f"  {out.detail}", flush=True)
        if log:
            log.write(json.dumps({"seed": seed, "verdict": out.verdict,
                                  "kind": out.kind, "detail": out.detail,
                                  "seconds": round(out.seconds, 2)}) + "\n")
            log.flush()
        if not out.failed():
            continue
        flag = " --keep-batch" if args.keep_batch else ""
        print(f"  replay: scripts/fuzz.sh --replay {seed}{flag}", flush=True)
        failures.append((seed, out.kind))
        if args.no_shrink or desc.get("invalid"):
            continue
        small = shrink.shrink(
            desc, out.kind, lambda d: check.run_case(d, args.nnc),
            budget=args.shrink_budget,
            log=(lambda m: print(m, flush=True)) if verbose else None)
        last = check.run_case(small, args.nnc)
        print(f"  minimal model ({len(small['ops'])} ops, "
              f"{describe(small)}): {last.detail}")
        print("    " + model.to_nn(small).replace("\n", "\n    ").rstrip())
    if pool:
        pool.close()
    fails = sum(v for k, v in counts.items() if k not in ("pass", "refused"))
    mism = counts.get("mismatch", 0)
    crashes = counts.get("compile-crash", 0) + counts.get("run-crash", 0)
    other = fails - mism - crashes
    print(f"fuzz: {len(seeds)} models in {time.time() - start:.0f} s: "
          f"{counts['pass']} passed, {counts['refused']} refused (batch "
          f"moved), {mism} mismatches, {crashes} crashes, {other} other "
          f"failures" + (f" (seeds {', '.join(str(s) for s, _ in failures)})"
                         if failures else ""))
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
