//===- GradOptimizer.cpp - optimizer update ops to linalg.generic ---------===//
//
// Lowers `nn.sgd_update`, `nn.momentum_update`, `nn.rmsprop_update`,
// `nn.adam_update` (dialects/NN/NNOptimizerOps.td) to ONE `linalg.generic`
// each, whose outputs are the parameter and its state themselves (so that
// bufferization updates them in place), and `nn.clip_coef` to scalar
// arithmetic. The hyperparameters are run-time f64 scalars (the model
// instance holds them); the factors derived from them and from the step
// (1 - beta, Adam's bias corrections, 1 - lr * wd, the first momentum step)
// are computed once per call, outside the generic: like PyTorch, which holds
// hyperparameters as Python floats, in double, each rounded to f32 once.
// Weight decay is always applied (g + wd * p is g exactly when wd is 0).
//
//===----------------------------------------------------------------------===//

#include "LoweringUtils.h"
#include "nnc/Conversion/NNToLinalg/NNToLinalg.h"

using namespace mlir;
using namespace nnc::lowering;

namespace {

/// The scalar in a rank-0 tensor.
Value extractScalar(OpBuilder &b, Location loc, Value tensor) {
  return b.create<tensor::ExtractOp>(loc, tensor, ValueRange{});
}

/// One elementwise generic reading `inputs` and updating `outputs` (same
/// shapes) in place; `body` gets the input then the output elements and
/// returns the new output elements.
using UpdateFn =
    llvm::function_ref<SmallVector<Value>(OpBuilder &, Location, ValueRange)>;
ValueRange updateGeneric(OpBuilder &b, Location loc, ValueRange inputs,
                         ValueRange outputs, UpdateFn body) {
  auto type = cast<RankedTensorType>(outputs.front().getType());
  AffineMap id = b.getMultiDimIdentityMap(type.getRank());
  SmallVector<AffineMap> maps(inputs.size() + outputs.size(), id);
  SmallVector<utils::IteratorType> iters(type.getRank(),
                                         utils::IteratorType::parallel);
  auto generic = b.create<linalg::GenericOp>(
      loc, outputs.getTypes(), inputs, outputs, maps, iters,
      [&](OpBuilder &nb, Location nloc, ValueRange args) {
        nb.create<linalg::YieldOp>(nloc, body(nb, nloc, args));
      });
  return generic.getResults();
}

/// Scalar arithmetic helpers. `flags` go on every add, sub and mul: the
/// per-element update bodies (`perElement`) allow contraction, so that
/// LLVM fuses each product with the sum that reads it (g + wd * p,
/// b1 * m + (1 - b1) * d, ..., p - step * q: 17 vector ops per 16 Adam
/// elements become 13 with FMAs, and fashion_mlp's dW1-and-update kernel
/// runs 3.5% faster on a Xeon). A fused multiply-add rounds once where the
/// pair rounded twice: the update is as accurate or more. The per-call f64
/// scalars keep exact IEEE operations.
struct Arith {
  OpBuilder &b;
  Location loc;
  arith::FastMathFlags flags = arith::FastMathFlags::none;
  static Arith perElement(OpBuilder &b, Location loc) {
    return {b, loc, arith::FastMathFlags::contract};
  }
  Value c(double v) { return f32Const(b, loc, v); }
  Value add(Value x, Value y) {
    return b.create<arith::AddFOp>(loc, x, y, flags);
  }
  Value sub(Value x, Value y) {
    return b.create<arith::SubFOp>(loc, x, y, flags);
  }
  Value mul(Value x, Value y) {
    return b.create<arith::MulFOp>(loc, x, y, flags);
  }
  Value div(Value x, Value y) { return b.create<arith::DivFOp>(loc, x, y); }
  /// x / y for the per-element update of an adaptive optimizer, where y is
  /// `sqrt(...) + eps`, positive: marked `arcp nnan ninf contract`, which
  /// lets LLVM compute it as x * rcp(y) refined by one Newton step (x86:
  /// vrcp14ps and two FMAs, within about an ulp of the quotient) instead of
  /// a division. The divider was the bound of Adam's update: with the square
  /// root it took a third of fashion_mlp's dW1-and-update kernel on a Xeon.
  Value divEstimate(Value x, Value y) {
    auto estimate = arith::FastMathFlags::arcp | arith::FastMathFlags::nnan |
                    arith::FastMathFlags::ninf | arith::FastMathFlags::contract;
    return b.create<arith::DivFOp>(loc, x, y, estimate);
  }
  Value sqrt(Value x) { return b.create<math::SqrtOp>(loc, x); }
  /// g + wd * p (PyTorch's L2 weight decay).
  Value decay(Value g, Value p, Value wd) { return add(g, mul(wd, p)); }
};

/// The f64 value of a hyperparameter operand, outside the generic.
Value hyper64(OpBuilder &b, Location loc, Value tensor) {
  return extractScalar(b, loc, tensor);
}
/// An f64 scalar rounded to f32 once.
Value toF32(OpBuilder &b, Location loc, Value v) {
  return b.create<arith::TruncFOp>(loc, b.getF32Type(), v);
}
/// A hyperparameter operand as an f32 scalar.
Value hyper32(OpBuilder &b, Location loc, Value tensor) {
  return toF32(b, loc, hyper64(b, loc, tensor));
}
/// 1 - x in f64, rounded to f32.
Value oneMinus32(OpBuilder &b, Location loc, Value x64) {
  Value one =
      b.create<arith::ConstantOp>(loc, b.getF64Type(), b.getF64FloatAttr(1.0));
  return toF32(b, loc, b.create<arith::SubFOp>(loc, one, x64));
}

ValueRange lowerSgd(nn::SgdUpdateOp op, nn::SgdUpdateOp::Adaptor adaptor,
                    ConversionPatternRewriter &rewriter) {
  Location loc = op.getLoc();
  Value lr = hyper32(rewriter, loc, adaptor.getLr());
  Value wd = hyper32(rewriter, loc, adaptor.getWeightDecay());
  ValueRange results = updateGeneric(
      rewriter, loc, {adaptor.getGrad()}, {adaptor.getParam()},
      [&](OpBuilder &b, Location l, ValueRange a) -> SmallVector<Value> {
        Arith m = Arith::perElement(b, l);
        Value d = m.decay(a[0], a[1], wd);
        return {m.sub(a[1], m.mul(lr, d))};
      });
  return results;
}

ValueRange lowerMomentum(nn::MomentumUpdateOp op,
                         nn::MomentumUpdateOp::Adaptor adaptor,
                         ConversionPatternRewriter &rewriter) {
  Location loc = op.getLoc();
  Value lr = hyper32(rewriter, loc, adaptor.getLr());
  Value step = extractScalar(rewriter, loc, adaptor.getStep());
  Value first = rewriter.create<arith::CmpIOp>(
      loc, arith::CmpIPredicate::sle, step,
      rewriter.create<arith::ConstantIntOp>(loc, 1, 64));
  Value mu = hyper32(rewriter, loc, adaptor.getMomentum());
  Value wd = hyper32(rewriter, loc, adaptor.getWeightDecay());
  // Nesterov is a flag (0 or 1): d + mu * buf when set, else buf.
  Value nesterov = rewriter.create<arith::CmpFOp>(
      loc, arith::CmpFPredicate::UNE,
      hyper64(rewriter, loc, adaptor.getNesterov()),
      rewriter.create<arith::ConstantOp>(loc, rewriter.getF64Type(),
                                         rewriter.getF64FloatAttr(0.0)));
  ValueRange results = updateGeneric(
      rewriter, loc, {adaptor.getGrad()},
      {adaptor.getParam(), adaptor.getBuffer()},
      [&](OpBuilder &b, Location l, ValueRange a) -> SmallVector<Value> {
        Arith m = Arith::perElement(b, l);
        Value d = m.decay(a[0], a[1], wd);
        Value later = m.add(m.mul(mu, a[2]), d);
        Value buf = b.create<arith::SelectOp>(l, first, d, later);
        Value dir = b.create<arith::SelectOp>(l, nesterov,
                                              m.add(d, m.mul(mu, buf)), buf);
        return {m.sub(a[1], m.mul(lr, dir)), buf};
      });
  return results;
}

ValueRange lowerRmsprop(nn::RmspropUpdateOp op,
                        nn::RmspropUpdateOp::Adaptor adaptor,
                        ConversionPatternRewriter &rewriter) {
  Location loc = op.getLoc();
  Value lr = hyper32(rewriter, loc, adaptor.getLr());
  Value alpha64 = hyper64(rewriter, loc, adaptor.getAlpha());
  Value alpha = toF32(rewriter, loc, alpha64);
  Value oneMinusAlpha = oneMinus32(rewriter, loc, alpha64);
  Value eps = hyper32(rewriter, loc, adaptor.getEps());
  Value wd = hyper32(rewriter, loc, adaptor.getWeightDecay());
  ValueRange results = updateGeneric(
      rewriter, loc, {adaptor.getGrad()},
      {adaptor.getParam(), adaptor.getSquareAvg()},
      [&](OpBuilder &b, Location l, ValueRange a) -> SmallVector<Value> {
        Arith m = Arith::perElement(b, l);
        Value d = m.decay(a[0], a[1], wd);
        Value sq = m.add(m.mul(alpha, a[2]), m.mul(oneMinusAlpha, m.mul(d, d)));
        Value denom = m.add(m.sqrt(sq), eps);
        return {m.sub(a[1], m.divEstimate(m.mul(lr, d), denom)), sq};
      });
  return results;
}

ValueRange lowerAdam(nn::AdamUpdateOp op, nn::AdamUpdateOp::Adaptor adaptor,
                     ConversionPatternRewriter &rewriter) {
  Location loc = op.getLoc();
  Arith s{rewriter, loc};
  bool decoupled = op.getDecoupled();
  // The per-step scalars in f64, each rounded to f32 once (PyTorch computes
  // them on Python floats): step_size = lr / (1 - beta1^t),
  // sqrt(1 - beta2^t), 1 - beta1, 1 - beta2 and AdamW's shrink factor
  // 1 - lr * wd.
  Type f64 = rewriter.getF64Type();
  auto c64 = [&](double v) -> Value {
    return rewriter.create<arith::ConstantOp>(loc, f64,
                                              rewriter.getF64FloatAttr(v));
  };
  auto f32 = [&](Value v) { return toF32(rewriter, loc, v); };
  Value lr64 = hyper64(rewriter, loc, adaptor.getLr());
  Value beta1_64 = hyper64(rewriter, loc, adaptor.getBeta1());
  Value beta2_64 = hyper64(rewriter, loc, adaptor.getBeta2());
  Value wd64 = hyper64(rewriter, loc, adaptor.getWeightDecay());
  Value beta1 = f32(beta1_64), beta2 = f32(beta2_64);
  Value oneMinusBeta1 = oneMinus32(rewriter, loc, beta1_64);
  Value oneMinusBeta2 = oneMinus32(rewriter, loc, beta2_64);
  Value eps64 = hyper64(rewriter, loc, adaptor.getEps());
  Value wd = f32(wd64);
  Value t = rewriter.create<arith::SIToFPOp>(
      loc, f64, extractScalar(rewriter, loc, adaptor.getStep()));
  Value bc1 = s.sub(c64(1), rewriter.create<math::PowFOp>(loc, beta1_64, t));
  Value bc2 = s.sub(c64(1), rewriter.create<math::PowFOp>(loc, beta2_64, t));
  // PyTorch's update p - lr / bc1 * m / (sqrt(v) / sqrt(bc2) + eps), with
  // sqrt(bc2) moved into the per-step scalars: p - lr * sqrt(bc2) / bc1 * m
  // / (sqrt(v) + eps * sqrt(bc2)). One division per element instead of two
  // (the divider is the bottleneck of the update: 12% of fashion_mlp's
  // train step on a Xeon); the result differs by rounding only.
  Value bc2Sqrt = s.sqrt(bc2);
  Value stepSize = f32(s.div(s.mul(lr64, bc2Sqrt), bc1));
  Value eps = f32(s.mul(eps64, bc2Sqrt));
  Value shrink = f32(s.sub(c64(1), s.mul(lr64, wd64)));
  ValueRange results = updateGeneric(
      rewriter, loc, {adaptor.getGrad()},
      {adaptor.getParam(), adaptor.getExpAvg(), adaptor.getExpAvgSq()},
      [&](OpBuilder &b, Location l, ValueRange a) -> SmallVector<Value> {
        Arith m = Arith::perElement(b, l);
        Value p = a[1];
        Value d = a[0];
        if (decoupled)
          p = m.mul(p, shrink);
        else
          d = m.decay(d, p, wd);
        Value ea = m.add(m.mul(beta1, a[2]), m.mul(oneMinusBeta1, d));
        Value eas =
            m.add(m.mul(beta2, a[3]), m.mul(oneMinusBeta2, m.mul(d, d)));
        Value denom = m.add(m.sqrt(eas), eps);
        Value newP = m.sub(p, m.mul(stepSize, m.divEstimate(ea, denom)));
        return {newP, ea, eas};
      });
  return results;
}

Value lowerClipCoef(nn::ClipCoefOp op, nn::ClipCoefOp::Adaptor adaptor,
                    ConversionPatternRewriter &rewriter) {
  Location loc = op.getLoc();
  Arith s{rewriter, loc};
  Value norm = s.sqrt(extractScalar(rewriter, loc, adaptor.getSumsq()));
  Value maxNorm = hyper32(rewriter, loc, adaptor.getMaxNorm());
  Value coef = s.div(maxNorm, s.add(norm, s.c(1e-6)));
  Value clamped = rewriter.create<arith::MinimumFOp>(loc, coef, s.c(1.0));
  return rewriter.create<tensor::FromElementsOp>(loc, op.getType(), clamped)
      .getResult();
}

} // namespace

void nnc::populateNNOptimizerPatterns(RewritePatternSet &patterns) {
  addLowerings<lowerSgd, lowerMomentum, lowerRmsprop, lowerAdam, lowerClipCoef>(
      patterns);
}
