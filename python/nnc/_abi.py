"""ctypes declarations of the C ABI of a compiled model (include/nnc-c/model.h
and status.h) and of libnnc_runtime.so (include/nnc-c/runtime.h), and the
one exception type every failure becomes."""
import ctypes

INPUT, LABEL, OUTPUT, PARAM, BUFFER, GRAD, STATE = range(7)
KIND_NAMES = ("input", "label", "output", "param", "buffer", "grad", "state")
(ENTRY_PREDICT, ENTRY_TRAIN_STEP, ENTRY_GRADS, ENTRY_APPLY,
 ENTRY_INPUT_GRADS) = range(5)
MAX_DIMS = 8

_STATUS_NAMES = ("OK", "INVALID_ARGUMENT", "OUT_OF_RANGE", "NOT_FOUND",
                 "UNIMPLEMENTED", "RESOURCE_EXHAUSTED", "IO_ERROR",
                 "DATA_LOSS", "INTERNAL")


class NncError(Exception):
    """A failure of nnc: `code` names the status ("INVALID_ARGUMENT", ...,
    or "COMPILE_ERROR" for a model the compiler refused) and `message` is
    the nnc_status_t message (or the compiler's diagnostics)."""

    def __init__(self, code, message):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


class TensorInfo(ctypes.Structure):
    _fields_ = [("name", ctypes.c_char_p), ("dtype", ctypes.c_int),
                ("rank", ctypes.c_int32), ("dims", ctypes.c_int64 * MAX_DIMS),
                ("batch_axis", ctypes.c_int32), ("of", ctypes.c_int32),
                ("item_elements", ctypes.c_int64),
                ("item_bytes", ctypes.c_size_t)]


class HyperparameterInfo(ctypes.Structure):
    _fields_ = [("name", ctypes.c_char_p), ("default_value", ctypes.c_double),
                ("range", ctypes.c_char_p)]


class Buffer(ctypes.Structure):
    _fields_ = [("data", ctypes.c_void_p), ("size", ctypes.c_size_t)]


class ModelOptions(ctypes.Structure):
    _fields_ = [("struct_size", ctypes.c_uint32),
                ("num_threads", ctypes.c_int32)]


EpochCallback = ctypes.CFUNCTYPE(ctypes.c_int32, ctypes.c_void_p,
                                 ctypes.c_int64, ctypes.c_char_p)


class TrainOptions(ctypes.Structure):
    _fields_ = [("data", ctypes.c_char_p), ("test", ctypes.c_char_p),
                ("epochs", ctypes.c_int64), ("batch", ctypes.c_int64),
                ("learning_rate", ctypes.c_double),
                ("validation", ctypes.c_double), ("seed", ctypes.c_int64),
                ("base_dir", ctypes.c_char_p), ("out_dir", ctypes.c_char_p),
                ("resume", ctypes.c_char_p), ("progress", ctypes.c_int32),
                ("plots", ctypes.c_int32), ("on_epoch", EpochCallback),
                ("user_data", ctypes.c_void_p)]


def _declare(lib, name, restype, *argtypes):
    f = getattr(lib, name)
    f.restype = restype
    f.argtypes = list(argtypes)


