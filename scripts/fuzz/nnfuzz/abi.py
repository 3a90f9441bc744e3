"""Runs a compiled model.so through its C ABI (include/nnc-c/model.h) with
ctypes, in a forked child so that a fault in a kernel is reported as a
crash instead of killing the fuzzer.

`run_model` creates two instances from the same seed, writes the same
perturbed parameters and buffers into both (biases, norm scales and
running statistics made non-trivial) and returns (as NumPy arrays): the
descriptor, those parameters and buffers,
predict's outputs, compute_gradients' loss, gradients, buffers and train
outputs, the parameters and optimizer state after apply_gradients, and
after one train_step on the second instance. Every output buffer is
followed by a canary that must survive the call, and inputs and labels
must come back unchanged (kernels never write them).
"""
import ctypes
import os
import pickle
import signal
import struct

import numpy as np

INPUT, LABEL, OUTPUT, PARAM, BUFFER, GRAD, STATE = range(7)
DTYPES = {0: np.float32, 1: np.int32, 2: np.int64}
CANARY = 64  # guard elements after each output buffer


class Info(ctypes.Structure):
    _fields_ = [("name", ctypes.c_char_p), ("dtype", ctypes.c_int),
                ("rank", ctypes.c_int32), ("dims", ctypes.c_int64 * 8),
                ("batch_axis", ctypes.c_int32), ("of", ctypes.c_int32),
                ("item_elements", ctypes.c_int64),
                ("item_bytes", ctypes.c_size_t)]


class Buf(ctypes.Structure):
    _fields_ = [("data", ctypes.c_void_p), ("size", ctypes.c_size_t)]


class AbiError(Exception):
    pass


class Model:
    def __init__(self, path):
        self.lib = lib = ctypes.CDLL(os.path.abspath(path))
        lib.nnc_status_message.restype = ctypes.c_char_p
        lib.nnc_status_message.argtypes = [ctypes.c_void_p]
        lib.nnc_status_code.argtypes = [ctypes.c_void_p]
        lib.nnc_status_free.argtypes = [ctypes.c_void_p]
        for f in ("nnc_model_create", "nnc_model_tensor_info",
                  "nnc_model_predict", "nnc_model_train_step",
                  "nnc_model_compute_gradients", "nnc_model_apply_gradients",
                  "nnc_model_read_tensor", "nnc_model_write_tensor",
                  "nnc_model_tensor_byte_size"):
            getattr(lib, f).restype = ctypes.c_void_p
        lib.nnc_model_create.argtypes = [ctypes.c_uint64, ctypes.c_void_p]
        lib.nnc_model_destroy.argtypes = [ctypes.c_void_p]
        lib.nnc_model_default_learning_rate.restype = ctypes.c_float
        lib.nnc_model_apply_gradients.argtypes = [ctypes.c_void_p,
                                                  ctypes.c_float]
        lib.nnc_model_read_tensor.argtypes = [ctypes.c_void_p, ctypes.c_int,
                                              ctypes.c_int32, ctypes.c_void_p,
                                              ctypes.c_size_t]
        lib.nnc_model_write_tensor.argtypes = lib.nnc_model_read_tensor.argtypes
        lib.nnc_model_tensor_byte_size.argtypes = [
            ctypes.c_int, ctypes.c_int32, ctypes.c_int64,
            ctypes.POINTER(ctypes.c_size_t)]
        self.info = {k: [self.tensor_info(k, i)
                         for i in range(lib.nnc_model_tensor_count(k))]
                     for k in range(7)}

    def check(self, status, what):
        if status:
            msg = self.lib.nnc_status_message(status).decode()
            self.lib.nnc_status_free(status)
            raise AbiError(f"{what}: {msg}")

    def tensor_info(self, kind, i):
        info = Info()
        self.check(self.lib.nnc_model_tensor_info(kind, i, ctypes.byref(info)),
                   "tensor_info")
        return {"name": info.name.decode(), "dtype": info.dtype,
                "dims": list(info.dims[:info.rank]),
                "batch_axis": info.batch_axis, "of": info.of}

    def byte_size(self, kind, i, batch):
        size = ctypes.c_size_t()
        self.check(self.lib.nnc_model_tensor_byte_size(kind, i, batch,
                                                       ctypes.byref(size)),
                   "tensor_byte_size")
        return size.value

    def create(self, seed):
        handle = ctypes.c_void_p()
        self.check(self.lib.nnc_model_create(ctypes.c_uint64(seed),
                                             ctypes.byref(handle)), "create")
        return handle

    def read_all(self, handle, kind):
        out = {}
        for i, info in enumerate(self.info[kind]):
            shape = info["dims"]
            arr = np.zeros(shape, dtype=DTYPES[info["dtype"]])
            self.check(self.lib.nnc_model_read_tensor(
                handle, kind, i, arr.ctypes.data, arr.nbytes),
                f"read_tensor({info['name']})")
            name = info["name"]
            if kind == GRAD:  # "fc1.weight.grad": keyed by its parameter
                name = self.info[PARAM][info["of"]]["name"]
            out[name] = arr
        return out


    def write_all(self, handle, kind, values):
        for i, info in enumerate(self.info[kind]):
            arr = np.ascontiguousarray(values[info["name"]])
            self.check(self.lib.nnc_model_write_tensor(
                handle, kind, i, arr.ctypes.data, arr.nbytes),
                f"write_tensor({info['name']})")


