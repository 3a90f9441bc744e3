"""The PyTorch twin of a description, run in float64 as the reference.

`Twin` builds one torch module per description with parameters named as
nnc names them (PyTorch state_dict names: fc1.weight, conv1.bias,
lstm.weight_ih_l0, attn1.in_proj_weight, bn1.running_mean, ...;
docs/mlirgen.md), loads nnc's initial values into it, and computes what
nnc's entry points compute: predict (eval mode), the loss and every
gradient (train mode, batchnorm running statistics updated), and one
optimizer step with PyTorch's own optimizers.
"""
import math

import torch
from torch import nn
import torch.nn.functional as F

from .model import RECURRENT, concrete, conv_padding, infer

torch.set_num_threads(1)
torch.set_default_dtype(torch.float64)


class ContiguousGrad(torch.autograd.Function):
    """The identity, whose backward makes the incoming gradient contiguous."""

    @staticmethod
    def forward(ctx, x):
        return x.view_as(x)

    @staticmethod
    def backward(ctx, grad):
        return grad.contiguous()


class BatchNorm(nn.modules.batchnorm._BatchNorm):
    """Batch normalisation over axis 1 of any rank (nnc: rank 2 or 4).

    Its input and its output's gradient reach PyTorch contiguous: PyTorch
    1.13's CPU batchnorm returns wrong weight and bias gradients when either
    is a permuted (channels-last-like) view, as around a
    `transpose(0, 3, 1, 2)` (seeds 95133 and 96268, docs/fuzzing.md; nnc's
    gradients equal float64 finite differences)."""

    def _check_input_dim(self, input):
        pass

    def forward(self, input):
        return ContiguousGrad.apply(super().forward(input.contiguous()))


class Positional(nn.Module):
    def __init__(self, t, d):
        super().__init__()
        self.weight = nn.Parameter(torch.zeros(t, d))


def sinusoid(t, d):
    """nnc's positional(sinusoidal) table (lib/Conversion/NNToLinalg/
    Embedding.cpp): sin/cos of t * exp(-2i ln(10000) / D)."""
    pos = torch.arange(t, dtype=torch.float64)[:, None]
    dim = torch.arange(d)
    even = (dim - dim % 2).to(torch.float64)
    angle = pos * torch.exp(even * (-math.log(10000.0) / d))
    return torch.where(dim % 2 == 1, torch.cos(angle), torch.sin(angle))


