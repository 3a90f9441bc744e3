//===- MathApproximation.cpp - inline f32 polynomials for math functions --===//
//
// Implements nnc-math-approximation: every f32 (scalar or vector) math.exp,
// expm1, tanh, erf, log, log1p, log2, sin, cos, atan, atan2, asin, acos and
// cbrt becomes MLIR's polynomial approximation (arith ops only, accurate to
// a few ulp of f32), instead of a call to the C library. A libm call per
// element is scalar, opaque to LLVM's vectorizer and costs 10-30 ns: it was
// 42% of the LSTM train step (expm1f, tanhf, expf) and 26% of the encoder's
// (erff of GELU, expf of softmax). f64 math (the gradient checks) keeps libm.
//
//===----------------------------------------------------------------------===//

#include "nnc/Target/CPU/Passes.h"

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

struct MathApproximationPass
    : nnc::impl::MathApproximationBase<MathApproximationPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    // The AVX2 rsqrt estimate (enableAvx2) is only 12 bits: keep sqrt/rsqrt
    // exact.
    MathPolynomialApproximationOptions options;
    options.enableAvx2 = false;
    populateMathPolynomialApproximationPatterns(patterns, options);
    if (failed(
            applyPatternsAndFoldGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};

} // namespace