def perturb(params, buffers, seed):
    """Parameters and buffers that exercise every term: nnc starts biases
    at zero, norm scales at one and running statistics at 0 and 1, which
    would hide a forward pass that drops or misplaces them."""
    rng = np.random.default_rng(seed)
    p2, b2 = {}, {}
    for name, v in params.items():
        if name.endswith("bias") or "bias_" in name:
            v = v + rng.uniform(-0.5, 0.5, v.shape)
        elif v.ndim == 1 and name.endswith("weight"):  # norm scales
            v = v * rng.uniform(0.5, 1.5, v.shape)
        p2[name] = v.astype(np.float32)
    for name, v in buffers.items():
        if name.endswith("running_mean"):
            v = rng.uniform(-0.5, 0.5, v.shape)
        elif name.endswith("running_var"):
            v = rng.uniform(0.5, 2.0, v.shape)
        b2[name] = v.astype(np.float32)
    return p2, b2


def out_buffers(model, batch):
    """Output arrays with a canary tail, and the Buf array over them."""
    arrays = []
    for i, info in enumerate(model.info[OUTPUT]):
        size = model.byte_size(OUTPUT, i, batch)
        n = size // 4
        a = np.full(n + CANARY, np.nan, dtype=np.float32)
        a.view(np.uint32)[n:] = 0x7FC0DEAD
        arrays.append((a, n, size))
    bufs = (Buf * max(1, len(arrays)))()
    for j, (a, n, size) in enumerate(arrays):
        bufs[j] = Buf(a.ctypes.data, size)
    return arrays, bufs


def take_outputs(model, arrays, batch, what):
    outs = []
    for (a, n, _), info in zip(arrays, model.info[OUTPUT]):
        if not (a.view(np.uint32)[n:] == 0x7FC0DEAD).all():
            raise AbiError(f"{what}: wrote past the end of output "
                           f"'{info['name']}' ({n} elements)")
        dims = [batch if d == -1 else d for d in info["dims"]]
        outs.append(a[:n].reshape(dims).copy())
    return outs


def const_buffers(arrays):
    bufs = (Buf * max(1, len(arrays)))()
    for j, a in enumerate(arrays):
        bufs[j] = Buf(a.ctypes.data, a.nbytes)
    return bufs


