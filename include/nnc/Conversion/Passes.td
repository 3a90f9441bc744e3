//===- Passes.td - nnc conversion passes -------------------*- tablegen -*-===//
//
// Declares the passes that lower the nn dialect to upstream dialects. Each
// is implemented in its own folder under lib/Conversion; flags are prefixed
// `nnc-`. `GEN_PASS_REGISTRATION` makes `registerNNCConversionPasses()`.
//
//===----------------------------------------------------------------------===//

#ifndef NNC_CONVERSION_PASSES_TD
#define NNC_CONVERSION_PASSES_TD

include "mlir/Pass/PassBase.td"

def ConvertNNToLinalg : Pass<"nnc-convert-nn-to-linalg", "::mlir::ModuleOp"> {
  let summary = "Lower every nn op to linalg, tensor, arith, math and scf";
  let description = [{
    Rewrites the nn ops of every function into linalg on tensors (named ops
    for matrix products, convolutions and pooling, `linalg.generic` for
    elementwise work and reductions), `tensor` ops for shapes, `scf.for` for
    recurrences and `arith`/`math` for scalar bodies. The dynamic batch
    dimension is read with `tensor.dim`. The nn dialect is illegal after the
    pass: an op without a lowering is reported at its location. The pattern
    families are listed by `nnc::populateNNToLinalgPatterns`
    (include/nnc/Conversion/NNToLinalg/NNToLinalg.h); docs/lowering.md
    states the numerical choices.
  }];
  let options = [
    Option<"perImageConvolutions", "per-image-convolutions", "bool",
           /*default=*/"false",
           "conv2d and its gradients as one static matmul per image in an "
           "scf.for (the CPU's form) instead of one whole-batch product">,
    Option<"recurrentBatchRows", "recurrent-batch-rows", "int64_t",
           /*default=*/"0",
           "rnn/lstm/gru: chunks of this many batch rows each run the whole "
           "time loop in an scf.forall (the CPU's form); 0: one loop">
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::linalg::LinalgDialect",
    "::mlir::math::MathDialect", "::mlir::scf::SCFDialect",
    "::mlir::tensor::TensorDialect",
    // nn.replica_sum's call of the model shim (Replicas.cpp).
    "::mlir::bufferization::BufferizationDialect",
    "::mlir::func::FuncDialect", "::mlir::memref::MemRefDialect"
  ];
}

#endif // NNC_CONVERSION_PASSES_TD
