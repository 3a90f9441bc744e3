//===- AdjointsLayers.cpp - adjoints of nn layers with parameters ---------===//
//
// `buildAdjoint` of dense, matmul, the normalisations and the sinusoidal
// positions, composed from forward nn ops: matrix products with transposed
// operands for dense and matmul, and for batch and layer normalisation the
// usual closed form `dx = rstd * (g' - mean(g') - xhat * mean(g' * xhat))`
// with `g' = g * gamma`, recomputing the statistics from the input (batch
// normalisation through `nn.batch_stats`, the forward's own statistics
// after CSE).
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

LogicalResult MatmulOp::buildAdjoint(OpBuilder &b, ArrayRef<Value> resultGrads,
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

/// 1 / sqrt(var + eps).
static Value invStd(AdjointBuilder &ab, Value var, double eps) {
  return ab.div(ab.scalar(1.0), ab.builder().create<SqrtOp>(
                                    ab.getLoc(), ab.add(var, ab.scalar(eps))));
}

/// xhat and 1/sqrt(var + eps) of `x` over `axes` (biased variance).
static Normalized normalize(AdjointBuilder &ab, Value x, ArrayRef<int64_t> axes,
                            double eps) {
  Value mean = ab.mean(x, axes, /*keepdim=*/true);
  Value centered = ab.sub(x, mean);
  Value var = ab.mean(ab.mul(centered, centered), axes, /*keepdim=*/true);
  Value rstd = invStd(ab, var, eps);
  return {ab.mul(centered, rstd), rstd};
}

/// The input gradient of a normalisation over `axes` by the statistics of
/// its own input: rstd * (g' - mean(g') - xhat * mean(g' * xhat)), where
/// g' is the result gradient times gamma.
static Value normalizedInputGrad(AdjointBuilder &ab, Normalized n, Value gg,
                                 ArrayRef<int64_t> axes) {
  Value inner = ab.sub(ab.sub(gg, ab.mean(gg, axes, true)),
                       ab.mul(n.xhat, ab.mean(ab.mul(gg, n.xhat), axes, true)));
  return ab.mul(n.rstd, inner);
}

/// Appends the gradients of a normalisation: `dx` for the input, the sums
/// over `paramAxes` of g * xhat (gamma) and of g (beta), then `buffers`
/// null ones (running statistics, replicas).
static LogicalResult appendNormGrads(AdjointBuilder &ab, Value dx, Value g,
                                     Value xhat, ArrayRef<int64_t> paramAxes,
                                     unsigned buffers,
                                     SmallVectorImpl<Value> &grads) {
  grads.push_back(dx);
  grads.push_back(ab.sum(ab.mul(g, xhat), paramAxes, /*keepdim=*/false));
  grads.push_back(ab.sum(g, paramAxes, /*keepdim=*/false));
  grads.append(buffers, Value());
  return success();
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

/// The adjoint of batchnorm_train, `dx = rstd * (g' - mean(g') - xhat *
/// mean(g' * xhat))` with `g' = g * gamma`, in the form of PyTorch's CPU
/// kernel: gamma is constant over the reduced axes, so `mean(g') = gamma *
/// sum(g) / M` and `mean(g' * xhat) = gamma * sum(g * xhat) / M`, where
/// `sum(g)` and `sum(g * xhat)` are the beta and gamma gradients. Two
/// per-channel reductions instead of four, and `dx = a * (g - b - xhat * c)`
/// with `a = rstd * gamma` and `b, c` per channel: no division per element.
/// The statistics are `nn.batch_stats` of the input, which lowers to the
/// very ops of the forward's statistics, so CSE computes them once.
///
/// Synchronised over the replicas (`sync_batchnorm`, docs/distributed.md),
/// the statistics and the two means are taken over every replica's batch.
/// Each replica's grads entry differentiates its own mean loss `L_r` (seed
/// 1), and the trainer then sums `w_r * G_r` with `w_r = n_r / B`, the
/// replica's share of the global batch; so every gradient on replica r is
/// `1 / w_r` times replica r's part of the gradient of the global loss
/// `L = sum_r w_r L_r`. To keep that true through this op, each replica
/// contributes `w_r * sum_r(g)` (its part of the global sum at the global
/// scale) and divides the replica sum by `w_r * M = m_r`: its own element
/// count. The share is `w_r = m_r / M` (elements per channel here and in
/// all replicas), which equals `n_r / B`. On one replica `w = 1` exactly
/// and the arithmetic is that of the unsynced adjoint.
static LogicalResult buildBatchNormAdjoint(BatchNormTrainOp op,
                                           AdjointBuilder &ab, Value g,
                                           SmallVectorImpl<Value> &grads) {
  OpBuilder &b = ab.builder();
  Location loc = ab.getLoc();
  Value x = op.getInput(), replicas = op.getReplicas();
  int64_t rank = tensorType(x).getRank();
  SmallVector<int64_t> axes = batchNormAxes(rank);
  auto stats = b.create<BatchStatsOp>(loc, x, replicas);
  Value rstd = invStd(ab, stats.getVar(), op.getEps().convertToFloat());
  Value xhat = ab.mul(ab.sub(x, channelView(ab, stats.getMean(), rank)),
                      channelView(ab, rstd, rank));
  Value sumG = ab.sum(g, axes, false),
        sumGX = ab.sum(ab.mul(g, xhat), axes, false);
  Value meanG, meanGX;
  if (replicas) {
    // One replica sum of [sum g, sum g * xhat], each weighted by the share.
    Value share = ab.div(stats.getLocalCount(), stats.getCount());
    Value sums = b.create<ConcatOp>(
        loc, ValueRange{ab.mul(sumG, share), ab.mul(sumGX, share)},
        /*axis=*/0);
    Value total = ab.div(b.create<ReplicaSumOp>(loc, sums, replicas),
                         stats.getLocalCount());
    int64_t c = tensorType(op.getGamma()).getDimSize(0);
    meanG = b.create<SliceOp>(loc, total, 0, 0, c);
    meanGX = b.create<SliceOp>(loc, total, 0, c, c);
  } else {
    meanG = ab.div(sumG, stats.getCount());
    meanGX = ab.div(sumGX, stats.getCount());
  }
  Value inner = ab.sub(ab.sub(g, channelView(ab, meanG, rank)),
                       ab.mul(xhat, channelView(ab, meanGX, rank)));
  grads.push_back(
      ab.mul(channelView(ab, ab.mul(rstd, op.getGamma()), rank), inner));
  grads.push_back(sumGX);
  grads.push_back(sumG);
  // No gradient for the running statistics (and the replicas).
  grads.append(op->getNumOperands() - 3, Value());
  return success();
}

LogicalResult BatchNormTrainOp::buildAdjoint(OpBuilder &b,
                                             ArrayRef<Value> resultGrads,
                                             SmallVectorImpl<Value> &grads) {
  // Only `result` carries a gradient; the running statistics are buffers.
  Value g = resultGrads[0];
  if (!g) {
    grads.append(getNumOperands(), Value());
    return success();
  }
  AdjointBuilder ab(b, getLoc());
  return buildBatchNormAdjoint(*this, ab, g, grads);
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
  Value s = invStd(ab, getRunningVar(), getEps().convertToFloat());
  Value xhat =
      ab.mul(ab.sub(getInput(), channelView(ab, getRunningMean(), rank)),
             channelView(ab, s, rank));
  Value dx = ab.mul(g, channelView(ab, ab.mul(s, getGamma()), rank));
  return appendNormGrads(ab, dx, g, xhat, axes, 2, grads);
}

LogicalResult ReplicaSumOp::buildAdjoint(OpBuilder &b,
                                         ArrayRef<Value> resultGrads,
                                         SmallVectorImpl<Value> &grads) {
  // y = sum_r x_r on every replica: dx_r = sum_r dy_r, a replica sum again.
  Value g = resultGrads[0];
  grads.push_back(
      g ? b.create<ReplicaSumOp>(getLoc(), g, getReplicas()).getResult()
        : Value());
  grads.push_back(Value());
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
  return appendNormGrads(ab, normalizedInputGrad(ab, n, gg, last), g, n.xhat,
                         iota(rank - 1), 0, grads);
}

LogicalResult
PositionalSinusoidalOp::buildAdjoint(OpBuilder &, ArrayRef<Value> resultGrads,
                                     SmallVectorImpl<Value> &grads) {
  // x + a constant table.
  grads.push_back(resultGrads[0]);
  return success();
}
