#!/usr/bin/env python3
"""Compares a CPU and a CUDA build of one nnc model and times both.

Usage: gpu_check.py NAME CPU.so CUDA.so [--batch B] [--iters N]

Loads both model.so files through their C ABI (ctypes), creates instances
with the same seed, feeds the same random inputs (and class labels), and
checks that predict outputs, the training-step losses and the parameters
after a few training steps agree (rtol 1e-4, atol 1e-5). Then times predict
and train_step on both and, when PyTorch sees a CUDA device and the model is
a stack of dense layers, an equivalent PyTorch MLP. Prints one JSON line
per model (prefixed "RESULT ") and exits 1 when the results differ.
"""
import argparse, ctypes, json, sys, time

import numpy as np

F32, I32, I64 = 0, 1, 2
INPUT, LABEL, OUTPUT, PARAM, BUFFER, GRAD, STATE = range(7)
NP = {F32: np.float32, I32: np.int32, I64: np.int64}


class Info(ctypes.Structure):
    _fields_ = [("name", ctypes.c_char_p), ("dtype", ctypes.c_int),
                ("rank", ctypes.c_int32), ("dims", ctypes.c_int64 * 8),
                ("batch_axis", ctypes.c_int32), ("of", ctypes.c_int32),
                ("item_elements", ctypes.c_int64),
                ("item_bytes", ctypes.c_size_t)]


class Buf(ctypes.Structure):
    _fields_ = [("data", ctypes.c_void_p), ("size", ctypes.c_size_t)]


class Model:
    def __init__(self, path):
        self.lib = ctypes.CDLL(path, mode=ctypes.RTLD_LOCAL)
        L = self.lib
        L.nnc_status_message.restype = ctypes.c_char_p
        L.nnc_model_target.restype = ctypes.c_char_p
        L.nnc_model_default_learning_rate.restype = ctypes.c_float
        self.handle = ctypes.c_void_p()
        self.check(L.nnc_model_create(ctypes.c_uint64(42),
                                      ctypes.byref(self.handle)), "create")
        self.target = L.nnc_model_target().decode()

    def check(self, status, what):
        if status:
            msg = self.lib.nnc_status_message(ctypes.c_void_p(status)).decode()
            self.lib.nnc_status_free(ctypes.c_void_p(status))
            raise RuntimeError(f"{what}: {msg}")

    def infos(self, kind):
        out = []
        for i in range(self.lib.nnc_model_tensor_count(kind)):
            info = Info()
            self.check(self.lib.nnc_model_tensor_info(kind, i, ctypes.byref(info)), "info")
            out.append(info)
        return out

    def shape(self, info, batch):
        return [batch if d < 0 else d for d in info.dims[:info.rank]]

    def bufs(self, arrays, cls=Buf):
        arr = (cls * len(arrays))()
        for i, a in enumerate(arrays):
            arr[i].data = a.ctypes.data
            arr[i].size = a.nbytes
        return arr

    def predict(self, inputs, batch):
        outs = [np.zeros(self.shape(o, batch), NP[o.dtype]) for o in self.infos(OUTPUT)]
        self.check(self.lib.nnc_model_predict(
            self.handle, ctypes.c_int64(batch), self.bufs(inputs), len(inputs),
            self.bufs(outs), len(outs)), "predict")
        return outs

    def has_train(self):
        return self.lib.nnc_model_has_entry(1) == 1

    def train_step(self, inputs, labels, batch):
        loss = ctypes.c_float()
        lr = ctypes.c_float(self.lib.nnc_model_default_learning_rate())
        self.check(self.lib.nnc_model_train_step(
            self.handle, ctypes.c_int64(batch), self.bufs(inputs), len(inputs),
            self.bufs(labels), len(labels), lr, None, 0, ctypes.byref(loss)),
            "train_step")
        return loss.value

    def params(self):
        out = []
        for i, p in enumerate(self.infos(PARAM)):
            a = np.zeros(self.shape(p, 1), NP[p.dtype])
            self.check(self.lib.nnc_model_read_tensor(
                self.handle, PARAM, i, ctypes.c_void_p(a.ctypes.data),
                ctypes.c_size_t(a.nbytes)), "read_tensor")
            out.append((p.name.decode(), a))
        return out


