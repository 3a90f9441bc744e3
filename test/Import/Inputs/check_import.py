"""Checks one `nnc import` against the ONNX file it read.

usage: check_import.py MODEL.onnx MODEL.nn MODEL.safetensors
Prints each checkpoint tensor with the initializer it holds (`= w2`, or
`= w2 transposed` where nnc's [out, in] layout differs from the graph's),
read with a reader of its own, then compiles MODEL.nn through the Python
package, loads the checkpoint and compares every output, on 3 random rows,
with the graph evaluated op by op with torch.nn.functional (an independent
reference; GRU from ONNX's equations in NumPy): max |nnc - torch| /
max |torch| must be <= 1e-5.
"""
import json
import os
import struct
import sys

import numpy as np
import onnx
import torch
import torch.nn.functional as F
from onnx import helper, numpy_helper

import nnc

TOLERANCE = 1e-5


def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    header.pop("__metadata__", None)
    body = data[8 + n:]
    return {k: np.frombuffer(body[v["data_offsets"][0]:v["data_offsets"][1]],
                             dtype=np.float32).reshape(v["shape"])
            for k, v in header.items()}


def attrs(node):
    return {a.name: helper.get_attribute_value(a) for a in node.attribute}


def pad_sides(x, a, value=0.0):
    """Pads x by ONNX's `pads` [top, left, bottom, right] (any per side)."""
    t, l, b, r = a.get("pads", [0, 0, 0, 0])
    return F.pad(x, [l, r, t, b], value=value)


