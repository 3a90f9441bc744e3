"""Compares two .npy arrays: max |a - b| / max |b| <= TOL.

usage: compare_npy.py GOT.npy EXPECTED.npy TOL
"""
import sys

import numpy as np

got, want, tol = np.load(sys.argv[1]), np.load(sys.argv[2]), float(sys.argv[3])
assert got.shape == want.shape, (got.shape, want.shape)
err = float(np.abs(got - want).max() / np.abs(want).max())
print(f"max relative error {'<=' if err <= tol else '>'} {tol} ({err:.1e})")
sys.exit(0 if err <= tol else 1)
