//===- AdjointsLayers.cpp - adjoints of nn layers with parameters ---------===//
//
// `buildAdjoint` of dense, matmul, the normalisations and the sinusoidal
// positions, composed from forward nn ops: matrix products with transposed
// operands for dense and matmul, and for batch and layer normalisation the
// usual closed form `dx = rstd * (g' - mean(g') - xhat * mean(g' * xhat))`
// with `g' = g * gamma`, recomputing the statistics from the input.
//
//===----------------------------------------------------------------------===//

#include "AdjointUtils.h"

using namespace mlir;
using namespace mlir::nn;

/// [0, 1, ..., n-1].
static SmallVector<int64_t> iota(int64_t n) {
  SmallVector<int64_t> axes(n);
  for (int64_t i = 0; i < n; ++i)
    axes[i] = i;
  return axes;
}

LogicalResult DenseOp::buildAdjoint(OpBuilder &b, ArrayRef<Value> resultGrads,
                                    SmallVectorImpl<Value> &grads) {
  // y = x W^T + b: dx = g W, dW = sum over leading dims of g^T x, db = sum g.
  AdjointBuilder ab(b, getLoc());
  Value g = resultGrads[0], x = getInput(), w = getWeight();
  int64_t rank = tensorType(x).getRank();
  grads.push_back(b.create<MatmulOp>(getLoc(), g, w, false, false));
  Value dw = b.create<MatmulOp>(getLoc(), g, x, /*transpose_lhs=*/true,
                                /*transpose_rhs=*/false);
  grads.push_back(ab.sum(dw, iota(rank - 2), /*keepdim=*/false));
  if (getBias())
    grads.push_back(ab.sum(g, iota(rank - 1), /*keepdim=*/false));
  return success();
}

/// Swaps the last two dimensions.
static Value transposeLast2(OpBuilder &b, Location loc, Value x) {
  SmallVector<int64_t> perm = iota(tensorType(x).getRank());
  std::swap(perm[perm.size() - 1], perm[perm.size() - 2]);
  return b.create<TransposeOp>(loc, x, perm);
}

LogicalResult MatmulOp::buildAdjoint(OpBuilder &b,
                                     ArrayRef<Value> resultGrads,
                                     SmallVectorImpl<Value> &grads) {
  // With A' = op(A), B' = op(B): dA' = g B'^T, dB' = A'^T g, transposed back
  // for a transposed operand; a shared rank-2 rhs sums over the batches.
  AdjointBuilder ab(b, getLoc());
  Location loc = getLoc();
  Value g = resultGrads[0], lhs = getLhs(), rhs = getRhs();
  bool tl = getTransposeLhs(), tr = getTransposeRhs();
  Value dl = b.create<MatmulOp>(loc, g, rhs, false, !tr);
  if (tl)
    dl = transposeLast2(b, loc, dl);
  int64_t lhsRank = tensorType(lhs).getRank();
  int64_t rhsRank = tensorType(rhs).getRank();
  Value dr;
  if (rhsRank == lhsRank) {
    dr = b.create<MatmulOp>(loc, lhs, g, !tl, false);
  } else {
    // rhs [K, P] shared: dB' = sum over batches of A'^T g, where a rank-2
    // rhs is not allowed as lhs of the batched product: compute per batch.
    Value perBatch = b.create<MatmulOp>(loc, lhs, g, !tl, false);
    dr = ab.sum(perBatch, iota(lhsRank - 2), /*keepdim=*/false);
  }
  if (tr)
    dr = transposeLast2(b, loc, dr);
  grads.push_back(dl);
  grads.push_back(dr);
  return success();
}

namespace {
/// The recomputed statistics of a normalisation over `axes` and the
/// gradient of its input.
struct Normalized {
  Value xhat, rstd;
};
} // namespace

/// xhat and 1/sqrt(var + eps) of `x` over `axes` (biased variance).
static Normalized normalize(AdjointBuilder &ab, Value x,
                            ArrayRef<int64_t> axes, double eps) {
  Value mean = ab.mean(x, axes, /*keepdim=*/true);
  Value centered = ab.sub(x, mean);
  Value var = ab.mean(ab.mul(centered, centered), axes, /*keepdim=*/true);
  Value rstd = ab.div(ab.scalar(1.0),
                      ab.builder().create<SqrtOp>(
                          ab.getLoc(), ab.add(var, ab.scalar(eps))));
  return {ab.mul(centered, rstd), rstd};
}

