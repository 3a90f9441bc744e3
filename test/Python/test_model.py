"""nnc.Model against independent NumPy references: the forward pass and the
backward pass of an MLP re-implemented from state_dict(), an SGD update
computed from gradients(), checkpoints that round-trip bit for bit, and
errors that are exceptions with nnc's message, never crashes."""
import ctypes
import math
import os

import numpy as np
import pytest

import nnc
from conftest import EXAMPLES, perturbed


def mlp_forward(state, x, layers):
    """Dense layers with ReLU between them, PyTorch's layout ([out, in])."""
    h = x.astype(np.float64)
    for i, name in enumerate(layers):
        h = h @ state[name + ".weight"].T.astype(np.float64) + \
            state[name + ".bias"]
        if i + 1 < len(layers):
            h = np.maximum(h, 0)
    return h


def mlp_gradients(state, x, y, layers):
    """Mean cross-entropy of the MLP and its gradients by backprop (f64)."""
    acts, h = [], x.astype(np.float64)
    for i, name in enumerate(layers):
        acts.append(h)
        h = h @ state[name + ".weight"].T.astype(np.float64) + \
            state[name + ".bias"]
        if i + 1 < len(layers):
            h = np.maximum(h, 0)
    p = np.exp(h - h.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    loss = -np.log(p[np.arange(len(y)), y]).mean()
    d = p
    d[np.arange(len(y)), y] -= 1
    d /= len(y)
    grads = {}
    for i in reversed(range(len(layers))):
        name = layers[i]
        grads[name + ".weight.grad"] = d.T @ acts[i]
        grads[name + ".bias.grad"] = d.sum(axis=0)
        d = d @ state[name + ".weight"].astype(np.float64)
        if i > 0:
            d = d * (acts[i] > 0)
    return loss, grads


SPIRAL = ["fc1", "fc2", "fc3"]


@pytest.fixture()
def spiral(spiral_path):
    with nnc.compile(spiral_path, seed=11) as model:
        model.load_state_dict(perturbed(model))
        yield model


def test_descriptor(spiral):
    assert spiral.name == "Spiral"
    assert [(t.name, t.dtype, t.shape) for t in spiral.inputs] == \
        [("x", np.float32, (None, 2))]
    assert [t.name for t in spiral.tensors("param")] == [
        "fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias", "fc3.weight",
        "fc3.bias"]
    assert spiral.state_dict()["fc1.weight"].shape == (64, 2)


def test_predict_matches_numpy(spiral, spiral_data):
    x, _ = spiral_data
    want = mlp_forward(spiral.state_dict(), x, SPIRAL)
    got = spiral.predict(x=x)
    assert got.shape == (64, 3) and got.dtype == np.float32
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)
    # Any batch, and positional inputs.
    np.testing.assert_allclose(spiral.predict(x[:1]), want[:1], rtol=1e-5,
                               atol=1e-5)


def test_exp_log_sqrt_match_numpy(tmp_path, spiral_data):
    """The elementwise functions exp, log, abs and sqrt of the language."""
    path = tmp_path / "fns.nn"
    path.write_text("""
model Fns {
  input  x: f32[N, 2]
  output y = x -> dense(4) -> sigmoid -> log -> dense(3) -> abs -> exp -> sqrt
}
""")
    x, _ = spiral_data
    with nnc.compile(str(path), seed=2) as m:
        p = {k: v.astype(np.float64) for k, v in m.state_dict().items()}
        names = sorted({k.split(".")[0] for k in p})
        assert len(names) == 2, names
        h = x @ p[names[0] + ".weight"].T + p[names[0] + ".bias"]
        h = np.log(1 / (1 + np.exp(-h)))
        want = np.sqrt(np.exp(np.abs(h @ p[names[1] + ".weight"].T +
                                     p[names[1] + ".bias"])))
        np.testing.assert_allclose(m.predict(x=x), want, rtol=1e-5, atol=1e-6)


