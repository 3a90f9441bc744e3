"""`nnc import` of PyTorch's nn.MultiheadAttention export (AttentionOps.cpp).

usage: attention.py WORKDIR   (NNC_BINARY: the nnc to test; the nnc package
on PYTHONPATH)

Each variant (seeded random weights and biases, batch_first, self-attention,
need_weights False or True, with or without biases, opsets 13 and 17) is
exported with torch.onnx.export, imported, compiled and run through the
Python package on 3 random sequences: max |nnc - torch| / max |torch| must
be <= 1e-5, and the checkpoint's tensors must load into a fresh module with
load_state_dict and equal the exported ones bit for bit; a causal
attn_mask is self_attention(causal = true). Then graphs that depart from the
pattern must be refused with a message naming the node: a mask that is not
causal, and the plain export edited (softmax axis, scale, a Reshape target, an extra reader of an inner
tensor).
"""
import os
import subprocess
import sys

import numpy as np
import onnx
import torch
from onnx import helper, numpy_helper

import nnc

TOLERANCE = 1e-5
T, D = 6, 16


class Attention(torch.nn.Module):
    def __init__(self, heads, bias, need_weights, mask=None):
        super().__init__()
        self.attn1 = torch.nn.MultiheadAttention(D, heads, bias=bias,
                                                 batch_first=True)
        self.need_weights, self.mask = need_weights, mask

    def forward(self, x):
        return self.attn1(x, x, x, need_weights=self.need_weights,
                          attn_mask=self.mask)[0]


def module(seed, heads, bias, need_weights=False, mask=None):
    torch.manual_seed(seed)
    m = Attention(heads, bias, need_weights, mask)
    if bias:
        with torch.no_grad():
            m.attn1.in_proj_bias.normal_(0.0, 0.3)
            m.attn1.out_proj.bias.normal_(0.0, 0.3)
    return m.eval()


def export(m, path, opset):
    torch.onnx.export(m, torch.rand(3, T, D), path, opset_version=opset,
                      input_names=["x"], output_names=["y"],
                      dynamic_axes={"x": {0: "N"}, "y": {0: "N"}})


def nnc_import(workdir, stem):
    r = subprocess.run([os.environ["NNC_BINARY"], "import",
                        os.path.join(workdir, stem + ".onnx"),
                        "-o", os.path.join(workdir, stem + ".nn")],
                       capture_output=True, text=True)
    return r.returncode, r.stderr.strip()


def check(workdir, stem, seed, heads, bias, need_weights, opset, mask=None):
    m = module(seed, heads, bias, need_weights, mask)
    export(m, os.path.join(workdir, stem + ".onnx"), opset)
    code, err = nnc_import(workdir, stem)
    assert code == 0, err
    body = open(os.path.join(workdir, stem + ".nn")).read()
    line = [l.strip() for l in body.splitlines() if "output" in l][0]
    model = nnc.compile(os.path.join(workdir, stem + ".nn"),
                        out=os.path.join(workdir, stem + ".so"))
    model.load(os.path.join(workdir, stem + ".safetensors"))
    x = torch.rand(3, T, D)
    # With autograd on: PyTorch 1.13's inference fast path fails without
    # biases.
    expected = m(x).detach().numpy()
    got = model.predict(x=x.numpy())
    rel = float(np.abs(got - expected).max() / np.abs(expected).max())
    state = {k: torch.from_numpy(v) for k, v in model.state_dict().items()}
    fresh = module(seed + 50, heads, bias)
    missing, unexpected = fresh.load_state_dict(state, strict=False)
    same = all(torch.equal(v, m.state_dict()[k]) for k, v in state.items())
    print(f"{stem} opset {opset}: {line}; {len(state)} tensors, max "
          f"relative error {rel:.1e}, missing {missing} unexpected "
          f"{unexpected} identical {same}")
    assert rel <= TOLERANCE and not missing and not unexpected and same


def edited(workdir, stem, edit):
    """The plain export with `edit(graph)` applied, imported: the error."""
    g = onnx.load(os.path.join(workdir, "plain.onnx"))
    edit(g.graph)
    onnx.save(g, os.path.join(workdir, stem + ".onnx"))
    code, err = nnc_import(workdir, stem)
    assert code == 1, f"{stem}: imported"
    print(f"{stem}: {err.split(': ', 2)[2]}")


def node(graph, op, k=0):
    return [n for n in graph.node if n.op_type == op][k]


def set_constant(graph, name, value):
    for n in graph.node:
        if n.op_type == "Constant" and n.output[0] == name:
            t = n.attribute[0].t
            arr = numpy_helper.to_array(t)
            n.attribute[0].t.CopyFrom(numpy_helper.from_array(
                np.array(value, dtype=arr.dtype).reshape(arr.shape), t.name))
            return
    raise KeyError(name)


def main(workdir):
    os.makedirs(workdir, exist_ok=True)
    check(workdir, "plain", 1, 2, True, False, 17)
    check(workdir, "heads4", 2, 4, True, False, 13)
    check(workdir, "weights", 3, 2, True, True, 13)
    check(workdir, "nobias", 4, 2, False, False, 17)

    # A causal mask (True above the diagonal) is self_attention(causal =
    # true); any other mask is refused.
    check(workdir, "causal", 5, 2, True, False, 17,
          mask=torch.triu(torch.ones(T, T, dtype=torch.bool), 1))
    export(module(6, 2, True, mask=torch.triu(torch.ones(T, T,
                                                         dtype=torch.bool), 2)),
           os.path.join(workdir, "shifted.onnx"), 17)
    code, err = nnc_import(workdir, "shifted")
    assert code == 1
    print(f"shifted mask: {err.split(': ', 2)[2]}")

    def softmax_axis(g):
        s = node(g, "Softmax")
        s.attribute[0].i = 1

    def scale(g):
        set_constant(g, node(g, "Div", 2).input[1], 3.0)

    def reshape_target(g):
        # The keys' [T, N*h, d/h] becomes [T, N*h*2, d/(2h)]: still a valid
        # reshape, not the heads the values have.
        r = node(g, "Reshape", 1)
        # Replace the target by a constant [T, -1, 4]: 4 != d/h = 8.
        const = helper.make_node("Constant", [], ["bad_target"],
                                 value=numpy_helper.from_array(
                                     np.array([T, -1, 4], dtype=np.int64)))
        g.node.insert(0, const)
        r.input[1] = "bad_target"

    def extra_reader(g):
        s = node(g, "Softmax")
        g.node.append(helper.make_node("Identity", [s.output[0]], ["w"]))
        g.output.append(helper.make_tensor_value_info("w", onnx.TensorProto.FLOAT,
                                                      None))

    edited(workdir, "softmax_axis", softmax_axis)
    edited(workdir, "scale", scale)
    edited(workdir, "reshape_target", reshape_target)
    edited(workdir, "extra_reader", extra_reader)


if __name__ == "__main__":
    main(sys.argv[1])
