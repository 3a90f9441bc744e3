//===- Pipelines.h - pass pipelines composed from nnc's passes ---*- C++
//-*-===//
//
// Functions that compose small passes into the pipelines the driver runs
// (IREE style): the nn-level pipeline (canonicalization, autodiff, optimizer)
// and the lowering of nn to linalg. The CPU pipeline below linalg is
// `buildLinalgToLLVMPipeline` (nnc/Target/CPU/CPUPipeline.h).
//
//===----------------------------------------------------------------------===//

#ifndef NNC_PIPELINES_PIPELINES_H
#define NNC_PIPELINES_PIPELINES_H

#include "mlir/Pass/PassManager.h"

namespace nnc {

/// Options of the nn-level pipeline.
struct NNPipelineOptions {
  /// The module has a train section (@loss): build @grads, @apply and
  /// @train_step from it.
  bool training = false;
  /// Also build @input_grads (d loss / d input; `nnc --input-grads`).
  bool inputGrads = false;
};

/// Canonicalization, then (training) autodiff, the optimizer and
/// buildGradientCleanupPipeline.
void buildNNPipeline(mlir::OpPassManager &pm, const NNPipelineOptions &options);

/// What follows autodiff and the optimizer: canonicalization (dead input
/// gradients gone) and CSE, nnc-layernorm-param-grads, and canonicalization
/// and CSE again. The gradient tests run it too, so that they check the
/// gradients in the form models compile them.
void buildGradientCleanupPipeline(mlir::OpPassManager &pm);

/// NNToLinalg and clean-up: every nn op becomes linalg/tensor/arith/math.
/// `perImageConvolutions`: the CPU's form of convolutions (one matmul per
/// image, ConvertNNToLinalg's `per-image-convolutions`);
/// `recurrentBatchRows`: the CPU's form of recurrent layers
/// (`recurrent-batch-rows`).
void buildNNToLinalgPipeline(mlir::OpPassManager &pm,
                             bool perImageConvolutions = false,
                             int64_t recurrentBatchRows = 0);

} // namespace nnc

#endif // NNC_PIPELINES_PIPELINES_H
