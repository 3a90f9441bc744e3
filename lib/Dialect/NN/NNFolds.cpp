//===- NNFolds.cpp - folds and canonicalization patterns of nn ops --------===//
//
// The algebraic simplifications of the nn dialect: identities that fold to
// an operand (dropout at inference, scale by 1, reshape to the same type,
// the identity transpose), constants, the composition of transposes, max
// pooling moved before a relu, sums of zero-padded concatenations, and
// gelu's derivative computed with its forward value (gelu_with_slope).
//
//===----------------------------------------------------------------------===//

#include "nnc/Dialect/NN/NNOps.h"

#include "mlir/IR/PatternMatch.h"

#include <set>

using namespace mlir;
using namespace mlir::nn;

OpFoldResult ConstantOp::fold(FoldAdaptor) { return getValue(); }

OpFoldResult ScaleOp::fold(FoldAdaptor) {
  if (getFactor().isExactlyValue(1.0))
    return getInput();
  return {};
}

OpFoldResult DropoutOp::fold(FoldAdaptor) {
  if (!getTraining() || getP().isZero())
    return getInput();
  return {};
}

OpFoldResult ReshapeOp::fold(FoldAdaptor) {
  if (getInput().getType() == getType())
    return getInput();
  return {};
}

OpFoldResult TransposeOp::fold(FoldAdaptor) {
  for (auto [index, p] : llvm::enumerate(getPerm()))
    if (p != static_cast<int64_t>(index))
      return {};
  return getInput();
}

namespace {
/// transpose(transpose(x, inner), outer) -> transpose(x, inner o outer):
/// result dim i is x's dim inner[outer[i]].
struct ComposeTransposes : public OpRewritePattern<TransposeOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(TransposeOp op,
                                PatternRewriter &rewriter) const override {
    auto inner = op.getInput().getDefiningOp<TransposeOp>();
    if (!inner)
      return rewriter.notifyMatchFailure(op, "input is not a transpose");
    SmallVector<int64_t> perm;
    for (int64_t p : op.getPerm())
      perm.push_back(inner.getPerm()[p]);
    rewriter.replaceOpWithNewOp<TransposeOp>(op, op.getType(), inner.getInput(),
                                             perm);
    return success();
  }
};
} // namespace

void TransposeOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                              MLIRContext *context) {
  results.add<ComposeTransposes>(context);
}

namespace {
/// maxpool(relu(x)) -> relu(maxpool(x)): max is monotone, so the two
/// commute, values and gradients alike (see the op's description); the
/// relu then runs on the pooled tensor (a quarter of the elements for 2x2
/// windows, and one maximum fewer per pooled element in the fused loop).
struct PoolBeforeRelu : OpRewritePattern<MaxPool2DOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(MaxPool2DOp op,
                                PatternRewriter &rewriter) const override {
    auto relu = op.getInput().getDefiningOp<ReluOp>();
    if (!relu || !relu->hasOneUse())
      return rewriter.notifyMatchFailure(op, "input is not a single-use relu");
    auto pooled = rewriter.create<MaxPool2DOp>(
        op.getLoc(), op.getType(), relu.getInput(), op.getKernelAttr(),
        op.getStridesAttr(), op.getPaddingAttr(), op.getDilationsAttr());
    Value activated = rewriter.create<ReluOp>(relu.getLoc(), op.getType(),
                                              pooled.getResult());
    rewriter.replaceOp(op, activated);
    rewriter.eraseOp(relu);
    return success();
  }
};
} // namespace

void MaxPool2DOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                              MLIRContext *context) {
  results.add<PoolBeforeRelu>(context);
}

