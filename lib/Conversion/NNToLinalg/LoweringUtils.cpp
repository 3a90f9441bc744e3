//===- LoweringUtils.cpp - builders shared by the nn lowerings ------------===//
//
// Implements the helpers of LoweringUtils.h: empty tensors sized from the
// batch, broadcasting and reducing `linalg.generic`s, transposes and matrix
// products, the dense layer, collapse/expand reshapes, the stable softmax
// and the counter-based hash that decides dropout's mask.
//
//===----------------------------------------------------------------------===//

#include "LoweringUtils.h"

#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Utils/ReshapeOpsUtils.h"

#include <cmath>
#include <limits>

using namespace mlir;

namespace nnc::lowering {

Value f32Const(OpBuilder &b, Location loc, double value) {
  return b.create<arith::ConstantOp>(loc, b.getF32FloatAttr(value));
}

Value indexConst(OpBuilder &b, Location loc, int64_t value) {
  return b.create<arith::ConstantIndexOp>(loc, value);
}

SmallVector<OpFoldResult> getSizes(OpBuilder &b, Location loc, Value tensor) {
  return tensor::getMixedSizes(b, loc, tensor);
}

Value emptyWithBatch(OpBuilder &b, Location loc, RankedTensorType type,
                     Value batchSource) {
  SmallVector<Value> dynamic;
  for (int64_t size : type.getShape())
    if (ShapedType::isDynamic(size))
      dynamic.push_back(b.create<tensor::DimOp>(loc, batchSource, 0));
  return b.create<tensor::EmptyOp>(loc, type, dynamic);
}

Value fill(OpBuilder &b, Location loc, Value init, double value) {
  return b.create<linalg::FillOp>(loc, f32Const(b, loc, value), init)
      .getResult(0);
}

Value geluInner(OpBuilder &b, Location loc, Value x, bool approximate) {
  if (!approximate)
    return b.create<math::ErfOp>(
        loc, b.create<arith::MulFOp>(loc, x, f32Const(b, loc, M_SQRT1_2)));
  Value x3 =
      b.create<arith::MulFOp>(loc, b.create<arith::MulFOp>(loc, x, x), x);
  Value s = b.create<arith::AddFOp>(
      loc, x, b.create<arith::MulFOp>(loc, x3, f32Const(b, loc, 0.044715)));
  return b.create<math::TanhOp>(
      loc,
      b.create<arith::MulFOp>(loc, s, f32Const(b, loc, std::sqrt(2.0 / M_PI))));
}

Value geluValue(OpBuilder &b, Location loc, Value x, Value inner) {
  Value onePlus = b.create<arith::AddFOp>(loc, inner, f32Const(b, loc, 1));
  Value half = b.create<arith::MulFOp>(loc, x, f32Const(b, loc, 0.5));
  return b.create<arith::MulFOp>(loc, half, onePlus);
}

Value geluSlope(OpBuilder &b, Location loc, Value x, Value inner,
                bool approximate) {
  auto c = [&](double v) { return f32Const(b, loc, v); };
  auto mul = [&](Value l, Value r) {
    return b.create<arith::MulFOp>(loc, l, r).getResult();
  };
  auto add = [&](Value l, Value r) {
    return b.create<arith::AddFOp>(loc, l, r).getResult();
  };
  Value cdf = mul(c(0.5), add(c(1), inner));
  if (!approximate) {
    Value pdf = mul(c(1.0 / std::sqrt(2.0 * M_PI)),
                    b.create<math::ExpOp>(loc, mul(mul(x, x), c(-0.5))));
    return add(cdf, mul(x, pdf));
  }
  double k = std::sqrt(2.0 / M_PI), a = 0.044715;
  Value du = mul(add(c(1), mul(mul(x, x), c(3 * a))), c(k));
  Value sech2 = b.create<arith::SubFOp>(loc, c(1), mul(inner, inner));
  return add(cdf, mul(mul(c(0.5), x), mul(sech2, du)));
}

Value parallelGeneric(OpBuilder &b, Location loc, Value init, ValueRange inputs,
                      ArrayRef<AffineMap> inputMaps, ScalarFn body) {
  auto type = cast<RankedTensorType>(init.getType());
  SmallVector<AffineMap> maps(inputMaps);
  maps.push_back(b.getMultiDimIdentityMap(type.getRank()));
  SmallVector<utils::IteratorType> iters(type.getRank(),
                                         utils::IteratorType::parallel);
  auto generic = b.create<linalg::GenericOp>(
      loc, TypeRange{type}, inputs, ValueRange{init}, maps, iters,
      [&](OpBuilder &nb, Location nloc, ValueRange args) {
        nb.create<linalg::YieldOp>(nloc, body(nb, nloc, args));
      });
  return generic.getResult(0);
}

AffineMap broadcastMap(MLIRContext *ctx, ArrayRef<int64_t> in,
                       ArrayRef<int64_t> out) {
  int64_t offset = out.size() - in.size();
  SmallVector<AffineExpr> exprs;
  for (auto [i, size] : llvm::enumerate(in)) {
    int64_t o = offset + i;
    if (size == 1 && out[o] != 1)
      exprs.push_back(getAffineConstantExpr(0, ctx));
    else
      exprs.push_back(getAffineDimExpr(o, ctx));
  }
  return AffineMap::get(out.size(), 0, exprs, ctx);
}

Value broadcastElementwise(OpBuilder &b, Location loc,
                           RankedTensorType resultType, ValueRange inputs,
                           ScalarFn body) {
  int64_t rank = resultType.getRank();
  SmallVector<Value> dynamic;
  for (int64_t r = 0; r < rank; ++r) {
    if (!resultType.isDynamicDim(r))
      continue;
    Value size;
    for (Value in : inputs) {
      auto t = cast<RankedTensorType>(in.getType());
      int64_t d = r - (rank - t.getRank());
      if (d >= 0 && t.isDynamicDim(d)) {
        size = b.create<tensor::DimOp>(loc, in, d);
        break;
      }
    }
    dynamic.push_back(size);
  }
  Value init = b.create<tensor::EmptyOp>(loc, resultType, dynamic);
  SmallVector<AffineMap> maps;
  for (Value in : inputs)
    maps.push_back(broadcastMap(b.getContext(),
                                cast<RankedTensorType>(in.getType()).getShape(),
                                resultType.getShape()));
  return parallelGeneric(b, loc, init, inputs, maps, body);
}

Value unaryElementwise(OpBuilder &b, Location loc, Value input, ScalarFn body) {
  auto type = cast<RankedTensorType>(input.getType());
  return broadcastElementwise(b, loc, type, input, body);
}

/// The output map of a reduction over `axes` of a rank-`rank` loop nest.
static AffineMap reducedMap(MLIRContext *ctx, int64_t rank,
                            ArrayRef<int64_t> axes, bool keepdim) {
  SmallVector<AffineExpr> exprs;
  for (int64_t d = 0; d < rank; ++d) {
    if (!llvm::is_contained(axes, d))
      exprs.push_back(getAffineDimExpr(d, ctx));
    else if (keepdim)
      exprs.push_back(getAffineConstantExpr(0, ctx));
  }
  return AffineMap::get(rank, 0, exprs, ctx);
}

/// An empty tensor with `input`'s sizes minus (or set to 1 on) `axes`.
static Value reducedEmpty(OpBuilder &b, Location loc, Value input,
                          ArrayRef<int64_t> axes, bool keepdim) {
  SmallVector<OpFoldResult> sizes;
  for (auto [d, size] : llvm::enumerate(getSizes(b, loc, input))) {
    if (!llvm::is_contained(axes, (int64_t)d))
      sizes.push_back(size);
    else if (keepdim)
      sizes.push_back(b.getIndexAttr(1));
  }
  return b.create<tensor::EmptyOp>(loc, sizes, b.getF32Type());
}

Value reduce(OpBuilder &b, Location loc, Value input, ArrayRef<int64_t> axes,
             bool keepdim, double init, ScalarFn combine) {
  int64_t rank = cast<RankedTensorType>(input.getType()).getRank();
  Value acc = fill(b, loc, reducedEmpty(b, loc, input, axes, keepdim), init);
  SmallVector<AffineMap> maps = {
      b.getMultiDimIdentityMap(rank),
      reducedMap(b.getContext(), rank, axes, keepdim)};
  SmallVector<utils::IteratorType> iters;
  for (int64_t d = 0; d < rank; ++d)
    iters.push_back(llvm::is_contained(axes, d)
                        ? utils::IteratorType::reduction
                        : utils::IteratorType::parallel);
  auto generic = b.create<linalg::GenericOp>(
      loc, TypeRange{acc.getType()}, ValueRange{input}, ValueRange{acc}, maps,
      iters, [&](OpBuilder &nb, Location nloc, ValueRange args) {
        nb.create<linalg::YieldOp>(nloc, combine(nb, nloc, args));
      });
  return generic.getResult(0);
}

Value countF32(OpBuilder &b, Location loc, Value input,
               ArrayRef<int64_t> axes) {
  SmallVector<OpFoldResult> sizes = getSizes(b, loc, input);
  Value count = indexConst(b, loc, 1);
  for (int64_t axis : axes)
    count = b.create<arith::MulIOp>(
        loc, count, getValueOrCreateConstantIndexOp(b, loc, sizes[axis]));
  Value i64 = b.create<arith::IndexCastOp>(loc, b.getI64Type(), count);
  return b.create<arith::SIToFPOp>(loc, b.getF32Type(), i64);
}

Value transpose(OpBuilder &b, Location loc, Value input,
                ArrayRef<int64_t> perm) {
  SmallVector<OpFoldResult> sizes = getSizes(b, loc, input), permuted;
  for (int64_t p : perm)
    permuted.push_back(sizes[p]);
  Value init = b.create<tensor::EmptyOp>(loc, permuted, b.getF32Type());
  return b.create<linalg::TransposeOp>(loc, input, init, perm).getResult()[0];
}

/// `ProductOp` (a linalg matmul) of `lhs` and `rhs` into a zero-filled
/// accumulator of `sizes`.
template <typename ProductOp>
static Value product(OpBuilder &b, Location loc, Value lhs, Value rhs,
                     ArrayRef<OpFoldResult> sizes) {
  Value init =
      fill(b, loc, b.create<tensor::EmptyOp>(loc, sizes, b.getF32Type()), 0);
  return b
      .create<ProductOp>(loc, TypeRange{init.getType()}, ValueRange{lhs, rhs},
                         ValueRange{init})
      .getResult(0);
}

Value matmul(OpBuilder &b, Location loc, Value lhs, Value rhs) {
  return product<linalg::MatmulOp>(
      b, loc, lhs, rhs, {getSizes(b, loc, lhs)[0], getSizes(b, loc, rhs)[1]});
}

Value batchMatmul(OpBuilder &b, Location loc, Value lhs, Value rhs) {
  SmallVector<OpFoldResult> l = getSizes(b, loc, lhs),
                            r = getSizes(b, loc, rhs);
  return product<linalg::BatchMatmulOp>(b, loc, lhs, rhs, {l[0], l[1], r[2]});
}

Value sliceDim(OpBuilder &b, Location loc, Value input, int64_t dim,
               int64_t offset, int64_t size) {
  SmallVector<OpFoldResult> sizes = getSizes(b, loc, input);
  SmallVector<OpFoldResult> offsets(sizes.size(), b.getIndexAttr(0));
  SmallVector<OpFoldResult> strides(sizes.size(), b.getIndexAttr(1));
  offsets[dim] = b.getIndexAttr(offset);
  sizes[dim] = b.getIndexAttr(size);
  return b.create<tensor::ExtractSliceOp>(loc, input, offsets, sizes, strides);
}

Value insertDim(OpBuilder &b, Location loc, Value src, Value dest, int64_t dim,
                int64_t offset) {
  SmallVector<OpFoldResult> sizes = getSizes(b, loc, src);
  SmallVector<OpFoldResult> offsets(sizes.size(), b.getIndexAttr(0));
  SmallVector<OpFoldResult> strides(sizes.size(), b.getIndexAttr(1));
  offsets[dim] = b.getIndexAttr(offset);
  return b.create<tensor::InsertSliceOp>(loc, src, dest, offsets, sizes,
                                         strides);
}

Value stepSlice(OpBuilder &b, Location l, Value seq, Value t, int64_t col,
                int64_t width, Value batch) {
  auto type =
      RankedTensorType::get({ShapedType::kDynamic, width}, b.getF32Type());
  SmallVector<OpFoldResult> offsets = {b.getIndexAttr(0), t,
                                       b.getIndexAttr(col)};
  SmallVector<OpFoldResult> sizes = {batch, b.getIndexAttr(1),
                                     b.getIndexAttr(width)};
  SmallVector<OpFoldResult> strides(3, b.getIndexAttr(1));
  return b.create<tensor::ExtractSliceOp>(l, type, seq, offsets, sizes,
                                          strides);
}

Value insertStep(OpBuilder &b, Location l, Value src, Value seq, Value t,
                 int64_t col, Value batch) {
  int64_t width = cast<RankedTensorType>(src.getType()).getDimSize(1);
  SmallVector<OpFoldResult> offsets = {b.getIndexAttr(0), t,
                                       b.getIndexAttr(col)};
  SmallVector<OpFoldResult> sizes = {batch, b.getIndexAttr(1),
                                     b.getIndexAttr(width)};
  SmallVector<OpFoldResult> strides(3, b.getIndexAttr(1));
  return b.create<tensor::InsertSliceOp>(l, src, seq, offsets, sizes, strides);
}

Value collapseDims(OpBuilder &b, Location loc, Value input, int64_t first,
                   int64_t count) {
  int64_t rank = cast<RankedTensorType>(input.getType()).getRank();
  SmallVector<ReassociationIndices> groups;
  for (int64_t d = 0; d < rank;) {
    ReassociationIndices group;
    int64_t n = d == first ? count : 1;
    for (int64_t k = 0; k < n; ++k)
      group.push_back(d + k);
    groups.push_back(group);
    d += n;
  }
  return b.create<tensor::CollapseShapeOp>(loc, input, groups);
}

Value expandDim(OpBuilder &b, Location loc, Value input, int64_t dim,
                ArrayRef<int64_t> sizes) {
  auto type = cast<RankedTensorType>(input.getType());
  SmallVector<int64_t> shape;
  SmallVector<ReassociationIndices> groups;
  SmallVector<OpFoldResult> outSizes;
  SmallVector<OpFoldResult> inSizes = getSizes(b, loc, input);
  int64_t next = 0;
  for (int64_t d = 0; d < type.getRank(); ++d) {
    ReassociationIndices group;
    if (d != dim) {
      group.push_back(next++);
      shape.push_back(type.getDimSize(d));
      outSizes.push_back(inSizes[d]);
    } else {
      int64_t known = 1;
      for (int64_t s : sizes)
        if (!ShapedType::isDynamic(s))
          known *= s;
      for (int64_t s : sizes) {
        group.push_back(next++);
        shape.push_back(s);
        if (!ShapedType::isDynamic(s)) {
          outSizes.push_back(b.getIndexAttr(s));
          continue;
        }
        Value total = getValueOrCreateConstantIndexOp(b, loc, inSizes[d]);
        outSizes.push_back(
            b.create<arith::DivUIOp>(loc, total, indexConst(b, loc, known))
                .getResult());
      }
    }
    groups.push_back(group);
  }
  auto resultType = RankedTensorType::get(shape, type.getElementType());
  return b.create<tensor::ExpandShapeOp>(loc, resultType, input, groups,
                                         outSizes);
}

Value reshape(OpBuilder &b, Location loc, Value input, RankedTensorType type) {
  auto inType = cast<RankedTensorType>(input.getType());
  if (inType == type)
    return input;
  Value flat = input;
  if (inType.getRank() > 1)
    flat = collapseDims(b, loc, input, 0, inType.getRank());
  Value result = flat;
  auto flatType = cast<RankedTensorType>(flat.getType());
  if (flatType.getRank() == 0 && type.getRank() > 0 && type.hasStaticShape() &&
      type.getNumElements() == 1) {
    // A scalar to [1, ..., 1]: expand with no reassociation groups.
    return b.create<tensor::ExpandShapeOp>(loc, type, flat,
                                           ArrayRef<ReassociationIndices>{});
  }
  if (flatType.getRank() > 0 && type.getRank() == 0) {
    // [1, ..., 1] to a scalar: collapse every dimension away.
    return b.create<tensor::CollapseShapeOp>(loc, type, flat,
                                             ArrayRef<ReassociationIndices>{});
  }
  if (type.getRank() > 1)
    result = expandDim(b, loc, flat, 0, type.getShape());
  if (result.getType() != type)
    result = b.create<tensor::CastOp>(loc, type, result);
  return result;
}

Value dense(OpBuilder &b, Location loc, Value input, Value weight, Value bias) {
  auto inType = cast<RankedTensorType>(input.getType());
  int64_t rank = inType.getRank();
  Value x = rank > 2 ? collapseDims(b, loc, input, 0, rank - 1) : input;
  Value wT = transpose(b, loc, weight, {1, 0});
  Value y = matmul(b, loc, x, wT);
  if (bias) {
    MLIRContext *ctx = b.getContext();
    AffineMap id = b.getMultiDimIdentityMap(2);
    AffineMap col = AffineMap::get(2, 0, getAffineDimExpr(1, ctx));
    Value init =
        b.create<tensor::EmptyOp>(loc, getSizes(b, loc, y), b.getF32Type());
    y = parallelGeneric(b, loc, init, {y, bias}, {id, col},
                        [](OpBuilder &nb, Location nloc, ValueRange a) {
                          return nb.create<arith::AddFOp>(nloc, a[0], a[1]);
                        });
  }
  if (rank > 2)
    y = expandDim(b, loc, y, 0, inType.getShape().drop_back());
  return y;
}

Value softmax(OpBuilder &b, Location loc, Value input, int64_t axis,
              bool logarithm) {
  MLIRContext *ctx = b.getContext();
  int64_t rank = cast<RankedTensorType>(input.getType()).getRank();
  Value max = reduce(b, loc, input, axis, /*keepdim=*/false,
                     -std::numeric_limits<double>::infinity(),
                     [](OpBuilder &nb, Location nloc, ValueRange a) {
                       return nb.create<arith::MaximumFOp>(nloc, a[0], a[1]);
                     });
  AffineMap id = b.getMultiDimIdentityMap(rank);
  AffineMap dropped = reducedMap(ctx, rank, axis, false);
  if (logarithm) {
    // x - max - log(sum_axis exp(x - max)), the logarithm once per row.
    Value acc = fill(b, loc, reducedEmpty(b, loc, input, axis, false), 0);
    SmallVector<utils::IteratorType> iters(rank, utils::IteratorType::parallel);
    iters[axis] = utils::IteratorType::reduction;
    Value sum =
        b.create<linalg::GenericOp>(
             loc, TypeRange{acc.getType()}, ValueRange{input, max},
             ValueRange{acc}, ArrayRef<AffineMap>{id, dropped, dropped}, iters,
             [](OpBuilder &nb, Location nloc, ValueRange a) {
               Value e = nb.create<math::ExpOp>(
                   nloc, nb.create<arith::SubFOp>(nloc, a[0], a[1]));
               nb.create<linalg::YieldOp>(
                   nloc, nb.create<arith::AddFOp>(nloc, e, a[2]).getResult());
             })
            .getResult(0);
    Value logSum = unaryElementwise(
        b, loc, sum, [](OpBuilder &nb, Location nloc, ValueRange a) -> Value {
          return nb.create<math::LogOp>(nloc, a[0]);
        });
    Value init =
        b.create<tensor::EmptyOp>(loc, getSizes(b, loc, input), b.getF32Type());
    return parallelGeneric(
        b, loc, init, {input, max, logSum}, {id, dropped, dropped},
        [](OpBuilder &nb, Location nloc, ValueRange a) -> Value {
          return nb.create<arith::SubFOp>(
              nloc, nb.create<arith::SubFOp>(nloc, a[0], a[1]), a[2]);
        });
  }
  // e = exp(x - max) once per element, kept (it has two readers, so
  // elementwise fusion does not recompute it in each); its sum per row;
  // then e * (1 / sum), the reciprocal once per row.
  Value e = parallelGeneric(
      b, loc,
      b.create<tensor::EmptyOp>(loc, getSizes(b, loc, input), b.getF32Type()),
      {input, max}, {id, dropped},
      [](OpBuilder &nb, Location nloc, ValueRange a) -> Value {
        return nb.create<math::ExpOp>(
            nloc, nb.create<arith::SubFOp>(nloc, a[0], a[1]));
      });
  Value sum = reduce(b, loc, e, axis, /*keepdim=*/false, 0,
                     [](OpBuilder &nb, Location nloc, ValueRange a) {
                       return nb.create<arith::AddFOp>(nloc, a[0], a[1]);
                     });
  Value inverse = unaryElementwise(
      b, loc, sum, [](OpBuilder &nb, Location nloc, ValueRange a) -> Value {
        return nb.create<arith::DivFOp>(nloc, f32Const(nb, nloc, 1.0), a[0]);
      });
  Value out =
      b.create<tensor::EmptyOp>(loc, getSizes(b, loc, input), b.getF32Type());
  return parallelGeneric(
      b, loc, out, {e, inverse}, {id, dropped},
      [](OpBuilder &nb, Location nloc, ValueRange a) -> Value {
        return nb.create<arith::MulFOp>(nloc, a[0], a[1]);
      });
}

Value padSpatial(OpBuilder &b, Location loc, Value input, ArrayRef<int64_t> pad,
                 double value) {
  if (llvm::all_of(pad, [](int64_t p) { return p == 0; }))
    return input;
  auto type = cast<RankedTensorType>(input.getType());
  int64_t h = type.getDimSize(2), w = type.getDimSize(3);
  SmallVector<OpFoldResult> padded = getSizes(b, loc, input);
  padded[2] = b.getIndexAttr(h + pad[0] + pad[2]);
  padded[3] = b.getIndexAttr(w + pad[1] + pad[3]);
  Value init = b.create<tensor::EmptyOp>(loc, padded, type.getElementType());
  // out[n, c, i, j] = in-bounds ? input[n, c, i - top, j - left] : value,
  // the read index clamped so it never leaves the input.
  return parallelGeneric(
      b, loc, init, {}, {}, [&](OpBuilder &nb, Location l, ValueRange) {
        Value inBounds;
        SmallVector<Value> idx = {nb.create<linalg::IndexOp>(l, 0),
                                  nb.create<linalg::IndexOp>(l, 1)};
        for (auto [d, low, size] :
             {std::tuple<int64_t, int64_t, int64_t>{2, pad[0], h},
              {3, pad[1], w}}) {
          Value i = nb.create<arith::SubIOp>(
              l, nb.create<linalg::IndexOp>(l, d), indexConst(nb, l, low));
          Value ok = nb.create<arith::AndIOp>(
              l,
              nb.create<arith::CmpIOp>(l, arith::CmpIPredicate::sge, i,
                                       indexConst(nb, l, 0)),
              nb.create<arith::CmpIOp>(l, arith::CmpIPredicate::slt, i,
                                       indexConst(nb, l, size)));
          inBounds = inBounds
                         ? nb.create<arith::AndIOp>(l, inBounds, ok).getResult()
                         : ok;
          Value clamped = nb.create<arith::MinSIOp>(
              l, nb.create<arith::MaxSIOp>(l, i, indexConst(nb, l, 0)),
              indexConst(nb, l, size - 1));
          idx.push_back(clamped);
        }
        Value read = nb.create<tensor::ExtractOp>(l, input, idx);
        return nb.create<arith::SelectOp>(l, inBounds, read,
                                          f32Const(nb, l, value));
      });
}

/// MurmurHash3's 32-bit finaliser on an i32 value.
static Value fmix32(OpBuilder &b, Location loc, Value h) {
  auto c = [&](uint32_t v) -> Value {
    return b.create<arith::ConstantOp>(loc, b.getI32IntegerAttr(v));
  };
  auto xorShift = [&](Value x, uint32_t s) -> Value {
    return b.create<arith::XOrIOp>(loc, x,
                                   b.create<arith::ShRUIOp>(loc, x, c(s)));
  };
  h = xorShift(h, 16);
  h = b.create<arith::MulIOp>(loc, h, c(0x85EBCA6Bu));
  h = xorShift(h, 13);
  h = b.create<arith::MulIOp>(loc, h, c(0xC2B2AE35u));
  return xorShift(h, 16);
}

Value dropoutKeep(OpBuilder &b, Location loc, Value seed, Value flatIndex,
                  double p) {
  Type i32 = b.getI32Type();
  auto c32 = [&](uint32_t v) -> Value {
    return b.create<arith::ConstantOp>(loc, b.getI32IntegerAttr(v));
  };
  auto halves = [&](Value v) -> std::pair<Value, Value> {
    Value lo = b.create<arith::TruncIOp>(loc, i32, v);
    Value shifted = b.create<arith::ShRUIOp>(
        loc, v, b.create<arith::ConstantOp>(loc, b.getI64IntegerAttr(32)));
    return {lo, b.create<arith::TruncIOp>(loc, i32, shifted)};
  };
  auto [seedLo, seedHi] = halves(seed);
  auto [idxLo, idxHi] = halves(flatIndex);
  // key = fmix32(seed_lo ^ fmix32(seed_hi + 0x9E3779B9))
  Value key = fmix32(
      b, loc,
      b.create<arith::XOrIOp>(
          loc, seedLo,
          fmix32(b, loc,
                 b.create<arith::AddIOp>(loc, seedHi, c32(0x9E3779B9u)))));
  // h = fmix32((idx_lo * 0xCC9E2D51) ^ key);
  // h = fmix32(h ^ (idx_hi + 0x1B873593))
  Value h = fmix32(
      b, loc,
      b.create<arith::XOrIOp>(
          loc, b.create<arith::MulIOp>(loc, idxLo, c32(0xCC9E2D51u)), key));
  h = fmix32(
      b, loc,
      b.create<arith::XOrIOp>(
          loc, h, b.create<arith::AddIOp>(loc, idxHi, c32(0x1B873593u))));
  // keep when (h >> 8) / 2^24 >= p, i.e. (h >> 8) >= ceil(p * 2^24).
  auto threshold = static_cast<uint32_t>(std::ceil(p * 16777216.0));
  Value u24 = b.create<arith::ShRUIOp>(loc, h, c32(8));
  return b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::uge, u24,
                                 c32(threshold));
}

