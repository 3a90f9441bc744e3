//===- Dense.cpp - nn.dense and nn.matmul to linalg matrix products -------===//
//
// `dense` becomes an explicit `linalg.transpose` of the [out, in] weight, a
// plain `linalg.matmul` on the input with its leading dims collapsed, and a
// bias generic (the matmul schedule expects exactly this form, never
// `matmul_transpose_b`). `matmul` transposes flagged operands explicitly,
// then uses `linalg.matmul` (rank 2, or a shared rank-2 rhs) or
// `linalg.batch_matmul` (batch dims collapsed into one).
//
//===----------------------------------------------------------------------===//

#include "LoweringUtils.h"
#include "nnc/Conversion/NNToLinalg/NNToLinalg.h"

using namespace mlir;
using namespace nnc::lowering;

namespace {

Value lowerDense(nn::DenseOp op, nn::DenseOp::Adaptor adaptor,
                 ConversionPatternRewriter &rewriter) {
  return dense(rewriter, op.getLoc(), adaptor.getInput(), adaptor.getWeight(),
               adaptor.getBias());
}

/// Transposes the last two dims of `v`.
Value transposeLastTwo(OpBuilder &b, Location loc, Value v) {
  int64_t rank = cast<RankedTensorType>(v.getType()).getRank();
  SmallVector<int64_t> perm = llvm::to_vector(llvm::seq<int64_t>(0, rank));
  std::swap(perm[rank - 1], perm[rank - 2]);
  return transpose(b, loc, v, perm);
}

FailureOr<Value> lowerMatmul(nn::MatmulOp op, nn::MatmulOp::Adaptor adaptor,
                             ConversionPatternRewriter &rewriter) {
  Location loc = op.getLoc();
  Value lhs = adaptor.getLhs(), rhs = adaptor.getRhs();
  if (op.getTransposeLhs())
    lhs = transposeLastTwo(rewriter, loc, lhs);
  if (op.getTransposeRhs())
    rhs = transposeLastTwo(rewriter, loc, rhs);
  auto lType = cast<RankedTensorType>(lhs.getType());
  auto rType = cast<RankedTensorType>(rhs.getType());
  int64_t rl = lType.getRank(), rr = rType.getRank();
  Value result;
  if (rr == 2) {
    // [B..., M, K] x [K, P]: one matmul on the collapsed rows.
    Value l = rl > 2 ? collapseDims(rewriter, loc, lhs, 0, rl - 1) : lhs;
    result = matmul(rewriter, loc, l, rhs);
    if (rl > 2)
      result =
          expandDim(rewriter, loc, result, 0, lType.getShape().drop_back());
  } else if (rl == rr && (rl == 3 || rl == 4)) {
    Value l = rl == 4 ? collapseDims(rewriter, loc, lhs, 0, 2) : lhs;
    Value r = rl == 4 ? collapseDims(rewriter, loc, rhs, 0, 2) : rhs;
    result = batchMatmul(rewriter, loc, l, r);
    if (rl == 4)
      result =
          expandDim(rewriter, loc, result, 0, lType.getShape().take_front(2));
  } else {
    return rewriter.notifyMatchFailure(op, "unsupported operand ranks");
  }
  if (result.getType() != op.getType())
    result = rewriter.create<tensor::CastOp>(loc, op.getType(), result);
  return result;
}

} // namespace

void nnc::populateNNDensePatterns(RewritePatternSet &patterns) {
  addLowerings<lowerDense, lowerMatmul>(patterns);
}
