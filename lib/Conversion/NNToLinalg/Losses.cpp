//===- Losses.cpp - nn losses and penalties to reductions -----------------===//
//
// Every loss is a reduction generic summing a per-element formula into a
// rank-0 f32 tensor, then divided by the element count read at run time
// (PyTorch's `reduction='mean'`). Cross-entropy uses the stable
// log-sum-exp per row; `bce_loss` clamps its logs at -100 and
// `bce_logits_loss` uses max(x, 0) - x y + log1p(exp(-|x|)). Penalties sum
// over their parameters and are not averaged.
//
//===----------------------------------------------------------------------===//

#include "LoweringUtils.h"
#include "nnc/Conversion/NNToLinalg/NNToLinalg.h"

#include <limits>

using namespace mlir;
using namespace nnc::lowering;

namespace {

/// Sums `f(elements...)` over every element of the same-shaped `inputs`
/// (extra `inputMaps`, when given, replace the identity maps) into a
/// rank-0 tensor.
Value sumAll(OpBuilder &b, Location loc, ValueRange inputs, ScalarFn f,
             ArrayRef<AffineMap> inputMaps = {}) {
  int64_t rank = cast<RankedTensorType>(inputs[0].getType()).getRank();
  Value acc = fill(
      b, loc,
      b.create<tensor::EmptyOp>(loc, ArrayRef<int64_t>{}, b.getF32Type()), 0);
  SmallVector<AffineMap> maps(inputMaps);
  if (maps.empty())
    maps.assign(inputs.size(), b.getMultiDimIdentityMap(rank));
  maps.push_back(AffineMap::get(rank, 0, {}, b.getContext()));
  SmallVector<utils::IteratorType> iters(rank, utils::IteratorType::reduction);
  return b
      .create<linalg::GenericOp>(
          loc, TypeRange{acc.getType()}, inputs, ValueRange{acc}, maps, iters,
          [&](OpBuilder &nb, Location l, ValueRange a) {
            Value v = f(nb, l, a.drop_back());
            nb.create<linalg::YieldOp>(
                l, nb.create<arith::AddFOp>(l, v, a.back()).getResult());
          })
      .getResult(0);
}

/// `scalar * factor` on a rank-0 tensor (factor an f32 value).
Value scaleScalar(OpBuilder &b, Location loc, Value scalar, Value factor) {
  return unaryElementwise(b, loc, scalar,
                          [&](OpBuilder &nb, Location l, ValueRange a) {
                            return nb.create<arith::MulFOp>(l, a[0], factor);
                          });
}

/// sum(f) / number of elements of `inputs[0]`.
Value meanAll(OpBuilder &b, Location loc, ValueRange inputs, ScalarFn f) {
  int64_t rank = cast<RankedTensorType>(inputs[0].getType()).getRank();
  Value count =
      countF32(b, loc, inputs[0], llvm::to_vector(llvm::seq<int64_t>(0, rank)));
  Value inv = b.create<arith::DivFOp>(loc, f32Const(b, loc, 1), count);
  return scaleScalar(b, loc, sumAll(b, loc, inputs, f), inv);
}

Value absf(OpBuilder &b, Location l, Value x) {
  return b.create<math::AbsFOp>(l, x);
}

// The per-element loss of prediction x and target y of each pair loss.

Value element(nn::MseLossOp, OpBuilder &b, Location l, Value x, Value y) {
  Value d = b.create<arith::SubFOp>(l, x, y);
  return b.create<arith::MulFOp>(l, d, d);
}

Value element(nn::MaeLossOp, OpBuilder &b, Location l, Value x, Value y) {
  return absf(b, l, b.create<arith::SubFOp>(l, x, y));
}

Value element(nn::HuberLossOp op, OpBuilder &b, Location l, Value x, Value y) {
  double delta = op.getDelta().convertToFloat();
  Value ad = absf(b, l, b.create<arith::SubFOp>(l, x, y));
  Value quad = b.create<arith::MulFOp>(l, f32Const(b, l, 0.5),
                                       b.create<arith::MulFOp>(l, ad, ad));
  Value lin = b.create<arith::MulFOp>(
      l, f32Const(b, l, delta),
      b.create<arith::SubFOp>(l, ad, f32Const(b, l, 0.5 * delta)));
  Value small = b.create<arith::CmpFOp>(l, arith::CmpFPredicate::OLT, ad,
                                        f32Const(b, l, delta));
  return b.create<arith::SelectOp>(l, small, quad, lin);
}

Value element(nn::BceLossOp, OpBuilder &b, Location l, Value x, Value y) {
  Value floor = f32Const(b, l, -100);
  Value one = f32Const(b, l, 1);
  Value logX =
      b.create<arith::MaximumFOp>(l, b.create<math::LogOp>(l, x), floor);
  Value log1mX = b.create<arith::MaximumFOp>(
      l, b.create<math::LogOp>(l, b.create<arith::SubFOp>(l, one, x)), floor);
  Value pos = b.create<arith::MulFOp>(l, y, logX);
  Value neg =
      b.create<arith::MulFOp>(l, b.create<arith::SubFOp>(l, one, y), log1mX);
  return b.create<arith::NegFOp>(l, b.create<arith::AddFOp>(l, pos, neg));
}

Value element(nn::BceLogitsLossOp, OpBuilder &b, Location l, Value x, Value y) {
  Value relu = b.create<arith::MaximumFOp>(l, x, f32Const(b, l, 0));
  Value soft = b.create<math::Log1pOp>(
      l, b.create<math::ExpOp>(l, b.create<arith::NegFOp>(l, absf(b, l, x))));
  return b.create<arith::AddFOp>(
      l, b.create<arith::SubFOp>(l, relu, b.create<arith::MulFOp>(l, x, y)),
      soft);
}

Value element(nn::PerceptronLossOp, OpBuilder &b, Location l, Value s,
              Value y) {
  // t = 2y - 1; max(0, -t s)
  Value t = b.create<arith::SubFOp>(
      l, b.create<arith::MulFOp>(l, y, f32Const(b, l, 2)), f32Const(b, l, 1));
  Value margin = b.create<arith::NegFOp>(l, b.create<arith::MulFOp>(l, t, s));
  return b.create<arith::MaximumFOp>(l, margin, f32Const(b, l, 0));
}

/// A loss averaging `element(op, ...)` of prediction and target over every
/// element.
template <typename OpTy>
Value lowerPairLoss(OpTy op, typename OpTy::Adaptor adaptor,
                    ConversionPatternRewriter &rewriter) {
  return meanAll(rewriter, op.getLoc(),
                 {adaptor.getInput(), adaptor.getTarget()},
                 [&](OpBuilder &b, Location l, ValueRange a) {
                   return element(op, b, l, a[0], a[1]);
                 });
}

FailureOr<Value> lowerCrossEntropy(nn::CrossEntropyLossOp op,
                                   nn::CrossEntropyLossOp::Adaptor adaptor,
                                   ConversionPatternRewriter &rewriter) {
  Location loc = op.getLoc();
  OpBuilder &b = rewriter;
  Value x = adaptor.getInput(), target = adaptor.getTarget();
  auto xType = cast<RankedTensorType>(x.getType());
  if (xType.getRank() != 2)
    return rewriter.notifyMatchFailure(op, "expects logits [N, C]");
  int64_t classes = xType.getDimSize(1);
  if (ShapedType::isDynamic(classes))
    return rewriter.notifyMatchFailure(op, "expects a static class count");
  // lse[n] = log(sum_c exp(x - max)) + max, through log_softmax's pieces:
  // logp = log_softmax(x) along the classes.
  Value logp = softmax(b, loc, x, 1, /*logarithm=*/true);
  Value count = countF32(b, loc, x, 0);
  Value inv = b.create<arith::DivFOp>(loc, f32Const(b, loc, -1), count);
  Value sum;
  auto tType = cast<RankedTensorType>(target.getType());
  if (tType.getElementType().isInteger(32)) {
    // -sum_n logp[n, clamp(y[n])]
    sum = sumAll(
        b, loc, target, [&](OpBuilder &nb, Location l, ValueRange a) -> Value {
          auto i32 = [&](int64_t v) -> Value {
            return nb.create<arith::ConstantOp>(l, nb.getI32IntegerAttr(v));
          };
          Value cls = nb.create<arith::MinSIOp>(
              l, nb.create<arith::MaxSIOp>(l, a[0], i32(0)), i32(classes - 1));
          Value row = nb.create<linalg::IndexOp>(l, 0);
          Value col = nb.create<arith::IndexCastOp>(l, nb.getIndexType(), cls);
          return nb.create<tensor::ExtractOp>(l, logp, ValueRange{row, col});
        });
  } else {
    sum = sumAll(b, loc, {logp, target},
                 [](OpBuilder &nb, Location l, ValueRange a) -> Value {
                   return nb.create<arith::MulFOp>(l, a[0], a[1]);
                 });
  }
  return scaleScalar(b, loc, sum, inv);
}

template <typename OpTy, bool isL2>
Value lowerPenalty(OpTy op, typename OpTy::Adaptor adaptor,
                   ConversionPatternRewriter &rewriter) {
  Location loc = op.getLoc();
  OpBuilder &b = rewriter;
  Value total;
  for (Value p : adaptor.getParams()) {
    Value s =
        sumAll(b, loc, p, [](OpBuilder &nb, Location l, ValueRange a) -> Value {
          if (isL2)
            return nb.create<arith::MulFOp>(l, a[0], a[0]);
          return nb.create<math::AbsFOp>(l, a[0]);
        });
    if (!total) {
      total = s;
      continue;
    }
    AffineMap scalarMap = b.getMultiDimIdentityMap(0);
    Value init =
        b.create<tensor::EmptyOp>(loc, ArrayRef<int64_t>{}, b.getF32Type());
    total = parallelGeneric(b, loc, init, {total, s}, {scalarMap, scalarMap},
                            [](OpBuilder &nb, Location l, ValueRange a) {
                              return nb.create<arith::AddFOp>(l, a[0], a[1]);
                            });
  }
  if (!total)
    total = fill(
        b, loc,
        b.create<tensor::EmptyOp>(loc, ArrayRef<int64_t>{}, b.getF32Type()), 0);
  double w = op.getWeight().convertToFloat();
  return scaleScalar(b, loc, total, f32Const(b, loc, isL2 ? w / 2 : w));
}

} // namespace

void nnc::populateNNLossPatterns(RewritePatternSet &patterns) {
  addLowerings<lowerPairLoss<nn::MseLossOp>, lowerPairLoss<nn::MaeLossOp>,
               lowerPairLoss<nn::HuberLossOp>, lowerPairLoss<nn::BceLossOp>,
               lowerPairLoss<nn::BceLogitsLossOp>,
               lowerPairLoss<nn::PerceptronLossOp>, lowerCrossEntropy,
               lowerPenalty<nn::L1PenaltyOp, false>,
               lowerPenalty<nn::L2PenaltyOp, true>>(patterns);
}
