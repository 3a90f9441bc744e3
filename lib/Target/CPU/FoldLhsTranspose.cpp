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
// A weight gradient on sequences whose right operand `w` has rows of 2 KB or
// more and whose left one has shorter rows (the encoder's second feed-forward
// layer: `dy^T g` with `dy` [N*T, 128] and `g` [N*T, 512]) is computed
// transposed, `transpose(matmul_transpose_a(w, x))`: its chunks of columns
// had each copied a `[K, 32]` panel out of `w`'s rows 2 KB apart (22% of the
// kernel), where the transposed product broadcasts 8 adjacent floats of
// those rows per step of K, as the first feed-forward layer's gradient does,
// and streams the short rows. The transpose of the `[N, M]` result is small
// beside the product (256 KB against 2 MB of `w`). Each element sums the same
// products in the same order.
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

/// The rows of a right operand at least this long (floats) are read
/// transposed (2 KB: a `[K, 32]` panel of them spans a page every other row).
constexpr int64_t kLongRowFloats = 512;

/// `matmul_transpose_a(rows, rhs)` into `matmul`'s result, computed as the
/// transpose of `matmul_transpose_a(rhs, rows)` when the product is a weight
/// gradient on sequences (`sequence`) accumulated onto a fill, with static
/// `[M, N]`, whose rhs rows are long and whose lhs rows are not; else null.
Value transposedProduct(PatternRewriter &rewriter, linalg::MatmulOp matmul,
                        Value rows, bool sequence) {
  auto fill = matmul.getOutputs()[0].getDefiningOp<linalg::FillOp>();
  auto resultType = cast<RankedTensorType>(matmul.getResultTypes()[0]);
  if (!sequence || !fill || !resultType.hasStaticShape())
    return nullptr;
  int64_t m = resultType.getDimSize(0), n = resultType.getDimSize(1);
  if (n < kLongRowFloats || m >= kLongRowFloats)
    return nullptr;
  Location loc = matmul.getLoc();
  Type element = resultType.getElementType();
  Value empty =
      rewriter.create<tensor::EmptyOp>(loc, ArrayRef<int64_t>{n, m}, element);
  Value acc = rewriter.create<linalg::FillOp>(loc, fill.getInputs()[0], empty)
                  .getResult(0);
  Value product =
      rewriter
          .create<linalg::MatmulTransposeAOp>(
              loc, TypeRange{acc.getType()},
              ValueRange{matmul.getInputs()[1], rows}, ValueRange{acc})
          .getResult(0);
  Value result =
      rewriter.create<tensor::EmptyOp>(loc, resultType.getShape(), element);
  return rewriter
      .create<linalg::TransposeOp>(loc, product, result,
                                   ArrayRef<int64_t>{1, 0})
      .getResult()[0];
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
    if (Value transposed =
            transposedProduct(rewriter, matmul, rows, type.getRank() > 2)) {
      rewriter.replaceOp(matmul, transposed);
      return success();
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