/// `v` of shape [C] laid out to broadcast against the channel dim 1 of a
/// rank-`rank` tensor: [C] for [N, C], [C, 1, 1] for [N, C, H, W].
static Value channelView(AdjointBuilder &ab, Value v, int64_t rank) {
  SmallVector<int64_t> shape(tensorType(v).getShape());
  shape.append(rank - 2, 1);
  return ab.reshapeTo(
      v, RankedTensorType::get(shape, tensorType(v).getElementType()));
}

/// The statistics axes of batch normalisation: every dim but channel 1.
static SmallVector<int64_t> batchNormAxes(int64_t rank) {
  SmallVector<int64_t> axes{0};
  for (int64_t i = 2; i < rank; ++i)
    axes.push_back(i);
  return axes;
}

LogicalResult BatchNormTrainOp::buildAdjoint(OpBuilder &b,
                                             ArrayRef<Value> resultGrads,
                                             SmallVectorImpl<Value> &grads) {
  // Only `result` carries a gradient; the running statistics are buffers.
  Value g = resultGrads[0];
  if (!g) {
    grads.append(5, Value());
    return success();
  }
  AdjointBuilder ab(b, getLoc());
  int64_t rank = tensorType(getInput()).getRank();
  SmallVector<int64_t> axes = batchNormAxes(rank);
  Normalized n = normalize(ab, getInput(), axes, getEps().convertToFloat());
  Value gg = ab.mul(g, channelView(ab, getGamma(), rank));
  Value inner = ab.sub(ab.sub(gg, ab.mean(gg, axes, true)),
                       ab.mul(n.xhat, ab.mean(ab.mul(gg, n.xhat), axes, true)));
  grads.push_back(ab.mul(n.rstd, inner));
  grads.push_back(ab.sum(ab.mul(g, n.xhat), axes, /*keepdim=*/false));
  grads.push_back(ab.sum(g, axes, /*keepdim=*/false));
  grads.append(2, Value());
  return success();
}

LogicalResult BatchNormOp::buildAdjoint(OpBuilder &b,
                                        ArrayRef<Value> resultGrads,
                                        SmallVectorImpl<Value> &grads) {
  // Running statistics are constants here: y = (x - m) * s * gamma + beta
  // with s = 1 / sqrt(var + eps).
  AdjointBuilder ab(b, getLoc());
  Value g = resultGrads[0];
  int64_t rank = tensorType(getInput()).getRank();
  SmallVector<int64_t> axes = batchNormAxes(rank);
  Value s = ab.div(ab.scalar(1.0),
                   b.create<SqrtOp>(getLoc(),
                                    ab.add(getRunningVar(),
                                           ab.scalar(getEps().convertToFloat()))));
  Value xhat = ab.mul(ab.sub(getInput(), channelView(ab, getRunningMean(), rank)),
                      channelView(ab, s, rank));
  grads.push_back(
      ab.mul(g, channelView(ab, ab.mul(s, getGamma()), rank)));
  grads.push_back(ab.sum(ab.mul(g, xhat), axes, /*keepdim=*/false));
  grads.push_back(ab.sum(g, axes, /*keepdim=*/false));
  grads.append(2, Value());
  return success();
}

LogicalResult LayerNormOp::buildAdjoint(OpBuilder &b,
                                        ArrayRef<Value> resultGrads,
                                        SmallVectorImpl<Value> &grads) {
  AdjointBuilder ab(b, getLoc());
  Value g = resultGrads[0];
  int64_t rank = tensorType(getInput()).getRank();
  SmallVector<int64_t> last{rank - 1};
  Normalized n = normalize(ab, getInput(), last, getEps().convertToFloat());
  Value gg = ab.mul(g, getGamma());
  Value inner = ab.sub(ab.sub(gg, ab.mean(gg, last, true)),
                       ab.mul(n.xhat, ab.mean(ab.mul(gg, n.xhat), last, true)));
  grads.push_back(ab.mul(n.rstd, inner));
  grads.push_back(ab.sum(ab.mul(g, n.xhat), iota(rank - 1), false));
  grads.push_back(ab.sum(g, iota(rank - 1), false));
  return success();
}

LogicalResult PositionalSinusoidalOp::buildAdjoint(
    OpBuilder &, ArrayRef<Value> resultGrads, SmallVectorImpl<Value> &grads) {
  // x + a constant table.
  grads.push_back(resultGrads[0]);
  return success();
}
