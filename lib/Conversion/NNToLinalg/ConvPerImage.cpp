//===- ConvPerImage.cpp - convolutions as one matmul per image ------------===//
//
// The CPU form of conv2d and its two gradients (ConvertNNToLinalg's
// `per-image-convolutions`): an `scf.forall` over the images of the batch
// (their threads, nnc-outline-parallel) whose body is one static
// `linalg.matmul` in the NCHW orientation, so that the product lands in the
// layout its consumers read and needs no transposing epilogue:
//
//   colT[(c, kh, kw), (oh, ow)] = xpad[n, c, oh*s + kh*d, ow*s + kw*d]
//   y[n] as [F, OH * OW]         = w as [F, C*KH*KW] x colT     (+ bias)
//   dwT [C*KH*KW, F]            += colT x dy[n]^T   (over the images of a
//                                  group, then over the groups, in order)
//   dcolT [C*KH*KW, OH * OW]     = w^T x dy[n] as [F, OH * OW]
//   dx[n, c, h, w]              += dcolT[(c, kh, kw), (oh, ow)] per tap
//
// im2col is a generic whose input map is a shifted window (`oh + kh`) and
// col2im one static rectangle per tap (an elementwise add on slices), so
// nnc-vectorize-ops turns both into row copies and row adds. Every matrix of
// the loop body is static: the matmul schedule tiles it with static
// remainders only. The whole-batch form (ConvMatmul.cpp) stays the GPU's.
//
//===----------------------------------------------------------------------===//

#include "LoweringUtils.h"

using namespace mlir;

