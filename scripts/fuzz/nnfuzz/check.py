"""One fuzz case: compile the description with nnc, run it through the C
ABI, run the PyTorch twin, compare, and classify the outcome.

Outcomes: `pass`; `refused` (nnc rejected a model that moves the batch
axis with a located `file:line:col: error:` and exit status 1, which the
language allows); or a failure: `compile-crash` (a signal, an exit status
other than 0/1, LLVM ERROR, an assertion, an unlocated error),
`internal-error` (a located error that is a compiler bug: a lowered
dialect's verifier, a dynamic size printed as a number), `refused-valid`
(a located refusal of a model that keeps N first),
`accepted-invalid` (a model with a parameter sized by N compiled: the
only right answer is a refusal), `run-crash` (the model.so process died), `abi-error` (a status from an ABI
call, a canary overwritten, an input written), `mismatch` (a value outside
the tolerances below), `fuzzer-error` (a bug of the fuzzer itself).

Tolerances (f32 results against the float64 twin), per element, with
scale = max(1, max |reference| over the tensor):
  predict and train-mode outputs, gradients, batchnorm running statistics:
      |nnc - ref| <= 1e-5 * scale + 1e-3 * |ref|   (rtol/atol of the
      finite-difference checks in test/unit/Gradients/GradCheck.cpp)
  losses: |nnc - ref| <= 1e-4 * (1 + |ref|)        (GradCheck's loss check)
  parameters and optimizer state after one step: |nnc - ref| <=
      1e-5 * scale + 1e-5 * |ref|                   (OptimizerTests.cpp),
  where the reference step is PyTorch's optimizer (and clip_grad_norm_)
  applied to nnc's initial parameters and nnc's own gradients (already
  compared above), so that an element whose gradient is rounding noise
  cannot flip the sign of an Adam step.
Ill-conditioned values (a batchnorm over rows that differ by rounding
only; an RMSprop or Adam step where the gradient nearly cancels the weight
decay, so that d / (sqrt(v) + eps) turns on rounding) are not errors of
nnc: the twin (and the reference step) also run in float32, and each bound
above is widened by NOISE * |torch_f32 - torch_f64| for that element.
"""
import os
import re
import subprocess
import tempfile
import time

import numpy as np
import torch

from . import abi, twin
from .model import concrete, infer, loss_target_decls, to_nn, \
    uses_batch_moving

CRASH_MARKERS = ("LLVM ERROR", "Assertion", "Please report", "Stack dump",
                 "PLEASE submit", "Segmentation fault")
LOCATED_ERROR = re.compile(r"^[^\s:]+:\d+:\d+: error: ", re.M)
# A located error that is really a compiler bug: a verifier of a lowered
# dialect complaining about IR nnc built, or a dynamic size printed as an
# integer.
INTERNAL_ERROR = re.compile(
    r"'(tensor|linalg|memref|arith|scf|llvm|func|affine|vector|"
    r"bufferization|math|cf)\.\w+' op|-9223372036854775808|"
    r"failed to legalize|unrealized_conversion_cast")

TOL_VALUES = (1e-3, 1e-5)   # (rtol, atol) for outputs, gradients, buffers
TOL_LOSS = (1e-4, 1e-4)
TOL_STEP = (1e-5, 1e-5)
NOISE = 10.0


class Outcome:
    def __init__(self, verdict, kind="", detail="", nn_text=""):
        self.verdict = verdict  # pass | refused | fail
        self.kind = kind
        self.detail = detail
        self.nn_text = nn_text
        self.seconds = 0.0

    def failed(self):
        return self.verdict == "fail"


def second_batch(desc):
    """The batch of the second predict call (differs from the first)."""
    return desc["batch"] % 5 + 1 if desc["batch"] != 1 else 3


