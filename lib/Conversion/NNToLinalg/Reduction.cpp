//===- Reduction.cpp - reductions and softmax to linalg.generic -----------===//
//
// `reduce_sum`/`reduce_mean` are one reduction generic (the mean then
// divides by the element count, read at run time for the batch), and
// `softmax`/`log_softmax` the numerically stable three-generic form of
// `lowering::softmax` (max, sum of exp(x - max), normalise). A sum over the
// batch dims of a batched `matmul` whose lhs is transposed (a dense layer's
// weight gradient on [N, T, D] inputs: sum over n of g[n]^T x[n]) is one
// matrix product over the collapsed rows instead, g^T x with g as
// [N*T, out] and x as [N*T, in].
//
//===----------------------------------------------------------------------===//

#include "LoweringUtils.h"
#include "nnc/Conversion/NNToLinalg/NNToLinalg.h"

using namespace mlir;
using namespace nnc::lowering;

namespace {

template <typename OpTy, bool isMean>
Value lowerReduce(OpTy op, typename OpTy::Adaptor adaptor,
                  ConversionPatternRewriter &rewriter) {
  Location loc = op.getLoc();
  Value x = adaptor.getInput();
  ArrayRef<int64_t> axes = op.getAxes();
  Value result = reduce(rewriter, loc, x, axes, op.getKeepdim(), 0,
                        [](OpBuilder &b, Location l, ValueRange a) {
                          return b.create<arith::AddFOp>(l, a[0], a[1]);
                        });
  if (isMean) {
    Value count = countF32(rewriter, loc, x, axes);
    result = unaryElementwise(rewriter, loc, result,
                              [&](OpBuilder &b, Location l, ValueRange a) {
                                return b.create<arith::DivFOp>(l, a[0], count);
                              });
  }
  auto resultType = cast<RankedTensorType>(result.getType());
  if (resultType.getRank() == 0 && op.getType().getRank() > 0) {
    // keepdim over every axis: a scalar becomes [1, ..., 1].
    result = rewriter.create<tensor::ExpandShapeOp>(
        loc, op.getType(), result, ArrayRef<ReassociationIndices>{});
  } else if (result.getType() != op.getType()) {
    result = rewriter.create<tensor::CastOp>(loc, op.getType(), result);
  }
  return result;
}

/// `reduce_sum(matmul(a, b, transpose_lhs), axes = batch dims)` with rank-r
/// operands [B..., K, M] and [B..., K, P]: the sum over the batches of
/// a[i]^T b[i] is the product of the operands with their batch and K dims
/// collapsed, one [M, B*K] x [B*K, P] matmul. The per-batch form computed B
/// products with a short reduction (K = T rows) into a [B, M, P] temporary
/// and then summed it; one product with the long reduction keeps the
/// accumulator tile in registers for all B*K rows. The matmul's own lowering
/// becomes dead and is erased. The reduction order changes (one sum over
/// B*K rows instead of per-batch sums added in batch order); it is still
/// independent of the thread count (docs/codegen.md, step 2b).
struct SummedBatchProductLowering : OpConversionPattern<nn::ReduceSumOp> {
  SummedBatchProductLowering(MLIRContext *ctx)
      : OpConversionPattern<nn::ReduceSumOp>(ctx, /*benefit=*/2) {}
  LogicalResult
  matchAndRewrite(nn::ReduceSumOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto product = op.getInput().getDefiningOp<nn::MatmulOp>();
    if (!product || !product->hasOneUse() || !product.getTransposeLhs() ||
        product.getTransposeRhs() || op.getKeepdim())
      return rewriter.notifyMatchFailure(op, "not a sum of batched g^T x");
    auto lhsType = cast<RankedTensorType>(product.getLhs().getType());
    auto rhsType = cast<RankedTensorType>(product.getRhs().getType());
    int64_t rank = lhsType.getRank();
    if (rank < 3 || rhsType.getRank() != rank)
      return rewriter.notifyMatchFailure(op, "operands are not batched");
    if (!llvm::equal(op.getAxes(), llvm::seq<int64_t>(0, rank - 2)))
      return rewriter.notifyMatchFailure(op, "not a sum over the batch dims");
    Location loc = op.getLoc();
    Value lhs = rewriter.getRemappedValue(product.getLhs());
    Value rhs = rewriter.getRemappedValue(product.getRhs());
    if (!lhs || !rhs)
      return rewriter.notifyMatchFailure(op, "operands not converted");
    // [B..., K, M] -> [M, B..., K] -> [M, B*K]; [B..., K, P] -> [B*K, P].
    // The transpose keeps K static and innermost, so it vectorizes in
    // register blocks (a [B*K, M] -> [M, B*K] one has a dynamic dim there).
    SmallVector<int64_t> perm = {rank - 1};
    llvm::append_range(perm, llvm::seq<int64_t>(0, rank - 1));
    Value lhsT = collapseDims(rewriter, loc,
                              transpose(rewriter, loc, lhs, perm), 1, rank - 1);
    Value rhsRows = collapseDims(rewriter, loc, rhs, 0, rank - 1);
    Value result = matmul(rewriter, loc, lhsT, rhsRows);
    if (result.getType() != op.getType())
      result = rewriter.create<tensor::CastOp>(loc, op.getType(), result);
    rewriter.replaceOp(op, result);
    return success();
  }
};

template <typename OpTy, bool isLog>
Value lowerSoftmax(OpTy op, typename OpTy::Adaptor adaptor,
                   ConversionPatternRewriter &rewriter) {
  return softmax(rewriter, op.getLoc(), adaptor.getInput(), op.getAxis(),
                 isLog);
}

} // namespace

void nnc::populateNNReductionPatterns(RewritePatternSet &patterns) {
  addLowerings<
      lowerReduce<nn::ReduceSumOp, false>, lowerReduce<nn::ReduceMeanOp, true>,
      lowerSoftmax<nn::SoftmaxOp, false>, lowerSoftmax<nn::LogSoftmaxOp, true>>(
      patterns);
  patterns.add<SummedBatchProductLowering>(patterns.getContext());
}