def same_upper(x, kernel, stride, dilation):
    """Pads x like ONNX auto_pad = SAME_UPPER (extra cell after)."""
    pad = []
    for size in (x.shape[3], x.shape[2]):
        out = -(-size // stride)
        total = max((out - 1) * stride + dilation * (kernel - 1) + 1 - size, 0)
        pad += [total // 2, total - total // 2]
    return F.pad(x, pad)


def pool(is_max, x, a):
    """MaxPool / AveragePool: torch's own pooling (ceil_mode, dilation,
    count_include_pad) where the pads are symmetric; per-side or SAME_UPPER
    pads applied with F.pad, the average then a sum over the zero-padded
    image divided by the cells counted (all with count_include_pad, else
    the real ones)."""
    k, s = a["kernel_shape"][0], a.get("strides", [1, 1])[0]
    dil = a.get("dilations", [1, 1])[0]
    ceil = bool(a.get("ceil_mode", 0))
    include = bool(a.get("count_include_pad", 0))
    if a.get("auto_pad", b"NOTSET") == b"SAME_UPPER":
        pad = []
        for size in (x.shape[3], x.shape[2]):
            out = -(-size // s)
            total = max((out - 1) * s + dil * (k - 1) + 1 - size, 0)
            pad += [total // 2, total - total // 2]
        a = dict(a, pads=[pad[2], pad[0], pad[3], pad[1]])
    t, l, b, r = a.get("pads", [0, 0, 0, 0])
    if t == b and l == r and a.get("auto_pad", b"NOTSET") != b"SAME_UPPER":
        if is_max:
            return F.max_pool2d(x, k, s, (t, l), dil, ceil_mode=ceil)
        return F.avg_pool2d(x, k, s, (t, l), ceil_mode=ceil,
                            count_include_pad=include)
    assert not ceil
    if is_max:
        return F.max_pool2d(pad_sides(x, a, -float("inf")), k, s, 0, dil)
    real = pad_sides(torch.ones_like(x), a, 1.0 if include else 0.0)
    total = F.avg_pool2d(pad_sides(x, a), k, s) * (k * k)
    return total / (F.avg_pool2d(real, k, s) * (k * k))


def run_node(node, v):
    a = attrs(node)
    i = [v[n] if n else None for n in node.input]
    op = node.op_type
    if op == "Gemm":
        w = i[1].T if a.get("transB", 0) else i[1]
        y = i[0] @ w * a.get("alpha", 1.0)
        return y + a.get("beta", 1.0) * i[2] if len(i) > 2 else y
    if op == "MatMul":
        return i[0] @ i[1]
    if op in ("Add", "Sub", "Mul"):
        return {"Add": torch.add, "Sub": torch.sub, "Mul": torch.mul}[op](
            i[0], i[1])
    if op == "Conv":
        stride, dil = a.get("strides", [1, 1])[0], a.get("dilations", [1, 1])[0]
        x = i[0]
        if a.get("auto_pad", b"NOTSET") == b"SAME_UPPER":
            x, pad = same_upper(x, i[1].shape[2], stride, dil), (0, 0)
        else:
            x, pad = pad_sides(x, a), (0, 0)
        return F.conv2d(x, i[1], i[2] if len(i) > 2 else None, stride, pad,
                        dil)
    if op == "BatchNormalization":
        return F.batch_norm(i[0], i[3], i[4], i[1], i[2], False, 0.0,
                            a.get("epsilon", 1e-5))
    if op == "LayerNormalization":
        bias = i[2] if len(i) > 2 else None
        return F.layer_norm(i[0], i[0].shape[-1:], i[1], bias,
                            a.get("epsilon", 1e-5))
    if op in ("MaxPool", "AveragePool"):
        return pool(op == "MaxPool", i[0], a)
    if op == "GlobalAveragePool":
        return i[0].mean(dim=(2, 3), keepdim=True)
    if op == "Flatten":
        return torch.flatten(i[0], a.get("axis", 1))
    if op == "Reshape":
        shape = [d if d != 0 else i[0].shape[k]
                 for k, d in enumerate(i[1].tolist())]
        return i[0].reshape(shape)
    if op == "Transpose":
        return i[0].permute(a["perm"])
    if op == "Gather" and a.get("axis", 0) == 0:
        return i[0][i[1]]  # torch indexing: negative indices from the end
    if op == "GRU":
        return gru(i, a)
    if op == "Squeeze":
        return i[0].squeeze(int(i[1][0]))
    if op in ("Identity", "Dropout"):
        return i[0]
    if op == "Softmax":
        return F.softmax(i[0], a.get("axis", -1))
    if op == "LogSoftmax":
        return F.log_softmax(i[0], a.get("axis", -1))
    if op == "LeakyRelu":
        return F.leaky_relu(i[0], a.get("alpha", 0.01))
    if op == "Elu":
        return F.elu(i[0], a.get("alpha", 1.0))
    if op == "Pow":
        return torch.pow(i[0], i[1])
    if op == "Clip":
        bounds = i[1:] + [None] * (3 - len(i))
        return torch.clamp(i[0], bounds[0], bounds[1])
    if op in ("Max", "Min"):
        return {"Max": torch.maximum, "Min": torch.minimum}[op](i[0], i[1])
    return {"Relu": torch.relu, "Sigmoid": torch.sigmoid,
            "Tanh": torch.tanh, "Exp": torch.exp, "Log": torch.log,
            "Sqrt": torch.sqrt, "Abs": torch.abs, "Erf": torch.erf}[op](i[0])


def sigmoid(v):
    return 1 / (1 + np.exp(-v))


def gru(i, a):
    """ONNX's GRU equations (forward, zero initial state) in float64 NumPy,
    gates in ONNX's order z, r, h:
      z = sigmoid(x Wz^T + h Rz^T + Wbz + Rbz), r likewise,
      linear_before_reset = 0: n = tanh(x Wh^T + (r * h) Rh^T + Rbh + Wbh),
      linear_before_reset = 1: n = tanh(x Wh^T + r * (h Rh^T + Rbh) + Wbh),
      h' = (1 - z) * n + z * h."""
    layout, lbr = a.get("layout", 0), a.get("linear_before_reset", 0)
    hid = a["hidden_size"]
    x = i[0].double().numpy()
    if layout == 1:
        x = x.transpose(1, 0, 2)
    w, r = i[1][0].double().numpy(), i[2][0].double().numpy()
    b = (i[3][0].double().numpy() if len(i) > 3 and i[3] is not None
         else np.zeros(6 * hid))
    wz, wr, wh = np.split(w, 3)
    rz, rr, rh = np.split(r, 3)
    wbz, wbr, wbh, rbz, rbr, rbh = np.split(b, 6)
    h = np.zeros((x.shape[1], hid))
    ys = []
    for xt in x:
        z = sigmoid(xt @ wz.T + h @ rz.T + wbz + rbz)
        rg = sigmoid(xt @ wr.T + h @ rr.T + wbr + rbr)
        if lbr:
            n = np.tanh(xt @ wh.T + rg * (h @ rh.T + rbh) + wbh)
        else:
            n = np.tanh(xt @ wh.T + (rg * h) @ rh.T + rbh + wbh)
        h = (1 - z) * n + z * h
        ys.append(h)
    y = np.stack(ys)[:, None]  # [T, 1, N, H]
    return torch.from_numpy(y.transpose(2, 0, 1, 3) if layout == 1 else y)


def evaluate(graph, feeds):
    v = {t.name: torch.from_numpy(numpy_helper.to_array(t).copy())
         for t in graph.initializer}
    v.update({k: torch.from_numpy(x) for k, x in feeds.items()})
    for node in graph.node:
        v[node.output[0]] = run_node(node, v)
    return {o.name: v[o.name].numpy() for o in graph.output}


def main(onnx_path, nn_path, ckpt_path):
    graph = onnx.load(onnx_path).graph
    inits = {t.name: numpy_helper.to_array(t) for t in graph.initializer}
    for name, t in read_safetensors(ckpt_path).items():
        held = [k for k, w in inits.items()
                if w.shape == t.shape and np.array_equal(w, t)]
        held += [k + " transposed" for k, w in inits.items()
                 if w.ndim == 2 and w.T.shape == t.shape
                 and np.array_equal(w.T, t)]
        print(f"{name} {list(t.shape)} = {', '.join(held) or '?'}")

    model = nnc.compile(nn_path, out=os.path.splitext(nn_path)[0] + ".so")
    model.load(ckpt_path)
    rng = np.random.default_rng(1)
    feeds = {}
    for inp in graph.input:
        if inp.name in inits:
            continue
        dims = [3] + [d.dim_value for d in inp.type.tensor_type.shape.dim[1:]]
        if inp.type.tensor_type.elem_type == onnx.TensorProto.FLOAT:
            feeds[inp.name] = rng.normal(size=dims).astype(np.float32)
            continue
        # Indices of a Gather from a table of V rows: every id in [-V, V).
        vocab = min(inits[n.input[0]].shape[0] for n in graph.node
                    if n.op_type == "Gather" and n.input[1] == inp.name)
        feeds[inp.name] = rng.integers(-vocab, vocab, size=dims)
    expected = evaluate(graph, feeds)
    got = model.predict(*feeds.values())
    if not isinstance(got, dict):
        got = {model.outputs[0].name: got}
    for name, want in expected.items():
        mine = [v for k, v in got.items() if k == name or k == name + "_"]
        err = float(np.abs(mine[0] - want).max() / np.abs(want).max())
        print(f"output {name}: max relative error vs torch "
              f"{'<=' if err <= TOLERANCE else '>'} {TOLERANCE} ({err:.1e})")
        assert err <= TOLERANCE, (name, err)


if __name__ == "__main__":
    main(*sys.argv[1:])
