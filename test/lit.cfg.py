# lit configuration for the nnc test suite.
import os

import lit.formats
from lit.llvm import llvm_config

config.name = "nnc"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".nn", ".test"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.nnc_obj_root, "test")
config.excludes = ["CMakeLists.txt", "lit.cfg.py", "lit.site.cfg.py", "unit", "Inputs"]

config.substitutions.append(("%nnc_src", config.nnc_src_root))
config.substitutions.append(("%examples", os.path.join(config.nnc_src_root, "examples")))
config.substitutions.append(("%PATH%", config.environment["PATH"]))

llvm_config.use_default_substitutions()

# `asan` in a sanitizer build with AddressSanitizer (docs/safety.md); a
# UBSan-only build preloads libclang_rt.ubsan_standalone and is not `asan`.
if "libclang_rt.asan" in config.nnc_sanitizer_runtime:
    config.available_features.add("asan")

# %model_python: Python for scripts that load a compiled model.so with ctypes.
# In the sanitizer build the model shim inside it calls the ASan/UBSan
# runtime, which an uninstrumented interpreter lacks, so the shared runtime is
# preloaded; leak detection is off there because the interpreter keeps
# memory until exit (its allocations are not nnc's).
def asan_options_without_leaks():
    options = config.environment.get("ASAN_OPTIONS", "")
    return (options + ":" if options else "") + "detect_leaks=0"
def with_sanitizer_runtime(python):
    if not config.nnc_sanitizer_runtime:
        return python
    return "env LD_PRELOAD=%s ASAN_OPTIONS=%s %s" % (
        config.nnc_sanitizer_runtime, asan_options_without_leaks(), python)
config.substitutions.insert(
    0, ("%model_python", with_sanitizer_runtime(config.python_executable)))
llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)
llvm_config.with_environment("PATH", config.nnc_tools_dir, append_path=True)

# GPU features: `ptxas` when the CUDA toolkit's assembler is installed (PTX
# checks), `cuda-driver` when libcuda.so.1 loads (tests that run kernels).
ptxas = os.environ.get("NNC_PTXAS", "/usr/local/cuda/bin/ptxas")
if os.path.exists(ptxas):
    config.available_features.add("ptxas")
    config.substitutions.append(("%ptxas", ptxas))
try:
    import ctypes
    ctypes.CDLL("libcuda.so.1")
    config.available_features.add("cuda-driver")
except OSError:
    pass

# `rsvg-convert` (Debian librsvg2-bin, scripts/setup.sh): tests that render
# the SVG pictures with a real renderer.
import shutil
if shutil.which("rsvg-convert"):
    config.available_features.add("rsvg-convert")

# `torch` when the Python that has Debian's python3-torch (/usr/bin/python3,
# or $NNC_TORCH_PYTHON) imports it: the differential fuzzer's smoke run.
# `numpy` likewise for python3-numpy ($NNC_NUMPY_PYTHON): independent
# checkers of checkpoints.
import subprocess
def add_python_feature(module, env_var):
    python = os.environ.get(env_var, "/usr/bin/python3")
    try:
        if subprocess.run([python, "-c", "import " + module],
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                          timeout=120).returncode == 0:
            config.available_features.add(module)
            # These Pythons load model.so files too (the fuzzer, the import
            # checks): with the sanitizer runtime in its build.
            config.substitutions.append(
                ("%%%s_python" % module, with_sanitizer_runtime(python)))
    except (OSError, subprocess.TimeoutExpired):
        pass
add_python_feature("torch", "NNC_TORCH_PYTHON")
# `onnx` (python3-onnx): tests that write small ONNX files for `nnc import`.
add_python_feature("onnx", "NNC_TORCH_PYTHON")
add_python_feature("numpy", "NNC_NUMPY_PYTHON")
# `pytest` (python3-pytest) beside NumPy: the Python package's tests
# (test/Python). %pytest runs it with that Python, which loads model.so
# files, so the sanitizer build preloads its runtime as for %model_python.
add_python_feature("pytest", "NNC_NUMPY_PYTHON")
if "pytest" in config.available_features:
    config.substitutions.insert(0, ("%pytest", with_sanitizer_runtime(
        os.environ.get("NNC_NUMPY_PYTHON", "/usr/bin/python3")) + " -m pytest"))

# `mpi` when Open MPI's mpirun is installed (openmpi-bin, scripts/setup.sh)
# and the build has the MPI plugin: data-parallel training tests. %mpirun
# oversubscribes the few cores of a test machine, binds no rank to a core,
# copies shared-memory messages through a buffer rather than with
# process_vm_readv (which containers without CAP_SYS_PTRACE refuse) and, as
# root (containers, CI), allows that explicitly.
mpirun = shutil.which("mpirun")
if mpirun and os.path.exists(os.path.join(config.nnc_obj_root, "lib", "libnnc_mpi.so")):
    config.available_features.add("mpi")
    root = " --allow-run-as-root" if os.getuid() == 0 else ""
    # In the sanitizer build, without LeakSanitizer: Open MPI's libraries
    # (not instrumented, some dlopen'ed and closed again) keep allocations
    # until exit, which it reports as leaks of the ranks.
    no_leaks = ""
    if config.nnc_sanitizer_runtime:
        no_leaks = "env ASAN_OPTIONS=%s " % asan_options_without_leaks()
    config.substitutions.append(
        ("%mpirun", "%s%s --oversubscribe --bind-to none"
         " --mca btl_vader_single_copy_mechanism none%s" %
         (no_leaks, mpirun, root)))
# `onnx-import` when this nnc was built with `nnc import` (lib/Import finds
# Debian's libonnx-dev and libprotobuf-dev).
if getattr(config, "nnc_onnx_import", "0") == "1":
    config.available_features.add("onnx-import")
config.substitutions.append(("%nnc_bin", os.path.join(config.nnc_tools_dir, "nnc")))
config.substitutions.append(("%nnc_runtime_lib", os.path.join(
    config.nnc_obj_root, "lib", "libnnc_runtime.so")))

tools = ["nnc-opt", "nnc", "nnc-embed-example", "nnc-guard-run", "nnc-bench"]
llvm_config.add_tool_substitutions(tools, [config.nnc_tools_dir, config.llvm_tools_dir])
