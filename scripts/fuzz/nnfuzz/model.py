"""Model descriptions of the differential fuzzer: shape rules, the random
generator and the .nn emitter.

A description is plain JSON-able data (so that a failure can be printed,
stored and shrunk):

    {"seed": 7, "batch": 3, "opt": 1,
     "inputs": [{"name": "x", "dtype": "f32", "shape": [-1, 4, 6]}],
     "ops": [{"op": "dense", "in": [0], "units": 5, "bias": True}, ...],
     "outputs": [3],                    # value numbers exported as o0, o1..
     "losses": [{"kind": "mse", "out": 0, "scale": 1.0, "target": "t"}],
     "penalty": None, "optimizer": {"kind": "adam", ...}, "clip": 0.0}

Values are numbered inputs first, then one per op. A dimension is a
positive int (static) or -k, which stands for k * N (N the batch): shapes
carry the batch symbolically so that the batch-moving ops (a transpose or
reshape that moves N, a concat along it, a reduction or softmax over it)
can be generated and checked. `infer` is the single shape checker: the
generator, the shrinker and the twin all rely on it.
"""
import math


class Invalid(Exception):
    """A description that breaks a shape rule of the fuzzer."""


ACTIVATIONS = ["relu", "leaky_relu", "elu", "gelu", "sigmoid", "tanh"]
RECURRENT = ["rnn", "lstm", "gru"]


def is_sym(d):
    return d < 0


def static(shape):
    return all(d > 0 for d in shape)


def batch_axes(shape):
    return [i for i, d in enumerate(shape) if d < 0]


def concrete(shape, batch):
    return [-d * batch if d < 0 else d for d in shape]


def conv_out(size, kernel, stride, pad_lo, pad_hi, dilation):
    return (size + pad_lo + pad_hi - dilation * (kernel - 1) - 1) // stride + 1


def same_padding(size, kernel, stride, dilation):
    """nnc's `pad = same` split (lib/Frontend/MLIRGenLayers.cpp)."""
    out = (size + stride - 1) // stride
    total = max((out - 1) * stride + dilation * (kernel - 1) + 1 - size, 0)
    return total // 2, total - total // 2


def conv_padding(op, h, w):
    """(top, bottom, left, right) of a conv2d op on an h x w image."""
    pad = op["pad"]
    if pad == "same":
        t, b = same_padding(h, op["kernel"], op["stride"], op["dilation"])
        l, r = same_padding(w, op["kernel"], op["stride"], op["dilation"])
        return t, b, l, r
    p = 0 if pad == "valid" else pad
    return p, p, p, p


def broadcast(a, b):
    """NumPy broadcasting of two symbolic shapes."""
    out = []
    for i in range(1, max(len(a), len(b)) + 1):
        x = a[-i] if i <= len(a) else 1
        y = b[-i] if i <= len(b) else 1
        if x == y or y == 1:
            out.append(x)
        elif x == 1:
            out.append(y)
        else:
            raise Invalid(f"cannot broadcast {a} and {b}")
    return out[::-1]


def need(cond, what):
    if not cond:
        raise Invalid(what)


