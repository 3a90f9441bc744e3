"""Overwrites one f32 element of a tensor in a safetensors file in place.

usage: poison_safetensors.py FILE TENSOR INDEX VALUE   (VALUE: nan, inf, 1.5)
"""
import json
import struct
import sys

path, name, index, value = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
with open(path, "r+b") as f:
    (n,) = struct.unpack("<Q", f.read(8))
    header = json.loads(f.read(n))
    entry = header[name]
    assert entry["dtype"] == "F32", entry
    begin = entry["data_offsets"][0]
    f.seek(8 + n + begin + 4 * index)
    f.write(struct.pack("<f", value))
