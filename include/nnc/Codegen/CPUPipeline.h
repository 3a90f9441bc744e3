//===- CPUPipeline.h - linalg on tensors to a native shared library -*- C++ -*-===//
//
// The CPU back end of nnc: the pass pipeline from linalg-on-tensors entry
// points to the LLVM dialect, emission of an object file through LLVM's
// TargetMachine, and linking of model.so with the model shim.
//
//===----------------------------------------------------------------------===//

#ifndef NNC_CODEGEN_CPUPIPELINE_H
#define NNC_CODEGEN_CPUPIPELINE_H

#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/SmallString.h"
#include "mlir/Support/Timing.h"
#include "mlir/Pass/PassManager.h"

#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace llvm {
class Module;
class TargetMachine;
} // namespace llvm

namespace nnc {

/// Options of the CPU back end.
struct CPUCodegenOptions {
  /// LLVM optimisation level, 0..3.
  unsigned optLevel = 3;
  /// Target CPU name for LLVM ("host" = the machine nnc runs on).
  std::string cpu = "host";
  /// Tile and vectorize matrix products with the transform schedule.
  bool vectorizeMatmul = true;
  /// Tile and vectorize every other linalg op (nnc-vectorize-ops).
  bool vectorizeOps = true;
  /// Give every emitted symbol hidden visibility (only the shim exports).
  bool hideSymbols = true;
  /// Allocate the kernels' temporaries through the model shim's block cache
  /// (nnc-host-alloc, lib/ModelRT/HostAlloc.c). Only for objects that are
  /// linked with the shim; tests linking bare kernels leave it off.
  bool shimAllocator = false;
  /// Run the chunks of nnc-distribute-ops on the model shim's thread pool
  /// (nnc_rt_parallel_for, lib/ModelRT/Parallel.c); without the shim they
  /// run in order on the calling thread.
  bool threads = false;
  /// Instrument the kernels with AddressSanitizer (emitNativeCode): every
  /// load and store is checked against the process's shadow memory, so a
  /// kernel that reads or writes outside a buffer stops with a report. Set in
  /// the sanitizer build only; the object then needs the ASan runtime of the
  /// program that loads it.
  bool sanitizeAddress = false;
  /// Register tile of the matmul schedule (rows, columns of f32); 0 takes
  /// the target's (getCPUTarget).
  int64_t matmulTileM = 0, matmulTileN = 0;
  /// Threads of the back end: emitNativeCode splits the optimised module
  /// into this many objects compiled at once (when its caller takes them).
  unsigned codegenThreads = 1;
  /// Entry points of at least this many LLVM instructions (straight-line
  /// kernel calls, every loop is an outlined kernel) get an object of their
  /// own, compiled at -O0, when the caller takes several objects: the
  /// optimising back end spent more than half of fashion_transformer's
  /// machine code on its four entries (train step 3,500 instructions), for
  /// no measurable gain in step time. A 100-layer MLP's train step has
  /// 11,000; the entries of the small examples stay below.
  unsigned largeEntryInstructions = 1000;
};

/// What the CPU schedules need to know of the target's vector unit.
struct CPUTarget {
  /// Width of a vector register (512 AVX-512, 256 AVX2, 128 otherwise).
  unsigned vectorBits = 128;
  /// Register tile of the matmul schedule.
  int64_t matmulTileM = 6, matmulTileN = 8;
  /// f32 lanes of a vector register.
  int64_t lanes() const { return vectorBits / 32; }
};

/// The LLVM CPU name and feature string of `options.cpu`; for "host", the
/// host's name and features as LLVM detects them (lib/Codegen/CPUTarget.cpp).
std::pair<std::string, std::string>
getCPUNameAndFeatures(const CPUCodegenOptions &options);

/// Reads the target CPU of `options` (the host by default) through LLVM's
/// subtarget description (lib/Codegen/CPUTarget.cpp).
CPUTarget getCPUTarget(const CPUCodegenOptions &options);

/// Adds the first step of the CPU pipeline: canonicalization, elementwise
/// fusion of linalg ops on tensors, canonicalization and CSE (registered as
/// `nnc-cpu-fuse`, so that tests see exactly what the pipeline fuses).
void buildCPUFusionPipeline(mlir::OpPassManager &pm);

/// Adds the CPU pipeline up to one-shot bufferization: fusion, destination
/// passing, the chunks of nnc-distribute-ops, the matmul and vectorization
/// schedules, and bufferization (without deallocation). Every heap buffer a
/// kernel allocates is a memref.alloc after it (nnc::estimateKernelWorkspace
/// reads them; buildLinalgToLLVMPipeline continues from here).
void buildCPUBufferizePipeline(mlir::OpPassManager &pm,
                               const CPUCodegenOptions &options);
/// Adds the passes lowering public linalg-on-tensors functions to LLVM-dialect
/// kernels `nnc_kernel_E(void **args)`; starts with buildCPUBufferizePipeline.
void buildLinalgToLLVMPipeline(mlir::OpPassManager &pm,
                               const CPUCodegenOptions &options);

/// Translates an LLVM-dialect module to LLVM IR, optimises it for the target
/// and writes textual LLVM IR (`asLLVMIR`) or an ELF object to `path`. With
/// `moreObjects` and options.codegenThreads > 1, the module is cut into that
/// many parts (partitionModule), each optimised and compiled on a thread of
/// its own, plus, per part, an object for its entries of
/// options.largeEntryInstructions or more (compiled at -O0): `path` holds
/// the first, and the paths of the others (temporary files the caller links
/// and removes) are appended to `moreObjects`. With `timing`, the
/// translation, the LLVM optimisation pipeline and the machine code are
/// timed as nested stages of it (`nnc --time-report`; on several threads,
/// each stage's wall time is its longest thread's).
mlir::LogicalResult emitNativeCode(mlir::ModuleOp module,
                                   const CPUCodegenOptions &options,
                                   llvm::StringRef path, bool asLLVMIR,
                                   std::vector<std::string> *moreObjects =
                                       nullptr,
                                   mlir::TimingScope *timing = nullptr);

/// Cuts `module` into `parts` modules of about equal instruction counts,
/// returned as bitcode: clusters of local functions and the local symbols
/// they use stay together, local constants are copied into every part, and
/// a local symbol used from another part becomes hidden external, so the
/// parts link with each other and export nothing new (SplitCodegen.cpp).
std::vector<llvm::SmallString<0>> partitionModule(llvm::Module &module,
                                                  unsigned parts);

/// Moves the entry points (`nnc_kernel_*`) of `module` with at least
/// `minInstructions` instructions into a module of their own (null when there are none): the
/// entry points of a deep network, thousands of straight-line kernel calls,
/// which the optimising register allocator takes seconds over. The local
/// symbols of `module` become hidden external ones, their names suffixed
/// with `suffix` (unique per part), so that the two objects link with each
/// other and export nothing new (SplitCodegen.cpp).
std::unique_ptr<llvm::Module> splitOffLargeEntries(llvm::Module &module,
                                                   unsigned minInstructions,
                                                   llvm::StringRef suffix);

/// Compiles `module` into the ELF object `path`; returns an error message,
/// empty on success.
std::string emitObjectFile(llvm::Module &module, llvm::TargetMachine &machine,
                           llvm::StringRef path);

/// What goes into a shared library.
struct LinkInputs {
  /// Object files.
  std::vector<std::string> objects;
  /// Static archives linked whole (the model shim: nothing references it).
  std::vector<std::string> wholeArchives;
  /// Linker version script; empty: export `nnc_*` only.
  std::string versionScript;
  /// The sanitizers (`-fsanitize=` list) the archives were compiled with;
  /// empty in the normal build. When set, the link leaves the sanitizer
  /// runtime's symbols undefined (no `-z defs`): the program that loads the
  /// library must be built with the same sanitizers.
  std::string sanitize;
};

/// Links a shared library that needs only libc, libm and libpthread.
/// Reports failures (with the driver's messages) on `loc`.
mlir::LogicalResult linkSharedLibrary(mlir::Location loc,
                                      const LinkInputs &inputs,
                                      llvm::StringRef output);

/// Links object files only (no shim), exporting `nnc_*`: for tests.
inline mlir::LogicalResult
linkSharedLibrary(mlir::Location loc, const std::vector<std::string> &objects,
                  llvm::StringRef output) {
  LinkInputs inputs;
  inputs.objects = objects;
  return linkSharedLibrary(loc, inputs, output);
}

} // namespace nnc

#endif // NNC_CODEGEN_CPUPIPELINE_H