def infer_op(op, ins):
    """The result shape of `op` on input shapes `ins`; raises Invalid."""
    k = op["op"]
    x = ins[0]
    r = len(x)
    if k == "dense":
        need(r in (2, 3) and x[-1] > 0, "dense: rank 2/3, static K")
        return x[:-1] + [op["units"]]
    if k == "conv2d":
        need(r == 4 and static(x[1:]), "conv2d: [?, C, H, W] static")
        t, b, l, rr = conv_padding(op, x[2], x[3])
        h = conv_out(x[2], op["kernel"], op["stride"], t, b, op["dilation"])
        w = conv_out(x[3], op["kernel"], op["stride"], l, rr, op["dilation"])
        need(h >= 1 and w >= 1, "conv2d: empty output")
        return [x[0], op["filters"], h, w]
    if k in ("maxpool", "avgpool"):
        need(r == 4 and static(x[2:]), "pool: static H, W")
        need(2 * op["pad"] <= op["size"], "pool: pad <= size / 2 (PyTorch)")
        h = conv_out(x[2], op["size"], op["stride"], op["pad"], op["pad"], 1)
        w = conv_out(x[3], op["size"], op["stride"], op["pad"], op["pad"], 1)
        need(h >= 1 and w >= 1, "pool: empty output")
        return [x[0], x[1], h, w]
    if k == "batchnorm":
        need(r in (2, 4) and x[1] > 0, "batchnorm: rank 2/4, static C")
        return list(x)
    if k == "layernorm":
        need(r >= 2 and x[-1] > 0, "layernorm: static D")
        return list(x)
    if k in RECURRENT:
        need(r == 3 and x[-1] > 0, "recurrent: [?, ?, K] static K")
        return [x[0], x[1], op["units"]]
    if k == "self_attention":
        need(r == 3 and x[-1] > 0 and x[-1] % op["heads"] == 0,
             "attention: static D divisible by heads")
        return list(x)
    if k == "positional":
        need(r == 3 and x[-1] > 0, "positional: [?, T, D] static D")
        need(x[1] > 0, "positional: static T")
        need(op["kind"] == "learned" or x[2] % 2 == 0,
             "sinusoidal: even D")
        return list(x)
    if k == "embedding":
        need(r == 2, "embedding: ids [N, T]")
        return x + [op["dim"]]
    if k == "last":
        need(r == 3, "last: rank 3")
        return [x[0], x[2]]
    if k == "flatten":
        need(r >= 2 and static(x[1:]), "flatten: static dims after axis 0")
        return [x[0], math.prod(x[1:])]
    if k == "reshape":
        shape = op["shape"]
        need(shape.count(-1) <= 1 and all(d == -1 or d > 0 for d in shape),
             "reshape: at most one N")
        syms = [d for d in x if d < 0]
        need(len(syms) <= 1, "reshape: one symbolic dim at most")
        have = math.prod(-d if d < 0 else d for d in x)
        want = math.prod(abs(d) for d in shape)
        need(bool(syms) == (-1 in shape) and have == want,
             "reshape: element counts differ")
        return list(shape)
    if k == "transpose":
        need(sorted(op["perm"]) == list(range(r)), "transpose: permutation")
        return [x[p] for p in op["perm"]]
    if k == "concat":
        y = ins[1]
        a = op["axis"] % r
        need(len(y) == r and all(x[i] == y[i] for i in range(r) if i != a),
             "concat: dims differ")
        need((x[a] < 0) == (y[a] < 0), "concat: static with symbolic")
        return x[:a] + [x[a] + y[a]] + x[a + 1:]
    if k in ("mean", "sum"):
        a = op["axis"] % r
        if op["keepdims"]:
            return x[:a] + [1] + x[a + 1:]
        need(r >= 2, "reduce: keeps at least one dim")
        return x[:a] + x[a + 1:]
    if k in ("softmax", "log_softmax"):
        need(-r <= op["axis"] < r, "softmax: axis")
        return list(x)
    if k in ACTIVATIONS or k in ("dropout", "scale", "addc", "rsub"):
        return list(x)
    if k in ("add", "sub", "mul"):
        return broadcast(x, ins[1])
    raise Invalid(f"unknown op {k}")


def infer(desc):
    """Shapes of every value; raises Invalid when a rule is broken."""
    shapes = [list(i["shape"]) for i in desc["inputs"]]
    dtypes = [i["dtype"] for i in desc["inputs"]]
    for op in desc["ops"]:
        need(all(0 <= v < len(shapes) for v in op["in"]), "dangling value")
        ins = [shapes[v] for v in op["in"]]
        is_ids = [dtypes[v] == "i32" for v in op["in"]]
        need(any(is_ids) == (op["op"] == "embedding"), "ids feed embedding")
        shapes.append(infer_op(op, ins))
        dtypes.append("f32")
    for o in desc["outputs"]:
        need(0 <= o < len(shapes), "dangling output")
        s = shapes[o]
        need(dtypes[o] == "f32" and s[0] == -1 and static(s[1:]),
             "outputs are f32[N, static...]")
    if desc.get("penalty"):
        need(any(op["op"] in ("dense", "conv2d", "embedding",
                              "self_attention") + tuple(RECURRENT)
                 for op in desc["ops"]), "penalty: no weights")
    for term in desc["losses"]:
        s = shapes[desc["outputs"][term["out"]]]
        if term["kind"] == "cross_entropy":
            need(len(s) == 2, "cross_entropy: logits [N, C]")
        if term["kind"] == "bce":
            need(desc["ops"][desc["outputs"][term["out"]] -
                             len(desc["inputs"])]["op"] == "sigmoid"
                 if desc["outputs"][term["out"]] >= len(desc["inputs"])
                 else False, "bce: output ends in sigmoid")
        if term.get("target") in [i["name"] for i in desc["inputs"]]:
            t = next(i for i in desc["inputs"] if i["name"] == term["target"])
            need(t["shape"] == s and t["dtype"] == "f32",
                 "input as target: same shape")
    return shapes


