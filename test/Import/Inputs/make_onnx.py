"""Writes small ONNX models, one per import mapping or error case, with
onnx.helper (python3-onnx), so that each test controls every attribute.

usage: make_onnx.py CASE OUT.onnx      (CASE: a key of CASES below)
Weights are seeded random numbers; no numeric result is checked from these
files (test/Import/twins.test compares outputs with PyTorch).
"""
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

rng = np.random.default_rng(0)


def init(name, *shape):
    return numpy_helper.from_array(
        rng.normal(size=shape).astype(np.float32), name)


def ints(name, values):
    return numpy_helper.from_array(np.array(values, dtype=np.int64), name)


def value(name, *shape):
    return helper.make_tensor_value_info(name, TensorProto.FLOAT, list(shape))


def model(nodes, inputs, outputs, inits, opset=13):
    graph = helper.make_graph(nodes, "case", inputs, outputs, inits)
    return helper.make_model(
        graph, opset_imports=[helper.make_opsetid("", opset)])


def mlp_gemm():
    # Gemm with transB = 1 (PyTorch's Linear) and transB = 0 (a Keras-style
    # [in, out] kernel), Relu, Sigmoid, LogSoftmax.
    return model(
        [helper.make_node("Gemm", ["x", "w1", "b1"], ["h1"], name="fc_a",
                          transB=1),
         helper.make_node("Relu", ["h1"], ["r1"], name="relu_a"),
         helper.make_node("Gemm", ["r1", "w2", "b2"], ["h2"], name="fc_b"),
         helper.make_node("Sigmoid", ["h2"], ["s2"]),
         helper.make_node("Gemm", ["s2", "w3"], ["h3"], transB=1),
         helper.make_node("LogSoftmax", ["h3"], ["y"], axis=1)],
        [value("x", "N", 4)], [value("y", "N", 3)],
        [init("w1", 8, 4), init("b1", 8), init("w2", 8, 5), init("b2", 5),
         init("w3", 3, 5)])


def matmul_add():
    # MatMul by an [in, out] initializer then Add of the bias: one dense;
    # Tanh, Softmax; a Dropout of an inference graph.
    return model(
        [helper.make_node("MatMul", ["x", "w"], ["m"], name="mm"),
         helper.make_node("Add", ["m", "b"], ["a"], name="bias_add"),
         helper.make_node("Tanh", ["a"], ["t"]),
         helper.make_node("Dropout", ["t", "ratio"], ["d"]),
         helper.make_node("MatMul", ["d", "w2"], ["m2"]),
         helper.make_node("Softmax", ["m2"], ["y"], axis=-1)],
        [value("x", "N", 6)], [value("y", "N", 2)],
        [init("w", 6, 7), init("b", 7), init("w2", 7, 2),
         numpy_helper.from_array(np.array(0.25, dtype=np.float32), "ratio")])


def cnn():
    # Conv (stride 2, pads 1), BatchNormalization with PyTorch's momentum
    # and another epsilon, LeakyRelu, MaxPool with stride 1, AveragePool,
    # Conv without bias, GlobalAveragePool, Flatten, Gemm.
    return model(
        [helper.make_node("Conv", ["x", "w1", "b1"], ["c1"], name="conv_a",
                          kernel_shape=[3, 3], strides=[2, 2],
                          pads=[1, 1, 1, 1]),
         helper.make_node("BatchNormalization",
                          ["c1", "g", "beta", "mean", "var"], ["n1"],
                          epsilon=1e-3, momentum=0.9),
         helper.make_node("LeakyRelu", ["n1"], ["l1"], alpha=0.2),
         helper.make_node("MaxPool", ["l1"], ["p1"], kernel_shape=[2, 2],
                          strides=[1, 1]),
         helper.make_node("AveragePool", ["p1"], ["p2"], kernel_shape=[2, 2],
                          strides=[2, 2]),
         helper.make_node("Conv", ["p2", "w2"], ["c2"], kernel_shape=[3, 3],
                          dilations=[2, 2], auto_pad="SAME_UPPER"),
         helper.make_node("Elu", ["c2"], ["e2"]),
         helper.make_node("GlobalAveragePool", ["e2"], ["g2"]),
         helper.make_node("Flatten", ["g2"], ["f"], axis=1),
         helper.make_node("Gemm", ["f", "w3", "b3"], ["y"], transB=1)],
        [value("x", "N", 3, 16, 16)], [value("y", "N", 10)],
        [init("w1", 8, 3, 3, 3), init("b1", 8), init("g", 8), init("beta", 8),
         init("mean", 8),
         numpy_helper.from_array(rng.uniform(0.5, 2, 8).astype(np.float32),
                                 "var"),
         init("w2", 4, 8, 3, 3), init("b3", 10), init("w3", 10, 4)])


