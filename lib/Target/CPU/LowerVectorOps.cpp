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

#include "nnc/Target/CPU/Passes.h"

#include "mlir/Conversion/VectorToSCF/VectorToSCF.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Dialect/Vector/Transforms/LoweringPatterns.h"
#include "mlir/Dialect/Vector/Transforms/VectorRewritePatterns.h"
#include "mlir/Dialect/X86Vector/Transforms.h"
#include "mlir/Transforms/DialectConversion.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include <algorithm>

namespace nnc {
#define GEN_PASS_DEF_LOWERVECTOROPS
#include "nnc/Target/CPU/Passes.h.inc"
} // namespace nnc

using namespace mlir;

namespace {

/// Whether `kind` is a floating-point maximum or minimum.
bool isMinMaxCombiningKind(vector::CombiningKind kind) {
  return kind == vector::CombiningKind::MAXIMUMF ||
         kind == vector::CombiningKind::MINIMUMF;
}

/// A multi_reduction that reduces its innermost dim (of a few elements) and
/// keeps some outer one, such as a row of 2x2 pooling windows
/// `[KH, OW, KW] -> [OW]`: MLIR's lowering would make one horizontal
/// reduction of KH * KW elements per output. Instead, for each reduced
/// position one shuffle of the flattened source gathers that element of
/// every output, and the shuffles are combined elementwise: KH * KW
/// shuffles and as many vector ops for the whole row.
struct ReduceSmallInnerDimByShuffles
    : OpRewritePattern<vector::MultiDimReductionOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(vector::MultiDimReductionOp op,
                                PatternRewriter &rewriter) const override {
    VectorType srcType = op.getSourceVectorType();
    int64_t rank = srcType.getRank();
    if (srcType.isScalable() || rank < 2 || !op.isReducedDim(rank - 1))
      return failure();
    auto resultType = dyn_cast<VectorType>(op.getDestType());
    if (!resultType)
      return failure();
    ArrayRef<int64_t> shape = srcType.getShape();
    int64_t outputs = resultType.getNumElements();
    int64_t reduced = srcType.getNumElements() / outputs;
    if (outputs < 2 || reduced > 8 || srcType.getNumElements() > 256)
      return failure();
    // Row-major strides of the source; the kept and reduced dims in order.
    SmallVector<int64_t> strides(rank, 1);
    for (int64_t d = rank - 2; d >= 0; --d)
      strides[d] = strides[d + 1] * shape[d + 1];
    SmallVector<int64_t> kept, gone;
    for (int64_t d = 0; d < rank; ++d)
      (op.isReducedDim(d) ? gone : kept).push_back(d);
    // Flat source index of (output o, reduced position r).
    auto flatIndex = [&](int64_t o, int64_t r) {
      int64_t index = 0;
      for (int64_t d : llvm::reverse(kept)) {
        index += (o % shape[d]) * strides[d];
        o /= shape[d];
      }
      for (int64_t d : llvm::reverse(gone)) {
        index += (r % shape[d]) * strides[d];
        r /= shape[d];
      }
      return index;
    };
    Location loc = op.getLoc();
    auto flatType =
        VectorType::get({srcType.getNumElements()}, srcType.getElementType());
    auto rowType = VectorType::get({outputs}, srcType.getElementType());
    Value flat =
        rewriter.create<vector::ShapeCastOp>(loc, flatType, op.getSource());
    Value acc = rewriter.create<vector::ShapeCastOp>(loc, rowType, op.getAcc());
    // A maximum or minimum over a window does not order -0 and +0 (nsz, as
    // PyTorch's pooling, which keeps the first of equal values). It still
    // propagates NaN. Without nsz, x86 orders the zeros with a sign-bit mask
    // and two blends around every vmaxps: 6 instructions per tap of a 2x2
    // max pooling instead of 3.
    arith::FastMathFlagsAttr fastmath;
    if (isMinMaxCombiningKind(op.getKind()))
      fastmath = arith::FastMathFlagsAttr::get(rewriter.getContext(),
                                               arith::FastMathFlags::nsz);
    for (int64_t r = 0; r < reduced; ++r) {
      SmallVector<int64_t> mask;
      for (int64_t o = 0; o < outputs; ++o)
        mask.push_back(flatIndex(o, r));
      Value lane = rewriter.create<vector::ShuffleOp>(loc, flat, flat, mask);
      acc = vector::makeArithReduction(rewriter, loc, op.getKind(), lane, acc,
                                       fastmath);
    }
    rewriter.replaceOpWithNewOp<vector::ShapeCastOp>(op, resultType, acc);
    return success();
  }
};

