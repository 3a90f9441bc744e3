//===- MatmulForms.cpp - the forms nnc-matmul-schedule puts products in ---===//
//
// Rewrites that nnc-matmul-schedule applies to a product before it chooses
// its schedule, so that more of the product runs in the 8 x 32 register
// tile: the accumulator's bias becomes an epilogue (moveBiasToEpilogue), and
// a few columns left over by the tile are computed transposed
// (splitNarrowRemainder), or in pieces of power-of-two widths
// (splitRaggedColumns). Also the test of what the tile can fuse as its
// epilogue (getEpilogueOperand).
//
//===----------------------------------------------------------------------===//

#include "Matmuls.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/Interfaces/LoopLikeInterface.h"
#include "mlir/Interfaces/TilingInterface.h"

using namespace mlir;

namespace {

/// A static box of `t` at `offsets` with `sizes` (unit strides).
Value sliceBox(OpBuilder &b, Location loc, Value t, ArrayRef<int64_t> offsets,
               ArrayRef<int64_t> sizes) {
  SmallVector<int64_t> ones(offsets.size(), 1);
  MLIRContext *ctx = b.getContext();
  return b.create<tensor::ExtractSliceOp>(
      loc, t, getAsIndexOpFoldResult(ctx, offsets),
      getAsIndexOpFoldResult(ctx, sizes), getAsIndexOpFoldResult(ctx, ones));
}

/// Where a product's columns are cut (splitNarrowRemainder,
/// splitRaggedColumns): the op that writes its final value (its elementwise
/// epilogue, if it has one, else the product) and the tensor it writes.
struct ProductEnd {
  std::optional<unsigned> epilogue;
  Operation *root;
  Value dest;
};
/// An epilogue of several results (an optimizer update) is left out: the
/// split products are put back together and it reads the whole product.
ProductEnd productEnd(linalg::LinalgOp matmul, linalg::FillOp fill) {
  ProductEnd end{nnc::getEpilogueOperand(matmul), matmul, fill.getOutputs()[0]};
  if (!end.epilogue)
    return end;
  Operation *epilogue = *matmul->getResult(0).getUsers().begin();
  if (epilogue->getNumResults() != 1) {
    end.epilogue = std::nullopt;
    return end;
  }
  end.root = epilogue;
  end.dest = cast<DestinationStyleOpInterface>(epilogue).getDpsInits()[0];
  return end;
}

/// The epilogue of `end` on the columns [offset, offset + width) (all
/// `rows`), reading `part`, the product's value there.
Value epilogueOnColumns(OpBuilder &b, const ProductEnd &end, Value part,
                        OpFoldResult rows, int64_t offset, int64_t width) {
  FailureOr<TilingResult> tiled =
      cast<TilingInterface>(end.root).getTiledImplementation(
          b, ArrayRef<OpFoldResult>{b.getIndexAttr(0), b.getIndexAttr(offset)},
          ArrayRef<OpFoldResult>{rows, b.getIndexAttr(width)});
  Operation *op = tiled->tiledOps.front();
  Operation *slice = op->getOperand(*end.epilogue).getDefiningOp();
  op->setOperand(*end.epilogue, part);
  if (slice && slice->use_empty())
    slice->erase();
  return tiled->tiledValues.front();
}

/// `part` inserted at the columns [offset, offset + width) of `into`.
Value insertColumns(OpBuilder &b, Location loc, Value part, Value into,
                    OpFoldResult rows, int64_t offset, int64_t width) {
  return b
      .create<tensor::InsertSliceOp>(
          loc, part, into,
          ArrayRef<OpFoldResult>{b.getIndexAttr(0), b.getIndexAttr(offset)},
          ArrayRef<OpFoldResult>{rows, b.getIndexAttr(width)},
          ArrayRef<OpFoldResult>{b.getIndexAttr(1), b.getIndexAttr(1)})
      .getResult();
}

} // namespace

