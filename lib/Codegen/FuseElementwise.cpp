//===- FuseElementwise.cpp - elementwise fusion that keeps contractions ---===//
//
// Implements nnc-fuse-elementwise: MLIR's elementwise fusion on tensors
// (the patterns of `linalg-fuse-elementwise-ops`: producer/consumer fusion
// of all-parallel generics, reshape propagation by expansion, constant
// folding of linalg ops) with one change in the reshape control: a
// tensor.expand_shape/collapse_shape is never folded into a contraction
// (a linalg op with a reduction loop, such as linalg.matmul or
// linalg.batch_matmul), and a producer that the consumer broadcasts is not
// fused into it (it would be recomputed per element). The stock pass rewrites
// `matmul -> expand_shape` (a dense layer on [N, T, D], attention heads) into a
// higher-rank linalg.generic contraction, which the matmul schedule does not
// recognise and which then runs as a scalar loop nest. Elementwise ops still
// absorb reshapes, so biases and activations keep fusing.
//
//===----------------------------------------------------------------------===//

#include "nnc/Codegen/Passes.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/Tensor/Transforms/Transforms.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace nnc {
#define GEN_PASS_DEF_FUSEELEMENTWISE
#include "nnc/Codegen/Passes.h.inc"
} // namespace nnc

using namespace mlir;

namespace {

/// A linalg op with a reduction loop (matmul, batch_matmul, a contraction
/// or reduction generic).
bool hasReduction(Operation *op) {
  auto linalgOp = dyn_cast_or_null<linalg::LinalgOp>(op);
  return linalgOp && linalgOp.getNumReductionLoops() > 0;
}

struct FuseElementwisePass
    : nnc::impl::FuseElementwiseBase<FuseElementwisePass> {
  void runOnOperation() override {
    MLIRContext *ctx = &getContext();
    RewritePatternSet patterns(ctx);
    // A producer the consumer broadcasts (its operand map drops loops, like
    // a per-channel [C] value read by an [N, C, H, W] op) is not fused: its
    // body would run once per consumer element instead of once per value
    // (inference batchnorm's gamma / sqrt(var + eps): a sqrt and a divide
    // per pixel).
    linalg::ControlFusionFn fuseSingleUse = [](OpOperand *fused) {
      Operation *producer = fused->get().getDefiningOp();
      if (!producer || !producer->hasOneUse())
        return false;
      auto consumer = dyn_cast<linalg::LinalgOp>(fused->getOwner());
      return !consumer ||
             consumer.getMatchingIndexingMap(fused).getNumResults() ==
                 consumer.getNumLoops();
    };
    linalg::ControlFusionFn keepContractions = [](OpOperand *fused) {
      Operation *producer = fused->get().getDefiningOp();
      if (!producer || !producer->hasOneUse())
        return false;
      // The reshape's other side: through a reshape producer to its source.
      Operation *beyond = producer;
      if (isa<tensor::ExpandShapeOp, tensor::CollapseShapeOp>(producer))
        beyond = producer->getOperand(0).getDefiningOp();
      return !hasReduction(producer) && !hasReduction(beyond) &&
             !hasReduction(fused->getOwner());
    };
    linalg::populateElementwiseOpsFusionPatterns(patterns, fuseSingleUse);
    linalg::populateFoldReshapeOpsByExpansionPatterns(patterns,
                                                      keepContractions);
    affine::AffineApplyOp::getCanonicalizationPatterns(patterns, ctx);
    linalg::GenericOp::getCanonicalizationPatterns(patterns, ctx);
    tensor::ExpandShapeOp::getCanonicalizationPatterns(patterns, ctx);
    tensor::CollapseShapeOp::getCanonicalizationPatterns(patterns, ctx);
    ctx->getLoadedDialect<linalg::LinalgDialect>()->getCanonicalizationPatterns(
        patterns);
    linalg::populateConstantFoldLinalgOperations(patterns, fuseSingleUse);
    GreedyRewriteConfig config;
    config.useTopDownTraversal = true;
    if (failed(applyPatternsAndFoldGreedily(getOperation(), std::move(patterns),
                                            config)))
      return signalPassFailure();
  }
};

} // namespace
