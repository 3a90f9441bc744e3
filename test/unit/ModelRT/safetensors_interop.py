#!/usr/bin/env python3
"""Reads a safetensors file written by nnc with only json, struct and torch
(checking the format rules the reference implementation enforces), prints
the sum of fc.weight, and writes every tensor doubled to a second file laid
out as safetensors.torch.save_file does. Usage: safetensors_interop.py IN OUT
"""
import json
import struct
import sys

import torch

DTYPES = {"F32": torch.float32, "I32": torch.int32, "I64": torch.int64}


def read(path):
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = raw[8:8 + n]
    assert header[:1] == b"{", "header must start with '{'"
    assert (8 + n) % 8 == 0, "data must start 8-aligned"
    meta = json.loads(header.decode("utf-8"))
    metadata = meta.pop("__metadata__", {})
    assert all(isinstance(v, str) for v in metadata.values())
    data = raw[8 + n:]
    spans = sorted(tuple(t["data_offsets"]) for t in meta.values())
    at = 0
    for b, e in spans:
        assert b == at, "tensors must tile the data section"
        at = e
    assert at == len(data), "data section must be fully used"
    tensors = {}
    for name, t in meta.items():
        b, e = t["data_offsets"]
        buf = bytearray(data[b:e])
        x = torch.frombuffer(buf, dtype=DTYPES[t["dtype"]]) if buf else \
            torch.empty(0, dtype=DTYPES[t["dtype"]])
        tensors[name] = x.reshape(t["shape"]).clone()
    return tensors, metadata


def write(path, tensors, metadata):
    names = sorted(tensors, key=lambda k: (-tensors[k].element_size(), k))
    header, offset, blobs = {"__metadata__": metadata}, 0, []
    for name in names:
        t = tensors[name].contiguous()
        blob = t.numpy().tobytes()
        dtype = [k for k, v in DTYPES.items() if v == t.dtype][0]
        header[name] = {"dtype": dtype, "shape": list(t.shape),
                        "data_offsets": [offset, offset + len(blob)]}
        offset += len(blob)
        blobs.append(blob)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


def main():
    tensors, metadata = read(sys.argv[1])
    assert "fc.weight" in tensors and tensors["fc.weight"].shape == (3, 4)
    assert "optimizer.fc.weight.momentum_buffer" in tensors
    print("fc.weight.sum=%.9g" % tensors["fc.weight"].double().sum().item())
    write(sys.argv[2], {k: v * 2 for k, v in tensors.items()}, metadata)
    print("ok")


if __name__ == "__main__":
    main()
