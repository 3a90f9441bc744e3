//===- Elementwise.cpp - nn elementwise ops to linalg.generic -------------===//
//
// Lowers the unary activations and functions, `scale`, the broadcasting
// arithmetic (`add`, `sub`, `mul`, `div`, `minimum`, `maximum`), `dropout`
// and the constants to `linalg.generic`s (broadcasts are indexing maps,
// never materialised) and `arith.constant`/`linalg.fill`, so
// `linalg-fuse-elementwise-ops` can fuse chains of them. Dropout's mask
// hash is described in docs/lowering.md.
//
//===----------------------------------------------------------------------===//

#include "LoweringUtils.h"
#include "nnc/Conversion/NNToLinalg/NNToLinalg.h"

#include <cmath>

using namespace mlir;
using namespace nnc::lowering;

namespace {

Value cmpPositive(OpBuilder &b, Location loc, Value x) {
  return b.create<arith::CmpFOp>(loc, arith::CmpFPredicate::OGT, x,
                                 f32Const(b, loc, 0));
}

// The scalar formula of each unary op that is more than one op (the others
// name their op in populateNNElementwisePatterns).
Value scalar(nn::ReluOp, OpBuilder &b, Location loc, Value x) {
  return b.create<arith::MaximumFOp>(loc, x, f32Const(b, loc, 0));
}
Value scalar(nn::LeakyReluOp op, OpBuilder &b, Location loc, Value x) {
  Value neg = b.create<arith::MulFOp>(
      loc, x, f32Const(b, loc, op.getAlpha().convertToFloat()));
  return b.create<arith::SelectOp>(loc, cmpPositive(b, loc, x), x, neg);
}
Value scalar(nn::EluOp op, OpBuilder &b, Location loc, Value x) {
  Value em1 = b.create<arith::SubFOp>(loc, b.create<math::ExpOp>(loc, x),
                                      f32Const(b, loc, 1));
  Value neg = b.create<arith::MulFOp>(
      loc, em1, f32Const(b, loc, op.getAlpha().convertToFloat()));
  return b.create<arith::SelectOp>(loc, cmpPositive(b, loc, x), x, neg);
}
Value scalar(nn::GeluOp op, OpBuilder &b, Location loc, Value x) {
  return geluValue(b, loc, x, geluInner(b, loc, x, op.getApproximate()));
}
Value scalar(nn::SigmoidOp, OpBuilder &b, Location loc, Value x) {
  Value e = b.create<math::ExpOp>(loc, b.create<arith::NegFOp>(loc, x));
  return b.create<arith::DivFOp>(
      loc, f32Const(b, loc, 1),
      b.create<arith::AddFOp>(loc, f32Const(b, loc, 1), e));
}
Value scalar(nn::StepOp, OpBuilder &b, Location loc, Value x) {
  return b.create<arith::SelectOp>(loc, cmpPositive(b, loc, x),
                                   f32Const(b, loc, 1), f32Const(b, loc, 0));
}
Value scalar(nn::PowOp op, OpBuilder &b, Location loc, Value x) {
  // 1, x and x * x for the exponents 0, 1 and 2 (pow(NaN, 0) = 1 as in
  // IEEE 754 and PyTorch); math.powf (C's powf: NaN for x < 0 with a
  // non-integer exponent) for the others.
  float p = op.getExponent().convertToFloat();
  if (p == 0)
    return f32Const(b, loc, 1);
  if (p == 1)
    return x;
  if (p == 2)
    return b.create<arith::MulFOp>(loc, x, x);
  return b.create<math::PowFOp>(loc, x, f32Const(b, loc, p));
}
Value scalar(nn::ClipOp op, OpBuilder &b, Location loc, Value x) {
  // min(max(x, lo), hi) as torch.clamp; NaN propagates through both.
  if (std::optional<APFloat> lo = op.getMin())
    x = b.create<arith::MaximumFOp>(loc, x,
                                    f32Const(b, loc, lo->convertToFloat()));
  if (std::optional<APFloat> hi = op.getMax())
    x = b.create<arith::MinimumFOp>(loc, x,
                                    f32Const(b, loc, hi->convertToFloat()));
  return x;
}
Value scalar(nn::ScaleOp op, OpBuilder &b, Location loc, Value x) {
  return b.create<arith::MulFOp>(
      loc, x, f32Const(b, loc, op.getFactor().convertToFloat()));
}

/// A unary elementwise op: one generic applying `scalar(op, ...)`, or the
/// single `ScalarOp` of the element where the formula is one op.
template <typename OpTy, typename ScalarOp = void>
Value lowerUnary(OpTy op, typename OpTy::Adaptor adaptor,
                 ConversionPatternRewriter &rewriter) {
  return unaryElementwise(
      rewriter, op.getLoc(), adaptor.getInput(),
      [&](OpBuilder &b, Location loc, ValueRange args) -> Value {
        if constexpr (std::is_void_v<ScalarOp>)
          return scalar(op, b, loc, args[0]);
        else
          return b.create<ScalarOp>(loc, args[0]);
      });
}

/// A broadcasting binary op lowered to one generic with `ArithOp`.
template <typename OpTy, typename ArithOp>
Value lowerBinary(OpTy op, typename OpTy::Adaptor adaptor,
                  ConversionPatternRewriter &rewriter) {
  Value result = broadcastElementwise(
      rewriter, op.getLoc(), cast<RankedTensorType>(op.getType()),
      {adaptor.getLhs(), adaptor.getRhs()},
      [](OpBuilder &b, Location loc, ValueRange args) -> Value {
        return b.create<ArithOp>(loc, args[0], args[1]);
      });
  return result;
}

/// Inverted dropout with a counter-based hash mask of (seed, flat index),
/// the index counted from row `rows` of the batch when that operand is set.
Value lowerDropout(nn::DropoutOp op, nn::DropoutOp::Adaptor adaptor,
                   ConversionPatternRewriter &rewriter) {
  double p = op.getP().convertToFloat();
  if (!op.getTraining() || p == 0) {
    return adaptor.getInput();
  }
  Location loc = op.getLoc();
  Value seed =
      rewriter.create<tensor::ExtractOp>(loc, adaptor.getSeed(), ValueRange{});
  SmallVector<OpFoldResult> sizes = getSizes(rewriter, loc, adaptor.getInput());
  // The index of the first element: rows * (elements of one row).
  Value first;
  if (adaptor.getRows() && !sizes.empty()) {
    first = rewriter.create<tensor::ExtractOp>(loc, adaptor.getRows(),
                                               ValueRange{});
    for (OpFoldResult size : ArrayRef<OpFoldResult>(sizes).drop_front())
      first = rewriter.create<arith::MulIOp>(
          loc, first,
          rewriter.create<arith::IndexCastOp>(
              loc, rewriter.getI64Type(),
              getValueOrCreateConstantIndexOp(rewriter, loc, size)));
  }
  Value result = unaryElementwise(
      rewriter, loc, adaptor.getInput(),
      [&](OpBuilder &b, Location l, ValueRange args) -> Value {
        Value index = flatIndex(b, l, sizes);
        if (first)
          index = b.create<arith::AddIOp>(l, index, first);
        Value keep = dropoutKeep(b, l, seed, index, p);
        Value kept =
            b.create<arith::MulFOp>(l, args[0], f32Const(b, l, 1 / (1 - p)));
        return b.create<arith::SelectOp>(l, keep, kept, f32Const(b, l, 0));
      });
  return result;
}

FailureOr<Value> lowerConstant(nn::ConstantOp op, nn::ConstantOp::Adaptor,
                               ConversionPatternRewriter &rewriter) {
  auto value = dyn_cast<TypedAttr>(op.getValue());
  if (!value)
    return rewriter.notifyMatchFailure(op, "value is not a typed attribute");
  return rewriter.create<arith::ConstantOp>(op.getLoc(), value).getResult();
}

FailureOr<Value> lowerFill(nn::FillOp op, nn::FillOp::Adaptor,
                           ConversionPatternRewriter &rewriter) {
  auto type = cast<RankedTensorType>(op.getType());
  if (!type.hasStaticShape())
    return rewriter.notifyMatchFailure(op, "fill needs a static shape");
  Value init =
      rewriter.create<tensor::EmptyOp>(op.getLoc(), type, ValueRange{});
  return fill(rewriter, op.getLoc(), init, op.getValue().convertToFloat());
}

} // namespace