/// A 2-D vector.transpose of at most one 512-bit register's floats (the
/// 4 x 4 blocks of nnc-vectorize-ops) as one permutation of the flattened
/// vector (x86: one vpermps), where the default lowering moves each element
/// with an extract and an insert.
struct SmallTransposeToShuffle : OpRewritePattern<vector::TransposeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(vector::TransposeOp op,
                                PatternRewriter &rewriter) const override {
    VectorType source = op.getSourceVectorType();
    if (source.getRank() != 2 || source.isScalable() ||
        source.getNumElements() > 16)
      return failure();
    int64_t rows = source.getDimSize(0), columns = source.getDimSize(1);
    Location loc = op.getLoc();
    auto flatType = VectorType::get({rows * columns}, source.getElementType());
    Value flat =
        rewriter.create<vector::ShapeCastOp>(loc, flatType, op.getVector());
    // Result element (c, r) is source element (r, c).
    SmallVector<int64_t> mask;
    for (int64_t c = 0; c < columns; ++c)
      for (int64_t r = 0; r < rows; ++r)
        mask.push_back(r * columns + c);
    Value shuffled = rewriter.create<vector::ShuffleOp>(loc, flat, flat, mask);
    rewriter.replaceOpWithNewOp<vector::ShapeCastOp>(
        op, op.getResultVectorType(), shuffled);
    return success();
  }
};

/// A vector.shape_cast between n-D vectors as runs of contiguous elements
/// instead of MLIR's reference lowering, one extract and one insert per
/// element (ShapeCastOpRewritePattern; its 2-D patterns cover only
/// `[A, B] <-> [A * B]`). In row-major order the elements split into runs
/// that each lie in one innermost row of the source and one of the result;
/// each run is one strided slice (or a whole row) moved between rows:
/// `[100] -> [1, 1, 1, 10, 10]` (LeNet-5's pooling windows) is 10 slices and
/// 10 row inserts instead of 100 extracts and 100 inserts. Those per-element
/// chains were 40% of the ops of LeNet-5's kernels before the LLVM conversion
/// (which folded them into the same shuffles) and 6-7% of the compile time.
struct ShapeCastByRuns : OpRewritePattern<vector::ShapeCastOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(vector::ShapeCastOp op,
                                PatternRewriter &rewriter) const override {
    VectorType source = op.getSourceVectorType();
    VectorType result = op.getResultVectorType();
    if (source.isScalable() || result.isScalable() || source.getRank() == 0 ||
        result.getRank() == 0 ||
        (source.getRank() == 1 && result.getRank() == 1))
      return failure();
    int64_t sourceRow = source.getShape().back();
    int64_t resultRow = result.getShape().back();
    // Rows of one element: runs of one, the reference lowering.
    if (sourceRow == 1 || resultRow == 1)
      return failure();
    Location loc = op.getLoc();
    auto resultRowType = VectorType::get({resultRow}, result.getElementType());
    // The index of the leading dims of a row-major shape for a row number.
    auto rowIndex = [](ArrayRef<int64_t> shape, int64_t row) {
      SmallVector<int64_t> index(shape.size() - 1);
      for (int64_t d = static_cast<int64_t>(index.size()) - 1; d >= 0; --d) {
        index[d] = row % shape[d];
        row /= shape[d];
      }
      return index;
    };
    Value out = rewriter.create<arith::ConstantOp>(
        loc, result, rewriter.getZeroAttr(result));
    Value row, rowOut;
    for (int64_t begin = 0, total = source.getNumElements(); begin < total;) {
      int64_t inSource = begin % sourceRow, inResult = begin % resultRow;
      int64_t run = std::min(sourceRow - inSource, resultRow - inResult);
      if (inSource == 0)
        row = source.getRank() == 1
                  ? Value(op.getSource())
                  : rewriter.create<vector::ExtractOp>(
                        loc, op.getSource(),
                        rowIndex(source.getShape(), begin / sourceRow));
      Value piece = row;
      if (run != sourceRow)
        piece = rewriter.create<vector::ExtractStridedSliceOp>(
            loc, row, ArrayRef<int64_t>{inSource}, ArrayRef<int64_t>{run},
            ArrayRef<int64_t>{1});
      if (run == resultRow) {
        rowOut = piece;
      } else {
        if (inResult == 0)
          rowOut = rewriter.create<arith::ConstantOp>(
              loc, resultRowType, rewriter.getZeroAttr(resultRowType));
        rowOut = rewriter.create<vector::InsertStridedSliceOp>(
            loc, piece, rowOut, ArrayRef<int64_t>{inResult},
            ArrayRef<int64_t>{1});
      }
      begin += run;
      if (begin % resultRow != 0)
        continue;
      out = result.getRank() == 1
                ? rowOut
                : (Value)rewriter.create<vector::InsertOp>(
                      loc, rowOut, out,
                      rowIndex(result.getShape(), begin / resultRow - 1));
    }
    rewriter.replaceOp(op, out);
    return success();
  }
};

