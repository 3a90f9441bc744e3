//===- NNFolds.cpp - folds and canonicalization patterns of nn ops --------===//
//
// The algebraic simplifications of the nn dialect: identities that fold to
// an operand (dropout at inference, scale by 1, reshape to the same type,
// the identity transpose), constants, the composition of transposes, and
// max pooling moved before a relu.
//
//===----------------------------------------------------------------------===//

#include "nnc/Dialect/NN/NNOps.h"

#include "mlir/IR/PatternMatch.h"

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
