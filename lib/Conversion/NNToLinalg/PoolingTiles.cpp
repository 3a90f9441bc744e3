//===- PoolingTiles.cpp - pooling whose windows tile the image ------------===//
//
// maxpool2d/avgpool2d and their gradients when the windows tile the image
// exactly (kernel == stride, no padding, sizes divisible: `maxpool(2)`).
// The image is viewed as `[N, C, OH, KH, OW, KW]` by a tensor.expand_shape,
// so that every window is a box of that view and each generic below reads
// and writes it through identity or projected maps, with the loops in memory
// order (n, c, oh, i, ow, j):
//
//   y[n, c, oh, ow]      = max (or mean) over (i, j) of x6[n, c, oh, i, ow, j]
//   first[n, c, oh, ow]  = min over (i, j) of (x6 == y ? i * KW + j : KH * KW)
//   dx6[n, c, oh, i, ow, j] = (i * KW + j == first) ? dy[n, c, oh, ow] : 0
//
// (for the mean, dx6 = dy / (KH * KW)). The gradient goes to the window's
// first maximum in row-major order, as PyTorch's does. nnc-vectorize-ops
// reads each row of windows (ow, j) as one contiguous vector. Overlapping or
// padded windows keep the general lowering (Pooling.cpp, GradConv.cpp).
//
//===----------------------------------------------------------------------===//

#include "LoweringUtils.h"

#include <limits>

using namespace mlir;

