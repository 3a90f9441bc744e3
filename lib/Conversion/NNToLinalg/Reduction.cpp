//===- Reduction.cpp - reductions and softmax to linalg.generic -----------===//
//
// `reduce_sum`/`reduce_mean` are one reduction generic (the mean then
// divides by the element count, read at run time for the batch), and
// `softmax`/`log_softmax` the numerically stable three-generic form of
// `lowering::softmax` (max, sum of exp(x - max), normalise).
//
//===----------------------------------------------------------------------===//

#include "LoweringUtils.h"
#include "nnc/Conversion/NNToLinalg/NNToLinalg.h"

using namespace mlir;
using namespace nnc::lowering;

namespace {

template <typename OpTy, bool isMean>
struct ReduceLowering : OpConversionPattern<OpTy> {
  using OpConversionPattern<OpTy>::OpConversionPattern;
  LogicalResult
  matchAndRewrite(OpTy op, typename OpTy::Adaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
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
                                  return b.create<arith::DivFOp>(l, a[0],
                                                                 count);
                                });
    }
    if (result.getType() != op.getType())
      result = rewriter.create<tensor::CastOp>(loc, op.getType(), result);
    rewriter.replaceOp(op, result);
    return success();
  }
};

template <typename OpTy, bool isLog>
struct SoftmaxLowering : OpConversionPattern<OpTy> {
  using OpConversionPattern<OpTy>::OpConversionPattern;
  LogicalResult
  matchAndRewrite(OpTy op, typename OpTy::Adaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    rewriter.replaceOp(op, softmax(rewriter, op.getLoc(), adaptor.getInput(),
                                   op.getAxis(), isLog));
    return success();
  }
};

} // namespace

void nnc::populateNNReductionPatterns(RewritePatternSet &patterns) {
  patterns.add<ReduceLowering<nn::ReduceSumOp, false>,
               ReduceLowering<nn::ReduceMeanOp, true>,
               SoftmaxLowering<nn::SoftmaxOp, false>,
               SoftmaxLowering<nn::LogSoftmaxOp, true>>(patterns.getContext());
}
