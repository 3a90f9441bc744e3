//===- Target.h - what a back end offers the compiler -----------*- C++ -*-===//
//
// The small interface between the compilation driver (lib/Pipelines) and a
// back end (lib/Target/CPU, lib/Target/CUDA): the driver looks a back end up
// by its --target name and asks it for its pipeline, instead of branching on
// the name. Every pipeline starts with the shared prefix of
// nnc/Codegen/Pipeline.h and ends with host code in the LLVM dialect with
// packed entry points `nnc_kernel_E(void **args)`, which the driver then
// emits and links the same way for every target (nnc/Target/Object).
//
//===----------------------------------------------------------------------===//

#ifndef NNC_TARGET_TARGET_H
#define NNC_TARGET_TARGET_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"

#include <string>
#include <vector>

namespace nnc {

/// The compile options a back end may read (from nnc's command line).
struct TargetOptions {
  /// Optimisation level, 0..3 (LLVM for the CPU, NVVM for the kernels).
  unsigned optLevel = 3;
  /// LLVM CPU name of the host code ("host": the machine nnc runs on).
  std::string cpu = "host";
  /// CPU: what the schedules vectorize: "all", "matmul" or "none".
  std::string vectorize = "all";
  /// CUDA: SM architectures to compile PTX for; empty: the default ones.
  std::vector<std::string> gpuChips;
};

/// A back end.
class Target {
public:
  virtual ~Target() = default;
  /// The --target name ("cpu", "cuda").
  virtual llvm::StringRef getName() const = 0;
  /// Whether nnc-convert-nn-to-linalg lowers convolutions image by image
  /// (a loop of per-image products the CPU schedules tile) rather than as
  /// one batched op.
  virtual bool perImageConvolutions() const = 0;
  /// Batch rows per chunk of a recurrent layer's time loop (chunks run on
  /// threads, Recurrent.cpp); 0: one time loop over the whole batch.
  virtual int64_t recurrentBatchRows() const { return 0; }
  /// Rejects, with a diagnostic at the offending value, what this back end
  /// cannot compile; runs on nn-level IR.
  virtual mlir::LogicalResult checkModule(mlir::ModuleOp module) const {
    return mlir::success();
  }
  /// Adds the passes from linalg-on-tensors entry points to LLVM-dialect
  /// host code with packed entries (the shared prefix first).
  virtual void buildPipeline(mlir::OpPassManager &pm,
                             const TargetOptions &options) const = 0;
  /// Whether the back end compiles @input_grads (--input-grads).
  virtual bool supportsInputGradients() const { return true; }
  /// Whether the back end runs its kernels on the host, so that their
  /// workspace can be estimated from the host pipeline (nnc summary).
  virtual bool runsOnHost() const = 0;
  /// Device code (--emit=ptx): false when the back end has none.
  virtual bool hasDeviceCode() const { return false; }
  /// Adds the passes up to the embedded device code (hasDeviceCode()).
  virtual void buildDeviceCodePipeline(mlir::OpPassManager &pm,
                                       const TargetOptions &options) const {}
  /// Writes the device code for `chip` embedded in `module` (after
  /// buildDeviceCodePipeline).
  virtual mlir::LogicalResult writeDeviceCode(mlir::ModuleOp module,
                                              llvm::StringRef chip,
                                              llvm::raw_ostream &os) const {
    return mlir::emitError(module.getLoc())
           << "the " << getName() << " target has no device code";
  }
};

/// The back end called `name`, or null (lib/Target/Target.cpp).
const Target *lookupTarget(llvm::StringRef name);

/// The names of every back end, in registration order.
llvm::SmallVector<llvm::StringRef> getTargetNames();

} // namespace nnc

#endif // NNC_TARGET_TARGET_H