namespace nnc::lowering {

namespace {

/// The loops (n, c, oh, i, ow, j): i and j reduce when `reduceWindow`.
SmallVector<utils::IteratorType> windowLoops(bool reduceWindow) {
  auto p = utils::IteratorType::parallel;
  auto r = reduceWindow ? utils::IteratorType::reduction : p;
  return {p, p, p, r, p, r};
}

/// (n, c, oh, i, ow, j) -> (n, c, oh, ow): a window's output cell.
AffineMap cellMap(MLIRContext *ctx) {
  auto d = [&](unsigned i) { return getAffineDimExpr(i, ctx); };
  return AffineMap::get(6, 0, {d(0), d(1), d(2), d(4)}, ctx);
}

/// `x [N, C, H, W]` viewed as `[N, C, H / KH, KH, W / KW, KW]`.
Value windowView(OpBuilder &b, Location loc, Value x, ArrayRef<int64_t> k) {
  auto type = cast<RankedTensorType>(x.getType());
  Value rows = expandDim(b, loc, x, 2, {type.getDimSize(2) / k[0], k[0]});
  return expandDim(b, loc, rows, 4, {type.getDimSize(3) / k[1], k[1]});
}

/// The tap number `i * KW + j` of the current iteration, as f32.
Value tapNumber(OpBuilder &b, Location loc, int64_t kw) {
  Value tap = b.create<arith::AddIOp>(
      loc,
      b.create<arith::MulIOp>(loc, b.create<linalg::IndexOp>(loc, 3),
                              indexConst(b, loc, kw)),
      b.create<linalg::IndexOp>(loc, 5));
  return b.create<arith::UIToFPOp>(
      loc, b.getF32Type(),
      b.create<arith::IndexCastOp>(loc, b.getI32Type(), tap));
}

/// Reduces the windows of `view` into a tensor shaped like `like` filled with
/// `init`; `combine(b, loc, {element..., accumulator})`.
Value reduceWindows(OpBuilder &b, Location loc, ValueRange inputs,
                    ArrayRef<AffineMap> inputMaps, Value like, double init,
                    ScalarFn combine) {
  Value acc = fill(
      b, loc,
      b.create<tensor::EmptyOp>(loc, getSizes(b, loc, like), b.getF32Type()),
      init);
  SmallVector<AffineMap> maps(inputMaps);
  maps.push_back(cellMap(b.getContext()));
  return b
      .create<linalg::GenericOp>(
          loc, TypeRange{acc.getType()}, inputs, ValueRange{acc}, maps,
          windowLoops(/*reduceWindow=*/true),
          [&](OpBuilder &nb, Location l, ValueRange a) {
            nb.create<linalg::YieldOp>(l, combine(nb, l, a));
          })
      .getResult(0);
}

} // namespace

bool windowsTileImage(RankedTensorType input, ArrayRef<int64_t> kernel,
                      ArrayRef<int64_t> strides, ArrayRef<int64_t> padding) {
  if (kernel.size() != 2 || strides.size() != 2 || padding.size() != 4 ||
      input.getRank() != 4)
    return false;
  for (int dim = 0; dim < 2; ++dim) {
    int64_t size = input.getDimSize(2 + dim);
    if (kernel[dim] != strides[dim] || kernel[dim] < 1 ||
        ShapedType::isDynamic(size) || size % kernel[dim] != 0)
      return false;
  }
  return llvm::all_of(padding, [](int64_t p) { return p == 0; });
}

Value poolTiles(OpBuilder &b, Location loc, Value x, ArrayRef<int64_t> k,
                bool isMax, RankedTensorType resultType) {
  Value view = windowView(b, loc, x, k);
  Value like = emptyWithBatch(b, loc, resultType, x);
  AffineMap id = b.getMultiDimIdentityMap(6);
  if (isMax)
    return reduceWindows(
        b, loc, view, id, like, -std::numeric_limits<double>::infinity(),
        [](OpBuilder &nb, Location l, ValueRange a) {
          return nb.create<arith::MaximumFOp>(l, a[0], a[1]).getResult();
        });
  Value sum = reduceWindows(
      b, loc, view, id, like, 0, [](OpBuilder &nb, Location l, ValueRange a) {
        return nb.create<arith::AddFOp>(l, a[1], a[0]).getResult();
      });
  Value count = f32Const(b, loc, double(k[0] * k[1]));
  return unaryElementwise(
      b, loc, sum, [&](OpBuilder &nb, Location l, ValueRange a) {
        return nb.create<arith::DivFOp>(l, a[0], count).getResult();
      });
}

Value poolTilesGrad(OpBuilder &b, Location loc, Value x, Value dy,
                    ArrayRef<int64_t> k, bool isMax) {
  MLIRContext *ctx = b.getContext();
  Value view = windowView(b, loc, x, k);
  AffineMap id = b.getMultiDimIdentityMap(6), cell = cellMap(ctx);
  Value first;
  if (isMax) {
    auto yType = cast<RankedTensorType>(dy.getType());
    Value y = poolTiles(b, loc, x, k, /*isMax=*/true, yType);
    double none = double(k[0] * k[1]);
    first = reduceWindows(
        b, loc, ValueRange{view, y}, {id, cell}, dy, none,
        [&](OpBuilder &nb, Location l, ValueRange a) {
          Value isMaxCell = nb.create<arith::CmpFOp>(
              l, arith::CmpFPredicate::OEQ, a[0], a[1]);
          Value tap = nb.create<arith::SelectOp>(
              l, isMaxCell, tapNumber(nb, l, k[1]), f32Const(nb, l, none));
          return nb.create<arith::MinimumFOp>(l, tap, a[2]).getResult();
        });
  }
  Value init =
      b.create<tensor::EmptyOp>(loc, getSizes(b, loc, view), b.getF32Type());
  SmallVector<Value> inputs = {dy};
  SmallVector<AffineMap> maps = {cell};
  if (first) {
    inputs.push_back(first);
    maps.push_back(cell);
  }
  maps.push_back(id);
  double count = double(k[0] * k[1]);
  Value dx6 =
      b.create<linalg::GenericOp>(
           loc, TypeRange{init.getType()}, inputs, ValueRange{init}, maps,
           windowLoops(/*reduceWindow=*/false),
           [&](OpBuilder &nb, Location l, ValueRange a) {
             Value v;
             if (isMax) {
               Value chosen = nb.create<arith::CmpFOp>(
                   l, arith::CmpFPredicate::OEQ, tapNumber(nb, l, k[1]), a[1]);
               v = nb.create<arith::SelectOp>(l, chosen, a[0],
                                              f32Const(nb, l, 0));
             } else {
               v = nb.create<arith::DivFOp>(l, a[0], f32Const(nb, l, count));
             }
             nb.create<linalg::YieldOp>(l, v);
           })
          .getResult(0);
  Value rows = collapseDims(b, loc, dx6, 4, 2);
  return collapseDims(b, loc, rows, 2, 2);
}

} // namespace nnc::lowering
