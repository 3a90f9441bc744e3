"""d loss / d input (issue 16, item 4): Model.input_gradients of models
compiled with input_gradients=True (`nnc --input-grads`), checked against
central finite differences of an f64 NumPy re-implementation of the loss,
and the analytic gradient of the same reference."""
import ctypes

import numpy as np
import pytest

import nnc
from conftest import perturbed
from test_model import SPIRAL, mlp_gradients

REGRESSION = """
model Reg {
  input  x: f32[N, 3]
  output y = x -> dense(5) -> tanh -> dense(2)
}
train Reg {
  data      = spiral(classes = 2, points = 10)
  target    t: f32[N, 2]
  loss      = mse(y, t)
  optimizer = sgd(lr = 0.1)
}
"""


def spiral_loss(state, x, y):
    return mlp_gradients(state, x, y, SPIRAL)[0]


def regression_loss(state, x, t):
    """mse: the mean over every element, as PyTorch's."""
    f = lambda name: state[name].astype(np.float64)
    h = np.tanh(x @ f("fc1.weight").T + f("fc1.bias"))
    y = h @ f("fc2.weight").T + f("fc2.bias")
    return ((y - t) ** 2).mean()


def finite_differences(loss, x, eps=1e-6):
    """Central differences of `loss` at every element of x, in f64."""
    x = x.astype(np.float64)
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        step = np.zeros_like(x)
        step[i] = eps
        g[i] = (loss(x + step) - loss(x - step)) / (2 * eps)
    return g


@pytest.mark.parametrize("case", ["spiral", "regression"])
def test_input_gradients_match_f64_finite_differences(case, spiral_path,
                                                      spiral_data):
    rng = np.random.default_rng(1)
    if case == "spiral":
        source, reference = spiral_path, spiral_loss
        x, labels = spiral_data[0][:16], spiral_data[1][:16]
    else:
        source, reference = REGRESSION, regression_loss
        x = rng.normal(size=(8, 3)).astype(np.float32)
        labels = rng.normal(size=(8, 2)).astype(np.float32)
    with nnc.compile(source, input_gradients=True) as model:
        model.load_state_dict(perturbed(model))
        state = model.state_dict()
        grads, loss = model.input_gradients(x, labels, return_loss=True)
        assert list(grads) == ["x.grad"]
        g = grads["x.grad"]
        assert g.shape == x.shape and g.dtype == np.float32
        want = finite_differences(lambda v: reference(state, v, labels), x)
        assert loss == pytest.approx(reference(state, x, labels), rel=1e-5)
        scale = np.abs(want).max()
        assert scale > 0
        np.testing.assert_allclose(g, want, rtol=1e-3, atol=1e-4 * scale)


def test_input_gradients_match_backprop_and_change_nothing(spiral_path,
                                                            spiral_data):
    x, y = spiral_data
    with nnc.compile(spiral_path, input_gradients=True) as model:
        model.load_state_dict(perturbed(model))
        before = model.state_dict()
        param_grads = model.gradients(x, y)
        g = model.input_gradients(x=x, y=y)["x.grad"]
        # The analytic gradient: the backprop of the reference carried one
        # layer further, through fc1.
        state = {k: v.astype(np.float64) for k, v in before.items()}
        h = x @ state["fc1.weight"].T + state["fc1.bias"]
        a = np.maximum(h, 0)
        o = np.maximum(a @ state["fc2.weight"].T + state["fc2.bias"], 0)
        z = o @ state["fc3.weight"].T + state["fc3.bias"]
        p = np.exp(z - z.max(axis=1, keepdims=True))
        p /= p.sum(axis=1, keepdims=True)
        p[np.arange(len(y)), y] -= 1
        d = (p / len(y)) @ state["fc3.weight"] * (o > 0)
        d = d @ state["fc2.weight"] * (h > 0)
        np.testing.assert_allclose(g, d @ state["fc1.weight"], rtol=1e-4,
                                   atol=1e-7)
        assert model.step == 0
        for k, v in model.state_dict().items():
            assert v.tobytes() == before[k].tobytes()
        for k, v in model.gradients(x, y).items():
            assert v.tobytes() == param_grads[k].tobytes()


def test_without_the_option_it_is_unimplemented(spiral_path, spiral_data):
    x, y = spiral_data
    with nnc.compile(spiral_path) as model:
        with pytest.raises(nnc.NncError, match="UNIMPLEMENTED: .*compiled "
                           "without input gradients"):
            model.input_gradients(x=x, y=y)
        # The C call says the same.
        lib, loss = model._lib, ctypes.c_float()
        with pytest.raises(nnc.NncError) as e:
            nnc._abi.check_status(
                lib, lib.nnc_model_compute_input_gradients(
                    model._handle, 1, None, 1, None, 1, None, 1,
                    ctypes.byref(loss)))
        assert e.value.code == "UNIMPLEMENTED"
        assert "compile it with nnc --input-grads" in e.value.message


def test_bad_gradient_buffers_are_refused(spiral_path, spiral_data):
    x, y = spiral_data
    with nnc.compile(spiral_path, input_gradients=True) as model:
        lib, loss = model._lib, ctypes.c_float()
        xs = (nnc._abi.Buffer * 1)(nnc._abi.Buffer(x.ctypes.data, x.nbytes))
        ys = (nnc._abi.Buffer * 1)(nnc._abi.Buffer(y.ctypes.data, y.nbytes))
        small = np.empty((3, 2), np.float32)
        gs = (nnc._abi.Buffer * 1)(nnc._abi.Buffer(small.ctypes.data,
                                                   small.nbytes))
        with pytest.raises(nnc.NncError) as e:
            nnc._abi.check_status(
                lib, lib.nnc_model_compute_input_gradients(
                    model._handle, 64, xs, 1, ys, 1, gs, 1,
                    ctypes.byref(loss)))
        assert e.value.message == (
            "nnc_model_compute_input_gradients: input_grads[0] ('x'): "
            "expected 512 bytes (batch 64 of F32), got 24")