def pads():
    # Per-side pads [top, left, bottom, right] on Conv, MaxPool and
    # AveragePool (PyTorch's ZeroPad2d + Conv2d export; TF's SAME padding
    # with an even kernel).
    return model(
        [helper.make_node("Conv", ["x", "w"], ["c"], name="conv_pads",
                          kernel_shape=[3, 3], pads=[1, 0, 2, 1]),
         helper.make_node("MaxPool", ["c"], ["m"], name="max_pads",
                          kernel_shape=[3, 3], strides=[2, 2],
                          pads=[1, 0, 0, 2]),
         helper.make_node("AveragePool", ["m"], ["y"], name="avg_pads",
                          kernel_shape=[2, 2], strides=[1, 1],
                          pads=[0, 1, 1, 0])],
        [value("x", "N", 2, 9, 8)], [value("y", "N", 4, 5, 4)],
        [init("w", 4, 2, 3, 3)])


def pool_options():
    # MaxPool with ceil_mode (along W = 9 the 6th window would start in the
    # padding: dropped as in PyTorch) and dilations; AveragePool with
    # ceil_mode and count_include_pad (along H = 6 the last window gets a
    # ceil cell, not counted), auto_pad SAME_UPPER with and without
    # count_include_pad.
    return model(
        [helper.make_node("MaxPool", ["x"], ["m1"], name="max_ceil",
                          kernel_shape=[2, 2], strides=[2, 2],
                          pads=[1, 1, 1, 1], ceil_mode=1),
         helper.make_node("MaxPool", ["m1"], ["m2"], name="max_dilated",
                          kernel_shape=[2, 2], dilations=[2, 2],
                          pads=[1, 1, 1, 1]),
         helper.make_node("AveragePool", ["m2"], ["a1"], name="avg_ceil",
                          kernel_shape=[3, 3], strides=[2, 2],
                          pads=[1, 1, 1, 1], ceil_mode=1,
                          count_include_pad=1),
         helper.make_node("AveragePool", ["x"], ["a2"], name="avg_same",
                          kernel_shape=[2, 2], strides=[3, 3],
                          auto_pad="SAME_UPPER", count_include_pad=1),
         helper.make_node("AveragePool", ["x"], ["a3"], name="avg_same_real",
                          kernel_shape=[3, 3], auto_pad="SAME_UPPER"),
         helper.make_node("MaxPool", ["x"], ["a4"], name="max_same",
                          kernel_shape=[2, 2], strides=[2, 2],
                          auto_pad="SAME_UPPER")],
        [value("x", "N", 2, 10, 9)],
        [value("a1", "N", 2, 4, 3), value("a2", "N", 2, 4, 3),
         value("a3", "N", 2, 10, 9), value("a4", "N", 2, 5, 5)], [])


def gather_rows():
    # Gather of an initializer table [6, 3] by int64 ids [N, 5] (PyTorch's
    # nn.Embedding export), negative ids counting from the end, then Tanh.
    ids = helper.make_tensor_value_info("ids", TensorProto.INT64, ["N", 5])
    return model(
        [helper.make_node("Gather", ["table", "ids"], ["e"], name="lookup"),
         helper.make_node("Tanh", ["e"], ["y"])],
        [ids], [value("y", "N", 5, 3)], [init("table", 6, 3)])


def gather_ids_elsewhere():
    ids = helper.make_tensor_value_info("ids", TensorProto.INT64, ["N", 5])
    return model(
        [helper.make_node("Relu", ["ids"], ["y"], name="relu_ids")],
        [ids], [value("y", "N", 5)], [])


def flatten_start():
    # Reshape [N, 3, 4, 5] -> [0, 3, -1] (torch.flatten(x, 2)'s export),
    # then a Tanh.
    return model(
        [helper.make_node("Reshape", ["x", "s"], ["r"], name="flat2"),
         helper.make_node("Tanh", ["r"], ["y"])],
        [value("x", "N", 3, 4, 5)], [value("y", "N", 3, 20)],
        [ints("s", [0, 3, -1])])


