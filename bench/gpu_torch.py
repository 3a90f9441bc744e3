"""Times the PyTorch twins of nnc's models on CUDA, for bench/gpu.sh run.

Usage: gpu_torch.py DIR [--iters N] [--warmup W] NAME:TWIN:BATCH...

For each model, reads what `bench/gpu.sh prepare` wrote in DIR/inputs/NAME-bB
(nnc-bench's `params.safetensors`, `input.*.npy`, `label.*.npy`,
`output.*.npy`, `predict.json`, `train.json`), loads the nnc weights into the
twin `torch_models.SPECS[TWIN]` on the GPU, reports how far its predict
output is from nnc's CPU build (information: a sanity check that the twin
runs the same model), then times predict and one training step with the
same batch the way the C ABI works: inputs copied from host memory to the
device, the outputs (or the loss) copied back, `torch.cuda.synchronize()`
inside the timed call. TF32 is off, so PyTorch computes in full f32 like
nnc. Prints one line per model:
  TORCH NAME BATCH predict_ms PREDICT train_ms TRAIN max_err ERR
(a time is `-` when that part could not run, with the reason on stderr).
Needs only torch (no numpy): .npy and safetensors files are parsed here.
Exit status: 0, or 2 when PyTorch cannot use CUDA.
"""
import argparse
import ast
import json
import os
import statistics
import struct
import sys
import time

import torch

import torch_models

DTYPES = {"F32": torch.float32, "I32": torch.int32, "I64": torch.int64,
          "<f4": torch.float32, "<i4": torch.int32, "<i8": torch.int64}


def read_safetensors(path):
    """{name: tensor} of a safetensors file (json header + raw data)."""
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n].decode("utf-8"))
    header.pop("__metadata__", None)
    data = raw[8 + n:]
    out = {}
    for name, t in header.items():
        begin, end = t["data_offsets"]
        buf = bytearray(data[begin:end])
        x = torch.frombuffer(buf, dtype=DTYPES[t["dtype"]]) if buf else \
            torch.empty(0, dtype=DTYPES[t["dtype"]])
        out[name] = x.reshape(t["shape"]).clone()
    return out


def read_npy(path):
    """A little-endian C-order .npy file (versions 1-3) as a tensor."""
    with open(path, "rb") as f:
        raw = f.read()
    if raw[:6] != b"\x93NUMPY":
        raise ValueError(f"{path}: not a .npy file")
    if raw[6] == 1:
        (n,) = struct.unpack("<H", raw[8:10])
        start = 10
    else:
        (n,) = struct.unpack("<I", raw[8:12])
        start = 12
    header = ast.literal_eval(raw[start:start + n].decode("latin1"))
    if header["fortran_order"] or header["descr"] not in DTYPES:
        raise ValueError(f"{path}: unsupported layout {header}")
    buf = bytearray(raw[start + n:])
    x = torch.frombuffer(buf, dtype=DTYPES[header["descr"]]) if buf else \
        torch.empty(0, dtype=DTYPES[header["descr"]])
    return x.reshape(header["shape"]).clone()


def median_ms(fn, warmup, iters):
    """Median wall time of `fn` in milliseconds after `warmup` calls."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(iters):
        start = time.perf_counter()
        fn()
        times.append(1e3 * (time.perf_counter() - start))
    return statistics.median(times)


def as_tuple(x):
    return x if isinstance(x, tuple) else (x,)


def bench(name, twin, batch, args):
    """(predict ms, train ms, max error of predict vs nnc CPU) of one model."""
    spec = torch_models.SPECS[twin]
    d = os.path.join(args.dir, "inputs", f"{name}-b{batch}")
    with open(os.path.join(d, "predict.json")) as f:
        pred = json.load(f)
    module = spec.module()
    tensors = {k: v for k, v in read_safetensors(
        os.path.join(d, "params.safetensors")).items()
        if not k.startswith("optimizer.")}
    missing, unexpected = module.load_state_dict(tensors, strict=False)
    missing = [k for k in missing if not k.endswith("num_batches_tracked")]
    if missing or unexpected:
        raise ValueError(f"checkpoint and twin differ: missing {missing}, "
                         f"unexpected {unexpected}")
    module = module.cuda()
    host_in = [read_npy(os.path.join(d, f"input.{n}.npy")).pin_memory()
               for n in pred["inputs"]]
    wanted = [read_npy(os.path.join(d, f"output.{n}.npy"))
              for n in pred["outputs"]]

    module.eval()

    def predict():
        with torch.no_grad():
            outs = as_tuple(module(*[x.cuda(non_blocking=True)
                                     for x in host_in]))
            host = [o.cpu() for o in outs]
        torch.cuda.synchronize()
        return host

    got = predict()
    err = max(((g.double() - w.double()).abs().max() /
               w.double().abs().max().clamp(min=1e-30)).item()
              for g, w in zip(got, wanted))
    predict_ms = median_ms(predict, args.warmup, args.iters)

    train_ms = None
    train_json = os.path.join(d, "train.json")
    if os.path.exists(train_json):
        with open(train_json) as f:
            train = json.load(f)
        host_lab = [read_npy(os.path.join(d, f"label.{n}.npy")).pin_memory()
                    for n in train["labels"]]
        module.train()
        optimizer = spec.optimizer(module.parameters(), spec.lr)

        def step():
            optimizer.zero_grad()
            xs = [x.cuda(non_blocking=True) for x in host_in]
            ys = [y.cuda(non_blocking=True) for y in host_lab]
            loss = spec.loss(as_tuple(module(*xs)), ys)
            loss.backward()
            torch_models.clip(spec, module)
            optimizer.step()
            value = loss.item()
            torch.cuda.synchronize()
            return value

        train_ms = median_ms(step, args.warmup, args.iters)
    return predict_ms, train_ms, err


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("dir")
    parser.add_argument("models", nargs="+", help="NAME:TWIN:BATCH")
    parser.add_argument("--iters", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=3)
    args = parser.parse_args()
    if not torch.cuda.is_available():
        print("gpu_torch: torch.cuda.is_available() is False", file=sys.stderr)
        return 2
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    torch.manual_seed(0)
    print(f"# PyTorch {torch.__version__}, CUDA {torch.version.cuda}, "
          f"{torch.cuda.get_device_name(0)}, TF32 off", flush=True)
    for item in args.models:
        name, twin, batch = item.split(":")
        try:
            p, t, err = bench(name, twin, int(batch), args)
            print(f"TORCH {name} {batch} predict_ms {p:.4f} train_ms "
                  f"{'-' if t is None else f'{t:.4f}'} max_err {err:.2e}",
                  flush=True)
        except Exception as e:  # one model's failure must not stop the rest
            print(f"gpu_torch: {name}: {type(e).__name__}: {e}",
                  file=sys.stderr)
            print(f"TORCH {name} {batch} predict_ms - train_ms - max_err -",
                  flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