def make_data(desc, batch=None, salt=0):
    """Inputs and labels (NumPy, C order) drawn from the description's seed
    (and `salt`, for the second predict's inputs)."""
    rng = np.random.default_rng([desc["seed"], salt] if salt else
                                desc["seed"])
    b = batch or desc["batch"]
    inputs = []
    for i in desc["inputs"]:
        shape = concrete(i["shape"], b)
        if i["dtype"] == "i32":
            inputs.append(rng.integers(0, i["vocab"], shape).astype(np.int32))
        else:
            inputs.append(rng.uniform(-1, 1, shape).astype(np.float32))
    shapes = infer(desc)
    labels = {}
    kinds = {t["target"]: t for t in desc["losses"]}
    for name, dtype, shape in loss_target_decls(desc):
        term = kinds[name]
        s = concrete(shape, b)
        if dtype == "i32":
            c = shapes[desc["outputs"][term["out"]]][1]
            labels[name] = rng.integers(0, c, s).astype(np.int32)
        elif term["kind"] in ("bce", "bce_logits"):
            labels[name] = rng.uniform(0, 1, s).astype(np.float32)
        elif term["kind"] == "perceptron":
            labels[name] = rng.integers(0, 2, s).astype(np.float32)
        elif term["kind"] == "cross_entropy":
            z = np.exp(rng.normal(size=s))
            labels[name] = (z / z.sum(axis=1, keepdims=True)).astype(np.float32)
        else:
            labels[name] = rng.normal(size=s).astype(np.float32)
    return inputs, labels


def compile_model(nnc, desc, nn_path, so_path, timeout):
    """Runs nnc; returns None on success, else an Outcome."""
    cmd = [nnc, nn_path, "-o", so_path, f"-O{desc['opt']}"]
    try:
        p = subprocess.run(cmd, capture_output=True, text=True,
                           timeout=timeout)
    except subprocess.TimeoutExpired:
        return Outcome("fail", "compile-crash", f"nnc timed out ({timeout} s)")
    err = p.stderr.strip()
    if p.returncode == 0 and not any(m in err for m in CRASH_MARKERS):
        return None
    if p.returncode == 1 and LOCATED_ERROR.search(err) and \
            not any(m in err for m in CRASH_MARKERS):
        msg = LOCATED_ERROR.search(err)
        line = err[msg.start():].splitlines()[0]
        if INTERNAL_ERROR.search(err):
            return Outcome("fail", "internal-error", line)
        if uses_batch_moving(desc):
            return Outcome("refused", "refused", line)
        return Outcome("fail", "refused-valid", line)
    return Outcome("fail", "compile-crash",
                   f"nnc exit status {p.returncode}: "
                   + " | ".join(err.splitlines()[:6]))


def worst(got, ref, tol, ref32=None):
    """(ok, message) for one tensor against its reference."""
    rtol, atol = tol
    got = np.asarray(got, dtype=np.float64)
    ref = np.asarray(ref, dtype=np.float64)
    noise = 0.0 if ref32 is None else \
        np.abs(np.asarray(ref32, dtype=np.float64) - ref)
    if got.shape != ref.shape:
        return False, f"shape {list(got.shape)}, expected {list(ref.shape)}"
    if ref.size == 0:
        return True, ""
    scale = max(1.0, float(np.abs(ref).max()))
    bound = atol * scale + rtol * np.abs(ref) + NOISE * noise
    diff = np.abs(got - ref)
    bad = ~(diff <= bound)  # NaN counts as bad
    if not bad.any():
        return True, ""
    i = np.unravel_index(np.argmax(np.where(bad, diff - bound, -1) if
                                   not np.isnan(diff).any() else
                                   np.isnan(diff)), ref.shape)
    return False, (f"{int(bad.sum())}/{ref.size} elements off, e.g. at "
                   f"{list(map(int, i))}: nnc {got[i]:.7g}, torch {ref[i]:.7g}")