def uses_batch_moving(desc):
    """True when some op moves, merges or reduces the batch axis N."""
    if desc.get("invalid"):
        return True
    shapes = infer(desc)
    for i, op in enumerate(desc["ops"]):
        out = shapes[len(desc["inputs"]) + i]
        ins = [shapes[v] for v in op["in"]]
        if any(d < 0 for d in out) and (out.index(min(out)) != 0 or
                                         min(out) != -1):
            return True
        k = op["op"]
        if k in ("mean", "sum", "softmax", "log_softmax", "concat"):
            r = len(ins[0])
            if ins[0][op["axis"] % r] < 0:
                return True
        if not any(d < 0 for d in out) and any(d < 0 for s in ins for d in s):
            return True
        if k in ("add", "sub", "mul") and len(ins[0]) != len(ins[1]):
            return True  # broadcasts a value without N over N
    return False


# ---------------------------------------------------------------------------
# .nn text
# ---------------------------------------------------------------------------

def fmt_float(v):
    return repr(float(v))


def dims_text(shape):
    return ", ".join("N" if d == -1 else str(d) for d in shape)


def stage_text(op):
    """The `-> stage(...)` text of a one-input op."""
    k = op["op"]
    if k == "dense":
        return f"dense({op['units']}" + ("" if op["bias"] else ", bias = false") + ")"
    if k == "conv2d":
        args = [str(op["filters"]), f"kernel = {op['kernel']}"]
        if op["stride"] != 1:
            args.append(f"stride = {op['stride']}")
        if op["pad"] != "valid":
            args.append(f"pad = {op['pad']}")
        if op["dilation"] != 1:
            args.append(f"dilation = {op['dilation']}")
        if not op["bias"]:
            args.append("bias = false")
        return f"conv2d({', '.join(args)})"
    if k in ("maxpool", "avgpool"):
        return (f"{k}({op['size']}, stride = {op['stride']}, "
                f"pad = {op['pad']})")
    if k == "batchnorm":
        return (f"batchnorm(momentum = {fmt_float(op['momentum'])}, "
                f"eps = {fmt_float(op['eps'])})")
    if k == "layernorm":
        return f"layernorm(eps = {fmt_float(op['eps'])})"
    if k in RECURRENT:
        args = [str(op["units"])]
        if k == "rnn" and op.get("activation", "tanh") != "tanh":
            args.append(f"activation = {op['activation']}")
        if not op["bias"]:
            args.append("bias = false")
        return f"{k}({', '.join(args)})"
    if k == "self_attention":
        args = [str(op["heads"])]
        if op["causal"]:
            args.append("causal = true")
        if not op["bias"]:
            args.append("bias = false")
        return f"self_attention({', '.join(args)})"
    if k == "positional":
        return f"positional({op['kind']})"
    if k == "embedding":
        return f"embedding({op['vocab']}, {op['dim']})"
    if k in ("last", "flatten", "relu", "sigmoid", "tanh"):
        return k
    if k == "reshape":
        return f"reshape({dims_text(op['shape'])})"
    if k == "transpose":
        return f"transpose({', '.join(map(str, op['perm']))})"
    if k in ("mean", "sum"):
        keep = ", keepdims = true" if op["keepdims"] else ""
        return f"{k}(axis = {op['axis']}{keep})"
    if k in ("softmax", "log_softmax"):
        return f"{k}(axis = {op['axis']})"
    if k in ("leaky_relu", "elu"):
        return f"{k}({fmt_float(op['alpha'])})"
    if k == "gelu":
        return "gelu(approximate = tanh)" if op["approximate"] else "gelu"
    if k == "dropout":
        return "dropout(0.0)"
    raise ValueError(k)


def value_name(desc, v):
    n = len(desc["inputs"])
    return desc["inputs"][v]["name"] if v < n else f"t{v - n}"