def test_erf_pow_clip_min_max_match_numpy(tmp_path, spiral_data):
    """erf, pow (integer exponent on negative inputs, non-integer exponent:
    NaN below 0, as np.power), clip and min/max of the language against
    NumPy (f64, erf from math.erf)."""
    path = tmp_path / "fns2.nn"
    path.write_text("""
model Fns {
  input  x: f32[N, 2]
  a = x -> dense(4)
  b = x -> dense(4)
  output y = max(a -> erf, b -> clip(min = -0.5, max = 0.25)) -> pow(3)
  output z = min(a -> pow(1.5), b -> pow(2) -> clip(max = 1))
  output w = a -> clip(min = 0) -> pow(0)
}
""")
    x, _ = spiral_data
    erf = np.vectorize(math.erf)
    with nnc.compile(str(path), seed=2) as m:
        p = {k: v.astype(np.float64) for k, v in m.state_dict().items()}
        names = sorted({k.split(".")[0] for k in p})
        assert len(names) == 2, names
        a = x @ p[names[0] + ".weight"].T + p[names[0] + ".bias"]
        b = x @ p[names[1] + ".weight"].T + p[names[1] + ".bias"]
        with np.errstate(invalid="ignore"):
            want = {
                "y": np.maximum(erf(a), np.clip(b, -0.5, 0.25)) ** 3,
                "z": np.minimum(np.power(a, 1.5), np.minimum(b * b, 1)),
                "w": np.ones_like(a),
            }
        assert np.isnan(want["z"]).any() and (a < 0).any()
        got = m.predict(x=x)
        for k in want:
            np.testing.assert_allclose(got[k], want[k], rtol=1e-5, atol=1e-6,
                                       err_msg=k)


def test_max_min_clip_gradients_at_ties_and_bounds(tmp_path):
    """The gradient rules that finite differences cannot check, as PyTorch
    1.13's: max/min split a tie half and half, clip passes the gradient at
    its bounds."""
    path = tmp_path / "ties.nn"
    path.write_text("""
model Ties {
  input  x: f32[N, 3]
  a = x -> dense(2)
  b = x -> dense(2)
  c = a -> clip(min = 0, max = 1)
  output y = max(a, b) + min(a, b) * 3 + c
}
train Ties {
  data      = spiral(classes = 2, points = 10)
  target    t: f32[N, 2]
  loss      = mse(y, t)
  optimizer = sgd(lr = 0.1)
}
""")
    rng = np.random.default_rng(3)
    x = rng.normal(size=(6, 3)).astype(np.float32)
    t = rng.normal(size=(6, 2)).astype(np.float32)
    with nnc.compile(str(path), seed=1) as m:
        state = m.state_dict()
        names = sorted({k.split(".")[0] for k in state})
        # Equal layers: every element of a and b ties. Inputs chosen so that
        # some a are exactly 0 (clip's lower bound): x rows of zeros.
        x[:2] = 0
        state[names[1] + ".weight"] = state[names[0] + ".weight"].copy()
        state[names[0] + ".bias"][:] = 0
        state[names[1] + ".bias"][:] = 0
        m.load_state_dict(state)
        grads = m.gradients(x=x, t=t)
        a = x.astype(np.float64) @ state[names[0] + ".weight"].T.astype(
            np.float64)
        y = a + 3 * a + np.clip(a, 0, 1)
        dy = 2 * (y - t) / y.size
        # Tie: a and b each get half of max's and min's gradient; clip's
        # passes where 0 <= a <= 1 (a = 0 on the zero rows included).
        da = dy * (0.5 + 0.5 * 3 + ((a >= 0) & (a <= 1)))
        db = dy * (0.5 + 0.5 * 3)
        assert (a[:2] == 0).all()
        for name, d in ((names[0], da), (names[1], db)):
            np.testing.assert_allclose(grads[name + ".weight.grad"],
                                       d.T @ x, rtol=1e-5, atol=1e-6,
                                       err_msg=name)
            np.testing.assert_allclose(grads[name + ".bias.grad"],
                                       d.sum(0), rtol=1e-5, atol=1e-6,
                                       err_msg=name)


def test_digits_predict_matches_numpy(digits_rows):
    """A model with dropout (inactive in predict) on real rows."""
    x, _ = digits_rows
    with nnc.compile(os.path.join(EXAMPLES, "digits_mlp.nn")) as model:
        model.load_state_dict(perturbed(model))
        want = mlp_forward(model.state_dict(), x, ["fc1", "fc2", "fc3"])
        np.testing.assert_allclose(model.predict(pixels=x), want,
                                   rtol=1e-5, atol=1e-5)


def test_gradients_match_numpy_backprop(spiral, spiral_data):
    x, y = spiral_data
    want_loss, want = mlp_gradients(spiral.state_dict(), x, y, SPIRAL)
    grads, loss = spiral.gradients(x=x, y=y, return_loss=True)
    assert list(grads) == [t.name for t in spiral.tensors("grad")]
    assert loss == pytest.approx(want_loss, rel=1e-5)
    for name, g in grads.items():
        np.testing.assert_allclose(g, want[name], rtol=1e-4, atol=1e-6,
                                   err_msg=name)
    assert spiral.step == 0  # gradients() does not update


