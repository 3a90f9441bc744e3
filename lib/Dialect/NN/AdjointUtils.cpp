//===- AdjointUtils.cpp - building blocks of the nn adjoints --------------===//
//
// Implements the helpers of AdjointUtils.h: scalar constants, reshapes and
// broadcasts that spell the dynamic batch dimension as -1 with a batch
// reference, zeros of a dynamic shape, and the reduction of a gradient over
// the dimensions an elementwise op broadcast.
//
//===----------------------------------------------------------------------===//

#include "AdjointUtils.h"

using namespace mlir;
using namespace mlir::nn;

Value AdjointBuilder::scalar(double value) {
  auto type = RankedTensorType::get({}, b.getF32Type());
  return b.create<ConstantOp>(
      loc, type, DenseElementsAttr::get(type, static_cast<float>(value)));
}

Value AdjointBuilder::scale(Value x, double factor) {
  return b.create<ScaleOp>(loc, x, b.getF32FloatAttr(factor));
}

Value AdjointBuilder::sum(Value x, ArrayRef<int64_t> axes, bool keepdim) {
  if (axes.empty())
    return x;
  return b.create<ReduceSumOp>(loc, x, axes, keepdim);
}

Value AdjointBuilder::mean(Value x, ArrayRef<int64_t> axes, bool keepdim) {
  if (axes.empty())
    return x;
  return b.create<ReduceMeanOp>(loc, x, axes, keepdim);
}

/// The shape of `type` with its dynamic dimension written as -1.
static SmallVector<int64_t> batchShape(RankedTensorType type) {
  SmallVector<int64_t> shape(type.getShape());
  for (int64_t &dim : shape)
    if (ShapedType::isDynamic(dim))
      dim = -1;
  return shape;
}

Value AdjointBuilder::reshapeTo(Value x, RankedTensorType type) {
  if (x.getType() == type)
    return x;
  return b.create<ReshapeOp>(loc, x, batchShape(type));
}

Value AdjointBuilder::broadcastTo(Value x, RankedTensorType type,
                                  Value batchRef) {
  if (x.getType() == type)
    return x;
  SmallVector<int64_t> shape = batchShape(type);
  bool dynamic = llvm::is_contained(shape, -1);
  return b.create<BroadcastToOp>(loc, x, dynamic ? batchRef : Value(), shape);
}

Value AdjointBuilder::zeros(ArrayRef<int64_t> shape, Value batchRef) {
  auto type = RankedTensorType::get(shape, b.getF32Type());
  if (type.hasStaticShape())
    return b.create<FillOp>(loc, type, b.getF32FloatAttr(0.0));
  return broadcastTo(scalar(0.0), type, batchRef);
}

Value AdjointBuilder::reduceTo(Value grad, RankedTensorType type) {
  RankedTensorType gradType = tensorType(grad);
  if (gradType == type)
    return grad;
  ArrayRef<int64_t> from = gradType.getShape(), to = type.getShape();
  size_t lead = from.size() - to.size();
  SmallVector<int64_t> axes;
  for (size_t i = 0; i < from.size(); ++i)
    if (i < lead || (to[i - lead] == 1 && from[i] != 1))
      axes.push_back(i);
  Value summed = sum(grad, axes, /*keepdim=*/true);
  return reshapeTo(summed, type);
}