Value flatIndex(OpBuilder &b, Location loc, ArrayRef<OpFoldResult> sizes) {
  Value flat = indexConst(b, loc, 0);
  for (auto [d, size] : llvm::enumerate(sizes)) {
    Value idx = b.create<linalg::IndexOp>(loc, d);
    flat = b.create<arith::MulIOp>(
        loc, flat, getValueOrCreateConstantIndexOp(b, loc, size));
    flat = b.create<arith::AddIOp>(loc, flat, idx);
  }
  return b.create<arith::IndexCastOp>(loc, b.getI64Type(), flat);
}

/// `lo <= v < hi` on index values.
Value inRange(OpBuilder &b, Location l, Value v, int64_t lo, int64_t hi) {
  return b.create<arith::AndIOp>(
      l,
      b.create<arith::CmpIOp>(l, arith::CmpIPredicate::sge, v,
                              indexConst(b, l, lo)),
      b.create<arith::CmpIOp>(l, arith::CmpIPredicate::slt, v,
                              indexConst(b, l, hi)));
}

/// `v` clamped to [0, size).
Value clampIndex(OpBuilder &b, Location l, Value v, int64_t size) {
  return b.create<arith::MinSIOp>(
      l, b.create<arith::MaxSIOp>(l, v, indexConst(b, l, 0)),
      indexConst(b, l, size - 1));
}

