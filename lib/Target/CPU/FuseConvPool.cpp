//===- FuseConvPool.cpp - a convolution's 2x2 max pooling in its registers ===//
//
// Implements nnc-fuse-conv-pool, on tensors at the start of the CPU
// pipeline: a convolution in its per-image form (ConvPerImage.cpp: an
// `scf.forall` over the images whose body is `w [F, K] x colT [K, OH * OW]`
// accumulating onto the bias, colT the im2col of the padded image) whose
// only use is a 2 x 2 max pooling (PoolingTiles.cpp, with the ReLU folded
// into its initial value, NNFolds.cpp's PoolBeforeRelu) becomes one loop
// nest per image that reads the padded image in place and pools each pair
// of output rows while it is still in registers:
//
//   for f0 in [0, F) step FB, for py in [0, OH / 2):
//     acc[f][r][v] = 0                          (FB x 2 rows x V vectors)
//     for c, kh, kw: acc[f][r][v] += w[f0 + f, (c, kh, kw)]
//                                    * xpad[c, 2 py + r + kh, kw + 16 v ..]
//     y[f0 + f, py, :] = max(init, max(even, odd lanes of
//                                      max(acc[f][0], acc[f][1])) + bias)
//
// Gone are the im2col (LeNet-5's first: 78 KB per image, a fifth of its
// predict step), the product's output (fashion_cnn's first convolution:
// 100 KB per image written to L2 and read back) and the pooling's shuffles
// of every element (six permutes per 16 results; two per row remain). Rows
// of results are read as V = ceil(OW / lanes) whole vectors from the
// image, padded on the right with zero columns where needed, so that no
// read leaves it; the pooling never reads the extra columns. Each sum adds
// the same products in the same order as the product's register tile (from
// zero, the bias after: MatmulForms.cpp), and a maximum is exact, so the
// results are the same bits (up to which NaN, or which zero, a window
// keeps). The register block is FB channels x 2 rows x V vectors, at most
// 24 accumulators. It applies to stride-1 undilated convolutions whose OW
// and OH are even and whose rows fill at least half of their V <= 2
// vectors (a row of 10 in a vector of 16, LeNet-5's second convolution,
// still gains, the lanes it wastes costing less than the im2col it saves),
// or that take the channel form.
//
// When F is a multiple of two vectors and a row leaves lanes unused, the
// vectors run along the channels instead (the channel form): a block is 4
// channel vectors x one window's 4 pixels, or 2 x two windows, each pixel's
// value broadcast from the image, the weights read from w^T [K, F]
// (transposed once per call); a window is pooled elementwise, and the
// pooled vector is written along the channels, a lane at a time, which a
// reduction of at least 64 steps pays for. fashion_cnn's second
// convolution (rows of 14: 12.5% of the lanes idle in the row form, K =
// 288) took the predict step from 7.69 to 7.26 ms. A convolution whose output
// has other uses (training's pooling gradient reads it) is left alone.
//
//===----------------------------------------------------------------------===//

#include "nnc/Target/CPU/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Transforms/RegionUtils.h"

namespace nnc {
#define GEN_PASS_DEF_FUSECONVPOOL
#include "nnc/Target/CPU/Passes.h.inc"
} // namespace nnc

using namespace mlir;

