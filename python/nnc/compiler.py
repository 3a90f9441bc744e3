"""`compile`: a .nn model (a file or its text) to a model.so through the
`nnc` binary, with a cache of compiled libraries; `train`: the loop of
`nnc train` through libnnc_runtime.so's nnc_rt_train."""
import ctypes
import hashlib
import json
import math
import os
import shutil
import subprocess
import tempfile

from . import _abi
from ._abi import NncError
from .model import Model


def find_nnc(nnc_binary=None):
    """The nnc binary: `nnc_binary`, else $NNC_BINARY, else `nnc` on PATH."""
    candidate = nnc_binary or os.environ.get("NNC_BINARY") or \
        shutil.which("nnc")
    if not candidate:
        raise NncError("NOT_FOUND", "cannot find the nnc binary: pass "
                       "nnc_binary=, set NNC_BINARY or put nnc on PATH")
    if not (os.path.isfile(candidate) and os.access(candidate, os.X_OK)):
        raise NncError("NOT_FOUND",
                       f"nnc binary {candidate}: not an executable file")
    return os.path.abspath(candidate)


def _cache_dir():
    """$NNC_CACHE_DIR, else $XDG_CACHE_HOME/nnc, else ~/.cache/nnc: the
    directory `nnc train` caches its libraries in."""
    if os.environ.get("NNC_CACHE_DIR"):
        return os.environ["NNC_CACHE_DIR"]
    base = os.environ.get("XDG_CACHE_HOME") or \
        os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "nnc")


def _source_of(path_or_source):
    """(text, path or None). A path-like, or a string without a newline that
    names an existing file, is a file; a string that ends in ".nn" but names
    no file is an error; any other string is the model's text."""
    if isinstance(path_or_source, os.PathLike):
        path_or_source = os.fspath(path_or_source)
    if not isinstance(path_or_source, str):
        raise NncError("INVALID_ARGUMENT", "compile: expected a path or the "
                       f"text of a .nn model, got {type(path_or_source)}")
    if "\n" not in path_or_source:
        if os.path.isfile(path_or_source):
            with open(path_or_source, encoding="utf-8") as f:
                return f.read(), os.path.abspath(path_or_source)
        if path_or_source.strip().endswith(".nn"):
            raise NncError("NOT_FOUND",
                           f"compile: no such file: {path_or_source}")
    return path_or_source, None


