//===- AdjointsElementwise.cpp - adjoints of elementwise nn ops -----------===//
//
// `buildAdjoint` of the activations, dropout, the broadcasting arithmetic
// and the normalised exponentials, composed from forward nn ops (gelu uses
// `nn.gelu_backward`). Derivatives are written with the forward result
// where that is cheaper (sigmoid, tanh, exp, sqrt, softmax); masks (relu,
// abs, clip, minimum, maximum) with `nn.step`. Gradients of broadcast
// operands are summed back to the operand's shape.
//
//===----------------------------------------------------------------------===//

#include "AdjointUtils.h"

#include <cmath>

using namespace mlir;
using namespace mlir::nn;

/// Appends `grad` (already computed or null) for a one-operand op.
static LogicalResult unary(SmallVectorImpl<Value> &grads, Value grad) {
  grads.push_back(grad);
  return success();
}

//===----------------------------------------------------------------------===//
// Activations and functions
//===----------------------------------------------------------------------===//

LogicalResult ReluOp::buildAdjoint(OpBuilder &b, ArrayRef<Value> resultGrads,
                                   SmallVectorImpl<Value> &grads) {
  AdjointBuilder ab(b, getLoc());
  return unary(grads, ab.mul(resultGrads[0], ab.step(getInput())));
}

LogicalResult LeakyReluOp::buildAdjoint(OpBuilder &b,
                                        ArrayRef<Value> resultGrads,
                                        SmallVectorImpl<Value> &grads) {
  // slope = step(x) * (1 - alpha) + alpha.
  AdjointBuilder ab(b, getLoc());
  double alpha = getAlpha().convertToFloat();
  Value slope =
      ab.add(ab.scale(ab.step(getInput()), 1.0 - alpha), ab.scalar(alpha));
  return unary(grads, ab.mul(resultGrads[0], slope));
}

LogicalResult EluOp::buildAdjoint(OpBuilder &b, ArrayRef<Value> resultGrads,
                                  SmallVectorImpl<Value> &grads) {
  // x > 0: 1; otherwise alpha * exp(x) = y + alpha.
  AdjointBuilder ab(b, getLoc());
  double alpha = getAlpha().convertToFloat();
  Value pos = ab.step(getInput());
  Value negSlope = ab.add(getResult(), ab.scalar(alpha));
  Value slope = ab.add(pos, ab.mul(ab.sub(ab.scalar(1.0), pos), negSlope));
  return unary(grads, ab.mul(resultGrads[0], slope));
}

LogicalResult GeluOp::buildAdjoint(OpBuilder &b, ArrayRef<Value> resultGrads,
                                   SmallVectorImpl<Value> &grads) {
  return unary(grads, b.create<GeluBackwardOp>(getLoc(), resultGrads[0],
                                               getInput(), getApproximate()));
}

LogicalResult SigmoidOp::buildAdjoint(OpBuilder &b, ArrayRef<Value> resultGrads,
                                      SmallVectorImpl<Value> &grads) {
  AdjointBuilder ab(b, getLoc());
  Value y = getResult();
  return unary(grads,
               ab.mul(resultGrads[0], ab.mul(y, ab.sub(ab.scalar(1.0), y))));
}

LogicalResult TanhOp::buildAdjoint(OpBuilder &b, ArrayRef<Value> resultGrads,
                                   SmallVectorImpl<Value> &grads) {
  AdjointBuilder ab(b, getLoc());
  Value y = getResult();
  return unary(grads,
               ab.mul(resultGrads[0], ab.sub(ab.scalar(1.0), ab.mul(y, y))));
}

LogicalResult StepOp::buildAdjoint(OpBuilder &, ArrayRef<Value>,
                                   SmallVectorImpl<Value> &grads) {
  // Zero almost everywhere: no gradient flows through a step.
  return unary(grads, Value());
}

LogicalResult ExpOp::buildAdjoint(OpBuilder &b, ArrayRef<Value> resultGrads,
                                  SmallVectorImpl<Value> &grads) {
  AdjointBuilder ab(b, getLoc());
  return unary(grads, ab.mul(resultGrads[0], getResult()));
}

LogicalResult LogOp::buildAdjoint(OpBuilder &b, ArrayRef<Value> resultGrads,
                                  SmallVectorImpl<Value> &grads) {
  AdjointBuilder ab(b, getLoc());
  return unary(grads, ab.div(resultGrads[0], getInput()));
}