namespace {
/// Whether `v` is all zeros: a zero fill, or a broadcast zero scalar (what
/// the adjoints build for padding, AdjointUtils.cpp).
bool isZeros(Value v) {
  auto isZeroSplat = [](Value c) {
    auto constant = c.getDefiningOp<ConstantOp>();
    auto dense = constant ? dyn_cast<DenseElementsAttr>(constant.getValue())
                          : DenseElementsAttr();
    return dense && dense.isSplat() && dense.getElementType().isF32() &&
           dense.getSplatValue<APFloat>().isPosZero();
  };
  if (auto fill = v.getDefiningOp<FillOp>())
    return fill.getValue().isPosZero();
  if (auto broadcast = v.getDefiningOp<BroadcastToOp>())
    return isZeroSplat(broadcast.getInput());
  return isZeroSplat(v);
}

/// Zeros like `zeros` (isZeros) but `size` long along `axis`.
Value zerosAlong(PatternRewriter &rewriter, Location loc, Value zeros,
                 int64_t axis, int64_t size) {
  auto type = cast<RankedTensorType>(zeros.getType());
  SmallVector<int64_t> shape(type.getShape());
  shape[axis] = size;
  auto newType = RankedTensorType::get(shape, type.getElementType());
  if (auto broadcast = zeros.getDefiningOp<BroadcastToOp>()) {
    SmallVector<int64_t> target(broadcast.getShape());
    target[axis] = size;
    return rewriter.create<BroadcastToOp>(loc, newType, broadcast.getInput(),
                                          broadcast.getBatchRef(), target);
  }
  return rewriter.create<FillOp>(loc, newType, rewriter.getF32FloatAttr(0.0));
}

/// add(concat(a...), concat(b...)) along one axis, of one type, where every
/// piece that a boundary of the other concatenation cuts is zeros ->
/// concat of the pieces' sums, a zero piece adding nothing. The gradients of
/// the query, key and value slices of attention's in-projection were three
/// zero-padded [N, T, 3D] tensors summed elementwise (zero fills, strided
/// copies and a three-way add over the whole tensor); they are now one
/// concatenation of the three gradients.
struct SumOfConcats : OpRewritePattern<AddOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(AddOp op,
                                PatternRewriter &rewriter) const override {
    auto lhs = op.getLhs().getDefiningOp<ConcatOp>();
    auto rhs = op.getRhs().getDefiningOp<ConcatOp>();
    if (!lhs || !rhs || lhs.getAxis() != rhs.getAxis() ||
        lhs.getType() != op.getType() || rhs.getType() != op.getType())
      return rewriter.notifyMatchFailure(op, "not a sum of two concats");
    int64_t axis = lhs.getAxis();
    auto sizeOf = [&](Value v) {
      return cast<RankedTensorType>(v.getType()).getDimSize(axis);
    };
    for (ConcatOp concat : {lhs, rhs})
      for (Value piece : concat.getInputs())
        if (ShapedType::isDynamic(sizeOf(piece)))
          return rewriter.notifyMatchFailure(op, "dynamic piece");
    // Every boundary of either side.
    std::set<int64_t> cuts;
    for (ConcatOp concat : {lhs, rhs}) {
      int64_t at = 0;
      for (Value piece : concat.getInputs())
        cuts.insert(at += sizeOf(piece));
    }
    // Each side's pieces cut at every boundary: zero pieces only.
    auto segments = [&](ConcatOp concat)
        -> std::optional<SmallVector<std::pair<Value, int64_t>>> {
      SmallVector<std::pair<Value, int64_t>> out;
      int64_t start = 0;
      for (Value piece : concat.getInputs()) {
        int64_t end = start + sizeOf(piece);
        int64_t from = start;
        for (auto it = cuts.upper_bound(start); it != cuts.end() && *it < end;
             ++it) {
          if (!isZeros(piece))
            return std::nullopt;
          out.push_back({piece, *it - from});
          from = *it;
        }
        out.push_back({piece, end - from});
        start = end;
      }
      return out;
    };
    auto left = segments(lhs), right = segments(rhs);
    if (!left || !right)
      return rewriter.notifyMatchFailure(op, "a cut falls inside data");
    Location loc = op.getLoc();
    auto piece = [&](std::pair<Value, int64_t> segment) {
      auto [value, size] = segment;
      return size == sizeOf(value)
                 ? value
                 : zerosAlong(rewriter, loc, value, axis, size);
    };
    SmallVector<Value> sums;
    for (auto [l, r] : llvm::zip_equal(*left, *right)) {
      if (isZeros(l.first))
        sums.push_back(piece(r));
      else if (isZeros(r.first))
        sums.push_back(piece(l));
      else
        sums.push_back(rewriter.create<AddOp>(loc, l.first, r.first));
    }
    rewriter.replaceOpWithNewOp<ConcatOp>(op, op.getType(), sums, axis);
    return success();
  }
};
} // namespace

void AddOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                        MLIRContext *context) {
  results.add<SumOfConcats>(context);
}