def _run_nnc(nnc, text, path, out, args):
    """Compiles into `out` through a temporary in its directory."""
    directory = os.path.dirname(out) or "."
    os.makedirs(directory, exist_ok=True)
    fd, tmp = tempfile.mkstemp(suffix=".so", prefix=".nnc-", dir=directory)
    os.close(fd)
    try:
        cmd = [nnc, path if path else "-", "-o", tmp] + list(args)
        r = subprocess.run(cmd, input=None if path else text.encode(),
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        if r.returncode != 0:
            raise NncError("COMPILE_ERROR",
                           r.stderr.decode("utf-8", "replace").strip())
        os.replace(tmp, out)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _data_source(nnc, value):
    """A data/test override as libnnc_runtime.so takes it, from `nnc
    data-source`: a data source in .nn syntax (`csv("f.csv")`, `spiral`) read
    and checked by nnc's front end and printed as JSON; JSON or a path
    printed unchanged."""
    text = os.fsdecode(value).strip()
    r = subprocess.run([nnc, "data-source", text], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE)
    if r.returncode != 0:
        raise NncError("INVALID_ARGUMENT",
                       r.stderr.decode("utf-8", "replace").strip())
    return r.stdout.decode().strip()


def compile(path_or_source, target="cpu", out=None, nnc_binary=None,
            seed=0, threads=0, options=(), input_gradients=False):
    """Compiles a .nn model and returns a Model created from `seed`.

    `path_or_source` is a path (str or path-like) or the text of a .nn file:
    see _source_of for the rule. With `out`, the library is written there;
    without, into the cache of `nnc train` under a name keyed by the
    SHA-256 of the text, the target, `options` (extra nnc arguments) and the
    nnc binary (path, size and modification time), so an unchanged model is
    not compiled twice. `input_gradients` also compiles d loss / d input
    (Model.input_gradients; `nnc --input-grads`)."""
    if input_gradients:
        options = ["--input-grads"] + list(options)
    library, path = _compile_library(path_or_source, target, out, nnc_binary,
                                     options)
    model = Model(library, seed=seed, threads=threads)
    model.source_path = path
    return model


def _compile_library(path_or_source, target, out, nnc_binary, options):
    """compile() without the Model: (the library, the .nn path or None)."""
    nnc = find_nnc(nnc_binary)
    text, path = _source_of(path_or_source)
    args = [f"--target={target}"] + [str(o) for o in options]
    if out is None:
        st = os.stat(nnc)
        key = hashlib.sha256(json.dumps(
            [text, args, nnc, st.st_size, st.st_mtime_ns]).encode())
        stem = os.path.splitext(os.path.basename(path))[0] if path else "model"
        out = os.path.join(_cache_dir(),
                           f"{stem}-{key.hexdigest()[:32]}.so")
        if not os.path.exists(out):
            _run_nnc(nnc, text, path, out, args)
    else:
        out = os.path.abspath(out)
        _run_nnc(nnc, text, path, out, args)
    return out, path


def find_runtime(runtime_lib=None, nnc_binary=None):
    """libnnc_runtime.so: `runtime_lib`, else $NNC_RUNTIME_LIB, else beside
    the nnc binary (<prefix>/bin/nnc -> <prefix>/lib/libnnc_runtime.so, the
    layout of a build directory)."""
    candidate = runtime_lib or os.environ.get("NNC_RUNTIME_LIB")
    if not candidate:
        prefix = os.path.dirname(os.path.dirname(
            os.path.realpath(find_nnc(nnc_binary))))
        candidate = os.path.join(prefix, "lib", "libnnc_runtime.so")
    if not os.path.isfile(candidate):
        raise NncError("NOT_FOUND", f"cannot find libnnc_runtime.so at "
                       f"{candidate}: pass runtime_lib= or set "
                       f"NNC_RUNTIME_LIB")
    return os.path.abspath(candidate)


# train()'s overrides and the nnc_rt_train_options_t field each sets.
_OVERRIDES = {"data": "data", "test": "test", "epochs": "epochs",
              "batch": "batch", "lr": "learning_rate",
              "learning_rate": "learning_rate", "validation": "validation",
              "seed": "seed", "resume": "resume"}


def train(path_or_source, out=None, on_epoch=None, progress=False,
          plots=True, nnc_binary=None, runtime_lib=None, **overrides):
    """Trains a .nn model as `nnc train` does (the same loop, in this
    process) and returns the summary (summary.json) as a dict.

    `out`: directory of the outputs (summary.json, history.csv,
    model.safetensors, checkpoints, plots); None writes nothing.
    `overrides`: data, test (data source text such as 'csv("f.csv")'),
    epochs, batch, lr (or learning_rate), validation, seed, resume (a
    checkpoint). `on_epoch(epoch, metrics)` is called after every epoch
    (1-based) with that epoch's history row as a dict (None for what was not
    measured); returning False stops training after that epoch, which then
    ends as the last one. An exception in it stops training too and is
    raised again from train()."""
    unknown = sorted(set(overrides) - set(_OVERRIDES))
    if unknown:
        raise TypeError(f"train() got unexpected overrides "
                        f"{', '.join(unknown)} (known: "
                        f"{', '.join(sorted(_OVERRIDES))})")
    library, path = _compile_library(path_or_source, "cpu", None, nnc_binary,
                                     ())
    base_dir = os.path.dirname(path) if path else os.getcwd()
    rt = _abi.load_runtime_library(find_runtime(runtime_lib, nnc_binary))
    o = _abi.TrainOptions()
    rt.nnc_rt_train_options_init(ctypes.byref(o))
    keep = []  # encoded strings must outlive the call
    for key, value in overrides.items():
        field = _OVERRIDES[key]
        if value is None:
            continue
        if key in ("data", "test"):
            value = os.fsencode(_data_source(find_nnc(nnc_binary), value))
            keep.append(value)
        elif key == "resume":
            value = os.fsencode(value)
            keep.append(value)
        else:
            value = _non_negative(key, value, integer=field in (
                "epochs", "batch", "seed"), positive=key == "batch")
        setattr(o, field, value)
    o.base_dir = os.fsencode(base_dir)
    if out is not None:
        o.out_dir = os.fsencode(os.path.abspath(out))
    o.progress, o.plots = int(bool(progress)), int(bool(plots))
    raised = []

    def call_back(_, epoch, metrics):
        try:
            return 0 if on_epoch(int(epoch), json.loads(metrics)) is False \
                else 1
        except BaseException as e:  # reported after nnc_rt_train returns
            raised.append(e)
            return 0

    callback = _abi.EpochCallback(call_back) if on_epoch else \
        _abi.EpochCallback()
    o.on_epoch = callback
    capacity = 1 << 22
    summary = ctypes.create_string_buffer(capacity)
    length = ctypes.c_size_t()
    status = rt.nnc_rt_train(os.fsencode(library), ctypes.byref(o), summary,
                             capacity, ctypes.byref(length))
    if raised:
        rt.nnc_status_free(status)
        raise raised[0]
    _abi.check_status(rt, status)
    if length.value >= capacity:
        raise NncError("INTERNAL", f"train: the summary ({length.value} "
                       f"bytes) does not fit in {capacity} bytes")
    return json.loads(summary.value.decode())


def _non_negative(name, value, integer, positive=False):
    """`value` as an int (`integer`) or a float >= 0 (> 0 when `positive`),
    else NncError (the C options read a negative number, and a batch of 0,
    as "the recipe's")."""
    what = "an integer" if integer else "a finite number"
    bound = ">= 1" if positive else ">= 0"
    try:
        ok = not isinstance(value, bool) and value >= (1 if positive else 0) \
            and math.isfinite(value) and (not integer or int(value) == value)
    except TypeError:
        ok = False
    if not ok:
        raise NncError("INVALID_ARGUMENT",
                       f"train: {name}: expected {what} {bound}, got "
                       f"{value!r}")
    return int(value) if integer else float(value)
