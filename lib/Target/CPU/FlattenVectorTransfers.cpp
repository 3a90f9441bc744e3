//===- FlattenVectorTransfers.cpp - n-D tile transfers to 1-D ones --------===//
//
// Implements nnc-flatten-vector-transfers, after bufferization and before the
// contract and vector lowerings (which unroll every n-D transfer into its
// rows): a transfer of rank 4 or more (a tile of nnc-vectorize-ops, such as
// a row of pooling windows [1, 1, 1, 2, 14, 2]) loses its unit dims and, when
// the memory it covers is contiguous and its rows are narrower than a
// register, becomes one 1-D transfer and a shape_cast. Unrolled, that row of
// windows was 28 loads of 2 floats. The matmul schedule's transfers (rank 2)
// are left to nnc-lower-vector-contract as they are, and so are rank-3 tiles:
// flattening the per-tap adds of the per-image convolution input gradient
// ([1, 2, 14] rows of a [C, 14, 14] image) doubled that loop's time
// (fashion_cnn conv2, 15 -> 29 ms per train step). Leading unit dims over
// memref dims that are not unit (a tile of a matrix whose rows are padded)
// are dropped through a rank-reduced subview first.
//
//===----------------------------------------------------------------------===//

#include "nnc/Target/CPU/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Dialect/Vector/Transforms/VectorRewritePatterns.h"
#include "mlir/Dialect/Vector/Utils/VectorUtils.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace nnc {
#define GEN_PASS_DEF_FLATTENVECTORTRANSFERS
#include "nnc/Target/CPU/Passes.h.inc"
} // namespace nnc

using namespace mlir;

namespace {

/// A transfer whose vector has leading unit dims over memref dims that are
/// not unit (a [1, 1, 1, 10, 10] tile of a [6, 5, 5, 10, 10] view whose rows
/// are padded to cache lines, nnc-align-matmul-rows): the transfer of the
/// trailing dims alone on a rank-reduced subview at the same place. MLIR's
/// flattening asks the whole vector's dims to be contiguous in memory, which
/// the padded outer dims are not, and MLIR's unit-dim dropping needs unit
/// memref dims. Only when the trailing dims are contiguous (then flattened).
template <typename TransferOp>
struct DropLeadingUnitDims : OpRewritePattern<TransferOp> {
  using OpRewritePattern<TransferOp>::OpRewritePattern;

  LogicalResult matchAndRewrite(TransferOp op,
                                PatternRewriter &rewriter) const override {
    VectorType vectorType = op.getVectorType();
    auto memrefType = dyn_cast<MemRefType>(op.getShapedType());
    if (!memrefType || op.getMask() || op.hasOutOfBoundsDim() ||
        !op.getPermutationMap().isMinorIdentity() ||
        memrefType.getRank() != vectorType.getRank())
      return failure();
    int64_t rank = vectorType.getRank(), unit = 0;
    while (unit < rank - 1 && vectorType.getDimSize(unit) == 1)
      ++unit;
    bool unitMemrefDims = llvm::all_of(memrefType.getShape().take_front(unit),
                                       [](int64_t d) { return d == 1; });
    // (A single row stays as it is: nnc-widen-row-stores widens the row
    // stores of a loop into one view, which a subview per row would hide.)
    if (unit == 0 || unitMemrefDims || rank - unit < 2)
      return failure();
    Location loc = op.getLoc();
    SmallVector<OpFoldResult> offsets = getAsOpFoldResult(op.getIndices());
    SmallVector<OpFoldResult> sizes, strides(rank, rewriter.getIndexAttr(1));
    for (int64_t d = 0; d < rank; ++d)
      sizes.push_back(rewriter.getIndexAttr(vectorType.getDimSize(d)));
    auto reducedShape = vectorType.getShape().drop_front(unit);
    auto subviewType =
        cast<MemRefType>(memref::SubViewOp::inferRankReducedResultType(
            reducedShape, memrefType, offsets, sizes, strides));
    auto reducedType =
        VectorType::get(reducedShape, vectorType.getElementType());
    // Only where the trailing dims then flatten (contiguous in memory).
    if (!vector::isContiguousSlice(subviewType, reducedType))
      return failure();
    Value view = rewriter.create<memref::SubViewOp>(
        loc, subviewType, op.getSource(), offsets, sizes, strides);
    SmallVector<Value> zeros(
        reducedShape.size(),
        rewriter.create<arith::ConstantIndexOp>(loc, 0).getResult());
    SmallVector<bool> inBounds(reducedShape.size(), true);
    if constexpr (std::is_same_v<TransferOp, vector::TransferWriteOp>) {
      Value value = rewriter.create<vector::ShapeCastOp>(loc, reducedType,
                                                         op.getVector());
      rewriter.replaceOpWithNewOp<vector::TransferWriteOp>(op, value, view,
                                                           zeros, inBounds);
    } else {
      Value read = rewriter.create<vector::TransferReadOp>(
          loc, reducedType, view, zeros, op.getPadding(), inBounds);
      rewriter.replaceOpWithNewOp<vector::ShapeCastOp>(op, vectorType, read);
    }
    return success();
  }
};

struct FlattenVectorTransfersPass
    : nnc::impl::FlattenVectorTransfersBase<FlattenVectorTransfersPass> {
  using FlattenVectorTransfersBase::FlattenVectorTransfersBase;

  void runOnOperation() override {
    SmallVector<Operation *> transfers;
    getOperation()->walk([&](VectorTransferOpInterface op) {
      if (op.getVectorType().getRank() >= 4)
        transfers.push_back(op);
    });
    if (transfers.empty())
      return;
    RewritePatternSet patterns(&getContext());
    // Unit dims first: they make the view look non-contiguous (a
    // [1, 1, 1, 2, 14, 2] tile of a [N, 32, 14, 2, 14, 2] view).
    vector::populateVectorTransferDropUnitDimsPatterns(patterns);
    patterns.add<DropLeadingUnitDims<vector::TransferReadOp>,
                 DropLeadingUnitDims<vector::TransferWriteOp>>(&getContext(),
                                                               /*benefit=*/0);
    vector::populateFlattenVectorTransferPatterns(patterns, registerBits - 32);
    GreedyRewriteConfig config;
    config.strictMode = GreedyRewriteStrictness::ExistingAndNewOps;
    (void)applyOpPatternsAndFold(transfers, std::move(patterns), config);
  }
};

} // namespace