/// Returns the operand number through which the single user of `matmul`
/// consumes it, if that user is an elementwise epilogue: a linalg.generic with
/// all loops parallel, identity maps on the matmul operand and on its
/// results, each of the matmul's type (an optimizer update writes the
/// parameter and its moments: Adam's three results), and a body of arith/math
/// ops only (so it vectorizes).
std::optional<unsigned> nnc::getEpilogueOperand(linalg::LinalgOp matmul) {
  Value result = matmul->getResult(0);
  if (!result.hasOneUse())
    return std::nullopt;
  OpOperand &use = *result.getUses().begin();
  auto generic = dyn_cast<linalg::GenericOp>(use.getOwner());
  if (!generic || generic.getNumLoops() != 2 ||
      generic.getNumParallelLoops() != generic.getNumLoops() ||
      !generic.isDpsInput(&use) ||
      !generic.getMatchingIndexingMap(&use).isIdentity())
    return std::nullopt;
  for (OpOperand &init : generic.getDpsInitsMutable())
    if (!generic.getMatchingIndexingMap(&init).isIdentity())
      return std::nullopt;
  for (Value r : generic->getResults())
    if (r.getType() != result.getType())
      return std::nullopt;
  for (Operation &op : generic.getBody()->without_terminator())
    if (!isa<arith::ArithDialect, math::MathDialect>(op.getDialect()))
      return std::nullopt;
  return use.getOperandNumber();
}

/// A matmul accumulating onto a broadcast bias (a convolution's image
/// product, ConvPerImage.cpp) whose result has no elementwise epilogue:
/// accumulates onto zeros instead and adds the bias in a new epilogue
/// generic. The schedule then fuses the zero fill and the bias into the
/// register tile; before, the bias was broadcast into the whole [F, OH*OW]
/// result in memory and each tile loaded its accumulators from there (on
/// fashion_cnn's predict 4% of the per-image loop). The sum's order changes
/// from (b + p1) + p2 + ... to (p1 + p2 + ...) + b.
void nnc::moveBiasToEpilogue(linalg::LinalgOp matmul) {
  auto broadcast = matmul.getDpsInits()[0].getDefiningOp<linalg::BroadcastOp>();
  auto resultType = dyn_cast<RankedTensorType>(matmul->getResult(0).getType());
  if (!broadcast || !broadcast->hasOneUse() || !resultType ||
      !resultType.getElementType().isF32() || nnc::getEpilogueOperand(matmul))
    return;
  OpBuilder b(matmul);
  Location loc = matmul.getLoc();
  Value dest = broadcast.getInit();
  SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, loc, dest);
  Value empty = b.create<tensor::EmptyOp>(loc, sizes, b.getF32Type());
  Value zero = b.create<arith::ConstantOp>(loc, b.getF32FloatAttr(0));
  Value zeros = b.create<linalg::FillOp>(loc, zero, empty).getResult(0);
  matmul.getDpsInitsMutable()[0].set(zeros);
  b.setInsertionPointAfter(matmul);
  AffineMap identity = b.getMultiDimIdentityMap(2);
  AffineMap biasMap = broadcast.getIndexingMapsArray()[0];
  Value product = matmul->getResult(0);
  auto add = b.create<linalg::GenericOp>(
      loc, resultType, ValueRange{product, broadcast.getInput()},
      ValueRange{dest}, ArrayRef<AffineMap>{identity, biasMap, identity},
      SmallVector<utils::IteratorType>(2, utils::IteratorType::parallel),
      [](OpBuilder &nb, Location l, ValueRange args) {
        nb.create<linalg::YieldOp>(
            l, nb.create<arith::AddFOp>(l, args[0], args[1]).getResult());
      });
  product.replaceAllUsesExcept(add.getResult(0), add);
  broadcast->erase();
}

