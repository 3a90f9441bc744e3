"""Run-time optimizer hyperparameters (docs/abi.md, "Hyperparameters"):
the compiled defaults are the train section's values, changing beta1
(Adam) or momentum (SGD) at run time changes the update exactly as
PyTorch's optimizer with those values would (checked against an f64 NumPy
re-implementation of torch.optim.Adam / SGD, 1e-6 relative), bad names and
values raise NncError with the library's message, and the learning rate is
a double that round-trips exactly."""
import numpy as np
import pytest

import nnc

LINEAR = """
model Lin {
  input  x: f32[N, 3]
  output y = x -> dense(2)
}

train Lin {
  target    t: f32[N, 2]
  loss      = mse(y, t)
  optimizer = %s
  batch     = 8
  epochs    = 1
}
"""

ADAM = "adam(lr = 0.01, beta1 = 0.85, beta2 = 0.995, eps = 1e-7)"
MOMENTUM = "momentum(lr = 0.05, beta = 0.9, weight_decay = 0.001)"


def compile_linear(optimizer, tmp_path, name):
    return nnc.compile(LINEAR % optimizer, out=str(tmp_path / f"{name}.so"))


def data(seed=0, n=8):
    rng = np.random.default_rng(seed)
    return (rng.normal(size=(n, 3)).astype(np.float32),
            rng.normal(size=(n, 2)).astype(np.float32))


def start(model, seed=1):
    """Parameters of magnitude 0.5..1 (random signs), so that a relative
    tolerance is meaningful for every element."""
    rng = np.random.default_rng(seed)
    state = {k: (rng.uniform(0.5, 1.0, v.shape)
                 * rng.choice([-1.0, 1.0], v.shape)).astype(np.float32)
             for k, v in model.state_dict().items()}
    model.load_state_dict(state)
    return {k: v.astype(np.float64) for k, v in state.items()}


def mse_grads(p, x, t):
    """d mean((x W^T + b - t)^2) / d (W, b), in f64."""
    x, t = x.astype(np.float64), t.astype(np.float64)
    d = 2 * (x @ p["fc1.weight"].T + p["fc1.bias"] - t) / t.size
    return {"fc1.weight": d.T @ x, "fc1.bias": d.sum(0)}


def reference_adam(p, batches, lr, beta1, beta2, eps, wd=0.0):
    """torch.optim.Adam (amsgrad off, L2 weight decay), step by step."""
    m = {k: np.zeros_like(v) for k, v in p.items()}
    v = {k: np.zeros_like(v) for k, v in p.items()}
    for step, (x, t) in enumerate(batches, 1):
        g = mse_grads(p, x, t)
        for k in p:
            d = g[k] + wd * p[k]
            m[k] = beta1 * m[k] + (1 - beta1) * d
            v[k] = beta2 * v[k] + (1 - beta2) * d * d
            bc1, bc2 = 1 - beta1 ** step, 1 - beta2 ** step
            p[k] = p[k] - lr / bc1 * m[k] / (np.sqrt(v[k]) / np.sqrt(bc2)
                                              + eps)
    return p


def reference_momentum(p, batches, lr, mu, wd, nesterov):
    """torch.optim.SGD(momentum=mu, dampening=0, weight_decay=wd)."""
    buf = {}
    for x, t in batches:
        g = mse_grads(p, x, t)
        for k in p:
            d = g[k] + wd * p[k]
            buf[k] = d if k not in buf else mu * buf[k] + d
            p[k] = p[k] - lr * (d + mu * buf[k] if nesterov else buf[k])
    return p


def assert_params(model, expected):
    got = model.state_dict()
    for k, v in expected.items():
        np.testing.assert_allclose(got[k], v, rtol=1e-6, atol=0, err_msg=k)


def test_defaults_are_the_recipe_values(tmp_path):
    adam = compile_linear(ADAM, tmp_path, "adam")
    expected = {"lr": 0.01, "beta1": 0.85, "beta2": 0.995, "eps": 1e-7,
                "weight_decay": 0.0}
    assert adam.default_hyperparameters == expected
    assert adam.hyperparameters == expected
    assert list(adam.hyperparameters) == list(expected)  # "lr" first
    sgd = compile_linear(MOMENTUM, tmp_path, "momentum")
    assert sgd.hyperparameters == {"lr": 0.05, "momentum": 0.9,
                                   "nesterov": 0.0, "weight_decay": 0.001}
    plain = compile_linear("sgd", tmp_path, "sgd")
    assert plain.hyperparameters == {"lr": 0.01, "weight_decay": 0.0}


