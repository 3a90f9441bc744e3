//===- MathApproximation.cpp - inline f32 polynomials for math functions --===//
//
// Implements nnc-math-approximation: every f32 (scalar or vector) math.exp,
// expm1, tanh, erf, log, log1p, log2, sin, cos, atan, atan2, asin, acos and
// cbrt becomes MLIR's polynomial approximation (arith ops only, accurate to
// a few ulp of f32), instead of a call to the C library. A libm call per
// element is scalar, opaque to LLVM's vectorizer and costs 10-30 ns: it was
// 42% of the LSTM train step (expm1f, tanhf, expf) and 26% of the encoder's
// (erff of GELU, expf of softmax). f64 math (the gradient checks) keeps libm.
// erf is the one exception to MLIR's approximations: theirs evaluates three
// rational functions (one per interval) and selects between them, 105 x86
// instructions per 16 lanes of GELU's gradient, 58% of the encoder's
// feed-forward input-gradient kernel. ErfRational below is one odd/even
// rational function on [-4, 4] (Eigen's and XLA's float erf): 17 operations,
// at most 4.5e-7 from erf (4 ulp of 1).
//
//===----------------------------------------------------------------------===//

#include "nnc/Target/CPU/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Math/Transforms/Passes.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace nnc {
#define GEN_PASS_DEF_MATHAPPROXIMATION
#include "nnc/Target/CPU/Passes.h.inc"
} // namespace nnc

using namespace mlir;

namespace {

/// f32 erf(x) = x P(x^2) / Q(x^2) with x clamped to [-4, 4] (erf is +-1 in
/// f32 beyond), P of degree 6 and Q of degree 4 in x^2: the monomial
/// coefficients of Eigen's generic_fast_erf_float, the result kept in
/// [-1, 1]. NaN stays NaN (the clamps propagate it).
struct ErfRational : OpRewritePattern<math::ErfOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(math::ErfOp op,
                                PatternRewriter &rewriter) const override {
    Type type = op.getType();
    if (!getElementTypeOrSelf(type).isF32())
      return failure();
    Location loc = op.getLoc();
    auto constant = [&](float value) -> Value {
      Attribute attr = rewriter.getF32FloatAttr(value);
      if (auto vector = dyn_cast<VectorType>(type))
        attr = DenseElementsAttr::get(vector, value);
      return rewriter.create<arith::ConstantOp>(loc, type,
                                                cast<TypedAttr>(attr));
    };
    auto horner = [&](Value x2, ArrayRef<float> coefficients) {
      Value acc = constant(coefficients.front());
      for (float c : coefficients.drop_front())
        acc = rewriter.create<math::FmaOp>(loc, x2, acc, constant(c));
      return acc;
    };
    Value x = rewriter.create<arith::MaximumFOp>(
        loc,
        rewriter.create<arith::MinimumFOp>(loc, op.getOperand(), constant(4.f)),
        constant(-4.f));
    Value x2 = rewriter.create<arith::MulFOp>(loc, x, x);
    Value p = horner(x2, {-2.72614225801306e-10f, 2.77068142495902e-08f,
                          -2.10102402082508e-06f, -5.69250639462346e-05f,
                          -7.34990630326855e-04f, -2.95459980854025e-03f,
                          -1.60960333262415e-02f});
    Value q = horner(x2, {-1.45660718464996e-05f, -2.13374055278905e-04f,
                          -1.68282697438203e-03f, -7.37332916720468e-03f,
                          -1.42647390514189e-02f});
    // Kept in [-1, 1]: near the clamp the quotient is off by up to 4 ulp,
    // and 1 + erf(x) (GELU's) would change sign.
    Value r = rewriter.create<arith::DivFOp>(
        loc, rewriter.create<arith::MulFOp>(loc, x, p), q);
    rewriter.replaceOpWithNewOp<arith::MaximumFOp>(
        op, rewriter.create<arith::MinimumFOp>(loc, r, constant(1.f)),
        constant(-1.f));
    return success();
  }
};

struct MathApproximationPass
    : nnc::impl::MathApproximationBase<MathApproximationPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    // The AVX2 rsqrt estimate (enableAvx2) is only 12 bits: keep sqrt/rsqrt
    // exact.
    MathPolynomialApproximationOptions options;
    options.enableAvx2 = false;
    patterns.add<ErfRational>(&getContext(), /*benefit=*/2);
    populateMathPolynomialApproximationPatterns(patterns, options);
    if (failed(
            applyPatternsAndFoldGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};

} // namespace
