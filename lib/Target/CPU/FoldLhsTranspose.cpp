//===- FoldLhsTranspose.cpp - matmuls that read a transposed lhs in place -===//
//
// Implements nnc-fold-lhs-transpose: `matmul(transpose(x), w)` becomes
// `matmul_transpose_a(x, w)` when `x` is `[K, M]`, and
// `matmul(collapse(transpose(x)), w)` becomes
// `matmul_transpose_a(collapse(x), w)` when `x` is `[B..., K, M]` moved to
// `[M, B..., K]` and collapsed to `[M, B*K]` (a dense layer's weight gradient
// on sequences: `dy^T x` summed over the batch). The matmul schedule gives
// both the same register tile: it broadcasts one lhs element per tile row and
// per step of K, read from `x[k, m + i]` (adjacent floats) instead of from a
// transposed copy that costs a pass over the whole operand.
//
//===----------------------------------------------------------------------===//

#include "nnc/Target/CPU/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace nnc {
#define GEN_PASS_DEF_FOLDLHSTRANSPOSE
#include "nnc/Target/CPU/Passes.h.inc"
} // namespace nnc

using namespace mlir;

namespace {

/// The `[K..., M]` source whose rows (all dims but the last, collapsed) are
/// the reduction of `lhs`, when `lhs` is that source transposed to `[M, K]`:
/// `transpose(x, [1, 0])` of a matrix, or `collapse(transpose(x, [r-1, 0,
/// ..., r-2]), [[0], [1, ..., r-1]])`. Null otherwise.
Value transposedSource(Value lhs) {
  auto collapse = lhs.getDefiningOp<tensor::CollapseShapeOp>();
  Value transposed = collapse ? collapse.getSrc() : lhs;
  auto transpose = transposed.getDefiningOp<linalg::TransposeOp>();
  if (!transpose)
    return nullptr;
  ArrayRef<int64_t> perm = transpose.getPermutation();
  int64_t rank = static_cast<int64_t>(perm.size());
  if (rank < 2 || perm[0] != rank - 1)
    return nullptr;
  for (int64_t d = 1; d < rank; ++d)
    if (perm[d] != d - 1)
      return nullptr;
  if (!collapse)
    return rank == 2 ? transpose.getInput() : nullptr;
  SmallVector<ReassociationIndices> groups = collapse.getReassociationIndices();
  if (groups.size() != 2 || groups[0].size() != 1 ||
      static_cast<int64_t>(groups[1].size()) != rank - 1)
    return nullptr;
  return transpose.getInput();
}

struct FoldLhsTransposePattern : OpRewritePattern<linalg::MatmulOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(linalg::MatmulOp matmul,
                                PatternRewriter &rewriter) const override {
    if (!matmul.hasPureTensorSemantics())
      return rewriter.notifyMatchFailure(matmul, "not on tensors");
    Value source = transposedSource(matmul.getInputs()[0]);
    if (!source)
      return rewriter.notifyMatchFailure(matmul, "lhs is not a transpose");
    auto type = cast<RankedTensorType>(source.getType());
    Location loc = matmul.getLoc();
    Value rows = source;
    if (type.getRank() > 2) {
      ReassociationIndices batch;
      for (int64_t d = 0; d + 1 < type.getRank(); ++d)
        batch.push_back(d);
      rows = rewriter.create<tensor::CollapseShapeOp>(
          loc, source,
          ArrayRef<ReassociationIndices>{batch, {type.getRank() - 1}});
    }
    rewriter.replaceOpWithNewOp<linalg::MatmulTransposeAOp>(
        matmul, matmul.getResultTypes(),
        ValueRange{rows, matmul.getInputs()[1]}, matmul.getOutputs());
    return success();
  }
};

struct FoldLhsTransposePass
    : nnc::impl::FoldLhsTransposeBase<FoldLhsTransposePass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<FoldLhsTransposePattern>(&getContext());
    if (failed(
            applyPatternsAndFoldGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};

} // namespace