def test_train_step_is_the_sgd_update_of_gradients(spiral_path, spiral_data):
    x, y = spiral_data
    lr = 0.05
    with nnc.compile(spiral_path, seed=5) as a, \
            nnc.compile(spiral_path, seed=5) as b:
        before = a.state_dict()
        grads = a.gradients(x=x, y=y)
        want = {k: v - np.float32(lr) * grads[k + ".grad"]
                for k, v in before.items()}
        loss = b.train_step(x, y, lr=lr)
        assert np.isfinite(loss) and b.step == 1
        after = b.state_dict()
        for k in before:
            assert not np.array_equal(after[k], before[k]), k
            np.testing.assert_allclose(after[k], want[k], rtol=1e-6,
                                       atol=1e-7, err_msg=k)
        # The same update through apply_gradients with caller gradients.
        a.apply_gradients(grads, lr=lr)
        for k, v in a.state_dict().items():
            np.testing.assert_allclose(v, want[k], rtol=1e-6, atol=1e-7)


def test_train_step_outputs_are_the_forward_pass_before_the_update(
        tmp_path, spiral_data):
    """Every output is written, the one the loss reads and the other."""
    path = tmp_path / "two.nn"
    path.write_text("""
model Two {
  input  x: f32[N, 2]
  output a = x -> dense(3)
  output b = x -> dense(2) -> tanh
}
train Two {
  data      = spiral(classes = 3)
  target    y: i32[N]
  loss      = cross_entropy(a, y)
  optimizer = sgd(lr = 0.1)
}
""")
    x, y = spiral_data
    with nnc.compile(str(path), seed=3) as m:
        want = m.predict(x=x)
        loss, got = m.train_step(x, y, return_outputs=True)
        assert np.isfinite(loss) and m.step == 1
        assert list(got) == ["a", "b"]
        for name in want:
            np.testing.assert_array_equal(got[name], want[name], err_msg=name)
        # The update happened: predict now differs.
        assert not np.array_equal(m.predict(x=x)["a"], want["a"])


def test_save_load_round_trip_is_bit_exact(tmp_path, digits_rows):
    """Adam: parameters, optimizer state and step travel in the file."""
    x, y = digits_rows
    path = str(tmp_path / "digits.safetensors")
    lib = os.path.join(EXAMPLES, "digits_mlp.nn")
    with nnc.compile(lib, seed=1) as a, nnc.compile(lib, seed=2) as b:
        for _ in range(3):
            a.train_step(pixels=x, y=y)
        a.save(path)
        assert not np.array_equal(a.state_dict()["fc1.weight"],
                                  b.state_dict()["fc1.weight"])
        b.load(path)
        assert b.step == a.step == 3
        for want, got in ((a.state_dict(), b.state_dict()),
                          (a.optimizer_state(), b.optimizer_state())):
            assert list(want) == list(got) and want
            for k in want:
                assert want[k].tobytes() == got[k].tobytes(), k
        assert a.predict(x).tobytes() == b.predict(x).tobytes()