namespace {

/// Accumulators of the register block: 24 of the 32 AVX-512 registers,
/// the rest for a row pair's vectors and a broadcast weight.
constexpr int64_t kAccumulators = 24;

/// A per-image convolution followed by its 2 x 2 max pooling.
struct ConvPool {
  linalg::GenericOp pool;
  tensor::ExpandShapeOp windows;
  scf::ForallOp images;
  linalg::MatmulOp product;
  /// The product's initial value: `linalg.broadcast` of the bias or a fill.
  Operation *start;
  /// The pooling's initial value (0 with a folded ReLU, else -inf).
  FloatAttr floor;
  int64_t f, k, oh, ow;
};

/// The f32 constant `value` is, if it is one.
FloatAttr constantF32(Value value) {
  FloatAttr attr;
  if (!matchPattern(value, m_Constant(&attr)) || !attr.getType().isF32())
    return {};
  return attr;
}

/// The max pooling `[N, F, PH, 2, PW, 2] -> [N, F, PH, PW]` of
/// PoolingTiles.cpp: loops (n, c, oh, i, ow, j) with i and j reduced, the
/// window view read through the identity, a fill as the initial value.
bool isMaxPool2x2(linalg::GenericOp op) {
  using utils::IteratorType;
  auto p = IteratorType::parallel, r = IteratorType::reduction;
  if (op.getNumDpsInputs() != 1 || op.getNumDpsInits() != 1 ||
      !op.hasPureTensorSemantics() ||
      op.getIteratorTypesArray() != SmallVector<IteratorType>{p, p, p, r, p, r})
    return false;
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  MLIRContext *ctx = op.getContext();
  auto d = [&](unsigned i) { return getAffineDimExpr(i, ctx); };
  if (!maps[0].isIdentity() ||
      maps[1] != AffineMap::get(6, 0, {d(0), d(1), d(2), d(4)}, ctx))
    return false;
  auto type = cast<RankedTensorType>(op.getDpsInputs()[0].getType());
  if (type.getDimSize(3) != 2 || type.getDimSize(5) != 2)
    return false;
  Block &body = op.getRegion().front();
  if (body.getOperations().size() != 2)
    return false;
  auto max = dyn_cast<arith::MaximumFOp>(body.front());
  auto yield = cast<linalg::YieldOp>(body.getTerminator());
  if (!max || yield.getOperand(0) != max.getResult())
    return false;
  Value in = body.getArgument(0), out = body.getArgument(1);
  return (max.getLhs() == in && max.getRhs() == out) ||
         (max.getLhs() == out && max.getRhs() == in);
}

/// Whether `columns` is ConvPerImage's im2col of a stride-1, undilated
/// convolution: the collapse `[C * KH * KW, OH * OW]` of a generic over
/// (c, kh, kw, oh, ow) that yields `x[c, oh + kh, ow + kw]`.
bool isUnitStrideWindow(Value columns) {
  auto collapse = columns.getDefiningOp<tensor::CollapseShapeOp>();
  auto window = collapse ? collapse.getSrc().getDefiningOp<linalg::GenericOp>()
                         : linalg::GenericOp();
  if (!window || window.getNumDpsInputs() != 1 ||
      window.getNumDpsInits() != 1 || window.getNumLoops() != 5 ||
      collapse.getReassociationIndices() !=
          SmallVector<ReassociationIndices>{{0, 1, 2}, {3, 4}})
    return false;
  MLIRContext *ctx = window.getContext();
  auto d = [&](unsigned i) { return getAffineDimExpr(i, ctx); };
  SmallVector<AffineMap> maps = window.getIndexingMapsArray();
  Block &body = window.getRegion().front();
  return maps[0] ==
             AffineMap::get(5, 0, {d(0), d(3) + d(1), d(4) + d(2)}, ctx) &&
         maps[1].isIdentity() && body.getOperations().size() == 1 &&
         cast<linalg::YieldOp>(body.getTerminator()).getOperand(0) ==
             body.getArgument(0) &&
         cast<RankedTensorType>(window.getDpsInputs()[0].getType())
             .hasStaticShape();
}

/// The shortest reduction (C * KH * KW) for the channel form.
constexpr int64_t kChannelFormMinK = 64;

/// The channel form's block: `vectors` channel vectors (4 when F divides
/// into 64 channels, else 2) x the 4 pixels of each of `windows` windows
/// side by side (1 or 2: 16 accumulators).
struct ChannelBlock {
  int64_t vectors, windows;
};

/// The channel form's block for `c`, if it applies: F a multiple of 32
/// channels (two vectors of 16), rows that would leave lanes unused in the
/// row form, a reduction of at least kChannelFormMinK steps.
std::optional<ChannelBlock> channelBlockOf(const ConvPool &c, int64_t lanes) {
  // Its pooled vectors are written along the channels, a lane at a time
  // (16 stores per vector): a short reduction (fashion_cnn's first
  // convolution, K = 9) does not pay for them, and the row form's lanes
  // idle cost less (its whole convolution and pooling 8% of the loop over
  // the images in the row form, 12.5% in this one).
  if (c.ow % lanes == 0 || c.k < kChannelFormMinK)
    return std::nullopt;
  if (c.f % (4 * lanes) == 0)
    return ChannelBlock{4, 1};
  if (c.f % (2 * lanes) == 0)
    return ChannelBlock{2, 2};
  return std::nullopt;
}

std::optional<ConvPool> match(linalg::GenericOp pool, int64_t lanes) {
  if (!isMaxPool2x2(pool))
    return std::nullopt;
  auto fill = pool.getDpsInits()[0].getDefiningOp<linalg::FillOp>();
  FloatAttr floor = fill ? constantF32(fill.getInputs()[0]) : FloatAttr();
  auto windows = pool.getDpsInputs()[0].getDefiningOp<tensor::ExpandShapeOp>();
  if (!floor || !windows || !windows->hasOneUse() ||
      windows.getReassociationIndices() !=
          SmallVector<ReassociationIndices>{{0}, {1}, {2, 3, 4, 5}})
    return std::nullopt;
  auto images = windows.getSrc().getDefiningOp<scf::ForallOp>();
  if (!images || images.getRank() != 1 || images->getNumResults() != 1 ||
      !images->getResult(0).hasOneUse())
    return std::nullopt;
  // The body yields one product into image n of the shared output.
  auto inserts = images.getTerminator().getYieldingOps();
  if (!llvm::hasSingleElement(inserts))
    return std::nullopt;
  auto insert = dyn_cast<tensor::ParallelInsertSliceOp>(*inserts.begin());
  auto product = insert ? insert.getSource().getDefiningOp<linalg::MatmulOp>()
                        : linalg::MatmulOp();
  Value shared = images.getRegionIterArgs()[0];
  if (!product || !product->hasOneUse() || insert.getDest() != shared ||
      !images.isDefinedOutsideOfLoop(product.getInputs()[0]) ||
      std::distance(shared.use_begin(), shared.use_end()) != 2)
    return std::nullopt;
  // At image n: offsets (n, 0, 0), the whole image.
  SmallVector<OpFoldResult> at = insert.getMixedOffsets();
  if (at.size() != 3 || dyn_cast<Value>(at[0]) != images.getInductionVar(0) ||
      !isConstantIntValue(at[1], 0) || !isConstantIntValue(at[2], 0))
    return std::nullopt;
  Operation *start = product.getOutputs()[0].getDefiningOp();
  if (!start || !start->hasOneUse())
    return std::nullopt;
  auto outSlice =
      start->getOperands().back().getDefiningOp<tensor::ExtractSliceOp>();
  if (!outSlice || !outSlice->hasOneUse() || outSlice.getSource() != shared)
    return std::nullopt;
  if (auto broadcast = dyn_cast_or_null<linalg::BroadcastOp>(start)) {
    if (broadcast.getDimensions() != ArrayRef<int64_t>{1} ||
        !images.isDefinedOutsideOfLoop(broadcast.getInput()))
      return std::nullopt;
  } else if (auto zero = dyn_cast_or_null<linalg::FillOp>(start)) {
    if (!constantF32(zero.getInputs()[0]))
      return std::nullopt;
  } else {
    return std::nullopt;
  }
  if (!isUnitStrideWindow(product.getInputs()[1]))
    return std::nullopt;
  auto weights = cast<RankedTensorType>(product.getInputs()[0].getType());
  auto result = cast<RankedTensorType>(pool->getResult(0).getType());
  if (!weights.hasStaticShape() || !weights.getElementType().isF32() ||
      result.getRank() != 4 ||
      llvm::any_of(result.getShape().drop_front(), ShapedType::isDynamic) ||
      result.getDimSize(1) != weights.getDimSize(0))
    return std::nullopt;
  ConvPool c{pool,
             windows,
             images,
             product,
             start,
             floor,
             weights.getDimSize(0),
             weights.getDimSize(1),
             2 * result.getDimSize(2),
             2 * result.getDimSize(3)};
  ArrayRef<int64_t> window =
      cast<RankedTensorType>(product.getInputs()[1]
                                 .getDefiningOp<tensor::CollapseShapeOp>()
                                 .getSrc()
                                 .getType())
          .getShape();
  if (window[3] != c.oh || window[4] != c.ow || c.ow % 2 != 0 ||
      c.oh % 2 != 0 || c.ow > 2 * lanes)
    return std::nullopt;
  // The row form needs rows that fill at least half of their vectors; the
  // channel form's vectors run along the channels.
  if (2 * c.ow < ((c.ow + lanes - 1) / lanes) * lanes &&
      !channelBlockOf(c, lanes))
    return std::nullopt;
  return c;
}

/// Channels per register block: the largest of 8, 4, 3, 2, 1 that divides
/// F and keeps 2 rows x `vectors` x FB accumulators within kAccumulators.
int64_t channelBlock(int64_t f, int64_t vectors) {
  for (int64_t fb : {12, 8, 6, 4, 3, 2, 1})
    if (f % fb == 0 && 2 * vectors * fb <= kAccumulators)
      return fb;
  return 1;
}

/// What the two kernels build with: the vector type, constants, and the
/// reduction index of a tap.
struct Emitter {
  Emitter(OpBuilder &b, Location loc, int64_t lanes)
      : loc(loc), vectorType(VectorType::get({lanes}, b.getF32Type())),
        padding(b.create<arith::ConstantOp>(loc, b.getF32FloatAttr(0))),
        nsz(arith::FastMathFlagsAttr::get(b.getContext(),
                                          arith::FastMathFlags::nsz)) {}
  Value index(OpBuilder &b, int64_t v) const {
    return b.create<arith::ConstantIndexOp>(loc, v);
  }
  /// Tap (c, kh, kw)'s column of w [F, C * KH * KW]: (c * KH + kh) * KW + kw.
  Value tap(OpBuilder &b, Value c, Value kh, Value kw,
            ArrayRef<int64_t> taps) const {
    Value row = b.create<arith::AddIOp>(
        loc, b.create<arith::MulIOp>(loc, c, index(b, taps[0])), kh);
    return b.create<arith::AddIOp>(
        loc, b.create<arith::MulIOp>(loc, row, index(b, taps[1])), kw);
  }
  Location loc;
  VectorType vectorType;
  /// 0.0f: transfer reads' padding, a start without bias.
  Value padding;
  arith::FastMathFlagsAttr nsz;
};

/// Builds the pooled image `[F, PH, PW]` into `dest`.
Value buildKernel(OpBuilder &b, Location loc, ConvPool &c, Value weights,
                  Value padded, ArrayRef<int64_t> taps, Value bias, Value zero0,
                  Value dest, int64_t lanes) {
  int64_t vectors = (c.ow + lanes - 1) / lanes;
  int64_t channelsIn = cast<RankedTensorType>(padded.getType()).getDimSize(0);
  int64_t fb = channelBlock(c.f, vectors);
  int64_t pw = c.ow / 2;
  Emitter e(b, loc, lanes);
  auto index = [&](OpBuilder &nb, int64_t v) { return e.index(nb, v); };
  Value zero = index(b, 0), one = index(b, 1);
  VectorType rowType = e.vectorType;
  // A whole vector of results per row, its last lanes masked off by the
  // write: one masked store rather than 8 + 4 + 2 floats.
  SmallVector<int64_t> evens, odds;
  for (int64_t x = 0; x < lanes; ++x) {
    evens.push_back(std::min(2 * x, 2 * lanes - 2));
    odds.push_back(std::min(2 * x + 1, 2 * lanes - 1));
  }

  auto channels = b.create<scf::ForOp>(
      loc, zero, index(b, c.f), index(b, fb), ValueRange{dest},
      [&](OpBuilder &cb, Location, Value f0, ValueRange channelArgs) {
        auto rows = cb.create<scf::ForOp>(
            loc, zero, index(cb, c.oh / 2), one, channelArgs,
            [&](OpBuilder &rb, Location, Value py, ValueRange rowArgs) {
              Value image = rowArgs[0];
              SmallVector<Value> channel;
              for (int64_t f = 0; f < fb; ++f)
                channel.push_back(
                    rb.create<arith::AddIOp>(loc, f0, index(rb, f)));
              // As the product's register tile (MatmulForms.cpp): the sums
              // start at zero (or the fill) and the bias comes after, here
              // after the pooling (max(x + b) = max(x) + b in floating
              // point too, rounding being monotone): a quarter of the adds.
              Value start = bias ? e.padding : zero0;
              SmallVector<Value> init(
                  2 * vectors * fb,
                  rb.create<vector::BroadcastOp>(loc, e.vectorType, start));
              // Tap (c, kh, kw) of output row 2 py + r is image row
              // 2 py + r + kh from column kw: colT's row, read in place.
              Value top = rb.create<arith::MulIOp>(loc, py, index(rb, 2));
              auto inputs = rb.create<scf::ForOp>(
                  loc, zero, index(rb, channelsIn), one, init,
                  [&](OpBuilder &ib, Location, Value ci, ValueRange accIn) {
                    auto rowsLoop = ib.create<scf::ForOp>(
                        loc, zero, index(ib, taps[0]), one, accIn,
                        [&](OpBuilder &hb, Location, Value kh,
                            ValueRange accH) {
                          Value base = hb.create<arith::AddIOp>(loc, top, kh);
                          auto columnsLoop = hb.create<scf::ForOp>(
                              loc, zero, index(hb, taps[1]), one, accH,
                              [&](OpBuilder &kb, Location, Value kw,
                                  ValueRange acc) {
                                SmallVector<Value> in;
                                for (int64_t r = 0; r < 2; ++r) {
                                  Value row = kb.create<arith::AddIOp>(
                                      loc, base, index(kb, r));
                                  for (int64_t v = 0; v < vectors; ++v) {
                                    Value column = kb.create<arith::AddIOp>(
                                        loc, kw, index(kb, v * lanes));
                                    in.push_back(
                                        kb.create<vector::TransferReadOp>(
                                            loc, e.vectorType, padded,
                                            ValueRange{ci, row, column},
                                            e.padding, ArrayRef<bool>{true}));
                                  }
                                }
                                Value k = e.tap(kb, ci, kh, kw, taps);
                                SmallVector<Value> next;
                                for (int64_t f = 0; f < fb; ++f) {
                                  Value w = kb.create<tensor::ExtractOp>(
                                      loc, weights, ValueRange{channel[f], k});
                                  Value ws = kb.create<vector::BroadcastOp>(
                                      loc, e.vectorType, w);
                                  for (int64_t j = 0; j < 2 * vectors; ++j)
                                    next.push_back(kb.create<vector::FMAOp>(
                                        loc, ws, in[j],
                                        acc[f * 2 * vectors + j]));
                                }
                                kb.create<scf::YieldOp>(loc, next);
                              });
                          hb.create<scf::YieldOp>(loc,
                                                  columnsLoop.getResults());
                        });
                    ib.create<scf::YieldOp>(loc, rowsLoop.getResults());
                  });
              Value floor =
                  rb.create<arith::ConstantOp>(
                        loc, DenseElementsAttr::get(
                                 rowType, ArrayRef<Attribute>(c.floor)))
                      .getResult();
              for (int64_t f = 0; f < fb; ++f) {
                ValueRange acc =
                    inputs.getResults().slice(f * 2 * vectors, 2 * vectors);
                SmallVector<Value> pairs;
                for (int64_t v = 0; v < vectors; ++v)
                  pairs.push_back(rb.create<arith::MaximumFOp>(
                      loc, acc[v], acc[vectors + v], e.nsz));
                Value second = vectors == 2 ? pairs[1] : pairs[0];
                Value even =
                    rb.create<vector::ShuffleOp>(loc, pairs[0], second, evens);
                Value odd =
                    rb.create<vector::ShuffleOp>(loc, pairs[0], second, odds);
                Value pooled =
                    rb.create<arith::MaximumFOp>(loc, even, odd, e.nsz);
                if (bias)
                  pooled = rb.create<arith::AddFOp>(
                      loc, pooled,
                      rb.create<vector::BroadcastOp>(
                          loc, e.vectorType,
                          rb.create<tensor::ExtractOp>(loc, bias, channel[f])));
                pooled =
                    rb.create<arith::MaximumFOp>(loc, pooled, floor, e.nsz);
                image =
                    rb.create<vector::TransferWriteOp>(
                          loc, pooled, image, ValueRange{channel[f], py, zero},
                          ArrayRef<bool>{pw == lanes})
                        .getResult();
              }
              rb.create<scf::YieldOp>(loc, image);
            });
        cb.create<scf::YieldOp>(loc, rows.getResults());
      });
  return channels.getResult(0);
}

/// The channel form of the pooled image `[F, PH, PW]` into `dest`: vectors
/// run along the channels (every lane used, where rows of 14 leave 2 of 16
/// lanes idle in the row form); a block is `cb.vectors` channel vectors x
/// the pixels of `cb.windows` windows side by side, the image's value at
/// each pixel broadcast (LLVM shares the broadcasts of the taps that read
/// the same pixel), the weights read from `weightsT [K, F]`; the four pixels
/// of a window are pooled elementwise (no shuffle) and the pooled vector is
/// written along the channels of `dest`. A row's last, partial block has
/// fewer windows.
Value buildChannelKernel(OpBuilder &b, Location loc, ConvPool &c,
                         ChannelBlock cb, Value weightsT, Value padded,
                         ArrayRef<int64_t> taps, Value bias, Value zero0,
                         Value dest, int64_t lanes) {
  int64_t channelsIn = cast<RankedTensorType>(padded.getType()).getDimSize(0);
  int64_t pw = c.ow / 2;
  Emitter e(b, loc, lanes);
  auto index = [&](OpBuilder &nb, int64_t v) { return e.index(nb, v); };
  Value zero = index(b, 0), one = index(b, 1);
  MLIRContext *ctx = b.getContext();
  // Written along dim 0 (the channels) of `dest [F, PH, PW]`.
  AffineMap alongChannels =
      AffineMap::get(3, 0, {getAffineDimExpr(0, ctx)}, ctx);
  Value floor = b.create<arith::ConstantOp>(
      loc, DenseElementsAttr::get(e.vectorType, ArrayRef<Attribute>(c.floor)));

  // `windows` windows from column px0 of pooled row py, written into image.
  auto block = [&](OpBuilder &wb, ArrayRef<Value> channel, Value py, Value px0,
                   int64_t windows, Value image) -> Value {
    int64_t width = 2 * windows; // pixels per row of the block
    Value top = wb.create<arith::MulIOp>(loc, py, index(wb, 2));
    Value left = wb.create<arith::MulIOp>(loc, px0, index(wb, 2));
    Value start = bias ? e.padding : zero0;
    SmallVector<Value> init(
        2 * width * cb.vectors,
        wb.create<vector::BroadcastOp>(loc, e.vectorType, start));
    auto inputs = wb.create<scf::ForOp>(
        loc, zero, index(wb, channelsIn), one, init,
        [&](OpBuilder &ib, Location, Value ci, ValueRange accIn) {
          auto rowsLoop = ib.create<scf::ForOp>(
              loc, zero, index(ib, taps[0]), one, accIn,
              [&](OpBuilder &hb, Location, Value kh, ValueRange accH) {
                Value base = hb.create<arith::AddIOp>(loc, top, kh);
                // The taps of a row unrolled (3 or 5): a loop of 3 steps
                // left its bookkeeping in every 16 multiply-adds.
                SmallVector<Value> acc(accH.begin(), accH.end());
                for (int64_t tap = 0; tap < taps[1]; ++tap) {
                  Value k = e.tap(hb, ci, kh, index(hb, tap), taps);
                  SmallVector<Value> w;
                  for (Value f : channel)
                    w.push_back(hb.create<vector::TransferReadOp>(
                        loc, e.vectorType, weightsT, ValueRange{k, f},
                        e.padding, ArrayRef<bool>{true}));
                  SmallVector<Value> next;
                  for (int64_t q = 0; q < 2 * width; ++q) {
                    Value row = hb.create<arith::AddIOp>(loc, base,
                                                         index(hb, q / width));
                    Value col = hb.create<arith::AddIOp>(
                        loc, left, index(hb, q % width + tap));
                    Value x = hb.create<tensor::ExtractOp>(
                        loc, padded, ValueRange{ci, row, col});
                    Value xs =
                        hb.create<vector::BroadcastOp>(loc, e.vectorType, x);
                    for (int64_t v = 0; v < cb.vectors; ++v)
                      next.push_back(hb.create<vector::FMAOp>(
                          loc, xs, w[v], acc[q * cb.vectors + v]));
                  }
                  acc = next;
                }
                hb.create<scf::YieldOp>(loc, acc);
              });
          ib.create<scf::YieldOp>(loc, rowsLoop.getResults());
        });
    ValueRange acc = inputs.getResults();
    for (int64_t win = 0; win < windows; ++win) {
      Value px = wb.create<arith::AddIOp>(loc, px0, index(wb, win));
      for (int64_t v = 0; v < cb.vectors; ++v) {
        auto at = [&](int64_t r, int64_t s) {
          return acc[(r * width + 2 * win + s) * cb.vectors + v];
        };
        Value upper =
            wb.create<arith::MaximumFOp>(loc, at(0, 0), at(0, 1), e.nsz);
        Value lower =
            wb.create<arith::MaximumFOp>(loc, at(1, 0), at(1, 1), e.nsz);
        Value pooled = wb.create<arith::MaximumFOp>(loc, upper, lower, e.nsz);
        if (bias)
          pooled = wb.create<arith::AddFOp>(
              loc, pooled,
              wb.create<vector::TransferReadOp>(
                  loc, e.vectorType, bias, ValueRange{channel[v]}, e.padding,
                  ArrayRef<bool>{true}));
        pooled = wb.create<arith::MaximumFOp>(loc, pooled, floor, e.nsz);
        image = wb.create<vector::TransferWriteOp>(
                      loc, pooled, image, ValueRange{channel[v], py, px},
                      AffineMapAttr::get(alongChannels),
                      ArrayAttr(wb.getBoolArrayAttr({true})))
                    .getResult();
      }
    }
    return image;
  };

  int64_t full = pw / cb.windows, rest = pw % cb.windows;
  auto channels = b.create<scf::ForOp>(
      loc, zero, index(b, c.f), index(b, cb.vectors * lanes), ValueRange{dest},
      [&](OpBuilder &fb, Location, Value f0, ValueRange channelArgs) {
        SmallVector<Value> channel;
        for (int64_t v = 0; v < cb.vectors; ++v)
          channel.push_back(
              fb.create<arith::AddIOp>(loc, f0, index(fb, v * lanes)));
        auto rows = fb.create<scf::ForOp>(
            loc, zero, index(fb, c.oh / 2), one, channelArgs,
            [&](OpBuilder &rb, Location, Value py, ValueRange rowArgs) {
              auto blocks = rb.create<scf::ForOp>(
                  loc, zero, index(rb, full), one, rowArgs,
                  [&](OpBuilder &wb, Location, Value i, ValueRange args) {
                    Value px0 =
                        wb.create<arith::MulIOp>(loc, i, index(wb, cb.windows));
                    wb.create<scf::YieldOp>(
                        loc, block(wb, channel, py, px0, cb.windows, args[0]));
                  });
              Value image = blocks.getResult(0);
              if (rest)
                image = block(rb, channel, py, index(rb, full * cb.windows),
                              rest, image);
              rb.create<scf::YieldOp>(loc, image);
            });
        fb.create<scf::YieldOp>(loc, rows.getResults());
      });
  return channels.getResult(0);
}

/// The padded image the im2col of the per-image body (`colT`, the collapse
/// of a window generic over (c, kh, kw, oh, ow)) reads, with zero columns
/// on the right up to `rowStride + KW - 1`: the register block reads each
/// tap's row segment `[kw, kw + rowStride)` there, whole vectors of every
/// output row (the last columns of which the pooling never reads). The
/// im2col itself is left unused.
Value widenImage(OpBuilder &b, Location loc, Value columns, int64_t rowStride,
                 SmallVector<int64_t> &taps) {
  auto collapse = columns.getDefiningOp<tensor::CollapseShapeOp>();
  auto window = collapse.getSrc().getDefiningOp<linalg::GenericOp>();
  Value source = window.getDpsInputs()[0];
  auto sourceType = cast<RankedTensorType>(source.getType());
  ArrayRef<int64_t> shape =
      cast<RankedTensorType>(window->getResult(0).getType()).getShape();
  taps = {shape[1], shape[2]};
  int64_t width = rowStride + shape[2] - 1;
  if (width <= sourceType.getDimSize(2))
    return source;
  SmallVector<int64_t> wide = {sourceType.getDimSize(0),
                               sourceType.getDimSize(1), width};
  Value zero = b.create<arith::ConstantOp>(loc, b.getF32FloatAttr(0));
  Value padded =
      b.create<linalg::FillOp>(
           loc, zero,
           b.create<tensor::EmptyOp>(loc, wide, b.getF32Type()).getResult())
          .getResult(0);
  // The image padded by ConvPerImage (inserted into zeros) goes straight
  // into the wider zeros: one fill and one copy per image, not two.
  auto inserted = source.getDefiningOp<tensor::InsertSliceOp>();
  auto zeroed = inserted ? inserted.getDest().getDefiningOp<linalg::FillOp>()
                         : linalg::FillOp();
  FloatAttr value = zeroed ? constantF32(zeroed.getInputs()[0]) : FloatAttr();
  if (value && value.getValue().isPosZero())
    return b.create<tensor::InsertSliceOp>(
        loc, inserted.getSource(), padded, inserted.getMixedOffsets(),
        inserted.getMixedSizes(), inserted.getMixedStrides());
  SmallVector<OpFoldResult> zeros(3, b.getIndexAttr(0)),
      ones(3, b.getIndexAttr(1));
  return b.create<tensor::InsertSliceOp>(
      loc, source, padded, zeros,
      getAsIndexOpFoldResult(b.getContext(), sourceType.getShape()), ones);
}

void rewrite(ConvPool c, int64_t lanes) {
  OpBuilder b(c.pool);
  Location loc = c.images.getLoc();
  // Every element is written: the pooling's fill is not needed.
  auto fill = c.pool.getDpsInits()[0].getDefiningOp<linalg::FillOp>();
  auto pooledType = cast<RankedTensorType>(fill.getResult(0).getType());
  Value pooledInit = b.create<tensor::EmptyOp>(
      loc, tensor::getMixedSizes(b, loc, fill.getOutputs()[0]),
      pooledType.getElementType());
  auto images = b.create<scf::ForallOp>(
      loc, c.images.getMixedLowerBound(), c.images.getMixedUpperBound(),
      c.images.getMixedStep(), ValueRange{pooledInit},
      /*mapping=*/std::nullopt);
  OpBuilder nb = OpBuilder::atBlockBegin(images.getBody());
  IRMapping map;
  map.map(c.images.getInductionVar(0), images.getInductionVar(0));
  // The body but the product, its initial value and the output's slice.
  Operation *outSlice =
      c.start->getOperand(c.start->getNumOperands() - 1).getDefiningOp();
  for (Operation &op : c.images.getBody()->without_terminator()) {
    if (&op == c.product.getOperation() || &op == c.start || &op == outSlice)
      continue;
    nb.clone(op, map);
  }
  Value weights = map.lookupOrDefault(c.product.getInputs()[0]);
  std::optional<ChannelBlock> channelForm = channelBlockOf(c, lanes);
  // The channel form's broadcasts stay inside the image: no wider padding.
  int64_t rowStride = channelForm ? 1 : ((c.ow + lanes - 1) / lanes) * lanes;
  SmallVector<int64_t> taps;
  Value columns = map.lookupOrDefault(c.product.getInputs()[1]);
  Value image = widenImage(nb, loc, columns, rowStride, taps);
  Value bias, start;
  if (auto broadcast = dyn_cast<linalg::BroadcastOp>(c.start))
    bias = map.lookupOrDefault(broadcast.getInput());
  else
    start = map.lookupOrDefault(cast<linalg::FillOp>(c.start).getInputs()[0]);
  Value n = images.getInductionVar(0);
  Value shared = images.getRegionIterArgs()[0];
  auto imageType = RankedTensorType::get(pooledType.getShape().drop_front(),
                                         pooledType.getElementType());
  auto attr = [&](int64_t v) -> OpFoldResult { return nb.getIndexAttr(v); };
  SmallVector<OpFoldResult> offsets = {n, attr(0), attr(0), attr(0)};
  SmallVector<OpFoldResult> sizes = {attr(1)};
  for (int64_t s : imageType.getShape())
    sizes.push_back(attr(s));
  SmallVector<OpFoldResult> strides(4, attr(1));
  Value dest = nb.create<tensor::ExtractSliceOp>(loc, imageType, shared,
                                                 offsets, sizes, strides);
  Value pooled;
  if (channelForm) {
    // w^T [K, F], once per call, before the loop over the images.
    OpBuilder outside(images);
    auto type = cast<RankedTensorType>(c.product.getInputs()[0].getType());
    Value empty = outside.create<tensor::EmptyOp>(
        loc, ArrayRef<int64_t>{type.getDimSize(1), type.getDimSize(0)},
        type.getElementType());
    Value weightsT =
        outside
            .create<linalg::TransposeOp>(loc, c.product.getInputs()[0], empty,
                                         ArrayRef<int64_t>{1, 0})
            ->getResult(0);
    pooled = buildChannelKernel(nb, loc, c, *channelForm, weightsT, image, taps,
                                bias, start, dest, lanes);
  } else {
    pooled =
        buildKernel(nb, loc, c, weights, image, taps, bias, start, dest, lanes);
  }
  nb.setInsertionPointToStart(images.getTerminator().getBody());
  nb.create<tensor::ParallelInsertSliceOp>(loc, pooled, shared, offsets, sizes,
                                           strides);
  // The cloned im2col is read no more.
  SmallVector<Operation *> body;
  for (Operation &op : images.getBody()->without_terminator())
    body.push_back(&op);
  for (Operation *op : llvm::reverse(body))
    if (isOpTriviallyDead(op))
      op->erase();
  c.pool->getResult(0).replaceAllUsesWith(images.getResult(0));
  c.pool->erase();
  c.windows->erase();
  Operation *sharedInit = c.images.getOutputs()[0].getDefiningOp();
  c.images->erase();
  for (Operation *op : {fill.getOperation(), sharedInit})
    if (op && isOpTriviallyDead(op))
      op->erase();
}

struct FuseConvPoolPass : nnc::impl::FuseConvPoolBase<FuseConvPoolPass> {
  using FuseConvPoolBase::FuseConvPoolBase;

  void runOnOperation() override {
    SmallVector<ConvPool> found;
    getOperation().walk([&](linalg::GenericOp op) {
      if (std::optional<ConvPool> c = match(op, vectorLanes))
        found.push_back(*c);
    });
    for (ConvPool &c : found)
      rewrite(c, vectorLanes);
  }
};

} // namespace