def make_data(model, batch, rng):
    inputs = [rng.standard_normal(model.shape(i, batch)).astype(NP[i.dtype])
              for i in model.infos(INPUT)]
    classes = max(2, model.infos(OUTPUT)[0].dims[model.infos(OUTPUT)[0].rank - 1])
    labels = []
    for l in model.infos(LABEL):
        if l.dtype == F32:
            labels.append(rng.random(model.shape(l, batch)).astype(np.float32))
        else:
            labels.append(rng.integers(0, classes, model.shape(l, batch)).astype(NP[l.dtype]))
    return inputs, labels


def close(a, b):
    return np.allclose(a, b, rtol=1e-4, atol=1e-5)


def timeit(fn, iters):
    fn()  # warm-up (PTX JIT, allocations)
    t = time.perf_counter()
    for _ in range(iters):
        fn()
    return (time.perf_counter() - t) / iters


def torch_times(cpu, batch, iters):
    """Times an equivalent PyTorch MLP on CUDA when the model is dense-only."""
    try:
        import torch
    except ImportError:
        return {"torch": "not installed"}
    if not torch.cuda.is_available():
        return {"torch": "torch.cuda.is_available() is False"}
    ps = cpu.params()
    if len(ps) % 2 or any(a.ndim != (2 if k % 2 == 0 else 1) for k, (_, a) in enumerate(ps)):
        return {"torch": "not a dense stack; no PyTorch equivalent timed"}
    layers = []
    for k in range(0, len(ps), 2):
        w = ps[k][1]
        layers.append(torch.nn.Linear(w.shape[1], w.shape[0]))
        if k + 2 < len(ps):
            layers.append(torch.nn.ReLU())
    net = torch.nn.Sequential(*layers).cuda()
    x = torch.randn(batch, ps[0][1].shape[1], device="cuda")
    y = torch.randint(0, ps[-1][1].shape[0], (batch,), device="cuda")
    opt = torch.optim.SGD(net.parameters(), lr=0.01)

    def pred():
        with torch.no_grad():
            net(x)
        torch.cuda.synchronize()

    def step():
        opt.zero_grad()
        torch.nn.functional.cross_entropy(net(x), y).backward()
        opt.step()
        torch.cuda.synchronize()
    return {"torch_predict_s": timeit(pred, iters), "torch_train_step_s": timeit(step, iters)}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("name")
    ap.add_argument("cpu")
    ap.add_argument("cuda")
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--iters", type=int, default=20)
    args = ap.parse_args()
    rng = np.random.default_rng(0)
    cpu, gpu = Model(args.cpu), Model(args.cuda)
    assert gpu.target == "cuda" and cpu.target == "cpu", (cpu.target, gpu.target)
    res = {"model": args.name, "batch": args.batch, "ok": True, "checks": []}
    inputs, labels = make_data(cpu, args.batch, rng)
    init_ok = all(close(a, b) for (_, a), (_, b) in zip(cpu.params(), gpu.params()))
    res["checks"].append(("initial params equal", init_ok))
    pc, pg = cpu.predict(inputs, args.batch), gpu.predict(inputs, args.batch)
    pred_ok = all(close(a, b) for a, b in zip(pc, pg))
    res["checks"].append(("predict", pred_ok,
                          float(max(np.max(np.abs(a - b)) for a, b in zip(pc, pg)))))
    if cpu.has_train() and gpu.has_train():
        for step in range(3):
            lc = cpu.train_step(inputs, labels, args.batch)
            lg = gpu.train_step(inputs, labels, args.batch)
            res["checks"].append((f"train_step {step + 1} loss", close(lc, lg), lc, lg))
        res["checks"].append(("params after 3 steps", all(
            close(a, b) for (_, a), (_, b) in zip(cpu.params(), gpu.params()))))
    res["ok"] = all(c[1] for c in res["checks"])
    for m, tag in ((cpu, "cpu"), (gpu, "cuda")):
        res[f"{tag}_predict_s"] = timeit(lambda: m.predict(inputs, args.batch), args.iters)
        if m.has_train():
            res[f"{tag}_train_step_s"] = timeit(
                lambda: m.train_step(inputs, labels, args.batch), args.iters)
    res.update(torch_times(cpu, args.batch, args.iters))
    for k in ("predict", "train_step"):
        if f"cpu_{k}_s" in res and f"cuda_{k}_s" in res:
            res[f"speedup_{k}_cuda_over_cpu"] = res[f"cpu_{k}_s"] / res[f"cuda_{k}_s"]
        if f"torch_{k}_s" in res and f"cuda_{k}_s" in res:
            res[f"ratio_{k}_nnc_cuda_over_torch"] = res[f"cuda_{k}_s"] / res[f"torch_{k}_s"]
    print("RESULT " + json.dumps(res))
    return 0 if res["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