def run_in_child(path, seed, batch, inputs, labels, second):
    """The whole ABI session; returns a dict of results."""
    m = Model(path)
    res = {"info": m.info, "lr": m.lib.nnc_model_default_learning_rate()}
    saved = [a.copy() for a in inputs + labels]
    ins, labs = const_buffers(inputs), const_buffers(labels)
    a = m.create(seed)
    res["params"], res["buffers"] = perturb(m.read_all(a, PARAM),
                                            m.read_all(a, BUFFER), seed)
    m.write_all(a, PARAM, res["params"])
    m.write_all(a, BUFFER, res["buffers"])
    arrays, outs = out_buffers(m, batch)
    m.check(m.lib.nnc_model_predict(a, ctypes.c_int64(batch), ins,
                                    len(inputs), outs, len(arrays)),
            "predict")
    res["predict"] = take_outputs(m, arrays, batch, "predict")
    b2, inputs2 = second  # another batch size on the same instance
    arrays, outs = out_buffers(m, b2)
    m.check(m.lib.nnc_model_predict(a, ctypes.c_int64(b2),
                                    const_buffers(inputs2), len(inputs2),
                                    outs, len(arrays)), "predict")
    res["predict2"] = take_outputs(m, arrays, b2, "predict")
    arrays, outs = out_buffers(m, batch)
    loss = ctypes.c_float()
    m.check(m.lib.nnc_model_compute_gradients(
        a, ctypes.c_int64(batch), ins, len(inputs), labs, len(labels), outs,
        len(arrays), ctypes.byref(loss)), "compute_gradients")
    res["train_outputs"] = take_outputs(m, arrays, batch, "compute_gradients")
    res["loss"] = loss.value
    res["grads"] = m.read_all(a, GRAD)
    res["buffers_after"] = m.read_all(a, BUFFER)
    m.check(m.lib.nnc_model_apply_gradients(a, res["lr"]), "apply_gradients")
    res["apply_params"] = m.read_all(a, PARAM)
    res["apply_state"] = m.read_all(a, STATE)
    m.lib.nnc_model_destroy(a)
    b = m.create(seed)
    m.write_all(b, PARAM, res["params"])
    m.write_all(b, BUFFER, res["buffers"])
    loss2 = ctypes.c_float()
    m.check(m.lib.nnc_model_train_step(
        b, ctypes.c_int64(batch), ins, len(inputs), labs, len(labels),
        ctypes.c_float(res["lr"]), None, 0, ctypes.byref(loss2)),
        "train_step")
    res["step_loss"] = loss2.value
    res["step_params"] = m.read_all(b, PARAM)
    res["step_state"] = m.read_all(b, STATE)
    res["step_buffers"] = m.read_all(b, BUFFER)
    m.lib.nnc_model_destroy(b)
    for before, after in zip(saved, inputs + labels):
        if not np.array_equal(before, after):
            raise AbiError("an input or label buffer was written")
    return res


def run_model(path, seed, batch, inputs, labels, second, timeout=120):
    """Runs run_in_child in a fork. Returns ("ok", results),
    ("error", message) for an ABI status or a canary, or ("crash", what)."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        try:
            try:
                payload = ("ok", run_in_child(path, seed, batch, inputs,
                                              labels, second))
            except AbiError as e:
                payload = ("error", str(e))
            except Exception as e:  # a bug of the fuzzer, reported as such
                payload = ("fuzzer-error", f"{type(e).__name__}: {e}")
            data = pickle.dumps(payload)
            with os.fdopen(w, "wb") as f:
                f.write(struct.pack("<Q", len(data)))
                f.write(data)
        finally:
            os._exit(0)
    os.close(w)
    signal.signal(signal.SIGALRM, lambda *a: os.kill(pid, signal.SIGKILL))
    signal.alarm(timeout)
    with os.fdopen(r, "rb") as f:
        data = f.read()
    _, status = os.waitpid(pid, 0)
    signal.alarm(0)
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        what = "timeout" if sig == signal.SIGKILL else signal.Signals(sig).name
        return "crash", f"model.so process died: {what}"
    if len(data) < 8:
        return "crash", "model.so process exited without results"
    return pickle.loads(data[8:])
