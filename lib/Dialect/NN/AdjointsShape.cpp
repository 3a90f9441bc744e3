//===- AdjointsShape.cpp - adjoints of nn shape and reduction ops ---------===//
//
// `buildAdjoint` of flatten, reshape, transpose, concat, slice, last,
// broadcast_to and the reductions. Each moves the gradient back to the
// input's layout with the inverse shape op: reshape back, the inverse
// permutation, slices of the gradient for concat, zero padding (a concat
// with zeros) for slice and last, broadcasting for the reductions.
//
//===----------------------------------------------------------------------===//

#include "AdjointUtils.h"

using namespace mlir;
using namespace mlir::nn;

LogicalResult nn::buildReshapeAdjoint(OpBuilder &b, Location loc, Value g,
                                      Value input,
                                      SmallVectorImpl<Value> &grads) {
  AdjointBuilder ab(b, loc);
  grads.push_back(ab.reshapeTo(g, tensorType(input)));
  return success();
}

LogicalResult TransposeOp::buildAdjoint(OpBuilder &b,
                                        ArrayRef<Value> resultGrads,
                                        SmallVectorImpl<Value> &grads) {
  ArrayRef<int64_t> perm = getPerm();
  SmallVector<int64_t> inverse(perm.size());
  for (auto [i, p] : llvm::enumerate(perm))
    inverse[p] = i;
  grads.push_back(b.create<TransposeOp>(getLoc(), resultGrads[0], inverse));
  return success();
}

LogicalResult ConcatOp::buildAdjoint(OpBuilder &b, ArrayRef<Value> resultGrads,
                                     SmallVectorImpl<Value> &grads) {
  int64_t axis = getAxis(), offset = 0;
  for (Value input : getInputs()) {
    int64_t size = tensorType(input).getDimSize(axis);
    if (ShapedType::isDynamic(size))
      return emitOpError("cannot differentiate a concatenation along the "
                         "dynamic batch dimension");
    grads.push_back(
        b.create<SliceOp>(getLoc(), resultGrads[0], axis, offset, size));
    offset += size;
  }
  return success();
}

/// `grad` placed at [start, start + size) of `axis` in a zero tensor of
/// `type` (concatenation with zero blocks).
static Value padAlong(AdjointBuilder &ab, Value grad, RankedTensorType type,
                      int64_t axis, int64_t start) {
  int64_t total = type.getDimSize(axis);
  int64_t size = tensorType(grad).getDimSize(axis);
  SmallVector<Value> pieces;
  auto zerosOf = [&](int64_t extent) {
    SmallVector<int64_t> shape(tensorType(grad).getShape());
    shape[axis] = extent;
    return ab.zeros(shape, grad);
  };
  if (start > 0)
    pieces.push_back(zerosOf(start));
  pieces.push_back(grad);
  if (total - start - size > 0)
    pieces.push_back(zerosOf(total - start - size));
  if (pieces.size() == 1)
    return grad;
  return ab.builder().create<ConcatOp>(ab.getLoc(), pieces, axis);
}

LogicalResult SliceOp::buildAdjoint(OpBuilder &b, ArrayRef<Value> resultGrads,
                                    SmallVectorImpl<Value> &grads) {
  RankedTensorType type = tensorType(getInput());
  if (type.isDynamicDim(getAxis()))
    return emitOpError("cannot differentiate a slice along the dynamic "
                       "batch dimension");
  AdjointBuilder ab(b, getLoc());
  grads.push_back(padAlong(ab, resultGrads[0], type, getAxis(), getStart()));
  return success();
}

LogicalResult LastOp::buildAdjoint(OpBuilder &b, ArrayRef<Value> resultGrads,
                                   SmallVectorImpl<Value> &grads) {
  // [N, H] -> [N, 1, H] at step T - 1 of [N, T, H].
  AdjointBuilder ab(b, getLoc());
  RankedTensorType type = tensorType(getInput());
  ArrayRef<int64_t> shape = type.getShape();
  auto stepType =
      RankedTensorType::get({shape[0], 1, shape[2]}, type.getElementType());
  Value step = ab.reshapeTo(resultGrads[0], stepType);
  grads.push_back(padAlong(ab, step, type, 1, shape[1] - 1));
  return success();
}

LogicalResult BroadcastToOp::buildAdjoint(OpBuilder &b,
                                          ArrayRef<Value> resultGrads,
                                          SmallVectorImpl<Value> &grads) {
  AdjointBuilder ab(b, getLoc());
  grads.push_back(ab.reduceTo(resultGrads[0], tensorType(getInput())));
  if (getBatchRef())
    grads.push_back(Value());
  return success();
}

/// The gradient of a sum over `axes` of `input`: the result gradient with
/// the axes restored as size 1, broadcast back to the input's shape.
static Value spreadBack(AdjointBuilder &ab, Value grad, Value input,
                        ArrayRef<int64_t> axes) {
  RankedTensorType type = tensorType(input);
  SmallVector<int64_t> kept(type.getShape());
  for (int64_t axis : axes)
    kept[axis] = 1;
  auto keptType = RankedTensorType::get(kept, type.getElementType());
  Value restored = ab.reshapeTo(grad, keptType);
  return ab.broadcastTo(restored, type, input);
}

LogicalResult ReduceSumOp::buildAdjoint(OpBuilder &b,
                                        ArrayRef<Value> resultGrads,
                                        SmallVectorImpl<Value> &grads) {
  AdjointBuilder ab(b, getLoc());
  grads.push_back(spreadBack(ab, resultGrads[0], getInput(), getAxes()));
  return success();
}

LogicalResult ReduceMeanOp::buildAdjoint(OpBuilder &b,
                                         ArrayRef<Value> resultGrads,
                                         SmallVectorImpl<Value> &grads) {
  AdjointBuilder ab(b, getLoc());
  RankedTensorType type = tensorType(getInput());
  Value spread = spreadBack(ab, resultGrads[0], getInput(), getAxes());
  int64_t count = 1;
  bool dynamic = false;
  for (int64_t axis : getAxes()) {
    if (type.isDynamicDim(axis))
      dynamic = true;
    else
      count *= type.getDimSize(axis);
  }
  if (!dynamic) {
    grads.push_back(ab.scale(spread, 1.0 / static_cast<double>(count)));
    return success();
  }
  // The batch is among the axes: divide by the run-time count, the sum of
  // ones over the same axes.
  Value ones = ab.broadcastTo(ab.scalar(1.0), type, getInput());
  Value counts = ab.sum(ones, getAxes(), /*keepdim=*/true);
  grads.push_back(ab.div(spread, counts));
  return success();
}
