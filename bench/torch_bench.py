"""Checks an nnc-bench run against PyTorch, then times PyTorch the same way.

Reads what `nnc-bench MODEL.so DIR` wrote (params.safetensors, input.*.npy,
label.*.npy, output.*.npy or losses.npy + after.safetensors, nnc.json),
loads the same weights into the PyTorch twin from torch_models.py, checks
that both agree (predict outputs within --rtol, default 1e-4; the losses of
the first K training steps and the parameters after them within 1e-3),
times PyTorch with the same batch, warm-up and iteration count on
--threads threads, and prints the time ratio (of the medians and of the
best times). Writes DIR/torch.json: PyTorch's times and the FLOPs of one
call counted by flops.py (`flops`: predict or training step, `flop_kinds`:
the layer kinds counted). Exit status: 0 agreement, 1 numeric mismatch,
2 any other error.

Errors printed (the largest over the tensors compared):
- predict outputs: max|nnc - torch| / max|torch| per tensor (relative to the
  tensor's largest magnitude, so that elements near zero do not dominate);
- losses: |nnc - torch| / |torch| per step;
- parameters after K steps: ||d_nnc - d_torch|| / ||d_torch|| per tensor,
  where d = after - before is the update (2-norms). This is sharper than
  comparing the parameters themselves (an update is ~1e-3 of a weight), and
  robust to the few elements whose gradient is at rounding-noise level,
  which Adam scales up to a full step of either sign. Slices whose gradient
  is exactly zero in exact arithmetic (torch_models.Spec.degenerate) are
  left out and named.
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

import flops
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


def max_error(got, want):
    """max|got - want| / max|want| (0 when both are zero)."""
    got, want = got.double(), want.double()
    if got.shape != want.shape:
        return float("inf")
    diff = (got - want).abs().max().item() if want.numel() else 0.0
    scale = want.abs().max().item() if want.numel() else 0.0
    return diff / scale if scale else (0.0 if diff == 0 else float("inf"))


def elementwise_error(got, want):
    """max |got - want| / |want| over the elements."""
    got, want = got.double(), want.double()
    if got.shape != want.shape:
        return float("inf")
    return ((got - want).abs() / want.abs().clamp(min=1e-30)).max().item()


def update_error(got, want):
    """||got - want|| / ||want|| for two updates (0 when both are zero)."""
    got, want = got.double(), want.double()
    if got.shape != want.shape:
        return float("inf")
    diff, scale = (got - want).norm().item(), want.norm().item()
    return diff / scale if scale else (0.0 if diff == 0 else float("inf"))


def check(what, pairs, rtol, error):
    """Compares (name, nnc, torch) triples with `error`; prints and returns
    agreement."""
    worst, worst_name = 0.0, ""
    for name, got, want in pairs:
        err = error(got, want)
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
                                               outputs)], args.rtol, max_error)

    def call():
        with torch.no_grad():
            module(*inputs)
    return good, call, module, inputs


def train(spec, run, args):
    if not spec.train_checkable:
        fail(f"{spec.nn_file} trains with dropout, whose masks PyTorch "
             "cannot reproduce: its training step is not compared")
    if abs(run["lr"] - spec.lr) > 1e-6 * spec.lr:
        fail(f"nnc trained with lr {run['lr']}, torch_models.py says "
             f"{spec.lr}")
    module = spec.module()
    load_into(module, read_safetensors(os.path.join(args.dir,
                                                    "params.safetensors")))
    before = model_tensors(module.state_dict())
    before = {k: v.clone() for k, v in before.items()}
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
        torch_models.clip(spec, module)
        optimizer.step()
        return loss.detach()

    losses = torch.stack([step() for _ in range(nnc_losses.numel())])
    print("  losses nnc   " + " ".join(f"{v:.6f}" for v in nnc_losses.tolist()))
    print("  losses torch " + " ".join(f"{v:.6f}" for v in losses.tolist()))
    after = model_tensors(read_safetensors(os.path.join(
        args.dir, "after.safetensors")))
    state = module.state_dict()
    good = check(f"losses of {nnc_losses.numel()} steps",
                 [("loss", nnc_losses, losses)], args.train_rtol,
                 elementwise_error)
    pairs = []
    for name, nnc_after in sorted(after.items()):
        if name not in state:
            fail(f"nnc's checkpoint has '{name}', PyTorch's model has not")
        got, want = nnc_after - before[name], state[name] - before[name]
        if name in spec.degenerate:
            keep = torch.ones(got.shape[0], dtype=torch.bool)
            keep[spec.degenerate[name]] = False
            got, want = got[keep], want[keep]
            print(f"  (not checked: {name}[{spec.degenerate[name].start}:"
                  f"{spec.degenerate[name].stop}], zero gradient in exact "
                  "arithmetic)")
        pairs.append((name, got, want))
    good = check(f"parameter updates after {nnc_losses.numel()} steps",
                 pairs, args.train_rtol, update_error) and good
    return good, step, module, inputs


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
    good, call, module, inputs = (train if training else predict)(spec, run,
                                                                  args)
    if not good:
        return 1
    median, best = time_calls(call, run["warmup"], run["iters"])
    forward, step, kinds = flops.count(module, inputs)
    with open(os.path.join(args.dir, "torch.json"), "w") as f:
        json.dump({"median_ms": median, "best_ms": best,
                   "threads": args.threads,
                   "flops": step if training else forward,
                   "flop_kinds": kinds}, f)
        f.write("\n")
    extra = ""
    if args.extra_threads:
        torch.set_num_threads(args.extra_threads)
        m2, _ = time_calls(call, run["warmup"], run["iters"])
        extra = f"; torch on {args.extra_threads} threads {m2:.3f} ms"
    ratio = run["median_ms"] / median
    print(f"  RESULT {args.model} {run['mode']} batch {run['batch']}: "
          f"nnc {run['median_ms']:.3f} ms (best {run['best_ms']:.3f}), "
          f"torch {median:.3f} ms (best {best:.3f}) on {args.threads} "
          f"thread(s): nnc/torch = {ratio:.2f} (best "
          f"{run['best_ms'] / best:.2f}; "
          f"{'nnc faster' if ratio < 1 else 'nnc slower'}; medians of "
          f"{run['iters']} after {run['warmup']} warm-up){extra}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
