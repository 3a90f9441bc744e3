//===- Pooling.cpp - nn pooling to linalg pooling ops ---------------------===//
//
// Windows that tile the image (maxpool(2)) go to PoolingTiles.cpp. Else
// `maxpool2d` pads with -inf (a bounds-checked generic) and uses
// `linalg.pooling_nchw_max` into a -inf-filled accumulator; `avgpool2d` pads
// with zeros, sums with `linalg.pooling_nchw_sum` and divides each output by
// the number of real cells of its window inside the image grown by
// `divisor_padding`, computed from `linalg.index` (none: PyTorch's
// `count_include_pad = False`). Dilated max windows use the linalg op's
// dilations.
//
//===----------------------------------------------------------------------===//

#include "LoweringUtils.h"
#include "nnc/Conversion/NNToLinalg/NNToLinalg.h"

#include <limits>

using namespace mlir;
using namespace nnc::lowering;

namespace {

/// The dilations of a pooling op: max pooling's attribute, else (1, 1).
template <typename OpTy> SmallVector<int64_t> dilationsOf(OpTy op) {
  if constexpr (std::is_same_v<OpTy, nn::MaxPool2DOp>)
    return SmallVector<int64_t>(op.getDilations());
  else
    return {1, 1};
}

template <typename OpTy, bool isMax>
FailureOr<Value> lowerPool(OpTy op, typename OpTy::Adaptor adaptor,
                           ConversionPatternRewriter &rewriter) {
  Location loc = op.getLoc();
  auto type = cast<RankedTensorType>(op.getType());
  ArrayRef<int64_t> kernel = op.getKernel(), strides = op.getStrides(),
                    pad = op.getPadding();
  if (kernel.size() != 2 || strides.size() != 2 || pad.size() != 4)
    return rewriter.notifyMatchFailure(op, "malformed attributes");
  SmallVector<int64_t> dil = dilationsOf(op);
  Value x = adaptor.getInput();
  if (dil == SmallVector<int64_t>{1, 1} &&
      windowsTileImage(cast<RankedTensorType>(x.getType()), kernel, strides,
                       pad)) {
    return poolTiles(rewriter, loc, x, kernel, isMax, type);
  }
  double padValue = isMax ? -std::numeric_limits<double>::infinity() : 0;
  Value input = padSpatial(rewriter, loc, adaptor.getInput(), pad, padValue);
  Value init =
      fill(rewriter, loc,
           emptyWithBatch(rewriter, loc, type, adaptor.getInput()), padValue);
  Value window =
      rewriter.create<tensor::EmptyOp>(loc, kernel, rewriter.getF32Type());
  auto stridesAttr = rewriter.getI64TensorAttr(strides);
  auto dilations = rewriter.getI64TensorAttr(dil);
  Value result;
  if constexpr (isMax) {
    result = rewriter
                 .create<linalg::PoolingNchwMaxOp>(
                     loc, TypeRange{type}, ValueRange{input, window},
                     ValueRange{init}, stridesAttr, dilations)
                 .getResult(0);
  } else {
    Value sum = rewriter
                    .create<linalg::PoolingNchwSumOp>(
                        loc, TypeRange{type}, ValueRange{input, window},
                        ValueRange{init}, stridesAttr, dilations)
                    .getResult(0);
    auto inType = cast<RankedTensorType>(adaptor.getInput().getType());
    ArrayRef<int64_t> counted;
    if constexpr (!isMax)
      counted = op.getDivisorPadding();
    // The divisor counts the cells inside the image grown by `counted`.
    int64_t h = inType.getDimSize(2) + counted[0] + counted[2],
            w = inType.getDimSize(3) + counted[1] + counted[3];
    Value outInit = emptyWithBatch(rewriter, loc, type, adaptor.getInput());
    result = parallelGeneric(
        rewriter, loc, outInit, sum, rewriter.getMultiDimIdentityMap(4),
        [&](OpBuilder &b, Location l, ValueRange args) -> Value {
          Value ch = windowCount(b, l, b.create<linalg::IndexOp>(l, 2),
                                 strides[0], pad[0] - counted[0], kernel[0], h);
          Value cw = windowCount(b, l, b.create<linalg::IndexOp>(l, 3),
                                 strides[1], pad[1] - counted[1], kernel[1], w);
          Value count = b.create<arith::MulIOp>(l, ch, cw);
          Value countF = b.create<arith::SIToFPOp>(
              l, b.getF32Type(),
              b.create<arith::IndexCastOp>(l, b.getI64Type(), count));
          return b.create<arith::DivFOp>(l, args[0], countF);
        });
  }
  return result;
}

} // namespace

void nnc::populateNNPoolingPatterns(RewritePatternSet &patterns) {
  addLowerings<lowerPool<nn::MaxPool2DOp, true>,
               lowerPool<nn::AvgPool2DOp, false>>(patterns);
}
