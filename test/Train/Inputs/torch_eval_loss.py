#!/usr/bin/env python3
"""PyTorch reference for eval-mode.test: the loss of bn_dropout.nn in
inference mode (`model.eval()`: dropout off, batchnorm running statistics).

Usage: torch_eval_loss.py CHECKPOINT DATA.csv [--l2 LAMBDA] SOURCE...
Loads the nnc checkpoint (safetensors, PyTorch state_dict names) into the
twin of bn_dropout.nn, computes cross_entropy on DATA.csv, plus
LAMBDA / 2 * sum of the dense weights squared when --l2 is given (nnc's l2,
docs/language.md), and checks each loss nnc reported. A SOURCE is a
history.csv (the last row's val_loss), a summary.json (test_loss, else
val_loss) or the saved output of `nnc eval` (`loss L`, 4 decimals). The
tolerance is 1e-5 relative, plus 5e-5 absolute for the printed 4 decimals.
Exits 1 and prints both otherwise.
"""
import json
import struct
import sys

import torch


def read_safetensors(path):
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n].decode("utf-8"))
    header.pop("__metadata__", None)
    data = raw[8 + n:]
    out = {}
    for name, t in header.items():
        if t["dtype"] != "F32":
            continue
        begin, end = t["data_offsets"]
        x = torch.frombuffer(bytearray(data[begin:end]), dtype=torch.float32)
        out[name] = x.reshape(t["shape"]).clone()
    return out


class Twin(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = torch.nn.Linear(4, 16)
        self.bn1 = torch.nn.BatchNorm1d(16)
        self.drop = torch.nn.Dropout(0.5)
        self.fc2 = torch.nn.Linear(16, 3)

    def forward(self, x):
        return self.fc2(self.drop(torch.relu(self.bn1(self.fc1(x)))))


def reported(source):
    """The loss nnc reported in `source` and its rounding."""
    if source.endswith("history.csv"):
        lines = open(source).read().split()
        header, last = lines[0].split(","), lines[-1].split(",")
        return float(last[header.index("val_loss")]), 0.0
    if source.endswith(".json"):
        summary = json.load(open(source))
        return float(summary.get("test_loss", summary.get("val_loss"))), 0.0
    words = open(source).read().split()
    return float(words[words.index("loss") + 1]), 5e-5


def main():
    args = sys.argv[1:]
    ckpt, csv = args[0], args[1]
    args = args[2:]
    l2 = 0.0
    if args and args[0] == "--l2":
        l2 = float(args[1])
        args = args[2:]
    tensors = read_safetensors(ckpt)
    model = Twin().double()
    state = {k: v.double() for k, v in tensors.items()
             if k in model.state_dict()}
    missing = set(model.state_dict()) - set(state) - {"bn1.num_batches_tracked"}
    if missing:
        print("checkpoint lacks", sorted(missing))
        return 1
    model.load_state_dict(state, strict=False)
    rows = [line.strip().split(",") for line in open(csv)][1:]
    x = torch.tensor([[float(v) for v in r[:-1]] for r in rows],
                     dtype=torch.float64)
    y = torch.tensor([int(r[-1]) for r in rows])
    model.eval()
    with torch.no_grad():
        want = torch.nn.functional.cross_entropy(model(x), y).item()
        want += l2 / 2 * ((model.fc1.weight ** 2).sum().item() +
                          (model.fc2.weight ** 2).sum().item())
    status = 0
    for source in args:
        got, rounding = reported(source)
        ok = abs(got - want) <= 1e-5 * abs(want) + rounding
        print("%s: nnc %.7f  pytorch eval %.7f  %s" % (
            source.split("/")[-1], got, want, "ok" if ok else "DIFFERENT"))
        status |= 0 if ok else 1
    return status


if __name__ == "__main__":
    sys.exit(main())