class Twin(nn.Module):
    def __init__(self, desc):
        super().__init__()
        self.desc = desc
        self.batch = desc["batch"]
        shapes = infer(desc)
        self.shapes = [concrete(s, self.batch) for s in shapes]
        n = len(desc["inputs"])
        counters = {}
        self.names = []

        def name(kind, first_unnumbered=False):
            counters[kind] = counters.get(kind, 0) + 1
            c = counters[kind]
            return kind if first_unnumbered and c == 1 else f"{kind}{c}"

        for j, op in enumerate(desc["ops"]):
            x = self.shapes[op["in"][0]]
            k = op["op"]
            m, nm = None, None
            if k == "dense":
                nm, m = name("fc"), nn.Linear(x[-1], op["units"],
                                               bias=op["bias"])
            elif k == "conv2d":
                nm, m = name("conv"), nn.Conv2d(
                    x[1], op["filters"], op["kernel"], stride=op["stride"],
                    dilation=op["dilation"], bias=op["bias"])
            elif k == "batchnorm":
                nm = name("bn")
                m = BatchNorm(x[1], eps=op["eps"], momentum=op["momentum"])
            elif k == "layernorm":
                nm, m = name("ln"), nn.LayerNorm(x[-1], eps=op["eps"])
            elif k in RECURRENT:
                cls = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}[k]
                kw = {"nonlinearity": op.get("activation", "tanh")} \
                    if k == "rnn" else {}
                nm = name(k, first_unnumbered=True)
                m = cls(x[-1], op["units"], bias=op["bias"],
                        batch_first=True, **kw)
            elif k == "self_attention":
                nm, m = name("attn"), nn.MultiheadAttention(
                    x[-1], op["heads"], bias=op["bias"], batch_first=True)
            elif k == "embedding":
                nm, m = name("emb"), nn.Embedding(op["vocab"], op["dim"])
            elif k == "positional" and op["kind"] == "learned":
                nm, m = name("pos"), Positional(x[1], x[2])
            if m is not None:
                self.add_module(nm, m)
            self.names.append(nm)
        self.n_inputs = n

    def forward(self, *inputs):
        vals = list(inputs)
        for j, op in enumerate(self.desc["ops"]):
            vals.append(self.apply_op(op, self.names[j],
                                      [vals[v] for v in op["in"]],
                                      self.shapes[self.n_inputs + j]))
        return [vals[v] for v in self.desc["outputs"]]

    def apply_op(self, op, nm, ins, out_shape):
        k = op["op"]
        x = ins[0]
        m = getattr(self, nm) if nm else None
        if k in ("dense", "batchnorm"):
            return m(x)
        if k == "layernorm":
            # The textbook formula, as nnc computes it: F.layer_norm's
            # x * rstd - mean * rstd leaves rounding noise where x == mean
            # (always over one feature), and a later kink (perceptron,
            # relu) would take its sign.
            mean = x.mean(dim=-1, keepdim=True)
            var = ((x - mean) ** 2).mean(dim=-1, keepdim=True)
            return (x - mean) / torch.sqrt(var + m.eps) * m.weight + m.bias
        if k == "embedding":
            return m(x.long())
        if k == "conv2d":
            t, b, l, r = conv_padding(op, x.shape[2], x.shape[3])
            return m(F.pad(x, (l, r, t, b)))
        if k == "maxpool":
            return F.max_pool2d(x, op["size"], op["stride"], op["pad"])
        if k == "avgpool":
            return F.avg_pool2d(x, op["size"], op["stride"], op["pad"],
                                count_include_pad=False)
        if k in RECURRENT:
            return m(x)[0]
        if k == "self_attention":
            mask = None
            if op["causal"]:
                t = x.shape[1]
                mask = torch.triu(torch.ones(t, t, dtype=torch.bool), 1)
            # A key that is another tensor object keeps PyTorch 1.13 off its
            # inference fast path, which fails on bias=False.
            kv = x.view_as(x)
            return m(x, kv, kv, need_weights=False, attn_mask=mask)[0]
        if k == "positional":
            if op["kind"] == "learned":
                return x + m.weight
            return x + sinusoid(x.shape[1], x.shape[2]).to(x.dtype)
        if k == "last":
            return x[:, -1]
        if k in ("flatten", "reshape"):
            return x.reshape(out_shape)
        if k == "transpose":
            return x.permute(op["perm"])
        if k == "concat":
            return torch.cat(ins, dim=op["axis"])
        if k == "mean":
            return x.mean(dim=op["axis"], keepdim=op["keepdims"])
        if k == "sum":
            return x.sum(dim=op["axis"], keepdim=op["keepdims"])
        if k == "softmax":
            return F.softmax(x, dim=op["axis"])
        if k == "log_softmax":
            return F.log_softmax(x, dim=op["axis"])
        if k == "relu":
            return F.relu(x)
        if k == "leaky_relu":
            return F.leaky_relu(x, op["alpha"])
        if k == "elu":
            return F.elu(x, op["alpha"])
        if k == "gelu":
            return F.gelu(x, approximate="tanh" if op["approximate"]
                          else "none")
        if k == "sigmoid":
            return torch.sigmoid(x)
        if k == "tanh":
            return torch.tanh(x)
        if k == "dropout":
            return x
        if k == "scale":
            return x * op["c"]
        if k == "addc":
            return x + op["c"]
        if k == "rsub":
            return op["c"] - x
        if k == "add":
            return ins[0] + ins[1]
        if k == "sub":
            return ins[0] - ins[1]
        if k == "mul":
            return ins[0] * ins[1]
        raise ValueError(k)


def loss_term(term, pred, target):
    k = term["kind"]
    if k == "mse":
        return F.mse_loss(pred, target)
    if k == "mae":
        return F.l1_loss(pred, target)
    if k == "huber":
        return F.huber_loss(pred, target, delta=term["delta"])
    if k == "bce":
        return F.binary_cross_entropy(pred, target)
    if k == "bce_logits":
        return F.binary_cross_entropy_with_logits(pred, target)
    if k == "perceptron":
        return torch.clamp(-(2 * target - 1) * pred, min=0).mean()
    if k == "cross_entropy":
        if target.dtype != pred.dtype:
            return F.cross_entropy(pred, target.long())
        return -(target * F.log_softmax(pred, dim=1)).sum() / pred.shape[0]
    raise ValueError(k)


PENALISED = ("weight", "weight_ih_l0", "weight_hh_l0", "in_proj_weight",
             "out_proj.weight")


def penalised(twin, name):
    """Whether nnc's l1/l2 penalty covers parameter `name`: dense and conv
    kernels, recurrent and attention weights, embedding tables
    (docs/mlirgen.md); not norms, biases or learned positions."""
    layer = name.split(".")[0]
    m = getattr(twin, layer)
    if isinstance(m, (nn.LayerNorm, BatchNorm, Positional)):
        return False
    return name[len(layer) + 1:] in PENALISED


def total_loss(desc, twin, outputs, targets, inputs):
    """The train section's loss: the terms, scaled, plus the penalty."""
    names = [i["name"] for i in desc["inputs"]]
    loss = 0.0
    for term in desc["losses"]:
        t = term["target"]
        target = inputs[names.index(t)] if t in names else targets[t]
        loss = loss + term["scale"] * loss_term(term, outputs[term["out"]],
                                                target)
    p = desc.get("penalty")
    if p:
        for name, w in twin.named_parameters():
            if penalised(twin, name):
                loss = loss + (p["lambda"] * w.abs().sum() if p["kind"] == "l1"
                               else p["lambda"] / 2 * (w * w).sum())
    return loss


