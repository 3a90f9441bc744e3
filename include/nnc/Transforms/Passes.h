//===- Passes.h - the passes of nnc on the nn dialect --------- -*- C++ -*-===//
//
// Declares nnc's passes (generated from Passes.td with GEN_PASS_DECL) and
// `nnc::registerNNCPasses()` (GEN_PASS_REGISTRATION), which makes all of
// them known to `nnc-opt` and to textual pipelines.
//
//===----------------------------------------------------------------------===//

#ifndef NNC_TRANSFORMS_PASSES_H
#define NNC_TRANSFORMS_PASSES_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

namespace nnc {

#define GEN_PASS_DECL
#include "nnc/Transforms/Passes.h.inc"

/// `registerNNCPasses()`: registers every nnc pass with the global registry.
#define GEN_PASS_REGISTRATION
#include "nnc/Transforms/Passes.h.inc"

} // namespace nnc

#endif // NNC_TRANSFORMS_PASSES_H
