//===- ConvMatmul.cpp - convolutions as im2col + linalg.matmul ------------===//
//
// The convolution kernels shared by conv2d and its two gradients. A 2-D
// NCHW convolution is rewritten as one matrix product so that the tiled,
// vectorized matmul schedule (nnc-matmul-schedule on CPU, the
// shared-memory matmul on GPU) carries it instead of a scalar loop nest:
//
//   col[(n, oh, ow), (c, kh, kw)] = x[n, c, oh*s + kh*d - top, ow*s + kw*d -
//   left] y[(n, oh, ow), f]            = col x transpose(w[f, (c, kh, kw)])
//   dw[f, (c, kh, kw)]           = dy[n, f, oh, ow] as [f, (n, oh, ow)] x col
//   dcol[(n, oh, ow), (c, kh, kw)] = dy as [(n, oh, ow), f] x w, then dx by
//                                  col2im (a gather over the covering taps)
//
// The matmul operands are built directly as 2-D tensors by generics that
// gather with `tensor.extract` from delinearized indices, and the products
// are read back with linearizing indexing maps. No tensor.collapse_shape or
// expand_shape touches a matmul: the elementwise-fusion pass would propagate
// an expand_shape into the matmul (turning it into a generic), and the
// matmul schedule cannot peel a tile of a collapse_shape with a dynamic
// batch (docs/lowering.md).
//
//===----------------------------------------------------------------------===//

#include "LoweringUtils.h"

using namespace mlir;

