"""`Model`: one instance of a compiled model.so, driven through its C ABI.

Arrays go in and come out as NumPy arrays. Before any call into the library
every array is checked against the model's descriptor (name, dtype, shape,
one batch size for all), so that a mistake is an NncError naming the tensor,
what was expected and what was given; the library checks byte sizes again.
Tensors are named as nnc_model_tensor_info names them, for every lookup:
parameters and buffers as in PyTorch's state_dict ("fc1.weight"), gradients
"fc1.weight.grad", optimizer state "optimizer.fc1.weight.exp_avg".
"""
import ctypes
import os
from collections import OrderedDict, namedtuple

import numpy as np

from . import _abi
from ._abi import (BUFFER, GRAD, INPUT, LABEL, OUTPUT, PARAM, STATE, NncError)

_DTYPES = {0: np.dtype(np.float32), 1: np.dtype(np.int32),
           2: np.dtype(np.int64)}

Tensor = namedtuple("Tensor", "name dtype shape batch_axis")
Tensor.__doc__ = """A tensor of the descriptor: `shape` has None for the batch
dimension, which is `batch_axis` (-1 when there is none)."""


def _shape_text(shape):
    return "[" + ", ".join("N" if d is None else str(d) for d in shape) + "]"


class Model:
    """An instance of the model compiled into `library` (a model.so path):
    parameters initialised from `seed` as the .nn file says, kernels on
    `threads` threads (0: NNC_NUM_THREADS, else every core)."""

    def __init__(self, library, seed=0, threads=0):
        self.library = os.path.abspath(library)
        self._lib = lib = _abi.load_model_library(self.library)
        self._handle = None
        self.name = lib.nnc_model_name().decode()
        self.target = lib.nnc_model_target().decode()
        self.optimizer = lib.nnc_model_optimizer().decode()
        self.default_learning_rate = float(
            lib.nnc_model_default_learning_rate())
        self._hyper = hasattr(lib, "nnc_model_train_step_hp")
        self.default_hyperparameters = OrderedDict()
        for i in range(lib.nnc_model_hyperparameter_count()
                       if self._hyper else 0):
            info = _abi.HyperparameterInfo()
            self._check(lib.nnc_model_hyperparameter_info(
                i, ctypes.byref(info)))
            self.default_hyperparameters[info.name.decode()] = \
                info.default_value
        self._tensors = [[self._info(k, i)
                          for i in range(lib.nnc_model_tensor_count(k))]
                         for k in range(len(_abi.KIND_NAMES))]
        options = _abi.ModelOptions(ctypes.sizeof(_abi.ModelOptions), threads)
        handle = ctypes.c_void_p()
        self._check(lib.nnc_model_create_with_options(
            seed, ctypes.byref(options), ctypes.byref(handle)))
        self._handle = handle

    # --- description ------------------------------------------------------

    def _check(self, status):
        _abi.check_status(self._lib, status)

    def _info(self, kind, index):
        info = _abi.TensorInfo()
        self._check(self._lib.nnc_model_tensor_info(kind, index,
                                                    ctypes.byref(info)))
        shape = tuple(None if d == -1 else int(d)
                      for d in info.dims[:info.rank])
        return Tensor(info.name.decode(), _DTYPES[info.dtype], shape,
                      info.batch_axis)

    def tensors(self, kind):
        """The tensors of `kind`: "input", "label", "output", "param",
        "buffer", "grad" or "state", in the ABI's order."""
        if kind not in _abi.KIND_NAMES:
            raise NncError("INVALID_ARGUMENT",
                           f"tensors: kind: expected one of "
                           f"{', '.join(_abi.KIND_NAMES)}, got {kind!r}")
        return list(self._tensors[_abi.KIND_NAMES.index(kind)])

    @property
    def inputs(self):
        return self._tensors[INPUT]

    @property
    def outputs(self):
        return self._tensors[OUTPUT]

    @property
    def labels(self):
        return self._tensors[LABEL]

    @property
    def step(self):
        """Optimizer updates applied so far."""
        step = ctypes.c_int64()
        self._check(self._lib.nnc_model_get_step(self._live(),
                                                 ctypes.byref(step)))
        return step.value

    def __repr__(self):
        args = ", ".join(f"{t.name}: {t.dtype}{_shape_text(t.shape)}"
                         for t in self.inputs)
        return f"<nnc.Model {self.name}({args}) from {self.library}>"

    # --- lifetime ---------------------------------------------------------

    def _live(self):
        if not self._handle:
            raise NncError("INVALID_ARGUMENT",
                           f"model '{self.name}' is closed")
        return self._handle

    def close(self):
        """Releases the instance (the Model is unusable afterwards)."""
        if self._handle:
            self._lib.nnc_model_destroy(self._handle)
            self._handle = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        if getattr(self, "_handle", None):
            self.close()

    # --- running ----------------------------------------------------------

    def _bind(self, fn, kinds, args, arrays):
        """The arrays for the tensors of `kinds` (positional `args` first, in
        order, then by name), converted and checked, and their batch."""
        wanted = [t for k in kinds for t in self._tensors[k]]
        if len(args) > len(wanted):
            raise NncError("INVALID_ARGUMENT",
                           f"{fn}: expected at most {len(wanted)} positional "
                           f"arrays ({', '.join(t.name for t in wanted)}), "
                           f"got {len(args)}")
        given = dict(zip((t.name for t in wanted), args))
        for name, value in arrays.items():
            if name in given:
                raise NncError("INVALID_ARGUMENT",
                               f"{fn}: '{name}' given twice")
            given[name] = value
        unknown = sorted(set(given) - {t.name for t in wanted})
        missing = [t.name for t in wanted if t.name not in given]
        if unknown or missing:
            raise NncError("INVALID_ARGUMENT", f"{fn}: expected arrays "
                           f"{', '.join(t.name for t in wanted)}"
                           + (f"; missing {', '.join(missing)}" if missing
                              else "")
                           + (f"; unknown {', '.join(unknown)}" if unknown
                              else ""))
        bound, batch = [], None
        for t in wanted:
            a = self._convert(fn, t, given[t.name])
            if t.batch_axis >= 0:
                if batch is None:
                    batch = a.shape[t.batch_axis]
                elif a.shape[t.batch_axis] != batch:
                    raise NncError("INVALID_ARGUMENT",
                                   f"{fn}: '{t.name}': expected batch {batch} "
                                   f"(that of the arrays before it), got "
                                   f"{a.shape[t.batch_axis]}")
            bound.append(a)
        if batch is None:
            batch = 1
        if batch < 1:
            raise NncError("INVALID_ARGUMENT",
                           f"{fn}: batch: expected at least 1 row, got 0")
        return bound, batch

    @staticmethod
    def _convert(fn, t, value, batch=None):
        """`value` as a C-contiguous array of t's dtype and shape (with the
        batch dimension `batch`, or any when None). NumPy's same_kind casts
        are allowed (float64 -> float32, int64 -> int32), others are not."""
        a = np.asarray(value)
        if not np.can_cast(a.dtype, t.dtype, casting="same_kind"):
            raise NncError("INVALID_ARGUMENT",
                           f"{fn}: '{t.name}': expected {t.dtype} (or a "
                           f"dtype that casts to it of the same kind), got "
                           f"{a.dtype}")
        expected = tuple(batch if d is None else d for d in t.shape)
        ok = a.ndim == len(t.shape) and all(
            e is None or e == g for e, g in zip(expected, a.shape))
        if not ok:
            raise NncError("INVALID_ARGUMENT",
                           f"{fn}: '{t.name}': expected shape "
                           f"{_shape_text(expected)}, got "
                           f"{_shape_text(a.shape)}")
        if a.dtype.kind in "iu" and a.dtype != t.dtype:
            info = np.iinfo(t.dtype)
            if a.size and (a.min() < info.min or a.max() > info.max):
                raise NncError("INVALID_ARGUMENT",
                               f"{fn}: '{t.name}': values out of the range "
                               f"of {t.dtype}")
        return np.ascontiguousarray(a, dtype=t.dtype)

    @staticmethod
    def _buffers(arrays):
        bufs = (_abi.Buffer * max(1, len(arrays)))()
        for i, a in enumerate(arrays):
            bufs[i] = _abi.Buffer(a.ctypes.data, a.nbytes)
        return bufs

    def _new_outputs(self, batch):
        return [np.empty(tuple(batch if d is None else d for d in t.shape),
                         dtype=t.dtype) for t in self._tensors[OUTPUT]]

    def _result(self, outputs):
        if len(outputs) == 1:
            return outputs[0]
        return OrderedDict((t.name, a)
                           for t, a in zip(self._tensors[OUTPUT], outputs))

    def predict(self, *arrays, **named):
        """Runs inference: inputs positionally (in order) or by name; returns
        the output array, or a dict name -> array when there are several."""
        ins, batch = self._bind("predict", [INPUT], arrays, named)
        outs = self._new_outputs(batch)
        self._check(self._lib.nnc_model_predict(
            self._live(), batch, self._buffers(ins), len(ins),
            self._buffers(outs), len(outs)))
        return self._result(outs)

    def _learning_rate(self, fn, lr):
        lr = self.default_learning_rate if lr is None else float(lr)
        if not np.isfinite(lr) or lr < 0:
            raise NncError("INVALID_ARGUMENT",
                           f"{fn}: lr: expected a finite value >= 0, got {lr}")
        return lr

    # --- hyperparameters ---------------------------------------------------

    @property
    def hyperparameters(self):
        """The instance's optimizer hyperparameters, name -> value (floats,
        "lr" first): the train section's values until set_hyperparameter
        changes them. A copy; writing it changes nothing."""
        out = OrderedDict()
        for name in self.default_hyperparameters:
            value = ctypes.c_double()
            self._check(self._lib.nnc_model_get_hyperparameter(
                self._live(), name.encode(), ctypes.byref(value)))
            out[name] = value.value
        return out

    def set_hyperparameter(self, name, value):
        """Sets hyperparameter `name` ("lr", "beta1", "momentum", ...; see
        `hyperparameters`) for the following training steps, as a double.
        An unknown name (NOT_FOUND) or a value outside its range
        (INVALID_ARGUMENT) raises NncError with the library's message."""
        if not self._hyper:
            raise NncError("UNIMPLEMENTED",
                           f"set_hyperparameter: {self.library} was built "
                           f"before run-time hyperparameters; recompile it")
        self._check(self._lib.nnc_model_set_hyperparameter(
            self._live(), str(name).encode(), float(value)))

    def _with_lr(self, fn, lr, call):
        """Runs `call` (an _hp entry) with "lr" = `lr` for this call only
        (None: the instance's)."""
        if lr is None:
            return call()
        lr = self._learning_rate(fn, lr)
        before = self.hyperparameters["lr"]
        self.set_hyperparameter("lr", lr)
        try:
            return call()
        finally:
            self.set_hyperparameter("lr", before)

    def train_step(self, *arrays, lr=None, return_outputs=False, **named):
        """One fused training step (forward, loss, backward, update) on the
        inputs and labels (positionally: inputs then labels; or by name)
        with learning rate `lr` (default: the train section's). Returns the
        batch-mean loss, or (loss, outputs) with `return_outputs`: every
        model output of this step's forward pass, in training mode (dropout
        applied, batchnorm on the batch's statistics) and before the update,
        as predict() returns them. `lr` is a double; the other
        hyperparameters are the instance's (`hyperparameters`)."""
        data, batch = self._bind("train_step", [INPUT, LABEL], arrays, named)
        n = len(self._tensors[INPUT])
        outs = self._new_outputs(batch) if return_outputs else []
        loss = ctypes.c_float()
        if self._hyper:
            self._with_lr("train_step", lr,
                          lambda: self._check(
                              self._lib.nnc_model_train_step_hp(
                                  self._live(), batch,
                                  self._buffers(data[:n]), n,
                                  self._buffers(data[n:]), len(data) - n,
                                  self._buffers(outs) if outs else None,
                                  len(outs), ctypes.byref(loss))))
        else:
            lr = self._learning_rate("train_step", lr)
            self._check(self._lib.nnc_model_train_step(
                self._live(), batch, self._buffers(data[:n]), n,
                self._buffers(data[n:]), len(data) - n, lr,
                self._buffers(outs) if outs else None, len(outs),
                ctypes.byref(loss)))
        if return_outputs:
            return float(loss.value), self._result(outs)
        return float(loss.value)

    def gradients(self, *arrays, return_loss=False, **named):
        """Forward, loss and backward without an update: returns a dict of
        the gradients named as the ABI names them ("fc1.weight.grad"), or
        (that dict, the batch-mean loss) with `return_loss`. Parameters and
        optimizer state are unchanged; running statistics (batchnorm) are
        updated as by a training step."""
        data, batch = self._bind("gradients", [INPUT, LABEL], arrays, named)
        n = len(self._tensors[INPUT])
        loss = ctypes.c_float()
        self._check(self._lib.nnc_model_compute_gradients(
            self._live(), batch, self._buffers(data[:n]), n,
            self._buffers(data[n:]), len(data) - n, None, 0,
            ctypes.byref(loss)))
        grads = self._read_kind(GRAD)
        return (grads, float(loss.value)) if return_loss else grads

    def input_gradients(self, *arrays, return_loss=False, **named):
        """d loss / d input for every f32 input, as a dict "x.grad" ->
        array of the input's shape (or (that dict, the loss) with
        `return_loss`), in training mode as gradients(). Changes nothing in
        the instance. Needs a model compiled with input_gradients=True."""
        fn = "input_gradients"
        data, batch = self._bind(fn, [INPUT, LABEL], arrays, named)
        if not self._lib.nnc_model_has_entry(_abi.ENTRY_INPUT_GRADS):
            raise NncError("UNIMPLEMENTED",
                           f"{fn}: model '{self.name}' was compiled without "
                           f"input gradients (nnc.compile(..., "
                           f"input_gradients=True), nnc --input-grads)")
        n = len(self._tensors[INPUT])
        grads = [np.empty(a.shape, np.float32) if t.dtype == np.float32
                 else None for t, a in zip(self._tensors[INPUT], data)]
        bufs = (_abi.Buffer * max(1, n))()
        for i, g in enumerate(grads):
            if g is not None:
                bufs[i] = _abi.Buffer(g.ctypes.data, g.nbytes)
        loss = ctypes.c_float()
        self._check(self._lib.nnc_model_compute_input_gradients(
            self._live(), batch, self._buffers(data[:n]), n,
            self._buffers(data[n:]), len(data) - n, bufs, n,
            ctypes.byref(loss)))
        out = OrderedDict((t.name + ".grad", g)
                          for t, g in zip(self._tensors[INPUT], grads)
                          if g is not None)
        return (out, float(loss.value)) if return_loss else out

    def apply_gradients(self, grads=None, lr=None):
        """One optimizer update from the model's gradients, after writing
        `grads` (every gradient, named as gradients() names them, e.g.
        averaged across processes) when given."""
        if lr is not None or not self._hyper:
            lr = self._learning_rate("apply_gradients", lr)
        if grads is not None:
            self._write_kinds("apply_gradients", [GRAD], grads, strict=True)
        if self._hyper:
            self._with_lr("apply_gradients", lr,
                          lambda: self._check(
                              self._lib.nnc_model_apply_gradients_hp(
                                  self._live())))
        else:
            self._check(self._lib.nnc_model_apply_gradients(self._live(),
                                                            lr))

    # --- tensors and checkpoints -------------------------------------------

    def _read_kind(self, kind):
        out = OrderedDict()
        for i, t in enumerate(self._tensors[kind]):
            a = np.empty(t.shape, dtype=t.dtype)
            self._check(self._lib.nnc_model_read_tensor(
                self._live(), kind, i, a.ctypes.data, a.nbytes))
            out[t.name] = a
        return out

    def _write_kinds(self, fn, kinds, values, strict):
        """Writes `values` (name -> array) into the tensors of `kinds`;
        everything is checked before anything is written. Unknown names are
        an error, and with `strict` so are missing ones."""
        tensors = [(k, i, t) for k in kinds
                   for i, t in enumerate(self._tensors[k])]
        unknown = sorted(set(values) - {t.name for _, _, t in tensors})
        missing = [t.name for _, _, t in tensors if t.name not in values]
        if unknown:
            raise NncError("NOT_FOUND", f"{fn}: model '{self.name}' has no "
                           f"{' or '.join(_abi.KIND_NAMES[k] for k in kinds)}"
                           f" called {', '.join(unknown)}")
        if strict and missing:
            raise NncError("INVALID_ARGUMENT",
                           f"{fn}: missing {', '.join(missing)}")
        arrays = [(k, i, self._convert(fn, t, values[t.name]))
                  for k, i, t in tensors if t.name in values]
        for k, i, a in arrays:
            self._check(self._lib.nnc_model_write_tensor(
                self._live(), k, i, a.ctypes.data, a.nbytes))

    def state_dict(self):
        """Copies of the parameters and buffers, named as PyTorch's
        state_dict names them ("fc1.weight", "bn1.running_mean")."""
        out = self._read_kind(PARAM)
        out.update(self._read_kind(BUFFER))
        return out

    def load_state_dict(self, state, strict=True):
        """Writes parameters and buffers from `state` (name -> array). With
        `strict`, every parameter and buffer must be present; unknown names
        are always an error. Everything is checked before anything is
        written."""
        self._write_kinds("load_state_dict", [PARAM, BUFFER], state, strict)

    def optimizer_state(self):
        """Copies of the optimizer state ("optimizer.fc1.weight.exp_avg")."""
        return self._read_kind(STATE)

    def save(self, path):
        """Writes a safetensors checkpoint (parameters, buffers, optimizer
        state, step and seed) that PyTorch's safetensors can read."""
        self._check(self._lib.nnc_model_save(self._live(),
                                             os.fsencode(path)))

    def load(self, path, allow_nonfinite=False):
        """Loads a safetensors checkpoint written by save(), `nnc train` or
        PyTorch; the instance is unchanged when it fails."""
        self._check(self._lib.nnc_model_load_with_flags(
            self._live(), os.fsencode(path), 1 if allow_nonfinite else 0))