/// A static product accumulated onto a zero fill and read by no elementwise
/// epilogue (attention's scores and weighted sums per head): its
/// register tiles each loaded their accumulators from the tensor a memset
/// zeroed before the loop nest (the fill cannot be fused through the tile
/// loop's iter_args). An identity epilogue writing the product into the
/// fill's destination makes the epilogue the schedule's root: the fill is
/// then fused into the tile (zeros in registers) and no memset runs. Same
/// sums, same bits.
void nnc::addIdentityEpilogue(linalg::LinalgOp matmul) {
  // The fill, possibly through the collapse of a batch loop's unit dim
  // (nnc-batch-matmul-loop).
  Value init = matmul.getDpsInits()[0];
  auto collapse = init.getDefiningOp<tensor::CollapseShapeOp>();
  if (collapse && !collapse->hasOneUse())
    return;
  auto fill =
      (collapse ? collapse.getSrc() : init).getDefiningOp<linalg::FillOp>();
  auto resultType = dyn_cast<RankedTensorType>(matmul->getResult(0).getType());
  // Static shapes only: a dynamic M's row-by-row remainder does not
  // vectorize with the epilogue as its root. (The new fill keeps the old
  // one's value, zero in practice.)
  if (!fill || !fill->hasOneUse() || !resultType ||
      !resultType.hasStaticShape() || !resultType.getElementType().isF32() ||
      nnc::getEpilogueOperand(matmul))
    return;
  OpBuilder b(matmul);
  Location loc = matmul.getLoc();
  Value dest = fill.getOutputs()[0];
  if (collapse)
    dest = b.create<tensor::CollapseShapeOp>(
        loc, dest, collapse.getReassociationIndices());
  Value empty =
      b.create<tensor::EmptyOp>(loc, resultType.getShape(), b.getF32Type());
  Value zeros =
      b.create<linalg::FillOp>(loc, fill.getInputs()[0], empty).getResult(0);
  matmul.getDpsInitsMutable()[0].set(zeros);
  if (collapse)
    collapse->erase();
  fill->erase();
  b.setInsertionPointAfter(matmul);
  AffineMap identity = b.getMultiDimIdentityMap(2);
  Value product = matmul->getResult(0);
  auto copy = b.create<linalg::GenericOp>(
      loc, resultType, ValueRange{product}, ValueRange{dest},
      ArrayRef<AffineMap>{identity, identity},
      SmallVector<utils::IteratorType>(2, utils::IteratorType::parallel),
      [](OpBuilder &nb, Location l, ValueRange args) {
        nb.create<linalg::YieldOp>(l, args[0]);
      });
  product.replaceAllUsesExcept(copy.getResult(0), copy);
}

