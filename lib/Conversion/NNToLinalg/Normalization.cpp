//===- Normalization.cpp - batch and layer normalisation to linalg --------===//
//
// `batchnorm` is `x * scale + shift` with the per-channel scale and shift
// computed from the [C] statistics first (normalizeChannels).
// `batchnorm_train` reduces the batch mean and biased variance over every dim
// but the channel, normalises with them and returns the running statistics
// updated with the unbiased variance; with `replicas` (sync_batchnorm) the
// sums are summed over the replicas first (batchStatistics), and
// `batch_stats` is those statistics alone (the synced adjoint's). `layernorm`
// reduces the last dim. All reductions are `linalg.generic`s with reduction
// iterators.
//
//===----------------------------------------------------------------------===//

#include "LoweringUtils.h"
#include "nnc/Conversion/NNToLinalg/NNToLinalg.h"

using namespace mlir;
using namespace nnc::lowering;

namespace {

/// `x [..]` map to the kept dims `keep` (e.g. {1} for the channel).
AffineMap keptMap(MLIRContext *ctx, int64_t rank, ArrayRef<int64_t> keep) {
  SmallVector<AffineExpr> exprs;
  for (int64_t d : keep)
    exprs.push_back(getAffineDimExpr(d, ctx));
  return AffineMap::get(rank, 0, exprs, ctx);
}

/// sum over `axes` of (x - mean)^2 where `mean` has the non-reduced dims.
Value sumSquaredDeviation(OpBuilder &b, Location loc, Value x, Value mean,
                          ArrayRef<int64_t> axes) {
  int64_t rank = cast<RankedTensorType>(x.getType()).getRank();
  SmallVector<int64_t> keep;
  SmallVector<utils::IteratorType> iters;
  for (int64_t d = 0; d < rank; ++d) {
    bool reduced = llvm::is_contained(axes, d);
    if (!reduced)
      keep.push_back(d);
    iters.push_back(reduced ? utils::IteratorType::reduction
                            : utils::IteratorType::parallel);
  }
  AffineMap kept = keptMap(b.getContext(), rank, keep);
  Value acc = fill(
      b, loc,
      b.create<tensor::EmptyOp>(loc, getSizes(b, loc, mean), b.getF32Type()),
      0);
  return b
      .create<linalg::GenericOp>(
          loc, TypeRange{acc.getType()}, ValueRange{x, mean}, ValueRange{acc},
          ArrayRef<AffineMap>{b.getMultiDimIdentityMap(rank), kept, kept},
          iters,
          [](OpBuilder &nb, Location l, ValueRange a) {
            Value d = nb.create<arith::SubFOp>(l, a[0], a[1]);
            Value sq = nb.create<arith::MulFOp>(l, d, d);
            nb.create<linalg::YieldOp>(
                l, nb.create<arith::AddFOp>(l, sq, a[2]).getResult());
          })
      .getResult(0);
}

/// Divides every element of `t` by the f32 scalar `divisor`.
Value divideBy(OpBuilder &b, Location loc, Value t, Value divisor) {
  return unaryElementwise(b, loc, t,
                          [&](OpBuilder &nb, Location l, ValueRange a) {
                            return nb.create<arith::DivFOp>(l, a[0], divisor);
                          });
}

/// (x - mean) * rstd * gamma + beta with rstd = 1 / sqrt(var + eps) computed
/// once per statistic (as PyTorch's CPU layer norm), statistics read through
/// `statMap` and gamma/beta through `paramMap`, into a tensor like `x`: the
/// pass over `x` has no square root or division per element (vsqrtps and
/// vdivps take 10-12 cycles per vector each on a Xeon).
Value normalize(OpBuilder &b, Location loc, Value x, Value mean, Value var,
                Value gamma, Value beta, AffineMap statMap, AffineMap paramMap,
                double eps) {
  int64_t rank = cast<RankedTensorType>(x.getType()).getRank();
  Value rstd = unaryElementwise(
      b, loc, var, [&](OpBuilder &nb, Location l, ValueRange a) -> Value {
        Value denom = nb.create<math::SqrtOp>(
            l, nb.create<arith::AddFOp>(l, a[0], f32Const(nb, l, eps)));
        return nb.create<arith::DivFOp>(l, f32Const(nb, l, 1.0), denom);
      });
  Value init =
      b.create<tensor::EmptyOp>(loc, getSizes(b, loc, x), b.getF32Type());
  return parallelGeneric(
      b, loc, init, {x, mean, rstd, gamma, beta},
      {b.getMultiDimIdentityMap(rank), statMap, statMap, paramMap, paramMap},
      [&](OpBuilder &nb, Location l, ValueRange a) -> Value {
        Value centered = nb.create<arith::SubFOp>(l, a[0], a[1]);
        Value normed = nb.create<arith::MulFOp>(l, centered, a[2]);
        return nb.create<arith::AddFOp>(
            l, nb.create<arith::MulFOp>(l, normed, a[3]), a[4]);
      });
}

/// Batch normalisation of NCHW-like `x` with per-channel statistics [C]:
/// `scale = gamma / sqrt(var + eps)` and `shift = beta - mean * scale` on the
/// channels first, then `x * scale + shift` (PyTorch's CPU kernels do the
/// same), so the elementwise pass over the whole tensor has no square root
/// or division per element.
Value normalizeChannels(OpBuilder &b, Location loc, Value x, Value mean,
                        Value var, Value gamma, Value beta, double eps) {
  AffineMap id = b.getMultiDimIdentityMap(1);
  Value channels =
      b.create<tensor::EmptyOp>(loc, getSizes(b, loc, mean), b.getF32Type());
  Value scale = parallelGeneric(
      b, loc, channels, {var, gamma}, {id, id},
      [&](OpBuilder &nb, Location l, ValueRange a) -> Value {
        Value denom = nb.create<math::SqrtOp>(
            l, nb.create<arith::AddFOp>(l, a[0], f32Const(nb, l, eps)));
        return nb.create<arith::DivFOp>(l, a[1], denom);
      });
  Value shift =
      parallelGeneric(b, loc, channels, {beta, mean, scale}, {id, id, id},
                      [&](OpBuilder &nb, Location l, ValueRange a) -> Value {
                        return nb.create<arith::SubFOp>(
                            l, a[0], nb.create<arith::MulFOp>(l, a[1], a[2]));
                      });
  int64_t rank = cast<RankedTensorType>(x.getType()).getRank();
  AffineMap channel = keptMap(b.getContext(), rank, {1});
  Value init =
      b.create<tensor::EmptyOp>(loc, getSizes(b, loc, x), b.getF32Type());
  return parallelGeneric(b, loc, init, {x, scale, shift},
                         {b.getMultiDimIdentityMap(rank), channel, channel},
                         [&](OpBuilder &nb, Location l, ValueRange a) -> Value {
                           return nb.create<arith::AddFOp>(
                               l, nb.create<arith::MulFOp>(l, a[0], a[1]),
                               a[2]);
                         });
}

/// The statistics of batch normalisation over `axes` (every dim but the
/// channel): the mean and biased variance [C], and the elements per
/// channel here (`localCount`) and over every replica (`count`), f32
/// scalars. With `replicas` (an i64 scalar tensor, nn.replicas), the sums
/// [sum x, localCount] and then the squared deviations from the global mean
/// are summed over the replicas (two replica sums: the two-pass form, as
/// numerically careful as one process's); without, count is localCount.
struct BatchStatistics {
  Value mean, var, localCount, count;
};
BatchStatistics batchStatistics(OpBuilder &b, Location loc, Value x,
                                ArrayRef<int64_t> axes, Value replicas) {
  BatchStatistics st;
  st.localCount = st.count = countF32(b, loc, x, axes);
  Value sum = reduce(b, loc, x, axes, false, 0,
                     [](OpBuilder &nb, Location l, ValueRange a) {
                       return nb.create<arith::AddFOp>(l, a[0], a[1]);
                     });
  if (replicas) {
    // [sum x (C), count] in one replica sum.
    int64_t c = cast<RankedTensorType>(sum.getType()).getDimSize(0);
    Value packed = b.create<tensor::EmptyOp>(loc, ArrayRef<int64_t>{c + 1},
                                             b.getF32Type());
    packed = b.create<tensor::InsertSliceOp>(
        loc, sum, packed, ArrayRef<OpFoldResult>{b.getIndexAttr(0)},
        ArrayRef<OpFoldResult>{b.getIndexAttr(c)},
        ArrayRef<OpFoldResult>{b.getIndexAttr(1)});
    packed = b.create<tensor::InsertOp>(loc, st.localCount, packed,
                                        ValueRange{indexConst(b, loc, c)});
    Value total = replicaSum(b, loc, packed, replicas);
    sum = b.create<tensor::ExtractSliceOp>(
        loc, cast<RankedTensorType>(sum.getType()), total,
        ArrayRef<OpFoldResult>{b.getIndexAttr(0)},
        ArrayRef<OpFoldResult>{b.getIndexAttr(c)},
        ArrayRef<OpFoldResult>{b.getIndexAttr(1)});
    st.count = b.create<tensor::ExtractOp>(loc, total,
                                           ValueRange{indexConst(b, loc, c)});
  }
  st.mean = divideBy(b, loc, sum, st.count);
  Value deviations = sumSquaredDeviation(b, loc, x, st.mean, axes);
  if (replicas)
    deviations = replicaSum(b, loc, deviations, replicas);
  st.var = divideBy(b, loc, deviations, st.count);
  return st;
}

/// The statistics axes of batch normalisation: every dim but channel 1.
SmallVector<int64_t> batchNormAxes(Value x) {
  int64_t rank = cast<RankedTensorType>(x.getType()).getRank();
  SmallVector<int64_t> axes;
  for (int64_t d = 0; d < rank; ++d)
    if (d != 1)
      axes.push_back(d);
  return axes;
}

SmallVector<Value> lowerBatchStats(nn::BatchStatsOp op,
                                   nn::BatchStatsOp::Adaptor adaptor,
                                   ConversionPatternRewriter &rewriter) {
  Location loc = op.getLoc();
  Value x = adaptor.getInput();
  BatchStatistics st = batchStatistics(rewriter, loc, x, batchNormAxes(x),
                                       adaptor.getReplicas());
  auto scalar = [&](Value v) -> Value {
    return rewriter.create<tensor::FromElementsOp>(
        loc, RankedTensorType::get({}, rewriter.getF32Type()), v);
  };
  return {st.mean, st.var, scalar(st.localCount), scalar(st.count)};
}

Value lowerBatchNorm(nn::BatchNormOp op, nn::BatchNormOp::Adaptor adaptor,
                     ConversionPatternRewriter &rewriter) {
  return normalizeChannels(rewriter, op.getLoc(), adaptor.getInput(),
                           adaptor.getRunningMean(), adaptor.getRunningVar(),
                           adaptor.getGamma(), adaptor.getBeta(),
                           op.getEps().convertToFloat());
}

SmallVector<Value> lowerBatchNormTrain(nn::BatchNormTrainOp op,
                                       nn::BatchNormTrainOp::Adaptor adaptor,
                                       ConversionPatternRewriter &rewriter) {
  Location loc = op.getLoc();
  OpBuilder &b = rewriter;
  Value x = adaptor.getInput();
  BatchStatistics st =
      batchStatistics(b, loc, x, batchNormAxes(x), adaptor.getReplicas());
  Value count = st.count, mean = st.mean, var = st.var;
  Value y = normalizeChannels(b, loc, x, mean, var, adaptor.getGamma(),
                              adaptor.getBeta(), op.getEps().convertToFloat());
  // Unbiased correction count / (count - 1); count - 1 is clamped to 1
  // (docs/lowering.md) so a single sample per channel gives no inf.
  Value one = f32Const(b, loc, 1);
  Value correction = b.create<arith::DivFOp>(
      loc, count,
      b.create<arith::MaximumFOp>(loc, b.create<arith::SubFOp>(loc, count, one),
                                  one));
  double m = op.getMomentum().convertToFloat();
  auto update = [&](Value running, Value batch, Value factor) {
    AffineMap id = b.getMultiDimIdentityMap(1);
    Value init = b.create<tensor::EmptyOp>(loc, getSizes(b, loc, running),
                                           b.getF32Type());
    return parallelGeneric(
        b, loc, init, {running, batch}, {id, id},
        [&](OpBuilder &nb, Location l, ValueRange a) -> Value {
          Value batchTerm = a[1];
          if (factor)
            batchTerm = nb.create<arith::MulFOp>(l, batchTerm, factor);
          Value keep =
              nb.create<arith::MulFOp>(l, a[0], f32Const(nb, l, 1 - m));
          return nb.create<arith::AddFOp>(
              l, keep,
              nb.create<arith::MulFOp>(l, batchTerm, f32Const(nb, l, m)));
        });
  };
  Value newMean = update(adaptor.getRunningMean(), mean, Value());
  Value newVar = update(adaptor.getRunningVar(), var, correction);
  return {y, newMean, newVar};
}

Value lowerLayerNorm(nn::LayerNormOp op, nn::LayerNormOp::Adaptor adaptor,
                     ConversionPatternRewriter &rewriter) {
  Location loc = op.getLoc();
  OpBuilder &b = rewriter;
  Value x = adaptor.getInput();
  int64_t rank = cast<RankedTensorType>(x.getType()).getRank();
  int64_t last = rank - 1;
  Value count = countF32(b, loc, x, last);
  Value sum = reduce(b, loc, x, last, false, 0,
                     [](OpBuilder &nb, Location l, ValueRange a) {
                       return nb.create<arith::AddFOp>(l, a[0], a[1]);
                     });
  Value mean = divideBy(b, loc, sum, count);
  Value var =
      divideBy(b, loc, sumSquaredDeviation(b, loc, x, mean, last), count);
  SmallVector<int64_t> lead = llvm::to_vector(llvm::seq<int64_t>(0, last));
  AffineMap stat = keptMap(b.getContext(), rank, lead);
  AffineMap param = keptMap(b.getContext(), rank, last);
  return normalize(b, loc, x, mean, var, adaptor.getGamma(), adaptor.getBeta(),
                   stat, param, op.getEps().convertToFloat());
}

} // namespace

void nnc::populateNNNormalizationPatterns(RewritePatternSet &patterns) {
  addLowerings<lowerBatchNorm, lowerBatchNormTrain, lowerBatchStats,
               lowerLayerNorm>(patterns);
}
