//===- Shape.cpp - nn shape ops to tensor and linalg ops ------------------===//
//
// Lowers `flatten` and `reshape` to `tensor.collapse_shape`/`expand_shape`,
// `transpose` to `linalg.transpose`, `concat` to `tensor.insert_slice`s into
// an empty tensor, `slice` and `last` to `tensor.extract_slice`, and
// `broadcast_to` to a generic whose indexing map does the broadcast.
//
//===----------------------------------------------------------------------===//

#include "LoweringUtils.h"
#include "nnc/Conversion/NNToLinalg/NNToLinalg.h"

#include "mlir/Dialect/Arith/Utils/Utils.h"

using namespace mlir;
using namespace nnc::lowering;

namespace {

Value lowerFlatten(nn::FlattenOp op, nn::FlattenOp::Adaptor adaptor,
                   ConversionPatternRewriter &rewriter) {
  Value in = adaptor.getInput();
  int64_t rank = cast<RankedTensorType>(in.getType()).getRank();
  return rank > 2 ? collapseDims(rewriter, op.getLoc(), in, 1, rank - 1) : in;
}

Value lowerReshape(nn::ReshapeOp op, nn::ReshapeOp::Adaptor adaptor,
                   ConversionPatternRewriter &rewriter) {
  return reshape(rewriter, op.getLoc(), adaptor.getInput(),
                 cast<RankedTensorType>(op.getType()));
}

Value lowerTranspose(nn::TransposeOp op, nn::TransposeOp::Adaptor adaptor,
                     ConversionPatternRewriter &rewriter) {
  return transpose(rewriter, op.getLoc(), adaptor.getInput(), op.getPerm());
}

Value lowerConcat(nn::ConcatOp op, nn::ConcatOp::Adaptor adaptor,
                  ConversionPatternRewriter &rewriter) {
  Location loc = op.getLoc();
  int64_t axis = op.getAxis();
  ValueRange inputs = adaptor.getInputs();
  SmallVector<OpFoldResult> sizes = getSizes(rewriter, loc, inputs[0]);
  OpFoldResult total = rewriter.getIndexAttr(0);
  SmallVector<OpFoldResult> offsets;
  for (Value in : inputs) {
    offsets.push_back(total);
    OpFoldResult size = getSizes(rewriter, loc, in)[axis];
    std::optional<int64_t> a = getConstantIntValue(total),
                           c = getConstantIntValue(size);
    if (a && c)
      total = rewriter.getIndexAttr(*a + *c);
    else
      total =
          rewriter
              .create<arith::AddIOp>(
                  loc, getValueOrCreateConstantIndexOp(rewriter, loc, total),
                  getValueOrCreateConstantIndexOp(rewriter, loc, size))
              .getResult();
  }
  sizes[axis] = total;
  Value result =
      rewriter.create<tensor::EmptyOp>(loc, sizes, rewriter.getF32Type());
  for (auto [in, offset] : llvm::zip(inputs, offsets)) {
    int64_t rank = cast<RankedTensorType>(in.getType()).getRank();
    SmallVector<OpFoldResult> offs(rank, rewriter.getIndexAttr(0));
    offs[axis] = offset;
    SmallVector<OpFoldResult> strides(rank, rewriter.getIndexAttr(1));
    result = rewriter.create<tensor::InsertSliceOp>(
        loc, in, result, offs, getSizes(rewriter, loc, in), strides);
  }
  if (result.getType() != op.getType())
    result = rewriter.create<tensor::CastOp>(loc, op.getType(), result);
  return result;
}

/// The slice [start, start + size) of `axis`, keeping (or dropping, with a
/// rank-reduced `type`) the axis.
Value sliceAxis(OpBuilder &b, Location loc, Value in, int64_t axis,
                OpFoldResult start, int64_t size, RankedTensorType type) {
  SmallVector<OpFoldResult> sizes = getSizes(b, loc, in);
  SmallVector<OpFoldResult> offsets(sizes.size(), b.getIndexAttr(0));
  SmallVector<OpFoldResult> strides(sizes.size(), b.getIndexAttr(1));
  offsets[axis] = start;
  sizes[axis] = b.getIndexAttr(size);
  return b.create<tensor::ExtractSliceOp>(loc, type, in, offsets, sizes,
                                          strides);
}

Value lowerSlice(nn::SliceOp op, nn::SliceOp::Adaptor adaptor,
                 ConversionPatternRewriter &rewriter) {
  return sliceAxis(rewriter, op.getLoc(), adaptor.getInput(), op.getAxis(),
                   rewriter.getIndexAttr(op.getStart()), op.getSize(),
                   cast<RankedTensorType>(op.getType()));
}

Value lowerLast(nn::LastOp op, nn::LastOp::Adaptor adaptor,
                ConversionPatternRewriter &rewriter) {
  Location loc = op.getLoc();
  Value in = adaptor.getInput();
  Value steps = getValueOrCreateConstantIndexOp(rewriter, loc,
                                                getSizes(rewriter, loc, in)[1]);
  Value lastStep =
      rewriter.create<arith::SubIOp>(loc, steps, indexConst(rewriter, loc, 1));
  return sliceAxis(rewriter, loc, in, 1, lastStep, 1,
                   cast<RankedTensorType>(op.getType()));
}

FailureOr<Value> lowerBroadcastTo(nn::BroadcastToOp op,
                                  nn::BroadcastToOp::Adaptor adaptor,
                                  ConversionPatternRewriter &rewriter) {
  Location loc = op.getLoc();
  auto type = cast<RankedTensorType>(op.getType());
  Value batchRef = adaptor.getBatchRef();
  if (!type.hasStaticShape() && !batchRef)
    return rewriter.notifyMatchFailure(op, "a dynamic shape needs batch_ref");
  Value init = emptyWithBatch(rewriter, loc, type, batchRef);
  auto inType = cast<RankedTensorType>(adaptor.getInput().getType());
  AffineMap map =
      broadcastMap(rewriter.getContext(), inType.getShape(), type.getShape());
  return parallelGeneric(
      rewriter, loc, init, adaptor.getInput(), map,
      [](OpBuilder &, Location, ValueRange args) { return args[0]; });
}

} // namespace

void nnc::populateNNShapePatterns(RewritePatternSet &patterns) {
  addLowerings<lowerFlatten, lowerReshape, lowerTranspose, lowerConcat,
               lowerSlice, lowerLast, lowerBroadcastTo>(patterns);
}