namespace nnc::lowering {

namespace {

/// The most partial sums of a weight gradient (see convWeightGradPerImage).
constexpr int64_t kWeightGradGroups = 32;

SmallVector<OpFoldResult> indexAttrs(OpBuilder &b, ArrayRef<int64_t> values) {
  return llvm::map_to_vector(
      values, [&](int64_t v) -> OpFoldResult { return b.getIndexAttr(v); });
}

/// The box of image `n` in a tensor of `type` whose dim 0 is the batch:
/// offsets (n, 0, ...), sizes (1, rest of the shape), unit strides.
struct ImageBox {
  SmallVector<OpFoldResult> offsets, sizes, strides;
};
ImageBox imageBox(OpBuilder &b, RankedTensorType type, Value n) {
  SmallVector<int64_t> zeros(type.getRank(), 0), ones(type.getRank(), 1);
  SmallVector<int64_t> sizes = {1};
  llvm::append_range(sizes, type.getShape().drop_front());
  ImageBox box{indexAttrs(b, zeros), indexAttrs(b, sizes), indexAttrs(b, ones)};
  box.offsets[0] = n;
  return box;
}

/// `t[n]` (rank reduced) of a tensor whose dim 0 is the batch.
Value sliceImage(OpBuilder &b, Location loc, Value t, Value n) {
  auto type = cast<RankedTensorType>(t.getType());
  ImageBox box = imageBox(b, type, n);
  auto imageType =
      RankedTensorType::get(type.getShape().drop_front(), b.getF32Type());
  return b.create<tensor::ExtractSliceOp>(loc, imageType, t, box.offsets,
                                          box.sizes, box.strides);
}

/// The static box of `t` at `offsets` with `sizes` (unit strides).
Value sliceBox(OpBuilder &b, Location loc, Value t, ArrayRef<int64_t> offsets,
               ArrayRef<int64_t> sizes) {
  SmallVector<int64_t> ones(offsets.size(), 1);
  return b.create<tensor::ExtractSliceOp>(loc, t, indexAttrs(b, offsets),
                                          indexAttrs(b, sizes),
                                          indexAttrs(b, ones));
}

Value insertBox(OpBuilder &b, Location loc, Value box, Value dest,
                ArrayRef<int64_t> offsets) {
  auto type = cast<RankedTensorType>(box.getType());
  SmallVector<int64_t> ones(offsets.size(), 1);
  return b.create<tensor::InsertSliceOp>(loc, box, dest, indexAttrs(b, offsets),
                                         indexAttrs(b, type.getShape()),
                                         indexAttrs(b, ones));
}

/// `scf.forall n in [0, batch of batchSource)` over `init`, whose image `n`
/// is `body(n, init[n])` (rank reduced): the images are independent, so
/// they may run on several threads (nnc-outline-parallel).
Value forAllImages(
    OpBuilder &b, Location loc, Value batchSource, Value init,
    llvm::function_ref<Value(OpBuilder &, Location, Value, Value)> body) {
  Value batch = b.create<tensor::DimOp>(loc, batchSource, 0);
  auto loop = b.create<scf::ForallOp>(loc, ArrayRef<OpFoldResult>{batch},
                                      ValueRange{init},
                                      /*mapping=*/std::nullopt);
  OpBuilder nb = OpBuilder::atBlockBegin(loop.getBody());
  Value n = loop.getInductionVar(0);
  Value shared = loop.getRegionIterArgs()[0];
  Value image = body(nb, loc, n, sliceImage(nb, loc, shared, n));
  nb.setInsertionPointToStart(loop.getTerminator().getBody());
  ImageBox box = imageBox(nb, cast<RankedTensorType>(shared.getType()), n);
  nb.create<tensor::ParallelInsertSliceOp>(loc, image, shared, box.offsets,
                                           box.sizes, box.strides);
  return loop.getResult(0);
}

/// The transposed im2col matrix `[C * KH * KW, OH * OW]` of one image
/// `xn [C, H, W]`: the image is copied into a zero-filled padded buffer when
/// the convolution pads, then a generic over (c, kh, kw, oh, ow) reads the
/// window `(c, oh * s + kh * d, ow * s + kw * d)`.
Value imageColumns(OpBuilder &b, Location loc, Value xn,
                   const ConvGeometry &g) {
  auto type = cast<RankedTensorType>(xn.getType());
  int64_t c = type.getDimSize(0), h = type.getDimSize(1),
          w = type.getDimSize(2);
  if (g.isPadded()) {
    Value padded = fill(b, loc,
                        b.create<tensor::EmptyOp>(
                            loc,
                            ArrayRef<int64_t>{c, h + g.padLow[0] + g.padHigh[0],
                                              w + g.padLow[1] + g.padHigh[1]},
                            b.getF32Type()),
                        0);
    xn = insertBox(b, loc, xn, padded, {0, g.padLow[0], g.padLow[1]});
  }
  int64_t kh = g.kernel[0], kw = g.kernel[1];
  int64_t oh = g.outSize[0], ow = g.outSize[1];
  Value init = b.create<tensor::EmptyOp>(
      loc, ArrayRef<int64_t>{c, kh, kw, oh, ow}, b.getF32Type());
  MLIRContext *ctx = b.getContext();
  auto d = [&](unsigned i) { return getAffineDimExpr(i, ctx); };
  AffineMap window =
      AffineMap::get(5, 0,
                     {d(0), d(3) * g.strides[0] + d(1) * g.dilations[0],
                      d(4) * g.strides[1] + d(2) * g.dilations[1]},
                     ctx);
  Value columns =
      parallelGeneric(b, loc, init, xn, window,
                      [](OpBuilder &, Location, ValueRange a) { return a[0]; });
  return b.create<tensor::CollapseShapeOp>(
      loc, columns, ArrayRef<ReassociationIndices>{{0, 1, 2}, {3, 4}});
}

/// `dy[n]` as the matrix `[F, OH * OW]`.
Value imageGradient(OpBuilder &b, Location loc, Value dy, Value n) {
  return collapseDims(b, loc, sliceImage(b, loc, dy, n), 1, 2);
}

/// `linalg.matmul lhs x rhs` accumulating onto `acc`.
Value matmulInto(OpBuilder &b, Location loc, Value lhs, Value rhs, Value acc) {
  return b
      .create<linalg::MatmulOp>(loc, TypeRange{acc.getType()},
                                ValueRange{lhs, rhs}, ValueRange{acc})
      .getResult(0);
}

} // namespace

Value convPerImage(OpBuilder &b, Location loc, Value x, Value w, Value bias,
                   const ConvGeometry &g, RankedTensorType resultType) {
  int64_t f = resultType.getDimSize(1);
  int64_t plane = g.outSize[0] * g.outSize[1];
  Value weights = collapseDims(b, loc, w, 1, 3); // [F, C * KH * KW]
  Value batch = b.create<tensor::DimOp>(loc, x, 0);
  Value init = b.create<tensor::EmptyOp>(
      loc, ArrayRef<int64_t>{ShapedType::kDynamic, f, plane}, b.getF32Type(),
      ValueRange{batch});
  Value y = forAllImages(
      b, loc, x, init, [&](OpBuilder &nb, Location l, Value n, Value out) {
        Value columns = imageColumns(nb, l, sliceImage(nb, l, x, n), g);
        // The bias (or zero) is the accumulator the product adds onto. A
        // named linalg.broadcast, not a generic whose payload ignores its
        // init: elementwise fusion would give such a generic a tensor.empty
        // init (RemoveOutsDependency), and the image would be computed in a
        // temporary and copied into the result.
        if (bias)
          out =
              nb.create<linalg::BroadcastOp>(l, bias, out, ArrayRef<int64_t>{1})
                  ->getResult(0);
        else
          out = fill(nb, l, out, 0);
        return matmulInto(nb, l, weights, columns, out);
      });
  return expandDim(b, loc, y, 2, {g.outSize[0], g.outSize[1]});
}

Value convWeightGradPerImage(OpBuilder &b, Location loc, Value x, Value dy,
                             const ConvGeometry &g,
                             RankedTensorType weightType) {
  int64_t f = weightType.getDimSize(0), c = weightType.getDimSize(1);
  int64_t taps = g.kernel[0] * g.kernel[1];
  // The images are cut into at most kWeightGradGroups groups of
  // ceil(N / kWeightGradGroups): each group sums its images' products in
  // order into a partial of its own (the groups may run on several
  // threads), then the partials are added in group order. The grouping
  // depends on the batch only, so the sum is the same bits for any number
  // of threads.
  Value batch = b.create<tensor::DimOp>(loc, x, 0);
  Value one = indexConst(b, loc, 1);
  Value perGroup = b.create<arith::MaxSIOp>(
      loc, one,
      b.create<arith::DivSIOp>(
          loc,
          b.create<arith::AddIOp>(loc, batch,
                                  indexConst(b, loc, kWeightGradGroups - 1)),
          indexConst(b, loc, kWeightGradGroups)));
  Value groups = b.create<arith::DivSIOp>(
      loc,
      b.create<arith::AddIOp>(loc, batch,
                              b.create<arith::SubIOp>(loc, perGroup, one)),
      perGroup);
  Value partials = b.create<tensor::EmptyOp>(
      loc, ArrayRef<int64_t>{ShapedType::kDynamic, c * taps, f}, b.getF32Type(),
      ValueRange{groups});
  partials = forAllImages(
      b, loc, partials, partials,
      [&](OpBuilder &nb, Location l, Value group, Value partial) {
        Value first = nb.create<arith::MulIOp>(l, group, perGroup);
        Value last = nb.create<arith::MinSIOp>(
            l, batch, nb.create<arith::AddIOp>(l, first, perGroup));
        auto loop = nb.create<scf::ForOp>(
            l, first, last, one, ValueRange{fill(nb, l, partial, 0)},
            [&](OpBuilder &lb, Location ll, Value n, ValueRange acc) {
              Value columns = imageColumns(lb, ll, sliceImage(lb, ll, x, n), g);
              Value dyT =
                  transpose(lb, ll, imageGradient(lb, ll, dy, n), {1, 0});
              lb.create<scf::YieldOp>(ll,
                                      matmulInto(lb, ll, columns, dyT, acc[0]));
            });
        return loop.getResult(0);
      });
  Value dwT =
      reduce(b, loc, partials, {0}, /*keepdim=*/false, 0.0,
             [](OpBuilder &bb, Location l, ValueRange a) {
               return bb.create<arith::AddFOp>(l, a[1], a[0]).getResult();
             });
  // [C * KH * KW, F] -> [C, KH, KW, F] -> [F, C, KH, KW].
  Value expanded = b.create<tensor::ExpandShapeOp>(
      loc,
      RankedTensorType::get({c, g.kernel[0], g.kernel[1], f}, b.getF32Type()),
      dwT, ArrayRef<ReassociationIndices>{{0, 1, 2}, {3}});
  return transpose(b, loc, expanded, {3, 0, 1, 2});
}

Value convInputGradPerImage(OpBuilder &b, Location loc, Value dy, Value w,
                            const ConvGeometry &g, RankedTensorType inputType) {
  auto wType = cast<RankedTensorType>(w.getType());
  int64_t c = wType.getDimSize(1);
  int64_t kh = g.kernel[0], kw = g.kernel[1];
  int64_t oh = g.outSize[0], ow = g.outSize[1];
  int64_t h = inputType.getDimSize(2), wd = inputType.getDimSize(3);
  // w [F, C, KH, KW] -> [C * KH * KW, F].
  Value weightsT =
      collapseDims(b, loc, transpose(b, loc, w, {1, 2, 3, 0}), 0, 3);
  Value init = emptyWithBatch(b, loc, inputType, dy);
  return forAllImages(
      b, loc, dy, init, [&](OpBuilder &nb, Location l, Value n, Value dxn) {
        Value dcol = matmul(nb, l, weightsT, imageGradient(nb, l, dy, n));
        Value taps = nb.create<tensor::ExpandShapeOp>(
            l, RankedTensorType::get({c, kh, kw, oh, ow}, nb.getF32Type()),
            dcol, ArrayRef<ReassociationIndices>{{0, 1, 2}, {3, 4}});
        Value dx = fill(nb, l, dxn, 0);
        // Tap (i, j) adds dcol[c, i, j, oh, ow] to dx[c, oh + i - top,
        // ow + j - left] over the outputs whose cell is inside the image.
        for (int64_t i = 0; i < kh; ++i)
          for (int64_t j = 0; j < kw; ++j) {
            int64_t shift[2] = {i * g.dilations[0] - g.padLow[0],
                                j * g.dilations[1] - g.padLow[1]};
            int64_t first[2], count[2], size[2] = {h, wd}, outs[2] = {oh, ow};
            for (int dim = 0; dim < 2; ++dim) {
              first[dim] = std::max<int64_t>(0, -shift[dim]);
              int64_t last =
                  std::min<int64_t>(outs[dim], size[dim] - shift[dim]);
              count[dim] = last - first[dim];
            }
            if (count[0] <= 0 || count[1] <= 0)
              continue;
            Value contribution =
                sliceBox(nb, l, taps, {0, i, j, first[0], first[1]},
                         {c, 1, 1, count[0], count[1]});
            contribution = nb.create<tensor::CollapseShapeOp>(
                l, contribution,
                ArrayRef<ReassociationIndices>{{0, 1, 2}, {3}, {4}});
            SmallVector<int64_t> at = {0, first[0] + shift[0],
                                       first[1] + shift[1]};
            Value box = sliceBox(nb, l, dx, at, {c, count[0], count[1]});
            Value sum = parallelGeneric(
                nb, l, box, contribution,
                AffineMap::getMultiDimIdentityMap(3, nb.getContext()),
                [](OpBuilder &bb, Location ll, ValueRange a) {
                  return bb.create<arith::AddFOp>(ll, a[1], a[0]).getResult();
                });
            dx = insertBox(nb, l, sum, dx, at);
          }
        return dx;
      });
}

bool hasUnitStrides(const ConvGeometry &g) {
  return g.strides[0] == 1 && g.strides[1] == 1;
}

} // namespace nnc::lowering
