//===- Pipeline.h - the pipeline prefix every back end shares ---*- C++ -*-===//
//
// The first steps from linalg-on-tensors entry points to kernels, the same
// for every back end (lib/Target/CPU, lib/Target/CUDA): elementwise fusion
// on tensors (nnc-fuse-elementwise) and destination passing. What follows
// differs by target (docs/architecture.md, "Back ends").
//
//===----------------------------------------------------------------------===//

#ifndef NNC_CODEGEN_PIPELINE_H
#define NNC_CODEGEN_PIPELINE_H

#include "mlir/Pass/PassManager.h"

namespace nnc {

/// Adds canonicalization, nnc-fuse-elementwise, canonicalization and CSE,
/// per function (registered as `nnc-fuse`, so that tests see exactly what
/// every back end fuses).
void buildFusionPipeline(mlir::OpPassManager &pm);

/// Adds the shared prefix: buildFusionPipeline, then nnc-destination-passing
/// (public tensor functions become `nnc_impl_*` kernels writing into their
/// result buffers).
void buildSharedPrefix(mlir::OpPassManager &pm);

} // namespace nnc

#endif // NNC_CODEGEN_PIPELINE_H