def flatten_axis2():
    return model(
        [helper.make_node("Flatten", ["x"], ["y"], name="flat_axis2",
                          axis=2)],
        [value("x", "N", 3, 4, 5)], [value("y", "N", 20)], [])


def shapes():
    # Reshape with 0 (copy) and -1, Transpose keeping the batch first,
    # Reshape to rank 2 (written as flatten), Identity.
    return model(
        [helper.make_node("Reshape", ["x", "s1"], ["r1"], name="to_rows"),
         helper.make_node("Transpose", ["r1"], ["t1"], perm=[0, 2, 1]),
         helper.make_node("Identity", ["t1"], ["i1"]),
         helper.make_node("Reshape", ["i1", "s2"], ["r2"]),
         helper.make_node("Gemm", ["r2", "w", "b"], ["y"], transB=1)],
        [value("x", "N", 24)], [value("y", "N", 2)],
        [ints("s1", [0, 4, -1]), ints("s2", [-1, 24]), init("w", 2, 24),
         init("b", 2)])


def branches():
    # A residual block: the Relu output is used twice, so it is bound to a
    # name; Add of two computed tensors, Mul and Sub by numbers; the second
    # output is also used by the first.
    return model(
        [helper.make_node("Gemm", ["x", "w1", "b1"], ["h"], transB=1),
         helper.make_node("Relu", ["h"], ["r"]),
         helper.make_node("Gemm", ["r", "w2", "b2"], ["g"], transB=1),
         helper.make_node("Add", ["r", "g"], ["s"]),
         helper.make_node("Mul", ["s", "half"], ["m"]),
         helper.make_node("Sub", ["one", "m"], ["feat"]),
         helper.make_node("Gemm", ["feat", "w3", "b3"], ["y"], transB=1)],
        [value("x", "N", 4)], [value("y", "N", 3), value("feat", "N", 8)],
        [init("w1", 8, 4), init("b1", 8), init("w2", 8, 8), init("b2", 8),
         init("w3", 3, 8), init("b3", 3),
         numpy_helper.from_array(np.array(0.5, dtype=np.float32), "half"),
         numpy_helper.from_array(np.array([1.0], dtype=np.float32), "one")])


def layernorm():
    # LayerNormalization (opset 17) over the last axis of [N, T, D], with
    # and without its bias, then MatMul on the rank-3 tensor.
    return model(
        [helper.make_node("LayerNormalization", ["x", "g1", "b1"], ["n1"],
                          name="ln_a", epsilon=1e-6),
         helper.make_node("MatMul", ["n1", "w"], ["m"]),
         helper.make_node("LayerNormalization", ["m", "g2"], ["y"],
                          axis=2)],
        [value("x", "N", 5, 6)], [value("y", "N", 5, 4)],
        [init("g1", 6), init("b1", 6), init("w", 6, 4), init("g2", 4)],
        opset=17)


# Errors: each names the node, its op type and the attribute.
def unsupported_op():
    return model(
        [helper.make_node("Gemm", ["x", "w", "b"], ["h"], transB=1),
         helper.make_node("Cos", ["h"], ["y"], name="my_cos")],
        [value("x", "N", 4)], [value("y", "N", 2)],
        [init("w", 2, 4), init("b", 2)])


def conv_group():
    return model(
        [helper.make_node("Conv", ["x", "w"], ["y"], name="depthwise",
                          kernel_shape=[3, 3], group=2)],
        [value("x", "N", 2, 8, 8)], [value("y", "N", 2, 6, 6)],
        [init("w", 2, 1, 3, 3)])


def pool_ceil():
    return model(
        [helper.make_node("MaxPool", ["x"], ["y"], name="pool1",
                          kernel_shape=[2, 2], ceil_mode=1,
                          pads=[1, 0, 0, 0])],
        [value("x", "N", 2, 7, 7)], [value("y", "N", 2, 4, 4)], [])


def gemm_alpha():
    return model(
        [helper.make_node("Gemm", ["x", "w"], ["y"], name="scaled",
                          alpha=2.0, transB=1)],
        [value("x", "N", 4)], [value("y", "N", 2)], [init("w", 2, 4)])