def loss_target_decls(desc):
    """(name, dtype, shape) of every target the losses use, in order."""
    shapes = infer(desc)
    inputs = {i["name"] for i in desc["inputs"]}
    decls = []
    for term in desc["losses"]:
        name = term["target"]
        if name in inputs or any(d[0] == name for d in decls):
            continue
        s = shapes[desc["outputs"][term["out"]]]
        if term["kind"] == "cross_entropy" and term.get("ids", True):
            decls.append((name, "i32", [-1]))
        else:
            decls.append((name, "f32", s))
    return decls


def to_nn(desc):
    """The .nn source of a description (one statement per op)."""
    if desc.get("invalid"):
        return desc["invalid"]
    lines = ["# generated by scripts/fuzz.sh (seed %d)" % desc["seed"],
             "model Fuzz {"]
    for i in desc["inputs"]:
        lines.append(f"  input {i['name']}: {i['dtype']}[{dims_text(i['shape'])}]")
    n = len(desc["inputs"])
    for j, op in enumerate(desc["ops"]):
        v = n + j
        a = value_name(desc, op["in"][0])
        k = op["op"]
        if k in ("add", "sub", "mul"):
            sign = {"add": "+", "sub": "-", "mul": "*"}[k]
            expr = f"{a} {sign} {value_name(desc, op['in'][1])}"
        elif k == "concat":
            expr = (f"concat({a}, {value_name(desc, op['in'][1])}, "
                    f"axis = {op['axis']})")
        elif k == "scale":
            expr = f"{a} * {fmt_float(op['c'])}"
        elif k == "addc":
            expr = f"{a} + {fmt_float(op['c'])}"
        elif k == "rsub":
            expr = f"{fmt_float(op['c'])} - {a}"
        else:
            expr = f"{a} -> {stage_text(op)}"
        lines.append(f"  t{j} = {expr}")
    for j, v in enumerate(desc["outputs"]):
        lines.append(f"  output o{j} = {value_name(desc, v)}")
    lines.append("}")
    lines.append("")
    lines.append("train Fuzz {")
    lines.append('  data = npy("x.npy", "y.npy")')
    for name, dtype, shape in loss_target_decls(desc):
        lines.append(f"  target {name}: {dtype}[{dims_text(shape)}]")
    terms = []
    for t in desc["losses"]:
        args = f"o{t['out']}, {t['target']}"
        if t["kind"] == "huber":
            args += f", delta = {fmt_float(t['delta'])}"
        call = f"{t['kind']}({args})"
        if t["scale"] != 1.0:
            call = f"{fmt_float(abs(t['scale']))} * {call}"
        sign = "-" if t["scale"] < 0 else "+"
        terms.append((sign, call))
    if desc.get("penalty"):
        p = desc["penalty"]
        terms.append(("+", f"{p['kind']}({fmt_float(p['lambda'])})"))
    text = ("- " if terms[0][0] == "-" else "") + terms[0][1]
    for sign, call in terms[1:]:
        text += f" {sign} {call}"
    lines.append(f"  loss = {text}")
    o = desc["optimizer"]
    args = ", ".join(f"{k} = {fmt_float(v) if isinstance(v, float) else str(v).lower()}"
                     for k, v in o.items() if k != "kind")
    lines.append(f"  optimizer = {o['kind']}({args})")
    if desc.get("clip"):
        lines.append(f"  clip_norm = {fmt_float(desc['clip'])}")
    lines.append("}")
    return "\n".join(lines) + "\n"


def prune(desc):
    """Drops the ops no output depends on and renumbers the values (a dead
    layer would still own parameters: PyTorch skips them in the optimizer,
    nnc decays them)."""
    if desc.get("invalid"):
        return desc
    n = len(desc["inputs"])
    live = set(desc["outputs"])
    for j in range(len(desc["ops"]) - 1, -1, -1):
        if n + j in live:
            live.update(desc["ops"][j]["in"])
    remap = {v: v for v in range(n)}
    ops = []
    for j, op in enumerate(desc["ops"]):
        if n + j in live:
            remap[n + j] = n + len(ops)
            ops.append(dict(op, **{"in": [remap[v] for v in op["in"]]}))
    out = dict(desc)
    out["ops"] = ops
    out["outputs"] = [remap[v] for v in desc["outputs"]]
    return out
