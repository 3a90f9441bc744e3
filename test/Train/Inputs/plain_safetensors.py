"""The f32 tensors of a safetensors file as flat tuples, in plain Python
(json + struct, no numpy or torch): the reader of the plain-Python
references check_predict.py and l2_hand.py."""
import json
import struct


def tensors(path):
    raw = open(path, "rb").read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n])
    header.pop("__metadata__", None)
    out = {}
    for name, t in header.items():
        begin, end = t["data_offsets"]
        count = (end - begin) // 4
        out[name] = struct.unpack("<%df" % count, raw[8 + n + begin:8 + n + end])
    return out