/// The output position along one spatial dim whose window puts tap `k` on
/// input cell `i`: `(i + padLow - k) / stride`, valid when that is an exact
/// division landing in [0, outSize). Returns {valid, clamped position}.
std::pair<Value, Value> windowOf(OpBuilder &b, Location l, Value i, Value k,
                                 int64_t padLow, int64_t stride,
                                 int64_t outSize) {
  Value num = b.create<arith::SubIOp>(
      l, b.create<arith::AddIOp>(l, i, indexConst(b, l, padLow)), k);
  Value s = indexConst(b, l, stride);
  Value exact = b.create<arith::CmpIOp>(l, arith::CmpIPredicate::eq,
                                        b.create<arith::RemSIOp>(l, num, s),
                                        indexConst(b, l, 0));
  Value pos = b.create<arith::DivSIOp>(l, num, s);
  Value valid = b.create<arith::AndIOp>(
      l, exact,
      b.create<arith::AndIOp>(l,
                              b.create<arith::CmpIOp>(l,
                                                      arith::CmpIPredicate::sge,
                                                      num, indexConst(b, l, 0)),
                              inRange(b, l, pos, 0, outSize)));
  return {valid, clampIndex(b, l, pos, outSize)};
}

/// The number of real cells of the window starting at output index `out`
/// along one spatial dim of size `size`.
Value windowCount(OpBuilder &b, Location loc, Value out, int64_t stride,
                  int64_t padLow, int64_t kernel, int64_t size) {
  Value start = b.create<arith::SubIOp>(
      loc, b.create<arith::MulIOp>(loc, out, indexConst(b, loc, stride)),
      indexConst(b, loc, padLow));
  Value end = b.create<arith::AddIOp>(loc, start, indexConst(b, loc, kernel));
  Value lo = b.create<arith::MaxSIOp>(loc, start, indexConst(b, loc, 0));
  Value hi = b.create<arith::MinSIOp>(loc, end, indexConst(b, loc, size));
  return b.create<arith::SubIOp>(loc, hi, lo);
}

Value tableRow(OpBuilder &b, Location loc, Value id, int64_t vocab,
               bool fromEnd) {
  auto i32 = [&](int64_t v) -> Value {
    return b.create<arith::ConstantOp>(loc, b.getI32IntegerAttr(v));
  };
  if (fromEnd) {
    Value negative =
        b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::slt, id, i32(0));
    id = b.create<arith::SelectOp>(
        loc, negative, b.create<arith::AddIOp>(loc, id, i32(vocab)), id);
  }
  id = b.create<arith::MinSIOp>(loc, b.create<arith::MaxSIOp>(loc, id, i32(0)),
                                i32(vocab - 1));
  return b.create<arith::IndexCastOp>(loc, b.getIndexType(), id);
}

} // namespace nnc::lowering
