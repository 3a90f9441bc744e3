"""Calls nnc_model_train_step of a compiled classifier (2 features, 3
classes) through ctypes with labels {0, 3}, then {0, 2}, and prints the
status message of each call ("ok" for success)."""
import ctypes as C
import sys


class Buffer(C.Structure):
    _fields_ = [("data", C.c_void_p), ("size", C.c_size_t)]


lib = C.CDLL(sys.argv[1])
lib.nnc_model_train_step.restype = C.c_void_p
lib.nnc_status_message.restype = C.c_char_p
model = C.c_void_p()
if lib.nnc_model_create(C.c_uint64(1), C.byref(model)):
    sys.exit("nnc_model_create failed")
x = (C.c_float * 4)(0.1, 0.2, 0.3, 0.4)
y = (C.c_int32 * 2)(0, 3)
loss = C.c_float()
for name, second in (("bad", 3), ("good", 2)):
    y[1] = second
    bx = Buffer(C.cast(x, C.c_void_p), C.sizeof(x))
    by = Buffer(C.cast(y, C.c_void_p), C.sizeof(y))
    s = lib.nnc_model_train_step(model, C.c_int64(2), C.byref(bx), 1,
                                 C.byref(by), 1, C.c_float(0.1), None, 0,
                                 C.byref(loss))
    print("%s: %s" % (name, lib.nnc_status_message(C.c_void_p(s)).decode()
                      if s else "ok"))
