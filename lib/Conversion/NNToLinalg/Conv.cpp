//===- Conv.cpp - nn.conv2d to padding + linalg convolutions ------------===//
//
// Lowers `conv2d` to a zero padding of the spatial dims (when padded;
// `lowering::padSpatial`, a bounds-checked generic)
// and `linalg.conv_2d_nchw_fchw` with the strides and dilations as
// attributes, accumulating into the broadcast bias (or zeros). Grouped
// convolutions split the channel dims with `tensor.expand_shape` and use
// `linalg.conv_2d_ngchw_gfchw`, then collapse the groups back.
//
//===----------------------------------------------------------------------===//

#include "LoweringUtils.h"
#include "nnc/Conversion/NNToLinalg/NNToLinalg.h"

using namespace mlir;
using namespace nnc::lowering;

namespace {

struct Conv2DLowering : OpConversionPattern<nn::Conv2DOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(nn::Conv2DOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = cast<RankedTensorType>(op.getType());
    Value input = adaptor.getInput(), weight = adaptor.getWeight();
    ArrayRef<int64_t> pad = op.getPadding();
    if (pad.size() != 4 || op.getStrides().size() != 2 ||
        op.getDilations().size() != 2)
      return rewriter.notifyMatchFailure(op, "malformed attributes");
    input = padSpatial(rewriter, loc, input, pad, 0);
    Value init = emptyWithBatch(rewriter, loc, type, adaptor.getInput());
    if (Value bias = adaptor.getBias()) {
      AffineMap channel = AffineMap::get(
          4, 0, getAffineDimExpr(1, rewriter.getContext()));
      init = parallelGeneric(
          rewriter, loc, init, bias, channel,
          [](OpBuilder &, Location, ValueRange args) { return args[0]; });
    } else {
      init = fill(rewriter, loc, init, 0);
    }
    auto strides = rewriter.getI64TensorAttr(op.getStrides());
    auto dilations = rewriter.getI64TensorAttr(op.getDilations());
    int64_t groups = op.getGroups();
    Value result;
    if (groups == 1) {
      result = rewriter
                   .create<linalg::Conv2DNchwFchwOp>(
                       loc, TypeRange{type}, ValueRange{input, weight},
                       ValueRange{init}, strides, dilations)
                   .getResult(0);
    } else {
      int64_t c = cast<RankedTensorType>(input.getType()).getDimSize(1);
      int64_t o = type.getDimSize(1);
      Value gInput = expandDim(rewriter, loc, input, 1, {groups, c / groups});
      Value gWeight = expandDim(rewriter, loc, weight, 0, {groups, o / groups});
      Value gInit = expandDim(rewriter, loc, init, 1, {groups, o / groups});
      Value conv = rewriter
                       .create<linalg::Conv2DNgchwGfchwOp>(
                           loc, TypeRange{gInit.getType()},
                           ValueRange{gInput, gWeight}, ValueRange{gInit},
                           strides, dilations)
                       .getResult(0);
      result = collapseDims(rewriter, loc, conv, 1, 2);
    }
    rewriter.replaceOp(op, result);
    return success();
  }
};

} // namespace

void nnc::populateNNConvPatterns(RewritePatternSet &patterns) {
  patterns.add<Conv2DLowering>(patterns.getContext());
}