namespace nnc::lowering {

namespace {

/// `index / divisor` and `index % divisor` for a positive constant divisor.
std::pair<Value, Value> divRem(OpBuilder &b, Location l, Value index,
                               int64_t divisor) {
  Value d = indexConst(b, l, divisor);
  return {b.create<arith::DivUIOp>(l, index, d),
          b.create<arith::RemUIOp>(l, index, d)};
}

/// A `[rows, cols]` f32 tensor (rows dynamic: `batch * rowsPerBatch`, the
/// batch taken from dim 0 of `batchSource`) filled by `body` from the two
/// `linalg.index` values.
Value gather2D(
    OpBuilder &b, Location loc, Value batchSource, int64_t rowsPerBatch,
    int64_t cols, bool rowsDynamic, int64_t staticRows,
    llvm::function_ref<Value(OpBuilder &, Location, Value, Value)> body) {
  Value init;
  if (rowsDynamic) {
    Value batch = b.create<tensor::DimOp>(loc, batchSource, 0);
    Value rows =
        b.create<arith::MulIOp>(loc, batch, indexConst(b, loc, rowsPerBatch));
    init = b.create<tensor::EmptyOp>(
        loc, ArrayRef<int64_t>{ShapedType::kDynamic, cols}, b.getF32Type(),
        ValueRange{rows});
  } else {
    init = b.create<tensor::EmptyOp>(loc, ArrayRef<int64_t>{staticRows, cols},
                                     b.getF32Type());
  }
  return parallelGeneric(b, loc, init, {}, {},
                         [&](OpBuilder &nb, Location l, ValueRange) {
                           return body(nb, l, nb.create<linalg::IndexOp>(l, 0),
                                       nb.create<linalg::IndexOp>(l, 1));
                         });
}

/// `w [F, C, KH, KW]` as the 2-D matrix `[F, C * KH * KW]`, or its
/// transpose `[C * KH * KW, F]` when `transposed`.
Value weightMatrix(OpBuilder &b, Location loc, Value w, bool transposed) {
  auto wType = cast<RankedTensorType>(w.getType());
  int64_t f = wType.getDimSize(0), kw = wType.getDimSize(3);
  int64_t taps = wType.getDimSize(2) * kw, k = wType.getDimSize(1) * taps;
  return gather2D(
      b, loc, w, 0, transposed ? f : k, /*rowsDynamic=*/false,
      transposed ? k : f, [&](OpBuilder &nb, Location l, Value row, Value col) {
        if (transposed)
          std::swap(row, col);
        auto [ch, tap] = divRem(nb, l, col, taps);
        auto [i, j] = divRem(nb, l, tap, kw);
        return nb.create<tensor::ExtractOp>(l, w, ValueRange{row, ch, i, j})
            .getResult();
      });
}

} // namespace

ConvGeometry convGeometry(RankedTensorType weight, ArrayRef<int64_t> strides,
                          ArrayRef<int64_t> dilations,
                          ArrayRef<int64_t> padding, RankedTensorType output) {
  return {{weight.getDimSize(2), weight.getDimSize(3)},
          {strides[0], strides[1]},
          {dilations[0], dilations[1]},
          {padding[0], padding[1]},
          {padding[2], padding[3]},
          {output.getDimSize(2), output.getDimSize(3)}};
}

Value im2col(OpBuilder &b, Location loc, Value x, const ConvGeometry &g) {
  // Padding first (a small copy of the input) keeps the gather below free of
  // bounds checks; it is the hot loop of a convolution after the matmul.
  if (g.isPadded())
    x = padSpatial(b, loc, x,
                   {g.padLow[0], g.padLow[1], g.padHigh[0], g.padHigh[1]}, 0);
  auto type = cast<RankedTensorType>(x.getType());
  int64_t c = type.getDimSize(1), kh = g.kernel[0], kw = g.kernel[1];
  int64_t plane = g.outSize[0] * g.outSize[1];
  // Loops (row, c, i, j) writing col[row, c * KH * KW + i * KW + j]: the
  // columns need no division, and the row's (n, oh, ow) is loop-invariant
  // in the inner loops. A [C, KH, KW] operand that is never read gives the
  // loops their ranges (linalg infers them from bare dims of the maps).
  Value batch = b.create<tensor::DimOp>(loc, x, 0);
  Value rows = b.create<arith::MulIOp>(loc, batch, indexConst(b, loc, plane));
  Value init = b.create<tensor::EmptyOp>(
      loc, ArrayRef<int64_t>{ShapedType::kDynamic, c * kh * kw}, b.getF32Type(),
      ValueRange{rows});
  Value taps = b.create<tensor::EmptyOp>(loc, ArrayRef<int64_t>{c, kh, kw},
                                         b.getF32Type());
  MLIRContext *ctx = b.getContext();
  auto d = [&](unsigned i) { return getAffineDimExpr(i, ctx); };
  SmallVector<AffineMap> maps = {
      AffineMap::get(4, 0, {d(1), d(2), d(3)}, ctx),
      AffineMap::get(4, 0, {d(0), d(1) * (kh * kw) + d(2) * kw + d(3)}, ctx)};
  SmallVector<utils::IteratorType> iters(4, utils::IteratorType::parallel);
  auto generic = b.create<linalg::GenericOp>(
      loc, TypeRange{init.getType()}, ValueRange{taps}, ValueRange{init}, maps,
      iters, [&](OpBuilder &nb, Location l, ValueRange) {
        auto [n, pos] = divRem(nb, l, nb.create<linalg::IndexOp>(l, 0), plane);
        auto [oh, ow] = divRem(nb, l, pos, g.outSize[1]);
        SmallVector<Value> idx = {n, nb.create<linalg::IndexOp>(l, 1)};
        Value outPos[2] = {oh, ow};
        for (int dim = 0; dim < 2; ++dim) // oh * s + i * d (padded input)
          idx.push_back(nb.create<arith::AddIOp>(
              l,
              nb.create<arith::MulIOp>(l, outPos[dim],
                                       indexConst(nb, l, g.strides[dim])),
              nb.create<arith::MulIOp>(l,
                                       nb.create<linalg::IndexOp>(l, 2 + dim),
                                       indexConst(nb, l, g.dilations[dim]))));
        nb.create<linalg::YieldOp>(
            l, ValueRange{nb.create<tensor::ExtractOp>(l, x, idx)});
      });
  return generic.getResult(0);
}

Value convAsMatmul(OpBuilder &b, Location loc, Value x, Value w, Value bias,
                   const ConvGeometry &g, RankedTensorType resultType) {
  Value col = im2col(b, loc, x, g);
  Value product =
      matmul(b, loc, col, weightMatrix(b, loc, w, /*transposed=*/true));
  // [N * OH * OW, F] -> NCHW (+ bias) with a linearizing read.
  MLIRContext *ctx = b.getContext();
  auto d = [&](unsigned i) { return getAffineDimExpr(i, ctx); };
  int64_t plane = g.outSize[0] * g.outSize[1];
  SmallVector<Value> inputs = {product};
  SmallVector<AffineMap> maps = {AffineMap::get(
      4, 0, {d(0) * plane + d(2) * g.outSize[1] + d(3), d(1)}, ctx)};
  if (bias) {
    inputs.push_back(bias);
    maps.push_back(AffineMap::get(4, 0, {d(1)}, ctx));
  }
  Value init = emptyWithBatch(b, loc, resultType, x);
  return parallelGeneric(
      b, loc, init, inputs, maps, [&](OpBuilder &nb, Location l, ValueRange a) {
        if (!bias)
          return a[0];
        return nb.create<arith::AddFOp>(l, a[0], a[1]).getResult();
      });
}

Value convInputGradAsMatmul(OpBuilder &b, Location loc, Value dy, Value w,
                            const ConvGeometry &g, RankedTensorType inputType) {
  auto wType = cast<RankedTensorType>(w.getType());
  int64_t f = wType.getDimSize(0);
  int64_t kw = g.kernel[1], taps = g.kernel[0] * kw;
  int64_t ow = g.outSize[1], plane = g.outSize[0] * ow;
  // dy [N, F, OH, OW] as [N * OH * OW, F]; w [F, C, KH, KW] as [F, C*KH*KW].
  Value dyRows = gather2D(
      b, loc, dy, plane, f, /*rowsDynamic=*/true, 0,
      [&](OpBuilder &nb, Location l, Value row, Value out) {
        auto [n, pos] = divRem(nb, l, row, plane);
        auto [y, x] = divRem(nb, l, pos, ow);
        return nb.create<tensor::ExtractOp>(l, dy, ValueRange{n, out, y, x})
            .getResult();
      });
  Value dcol =
      matmul(b, loc, dyRows, weightMatrix(b, loc, w, /*transposed=*/false));
  // col2im: dx[n, c, h, w] = sum over taps (i, j) of dcol[(n, oh, ow),
  // (c, i, j)] where oh * s + i * d - top = h (likewise w): a generic over
  // (n, c, h, w | i, j).
  Value init = fill(b, loc, emptyWithBatch(b, loc, inputType, dy), 0);
  Value window = b.create<tensor::EmptyOp>(
      loc, ArrayRef<int64_t>{g.kernel[0], g.kernel[1]}, b.getF32Type());
  MLIRContext *ctx = b.getContext();
  auto d = [&](unsigned i) { return getAffineDimExpr(i, ctx); };
  SmallVector<AffineMap> maps = {
      AffineMap::get(6, 0, {d(4), d(5)}, ctx),
      AffineMap::get(6, 0, {d(0), d(1), d(2), d(3)}, ctx)};
  SmallVector<utils::IteratorType> iters(4, utils::IteratorType::parallel);
  iters.append(2, utils::IteratorType::reduction);
  auto generic = b.create<linalg::GenericOp>(
      loc, TypeRange{init.getType()}, ValueRange{window}, ValueRange{init},
      maps, iters, [&](OpBuilder &nb, Location l, ValueRange a) {
        Value ok, pos[2], tap[2];
        for (int dim = 0; dim < 2; ++dim) {
          tap[dim] = nb.create<linalg::IndexOp>(l, 4 + dim);
          Value offset = nb.create<arith::MulIOp>(
              l, tap[dim], indexConst(nb, l, g.dilations[dim]));
          auto [valid, p] =
              windowOf(nb, l, nb.create<linalg::IndexOp>(l, 2 + dim), offset,
                       g.padLow[dim], g.strides[dim], g.outSize[dim]);
          ok = ok ? nb.create<arith::AndIOp>(l, ok, valid).getResult() : valid;
          pos[dim] = p;
        }
        auto idx = [&](Value v, int64_t scale) {
          return nb.create<arith::MulIOp>(l, v, indexConst(nb, l, scale));
        };
        Value row = nb.create<arith::AddIOp>(
            l,
            nb.create<arith::AddIOp>(
                l, idx(nb.create<linalg::IndexOp>(l, 0), plane),
                idx(pos[0], ow)),
            pos[1]);
        Value col = nb.create<arith::AddIOp>(
            l,
            nb.create<arith::AddIOp>(
                l, idx(nb.create<linalg::IndexOp>(l, 1), taps),
                idx(tap[0], kw)),
            tap[1]);
        Value v = nb.create<tensor::ExtractOp>(l, dcol, ValueRange{row, col});
        Value contribution =
            nb.create<arith::SelectOp>(l, ok, v, f32Const(nb, l, 0));
        nb.create<linalg::YieldOp>(
            l, ValueRange{nb.create<arith::AddFOp>(l, a[1], contribution)});
      });
  return generic.getResult(0);
}

Value convWeightGradAsMatmul(OpBuilder &b, Location loc, Value x, Value dy,
                             const ConvGeometry &g,
                             RankedTensorType weightType) {
  Value col = im2col(b, loc, x, g);
  // dy [N, F, OH, OW] read as [F, N * OH * OW].
  int64_t f = weightType.getDimSize(0), plane = g.outSize[0] * g.outSize[1];
  Value batch = b.create<tensor::DimOp>(loc, dy, 0);
  Value rows = b.create<arith::MulIOp>(loc, batch, indexConst(b, loc, plane));
  Value dyTInit =
      b.create<tensor::EmptyOp>(loc, ArrayRef<int64_t>{f, ShapedType::kDynamic},
                                b.getF32Type(), ValueRange{rows});
  Value dyT = parallelGeneric(
      b, loc, dyTInit, {}, {}, [&](OpBuilder &nb, Location l, ValueRange) {
        Value out = nb.create<linalg::IndexOp>(l, 0);
        auto [n, pos] = divRem(nb, l, nb.create<linalg::IndexOp>(l, 1), plane);
        auto [oh, ow] = divRem(nb, l, pos, g.outSize[1]);
        return nb.create<tensor::ExtractOp>(l, dy, ValueRange{n, out, oh, ow})
            .getResult();
      });
  Value product = matmul(b, loc, dyT, col);
  // [F, C * KH * KW] -> [F, C, KH, KW] by a linearizing read.
  MLIRContext *ctx = b.getContext();
  auto d = [&](unsigned i) { return getAffineDimExpr(i, ctx); };
  int64_t kh = g.kernel[0], kw = g.kernel[1];
  AffineMap read =
      AffineMap::get(4, 0, {d(0), d(1) * kh * kw + d(2) * kw + d(3)}, ctx);
  Value init = b.create<tensor::EmptyOp>(loc, weightType, ValueRange{});
  return parallelGeneric(
      b, loc, init, product, read,
      [](OpBuilder &, Location, ValueRange a) { return a[0]; });
}

} // namespace nnc::lowering
