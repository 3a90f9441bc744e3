//===- GradOptimizer.cpp - optimizer update ops to linalg.generic ---------===//
//
// Lowers `nn.sgd_update`, `nn.momentum_update`, `nn.rmsprop_update`,
// `nn.adam_update` (dialects/NN/NNOptimizerOps.td) to ONE `linalg.generic`
// each, whose outputs are the parameter and its state themselves (so that
// bufferization updates them in place), and `nn.clip_coef` to scalar
// arithmetic. Step-dependent factors (Adam's bias corrections, the first
// momentum step) are computed once, outside the generic. Like PyTorch, which
// holds hyperparameters as Python floats, every derived constant (1 - beta,
// the bias corrections, 1 - lr * wd) is computed in double from the decimal
// value written in the recipe and rounded to f32 once.
//
//===----------------------------------------------------------------------===//

#include "LoweringUtils.h"
#include "nnc/Conversion/NNToLinalg/NNToLinalg.h"

#include <charconv>

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

/// The value an f32 hyperparameter attribute was written as: the shortest
/// decimal that rounds to it (0.999 for 0.999f), as a double. The attribute
/// lost the written digits, but the shortest round-trip decimal recovers
/// every value written with at most 6 significant digits (and then is the
/// double nearest to it), so that 1 - beta is 1e-3 rather than the 9.99987e-4
/// of 1 - (double)0.999f.
double written(const llvm::APFloat &value) {
  float f = value.convertToFloat();
  char text[64];
  std::to_chars_result printed = std::to_chars(text, text + sizeof(text), f);
  double d = f;
  if (printed.ec == std::errc())
    std::from_chars(text, printed.ptr, d);
  return d;
}

/// Scalar arithmetic helpers on f32 values.
struct Arith {
  OpBuilder &b;
  Location loc;
  Value c(double v) { return f32Const(b, loc, v); }
  Value add(Value x, Value y) { return b.create<arith::AddFOp>(loc, x, y); }
  Value sub(Value x, Value y) { return b.create<arith::SubFOp>(loc, x, y); }
  Value mul(Value x, Value y) { return b.create<arith::MulFOp>(loc, x, y); }
  Value div(Value x, Value y) { return b.create<arith::DivFOp>(loc, x, y); }
  Value sqrt(Value x) { return b.create<math::SqrtOp>(loc, x); }
  /// g + wd * p (PyTorch's L2 weight decay), or g when wd is 0.
  Value decay(Value g, Value p, double wd) {
    return wd == 0.0 ? g : add(g, mul(c(wd), p));
  }
};

struct SgdLowering : OpConversionPattern<nn::SgdUpdateOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(nn::SgdUpdateOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value lr = extractScalar(rewriter, loc, adaptor.getLr());
    double wd = op.getWeightDecay().convertToFloat();
    ValueRange results = updateGeneric(
        rewriter, loc, {adaptor.getGrad()}, {adaptor.getParam()},
        [&](OpBuilder &b, Location l, ValueRange a) -> SmallVector<Value> {
          Arith m{b, l};
          Value d = m.decay(a[0], a[1], wd);
          return {m.sub(a[1], m.mul(lr, d))};
        });
    rewriter.replaceOp(op, results);
    return success();
  }
};

struct MomentumLowering : OpConversionPattern<nn::MomentumUpdateOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(nn::MomentumUpdateOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value lr = extractScalar(rewriter, loc, adaptor.getLr());
    Value step = extractScalar(rewriter, loc, adaptor.getStep());
    Value first = rewriter.create<arith::CmpIOp>(
        loc, arith::CmpIPredicate::sle, step,
        rewriter.create<arith::ConstantIntOp>(loc, 1, 64));
    double mu = op.getMomentum().convertToFloat();
    double wd = op.getWeightDecay().convertToFloat();
    bool nesterov = op.getNesterov();
    ValueRange results = updateGeneric(
        rewriter, loc, {adaptor.getGrad()},
        {adaptor.getParam(), adaptor.getBuffer()},
        [&](OpBuilder &b, Location l, ValueRange a) -> SmallVector<Value> {
          Arith m{b, l};
          Value d = m.decay(a[0], a[1], wd);
          Value later = m.add(m.mul(m.c(mu), a[2]), d);
          Value buf = b.create<arith::SelectOp>(l, first, d, later);
          Value dir = nesterov ? m.add(d, m.mul(m.c(mu), buf)) : buf;
          return {m.sub(a[1], m.mul(lr, dir)), buf};
        });
    rewriter.replaceOp(op, results);
    return success();
  }
};