def test_corrupted_checkpoint_raises_and_leaves_the_model(tmp_path, spiral):
    path = tmp_path / "spiral.safetensors"
    spiral.save(str(path))
    data = path.read_bytes()
    path.write_bytes(data[:len(data) // 2])
    before = spiral.state_dict()
    with pytest.raises(nnc.NncError) as e:
        spiral.load(str(path))
    assert e.value.code == "DATA_LOSS"
    assert "nnc_model_load" in e.value.message and str(path) in e.value.message
    for k, v in spiral.state_dict().items():
        assert v.tobytes() == before[k].tobytes()
    with pytest.raises(nnc.NncError, match="IO_ERROR"):
        spiral.load(str(tmp_path / "missing.safetensors"))


@pytest.mark.parametrize("call, message", [
    (lambda m, x, y: m.predict(x=x[:, :1]),
     r"predict: 'x': expected shape \[N, 2\], got \[64, 1\]"),
    (lambda m, x, y: m.predict(x=x.astype(np.complex64)),
     "predict: 'x': expected float32 .* got complex64"),
    (lambda m, x, y: m.predict(x=x, z=x), "predict: .*unknown z"),
    (lambda m, x, y: m.predict(), "predict: .*missing x"),
    (lambda m, x, y: m.train_step(x=x, y=y.astype(np.float32)),
     "train_step: 'y': expected int32 .* got float32"),
    (lambda m, x, y: m.train_step(x=x, y=y[:10]),
     "train_step: 'y': expected batch 64 .* got 10"),
    (lambda m, x, y: m.train_step(x=x, y=y, lr=float("nan")),
     "train_step: lr: expected a finite value"),
    (lambda m, x, y: m.predict(x=x[:0]), "at least 1 row"),
    (lambda m, x, y: m.load_state_dict({"fc1.weight": np.zeros((2, 64))},
                                       strict=False),
     r"load_state_dict: 'fc1.weight': expected shape \[64, 2\]"),
    (lambda m, x, y: m.load_state_dict({"fc9.weight": 0}, strict=False),
     "has no param or buffer called fc9.weight"),
    (lambda m, x, y: m.load_state_dict({}), "load_state_dict: missing fc1"),
])
def test_bad_arrays_raise(spiral, spiral_data, call, message):
    x, y = spiral_data
    before = spiral.state_dict()
    with pytest.raises(nnc.NncError, match=message):
        call(spiral, x, y)
    for k, v in spiral.state_dict().items():
        assert v.tobytes() == before[k].tobytes(), k


def test_the_abi_message_reaches_python(spiral, spiral_data):
    """A label out of range is refused by the model's own checks."""
    x, y = spiral_data
    with pytest.raises(nnc.NncError) as e:
        spiral.train_step(x=x, y=np.where(np.arange(64) == 5, 7, y))
    assert e.value.code == "INVALID_ARGUMENT"
    assert e.value.message.startswith("nnc_model_train_step_hp: labels[0] ('y')")
    assert "is 7, expected a class index" in e.value.message


def test_closed_model_raises(spiral_path, spiral_data):
    model = nnc.compile(spiral_path)
    model.close()
    with pytest.raises(nnc.NncError, match="is closed"):
        model.predict(spiral_data[0])


def test_every_lookup_takes_the_info_name(spiral):
    """Issue 16, item 5: the C ABI finds every tensor of a compiled model by
    the name nnc_model_tensor_info reports; a gradient asked for by its
    parameter's name is NOT_FOUND and the message names the gradient."""
    lib = spiral._lib
    for kind, kind_name in enumerate(["input", "label", "output", "param",
                                      "buffer", "grad", "state"]):
        for i, t in enumerate(spiral.tensors(kind_name)):
            index = ctypes.c_int32(-1)
            status = lib.nnc_model_find_tensor(kind, t.name.encode(),
                                               ctypes.byref(index))
            assert not status and index.value == i, t.name
    assert [t.name for t in spiral.tensors("grad")] == \
        [t.name + ".grad" for t in spiral.tensors("param")]
    index = ctypes.c_int32()
    with pytest.raises(nnc.NncError) as e:
        nnc._abi.check_status(lib, lib.nnc_model_find_tensor(
            5, b"fc2.bias", ctypes.byref(index)))
    assert e.value.code == "NOT_FOUND"
    assert "is called 'fc2.bias.grad'" in e.value.message


def test_compile_source_text_and_errors(tmp_path, spiral_path, spiral_data):
    with open(spiral_path) as f:
        text = f.read()
    with nnc.compile(text) as a, nnc.compile(spiral_path) as b:
        x = spiral_data[0]
        assert a.predict(x).tobytes() == b.predict(x).tobytes()
        built = os.stat(a.library).st_mtime_ns
        with nnc.compile(text) as again:  # the cache: not compiled again
            assert again.library == a.library
            assert os.stat(again.library).st_mtime_ns == built
    out = tmp_path / "spiral.so"
    with nnc.compile(spiral_path, out=str(out)) as c:
        assert c.library == str(out) and out.exists()
    with pytest.raises(nnc.NncError) as e:
        nnc.compile("model M {\n  input x: f32[N, 2]\n"
                    "  output y = x -> dense(3) -> bogus\n}\n")
    assert e.value.code == "COMPILE_ERROR"
    assert "<stdin>:3:" in e.value.message and "bogus" in e.value.message
    with pytest.raises(nnc.NncError, match="NOT_FOUND: compile: no such"):
        nnc.compile(str(tmp_path / "missing.nn"))
    with pytest.raises(nnc.NncError, match="no-nnc: not an executable file"):
        nnc.compile(spiral_path, nnc_binary=str(tmp_path / "no-nnc"))


def test_matmul_of_activations_matches_numpy(tmp_path):
    """matmul(a, b) of two activations, rank 3 and 4, with each transpose
    flag, against NumPy's batched product (f64)."""
    path = tmp_path / "matmul.nn"
    path.write_text("""
model Products {
  input  a: f32[N, 3, 4]
  input  b: f32[N, 4, 5]
  input  c: f32[N, 2, 3, 4]
  output y = matmul(a, b) + 0.5 * matmul(a, b -> transpose(0, 2, 1), transpose_b = true)
  output z = matmul(a, b -> transpose(0, 2, 1) -> dense(3), transpose_a = true,
                    transpose_b = true)
  output w = matmul(c, c, transpose_b = true)
}
""")
    rng = np.random.default_rng(5)
    a = rng.normal(size=(7, 3, 4)).astype(np.float32)
    b = rng.normal(size=(7, 4, 5)).astype(np.float32)
    c = rng.normal(size=(7, 2, 3, 4)).astype(np.float32)
    with nnc.compile(str(path), seed=4) as m:
        p = {k: v.astype(np.float64) for k, v in m.state_dict().items()}
        a64, b64, c64 = (v.astype(np.float64) for v in (a, b, c))
        # [N, 5, 3]
        d = np.swapaxes(b64, 1, 2) @ p["fc1.weight"].T + p["fc1.bias"]
        want = {
            "y": 1.5 * (a64 @ b64),
            "z": np.swapaxes(a64, 1, 2) @ np.swapaxes(d, 1, 2),  # [N, 4, 5]
            "w": c64 @ np.swapaxes(c64, 2, 3),
        }
        got = m.predict(a=a, b=b, c=c)
        for k in want:
            assert got[k].shape == want[k].shape, k
            np.testing.assert_allclose(got[k], want[k], rtol=1e-5, atol=1e-5,
                                       err_msg=k)


PARAMETERS = """
model P {
  input  x: f32[N, 3, 4]
  scale = parameter(4, init = ones)
  shift = parameter(3, 1)
  fixed = parameter(3, 4, init = normal(0.5), trainable = false)
  output y = min(x * scale + shift, fixed) * fixed
}
train P {
  target t: f32[N, 3, 4]
  loss      = mse(y, t)
  optimizer = sgd(lr = 0.1)
}
"""


def parameters_loss(p, x, t):
    y = np.minimum(x * p["scale"] + p["shift"], p["fixed"]) * p["fixed"]
    return ((y - t) ** 2).mean(), y


def test_parameters_without_batch_match_numpy(tmp_path):
    """parameter(...) tensors broadcast over the batch (right-aligned) in
    + - * and min: forward against NumPy, gradients against central finite
    differences of the f64 NumPy loss (eps 1e-6, rtol 1e-4), the l2 penalty
    skips them, and a trainable = false one is loaded but never updated."""
    path = tmp_path / "params.nn"
    path.write_text(PARAMETERS.replace("mse(y, t)", "mse(y, t) + l2(0.5)"))
    with pytest.raises(nnc.NncError, match="l2 has no weights to penalise"):
        nnc.compile(str(path))
    path.write_text(PARAMETERS)
    rng = np.random.default_rng(8)
    x = rng.normal(size=(5, 3, 4)).astype(np.float32)
    t = rng.normal(size=(5, 3, 4)).astype(np.float32)
    with nnc.compile(str(path), seed=3) as m:
        state = m.state_dict()
        assert sorted(state) == ["fixed", "scale", "shift"]
        assert state["scale"].shape == (4,) and (state["scale"] == 1).all()
        assert state["shift"].shape == (3, 1) and (state["shift"] == 0).all()
        assert state["fixed"].shape == (3, 4) and state["fixed"].std() > 0.1
        state["scale"] = rng.normal(size=4).astype(np.float32)
        state["shift"] = rng.normal(size=(3, 1)).astype(np.float32)
        m.load_state_dict(state)
        p = {k: v.astype(np.float64) for k, v in state.items()}
        x64, t64 = x.astype(np.float64), t.astype(np.float64)
        _, want = parameters_loss(p, x64, t64)
        np.testing.assert_allclose(m.predict(x=x), want, rtol=1e-5, atol=1e-6)
        grads = m.gradients(x=x, t=t)
        assert sorted(grads) == ["scale.grad", "shift.grad"]
        for name in ("scale", "shift"):
            fd = np.zeros_like(p[name])
            for i in np.ndindex(p[name].shape):
                q = {k: v.copy() for k, v in p.items()}
                q[name][i] += 1e-6
                hi, _ = parameters_loss(q, x64, t64)
                q[name][i] -= 2e-6
                lo, _ = parameters_loss(q, x64, t64)
                fd[i] = (hi - lo) / 2e-6
            np.testing.assert_allclose(grads[name + ".grad"], fd, rtol=1e-4,
                                       atol=1e-6, err_msg=name)
        m.train_step(x=x, t=t)
        after = m.state_dict()
        assert np.array_equal(after["fixed"], state["fixed"])
        np.testing.assert_allclose(
            after["scale"], state["scale"] - 0.1 * grads["scale.grad"],
            rtol=1e-5, atol=1e-7)
