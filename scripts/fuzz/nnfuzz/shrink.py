"""Greedy shrinking of a failing description (delta debugging on the
description, not on the text): drop ops (rewiring their users to one of
their inputs), drop the second output, simplify the loss, the optimizer
and the options, lower sizes; keep each change while the failure of the
same kind persists. Stops after `budget` tries.
"""
import copy
import time

from .model import Invalid, infer, prune


def remove_op(desc, j, repl):
    """desc without op j, its users reading value `repl` instead."""
    n = len(desc["inputs"])
    v = n + j

    def fix(u):
        if u == v:
            return repl
        return u - 1 if u > v else u

    d = copy.deepcopy(desc)
    del d["ops"][j]
    for op in d["ops"]:
        op["in"] = [fix(u) for u in op["in"]]
    d["outputs"] = [fix(u) for u in d["outputs"]]
    return d


def smaller(x):
    return sorted({1, x // 2, x - 1} - {x, 0}) if x > 1 else []


def candidates(desc):
    """Simpler variants of desc, most aggressive first."""
    for j in range(len(desc["ops"]) - 1, -1, -1):
        for u in dict.fromkeys(desc["ops"][j]["in"]):
            yield remove_op(desc, j, u)
    emb = desc["ops"][0] if desc["ops"] else None
    if desc["inputs"][0]["dtype"] == "i32" and emb and \
            emb["op"] == "embedding" and \
            sum(op["in"].count(0) for op in desc["ops"]) == 1:
        # token ids -> embedding becomes an f32 input of the vectors' shape
        d = remove_op(desc, 0, 0)
        d["inputs"][0] = {"name": "x", "dtype": "f32",
                          "shape": desc["inputs"][0]["shape"] + [emb["dim"]]}
        yield d
    if len(desc["outputs"]) > 1:
        for keep in range(len(desc["outputs"])):
            d = copy.deepcopy(desc)
            d["outputs"] = [desc["outputs"][keep]]
            d["losses"] = [dict(t, out=0, scale=abs(t["scale"]))
                           for t in desc["losses"] if t["out"] == keep]
            yield d
    if len(desc["inputs"]) > 1:
        d = copy.deepcopy(desc)
        used = any(1 in op["in"] for op in d["ops"])
        if not used:
            yield remove_input(d)
    if desc.get("penalty"):
        yield dict(copy.deepcopy(desc), penalty=None)
    if desc.get("clip"):
        yield dict(copy.deepcopy(desc), clip=0.0)
    if desc["optimizer"] != {"kind": "sgd", "lr": 0.1}:
        yield dict(copy.deepcopy(desc), optimizer={"kind": "sgd", "lr": 0.1})
    for i, t in enumerate(desc["losses"]):
        if t["kind"] != "mse" or t["scale"] != 1.0:
            d = copy.deepcopy(desc)
            d["losses"][i] = {"kind": "mse", "out": t["out"], "scale": 1.0,
                              "target": t["target"]}
            yield d
    for b in smaller(desc["batch"]):
        yield dict(copy.deepcopy(desc), batch=b)
    if desc["opt"]:
        yield dict(copy.deepcopy(desc), opt=0)
    for i, inp in enumerate(desc["inputs"]):
        for a, dim in enumerate(inp["shape"]):
            for s in smaller(dim):
                d = copy.deepcopy(desc)
                for other in d["inputs"]:  # inputs share their shape
                    other["shape"][a] = s
                yield d
    simple = {"units": 1, "filters": 1, "dim": 1, "kernel": 1, "stride": 1,
              "dilation": 1, "pad": "valid", "bias": True, "heads": 1,
              "causal": False, "size": 1, "keepdims": False}
    for j, op in enumerate(desc["ops"]):
        for key, value in simple.items():
            if key in op and op[key] != value:
                vals = smaller(op[key]) if isinstance(op[key], int) and \
                    not isinstance(op[key], bool) else [value]
                for val in vals:
                    d = copy.deepcopy(desc)
                    d["ops"][j][key] = val
                    yield d


def remove_input(desc):
    """desc without its second input (unused)."""
    d = copy.deepcopy(desc)
    del d["inputs"][1]
    for op in d["ops"]:
        op["in"] = [u - 1 if u > 1 else u for u in op["in"]]
    d["outputs"] = [u - 1 if u > 1 else u for u in d["outputs"]]
    return d


def valid(desc):
    try:
        infer(desc)
        return True
    except (Invalid, IndexError, KeyError):
        return False


def shrink(desc, kind, run, budget=60, seconds=900, log=None):
    """The smallest variant of desc found whose run(desc) fails with
    `kind`; run returns an Outcome."""
    best = prune(desc)
    tries = 0
    start = time.time()
    progress = True
    while progress and tries < budget and time.time() - start < seconds:
        progress = False
        for cand in candidates(best):
            cand = prune(cand)
            if cand == best or not valid(cand):
                continue
            tries += 1
            out = run(cand)
            if out.failed() and out.kind == kind:
                best = cand
                progress = True
                if log:
                    log(f"  shrink: {len(best['ops'])} ops "
                        f"({tries} tries)")
                break
            if tries >= budget or time.time() - start > seconds:
                break
    return best
