"""Checks an nnc-bench run against PyTorch, then times PyTorch the same way.

Reads what `nnc-bench MODEL.so DIR` wrote (params.safetensors, input.*.npy,
label.*.npy, output.*.npy or losses.npy + after.safetensors, nnc.json),
loads the same weights into the PyTorch twin from torch_models.py, checks
that both agree (predict outputs within --rtol, default 1e-4; the losses of
the first K training steps and the parameters after them within 1e-3),
times PyTorch with the same batch, warm-up and iteration count on
--threads threads, and prints the time ratio. Exit status: 0 agreement,
1 numeric mismatch, 2 any other error.

Relative error of an element: |nnc - torch| / max(|torch|, 0.01 * max|torch|)
(a floor of 1% of the tensor's largest magnitude, so that elements near zero
do not dominate); a tensor's error is the largest over its elements.
"""
import argparse
import json
import os
import statistics
import struct
import sys
import time

import numpy as np
import torch

import torch_models

DTYPES = {"F32": torch.float32, "I32": torch.int32, "I64": torch.int64}


def read_safetensors(path):
    """Reads a safetensors file into {name: tensor} with json+struct."""
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n].decode("utf-8"))
    header.pop("__metadata__", None)
    data = raw[8 + n:]
    tensors = {}
    for name, t in header.items():
        begin, end = t["data_offsets"]
        buf = bytearray(data[begin:end])
        x = torch.frombuffer(buf, dtype=DTYPES[t["dtype"]]) if buf else \
            torch.empty(0, dtype=DTYPES[t["dtype"]])
        tensors[name] = x.reshape(t["shape"]).clone()
    return tensors


def fail(message):
    """Stops with exit status 2 (an error that is not a numeric mismatch)."""
    print(f"torch_bench: {message}", file=sys.stderr)
    sys.exit(2)


def model_tensors(tensors):
    """Parameters and buffers of a checkpoint (no optimizer state)."""
    return {k: v for k, v in tensors.items() if not k.startswith("optimizer.")}


def load_into(module, tensors):
    """Loads nnc's parameters and buffers; every name must match."""
    missing, unexpected = module.load_state_dict(model_tensors(tensors),
                                                 strict=False)
    missing = [k for k in missing if not k.endswith("num_batches_tracked")]
    if missing or unexpected:
        fail("checkpoint and PyTorch model differ: "
             f"missing {missing}, unexpected {unexpected}")


def rel_error(got, want):
    """The largest relative error of `got` against the reference `want`."""
    got, want = got.double(), want.double()
    if got.shape != want.shape:
        return float("inf")
    if want.numel() == 0:
        return 0.0
    floor = max(0.01 * want.abs().max().item(), 1e-30)
    return ((got - want).abs() / want.abs().clamp(min=floor)).max().item()


def check(what, pairs, rtol):
    """Compares (name, nnc, torch) triples; prints and returns agreement."""
    worst, worst_name = 0.0, ""
    for name, got, want in pairs:
        err = rel_error(got, want)
        if err > worst or not worst_name:
            worst, worst_name = err, name
    good = worst <= rtol
    print(f"  check {what}: max relative error {worst:.2e} ({worst_name}), "
          f"tolerance {rtol:g}: {'ok' if good else 'MISMATCH'}")
    return good


def time_calls(fn, warmup, iters):
    """Median and best wall time of `fn` in milliseconds."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(iters):
        start = time.perf_counter()
        fn()
        times.append(1e3 * (time.perf_counter() - start))
    return statistics.median(times), min(times)


def load_npy(directory, prefix, names):
    return [torch.from_numpy(np.load(os.path.join(directory,
                                                  f"{prefix}.{n}.npy")))
            for n in names]


def as_tuple(x):
    return x if isinstance(x, tuple) else (x,)


def predict(spec, run, args):
    module = spec.module()
    load_into(module, read_safetensors(os.path.join(args.dir,
                                                    "params.safetensors")))
    module.eval()
    inputs = load_npy(args.dir, "input", run["inputs"])
    wanted = load_npy(args.dir, "output", run["outputs"])
    with torch.no_grad():
        outputs = as_tuple(module(*inputs))
    good = check("predict outputs",
                 [(n, w, o) for n, w, o in zip(run["outputs"], wanted,
                                               outputs)], args.rtol)

    def call():
        with torch.no_grad():
            module(*inputs)
    return good, call


def train(spec, run, args):
    if abs(run["lr"] - spec.lr) > 1e-6 * spec.lr:
        fail(f"nnc trained with lr {run['lr']}, torch_models.py says "
             f"{spec.lr}")
    module = spec.module()
    load_into(module, read_safetensors(os.path.join(args.dir,
                                                    "params.safetensors")))
    module.train()
    optimizer = spec.optimizer(module.parameters(), spec.lr)
    inputs = load_npy(args.dir, "input", run["inputs"])
    labels = load_npy(args.dir, "label", run["labels"])
    nnc_losses = torch.from_numpy(np.load(os.path.join(args.dir,
                                                       "losses.npy")))

    def step():
        optimizer.zero_grad()
        loss = spec.loss(as_tuple(module(*inputs)), labels)
        loss.backward()
        optimizer.step()
        return loss.detach()

    losses = torch.stack([step() for _ in range(nnc_losses.numel())])
    print("  losses nnc   " + " ".join(f"{v:.6f}" for v in nnc_losses.tolist()))
    print("  losses torch " + " ".join(f"{v:.6f}" for v in losses.tolist()))
    after = model_tensors(read_safetensors(os.path.join(
        args.dir, "after.safetensors")))
    state = module.state_dict()
    good = check(f"losses of {nnc_losses.numel()} steps",
                 [("loss", nnc_losses, losses)], args.train_rtol)
    good = check(f"parameters after {nnc_losses.numel()} steps",
                 [(n, t, state[n]) for n, t in sorted(after.items())],
                 args.train_rtol) and good
    return good, step


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", required=True,
                        choices=sorted(torch_models.SPECS))
    parser.add_argument("--dir", required=True, help="nnc-bench's OUT_DIR")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--extra-threads", type=int, default=0,
                        help="also time PyTorch on this many threads")
    parser.add_argument("--rtol", type=float, default=1e-4)
    parser.add_argument("--train-rtol", type=float, default=1e-3)
    args = parser.parse_args()

    spec = torch_models.SPECS[args.model]
    with open(os.path.join(args.dir, "nnc.json")) as f:
        run = json.load(f)
    torch.manual_seed(0)
    torch.set_num_threads(args.threads)
    training = run["mode"] == "train_step"
    good, call = (train if training else predict)(spec, run, args)
    if not good:
        return 1
    median, best = time_calls(call, run["warmup"], run["iters"])
    extra = ""
    if args.extra_threads:
        torch.set_num_threads(args.extra_threads)
        m2, _ = time_calls(call, run["warmup"], run["iters"])
        extra = f"; torch on {args.extra_threads} threads {m2:.3f} ms"
    ratio = run["median_ms"] / median
    print(f"  RESULT {args.model} {run['mode']} batch {run['batch']}: "
          f"nnc {run['median_ms']:.3f} ms (best {run['best_ms']:.3f}), "
          f"torch {median:.3f} ms (best {best:.3f}) on {args.threads} "
          f"thread(s): nnc/torch = {ratio:.2f} "
          f"({'nnc faster' if ratio < 1 else 'nnc slower'}; medians of "
          f"{run['iters']} after {run['warmup']} warm-up){extra}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