/// A matmul [M, N] whose N leaves r columns past the last full register tile
/// (0 < r <= tileN / 4: fashion_cnn's conv2 image product, N = 14 * 14 = 6 x
/// 32 + 4) spends on them a tile of r columns whose rows each broadcast an
/// element of A for r products (8 x 4 on fashion_cnn: 4.5x the time per
/// product of the full tile, 8% of conv2). When A [M, K] is computed outside
/// the loop around the matmul (a layer's weights) and M fills vectors, this
/// computes those columns transposed instead, as
///   C[:, N-r:] = transpose(matmul_transpose_a(B[:, N-r:], A^T))
/// whose tile runs along M at full width; A^T is transposed once, where A is
/// defined. The first N - r columns stay a matmul of whole tiles, and an
/// elementwise epilogue is cut in the same two column ranges. Each element
/// sums the same products in the same order, so the result is the same to
/// the bit.
void nnc::splitNarrowRemainder(linalg::MatmulOp matmul, int64_t tileN) {
  auto type = dyn_cast<RankedTensorType>(matmul.getResult(0).getType());
  Value a = matmul.getInputs()[0], rhs = matmul.getInputs()[1];
  auto aType = cast<RankedTensorType>(a.getType());
  if (!type || !type.hasStaticShape() || !aType.hasStaticShape() ||
      !type.getElementType().isF32())
    return;
  int64_t m = type.getDimSize(0), n = type.getDimSize(1),
          k = aType.getDimSize(1), r = n % tileN, lanes = tileN / 2;
  auto loop = matmul->getParentOfType<LoopLikeOpInterface>();
  auto fill = matmul.getOutputs()[0].getDefiningOp<linalg::FillOp>();
  if (n < tileN || r == 0 || r > tileN / 4 || m % lanes != 0 || !loop ||
      !loop.isDefinedOutsideOfLoop(a) || !fill || !fill->hasOneUse())
    return;
  ProductEnd end = productEnd(matmul, fill);
  std::optional<unsigned> epilogue = end.epilogue;
  Value dest = end.dest;
  Location loc = matmul.getLoc();
  Type f32 = type.getElementType();
  Value fillValue = fill.getInputs()[0];

  // A^T [K, M], once, where A is defined.
  OpBuilder outside(matmul->getContext());
  if (Operation *def = a.getDefiningOp())
    outside.setInsertionPointAfter(def);
  else
    outside.setInsertionPointToStart(cast<BlockArgument>(a).getOwner());
  Value aT =
      outside
          .create<linalg::TransposeOp>(loc, a,
                                       outside.create<tensor::EmptyOp>(
                                           loc, ArrayRef<int64_t>{k, m}, f32),
                                       ArrayRef<int64_t>{1, 0})
          ->getResult(0);

  OpBuilder b(end.root);
  int64_t whole = n - r;
  OpFoldResult rows = b.getIndexAttr(m);
  auto filled = [&](Value t) {
    return b.create<linalg::FillOp>(loc, fillValue, t).getResult(0);
  };
  auto empty = [&](ArrayRef<int64_t> shape) -> Value {
    return b.create<tensor::EmptyOp>(loc, shape, f32);
  };
  // The product's columns [0, N - r) and [N - r, N).
  Value left = b.create<linalg::MatmulOp>(
                    loc, TypeRange{RankedTensorType::get({m, whole}, f32)},
                    ValueRange{a, sliceBox(b, loc, rhs, {0, 0}, {k, whole})},
                    ValueRange{filled(
                        epilogue ? empty({m, whole})
                                 : sliceBox(b, loc, dest, {0, 0}, {m, whole}))})
                   .getResult(0);
  Value rightT = b.create<linalg::MatmulTransposeAOp>(
                      loc, TypeRange{RankedTensorType::get({r, m}, f32)},
                      ValueRange{sliceBox(b, loc, rhs, {0, whole}, {k, r}), aT},
                      ValueRange{filled(empty({r, m}))})
                     .getResult(0);
  Value right = b.create<linalg::TransposeOp>(
                     loc, rightT,
                     epilogue ? empty({m, r})
                              : sliceBox(b, loc, dest, {0, whole}, {m, r}),
                     ArrayRef<int64_t>{1, 0})
                    ->getResult(0);
  // The epilogue on the same two ranges, reading the two parts.
  if (epilogue) {
    left = epilogueOnColumns(b, end, left, rows, 0, whole);
    right = epilogueOnColumns(b, end, right, rows, whole, r);
  }
  Value result = insertColumns(
      b, loc, right, insertColumns(b, loc, left, dest, rows, 0, whole), rows,
      whole, r);
  end.root->getResult(0).replaceAllUsesWith(result);
  end.root->erase();
  if (epilogue)
    matmul->erase();
  fill->erase();
}

