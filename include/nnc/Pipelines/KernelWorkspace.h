//===- KernelWorkspace.h - peak of the CPU kernels' temporaries -*- C++ -*-===//
//
// The kernel workspace of `nnc summary` and of the `--header` comment block:
// the peak bytes of heap buffers the CPU kernels of one model allocate and
// free inside one call (intermediate tensors, what train_step keeps for the
// backward pass, im2col matrices, packed matmul operands), computed at compile
// time by running the CPU pipeline up to bufferization and buffer
// deallocation on a copy of the module and executing the allocations and
// deallocations of each entry point at one batch (KernelWorkspace.cpp).
//
//===----------------------------------------------------------------------===//

#ifndef NNC_PIPELINES_KERNELWORKSPACE_H
#define NNC_PIPELINES_KERNELWORKSPACE_H

#include "nnc/Target/CPU/CPUPipeline.h"

#include "mlir/IR/BuiltinOps.h"

#include <cstdint>
#include <string>
#include <vector>

namespace nnc {

/// The temporaries of one entry point's kernel at one batch.
struct EntryWorkspace {
  /// "predict", "train_step", "grads" or "apply".
  std::string entry;
  /// The most bytes live at once on one thread: every allocation counted as
  /// the kernel asks the allocator for it (the buffer plus its alignment,
  /// which the memref lowering adds to align the pointer).
  int64_t peakBytes = 0;
  /// The most bytes one iteration of a parallel loop (a thread-pool task)
  /// has live at once: with T threads the peak is at most
  /// peakBytes + (T - 1) * perThreadBytes.
  int64_t perThreadBytes = 0;
};

/// The workspace of every entry point, or why it is not known.
struct KernelWorkspace {
  /// One per public kernel, in the module's order.
  std::vector<EntryWorkspace> entries;
  /// Empty when `entries` is complete; else what could not be evaluated.
  std::string unknown;

  /// The entry with the largest peak (nullptr when there is none).
  const EntryWorkspace *largest() const;
};

/// Lowers a copy of `nnModule` (as MLIRGen built it, before the nn passes)
/// through the nn passes, NNToLinalg and the CPU pipeline up to buffer
/// deallocation with `options`, and executes the allocations of each entry
/// point with every dynamic dimension of its arguments (the batch) equal to
/// `batch`: loops run all their iterations (the tasks of a parallel loop one
/// after the other), branches and deallocation conditions are evaluated.
/// `nnModule` is not changed.
KernelWorkspace estimateKernelWorkspace(mlir::ModuleOp nnModule, int64_t batch,
                                        const CPUCodegenOptions &options);

} // namespace nnc

#endif // NNC_PIPELINES_KERNELWORKSPACE_H