struct RmspropLowering : OpConversionPattern<nn::RmspropUpdateOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(nn::RmspropUpdateOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value lr = extractScalar(rewriter, loc, adaptor.getLr());
    double alpha = written(op.getAlpha());
    double eps = op.getEps().convertToFloat();
    double wd = op.getWeightDecay().convertToFloat();
    ValueRange results = updateGeneric(
        rewriter, loc, {adaptor.getGrad()},
        {adaptor.getParam(), adaptor.getSquareAvg()},
        [&](OpBuilder &b, Location l, ValueRange a) -> SmallVector<Value> {
          Arith m{b, l};
          Value d = m.decay(a[0], a[1], wd);
          Value sq = m.add(m.mul(m.c(alpha), a[2]),
                           m.mul(m.c(1 - alpha), m.mul(d, d)));
          Value denom = m.add(m.sqrt(sq), m.c(eps));
          return {m.sub(a[1], m.div(m.mul(lr, d), denom)), sq};
        });
    rewriter.replaceOp(op, results);
    return success();
  }
};

struct AdamLowering : OpConversionPattern<nn::AdamUpdateOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(nn::AdamUpdateOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Arith s{rewriter, loc};
    double beta1 = written(op.getBeta1());
    double beta2 = written(op.getBeta2());
    double eps = op.getEps().convertToFloat();
    double wd = written(op.getWeightDecay());
    bool decoupled = op.getDecoupled();
    Value lr = extractScalar(rewriter, loc, adaptor.getLr());
    // The per-step scalars in f64, each rounded to f32 once (PyTorch computes
    // them on Python floats): step_size = lr / (1 - beta1^t),
    // sqrt(1 - beta2^t) and AdamW's shrink factor 1 - lr * wd.
    Type f64 = rewriter.getF64Type();
    auto c64 = [&](double v) -> Value {
      return rewriter.create<arith::ConstantOp>(loc, f64,
                                                rewriter.getF64FloatAttr(v));
    };
    auto toF32 = [&](Value v) -> Value {
      return rewriter.create<arith::TruncFOp>(loc, rewriter.getF32Type(), v);
    };
    Value lr64 = rewriter.create<arith::ExtFOp>(loc, f64, lr);
    Value t = rewriter.create<arith::SIToFPOp>(
        loc, f64, extractScalar(rewriter, loc, adaptor.getStep()));
    Value bc1 =
        s.sub(c64(1), rewriter.create<math::PowFOp>(loc, c64(beta1), t));
    Value bc2 =
        s.sub(c64(1), rewriter.create<math::PowFOp>(loc, c64(beta2), t));
    Value stepSize = toF32(s.div(lr64, bc1));
    Value bc2Sqrt = toF32(s.sqrt(bc2));
    Value shrink = toF32(s.sub(c64(1), s.mul(lr64, c64(wd))));
    ValueRange results = updateGeneric(
        rewriter, loc, {adaptor.getGrad()},
        {adaptor.getParam(), adaptor.getExpAvg(), adaptor.getExpAvgSq()},
        [&](OpBuilder &b, Location l, ValueRange a) -> SmallVector<Value> {
          Arith m{b, l};
          Value p = a[1];
          Value d = a[0];
          if (decoupled) {
            if (wd != 0.0)
              p = m.mul(p, shrink);
          } else {
            d = m.decay(d, p, wd);
          }
          Value ea = m.add(m.mul(m.c(beta1), a[2]), m.mul(m.c(1 - beta1), d));
          Value eas = m.add(m.mul(m.c(beta2), a[3]),
                            m.mul(m.c(1 - beta2), m.mul(d, d)));
          Value denom = m.add(m.div(m.sqrt(eas), bc2Sqrt), m.c(eps));
          Value newP = m.sub(p, m.mul(stepSize, m.div(ea, denom)));
          return {newP, ea, eas};
        });
    rewriter.replaceOp(op, results);
    return success();
  }
};

struct ClipCoefLowering : OpConversionPattern<nn::ClipCoefOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(nn::ClipCoefOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Arith s{rewriter, loc};
    Value norm = s.sqrt(extractScalar(rewriter, loc, adaptor.getSumsq()));
    Value coef =
        s.div(s.c(op.getMaxNorm().convertToFloat()), s.add(norm, s.c(1e-6)));
    Value clamped = rewriter.create<arith::MinimumFOp>(loc, coef, s.c(1.0));
    rewriter.replaceOpWithNewOp<tensor::FromElementsOp>(op, op.getType(),
                                                        clamped);
    return success();
  }
};

} // namespace

void nnc::populateNNOptimizerPatterns(RewritePatternSet &patterns) {
  patterns.add<SgdLowering, MomentumLowering, RmspropLowering, AdamLowering,
               ClipCoefLowering>(patterns.getContext());
}