void nnc::populateNNElementwisePatterns(RewritePatternSet &patterns) {
  addLowerings<
      lowerUnary<nn::ReluOp>, lowerUnary<nn::LeakyReluOp>,
      lowerUnary<nn::EluOp>, lowerUnary<nn::GeluOp>, lowerUnary<nn::SigmoidOp>,
      lowerUnary<nn::StepOp>, lowerUnary<nn::PowOp>, lowerUnary<nn::ClipOp>,
      lowerUnary<nn::ScaleOp>, lowerUnary<nn::TanhOp, math::TanhOp>,
      lowerUnary<nn::ExpOp, math::ExpOp>, lowerUnary<nn::LogOp, math::LogOp>,
      lowerUnary<nn::NegOp, arith::NegFOp>,
      lowerUnary<nn::SqrtOp, math::SqrtOp>, lowerUnary<nn::AbsOp, math::AbsFOp>,
      lowerUnary<nn::ErfOp, math::ErfOp>, lowerBinary<nn::AddOp, arith::AddFOp>,
      lowerBinary<nn::SubOp, arith::SubFOp>,
      lowerBinary<nn::MulOp, arith::MulFOp>,
      lowerBinary<nn::DivOp, arith::DivFOp>,
      lowerBinary<nn::MinimumOp, arith::MinimumFOp>,
      lowerBinary<nn::MaximumOp, arith::MaximumFOp>, lowerDropout,
      lowerConstant, lowerFill>(patterns);
}
