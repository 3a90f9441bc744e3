"""The single-op matrix of the guard-page check (docs/guard-pages.md), as data.

Each case is one small model around one built-in of docs/language.md with
one choice of its arguments: every layer, activation, tensor op, arithmetic
operator, loss, penalty and optimizer, every axis argument of a rank-3 input
(negative ones included) and the argument values that change a kernel's
index arithmetic (stride, padding, dilation, window, heads, ...).

A case is (name, inputs, body, train, may_refuse, known_fault), where `body` is the model's statement
lines; the model's output is `y` unless the lines say otherwise. `train` is
None for the default training section -- an mse loss against a target of
y's shape, which guard_check.py reads from the compiler (`--emit=nn`) -- or
the section's own statements (targets, loss, optimizer). f32 inputs go
through a shape-preserving layer first, so that every op's input gradient
is computed too. `may_refuse` says why the compiler may refuse a case with
an error (it moves, merges, concatenates or reduces the batch axis N, which
issue 11 lets the compiler refuse, or it uses an argument value the compiler
does not support yet); every other case must compile and run. `known_fault`
marks the cases that still fault, with the issue that tracks them: they run
apart, in a lit test expected to fail (test/Safety/known-faults.test).
"""

X2, X3, X4 = "f32[N, 6]", "f32[N, 4, 5]", "f32[N, 2, 6, 6]"
X3E = "f32[N, 4, 6]"  # an even last dim (sinusoidal positions need one)
LAST = {X2: 6, X3: 5, X4: 6, X3E: 6}
BATCH = "it moves the batch axis"
UNSUPPORTED = "an argument value not supported yet"
ISSUE11 = "issue 11 part 1 (the batch axis rule)"


class Case:
    def __init__(self, name, inputs, body, train=None, may_refuse=None,
                 known_fault=None):
        self.name, self.inputs, self.body = name, inputs, body
        self.train, self.may_refuse = train, may_refuse
        self.known_fault = known_fault


def op(name, shape, stage, may_refuse=None):
    """`y = x -> P -> stage` on an f32 input of `shape`, where P is a
    shape-preserving layer with parameters (dense on the last axis; a 1x1
    conv2d for images, which dense does not take)."""
    pre = "conv2d(2, kernel = 1)" if shape == X4 else "dense(%d)" % LAST[shape]
    body = ["y = x -> %s -> %s" % (pre, stage)]
    return Case(name, {"x": shape}, body, may_refuse=may_refuse)