struct LowerVectorOpsPass : nnc::impl::LowerVectorOpsBase<LowerVectorOpsPass> {
  using LowerVectorOpsBase::LowerVectorOpsBase;

  void runOnOperation() override {
    MLIRContext *ctx = &getContext();
    // Elementwise ops on n-D vectors whose rows are narrower than a
    // register (a [2, 14, 2] row of pooling windows: rows of 2 floats)
    // become one op on the flattened vector instead of one per row.
    TypeConverter linearTypes;
    ConversionTarget linearTarget(*ctx);
    RewritePatternSet linearize(ctx);
    vector::populateVectorLinearizeTypeConversionsAndLegality(
        linearTypes, linearize, linearTarget, registerBits);
    if (failed(applyPartialConversion(getOperation(), linearTarget,
                                      std::move(linearize))))
      return signalPassFailure();
    RewritePatternSet patterns(ctx);
    patterns.add<ReduceSmallInnerDimByShuffles, ShapeCastByRuns>(ctx,
                                                                 /*benefit=*/2);
    vector::populateVectorMultiReductionLoweringPatterns(
        patterns, vector::VectorMultiReductionLowering::InnerReduction);
    vector::populateVectorGatherLoweringPatterns(patterns);
    vector::populateVectorBroadcastLoweringPatterns(patterns);
    vector::populateVectorShapeCastLoweringPatterns(patterns);
    if (avx2Transpose)
      x86vector::avx2::populateSpecializedTransposeLoweringPatterns(
          patterns,
          x86vector::avx2::LoweringOptions().setTransposeOptions(
              x86vector::avx2::TransposeLoweringOptions().lower8x8xf32()));
    patterns.add<SmallTransposeToShuffle>(ctx, /*benefit=*/2);
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
    // A horizontal maximum or minimum (a softmax's row maximum, a max
    // reduction) need not order -0 and +0 (nsz; PyTorch's reductions keep
    // whichever of equal values they meet), and still propagates NaN. x86
    // then needs one compare and one blend around each vmaxps instead of
    // five instructions: 32 instead of 68 for a row of 64 floats.
    getOperation().walk([](vector::ReductionOp reduction) {
      if (!isMinMaxCombiningKind(reduction.getKind()))
        return;
      reduction.setFastmath(reduction.getFastmath() |
                            arith::FastMathFlags::nsz);
    });
  }
};

} // namespace