LogicalResult NegOp::buildAdjoint(OpBuilder &b, ArrayRef<Value> resultGrads,
                                  SmallVectorImpl<Value> &grads) {
  AdjointBuilder ab(b, getLoc());
  return unary(grads, ab.neg(resultGrads[0]));
}

LogicalResult SqrtOp::buildAdjoint(OpBuilder &b, ArrayRef<Value> resultGrads,
                                   SmallVectorImpl<Value> &grads) {
  AdjointBuilder ab(b, getLoc());
  return unary(grads, ab.div(ab.scale(resultGrads[0], 0.5), getResult()));
}

LogicalResult AbsOp::buildAdjoint(OpBuilder &b, ArrayRef<Value> resultGrads,
                                  SmallVectorImpl<Value> &grads) {
  // sign(x) = step(x) - step(-x): 0 at 0.
  AdjointBuilder ab(b, getLoc());
  Value sign = ab.sub(ab.step(getInput()), ab.step(ab.neg(getInput())));
  return unary(grads, ab.mul(resultGrads[0], sign));
}

LogicalResult ErfOp::buildAdjoint(OpBuilder &b, ArrayRef<Value> resultGrads,
                                  SmallVectorImpl<Value> &grads) {
  // d erf(x)/dx = 2 / sqrt(pi) * exp(-x^2).
  AdjointBuilder ab(b, getLoc());
  Value x = getInput();
  Value density = b.create<ExpOp>(getLoc(), ab.neg(ab.mul(x, x)));
  return unary(
      grads, ab.mul(resultGrads[0], ab.scale(density, 2.0 / std::sqrt(M_PI))));
}

LogicalResult PowOp::buildAdjoint(OpBuilder &b, ArrayRef<Value> resultGrads,
                                  SmallVectorImpl<Value> &grads) {
  // p * x^(p - 1); none for p = 0 (a constant), g for p = 1, 2 g x for 2.
  AdjointBuilder ab(b, getLoc());
  double p = getExponent().convertToFloat();
  Value g = resultGrads[0];
  if (p == 0)
    return unary(grads, Value());
  if (p == 1)
    return unary(grads, g);
  Value slope =
      p == 2 ? getInput()
             : b.create<PowOp>(getLoc(), getInput(), b.getF32FloatAttr(p - 1));
  return unary(grads, ab.scale(ab.mul(g, slope), p));
}

LogicalResult ClipOp::buildAdjoint(OpBuilder &b, ArrayRef<Value> resultGrads,
                                   SmallVectorImpl<Value> &grads) {
  // g where min <= x <= max, as torch.clamp: the masks are 1 - step(min - x)
  // and 1 - step(x - max), multiplied (0 everywhere when min > max).
  AdjointBuilder ab(b, getLoc());
  Value x = getInput(), g = resultGrads[0];
  if (std::optional<APFloat> lo = getMin())
    g = ab.mul(g, ab.sub(ab.scalar(1.0),
                         ab.step(ab.sub(ab.scalar(lo->convertToFloat()), x))));
  if (std::optional<APFloat> hi = getMax())
    g = ab.mul(g, ab.sub(ab.scalar(1.0),
                         ab.step(ab.sub(x, ab.scalar(hi->convertToFloat())))));
  return unary(grads, g);
}

LogicalResult ScaleOp::buildAdjoint(OpBuilder &b, ArrayRef<Value> resultGrads,
                                    SmallVectorImpl<Value> &grads) {
  AdjointBuilder ab(b, getLoc());
  return unary(grads, ab.scale(resultGrads[0], getFactor().convertToFloat()));
}

LogicalResult DropoutOp::buildAdjoint(OpBuilder &b, ArrayRef<Value> resultGrads,
                                      SmallVectorImpl<Value> &grads) {
  // Linear in its input with a mask that depends only on the seed and the
  // element index: the same dropout applied to the gradient.
  grads.push_back(b.create<DropoutOp>(getLoc(), resultGrads[0], getSeed(),
                                      getRows(), getPAttr(),
                                      getTrainingAttr()));
  grads.push_back(Value()); // the seed
  if (getRows())
    grads.push_back(Value()); // the row offset
  return success();
}

//===----------------------------------------------------------------------===//
// Broadcasting arithmetic
//===----------------------------------------------------------------------===//

