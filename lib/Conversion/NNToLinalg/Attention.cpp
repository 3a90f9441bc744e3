//===- Attention.cpp - nn.self_attention to matmuls and softmax -----------===//
//
// Multi-head self-attention as torch.nn.MultiheadAttention(batch_first)
// computes it: the in-projection (one dense to [N, T, 3D]), q/k/v sliced
// and split into heads ([N, T, D] -> [N*heads, T, D/heads] by expand,
// transpose, collapse), Q scaled by 1/sqrt(D/heads), `linalg.batch_matmul`
// for Q K^T with an optional causal -inf mask, the stable softmax,
// `linalg.batch_matmul` with V, heads merged back and the out-projection.
//
//===----------------------------------------------------------------------===//

#include "LoweringUtils.h"
#include "nnc/Conversion/NNToLinalg/NNToLinalg.h"

#include <cmath>
#include <limits>

using namespace mlir;
using namespace nnc::lowering;

namespace {

FailureOr<Value> lowerSelfAttention(nn::SelfAttentionOp op,
                                    nn::SelfAttentionOp::Adaptor adaptor,
                                    ConversionPatternRewriter &rewriter) {
  Location loc = op.getLoc();
  OpBuilder &b = rewriter;
  Value x = adaptor.getInput();
  auto xType = cast<RankedTensorType>(x.getType());
  int64_t steps = xType.getDimSize(1), dModel = xType.getDimSize(2);
  int64_t heads = op.getHeads();
  if (heads <= 0 || dModel % heads != 0)
    return rewriter.notifyMatchFailure(op, "D must divide by heads");
  int64_t dHead = dModel / heads;
  Value qkv =
      dense(b, loc, x, adaptor.getInProjWeight(), adaptor.getInProjBias());
  auto partType = RankedTensorType::get({ShapedType::kDynamic, steps, dModel},
                                        b.getF32Type());
  auto splitHeads = [&](int64_t part) {
    SmallVector<OpFoldResult> sizes = getSizes(b, loc, x);
    SmallVector<OpFoldResult> offsets = {b.getIndexAttr(0), b.getIndexAttr(0),
                                         b.getIndexAttr(part * dModel)};
    SmallVector<OpFoldResult> strides(3, b.getIndexAttr(1));
    Value v = b.create<tensor::ExtractSliceOp>(loc, partType, qkv, offsets,
                                               sizes, strides);
    v = expandDim(b, loc, v, 2, {heads, dHead}); // [N, T, h, dh]
    v = transpose(b, loc, v, {0, 2, 1, 3});      // [N, h, T, dh]
    return collapseDims(b, loc, v, 0, 2);        // [N*h, T, dh]
  };
  // q scaled by 1/sqrt(D/heads) before its product with k: half the
  // elements of the scores, in the elementwise op after q's transpose.
  double scale = 1.0 / std::sqrt(double(dHead));
  Value q = unaryElementwise(
      b, loc, splitHeads(0), [&](OpBuilder &nb, Location l, ValueRange a) {
        return nb.create<arith::MulFOp>(l, a[0], f32Const(nb, l, scale))
            .getResult();
      });
  Value k = splitHeads(1), v = splitHeads(2);
  Value scores = batchMatmul(b, loc, q, transpose(b, loc, k, {0, 2, 1}));
  if (op.getCausal())
    scores = unaryElementwise(
        b, loc, scores, [&](OpBuilder &nb, Location l, ValueRange a) -> Value {
          Value i = nb.create<linalg::IndexOp>(l, 1);
          Value j = nb.create<linalg::IndexOp>(l, 2);
          Value future =
              nb.create<arith::CmpIOp>(l, arith::CmpIPredicate::ugt, j, i);
          return nb.create<arith::SelectOp>(
              l, future,
              f32Const(nb, l, -std::numeric_limits<double>::infinity()), a[0]);
        });
  Value probs = softmax(b, loc, scores, 2, /*logarithm=*/false);
  Value o = batchMatmul(b, loc, probs, v);                    // [N*h, T, dh]
  o = expandDim(b, loc, o, 0, {ShapedType::kDynamic, heads}); // [N, h, T, dh]
  o = transpose(b, loc, o, {0, 2, 1, 3});                     // [N, T, h, dh]
  o = collapseDims(b, loc, o, 2, 2);                          // [N, T, D]
  return dense(b, loc, o, adaptor.getOutProjWeight(), adaptor.getOutProjBias());
}

} // namespace

void nnc::populateNNAttentionPatterns(RewritePatternSet &patterns) {
  addLowerings<lowerSelfAttention>(patterns);
}
