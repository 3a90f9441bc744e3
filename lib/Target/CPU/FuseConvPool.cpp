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
// of every element (six permutes per 16 results). The loop nests, a row
// form and a channel form, are built by ConvPoolKernels.cpp; their sums
// are the product's register tile's, so the results are the same bits (up
// to which NaN, or which zero, a window keeps). It applies to stride-1
// undilated convolutions either form can run (rows of at most two vectors
// that fill at least half of them, or F a multiple of two vectors); a
// convolution whose output has other uses (training's pooling gradient
// reads it) is left alone.
//
//===----------------------------------------------------------------------===//

#include "ConvPoolKernels.h"
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

/// A per-image convolution followed by its 2 x 2 max pooling.
struct ConvPool {
  linalg::GenericOp pool;
  tensor::ExpandShapeOp windows;
  scf::ForallOp images;
  linalg::MatmulOp product;
  /// The product's initial value: `linalg.broadcast` of the bias or a fill.
  Operation *start;
  nnc::convpool::ConvShape shape;
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
             {weights.getDimSize(0), weights.getDimSize(1),
              2 * result.getDimSize(2), 2 * result.getDimSize(3), floor}};
  ArrayRef<int64_t> window =
      cast<RankedTensorType>(product.getInputs()[1]
                                 .getDefiningOp<tensor::CollapseShapeOp>()
                                 .getSrc()
                                 .getType())
          .getShape();
  if (window[3] != c.shape.oh || window[4] != c.shape.ow ||
      (!nnc::convpool::rowFormApplies(c.shape, lanes) &&
       !nnc::convpool::channelBlockOf(c.shape, lanes)))
    return std::nullopt;
  return c;
}

/// `source`, the padded image that the im2col of the per-image body reads,
/// with zero columns on the right up to `width` where it is narrower (the
/// row form reads whole vectors of every output row, whose last columns the
/// pooling never reads).
Value widened(OpBuilder &b, Location loc, Value source, int64_t width) {
  auto sourceType = cast<RankedTensorType>(source.getType());
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
  using namespace nnc::convpool;
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
  // The im2col (`colT`, the collapse of a window generic over (c, kh, kw,
  // oh, ow)) is left unused: the kernels read the image it reads.
  auto window = map.lookupOrDefault(c.product.getInputs()[1])
                    .getDefiningOp<tensor::CollapseShapeOp>()
                    .getSrc()
                    .getDefiningOp<linalg::GenericOp>();
  ArrayRef<int64_t> windowShape =
      cast<RankedTensorType>(window->getResult(0).getType()).getShape();
  KernelInputs in;
  in.taps[0] = windowShape[1];
  in.taps[1] = windowShape[2];
  std::optional<ChannelBlock> channelForm = channelBlockOf(c.shape, lanes);
  // The channel form's broadcasts stay inside the image: no wider padding.
  in.padded =
      widened(nb, loc, window.getDpsInputs()[0],
              channelForm ? 0 : rowFormWidth(c.shape, in.taps[1], lanes));
  // The sums start at zero and add the bias after, or start at the fill.
  if (auto broadcast = dyn_cast<linalg::BroadcastOp>(c.start)) {
    in.bias = map.lookupOrDefault(broadcast.getInput());
    in.start = nb.create<arith::ConstantOp>(loc, nb.getF32FloatAttr(0));
  } else {
    in.start =
        map.lookupOrDefault(cast<linalg::FillOp>(c.start).getInputs()[0]);
  }
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
  in.dest = nb.create<tensor::ExtractSliceOp>(loc, imageType, shared, offsets,
                                              sizes, strides);
  Value weights = c.product.getInputs()[0]; // defined before the loop
  Value pooled;
  if (channelForm) {
    // w^T [K, F], once per call, before the loop over the images.
    OpBuilder outside(images);
    auto type = cast<RankedTensorType>(weights.getType());
    Value empty = outside.create<tensor::EmptyOp>(
        loc, ArrayRef<int64_t>{type.getDimSize(1), type.getDimSize(0)},
        type.getElementType());
    Value weightsT = outside
                         .create<linalg::TransposeOp>(loc, weights, empty,
                                                      ArrayRef<int64_t>{1, 0})
                         ->getResult(0);
    pooled =
        buildChannelKernel(nb, loc, c.shape, *channelForm, weightsT, in, lanes);
  } else {
    pooled = buildRowKernel(nb, loc, c.shape, weights, in, lanes);
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
