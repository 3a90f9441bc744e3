//===- ConvertNNToLinalg.cpp - the nnc-convert-nn-to-linalg pass ----------===//
//
// Implements nnc-convert-nn-to-linalg: a partial conversion with the nn
// dialect illegal and linalg/tensor/arith/math/scf legal, using the pattern
// families collected by populateNNToLinalgPatterns. An nn op left without a
// pattern makes the conversion fail with a diagnostic at the op's location.
// Elementwise arith/math ops on tensors (MLIRGen's `arith.addi` that offsets
// the seed of every dropout site after the first) become linalg.generic
// too: bufferization has no model for them.
//
//===----------------------------------------------------------------------===//

#include "nnc/Conversion/NNToLinalg/NNToLinalg.h"
#include "nnc/Conversion/Passes.h"
#include "nnc/Dialect/NN/NNDialect.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Transforms/DialectConversion.h"

namespace nnc {
#define GEN_PASS_DEF_CONVERTNNTOLINALG
#include "nnc/Conversion/Passes.h.inc"
} // namespace nnc

using namespace mlir;

void nnc::populateNNToLinalgPatterns(RewritePatternSet &patterns,
                                     const NNToLinalgOptions &options) {
  populateNNElementwisePatterns(patterns);
  populateNNDensePatterns(patterns);
  populateNNConvPatterns(patterns, options);
  populateNNPoolingPatterns(patterns);
  populateNNNormalizationPatterns(patterns);
  populateNNReplicaPatterns(patterns);
  populateNNEmbeddingPatterns(patterns);
  populateNNRecurrentPatterns(patterns, options);
  populateNNAttentionPatterns(patterns);
  populateNNShapePatterns(patterns);
  populateNNReductionPatterns(patterns);
  populateNNLossPatterns(patterns);
  populateNNGradPatterns(patterns);
  populateNNConvGradPatterns(patterns, options);
  populateNNEmbeddingGradPatterns(patterns);
  populateNNRecurrentGradPatterns(patterns);
  populateNNOptimizerPatterns(patterns);
}

namespace {

/// An elementwise-mappable op (arith.addi, math.exp, ...) whose operands
/// are all ranked tensors, which linalg's elementwise patterns turn into a
/// linalg.generic. Mixed scalar/tensor forms (arith.select with an i1
/// condition) stay as they were.
bool isElementwiseOnTensors(Operation *op) {
  return OpTrait::hasElementwiseMappableTraits(op) &&
         op->getNumOperands() > 0 &&
         llvm::all_of(op->getOperandTypes(), llvm::IsaPred<RankedTensorType>);
}

struct ConvertNNToLinalgPass
    : nnc::impl::ConvertNNToLinalgBase<ConvertNNToLinalgPass> {
  using ConvertNNToLinalgBase::ConvertNNToLinalgBase;

  void runOnOperation() override {
    MLIRContext *ctx = &getContext();
    ConversionTarget target(*ctx);
    target.addIllegalDialect<nn::NNDialect>();
    target.addLegalDialect<
        arith::ArithDialect, linalg::LinalgDialect, math::MathDialect,
        scf::SCFDialect, tensor::TensorDialect, func::FuncDialect,
        // nn.replica_sum's buffer (Replicas.cpp)
        memref::MemRefDialect, bufferization::BufferizationDialect>();
    target.addDynamicallyLegalDialect<arith::ArithDialect, math::MathDialect>(
        [](Operation *op) { return !isElementwiseOnTensors(op); });
    RewritePatternSet patterns(ctx);
    nnc::NNToLinalgOptions options;
    options.perImageConvolutions = perImageConvolutions;
    options.recurrentBatchRows = recurrentBatchRows;
    nnc::populateNNToLinalgPatterns(patterns, options);
    linalg::populateElementwiseToLinalgConversionPatterns(patterns);
    if (failed(applyPartialConversion(getOperation(), target,
                                      std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
