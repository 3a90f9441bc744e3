//===- AdjointsConv.cpp - adjoints of convolution, pooling, embedding -----===//
//
// `buildAdjoint` of conv2d, maxpool2d, avgpool2d and embedding. Their
// gradients are computations of their own (a transposed convolution, a
// contraction over the batch and the output positions, the routing of a
// window's gradient to its cells, a scatter-add of rows), so each adjoint
// emits the backward op of dialects/NN/NNLayerGradOps.td; only the bias
// gradient of conv2d is composed (a sum over N, OH, OW).
//
//===----------------------------------------------------------------------===//

#include "AdjointUtils.h"

using namespace mlir;
using namespace mlir::nn;

LogicalResult Conv2DOp::buildAdjoint(OpBuilder &b, ArrayRef<Value> resultGrads,
                                     SmallVectorImpl<Value> &grads) {
  if (getGroups() != 1)
    return emitOpError("cannot differentiate a grouped convolution (groups = ")
           << getGroups() << "); only groups = 1 has an adjoint";
  Location loc = getLoc();
  Value g = resultGrads[0], x = getInput(), w = getWeight();
  grads.push_back(b.create<Conv2DBackwardInputOp>(
      loc, x.getType(), g, x, w, getStrides(), getPadding(), getDilations()));
  grads.push_back(b.create<Conv2DBackwardWeightOp>(
      loc, w.getType(), g, x, w, getStrides(), getPadding(), getDilations()));
  if (getBias()) {
    AdjointBuilder ab(b, loc);
    grads.push_back(ab.sum(g, {0, 2, 3}, /*keepdim=*/false));
  }
  return success();
}

LogicalResult MaxPool2DOp::buildAdjoint(OpBuilder &b,
                                        ArrayRef<Value> resultGrads,
                                        SmallVectorImpl<Value> &grads) {
  grads.push_back(b.create<MaxPool2DBackwardOp>(
      getLoc(), getInput().getType(), resultGrads[0], getInput(), getResult(),
      getKernel(), getStrides(), getPadding(), getDilations()));
  return success();
}

LogicalResult AvgPool2DOp::buildAdjoint(OpBuilder &b,
                                        ArrayRef<Value> resultGrads,
                                        SmallVectorImpl<Value> &grads) {
  grads.push_back(b.create<AvgPool2DBackwardOp>(
      getLoc(), getInput().getType(), resultGrads[0], getInput(), getKernel(),
      getStrides(), getPadding(), getDivisorPadding()));
  return success();
}

LogicalResult EmbeddingOp::buildAdjoint(OpBuilder &b,
                                        ArrayRef<Value> resultGrads,
                                        SmallVectorImpl<Value> &grads) {
  // Token ids are data: no gradient.
  grads.push_back(Value());
  grads.push_back(b.create<EmbeddingBackwardOp>(
      getLoc(), getTable().getType(), resultGrads[0], getIds(), getTable(),
      getNegativeFromEnd()));
  return success();
}
