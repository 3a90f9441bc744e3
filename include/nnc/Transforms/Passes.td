//===- Passes.td - the passes of nnc on the nn dialect -*- tablegen -*-===//
//
// Declares nnc's passes (autodiff, optimizer, fusion, ...), one def per pass,
// each implemented in its own file under lib/Transforms and named after it;
// flags are prefixed `nnc-`. `GEN_PASS_REGISTRATION` makes
// `registerNNCPassesGenerated()`, which `nnc::registerNNCPasses()` calls.
// Add a pass like this:
//
//   def StripDropout : Pass<"nnc-strip-dropout", "::mlir::func::FuncOp"> {
//     let summary = "...";
//     let description = [{ ... }];
//     let dependentDialects = ["::mlir::nn::NNDialect"];
//   }
//
//===----------------------------------------------------------------------===//

#ifndef NNC_TRANSFORMS_PASSES_TD
#define NNC_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

#endif // NNC_TRANSFORMS_PASSES_TD