def make_optimizer(opt, params):
    k = opt["kind"]
    wd = opt.get("weight_decay", 0.0)
    lr = opt["lr"]
    if k == "sgd":
        return torch.optim.SGD(params, lr=lr, weight_decay=wd)
    if k == "momentum":
        return torch.optim.SGD(params, lr=lr, momentum=opt["beta"],
                               nesterov=opt["nesterov"], weight_decay=wd)
    if k == "rmsprop":
        return torch.optim.RMSprop(params, lr=lr, alpha=opt["alpha"],
                                   eps=opt["eps"], weight_decay=wd)
    cls = torch.optim.Adam if k == "adam" else torch.optim.AdamW
    return cls(params, lr=lr, betas=(opt["beta1"], opt["beta2"]),
               eps=opt["eps"], weight_decay=wd)


STATE_NAMES = {"momentum_buffer", "square_avg", "exp_avg", "exp_avg_sq"}


def reference(desc, params, inputs, targets, dtype=torch.float64):
    """Everything the fuzzer compares, computed by the twin in `dtype`
    (float64: the reference; float32: to estimate how much f32 rounding
    can move each value, see check.py).

    params: {state_dict name: array} read from nnc after create.
    Returns predict outputs, train-mode outputs, loss, grads, buffers
    after the forward in train mode.
    """
    twin = Twin(desc)
    sd = twin.state_dict()
    missing = [k for k in sd if k not in params
               and not k.endswith("num_batches_tracked")]
    extra = [k for k in params if k not in sd]
    if missing or extra:
        raise KeyError(f"twin and nnc disagree on parameters: nnc lacks "
                       f"{missing}, twin lacks {extra}")
    twin.load_state_dict({k: torch.from_numpy(v).double()
                          for k, v in params.items()}, strict=False)
    twin.to(dtype)
    xs = [torch.from_numpy(x).to(dtype) if x.dtype.kind == "f"
          else torch.from_numpy(x) for x in inputs]
    ts = {k: torch.from_numpy(v).to(dtype) if v.dtype.kind == "f"
          else torch.from_numpy(v) for k, v in targets.items()}
    twin.eval()
    with torch.no_grad():
        predict = [o.numpy().copy() for o in twin(*xs)]
    twin.train()
    outs = twin(*xs)
    loss = total_loss(desc, twin, outs, ts, xs)
    twin.zero_grad()
    if loss.requires_grad:  # else no parameter feeds the loss
        loss.backward()
    grads = {k: (p.grad if p.grad is not None else torch.zeros_like(p))
             .numpy().copy() for k, p in twin.named_parameters()}
    buffers = {k: b.numpy().copy() for k, b in twin.named_buffers()
               if not k.endswith("num_batches_tracked")}
    return {"predict": predict,
            "train_outputs": [o.detach().numpy().copy() for o in outs],
            "loss": float(loss) if torch.is_tensor(loss) else loss, "grads": grads, "buffers": buffers}


def predict(desc, params, inputs, dtype=torch.float64):
    """The eval-mode outputs of the twin with `params` on `inputs`."""
    twin = Twin(desc)
    twin.load_state_dict({k: torch.from_numpy(v).double()
                          for k, v in params.items()}, strict=False)
    twin.to(dtype).eval()
    xs = [torch.from_numpy(x).to(dtype) if x.dtype.kind == "f"
          else torch.from_numpy(x) for x in inputs]
    with torch.no_grad():
        return [o.numpy().copy() for o in twin(*xs)]


def optimizer_step(desc, params, grads, dtype=torch.float64):
    """PyTorch's optimizer (and clip_grad_norm_) applied once, in `dtype`,
    to nnc's initial parameters and the gradients `grads`: the parameters
    and optimizer state after the step, by checkpoint name."""
    ps = {k: torch.nn.Parameter(torch.from_numpy(v).to(dtype).clone())
          for k, v in params.items() if k in grads}
    for k, p in ps.items():
        p.grad = torch.from_numpy(grads[k]).to(dtype).clone()
    if not ps:
        return {}, {}
    if desc.get("clip"):
        torch.nn.utils.clip_grad_norm_(list(ps.values()), desc["clip"])
    opt = make_optimizer(desc["optimizer"], list(ps.values()))
    opt.step()
    after = {k: p.detach().numpy().copy() for k, p in ps.items()}
    state = {}
    for k, p in ps.items():
        for s, v in opt.state[p].items():
            if s in STATE_NAMES and v is not None:
                state[f"optimizer.{k}.{s}"] = v.numpy().copy()
    return after, state