/// Appends the two operand gradients of a binary op, each reduced to its
/// operand's shape.
static LogicalResult binary(AdjointBuilder &ab, Value lhs, Value rhs,
                            Value lhsGrad, Value rhsGrad,
                            SmallVectorImpl<Value> &grads) {
  grads.push_back(ab.reduceTo(lhsGrad, tensorType(lhs)));
  grads.push_back(ab.reduceTo(rhsGrad, tensorType(rhs)));
  return success();
}

LogicalResult AddOp::buildAdjoint(OpBuilder &b, ArrayRef<Value> resultGrads,
                                  SmallVectorImpl<Value> &grads) {
  AdjointBuilder ab(b, getLoc());
  Value g = resultGrads[0];
  return binary(ab, getLhs(), getRhs(), g, g, grads);
}

LogicalResult SubOp::buildAdjoint(OpBuilder &b, ArrayRef<Value> resultGrads,
                                  SmallVectorImpl<Value> &grads) {
  AdjointBuilder ab(b, getLoc());
  Value g = resultGrads[0];
  return binary(ab, getLhs(), getRhs(), g, ab.neg(g), grads);
}

LogicalResult MulOp::buildAdjoint(OpBuilder &b, ArrayRef<Value> resultGrads,
                                  SmallVectorImpl<Value> &grads) {
  AdjointBuilder ab(b, getLoc());
  Value g = resultGrads[0];
  return binary(ab, getLhs(), getRhs(), ab.mul(g, getRhs()),
                ab.mul(g, getLhs()), grads);
}

LogicalResult DivOp::buildAdjoint(OpBuilder &b, ArrayRef<Value> resultGrads,
                                  SmallVectorImpl<Value> &grads) {
  // d(l / r)/dl = 1 / r, d(l / r)/dr = -(l / r) / r.
  AdjointBuilder ab(b, getLoc());
  Value lhsGrad = ab.div(resultGrads[0], getRhs());
  Value rhsGrad = ab.neg(ab.mul(lhsGrad, getResult()));
  return binary(ab, getLhs(), getRhs(), lhsGrad, rhsGrad, grads);
}

/// The gradients of maximum (`max` true) or minimum: with s = sign(l - r),
/// l's share is (1 + s) / 2 for maximum and (1 - s) / 2 for minimum, so the
/// selected operand gets g and a tie splits it half and half (PyTorch 1.13).
static LogicalResult extremum(AdjointBuilder &ab, Value lhs, Value rhs, Value g,
                              bool max, SmallVectorImpl<Value> &grads) {
  Value diff = ab.sub(lhs, rhs);
  Value sign = ab.sub(ab.step(diff), ab.step(ab.neg(diff)));
  Value share = ab.scale(
      max ? ab.add(ab.scalar(1.0), sign) : ab.sub(ab.scalar(1.0), sign), 0.5);
  Value lhsGrad = ab.mul(g, share);
  return binary(ab, lhs, rhs, lhsGrad, ab.sub(g, lhsGrad), grads);
}

LogicalResult nn::buildExtremumAdjoint(OpBuilder &b, Location loc, Value lhs,
                                       Value rhs, Value g, bool max,
                                       SmallVectorImpl<Value> &grads) {
  AdjointBuilder ab(b, loc);
  return extremum(ab, lhs, rhs, g, max, grads);
}

//===----------------------------------------------------------------------===//
// Normalised exponentials
//===----------------------------------------------------------------------===//

LogicalResult SoftmaxOp::buildAdjoint(OpBuilder &b, ArrayRef<Value> resultGrads,
                                      SmallVectorImpl<Value> &grads) {
  // dx = y * (g - sum(g * y)).
  AdjointBuilder ab(b, getLoc());
  Value y = getResult(), g = resultGrads[0];
  int64_t axis = getAxis();
  Value dot = ab.sum(ab.mul(g, y), {axis}, /*keepdim=*/true);
  return unary(grads, ab.mul(y, ab.sub(g, dot)));
}

LogicalResult LogSoftmaxOp::buildAdjoint(OpBuilder &b,
                                         ArrayRef<Value> resultGrads,
                                         SmallVectorImpl<Value> &grads) {
  // dx = g - softmax(x) * sum(g), softmax(x) = exp(y).
  AdjointBuilder ab(b, getLoc());
  Value g = resultGrads[0];
  int64_t axis = getAxis();
  Value total = ab.sum(g, {axis}, /*keepdim=*/true);
  Value probs = b.create<ExpOp>(getLoc(), getResult());
  return unary(grads, ab.sub(g, ab.mul(probs, total)));
}
