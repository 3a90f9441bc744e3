//===- AdjointsLosses.cpp - adjoints of nn losses and penalties -----------===//
//
// `buildAdjoint` of the losses and penalties. A loss's prediction gradient
// is one `nn.*_loss_backward` op (the mean's element count is only known
// at run time); the target of mse/mae/huber gets the opposite gradient,
// the targets of the other losses (labels, probabilities) none: they are
// treated as data. Penalties are composed: `weight * p` for l2, `weight *
// sign(p)` for l1.
//
//===----------------------------------------------------------------------===//

#include "AdjointUtils.h"

using namespace mlir;
using namespace mlir::nn;

/// Appends the gradient of a loss's prediction and, when `symmetric` (the
/// loss depends on x - y only), the opposite one for the target.
template <typename BackwardOp, typename LossOp>
static LogicalResult lossAdjoint(LossOp op, OpBuilder &b,
                                 ArrayRef<Value> resultGrads,
                                 SmallVectorImpl<Value> &grads, bool symmetric,
                                 ArrayRef<NamedAttribute> attrs = {}) {
  Value g = resultGrads[0];
  Value dx =
      b.create<BackwardOp>(op.getLoc(), TypeRange{op.getInput().getType()},
                           ValueRange{op.getInput(), op.getTarget(), g}, attrs);
  grads.push_back(dx);
  grads.push_back(symmetric ? b.create<NegOp>(op.getLoc(), dx).getResult()
                            : Value());
  return success();
}

LogicalResult MseLossOp::buildAdjoint(OpBuilder &b, ArrayRef<Value> resultGrads,
                                      SmallVectorImpl<Value> &grads) {
  return lossAdjoint<MseLossBackwardOp>(*this, b, resultGrads, grads, true);
}

LogicalResult MaeLossOp::buildAdjoint(OpBuilder &b, ArrayRef<Value> resultGrads,
                                      SmallVectorImpl<Value> &grads) {
  return lossAdjoint<MaeLossBackwardOp>(*this, b, resultGrads, grads, true);
}

LogicalResult HuberLossOp::buildAdjoint(OpBuilder &b,
                                        ArrayRef<Value> resultGrads,
                                        SmallVectorImpl<Value> &grads) {
  NamedAttribute delta(b.getStringAttr("delta"), getDeltaAttr());
  return lossAdjoint<HuberLossBackwardOp>(*this, b, resultGrads, grads, true,
                                          {delta});
}

LogicalResult BceLossOp::buildAdjoint(OpBuilder &b, ArrayRef<Value> resultGrads,
                                      SmallVectorImpl<Value> &grads) {
  return lossAdjoint<BceLossBackwardOp>(*this, b, resultGrads, grads, false);
}

LogicalResult BceLogitsLossOp::buildAdjoint(OpBuilder &b,
                                            ArrayRef<Value> resultGrads,
                                            SmallVectorImpl<Value> &grads) {
  return lossAdjoint<BceLogitsLossBackwardOp>(*this, b, resultGrads, grads,
                                              false);
}

LogicalResult PerceptronLossOp::buildAdjoint(OpBuilder &b,
                                             ArrayRef<Value> resultGrads,
                                             SmallVectorImpl<Value> &grads) {
  return lossAdjoint<PerceptronLossBackwardOp>(*this, b, resultGrads, grads,
                                               false);
}

LogicalResult CrossEntropyLossOp::buildAdjoint(OpBuilder &b,
                                               ArrayRef<Value> resultGrads,
                                               SmallVectorImpl<Value> &grads) {
  return lossAdjoint<CrossEntropyBackwardOp>(*this, b, resultGrads, grads,
                                             false);
}

LogicalResult L2PenaltyOp::buildAdjoint(OpBuilder &b,
                                        ArrayRef<Value> resultGrads,
                                        SmallVectorImpl<Value> &grads) {
  AdjointBuilder ab(b, getLoc());
  double weight = getWeight().convertToFloat();
  for (Value p : getParams())
    grads.push_back(ab.scale(ab.mul(resultGrads[0], p), weight));
  return success();
}

LogicalResult L1PenaltyOp::buildAdjoint(OpBuilder &b,
                                        ArrayRef<Value> resultGrads,
                                        SmallVectorImpl<Value> &grads) {
  AdjointBuilder ab(b, getLoc());
  double weight = getWeight().convertToFloat();
  for (Value p : getParams()) {
    Value sign = ab.sub(ab.step(p), ab.step(ab.neg(p)));
    grads.push_back(ab.scale(ab.mul(resultGrads[0], sign), weight));
  }
  return success();
}