namespace {
/// batchnorm(conv2d(x, w, b)) -> conv2d(x, w * s, (b - mean) * s + beta)
/// with s = gamma / sqrt(var + eps) per output channel (inference batch
/// normalization, a single-use convolution). The scale and shift are
/// computed on the [C] vectors and the weights, once per call; the
/// normalization of every pixel goes (on fashion_cnn's predict, a multiply
/// and an add per element of both convolutions' outputs, in the pooling
/// loops). The rounding differs from normalizing the output (within f32
/// rounding of the product's terms).
struct FoldBatchNormIntoConv : OpRewritePattern<BatchNormOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(BatchNormOp op,
                                PatternRewriter &rewriter) const override {
    auto conv = op.getInput().getDefiningOp<Conv2DOp>();
    if (!conv || !conv->hasOneUse())
      return rewriter.notifyMatchFailure(op,
                                         "input is not a single-use conv2d");
    auto weightType = dyn_cast<RankedTensorType>(conv.getWeight().getType());
    auto vectorType = dyn_cast<RankedTensorType>(op.getGamma().getType());
    if (!weightType || !weightType.hasStaticShape() ||
        weightType.getRank() != 4 || !vectorType || vectorType.getRank() != 1 ||
        vectorType.getDimSize(0) != weightType.getDimSize(0))
      return rewriter.notifyMatchFailure(op, "unexpected shapes");
    for (Value v : {op.getBeta(), op.getRunningMean(), op.getRunningVar()})
      if (v.getType() != vectorType)
        return rewriter.notifyMatchFailure(op, "unexpected statistics shapes");
    if (conv.getBias() && conv.getBias().getType() != vectorType)
      return rewriter.notifyMatchFailure(op, "unexpected bias shape");
    Location loc = op.getLoc();
    int64_t channels = vectorType.getDimSize(0);
    auto eps = rewriter.create<ConstantOp>(
        loc, vectorType,
        DenseElementsAttr::get(vectorType, op.getEps().convertToFloat()));
    Value sd = rewriter.create<SqrtOp>(
        loc, vectorType,
        rewriter.create<AddOp>(loc, vectorType, op.getRunningVar(), eps));
    Value scale = rewriter.create<DivOp>(loc, vectorType, op.getGamma(), sd);
    auto columnType =
        RankedTensorType::get({channels, 1, 1, 1}, vectorType.getElementType());
    Value column = rewriter.create<ReshapeOp>(
        loc, columnType, scale,
        rewriter.getDenseI64ArrayAttr({channels, 1, 1, 1}));
    Value weight =
        rewriter.create<MulOp>(loc, weightType, conv.getWeight(), column);
    Value centred =
        conv.getBias()
            ? rewriter
                  .create<SubOp>(loc, vectorType, conv.getBias(),
                                 op.getRunningMean())
                  .getResult()
            : rewriter.create<NegOp>(loc, vectorType, op.getRunningMean())
                  .getResult();
    Value bias = rewriter.create<AddOp>(
        loc, vectorType,
        rewriter.create<MulOp>(loc, vectorType, centred, scale), op.getBeta());
    rewriter.replaceOpWithNewOp<Conv2DOp>(
        op, op.getType(), conv.getInput(), weight, bias, conv.getStridesAttr(),
        conv.getPaddingAttr(), conv.getDilationsAttr(), conv.getGroupsAttr());
    rewriter.eraseOp(conv);
    return success();
  }
};
} // namespace

void BatchNormOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                              MLIRContext *context) {
  results.add<FoldBatchNormIntoConv>(context);
}

namespace {
/// gelu_backward(g, x) -> g * slope, with `y, slope = gelu_with_slope(x)`
/// in place of the forward `y = gelu(x)` (same form) that precedes it in
/// the block. The erf (or tanh) of x is then evaluated once, in the forward
/// pass, and the backward pass reads the stored slope where it read x: the
/// same memory traffic, one transcendental evaluation fewer per element
/// (the encoder's feed-forward input gradient evaluated erf and exp in its
/// product's epilogue). The slope and the product are the ones
/// gelu_backward's lowering computes, so the gradient is unchanged.
struct ShareGeluSlope : OpRewritePattern<GeluBackwardOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(GeluBackwardOp op,
                                PatternRewriter &rewriter) const override {
    Value x = op.getInput();
    Value slope;
    GeluOp gelu;
    for (Operation *user : x.getUsers()) {
      if (user->getBlock() != op->getBlock() || !user->isBeforeInBlock(op))
        continue;
      if (auto both = dyn_cast<GeluWithSlopeOp>(user);
          both && both.getApproximate() == op.getApproximate())
        slope = both.getSlope();
      else if (auto forward = dyn_cast<GeluOp>(user);
               forward && forward.getApproximate() == op.getApproximate())
        gelu = forward;
    }
    if (!slope && !gelu)
      return rewriter.notifyMatchFailure(op, "no forward gelu of the input");
    if (!slope) {
      rewriter.setInsertionPoint(gelu);
      auto both = rewriter.create<GeluWithSlopeOp>(
          gelu.getLoc(), x.getType(), x.getType(), x, gelu.getApproximate());
      rewriter.replaceOp(gelu, both.getResult());
      slope = both.getSlope();
    }
    rewriter.setInsertionPoint(op);
    rewriter.replaceOpWithNewOp<MulOp>(op, op.getGrad(), slope);
    return success();
  }
};
} // namespace

void GeluBackwardOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                                 MLIRContext *context) {
  results.add<ShareGeluSlope>(context);
}

namespace {
/// lstm_backward(g, x, h, w...) -> lstm_backward(..., preactivations a),
/// with `h, a = lstm_with_gates(x, w...)` in place of the forward
/// `h = lstm(x, w...)`; the same for gru_backward and gru_with_gates, whose
/// `linear_before_reset` must match. The forward computes every step's
/// gate pre-activations anyway; stored, the backward pass no longer
/// recomputes them with two matrix products over all steps (x W_ih^T and
/// h_{t-1} W_hh^T: 575 of fashion_lstm's 1,620 MFLOP per training step).
/// They are the very values the forward's gates saw, so the gradients are
/// those of the computed forward. LSTM stores [N, T, 5H], its four gates and
/// its cell state; GRU [N, T, 4H], its r and z sums and n's input and hidden
/// terms apart.
template <typename BackwardOp, typename ForwardOp, typename WithGatesOp>
struct ShareRecurrentGates : OpRewritePattern<BackwardOp> {
  using OpRewritePattern<BackwardOp>::OpRewritePattern;
  LogicalResult matchAndRewrite(BackwardOp op,
                                PatternRewriter &rewriter) const override {
    if (op.getPreactivations())
      return rewriter.notifyMatchFailure(op, "reads stored gates already");
    Operation *forward = op.getOutput().getDefiningOp();
    if (!isa_and_nonnull<ForwardOp, WithGatesOp>(forward) ||
        op.getOutput() != forward->getResult(0) ||
        forward->getOperands() != ValueRange{op.getInput(), op.getWIh(),
                                             op.getWHh(), op.getBIh(),
                                             op.getBHh()})
      return rewriter.notifyMatchFailure(op, "not the forward layer's result");
    if constexpr (std::is_same_v<BackwardOp, GruBackwardOp>) {
      bool lbr = isa<GruOp>(forward)
                     ? cast<GruOp>(forward).getLinearBeforeReset()
                     : cast<WithGatesOp>(forward).getLinearBeforeReset();
      if (lbr != op.getLinearBeforeReset())
        return rewriter.notifyMatchFailure(op, "another linear_before_reset");
    }
    auto both = dyn_cast<WithGatesOp>(forward);
    if (!both) {
      auto hType = cast<RankedTensorType>(op.getOutput().getType());
      auto preType =
          RankedTensorType::get({hType.getDimSize(0), hType.getDimSize(1),
                                 WithGatesOp::kStored * hType.getDimSize(2)},
                                hType.getElementType());
      rewriter.setInsertionPoint(forward);
      both = rewriter.create<WithGatesOp>(
          forward->getLoc(), TypeRange{hType, preType}, forward->getOperands(),
          forward->getAttrs());
      rewriter.replaceOp(forward, both.getResult());
    }
    SmallVector<Value> operands(op->getOperands());
    operands.push_back(both.getPreactivations());
    rewriter.setInsertionPoint(op);
    auto stored = rewriter.create<BackwardOp>(op.getLoc(), op->getResultTypes(),
                                              operands, op->getAttrs());
    rewriter.replaceOp(op, stored->getResults());
    return success();
  }
};
} // namespace

void LstmBackwardOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                                 MLIRContext *context) {
  results.add<ShareRecurrentGates<LstmBackwardOp, LstmOp, LstmWithGatesOp>>(
      context);
}

void GruBackwardOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                                MLIRContext *context) {
  results.add<ShareRecurrentGates<GruBackwardOp, GruOp, GruWithGatesOp>>(
      context);
}