def unknown_attr():
    return model(
        [helper.make_node("Relu", ["x"], ["y"], name="odd", flavour=3)],
        [value("x", "N", 4)], [value("y", "N", 4)], [])


def rect_kernel():
    return model(
        [helper.make_node("Conv", ["x", "w"], ["y"], name="wide",
                          kernel_shape=[1, 3])],
        [value("x", "N", 1, 8, 8)], [value("y", "N", 2, 8, 6)],
        [init("w", 2, 1, 1, 3)])


def batch_reshape():
    return model(
        [helper.make_node("Reshape", ["x", "s"], ["y"], name="merge")],
        [value("x", "N", 4, 6)], [value("y", 24)], [ints("s", [-1])])


def softmax_batch():
    return model(
        [helper.make_node("Softmax", ["x"], ["y"], name="sm", axis=0)],
        [value("x", "N", 4)], [value("y", "N", 4)], [])


def batch_transpose():
    # perm [1, 0, 2] is the layout change around a recurrent layer; as an
    # output it would move the batch.
    return model(
        [helper.make_node("Transpose", ["x"], ["y"], name="swap",
                          perm=[1, 0, 2])],
        [value("x", "N", 3, 4)], [value("y", 3, "N", 4)], [])


def lstm_peephole():
    return model(
        [helper.make_node("LSTM", ["x", "w", "r", "", "", "", "", "p"],
                          ["y"], name="peep", hidden_size=2, layout=1)],
        [value("x", "N", 5, 3)], [value("y", "N", 5, 1, 2)],
        [init("w", 1, 8, 3), init("r", 1, 8, 2), init("p", 1, 6)], opset=14)


def small(name, *shape):
    """Uniform(-0.5, 0.5) weights: gates away from saturation."""
    return numpy_helper.from_array(
        rng.uniform(-0.5, 0.5, size=shape).astype(np.float32), name)


def gru_forms():
    # GRU with ONNX's default linear_before_reset = 0 (attribute absent),
    # time-major as PyTorch exports it; the same explicitly with layout 1
    # and no bias; and linear_before_reset = 1 (PyTorch's form) for
    # contrast. Hidden 4 over [N, 5, 3].
    return model(
        [helper.make_node("Transpose", ["x"], ["xt"], perm=[1, 0, 2]),
         helper.make_node("GRU", ["xt", "w0", "r0", "b0"], ["y0"],
                          name="gru_default", hidden_size=4),
         helper.make_node("Squeeze", ["y0", "ax1"], ["s0"]),
         helper.make_node("Transpose", ["s0"], ["h0"], perm=[1, 0, 2]),
         helper.make_node("GRU", ["x", "w1", "r1"], ["y1"],
                          name="gru_nobias", hidden_size=4, layout=1,
                          linear_before_reset=0),
         helper.make_node("Squeeze", ["y1", "ax2"], ["h1"]),
         helper.make_node("GRU", ["x", "w2", "r2", "b2"], ["y2"],
                          name="gru_torch", hidden_size=4, layout=1,
                          linear_before_reset=1),
         helper.make_node("Squeeze", ["y2", "ax2"], ["h2"])],
        [value("x", "N", 5, 3)],
        [value("h0", "N", 5, 4), value("h1", "N", 5, 4),
         value("h2", "N", 5, 4)],
        [small("w0", 1, 12, 3), small("r0", 1, 12, 4), small("b0", 1, 24),
         small("w1", 1, 12, 3), small("r1", 1, 12, 4),
         small("w2", 1, 12, 3), small("r2", 1, 12, 4), small("b2", 1, 24),
         ints("ax1", [1]), ints("ax2", [2])], opset=14)


def gru_bad_reset():
    return model(
        [helper.make_node("GRU", ["x", "w", "r"], ["y"], name="odd_gru",
                          hidden_size=2, layout=1, linear_before_reset=2)],
        [value("x", "N", 5, 3)], [value("y", "N", 5, 1, 2)],
        [init("w", 1, 6, 3), init("r", 1, 6, 2)], opset=14)


def div_alone():
    return model(
        [helper.make_node("Div", ["x", "two"], ["y"], name="halve")],
        [value("x", "N", 4)], [value("y", "N", 4)],
        [numpy_helper.from_array(np.array(2.0, dtype=np.float32), "two")])


def number(name, x):
    return numpy_helper.from_array(np.array(x, dtype=np.float32), name)


