//===- BatchMatmulLoop.cpp - batch_matmul as a loop of matmuls ------------===//
//
// Implements nnc-batch-matmul-loop for the CPU: every f32 linalg.batch_matmul
// on tensors whose matrices have static sizes (attention's scores and
// weighted sums, per batch and head) is tiled by 1 along the batch with
// scf.for (the fill of its accumulator fused into the loop), and the unit
// batch dim is then dropped with MLIR's rank-reducing contraction patterns,
// leaving one 2-D linalg.matmul per iteration. nnc-matmul-schedule, which
// runs next, tiles and vectorizes those like any other matmul; a
// batch_matmul would otherwise end as a scalar loop nest. (The GPU back end
// keeps batch_matmul: its tiled kernel handles the batch as a grid dim.)
//
//===----------------------------------------------------------------------===//

#include "nnc/Target/CPU/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/SCF/Transforms/TileUsingInterface.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace nnc {
#define GEN_PASS_DEF_BATCHMATMULLOOP
#include "nnc/Target/CPU/Passes.h.inc"
} // namespace nnc

using namespace mlir;

namespace {

/// Whether the schedule can take the matrices of `op`: f32, static M/N/K.
bool hasStaticMatrices(linalg::BatchMatmulOp op) {
  auto lhs = dyn_cast<RankedTensorType>(op.getInputs()[0].getType());
  auto result = dyn_cast<RankedTensorType>(op->getResult(0).getType());
  if (!lhs || !result || !result.getElementType().isF32())
    return false;
  return !lhs.isDynamicDim(1) && !lhs.isDynamicDim(2) &&
         !result.isDynamicDim(1) && !result.isDynamicDim(2);
}

struct BatchMatmulLoopPass
    : nnc::impl::BatchMatmulLoopBase<BatchMatmulLoopPass> {
  void runOnOperation() override {
    func::FuncOp func = getOperation();
    SmallVector<linalg::BatchMatmulOp> ops;
    func.walk([&](linalg::BatchMatmulOp op) {
      if (hasStaticMatrices(op))
        ops.push_back(op);
    });
    if (ops.empty())
      return;
    IRRewriter rewriter(&getContext());
    for (linalg::BatchMatmulOp op : ops) {
      rewriter.setInsertionPoint(op);
      scf::SCFTilingOptions tiling;
      tiling.setTileSizes({rewriter.getIndexAttr(1), rewriter.getIndexAttr(0),
                           rewriter.getIndexAttr(0), rewriter.getIndexAttr(0)});
      scf::SCFTileAndFuseOptions options;
      options.setTilingOptions(tiling);
      // Fuse only the accumulator's fill: other producers (projections,
      // transposes) must not be recomputed per batch.
      // (The tuple: fuse it, do not yield a replacement for it.)
      options.setFusionControlFn([](tensor::ExtractSliceOp, OpResult producer,
                                    bool) {
        return std::make_tuple(isa<linalg::FillOp>(producer.getOwner()), false);
      });
      FailureOr<scf::SCFTileAndFuseResult> tiled =
          scf::tileConsumerAndFuseProducersUsingSCF(
              rewriter, cast<TilingInterface>(op.getOperation()), options);
      if (failed(tiled))
        continue; // stays a batch_matmul: correct, only slower
      for (OpResult result : op->getResults())
        if (Value replacement = tiled->replacements.lookup(result))
          rewriter.replaceAllUsesWith(result, replacement);
      rewriter.eraseOp(op);
    }
    RewritePatternSet patterns(&getContext());
    linalg::populateContractionOpRankReducingPatterns(patterns);
    tensor::populateFoldTensorEmptyPatterns(patterns);
    if (failed(applyPatternsAndFoldGreedily(func, std::move(patterns))))
      return signalPassFailure();
  }
};

} // namespace
