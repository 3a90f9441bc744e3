//===- GradConv.cpp - conv2d and pooling gradients to linalg --------------===//
//
// Lowers the backward ops of the windowed layers (NNLayerGradOps.td):
// - `conv2d_backward_input` as `dcol = dy x w` (one matmul) scattered back
//   to the input by col2im, written as a gather (ConvMatmul.cpp);
// - `conv2d_backward_weight` as `dw = dy^T x im2col(x)`, one matmul reducing
//   over N * OH * OW (ConvMatmul.cpp);
// - `maxpool2d_backward` / `avgpool2d_backward` of windows that tile the
//   image as in PoolingTiles.cpp; other windows as a generic over (n, c, h,
//   w) reducing over the window taps (kh, kw): each input cell gathers the
//   gradient of every window that covers it (for max: when it is that
//   window's first maximum in row-major order, as in PyTorch, found by one
//   argmax generic, taps `dilations` apart; for average: divided by the
//   forward's divisor, the window's cells inside the image grown by
//   `divisor_padding`).
//
//===----------------------------------------------------------------------===//

#include "LoweringUtils.h"
#include "nnc/Conversion/NNToLinalg/NNToLinalg.h"

#include <limits>

using namespace mlir;
using namespace nnc::lowering;

namespace {

/// The generic's iterator types: `parallel` parallel loops, then `reduction`.
SmallVector<utils::IteratorType> iterators(int64_t parallel,
                                           int64_t reduction) {
  SmallVector<utils::IteratorType> iters(parallel,
                                         utils::IteratorType::parallel);
  iters.append(reduction, utils::IteratorType::reduction);
  return iters;
}

Value lowerConv2DBackwardInput(nn::Conv2DBackwardInputOp op,
                               nn::Conv2DBackwardInputOp::Adaptor adaptor,
                               ConversionPatternRewriter &rewriter,
                               const nnc::NNToLinalgOptions &options) {
  auto dyType = cast<RankedTensorType>(adaptor.getGrad().getType());
  auto wType = cast<RankedTensorType>(adaptor.getWeight().getType());
  auto xType = cast<RankedTensorType>(op.getType());
  ConvGeometry g = convGeometry(wType, op.getStrides(), op.getDilations(),
                                op.getPadding(), dyType);
  if (options.perImageConvolutions && hasUnitStrides(g))
    return convInputGradPerImage(rewriter, op.getLoc(), adaptor.getGrad(),
                                 adaptor.getWeight(), g, xType);
  return convInputGradAsMatmul(rewriter, op.getLoc(), adaptor.getGrad(),
                               adaptor.getWeight(), g, xType);
}

Value lowerConv2DBackwardWeight(nn::Conv2DBackwardWeightOp op,
                                nn::Conv2DBackwardWeightOp::Adaptor adaptor,
                                ConversionPatternRewriter &rewriter,
                                const nnc::NNToLinalgOptions &options) {
  Location loc = op.getLoc();
  OpBuilder &b = rewriter;
  auto wType = cast<RankedTensorType>(op.getType());
  auto dyType = cast<RankedTensorType>(adaptor.getGrad().getType());
  ConvGeometry g = convGeometry(wType, op.getStrides(), op.getDilations(),
                                op.getPadding(), dyType);
  return options.perImageConvolutions
             ? convWeightGradPerImage(b, loc, adaptor.getInput(),
                                      adaptor.getGrad(), g, wType)
             : convWeightGradAsMatmul(b, loc, adaptor.getInput(),
                                      adaptor.getGrad(), g, wType);
}

/// The tap (i * KW + j, i32) of the first maximum of every pooling window,
/// scanning the window row by row as PyTorch does: a generic over (n, c, oh,
/// ow | i, j) on the input padded with -inf, carrying the running maximum
/// and its tap, updated only on a strictly greater value. The gradient of a
/// window goes to that one cell, also when several cells tie.
Value firstArgmax(OpBuilder &b, Location loc, Value x, RankedTensorType gType,
                  ArrayRef<int64_t> k, ArrayRef<int64_t> s,
                  ArrayRef<int64_t> pad, ArrayRef<int64_t> dil) {
  Value xp =
      padSpatial(b, loc, x, pad, -std::numeric_limits<double>::infinity());
  MLIRContext *ctx = b.getContext();
  auto d = [&](unsigned i) { return getAffineDimExpr(i, ctx); };
  Value window = b.create<tensor::EmptyOp>(loc, k, b.getF32Type());
  SmallVector<OpFoldResult> sizes = getSizes(b, loc, x);
  sizes[2] = b.getIndexAttr(gType.getDimSize(2));
  sizes[3] = b.getIndexAttr(gType.getDimSize(3));
  Value maxInit =
      fill(b, loc, b.create<tensor::EmptyOp>(loc, sizes, b.getF32Type()),
           -std::numeric_limits<double>::infinity());
  Value argInit =
      b.create<linalg::FillOp>(
           loc, b.create<arith::ConstantIntOp>(loc, 0, 32).getResult(),
           b.create<tensor::EmptyOp>(loc, sizes, b.getI32Type()).getResult())
          .getResult(0);
  AffineMap out = AffineMap::get(6, 0, {d(0), d(1), d(2), d(3)}, ctx);
  SmallVector<AffineMap> maps = {
      AffineMap::get(6, 0,
                     {d(0), d(1), d(2) * s[0] + d(4) * dil[0],
                      d(3) * s[1] + d(5) * dil[1]},
                     ctx),
      AffineMap::get(6, 0, {d(4), d(5)}, ctx), out, out};
  auto generic = b.create<linalg::GenericOp>(
      loc, TypeRange{maxInit.getType(), argInit.getType()},
      ValueRange{xp, window}, ValueRange{maxInit, argInit}, maps,
      iterators(4, 2), [&](OpBuilder &nb, Location l, ValueRange a) {
        Value tap = nb.create<arith::AddIOp>(
            l,
            nb.create<arith::MulIOp>(l, nb.create<linalg::IndexOp>(l, 4),
                                     indexConst(nb, l, k[1])),
            nb.create<linalg::IndexOp>(l, 5));
        Value tap32 = nb.create<arith::IndexCastOp>(l, nb.getI32Type(), tap);
        Value greater =
            nb.create<arith::CmpFOp>(l, arith::CmpFPredicate::OGT, a[0], a[2]);
        nb.create<linalg::YieldOp>(
            l, ValueRange{nb.create<arith::SelectOp>(l, greater, a[0], a[2]),
                          nb.create<arith::SelectOp>(l, greater, tap32, a[3])});
      });
  return generic.getResult(1);
}

/// dx[n, c, h, w] = sum over taps (i, j) of the gradient of the window at
/// ((h + top - i) / s, (w + left - j) / s) when that window exists, times
/// `weight(l, x, window indices)`: a generic over (n, c, h, w | i, j).
template <typename OpTy, bool isMax>
Value lowerPoolBackward(OpTy op, typename OpTy::Adaptor adaptor,
                        ConversionPatternRewriter &rewriter) {
  Location loc = op.getLoc();
  OpBuilder &b = rewriter;
  Value g = adaptor.getGrad(), x = adaptor.getInput();
  auto xType = cast<RankedTensorType>(x.getType());
  auto gType = cast<RankedTensorType>(g.getType());
  ArrayRef<int64_t> k = op.getKernel(), s = op.getStrides(),
                    pad = op.getPadding();
  SmallVector<int64_t> dil = {1, 1}, counted = {0, 0, 0, 0};
  if constexpr (isMax)
    dil.assign(op.getDilations().begin(), op.getDilations().end());
  else
    counted.assign(op.getDivisorPadding().begin(),
                   op.getDivisorPadding().end());
  if (dil == SmallVector<int64_t>{1, 1} && windowsTileImage(xType, k, s, pad)) {
    return poolTilesGrad(b, loc, x, g, k, isMax);
  }
  int64_t inSize[2] = {xType.getDimSize(2), xType.getDimSize(3)};
  int64_t outSize[2] = {gType.getDimSize(2), gType.getDimSize(3)};
  Value argmax;
  if constexpr (isMax)
    argmax = firstArgmax(b, loc, x, gType, k, s, pad, dil);
  Value window = b.create<tensor::EmptyOp>(loc, k, b.getF32Type());
  Value init = fill(b, loc, emptyWithBatch(b, loc, xType, x), 0);
  MLIRContext *ctx = b.getContext();
  auto d = [&](unsigned i) { return getAffineDimExpr(i, ctx); };
  AffineMap id4 = AffineMap::get(6, 0, {d(0), d(1), d(2), d(3)}, ctx);
  SmallVector<AffineMap> maps = {id4, AffineMap::get(6, 0, {d(4), d(5)}, ctx),
                                 id4};
  auto generic = b.create<linalg::GenericOp>(
      loc, TypeRange{init.getType()}, ValueRange{x, window}, ValueRange{init},
      maps, iterators(4, 2), [&](OpBuilder &nb, Location l, ValueRange a) {
        SmallVector<Value> idx = {nb.create<linalg::IndexOp>(l, 0),
                                  nb.create<linalg::IndexOp>(l, 1)};
        Value ok;
        for (int dim = 0; dim < 2; ++dim) {
          // Tap t of a window lies t * dilation cells after its start.
          auto [valid, pos] =
              windowOf(nb, l, nb.create<linalg::IndexOp>(l, 2 + dim),
                       nb.create<arith::MulIOp>(
                           l, nb.create<linalg::IndexOp>(l, 4 + dim),
                           indexConst(nb, l, dil[dim])),
                       pad[dim], s[dim], outSize[dim]);
          ok = ok ? nb.create<arith::AndIOp>(l, ok, valid).getResult() : valid;
          idx.push_back(pos);
        }
        Value gv = nb.create<tensor::ExtractOp>(l, g, idx);
        if constexpr (isMax) {
          // Only the window's first maximum receives its gradient.
          Value tap = nb.create<arith::AddIOp>(
              l,
              nb.create<arith::MulIOp>(l, nb.create<linalg::IndexOp>(l, 4),
                                       indexConst(nb, l, k[1])),
              nb.create<linalg::IndexOp>(l, 5));
          Value first = nb.create<arith::IndexCastOp>(
              l, nb.getIndexType(),
              nb.create<tensor::ExtractOp>(l, argmax, idx));
          ok = nb.create<arith::AndIOp>(
              l, ok,
              nb.create<arith::CmpIOp>(l, arith::CmpIPredicate::eq, first,
                                       tap));
        } else {
          Value count = nb.create<arith::MulIOp>(
              l,
              windowCount(nb, l, idx[2], s[0], pad[0] - counted[0], k[0],
                          inSize[0] + counted[0] + counted[2]),
              windowCount(nb, l, idx[3], s[1], pad[1] - counted[1], k[1],
                          inSize[1] + counted[1] + counted[3]));
          Value countF = nb.create<arith::SIToFPOp>(
              l, nb.getF32Type(),
              nb.create<arith::IndexCastOp>(l, nb.getI64Type(), count));
          gv = nb.create<arith::DivFOp>(l, gv, countF);
        }
        Value contribution =
            nb.create<arith::SelectOp>(l, ok, gv, f32Const(nb, l, 0));
        nb.create<linalg::YieldOp>(
            l, ValueRange{nb.create<arith::AddFOp>(l, a[2], contribution)});
      });
  return generic.getResult(0);
}

} // namespace

void nnc::populateNNConvGradPatterns(RewritePatternSet &patterns,
                                     const NNToLinalgOptions &options) {
  addLowerings<lowerConv2DBackwardInput, lowerConv2DBackwardWeight>(patterns,
                                                                    options);
  addLowerings<lowerPoolBackward<nn::MaxPool2DBackwardOp, true>,
               lowerPoolBackward<nn::AvgPool2DBackwardOp, false>>(patterns);
}
