//===- LowerVectorOps.cpp - n-D vector ops of nnc-vectorize-ops to 1-D ----===//
//
// Implements nnc-lower-vector-ops, the post-bufferization half of
// nnc-vectorize-ops: vector.multi_reduction becomes 1-D vector.reduction
// (inner reductions) or elementwise ops (outer ones), vector.gather,
// broadcast, transpose and shape_cast become 1-D operations, and n-D
// transfers are unrolled to 1-D ones, so that the LLVM conversion sees
// vectors of one dimension only.
//
//===----------------------------------------------------------------------===//

#include "nnc/Codegen/Passes.h"

#include "mlir/Conversion/VectorToSCF/VectorToSCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Dialect/Vector/Transforms/LoweringPatterns.h"
#include "mlir/Dialect/Vector/Transforms/VectorRewritePatterns.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace nnc {
#define GEN_PASS_DEF_LOWERVECTOROPS
#include "nnc/Codegen/Passes.h.inc"
} // namespace nnc

using namespace mlir;

namespace {

struct LowerVectorOpsPass : nnc::impl::LowerVectorOpsBase<LowerVectorOpsPass> {
  void runOnOperation() override {
    MLIRContext *ctx = &getContext();
    // n-D transfers of contiguous memory (a row of pooling windows
    // [2, 14, 2]) first become one 1-D transfer.
    RewritePatternSet flatten(ctx);
    vector::populateFlattenVectorTransferPatterns(flatten);
    if (failed(applyPatternsAndFoldGreedily(getOperation(),
                                            std::move(flatten))))
      return signalPassFailure();
    RewritePatternSet patterns(ctx);
    vector::populateVectorMultiReductionLoweringPatterns(
        patterns, vector::VectorMultiReductionLowering::InnerReduction);
    vector::populateVectorGatherLoweringPatterns(patterns);
    vector::populateVectorBroadcastLoweringPatterns(patterns);
    vector::populateVectorShapeCastLoweringPatterns(patterns);
    vector::populateVectorTransposeLoweringPatterns(
        patterns, vector::VectorTransformsOptions());
    vector::populateVectorTransferPermutationMapLoweringPatterns(patterns);
    vector::populateVectorMaskOpLoweringPatterns(patterns);
    populateVectorToSCFConversionPatterns(
        patterns,
        VectorTransferToSCFOptions().setTargetRank(1).enableFullUnroll());
    vector::populateVectorToVectorCanonicalizationPatterns(patterns);
    if (failed(
            applyPatternsAndFoldGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};

} // namespace
