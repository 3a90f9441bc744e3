"""nnc from Python: compile a .nn model into a native library and drive it
through its C ABI with NumPy arrays, or train it with the loop of
`nnc train`. See docs/python.md.

    import nnc
    model = nnc.compile("examples/spiral.nn")
    logits = model.predict(x=points)           # NumPy in, NumPy out
    loss = model.train_step(x=points, y=labels)
    summary = nnc.train("examples/spiral.nn", out="out", epochs=100,
                        on_epoch=lambda epoch, metrics: None)
"""
from ._abi import NncError
from .compiler import compile, find_nnc, find_runtime, train
from .model import Model, Tensor

__all__ = ["NncError", "Model", "Tensor", "compile", "train", "find_nnc",
           "find_runtime"]
