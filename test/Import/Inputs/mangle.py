"""Writes damaged copies of a file: every prefix cut at a multiple of STEP
bytes, and one copy per STEP bytes with that byte replaced by 0xff.

usage: mangle.py FILE OUTDIR STEP
"""
import os
import sys

path, out, step = sys.argv[1], sys.argv[2], int(sys.argv[3])
data = open(path, "rb").read()
os.makedirs(out, exist_ok=True)
count = 0
for cut in range(0, len(data), step):
    with open(os.path.join(out, f"cut{cut}.onnx"), "wb") as f:
        f.write(data[:cut])
    flipped = bytearray(data)
    flipped[cut] = 0xff
    with open(os.path.join(out, f"flip{cut}.onnx"), "wb") as f:
        f.write(bytes(flipped))
    count += 2
print(f"wrote {count} files")