def compare(desc, res, ref, ref32):
    """Mismatch messages (empty when everything agrees)."""
    bad = []

    def check(what, got, want, tol, want32=None):
        ok, msg = worst(got, want, tol, want32)
        if not ok:
            bad.append(f"{what}: {msg}")

    b = desc["batch"]
    shapes = infer(desc)
    for i, info in enumerate(res["info"][abi.OUTPUT]):
        want = concrete(shapes[desc["outputs"][i]], b)
        dims = [b if d == -1 else d for d in info["dims"]]
        if dims != want:
            bad.append(f"descriptor of output {info['name']}: {info['dims']}"
                       f" (batch {b}: {dims}), expected {want}")
    if bad:
        return bad
    for j, got in enumerate(res["predict"]):
        check(f"predict o{j}", got, ref["predict"][j], TOL_VALUES,
              ref32["predict"][j])
    for j, got in enumerate(res["predict2"]):
        check(f"predict o{j} (batch {second_batch(desc)})", got,
              ref["predict2"][j], TOL_VALUES, ref32["predict2"][j])
    for j, got in enumerate(res["train_outputs"]):
        check(f"train-mode output o{j}", got, ref["train_outputs"][j],
              TOL_VALUES, ref32["train_outputs"][j])
    check("loss", res["loss"], ref["loss"], TOL_LOSS, ref32["loss"])
    for name, want in ref["grads"].items():
        if name not in res["grads"]:
            bad.append(f"gradient {name}: missing")
            continue
        check(f"gradient {name}", res["grads"][name], want, TOL_VALUES,
              ref32["grads"][name])
    for name, want in ref["buffers"].items():
        check(f"buffer {name} after the forward", res["buffers_after"][name],
              want, TOL_VALUES, ref32["buffers"][name])
    check("train_step loss", res["step_loss"], ref["loss"], TOL_LOSS,
          ref32["loss"])
    after, state = twin.optimizer_step(desc, res["params"], res["grads"])
    after32, state32 = twin.optimizer_step(desc, res["params"], res["grads"],
                                           torch.float32)
    for name, want in after.items():
        check(f"{name} after apply_gradients", res["apply_params"][name],
              want, TOL_STEP, after32[name])
        check(f"{name} after train_step", res["step_params"][name], want,
              TOL_STEP, after32[name])
    for name, want in state.items():
        for where in ("apply_state", "step_state"):
            if name not in res[where]:
                bad.append(f"optimizer state {name}: missing")
                break
            check(f"{name} ({where.split('_')[0]})", res[where][name], want,
                  TOL_STEP, state32[name])
    for name, want in ref["buffers"].items():
        check(f"buffer {name} after train_step", res["step_buffers"][name],
              want, TOL_VALUES, ref32["buffers"][name])
    return bad


def run_case(desc, nnc, workdir=None, compile_timeout=300):
    """Compiles, runs and compares one description; returns an Outcome."""
    start = time.time()
    nn_text = to_nn(desc)
    with tempfile.TemporaryDirectory(prefix="nnfuzz-", dir=workdir) as tmp:
        nn_path = os.path.join(tmp, "fuzz.nn")
        so_path = os.path.join(tmp, "fuzz.so")
        with open(nn_path, "w") as f:
            f.write(nn_text)
        out = compile_model(nnc, desc, nn_path, so_path, compile_timeout)
        if out is None and desc.get("invalid"):
            out = Outcome("fail", "accepted-invalid",
                          "nnc compiled a model whose parameter is sized "
                          "by the batch N (expected a located error)")
        elif out is None:
            out = run_compiled(desc, so_path)
    out.nn_text = nn_text
    out.seconds = time.time() - start
    return out


def run_compiled(desc, so_path):
    inputs, labels = make_data(desc)
    label_list = [labels[name] for name, _, _ in loss_target_decls(desc)]
    b2 = second_batch(desc)
    inputs2, _ = make_data(desc, b2, salt=1)
    status, res = abi.run_model(so_path, desc["seed"], desc["batch"], inputs,
                                label_list, (b2, inputs2))
    if status == "crash":
        return Outcome("fail", "run-crash", res)
    if status == "error":
        return Outcome("fail", "abi-error", res)
    if status != "ok":
        return Outcome("fail", "fuzzer-error", res)
    try:
        params = {**res["params"], **res["buffers"]}
        ref = twin.reference(desc, params, inputs, labels)
        ref32 = twin.reference(desc, params, inputs, labels, torch.float32)
        d2 = dict(desc, batch=b2)
        ref["predict2"] = twin.predict(d2, params, inputs2)
        ref32["predict2"] = twin.predict(d2, params, inputs2, torch.float32)
        bad = compare(desc, res, ref, ref32)
    except Exception as e:  # noqa: BLE001 - a fuzzer bug, reported
        return Outcome("fail", "fuzzer-error", f"{type(e).__name__}: {e}")
    if bad:
        return Outcome("fail", "mismatch", "; ".join(bad[:4]) +
                       (f" (+{len(bad) - 4} more)" if len(bad) > 4 else ""))
    return Outcome("pass")