def cases():
    c = []
    # Layers.
    for shape, tag in ((X2, "r2"), (X3, "r3")):
        c.append(op("dense-" + tag, shape, "dense(3)"))
    c.append(op("dense-nobias", X3, "dense(3, bias = false)"))
    for i, args in enumerate((
            "3", "3, kernel = 1", "3, kernel = 3, stride = 2",
            "3, kernel = 3, pad = same", "3, kernel = 3, pad = 1, stride = 2",
            "3, kernel = 2, dilation = 2", "3, kernel = 3, stride = 2, pad = same",
            "3, bias = false", "3, kernel = 6", "3, kernel = 5, pad = 2",
            "3, kernel = 4, stride = 3, pad = 1")):
        c.append(op("conv2d-%d" % i, X4, "conv2d(%s)" % args))
    for pool in ("maxpool", "avgpool"):
        for i, args in enumerate(("", "3, stride = 1", "2, stride = 1, pad = 1",
                                  "3, stride = 2, pad = 1", "4, stride = 3")):
            c.append(op("%s-%d" % (pool, i), X4, "%s(%s)" % (pool, args)))
    # A convolution followed only by relu and a 2 x 2 max pooling: predict
    # runs it as one kernel that reads the padded image in place
    # (nnc-fuse-conv-pool), rows of 16 along the vectors, or 6 x 6 images
    # with the vectors along 32 channels.
    c.append(Case("conv-relu-maxpool-rows", {"x": "f32[N, 2, 16, 16]"},
                  ["y = x -> conv2d(4, kernel = 3, pad = same) -> relu"
                   " -> maxpool"]))
    c.append(Case("conv-relu-maxpool-channels", {"x": "f32[N, 8, 6, 6]"},
                  ["y = x -> conv2d(32, kernel = 3, pad = same) -> relu"
                   " -> maxpool"]))
    c.append(op("batchnorm-r2", X2, "batchnorm"))
    c.append(op("batchnorm-r4", X4, "batchnorm(momentum = 0.5, eps = 0.001)"))
    for shape, tag in ((X2, "r2"), (X3, "r3"), (X4, "r4")):
        c.append(op("layernorm-" + tag, shape, "layernorm"))
    c.append(op("dropout", X3, "dropout(0.5)"))
    c.append(op("dropout-0", X3, "dropout(0.0)"))
    c.append(Case("embedding-r2", {"ids": "i32[N, 5]"},
                  ["y = ids -> embedding(7, 3)"]))
    c.append(Case("embedding-r1", {"ids": "i32[N]"},
                  ["y = ids -> embedding(4, 2)"]))
    c.append(op("positional-learned", X3, "positional(learned)"))
    c.append(op("positional-sinusoidal", X3E, "positional(sinusoidal)"))
    for rnn in ("rnn(3)", "rnn(3, activation = relu)", "rnn(3, bias = false)",
                "lstm(3)", "lstm(3, bias = false)", "gru(3)",
                "gru(3, bias = false)"):
        name = rnn.replace("(", "-").replace(", ", "-").replace(" = ", "")
        c.append(op(name.rstrip(")"), X3, rnn))
    c.append(op("lstm-last", X3, "lstm(3) -> last"))
    for i, args in enumerate(("1", "5", "1, causal = true", "1, bias = false")):
        c.append(op("self_attention-%d" % i, X3, "self_attention(%s)" % args))
    c.append(op("self_attention-dropout", X3, "self_attention(5, dropout = 0.1)",
                UNSUPPORTED))
    c.append(op("self_attention-heads", X3, "self_attention(2)",
                "2 heads do not divide 5"))
    # Tensor ops.
    c.append(op("flatten-r3", X3, "flatten"))
    c.append(op("flatten-r4", X4, "flatten"))
    for i, dims in enumerate(("N, 20", "N, 2, 10", "N, 5, 4", "N, 2, 2, 5")):
        c.append(op("reshape-%d" % i, X3, "reshape(%s)" % dims))
    c.append(op("reshape-batch-moved", X3, "reshape(4, N, 5)", BATCH))
    c.append(op("reshape-wrong-size", X3, "reshape(N, 21)", "20 != 21"))
    for perm in ("0, 1, 2", "0, 2, 1", "1, 0, 2", "1, 2, 0", "2, 0, 1",
                 "2, 1, 0"):
        c.append(op("transpose-r3-" + perm.replace(", ", ""), X3,
                    "transpose(%s)" % perm,
                    None if perm.startswith("0") else BATCH))
    for perm in ("0, 1, 3, 2", "0, 2, 3, 1", "0, 3, 1, 2", "1, 0, 2, 3"):
        c.append(op("transpose-r4-" + perm.replace(", ", ""), X4,
                    "transpose(%s)" % perm,
                    None if perm.startswith("0") else BATCH))
    for axis in (0, 1, 2, -1, -2, -3):
        c.append(Case("concat-axis%d" % axis, {"x": X3, "z": X3},
                      ["y = concat(x -> dense(5), z, axis = %d)" % axis],
                      may_refuse=BATCH if axis in (0, -3) else None))
    c.append(Case("concat-three", {"x": X3, "z": "f32[N, 2, 5]"},
                  ["h = x -> dense(5)",
                   "y = concat(h, z, h, axis = -2)"]))
    c.append(Case("concat-lastdim", {"x": X3, "z": "f32[N, 4, 2]"},
                  ["y = concat(x -> dense(5), z, axis = 2)"]))
    for red in ("mean", "sum"):
        for axis in (0, 1, 2, -1, -2, -3):
            for keep in ("false", "true"):
                c.append(op("%s-axis%d-%s" % (red, axis, keep), X3,
                            "%s(axis = %d, keepdims = %s)" % (red, axis, keep),
                            BATCH if axis in (0, -3) else None))
    c.append(op("last", X3, "last"))
    # Activations.
    for act in ("relu", "leaky_relu(0.2)", "elu(0.5)", "gelu",
                "gelu(approximate = tanh)", "sigmoid", "tanh", "step"):
        name = act.split("(")[0] + ("-tanh" if "tanh)" in act else "")
        c.append(op(name, X3, act))
    for act in ("softmax", "log_softmax"):
        for axis in (0, 1, 2, -1, -2, -3):
            c.append(op("%s-axis%d" % (act, axis), X3,
                        "%s(axis = %d)" % (act, axis),
                        BATCH if axis in (0, -3) else None))
    # Arithmetic: tensor with tensor (broadcasting) and with numbers.
    for i, expr in enumerate(("h + z", "h - z", "h * z", "h * 0.5", "2 - h",
                              "-h", "h * w", "w + h", "h * 3 + 1")):
        c.append(Case("arith-%d" % i,
                      {"x": X3, "z": X3, "w": "f32[N, 1, 5]"},
                      ["h = x -> dense(5)", "y = " + expr]))
    c.append(Case("arith-broadcast-batch", {"x": X3, "b": "f32[N, 5]"},
                  ["y = (x -> dense(5)) + b"], may_refuse=BATCH))
    # Losses and penalties (their own train sections).
    head = ["y = x -> dense(3)"]
    for name, target, loss in (
            ("mse", "f32[N, 3]", "mse(y, t)"),
            ("mae", "f32[N, 3]", "mae(y, t)"),
            ("huber", "f32[N, 3]", "huber(y, t, delta = 0.5)"),
            ("bce_logits", "f32[N, 3]", "bce_logits(y, t)"),
            ("cross_entropy", "i32[N]", "cross_entropy(y, t)"),
            ("cross_entropy-onehot", "f32[N, 3]", "cross_entropy(y, t)"),
            ("l1", "f32[N, 3]", "mse(y, t) + l1(0.01)"),
            ("l2", "f32[N, 3]", "mse(y, t) + l2(0.01)"),
            ("scaled-sum", "f32[N, 3]", "0.5 * mse(y, t) + 2 * mae(y, t)")):
        c.append(Case("loss-" + name, {"x": X2}, head,
                      ["target t: " + target, "loss = " + loss]))
    c.append(Case("loss-cross_entropy-smoothing", {"x": X2}, head,
                  ["target t: i32[N]",
                   "loss = cross_entropy(y, t, label_smoothing = 0.1)"],
                  may_refuse=UNSUPPORTED))
    c.append(Case("loss-bce", {"x": X2}, ["y = x -> dense(1) -> sigmoid"],
                  ["target t: f32[N, 1]", "loss = bce(y, t)"]))
    c.append(Case("loss-perceptron", {"x": X2}, ["y = x -> dense(1) -> step"],
                  ["target t: f32[N, 1]", "loss = perceptron(y, t)"]))
    c.append(Case("loss-cross_entropy-r3", {"x": X3}, ["y = x -> dense(3)"],
                  ["target t: i32[N, 4]", "loss = cross_entropy(y, t)"],
                  may_refuse="sequence targets"))
    c.append(Case("loss-two-outputs", {"x": X2},
                  ["output y = x -> dense(3)", "output p = y -> softmax"],
                  ["target t: i32[N]", "target u: f32[N, 3]",
                   "loss = cross_entropy(y, t) + mse(p, u)"]))
    # Optimizers, on parameters of several shapes (dense, batchnorm).
    body = ["y = x -> dense(4) -> batchnorm -> relu -> dense(3)"]
    for name, opt in (("sgd", "sgd"), ("sgd-decay", "sgd(weight_decay = 0.1)"),
                      ("momentum", "momentum"),
                      ("nesterov", "momentum(nesterov = true)"),
                      ("rmsprop", "rmsprop"),
                      ("rmsprop-decay", "rmsprop(weight_decay = 0.1)"),
                      ("adam", "adam"), ("adam-decay", "adam(weight_decay = 0.1)"),
                      ("adamw", "adamw")):
        c.append(Case("optimizer-" + name, {"x": X2}, body,
                      ["target t: i32[N]", "loss = cross_entropy(y, t)",
                       "optimizer = " + opt]))
    c.append(Case("optimizer-clip", {"x": X2}, body,
                  ["target t: i32[N]", "loss = cross_entropy(y, t)",
                   "optimizer = adam", "clip_norm = 1.0"]))
    # The batch-moving programs of issue 11 (refused since the batch-axis rule).
    c.append(Case("issue11-concat", {"a": "f32[N, 2]", "b": "f32[N, 2]"},
                  ["y = concat(a, b, axis = 0)"], may_refuse=BATCH))
    for rnn in ("rnn", "lstm", "gru"):
        c.append(Case("issue11-time-major-" + rnn, {"x": "f32[N, 3, 2]"},
                      ["y = x -> transpose(1, 0, 2) -> %s(4, bias = false)" % rnn],
                      may_refuse=BATCH))
    c.append(Case("issue11-dense-batch", {"a": "f32[N, 3]"},
                  ["y = a -> transpose(1, 0) -> dense(4)"], may_refuse=BATCH))
    return c


def model_text(case, target=None):
    """The .nn text of `case`; `target` is y's type for the default train
    section (None: no train section, unless the case has its own)."""
    lines = ["model M {"]
    lines += ["  input %s: %s" % kv for kv in case.inputs.items()]
    body = case.body[:]
    if not any(l.startswith("output") for l in body):
        body[-1] = "output " + body[-1]
    lines += ["  " + l for l in body]
    lines.append("}")
    train = case.train
    if train is None and target is not None:
        train = ["target t: " + target, "loss = mse(y, t)"]
    if train is not None:
        lines.append("train M {")
        lines.append('  data = csv("unused.csv")')
        lines += ["  " + l for l in train]
        if not any(l.startswith("optimizer") for l in train):
            lines.append("  optimizer = sgd(lr = 0.01)")
        lines.append("}")
    return "\n".join(lines) + "\n"