def test_adam_beta1_at_run_time(tmp_path):
    model = compile_linear(ADAM, tmp_path, "adam")
    p = start(model)
    batches = [data(s) for s in range(4)]
    model.set_hyperparameter("beta1", 0.8)
    model.set_hyperparameter("eps", 1e-6)
    assert model.hyperparameters["beta1"] == 0.8
    for x, t in batches:
        model.train_step(x=x, t=t)
    assert_params(model, reference_adam(p, batches, 0.01, 0.8, 0.995, 1e-6))
    # The compiled value would have given another result.
    other = reference_adam(start(model), batches, 0.01, 0.85, 0.995, 1e-7)
    assert not np.allclose(model.state_dict()["fc1.weight"],
                           other["fc1.weight"], rtol=1e-5, atol=0)


def test_momentum_at_run_time(tmp_path):
    model = compile_linear(MOMENTUM, tmp_path, "momentum")
    p = start(model)
    batches = [data(s) for s in range(4)]
    model.set_hyperparameter("momentum", 0.5)
    for x, t in batches[:2]:
        model.train_step(x=x, t=t)
    # Nesterov and a new weight decay from the third step on: the buffer
    # carries over, as in PyTorch when a param_group is edited.
    model.set_hyperparameter("nesterov", 1)
    model.set_hyperparameter("weight_decay", 0.01)
    for x, t in batches[2:]:
        model.train_step(x=x, t=t)
    assert_params(model, reference_momentum_continue(p, batches, 0.05, 0.5))


def reference_momentum_continue(p, batches, lr, mu):
    """Steps 1-2 plain (wd 0.001), steps 3-4 Nesterov (wd 0.01), one
    buffer throughout."""
    buf = {}
    for i, (x, t) in enumerate(batches):
        wd, nesterov = (0.001, False) if i < 2 else (0.01, True)
        g = mse_grads(p, x, t)
        for k in p:
            d = g[k] + wd * p[k]
            buf[k] = d if k not in buf else mu * buf[k] + d
            p[k] = p[k] - lr * (d + mu * buf[k] if nesterov else buf[k])
    return p


def test_apply_gradients_uses_the_instance_values(tmp_path):
    model = compile_linear(MOMENTUM, tmp_path, "momentum")
    p = start(model)
    batches = [data(s) for s in range(3)]
    model.set_hyperparameter("momentum", 0.3)
    model.set_hyperparameter("lr", 0.02)
    for x, t in batches:
        model.gradients(x=x, t=t)
        model.apply_gradients()
    assert_params(model, reference_momentum(p, batches, 0.02, 0.3, 0.001,
                                            False))


def test_learning_rate_is_a_double(tmp_path):
    model = compile_linear(ADAM, tmp_path, "adam")
    for lr in (0.1, 1e-3 + 1e-12, 3.0000000000000004):
        model.set_hyperparameter("lr", lr)
        assert model.hyperparameters["lr"] == lr      # exactly, not f32
    assert np.float32(0.1) != 0.1
    # A per-call lr leaves the instance's as it was.
    model.set_hyperparameter("lr", 0.1)
    x, t = data()
    model.train_step(x=x, t=t, lr=0.25)
    assert model.hyperparameters["lr"] == 0.1


def test_bad_names_and_values(tmp_path):
    model = compile_linear(ADAM, tmp_path, "adam")
    with pytest.raises(nnc.NncError) as e:
        model.set_hyperparameter("momentum", 0.5)
    assert e.value.code == "NOT_FOUND"
    assert e.value.message == (
        "nnc_model_set_hyperparameter: 'momentum' is not a hyperparameter of "
        "model 'Lin' (optimizer adam: lr, beta1, beta2, eps, weight_decay)")
    cases = [("beta1", 1.0, "[0, 1)", "1"), ("beta2", -0.1, "[0, 1)", "-0.10000000000000001"),
             ("eps", 0.0, "(0, inf)", "0"), ("eps", float("nan"), "(0, inf)", "nan"),
             ("lr", float("inf"), "[0, inf)", "inf"),
             ("weight_decay", -1.0, "[0, inf)", "-1")]
    for name, value, range_, shown in cases:
        with pytest.raises(nnc.NncError) as e:
            model.set_hyperparameter(name, value)
        assert e.value.code == "INVALID_ARGUMENT"
        assert e.value.message == (
            f"nnc_model_set_hyperparameter: '{name}': expected a finite value "
            f"in {range_}, got {shown}")
    # Nothing changed.
    assert model.hyperparameters == model.default_hyperparameters
    sgd = compile_linear(MOMENTUM, tmp_path, "momentum")
    with pytest.raises(nnc.NncError, match=r"'nesterov': expected a finite "
                       r"value in \{0, 1\}, got 0.5"):
        sgd.set_hyperparameter("nesterov", 0.5)