def elementwise():
    # Abs, Sqrt, Exp, Log, Erf, Pow by a number, Clip with both bounds and
    # with min only (an empty max input), Max of two computed tensors and Min
    # of a tensor and a number.
    return model(
        [helper.make_node("Gemm", ["x", "w1", "b1"], ["h"], transB=1),
         helper.make_node("Abs", ["h"], ["a"]),
         helper.make_node("Sqrt", ["a"], ["s"]),
         helper.make_node("Pow", ["s", "three"], ["p"]),
         helper.make_node("Clip", ["p", "lo", ""], ["c2"]),
         helper.make_node("Exp", ["h"], ["e"]),
         helper.make_node("Log", ["e"], ["l"]),
         helper.make_node("Erf", ["l"], ["f"]),
         helper.make_node("Clip", ["f", "lo", "hi"], ["c"]),
         helper.make_node("Max", ["c", "c2"], ["mx"]),
         helper.make_node("Min", ["mx", "half"], ["y"])],
        [value("x", "N", 4)], [value("y", "N", 8)],
        [init("w1", 8, 4), init("b1", 8), number("three", 3.0),
         number("lo", -0.5), number("hi", 0.75), number("half", 0.5)])


def matmul_activations():
    # MatMul of two computed tensors, rank 3 and 4, with Transposes of the
    # last two axes: matmul(a, b).
    return model(
        [helper.make_node("MatMul", ["a", "b"], ["y1"], name="ab"),
         helper.make_node("Transpose", ["b"], ["bt"], perm=[0, 2, 1]),
         helper.make_node("Transpose", ["a"], ["at"], perm=[0, 2, 1]),
         helper.make_node("MatMul", ["bt", "at"], ["y2"], name="btat"),
         helper.make_node("Transpose", ["c"], ["ct"], perm=[0, 1, 3, 2]),
         helper.make_node("MatMul", ["c", "ct"], ["y3"], name="cct")],
        [value("a", "N", 3, 4), value("b", "N", 4, 5),
         value("c", "N", 2, 3, 4)],
        [value("y1", "N", 3, 5), value("y2", "N", 5, 3),
         value("y3", "N", 2, 3, 3)], [])


def matmul_batch():
    # [N, 4] x [N, 4]: the batch would be a matrix dimension.
    return model(
        [helper.make_node("MatMul", ["a", "b"], ["y"], name="outer")],
        [value("a", "N", 4), value("b", "N", 4)], [value("y", "N", 4)], [])


def parameters():
    # Initializers in arithmetic that are neither biases nor single numbers:
    # right-aligned broadcasting over [N, 3, 4]; scale is used twice (one
    # parameter), c's leading 1 is dropped.
    return model(
        [helper.make_node("Mul", ["x", "scale"], ["a"], name="scale_mul"),
         helper.make_node("Add", ["shift", "a"], ["b"]),
         helper.make_node("Sub", ["b", "c"], ["d"]),
         helper.make_node("Max", ["d", "floor"], ["e"]),
         helper.make_node("Mul", ["e", "scale"], ["y"])],
        [value("x", "N", 3, 4)], [value("y", "N", 3, 4)],
        [init("scale", 4), init("shift", 3, 1), init("c", 1, 3, 4),
         init("floor", 4)])


def parameter_batch():
    # A [2, 3, 4] constant against [N, 3, 4] would broadcast on the batch.
    return model(
        [helper.make_node("Add", ["x", "k"], ["y"], name="batchwise")],
        [value("x", "N", 3, 4)], [value("y", "N", 3, 4)], [init("k", 2, 3, 4)])


def old_opset():
    m = mlp_gemm()
    m.opset_import[0].version = 11
    return m


CASES = {f.__name__: f for f in [
    mlp_gemm, matmul_add, cnn, pads, pool_options, gather_rows,
    gather_ids_elsewhere, flatten_start, flatten_axis2, shapes, branches, layernorm, unsupported_op, conv_group,
    pool_ceil, gemm_alpha, unknown_attr, rect_kernel, batch_reshape,
    softmax_batch, batch_transpose, lstm_peephole, div_alone, old_opset,
    elementwise, matmul_activations, matmul_batch, parameters,
    parameter_batch, gru_forms, gru_bad_reset]}

if __name__ == "__main__":
    onnx.save(CASES[sys.argv[1]](), sys.argv[2])
