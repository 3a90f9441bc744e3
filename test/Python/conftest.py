"""Fixtures of the Python package's tests (test/Python, run by python.test
under lit, or by hand: docs/python.md). The package comes from
$PYTHONPATH (python/ of the checkout), the nnc binary from $NNC_BINARY or
PATH, libnnc_runtime.so from $NNC_RUNTIME_LIB or beside the binary."""
import gzip
import os

import numpy as np
import pytest

import nnc

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
EXAMPLES = os.path.join(ROOT, "examples")


@pytest.fixture(scope="session")
def spiral_path():
    return os.path.join(EXAMPLES, "spiral.nn")


@pytest.fixture(scope="session")
def digits_rows():
    """The first 64 rows of the digits data: pixels scaled as the recipe
    scales them (0.0625) and class ids."""
    with gzip.open(os.path.join(EXAMPLES, "data", "digits.csv.gz"), "rt") as f:
        rows = np.array([[float(v) for v in line.split(",")]
                         for _, line in zip(range(64), f)])
    return (rows[:, :-1] * 0.0625).astype(np.float32), \
        rows[:, -1].astype(np.int32)


@pytest.fixture(scope="session")
def spiral_data():
    """64 points of a 3-arm spiral and their classes (NumPy's own)."""
    rng = np.random.default_rng(7)
    y = rng.integers(0, 3, 64)
    r = rng.uniform(0.05, 1.0, 64)
    t = 4 * r + 2 * np.pi * y / 3 + rng.normal(0, 0.1, 64)
    x = np.stack([r * np.sin(t), r * np.cos(t)], axis=1)
    return x.astype(np.float32), y.astype(np.int32)


def perturbed(model, seed=3):
    """The model's state with every bias made non-zero, so that a forward
    pass that dropped a bias would be caught."""
    rng = np.random.default_rng(seed)
    state = model.state_dict()
    return {k: (v + rng.uniform(-0.5, 0.5, v.shape).astype(np.float32)
                if k.endswith("bias") else v) for k, v in state.items()}
