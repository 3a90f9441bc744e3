"""The random generator: a seed -> a model description (see model.py).

Models are short stacks (1 to 7 ops) over one of four input kinds (vectors
[N, F], sequences [N, T, F], images [N, C, H, W], token ids i32[N, T]),
with branches combined by + - * and concat, and with the batch-moving ops
(a transpose or reshape that moves N, concat along N, mean/sum/softmax over
N) drawn on purpose in about a third of the models. Every op is checked by
model.infer_op as it is drawn; draws that break a rule are redrawn. Sizes
stay small: each model is compiled, and compile time dominates.
"""
import math
import random

from .model import (ACTIVATIONS, RECURRENT, Invalid, infer, infer_op,
                    prune, static, uses_batch_moving)


class Builder:
    """A description under construction: values, their shapes, ops."""

    def __init__(self, rng, desc):
        self.rng = rng
        self.desc = desc
        self.shapes = [list(i["shape"]) for i in desc["inputs"]]
        self.dtypes = [i["dtype"] for i in desc["inputs"]]
        self.moving = rng.random() < 0.35  # draw batch-moving ops often
        # 1 model in 5 has sizes past the matmul schedule's 8 x 32 register
        # tile (lib/Codegen/MatmulSchedule.cpp): remainders, peeled loops.
        self.big = desc.get("big", False)

    def units(self, small):
        if self.big and self.rng.random() < 0.6:
            return self.rng.choice([8, 9, 16, 31, 32, 33, 40, 65])
        return self.rng.randint(1, small)

    def add(self, op):
        """Appends `op` when valid; returns its value number or None."""
        if None in op["in"]:
            return None
        try:
            shape = infer_op(op, [self.shapes[v] for v in op["in"]])
        except Invalid:
            return None
        if any(self.dtypes[v] != "f32" for v in op["in"]) != \
                (op["op"] == "embedding"):
            return None
        if self.constant_difference(op):
            return None
        self.desc["ops"].append(op)
        self.shapes.append(shape)
        self.dtypes.append("f32")
        return len(self.shapes) - 1

    def linear(self, v):
        """(base value, coefficient) when v = coefficient * base + const
        through constant ops (x + c, c - x, x * c, dropout(0))."""
        n = len(self.desc["inputs"])
        coef = 1.0
        while v >= n:
            op = self.desc["ops"][v - n]
            if op["op"] not in ("addc", "rsub", "scale", "dropout"):
                break
            coef *= {"rsub": -1.0, "scale": op.get("c", 1.0)}.get(op["op"],
                                                                  1.0)
            v = op["in"][0]
        return v, coef

    def constant_difference(self, op):
        """True for `(x + 2) - x` and the like: a result that is constant
        up to rounding, which a later normalisation would amplify into
        noise that no tolerance separates from a bug."""
        if op["op"] not in ("add", "sub") or op["in"][0] == op["in"][1]:
            return False
        (a, ca), (b, cb) = self.linear(op["in"][0]), self.linear(op["in"][1])
        return a == b and (ca == cb if op["op"] == "sub" else ca == -cb)

    def axis_choice(self, shape, allow_batch=None):
        """A random axis of `shape` (negative sometimes); the batch axes only
        when this model draws batch-moving ops."""
        r = len(shape)
        if allow_batch is None:
            allow_batch = self.moving
        axes = [a for a in range(r) if allow_batch or shape[a] > 0]
        if not axes:
            return None
        a = self.rng.choice(axes)
        return a - r if self.rng.random() < 0.3 else a


def rand_unary(b, v):
    """A shape-preserving one-input op on value v (activation-like)."""
    rng = b.rng
    k = rng.choice(ACTIVATIONS + ["scale", "addc", "rsub", "softmax",
                                  "log_softmax", "layernorm", "dropout"])
    op = {"op": k, "in": [v]}
    if k in ("leaky_relu", "elu"):
        op["alpha"] = rng.choice([0.01, 0.2, 1.0, 1.5])
    elif k == "gelu":
        op["approximate"] = rng.random() < 0.5
    elif k in ("scale", "addc", "rsub"):
        op["c"] = rng.choice([0.5, 2.0, -1.5, 0.25, 3.0])
    elif k in ("softmax", "log_softmax"):
        op["axis"] = b.axis_choice(b.shapes[v])
        if op["axis"] is None:
            return None
    elif k == "layernorm":
        op["eps"] = rng.choice([1e-5, 1e-3])
    return op


