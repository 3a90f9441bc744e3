//===- Conv.cpp - nn.conv2d to padding + linalg convolutions ------------===//
//
// Lowers `conv2d` to im2col + `linalg.matmul` (ConvMatmul.cpp; per image
// on the CPU, ConvPerImage.cpp), so that the matmul schedule tiles and
// vectorizes it. Grouped convolutions pad the
// spatial dims (`lowering::padSpatial`), split the channel dims with
// `tensor.expand_shape` and use `linalg.conv_2d_ngchw_gfchw` accumulating
// into the broadcast bias, then collapse the groups back.
//
//===----------------------------------------------------------------------===//

#include "LoweringUtils.h"
#include "nnc/Conversion/NNToLinalg/NNToLinalg.h"

using namespace mlir;
using namespace nnc::lowering;

namespace {

FailureOr<Value> lowerConv2D(nn::Conv2DOp op, nn::Conv2DOp::Adaptor adaptor,
                             ConversionPatternRewriter &rewriter,
                             const nnc::NNToLinalgOptions &options) {
  Location loc = op.getLoc();
  auto type = cast<RankedTensorType>(op.getType());
  Value input = adaptor.getInput(), weight = adaptor.getWeight();
  ArrayRef<int64_t> pad = op.getPadding();
  if (pad.size() != 4 || op.getStrides().size() != 2 ||
      op.getDilations().size() != 2)
    return rewriter.notifyMatchFailure(op, "malformed attributes");
  int64_t groups = op.getGroups();
  if (groups == 1) {
    ConvGeometry g =
        convGeometry(cast<RankedTensorType>(weight.getType()), op.getStrides(),
                     op.getDilations(), pad, type);
    return options.perImageConvolutions
               ? convPerImage(rewriter, loc, input, weight, adaptor.getBias(),
                              g, type)
               : convAsMatmul(rewriter, loc, input, weight, adaptor.getBias(),
                              g, type);
  }
  input = padSpatial(rewriter, loc, input, pad, 0);
  Value init = emptyWithBatch(rewriter, loc, type, adaptor.getInput());
  if (Value bias = adaptor.getBias()) {
    AffineMap channel =
        AffineMap::get(4, 0, getAffineDimExpr(1, rewriter.getContext()));
    init = parallelGeneric(
        rewriter, loc, init, bias, channel,
        [](OpBuilder &, Location, ValueRange args) { return args[0]; });
  } else {
    init = fill(rewriter, loc, init, 0);
  }
  auto strides = rewriter.getI64TensorAttr(op.getStrides());
  auto dilations = rewriter.getI64TensorAttr(op.getDilations());
  int64_t c = cast<RankedTensorType>(input.getType()).getDimSize(1);
  int64_t o = type.getDimSize(1);
  Value gInput = expandDim(rewriter, loc, input, 1, {groups, c / groups});
  Value gWeight = expandDim(rewriter, loc, weight, 0, {groups, o / groups});
  Value gInit = expandDim(rewriter, loc, init, 1, {groups, o / groups});
  Value conv =
      rewriter
          .create<linalg::Conv2DNgchwGfchwOp>(
              loc, TypeRange{gInit.getType()}, ValueRange{gInput, gWeight},
              ValueRange{gInit}, strides, dilations)
          .getResult(0);
  return collapseDims(rewriter, loc, conv, 1, 2);
}

} // namespace

void nnc::populateNNConvPatterns(RewritePatternSet &patterns,
                                 const NNToLinalgOptions &options) {
  addLowerings<lowerConv2D>(patterns, options);
}
