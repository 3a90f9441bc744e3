//===- GradLosses.cpp - backward nn ops to linalg.generic -----------------===//
//
// Lowers the ops autodiff emits for gradients (dialects/NN/NNGradOps.td):
// `gelu_backward`, `gelu_with_slope` (two results) and the loss backward
// ops, each one elementwise `linalg.generic` over the prediction. The loss's
// mean is undone with a scale `grad / numel` computed once outside the generic
// from `tensor.dim`; `cross_entropy_backward` reuses the forward's stable
// softmax and clamps the class label to [0, C) as the forward does.
//
//===----------------------------------------------------------------------===//

#include "LoweringUtils.h"
#include "nnc/Conversion/NNToLinalg/NNToLinalg.h"

#include <cmath>

using namespace mlir;
using namespace nnc::lowering;

namespace {

Value mulf(OpBuilder &b, Location loc, Value x, Value y) {
  return b.create<arith::MulFOp>(loc, x, y);
}
Value addf(OpBuilder &b, Location loc, Value x, Value y) {
  return b.create<arith::AddFOp>(loc, x, y);
}
Value subf(OpBuilder &b, Location loc, Value x, Value y) {
  return b.create<arith::SubFOp>(loc, x, y);
}

/// The f32 in a `tensor<f32>`.
Value extractScalar(OpBuilder &b, Location loc, Value tensor) {
  return b.create<tensor::ExtractOp>(loc, tensor, ValueRange{});
}

/// grad / numel(input): the factor every loss gradient is multiplied by.
Value meanScale(OpBuilder &b, Location loc, Value input, Value grad) {
  int64_t rank = cast<RankedTensorType>(input.getType()).getRank();
  SmallVector<int64_t> axes;
  for (int64_t i = 0; i < rank; ++i)
    axes.push_back(i);
  return b.create<arith::DivFOp>(loc, extractScalar(b, loc, grad),
                                 countF32(b, loc, input, axes));
}

Value select(OpBuilder &b, Location loc, arith::CmpFPredicate pred, Value x,
             Value y, Value ifTrue, Value ifFalse) {
  Value c = b.create<arith::CmpFOp>(loc, pred, x, y);
  return b.create<arith::SelectOp>(loc, c, ifTrue, ifFalse);
}

// d loss / d x per element, before the mean scale.
Value derivative(nn::MseLossBackwardOp, OpBuilder &b, Location loc, Value x,
                 Value y) {
  return mulf(b, loc, subf(b, loc, x, y), f32Const(b, loc, 2.0));
}
Value derivative(nn::MaeLossBackwardOp, OpBuilder &b, Location loc, Value x,
                 Value y) {
  Value d = subf(b, loc, x, y), zero = f32Const(b, loc, 0);
  Value negative = select(b, loc, arith::CmpFPredicate::OLT, d, zero,
                          f32Const(b, loc, -1), zero);
  return select(b, loc, arith::CmpFPredicate::OGT, d, zero, f32Const(b, loc, 1),
                negative);
}
Value derivative(nn::HuberLossBackwardOp op, OpBuilder &b, Location loc,
                 Value x, Value y) {
  Value d = subf(b, loc, x, y);
  double delta = op.getDelta().convertToFloat();
  Value lo = b.create<arith::MaximumFOp>(loc, d, f32Const(b, loc, -delta));
  return b.create<arith::MinimumFOp>(loc, lo, f32Const(b, loc, delta));
}
Value derivative(nn::BceLossBackwardOp, OpBuilder &b, Location loc, Value x,
                 Value y) {
  Value oneMinus = subf(b, loc, f32Const(b, loc, 1), x);
  Value denom = b.create<arith::MaximumFOp>(loc, mulf(b, loc, x, oneMinus),
                                            f32Const(b, loc, 1e-12));
  return b.create<arith::DivFOp>(loc, subf(b, loc, x, y), denom);
}
Value derivative(nn::BceLogitsLossBackwardOp, OpBuilder &b, Location loc,
                 Value x, Value y) {
  Value e = b.create<math::ExpOp>(loc, b.create<arith::NegFOp>(loc, x));
  Value sig = b.create<arith::DivFOp>(loc, f32Const(b, loc, 1),
                                      addf(b, loc, f32Const(b, loc, 1), e));
  return subf(b, loc, sig, y);
}
Value derivative(nn::PerceptronLossBackwardOp, OpBuilder &b, Location loc,
                 Value x, Value y) {
  // t = 2y - 1; a mistake (t s <= 0, Rosenblatt: a sample on the boundary
  // is not classified) costs -t s, whose subgradient is -t.
  Value t =
      subf(b, loc, mulf(b, loc, y, f32Const(b, loc, 2)), f32Const(b, loc, 1));
  return select(b, loc, arith::CmpFPredicate::OLE, mulf(b, loc, t, x),
                f32Const(b, loc, 0), b.create<arith::NegFOp>(loc, t),
                f32Const(b, loc, 0));
}

template <typename OpTy>
Value lowerPairLossBackward(OpTy op, typename OpTy::Adaptor adaptor,
                            ConversionPatternRewriter &rewriter) {
  Location loc = op.getLoc();
  Value scale = meanScale(rewriter, loc, adaptor.getInput(), adaptor.getGrad());
  auto type = cast<RankedTensorType>(op.getType());
  Value result = broadcastElementwise(
      rewriter, loc, type, {adaptor.getInput(), adaptor.getTarget()},
      [&](OpBuilder &b, Location l, ValueRange args) {
        return mulf(b, l, derivative(op, b, l, args[0], args[1]), scale);
      });
  return result;
}

FailureOr<Value>
lowerCrossEntropyBackward(nn::CrossEntropyBackwardOp op,
                          nn::CrossEntropyBackwardOp::Adaptor adaptor,
                          ConversionPatternRewriter &rewriter) {
  Location loc = op.getLoc();
  Value logits = adaptor.getInput(), target = adaptor.getTarget();
  auto type = cast<RankedTensorType>(op.getType());
  // The class count bounds the clamp of the labels (as in the forward).
  int64_t classes = type.getDimSize(1);
  if (ShapedType::isDynamic(classes))
    return rewriter.notifyMatchFailure(op, "expects a static class count");
  Value scale = rewriter.create<arith::DivFOp>(
      loc, extractScalar(rewriter, loc, adaptor.getGrad()),
      countF32(rewriter, loc, logits, {0}));
  Value probs = softmax(rewriter, loc, logits, 1, /*logarithm=*/false);
  auto targetType = cast<RankedTensorType>(target.getType());
  Value result;
  if (targetType.getElementType().isInteger(32)) {
    // (p - onehot(clamp(t, 0, C - 1))) * scale, the class from
    // linalg.index 1; the label is clamped as in the forward
    // (`cross_entropy_loss`), so both see the same class.
    MLIRContext *ctx = rewriter.getContext();
    AffineMap id = rewriter.getMultiDimIdentityMap(2);
    AffineMap row = AffineMap::get(2, 0, {getAffineDimExpr(0, ctx)}, ctx);
    Value init = emptyWithBatch(rewriter, loc, type, logits);
    result = parallelGeneric(
        rewriter, loc, init, {probs, target}, {id, row},
        [&](OpBuilder &b, Location l, ValueRange args) {
          Value hiBound =
              b.create<arith::ConstantOp>(l, b.getI32IntegerAttr(classes - 1));
          Value label = b.create<arith::MinSIOp>(
              l,
              b.create<arith::MaxSIOp>(
                  l, args[1],
                  b.create<arith::ConstantOp>(l, b.getI32IntegerAttr(0))),
              hiBound);
          Value c = b.create<arith::IndexCastOp>(
              l, b.getI32Type(), b.create<linalg::IndexOp>(l, 1));
          Value hit =
              b.create<arith::CmpIOp>(l, arith::CmpIPredicate::eq, c, label);
          Value onehot = b.create<arith::SelectOp>(l, hit, f32Const(b, l, 1),
                                                   f32Const(b, l, 0));
          return mulf(b, l, subf(b, l, args[0], onehot), scale);
        });
  } else {
    // (p * sum_c t - t) * scale.
    Value rowSum = reduce(rewriter, loc, target, {1}, /*keepdim=*/true, 0.0,
                          [](OpBuilder &b, Location l, ValueRange args) {
                            return addf(b, l, args[0], args[1]);
                          });
    result = broadcastElementwise(
        rewriter, loc, type, {probs, target, rowSum},
        [&](OpBuilder &b, Location l, ValueRange args) {
          Value pt = mulf(b, l, args[0], args[2]);
          return mulf(b, l, subf(b, l, pt, args[1]), scale);
        });
  }
  return result;
}

Value lowerGeluBackward(nn::GeluBackwardOp op,
                        nn::GeluBackwardOp::Adaptor adaptor,
                        ConversionPatternRewriter &rewriter) {
  bool approximate = op.getApproximate();
  auto type = cast<RankedTensorType>(op.getType());
  return broadcastElementwise(
      rewriter, op.getLoc(), type, {adaptor.getGrad(), adaptor.getInput()},
      [&](OpBuilder &b, Location l, ValueRange args) {
        Value x = args[1];
        return mulf(
            b, l, args[0],
            geluSlope(b, l, x, geluInner(b, l, x, approximate), approximate));
      });
}

/// One generic with two results, gelu(x) and gelu'(x), over one inner
/// function (gelu_with_slope).
SmallVector<Value> lowerGeluWithSlope(nn::GeluWithSlopeOp op,
                                      nn::GeluWithSlopeOp::Adaptor adaptor,
                                      ConversionPatternRewriter &rewriter) {
  bool approximate = op.getApproximate();
  Location loc = op.getLoc();
  Value x = adaptor.getInput();
  auto type = cast<RankedTensorType>(x.getType());
  SmallVector<OpFoldResult> sizes = getSizes(rewriter, loc, x);
  Value values =
      rewriter.create<tensor::EmptyOp>(loc, sizes, rewriter.getF32Type());
  Value slopes =
      rewriter.create<tensor::EmptyOp>(loc, sizes, rewriter.getF32Type());
  AffineMap id = rewriter.getMultiDimIdentityMap(type.getRank());
  SmallVector<utils::IteratorType> iters(type.getRank(),
                                         utils::IteratorType::parallel);
  auto generic = rewriter.create<linalg::GenericOp>(
      loc, TypeRange{type, type}, ValueRange{x}, ValueRange{values, slopes},
      SmallVector<AffineMap>(3, id), iters,
      [&](OpBuilder &b, Location l, ValueRange args) {
        Value inner = geluInner(b, l, args[0], approximate);
        b.create<linalg::YieldOp>(
            l, ValueRange{geluValue(b, l, args[0], inner),
                          geluSlope(b, l, args[0], inner, approximate)});
      });
  return SmallVector<Value>(generic.getResults());
}

} // namespace

void nnc::populateNNGradPatterns(RewritePatternSet &patterns) {
  addLowerings<lowerPairLossBackward<nn::MseLossBackwardOp>,
               lowerPairLossBackward<nn::MaeLossBackwardOp>,
               lowerPairLossBackward<nn::HuberLossBackwardOp>,
               lowerPairLossBackward<nn::BceLossBackwardOp>,
               lowerPairLossBackward<nn::BceLogitsLossBackwardOp>,
               lowerPairLossBackward<nn::PerceptronLossBackwardOp>,
               lowerCrossEntropyBackward, lowerGeluBackward,
               lowerGeluWithSlope>(patterns);
}