def load_model_library(path):
    """The model.so at `path` with the signatures of model.h declared."""
    try:
        lib = ctypes.CDLL(path)
    except OSError as e:
        raise NncError("IO_ERROR", f"cannot load model library {path}: {e}")
    P, S, I32, I64 = (ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int32,
                      ctypes.c_int64)
    size_p = ctypes.POINTER(ctypes.c_size_t)
    _declare_status(lib)
    _declare(lib, "nnc_abi_version", ctypes.c_uint32)
    _declare(lib, "nnc_model_name", ctypes.c_char_p)
    _declare(lib, "nnc_model_target", ctypes.c_char_p)
    _declare(lib, "nnc_model_optimizer", ctypes.c_char_p)
    _declare(lib, "nnc_model_default_learning_rate", ctypes.c_float)
    _declare(lib, "nnc_model_has_entry", ctypes.c_int, ctypes.c_int)
    _declare(lib, "nnc_model_tensor_count", I32, ctypes.c_int)
    _declare(lib, "nnc_model_tensor_info", S, ctypes.c_int, I32,
             ctypes.POINTER(TensorInfo))
    _declare(lib, "nnc_model_tensor_byte_size", S, ctypes.c_int, I32, I64,
             size_p)
    _declare(lib, "nnc_model_find_tensor", S, ctypes.c_int, ctypes.c_char_p,
             ctypes.POINTER(I32))
    _declare(lib, "nnc_model_create_with_options", S, ctypes.c_uint64,
             ctypes.POINTER(ModelOptions), ctypes.POINTER(P))
    _declare(lib, "nnc_model_destroy", None, P)
    bufs = ctypes.POINTER(Buffer)
    _declare(lib, "nnc_model_predict", S, P, I64, bufs, I32, bufs, I32)
    _declare(lib, "nnc_model_train_step", S, P, I64, bufs, I32, bufs, I32,
             ctypes.c_float, bufs, I32, ctypes.POINTER(ctypes.c_float))
    _declare(lib, "nnc_model_compute_gradients", S, P, I64, bufs, I32, bufs,
             I32, bufs, I32, ctypes.POINTER(ctypes.c_float))
    _declare(lib, "nnc_model_apply_gradients", S, P, ctypes.c_float)
    if hasattr(lib, "nnc_model_compute_input_gradients"):  # since nnc 0.1
        _declare(lib, "nnc_model_compute_input_gradients", S, P, I64, bufs,
                 I32, bufs, I32, bufs, I32, ctypes.POINTER(ctypes.c_float))
    if hasattr(lib, "nnc_model_train_step_hp"):  # run-time hyperparameters
        _declare(lib, "nnc_model_hyperparameter_count", I32)
        _declare(lib, "nnc_model_hyperparameter_info", S, I32,
                 ctypes.POINTER(HyperparameterInfo))
        _declare(lib, "nnc_model_set_hyperparameter", S, P, ctypes.c_char_p,
                 ctypes.c_double)
        _declare(lib, "nnc_model_get_hyperparameter", S, P, ctypes.c_char_p,
                 ctypes.POINTER(ctypes.c_double))
        _declare(lib, "nnc_model_train_step_hp", S, P, I64, bufs, I32, bufs,
                 I32, bufs, I32, ctypes.POINTER(ctypes.c_float))
        _declare(lib, "nnc_model_apply_gradients_hp", S, P)
    _declare(lib, "nnc_model_read_tensor", S, P, ctypes.c_int, I32, P,
             ctypes.c_size_t)
    _declare(lib, "nnc_model_write_tensor", S, P, ctypes.c_int, I32, P,
             ctypes.c_size_t)
    _declare(lib, "nnc_model_get_step", S, P, ctypes.POINTER(I64))
    _declare(lib, "nnc_model_get_seed", S, P, ctypes.POINTER(ctypes.c_uint64))
    _declare(lib, "nnc_model_save", S, P, ctypes.c_char_p)
    _declare(lib, "nnc_model_load_with_flags", S, P, ctypes.c_char_p,
             ctypes.c_uint32)
    return lib


def _declare_status(lib):
    """Declares the nnc_status_t functions (include/nnc-c/status.h), which a
    model.so and libnnc_runtime.so both export."""
    S = ctypes.c_void_p
    _declare(lib, "nnc_status_code", ctypes.c_int, S)
    _declare(lib, "nnc_status_message", ctypes.c_char_p, S)
    _declare(lib, "nnc_status_free", None, S)


def check_status(lib, status):
    """Raises NncError for a non-NULL nnc_status_t returned by `lib` (a
    model.so or libnnc_runtime.so), freeing it."""
    if not status:
        return
    code = lib.nnc_status_code(status)
    message = lib.nnc_status_message(status).decode("utf-8", "replace")
    lib.nnc_status_free(status)
    raise NncError(_STATUS_NAMES[code] if 0 <= code < len(_STATUS_NAMES)
                   else str(code), message)


check_model_status = check_status
check_runtime_status = check_status


def load_runtime_library(path):
    """libnnc_runtime.so at `path` with nnc_rt_train declared."""
    try:
        lib = ctypes.CDLL(path)
    except OSError as e:
        raise NncError("IO_ERROR", f"cannot load the nnc runtime {path}: {e}")
    S = ctypes.c_void_p
    _declare_status(lib)
    _declare(lib, "nnc_rt_train_options_init", None,
             ctypes.POINTER(TrainOptions))
    _declare(lib, "nnc_rt_train", S, ctypes.c_char_p,
             ctypes.POINTER(TrainOptions), ctypes.c_char_p, ctypes.c_size_t,
             ctypes.POINTER(ctypes.c_size_t))
    return lib

