//===- Object.h - host object files and model.so ------------------*- C++
//-*-===//
//
// Emission of LLVM-dialect modules as host object files through LLVM's
// TargetMachine for the host's architecture (whatever LLVM_NATIVE_ARCH is;
// nothing here names X86), cutting them into parts compiled on several
// threads, and linking model.so with the model shim. Shared by the CPU
// back end and the CUDA back end's host code.
//
//===----------------------------------------------------------------------===//

#ifndef NNC_TARGET_OBJECT_OBJECT_H
#define NNC_TARGET_OBJECT_OBJECT_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Support/Timing.h"
#include "llvm/ADT/SmallString.h"

#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace llvm {
class Module;
class TargetMachine;
} // namespace llvm

namespace nnc {

/// Options of the host object emission (emitNativeCode).
struct NativeCodeOptions {
  /// LLVM optimisation level, 0..3.
  unsigned optLevel = 3;
  /// Target CPU name for LLVM ("host" = the machine nnc runs on).
  std::string cpu = "host";
  /// Give every emitted symbol hidden visibility (only the shim exports).
  bool hideSymbols = true;
  /// Instrument the kernels with AddressSanitizer (emitNativeCode): every
  /// load and store is checked against the process's shadow memory, so a
  /// kernel that reads or writes outside a buffer stops with a report. Set in
  /// the sanitizer build only; the object then needs the ASan runtime of the
  /// program that loads it.
  bool sanitizeAddress = false;
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

/// The LLVM CPU name and feature string of `options.cpu`; for "host", the
/// host's name and features as LLVM detects them.
std::pair<std::string, std::string>
getCPUNameAndFeatures(const NativeCodeOptions &options);

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
mlir::LogicalResult
emitNativeCode(mlir::ModuleOp module, const NativeCodeOptions &options,
               llvm::StringRef path, bool asLLVMIR,
               std::vector<std::string> *moreObjects = nullptr,
               mlir::TimingScope *timing = nullptr);

/// Cuts `module` into `parts` modules of about equal instruction counts,
/// returned as bitcode: clusters of local functions and the local symbols
/// they use stay together, local constants are copied into every part, and
/// a local symbol used from another part becomes hidden external, so the
/// parts link with each other and export nothing new (SplitCodegen.cpp).
std::vector<llvm::SmallString<0>> partitionModule(llvm::Module &module,
                                                  unsigned parts);

/// Moves the entry points (`nnc_kernel_*`) of `module` with at least
/// `minInstructions` instructions into a module of their own (null when there
/// are none): the entry points of a deep network, thousands of straight-line
/// kernel calls, which the optimising register allocator takes seconds over.
/// The local symbols of `module` become hidden external ones, their names
/// suffixed with `suffix` (unique per part), so that the two objects link with
/// each other and export nothing new (SplitCodegen.cpp).
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

#endif // NNC_TARGET_OBJECT_OBJECT_H