def rand_layer(b, v):
    """A random op on value v (may change the shape)."""
    rng = b.rng
    s = b.shapes[v]
    r = len(s)
    kinds = ["unary"] * 4 + ["dense"] * 3 + ["reduce", "transpose", "reshape",
                                            "binary", "binary", "concat"]
    if r == 2:
        kinds += ["batchnorm"]
    if r == 3:
        kinds += ["recurrent"] * 2 + ["self_attention", "positional", "last",
                                      "flatten"]
    if r == 4:
        kinds += ["conv2d"] * 4 + ["pool"] * 2 + ["batchnorm", "flatten"]
    k = rng.choice(kinds)
    if k == "unary":
        return rand_unary(b, v)
    if k == "dense":
        return {"op": "dense", "in": [v], "units": b.units(7),
                "bias": rng.random() < 0.8}
    if k == "batchnorm":
        return {"op": "batchnorm", "in": [v],
                "momentum": rng.choice([0.1, 0.5, 0.0, 1.0]),
                "eps": rng.choice([1e-5, 1e-3])}
    if k == "conv2d":
        return {"op": "conv2d", "in": [v], "filters": b.units(4),
                "kernel": rng.randint(1, 3), "stride": rng.choice([1, 1, 2]),
                "pad": rng.choice(["valid", "same", 0, 1, 2]),
                "dilation": rng.choice([1, 1, 2]), "bias": rng.random() < 0.8}
    if k == "pool":
        size = rng.randint(1, 3)
        return {"op": rng.choice(["maxpool", "avgpool"]), "in": [v],
                "size": size, "stride": rng.randint(1, size),
                "pad": rng.randint(0, size // 2)}
    if k == "recurrent":
        op = {"op": rng.choice(RECURRENT), "in": [v],
              "units": rng.randint(1, 5), "bias": rng.random() < 0.8}
        if op["op"] == "rnn":
            op["activation"] = rng.choice(["tanh", "relu"])
        return op
    if k == "self_attention":
        d = s[-1]
        heads = rng.choice([h for h in range(1, 4) if d > 0 and d % h == 0]
                           or [1])
        return {"op": "self_attention", "in": [v], "heads": heads,
                "causal": rng.random() < 0.4, "bias": rng.random() < 0.8}
    if k == "positional":
        return {"op": "positional", "in": [v],
                "kind": rng.choice(["learned", "sinusoidal"])}
    if k in ("last", "flatten"):
        return {"op": k, "in": [v]}
    if k == "reduce":
        axis = b.axis_choice(s)
        if axis is None:
            return None
        return {"op": rng.choice(["mean", "sum"]), "in": [v], "axis": axis,
                "keepdims": rng.random() < 0.4}
    if k == "transpose":
        perm = list(range(r))
        if b.moving:
            rng.shuffle(perm)
        else:
            rest = perm[1:]
            rng.shuffle(rest)
            perm = [0] + rest
        if perm == list(range(r)):
            return None
        return {"op": "transpose", "in": [v], "perm": perm}
    if k == "reshape":
        return rand_reshape(b, v)
    if k == "binary":
        return rand_binary(b, v)
    if k == "concat":
        return rand_concat(b, v)
    return None


def factorize(rng, n, parts):
    """`parts` positive ints whose product is n (random split)."""
    out = [1] * parts
    m = n
    p = 2
    primes = []
    while m > 1:
        while m % p == 0:
            primes.append(p)
            m //= p
        p += 1
    for q in primes:
        out[rng.randrange(parts)] *= q
    return out


def rand_reshape(b, v):
    rng = b.rng
    s = b.shapes[v]
    syms = [d for d in s if d < 0]
    if len(syms) > 1:
        return None
    total = math.prod(abs(d) for d in s)
    rank = rng.randint(2 if syms else 1, 4)
    if not syms:
        shape = factorize(rng, total, rank)
    else:
        shape = factorize(rng, total, rank - 1)
        pos = 0 if not b.moving or rng.random() < 0.5 else \
            rng.randrange(rank)
        shape.insert(pos, -1)
    return {"op": "reshape", "in": [v], "shape": shape}


def partner_for(b, v, want):
    """A value whose shape satisfies `want(shape)`: an existing one, or one
    made from v by a shape-preserving op."""
    rng = b.rng
    existing = [u for u in range(len(b.shapes))
                if u != v and b.dtypes[u] == "f32" and want(b.shapes[u])]
    if existing and rng.random() < 0.4:
        return rng.choice(existing)
    if rng.random() < 0.2 and want(b.shapes[v]):
        return v
    for _ in range(5):
        op = rand_unary(b, v)
        if op is not None and want(b.shapes[v]):
            u = b.add(op)
            if u is not None:
                return u
    return v if want(b.shapes[v]) else None


def rand_binary(b, v):
    rng = b.rng
    s = b.shapes[v]
    kind = rng.choice(["add", "sub", "mul"])
    if rng.random() < 0.4:
        # centring-like: x - mean(x, axis, keepdims) (broadcast back)
        axis = b.axis_choice(s)
        if axis is None:
            return None
        keep = rng.random() < 0.6 or axis % len(s) != 0
        u = b.add({"op": rng.choice(["mean", "sum"]), "in": [v],
                   "axis": axis, "keepdims": keep})
        if u is None:
            return None
    else:
        u = partner_for(b, v, lambda t: t == s)
        if u is None:
            return None
    pair = [v, u] if rng.random() < 0.7 else [u, v]
    return {"op": kind, "in": pair}


def rand_concat(b, v):
    rng = b.rng
    s = b.shapes[v]
    axis = b.axis_choice(s)
    if axis is None:
        return None
    a = axis % len(s)
    if s[a] > 0 and len(s) in (2, 3) and a == len(s) - 1 and rng.random() < 0.5:
        u = b.add({"op": "dense", "in": [v], "units": rng.randint(1, 4),
                   "bias": True})
    else:
        u = partner_for(b, v, lambda t: len(t) == len(s) and all(
            t[i] == s[i] for i in range(len(s)) if i != a) and
            (t[a] < 0) == (s[a] < 0))
    if u is None:
        return None
    pair = [v, u] if rng.random() < 0.7 else [u, v]
    return {"op": "concat", "in": pair, "axis": axis}


def finalize(b, v):
    """Makes v an output f32[N, static...]: N brought to the front by a
    transpose (or a reshape when it was multiplied); None when N is gone."""
    s = b.shapes[v]
    syms = [i for i, d in enumerate(s) if d < 0]
    if len(syms) != 1:
        return None
    a = syms[0]
    if s[a] == -1 and a != 0:
        perm = [a] + [i for i in range(len(s)) if i != a]
        v = b.add({"op": "transpose", "in": [v], "perm": perm})
    elif s[a] != -1:
        rest = math.prod(abs(d) for d in s)
        v = b.add({"op": "reshape", "in": [v], "shape": [-1, rest]})
    return v


def batch_motif(b, v):
    """One of the batch-moving patterns of issue 11 on value v (N first);
    returns the new current value or None."""
    rng = b.rng
    s = b.shapes[v]
    kinds = ["concat", "reduce", "reshape"]
    if len(s) == 3:
        kinds += ["time_major"] * 3
    if len(s) >= 2:
        kinds += ["transpose"] * 2
    k = rng.choice(kinds)
    if k == "time_major":  # [N, T, K] -> [T, N, K] -> rnn -> back
        u = b.add({"op": "transpose", "in": [v], "perm": [1, 0, 2]})
        op = {"op": rng.choice(RECURRENT), "in": [u],
              "units": rng.randint(1, 5), "bias": rng.random() < 0.8}
        if op["op"] == "rnn":
            op["activation"] = "tanh"
        u = b.add(op)
        if u is not None and rng.random() < 0.7:
            u = b.add({"op": "transpose", "in": [u], "perm": [1, 0, 2]})
        return u
    if k == "concat":  # concat along N, then back to N rows
        others = [w for w in range(len(b.shapes)) if w != v and
                  b.dtypes[w] == "f32" and b.shapes[w] == s]
        w = rng.choice(others) if others and rng.random() < 0.5 else v
        u = b.add({"op": "concat", "in": [v, w],
                   "axis": rng.choice([0, -len(s)])})
        if u is None:
            return None
        if rng.random() < 0.3:
            u = b.add({"op": rng.choice(["softmax", "log_softmax"]),
                       "in": [u], "axis": 0})
        red = b.add({"op": rng.choice(["mean", "sum"]), "in": [u],
                     "axis": 0, "keepdims": rng.random() < 0.5})
        return b.add({"op": rng.choice(["add", "sub", "mul"]),
                      "in": [v, red]})
    if k == "reduce":  # softmax over N, or x - mean(x, axis = 0)
        if rng.random() < 0.4:
            return b.add({"op": rng.choice(["softmax", "log_softmax"]),
                          "in": [v], "axis": 0})
        red = b.add({"op": rng.choice(["mean", "sum"]), "in": [v],
                     "axis": 0, "keepdims": rng.random() < 0.5})
        return b.add({"op": rng.choice(["add", "sub", "mul"]),
                      "in": [v, red]})
    if k == "reshape":  # N somewhere else
        total = math.prod(d for d in s if d > 0)
        shape = factorize(rng, total, rng.randint(1, 3))
        shape.insert(rng.randint(1, len(shape)), -1)
        return b.add({"op": "reshape", "in": [v], "shape": shape})
    perm = list(range(len(s)))
    while perm[0] == 0:
        rng.shuffle(perm)
    return b.add({"op": "transpose", "in": [v], "perm": perm})


def invalid_model(rng, seed):
    """A model that must be refused: a parameter whose size is N
    (issue 11, case 3: transpose(1, 0) -> dense). No train section."""
    f = rng.randint(1, 6)
    kind = rng.choice(["dense", "layernorm", "conv2d"])
    if kind == "conv2d":  # channels = N
        shape, perm, stage = [-1, f, 4, 4], [1, 0, 2, 3], "conv2d(2)"
    else:
        shape, perm = [-1, f], [1, 0]
        stage = "dense(3)" if kind == "dense" else "layernorm"
    text = (f"# generated by scripts/fuzz.sh (seed {seed}): a parameter "
            f"sized by N must be refused\nmodel Fuzz {{\n"
            f"  input x: f32[{', '.join('N' if d < 0 else str(d) for d in shape)}]\n"
            f"  output y = x -> transpose({', '.join(map(str, perm))}) -> "
            f"{stage}\n}}\n")
    return {"seed": seed, "invalid": text, "batch": 2, "opt": 0,
            "inputs": [], "ops": [{"op": kind, "in": []}], "outputs": [],
            "losses": [], "optimizer": {"kind": "none"}}


def rand_input(rng, name, big=False):
    kind = rng.choice(["vec", "vec", "seq", "seq", "img", "img", "tokens"])
    if kind == "vec":
        f = rng.choice([9, 33, 40, 64]) if big else rng.randint(1, 8)
        return {"name": name, "dtype": "f32", "shape": [-1, f]}
    if kind == "seq":
        return {"name": name, "dtype": "f32",
                "shape": [-1, rng.randint(1, 5), rng.randint(1, 6)]}
    if kind == "img":
        return {"name": name, "dtype": "f32",
                "shape": [-1, rng.randint(1, 3), rng.randint(2, 7),
                          rng.randint(2, 7)]}
    return {"name": name, "dtype": "i32", "shape": [-1, rng.randint(1, 5)],
            "vocab": rng.randint(2, 9)}


def rand_optimizer(rng):
    kind = rng.choice(["sgd", "momentum", "rmsprop", "adam", "adamw"])
    lr = rng.choice([0.1, 0.05, 0.01, 0.001])
    o = {"kind": kind, "lr": lr}
    wd = rng.choice([0.0, 0.0, 0.01, 0.1])
    if kind == "momentum":
        o["beta"] = rng.choice([0.9, 0.5])
        o["nesterov"] = rng.random() < 0.5
    elif kind == "rmsprop":
        o["alpha"] = rng.choice([0.99, 0.9])
        o["eps"] = rng.choice([1e-8, 1e-6])
    elif kind in ("adam", "adamw"):
        o["beta1"] = rng.choice([0.9, 0.8])
        o["beta2"] = rng.choice([0.999, 0.99])
        o["eps"] = rng.choice([1e-8, 1e-6])
    if wd or kind == "adamw":
        o["weight_decay"] = wd
    return o


def rand_loss(b, out_index, v):
    """A loss term on output `out_index` (value v); may append a sigmoid."""
    rng = b.rng
    s = b.shapes[v]
    kinds = ["mse", "mae", "huber", "bce_logits", "bce"]
    if len(s) == 1 or s[1:] == [1]:
        kinds += ["perceptron"] * 2
    if len(s) == 2 and s[1] >= 2:
        kinds += ["cross_entropy"] * 3
    kind = rng.choice(kinds)
    term = {"kind": kind, "out": out_index, "scale": 1.0,
            "target": f"y{out_index}"}
    if kind == "huber":
        term["delta"] = rng.choice([1.0, 0.5, 2.0])
    if kind == "cross_entropy":
        term["ids"] = rng.random() < 0.7
    if rng.random() < 0.2:
        term["scale"] = rng.choice([0.5, 2.0])
    if kind in ("mse", "mae", "huber"):
        same = [i["name"] for i in b.desc["inputs"]
                if i["shape"] == s and i["dtype"] == "f32"]
        if same and rng.random() < 0.3:
            term["target"] = rng.choice(same)
    return term


def generate(seed, keep_batch=False):
    """The description drawn from `seed` (always valid by model.infer).
    keep_batch: only models that keep N as the leading axis throughout (no
    batch-moving ops, no must-refuse models)."""
    rng = random.Random(seed)
    for _ in range(100):
        desc = try_generate(rng, seed)
        if desc is not None and keep_batch and uses_batch_moving(desc):
            continue
        if desc is not None and desc.get("invalid"):
            return desc
        if desc is not None:
            return desc
    raise RuntimeError(f"seed {seed}: no valid model in 100 draws")


def try_generate(rng, seed):
    if rng.random() < 0.03:
        return invalid_model(rng, seed)
    big = rng.random() < 0.2
    first = rand_input(rng, "x", big)
    inputs = [first]
    if first["dtype"] == "f32" and rng.random() < 0.2:
        inputs.append(dict(first, name="z"))
    desc = {"seed": seed, "big": big, "batch": 0, "opt": 0, "inputs": inputs, "ops": [],
            "outputs": [], "losses": [], "penalty": None, "optimizer": None,
            "clip": 0.0}
    b = Builder(rng, desc)
    v = 0
    if first["dtype"] == "i32":
        v = b.add({"op": "embedding", "in": [0], "vocab": first["vocab"],
                   "dim": rng.randint(1, 6)})
    if len(inputs) == 2:
        kind = rng.choice(["add", "sub", "mul", "concat"])
        op = {"op": kind, "in": [0, 1]}
        if kind == "concat":
            op["axis"] = b.axis_choice(first["shape"])
        v = b.add(op)
        if v is None:
            return None
    steps = rng.randint(1, 6)
    motif_at = rng.randrange(steps) if rng.random() < 0.3 else -1
    for step in range(steps):
        if step == motif_at and v is not None and b.shapes[v][0] == -1:
            u = batch_motif(b, v)
            if u is not None and any(d < 0 for d in b.shapes[u]):
                v = u
                continue
        for _ in range(20):
            op = rand_layer(b, v)
            if op is None:
                continue
            u = b.add(op)
            if u is not None and any(d < 0 for d in b.shapes[u]):
                v = u
                break
            if u is not None:  # N is gone: undo
                b.desc["ops"].pop()
                b.shapes.pop()
                b.dtypes.pop()
    v = finalize(b, v)
    if v is None:
        return None
    outputs = [v]
    others = [u for u in range(len(inputs), len(b.shapes) - 1)
              if b.shapes[u][0] == -1 and static(b.shapes[u][1:])]
    if others and rng.random() < 0.2:
        outputs.append(rng.choice(others))
    losses = []
    for j in range(len(outputs)):
        term = rand_loss(b, j, outputs[j])
        if term["kind"] == "bce":
            u = b.add({"op": "sigmoid", "in": [outputs[j]]})
            outputs[j] = u
        if j > 0 and rng.random() < 0.3:
            term["scale"] = -term["scale"]
        losses.append(term)
    desc["outputs"] = outputs
    desc["losses"] = losses
    if rng.random() < 0.2 and any(
            op["op"] in ("dense", "conv2d", "embedding", "self_attention") +
            tuple(RECURRENT) for op in prune(desc)["ops"]):
        desc["penalty"] = {"kind": rng.choice(["l1", "l2"]),
                           "lambda": rng.choice([0.01, 0.001])}
    desc["optimizer"] = rand_optimizer(rng)
    if rng.random() < 0.15:
        desc["clip"] = rng.choice([0.1, 1.0])
    # -O0 but 1 in 16: the MLIR pipeline is the same at every level (LLVM's
    # passes differ), and -O0 compiles 4x faster.
    desc["opt"] = 2 if rng.random() < 1 / 16 else 0
    has_bn = any(op["op"] == "batchnorm" for op in desc["ops"])
    desc["batch"] = rng.choice([2, 3, 4, 5] if has_bn else [1, 2, 3, 4, 5])
    if big:
        desc["batch"] = rng.choice([7, 8, 9, 16, 17])
    layers = ("dense", "conv2d", "batchnorm", "layernorm", "embedding",
              "self_attention", "positional") + tuple(RECURRENT)
    if v is None:
        return None
    desc = prune(desc)
    if not any(op["op"] in layers for op in desc["ops"]) and \
            rng.random() < 0.9:
        return None  # mostly models with parameters
    try:
        infer(desc)
    except Invalid:
        return None
    return desc