/// A product [M, N] (matmul or matmul_transpose_a) whose N leaves r columns
/// past the last full register tile, more than tileN / 4 and not a power of
/// two (LeNet-5's dense(84): 2 x 32 + 20), computes them in pieces of
/// power-of-two widths down to a vector, then the rest as one piece (16 + 4;
/// 16 + 12 for r = 28). A tile of 20 columns holds rows of vector<20>, which
/// LLVM legalizes through element inserts: a dozen shuffles per FMA, 94% of
/// that layer's time in its 20-column tile. The same holds for an N below
/// the tile, 16 < N < 32 (a dense(24) on sequences ran at 3 GFLOP/s, 7x
/// slower than as 16 + 8); N of a vector or fewer stays one piece, which
/// LLVM widens to the register (16 + 8 + 4 for N = 28 was 1.4x slower than
/// 16 + 12). The columns [0, N - r) stay one product of whole tiles; an
/// elementwise epilogue is cut in the same ranges. Each element sums the same
/// products in the same order, so the result is the same to the bit.
bool nnc::splitRaggedColumns(linalg::LinalgOp matmul, int64_t tileN) {
  if (!isa<linalg::MatmulOp, linalg::MatmulTransposeAOp>(matmul))
    return false;
  auto type = dyn_cast<RankedTensorType>(matmul->getResult(0).getType());
  if (!type || type.getRank() != 2 || type.isDynamicDim(1) ||
      !type.getElementType().isF32())
    return false;
  int64_t n = type.getDimSize(1), r = n % tileN;
  auto fill = matmul.getDpsInits()[0].getDefiningOp<linalg::FillOp>();
  // Columns of one vector or fewer are one piece: LLVM widens a
  // vector<12> to the register's 16 lanes without a shuffle.
  int64_t lanes = tileN / 2;
  if (r <= tileN / 4 || llvm::isPowerOf2_64(r) || n <= lanes || !fill ||
      !fill->hasOneUse())
    return false;
  ProductEnd end = productEnd(matmul, fill);
  std::optional<unsigned> epilogue = end.epilogue;
  Value dest = end.dest;
  Location loc = matmul.getLoc();
  Type f32 = type.getElementType();
  Value rhs = matmul.getDpsInputs()[1];
  Value fillValue = fill.getInputs()[0];
  OpBuilder b(end.root);
  OpFoldResult rows = tensor::getMixedSize(b, loc, dest, 0);
  // Columns [offset, offset + width) of `t` (all its rows).
  auto columns = [&](Value t, int64_t offset, int64_t width) -> Value {
    return b.create<tensor::ExtractSliceOp>(
        loc, t,
        ArrayRef<OpFoldResult>{b.getIndexAttr(0), b.getIndexAttr(offset)},
        ArrayRef<OpFoldResult>{tensor::getMixedSize(b, loc, t, 0),
                               b.getIndexAttr(width)},
        ArrayRef<OpFoldResult>{b.getIndexAttr(1), b.getIndexAttr(1)});
  };
  // The ranges: the whole tiles, then powers of two down to a vector, then
  // the last columns (fewer than a vector) as one piece.
  SmallVector<std::pair<int64_t, int64_t>> ranges;
  if (n > r)
    ranges.push_back({0, n - r});
  for (int64_t offset = n - r; offset < n;) {
    int64_t left = n - offset;
    int64_t width =
        left < lanes ? left : llvm::bit_floor(static_cast<uint64_t>(left));
    ranges.push_back({offset, width});
    offset += width;
  }
  Value result = dest;
  for (auto [offset, width] : ranges) {
    Value init =
        epilogue
            ? b.create<tensor::EmptyOp>(
                   loc, ArrayRef<OpFoldResult>{rows, b.getIndexAttr(width)},
                   f32)
                  .getResult()
            : columns(dest, offset, width);
    init = b.create<linalg::FillOp>(loc, fillValue, init).getResult(0);
    Value rhsColumns = columns(rhs, offset, width);
    Operation *part = b.clone(*matmul);
    part->setOperand(1, rhsColumns);
    part->setOperand(2, init);
    part->getResult(0).setType(init.getType());
    Value value = part->getResult(0);
    if (epilogue)
      value = epilogueOnColumns(b, end, value, rows, offset, width);
    result = insertColumns(b, loc, value, result, rows, offset, width);
  }
  end.root->getResult(0).replaceAllUsesWith(result);
  end.root->erase();
  if (epilogue)
    matmul->erase();
  fill->erase();
  return true;
}
