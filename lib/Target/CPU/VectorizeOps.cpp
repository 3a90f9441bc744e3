//===- VectorizeOps.cpp - tile and vectorize every remaining linalg op ----===//
//
// Implements nnc-vectorize-ops: after the matmul schedule, every linalg op
// left on tensors (elementwise chains, reductions along any axis, transposes,
// shifted-window reads such as im2col's, pooling windows that tile the
// image, optimizer updates, fills) is tiled so that its innermost static
// loops form a vector tile of at most `vector-elements` elements and every
// other loop steps by 1, then vectorized with MLIR's linalg vectorizer
// (reductions become vector.multi_reduction, reads and writes vector
// transfers). The tile keeps whole innermost dimensions while their product
// fits; a larger innermost dimension is split by its largest divisor that
// fits (preferably a multiple of the vector width), so every tile is static
// and nothing is peeled or masked. Gathers (`tensor.extract`), strided or
// linearized reads and named pooling ops keep the scalar lowering.
//
//===----------------------------------------------------------------------===//

#include "Matmuls.h"
#include "nnc/Target/CPU/Passes.h"

#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/SCF/Transforms/TileUsingInterface.h"
#include "mlir/Dialect/Tensor/Transforms/Transforms.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Dialect/Vector/Transforms/LoweringPatterns.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace nnc {
#define GEN_PASS_DEF_VECTORIZEOPS
#include "nnc/Target/CPU/Passes.h.inc"
} // namespace nnc

using namespace mlir;

namespace {

/// The largest divisor of `size` that is at most `limit`, preferring
/// multiples of `lanes`; 0 (do not split) when the best divisor is narrower
/// than a vector and the whole dimension is at most 4 x `limit`.
int64_t splitSize(int64_t size, int64_t limit, int64_t lanes) {
  int64_t best = 1, bestLanes = 0;
  for (int64_t d = std::min(size, limit); d >= 1; --d) {
    if (size % d != 0)
      continue;
    if (best == 1)
      best = d;
    if (d % lanes == 0) {
      bestLanes = d;
      break;
    }
  }
  if (bestLanes >= std::max<int64_t>(lanes, best / 2))
    return bestLanes;
  if (best < lanes && size <= 4 * limit)
    return 0;
  return best;
}

/// `expr` with the dims for which `isUnit` holds replaced by 0, simplified.
AffineExpr zeroUnitDims(AffineExpr expr, unsigned numDims,
                        llvm::function_ref<bool(unsigned)> isUnit) {
  MLIRContext *ctx = expr.getContext();
  SmallVector<AffineExpr> dims;
  for (unsigned d = 0; d < numDims; ++d)
    dims.push_back(isUnit(d) ? getAffineConstantExpr(0, ctx)
                             : getAffineDimExpr(d, ctx));
  return simplifyAffineExpr(expr.replaceDims(dims), numDims, 0);
}

/// Tile sizes of `op` (0: the whole loop): from the innermost loop outwards,
/// static loops are kept whole while the tile has at most `limit` elements
/// (the first one too large is split); every other loop steps by 1, and so
/// do the loops marked in `stepped` (skipped over). Short innermost
/// reductions (a pooling window, fewer elements than a vector) step by 1 too
/// when a static parallel loop lies further out: the vector then runs along
/// that loop and the reduction is a chain of vertical adds rather than one
/// horizontal reduction per output element.
SmallVector<int64_t> chooseTileSizes(linalg::LinalgOp op, int64_t limit,
                                     int64_t lanes, ArrayRef<bool> stepped) {
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  SmallVector<utils::IteratorType> kinds = op.getIteratorTypesArray();
  int64_t rank = static_cast<int64_t>(ranges.size());
  SmallVector<int64_t> tiles(rank, 1);
  int64_t innermost = rank - 1, reduced = 1;
  while (innermost >= 0 &&
         (stepped[innermost] ||
          (kinds[innermost] == utils::IteratorType::reduction &&
           !ShapedType::isDynamic(ranges[innermost])))) {
    if (!stepped[innermost])
      reduced *= ranges[innermost];
    --innermost;
  }
  // (Not when an input is laid out with the reduction innermost, such as a
  // row of pooling windows [OW, KW]: the vector then reads it contiguously.)
  bool readsReductionInnermost =
      llvm::any_of(op.getDpsInputOperands(), [&](OpOperand *input) {
        AffineMap map = op.getMatchingIndexingMap(input);
        return map.getNumResults() > 0 &&
               map.getResults().back() ==
                   getAffineDimExpr(rank - 1, op.getContext());
      });
  bool skipReductions = innermost >= 0 && innermost < rank - 1 &&
                        reduced < lanes &&
                        !ShapedType::isDynamic(ranges[innermost]) &&
                        ranges[innermost] > 1 && !readsReductionInnermost;
  int64_t elements = 1;
  for (int64_t d = skipReductions ? innermost : rank - 1; d >= 0; --d) {
    int64_t size = ranges[d];
    if (stepped[d])
      continue;
    if (ShapedType::isDynamic(size))
      break;
    if (elements * size <= limit) {
      tiles[d] = 0;
      elements *= size;
      continue;
    }
    if (elements == 1)
      tiles[d] = splitSize(size, limit, lanes);
    break;
  }
  return tiles;
}

/// The sides of the square tiles of transposes, the first that divides both
/// loops: the 8 x 8 f32 transpose of AVX2 shuffles (x86vector's lowering,
/// nnc-lower-vector-ops), else 4 x 4, one register permutation (a
/// convolution's [64, 196] output gradient read as [196, 64] by its weight
/// gradient: 196 rows are not whole 8 x 8 blocks, and were gathered one
/// scalar at a time).
constexpr int64_t kTransposeBlocks[] = {8, 4};

/// Square tiles of `side` x `side` for an op that transposes: an
/// all-parallel op with an input whose innermost dim is indexed by a loop
/// other than the innermost one (an attention head's [N, T, H, D] read as
/// [N, H, D, T]). Vectorized along the output's innermost loop alone, each
/// vector was gathered from a column of the input, one scalar load and one
/// insert per element; as a block, the read is `side` contiguous rows and a
/// vector.transpose, which nnc-lower-vector-ops lowers to register
/// shuffles. Empty when `op` is not such an op or the two loops are not
/// static multiples of `side`.
SmallVector<int64_t> transposeTileSizes(linalg::LinalgOp op, int64_t side) {
  unsigned rank = op.getNumLoops();
  if (rank < 2 || op.getNumReductionLoops() > 0)
    return {};
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  std::optional<unsigned> across;
  for (OpOperand *input : op.getDpsInputOperands()) {
    AffineMap map = op.getMatchingIndexingMap(input);
    if (map.getNumResults() == 0 || !map.isPermutation())
      continue;
    auto inner = dyn_cast<AffineDimExpr>(map.getResults().back());
    if (!inner || inner.getPosition() == rank - 1)
      continue;
    if (across && *across != inner.getPosition())
      return {};
    across = inner.getPosition();
  }
  if (!across)
    return {};
  for (unsigned d : {*across, rank - 1})
    if (ShapedType::isDynamic(ranges[d]) || ranges[d] % side != 0)
      return {};
  SmallVector<int64_t> tiles(rank, 1);
  tiles[*across] = side;
  tiles[rank - 1] = side;
  return tiles;
}

/// The loops of `op` that step by 1 because they shift a window read: in an
/// input result such as `oh + kh` (im2col) or `h + kh` (col2im), every loop
/// but the innermost parallel one (the innermost one if none is parallel).
SmallVector<bool> windowLoops(linalg::LinalgOp op) {
  SmallVector<bool> stepped(op.getNumLoops(), false);
  SmallVector<utils::IteratorType> kinds = op.getIteratorTypesArray();
  for (AffineMap map : op.getIndexingMapsArray())
    for (AffineExpr expr : map.getResults()) {
      if (isa<AffineDimExpr, AffineConstantExpr>(expr))
        continue;
      SmallVector<unsigned> dims;
      for (unsigned d = 0; d < map.getNumDims(); ++d)
        if (expr.isFunctionOfDim(d))
          dims.push_back(d);
      if (dims.empty())
        continue;
      unsigned kept = dims.back();
      for (unsigned d : llvm::reverse(dims))
        if (kinds[d] == utils::IteratorType::parallel) {
          kept = d;
          break;
        }
      for (unsigned d : dims)
        stepped[d] = stepped[d] || d != kept;
    }
  return stepped;
}

/// Whether every window read of `op` becomes a plain row (a bare dim or a
/// constant) once the loops that step by 1 in `tiles` count as 0, which the
/// vectorizer needs: true for `oh + kh` with kh stepping by 1, false for a
/// strided window `2 * oh + kh` or a linearized index.
bool windowsReadRows(linalg::LinalgOp op, ArrayRef<int64_t> tiles) {
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  auto isUnit = [&](unsigned d) { return tiles[d] == 1 || ranges[d] == 1; };
  for (AffineMap map : op.getIndexingMapsArray())
    for (AffineExpr expr : map.getResults())
      if (!isa<AffineDimExpr, AffineConstantExpr>(
              zeroUnitDims(expr, map.getNumDims(), isUnit)))
        return false;
  return true;
}

/// Rewrites the window reads of a tiled generic (`oh + kh` with `kh`
/// stepping by 1) as reads of the slice's start: unit loops become 0 in every
/// result that is not a bare dim (bare dims keep the loop ranges inferable).
void zeroUnitWindowDims(linalg::GenericOp op) {
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  auto isUnit = [&](unsigned d) { return ranges[d] == 1; };
  SmallVector<AffineMap> maps;
  bool changed = false;
  for (AffineMap map : op.getIndexingMapsArray()) {
    SmallVector<AffineExpr> results;
    for (AffineExpr expr : map.getResults()) {
      if (!isa<AffineDimExpr, AffineConstantExpr>(expr)) {
        expr = zeroUnitDims(expr, map.getNumDims(), isUnit);
        changed = true;
      }
      results.push_back(expr);
    }
    maps.push_back(
        AffineMap::get(map.getNumDims(), 0, results, op.getContext()));
  }
  if (changed)
    op.setIndexingMapsAttr(Builder(op).getAffineMapArrayAttr(maps));
}

/// Whether the pass handles `op`: linalg ops on tensors other than the
/// products (nnc-matmul-schedule's) and the convolution-like windows (whose
/// vectorization needs a decomposition this pass does not do).
bool isCandidate(linalg::LinalgOp op) {
  if (!op.hasPureTensorSemantics() || op.getNumLoops() == 0)
    return false;
  if (nnc::isScheduledMatmul(op) || isa<linalg::BatchMatmulOp>(op))
    return false;
  if (isa<linalg::ConvolutionOpInterface>(op.getOperation()))
    return false;
  // Data-dependent reads (gathers of the general im2col/col2im and pooling
  // gradients, embeddings) vectorize to vector.gather and per-lane index
  // vectors, which measured slower than the scalar loops on AVX2 (LeNet-5's
  // train step 10.2 -> 13.2 ms): left scalar. Iteration indices alone (a
  // window's tap number) vectorize to constant vectors.
  bool gathers = false;
  op->walk([&](tensor::ExtractOp) { gathers = true; });
  if (gathers)
    return false;
  // The vectorizer needs every operand indexed by a projected permutation of
  // the loops (broadcasts allowed); a linearized index such as
  // `d1 * 25 + d2 * 5 + d3` would leave a scalar tile that also allocates a
  // temporary per iteration.
  // (A constant 0 result is a broadcast input or a keepdim output.) An
  // output indexed by constants only, `(d0, d1, d2) -> (0, 0, 0)` (a keepdim
  // reduction to one element), gets an invalid transfer_write from MLIR 19's
  // vectorizer: left scalar.
  // Inputs read through shifted windows are checked by windowsReadRows.
  for (OpOperand &operand : op->getOpOperands()) {
    AffineMap map = op.getMatchingIndexingMap(&operand);
    if (!map.isProjectedPermutation(/*allowZeroInResults=*/true) &&
        (!op.isDpsInput(&operand) || !isa<linalg::GenericOp>(op)))
      return false;
    if (!op.isDpsInput(&operand) && map.getNumResults() > 0 &&
        map.getNumDims() > 0 &&
        llvm::all_of(map.getResults(),
                     [](AffineExpr e) { return isa<AffineConstantExpr>(e); }))
      return false;
  }
  return true;
}

/// `insert_slice(transfer_write(v, t), dest)` -> `transfer_write(v, dest)`
/// when the write covers all of `t` (static, unmasked, in bounds, at 0, minor
/// identity) and the slice is a unit-stride box of the same rank. MLIR 19's
/// tensor::populateFoldTensorSubsetIntoVectorTransferPatterns folds this
/// without the cover check and drops the rest of `t` (a peeled matmul tile
/// written into one image of a per-image convolution), so the pass uses
/// this pattern instead.
struct FoldInsertOfCoveringWrite : OpRewritePattern<tensor::InsertSliceOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(tensor::InsertSliceOp insert,
                                PatternRewriter &rewriter) const override {
    auto write = insert.getSource().getDefiningOp<vector::TransferWriteOp>();
    if (!write || write.getMask() || write.hasOutOfBoundsDim() ||
        !write.getPermutationMap().isMinorIdentity() ||
        insert.getSourceType().getRank() != insert.getDestType().getRank() ||
        !insert.hasUnitStride())
      return failure();
    auto written = dyn_cast<RankedTensorType>(write.getSource().getType());
    if (!written || !written.hasStaticShape() ||
        written.getShape() != write.getVectorType().getShape() ||
        !llvm::all_of(write.getIndices(),
                      [](Value i) { return isConstantIntValue(i, 0); }))
      return failure();
    SmallVector<Value> indices = getValueOrCreateConstantIndexOp(
        rewriter, insert.getLoc(), insert.getMixedOffsets());
    SmallVector<bool> inBounds(write.getVectorType().getRank(), true);
    rewriter.replaceOpWithNewOp<vector::TransferWriteOp>(
        insert, write.getVector(), insert.getDest(), indices, inBounds);
    return success();
  }
};

/// The fill of a reduction's accumulator that its tile can fill itself:
/// a linalg.fill of a scalar used by `op` alone, when no reduction loop is
/// tiled (each tile then owns its slice of the accumulator and reduces into
/// it once).
linalg::FillOp fusableFill(linalg::LinalgOp op, ArrayRef<int64_t> tiles) {
  if (op.getNumReductionLoops() == 0 || op.getNumDpsInits() != 1)
    return nullptr;
  auto fill = op.getDpsInits()[0].getDefiningOp<linalg::FillOp>();
  if (!fill || !fill->hasOneUse())
    return nullptr;
  SmallVector<utils::IteratorType> iterators = op.getIteratorTypesArray();
  for (auto [i, iterator] : llvm::enumerate(iterators))
    if (iterator == utils::IteratorType::reduction && i < tiles.size() &&
        tiles[i] != 0)
      return nullptr;
  return fill;
}

/// Moves `fill` into the tile of `tiled` (the tiled reduction, whose loops
/// are `loops`): the tile fills its slice of the accumulator, and the loops
/// start from the fill's destination. Returns the fill in the tile.
linalg::FillOp fillInTile(RewriterBase &rewriter, linalg::FillOp fill,
                          linalg::LinalgOp tiled,
                          ArrayRef<LoopLikeOpInterface> loops) {
  OpOperand &init = tiled.getDpsInitsMutable()[0];
  rewriter.setInsertionPoint(tiled);
  auto inTile = rewriter.create<linalg::FillOp>(
      fill.getLoc(), fill.getInputs()[0], init.get());
  rewriter.modifyOpInPlace(tiled, [&] { init.set(inTile.getResult(0)); });
  Operation *outer = loops.front();
  rewriter.modifyOpInPlace(outer, [&] {
    for (OpOperand &operand : outer->getOpOperands())
      if (operand.get() == fill.getResult(0))
        operand.set(fill.getOutputs()[0]);
  });
  return inTile;
}

struct VectorizeOpsPass : nnc::impl::VectorizeOpsBase<VectorizeOpsPass> {
  using VectorizeOpsBase::VectorizeOpsBase;

  /// Tile sizes of `op`: transpose blocks, else vector tiles.
  SmallVector<int64_t> tileSizes(linalg::LinalgOp op) {
    SmallVector<int64_t> tiles;
    if (transposeBlocks)
      for (int64_t side : kTransposeBlocks)
        if (tiles.empty())
          tiles = transposeTileSizes(op, side);
    if (tiles.empty())
      tiles = chooseTileSizes(op, vectorElements, vectorLanes, windowLoops(op));
    return tiles;
  }

  void runOnOperation() override {
    SmallVector<linalg::LinalgOp> ops;
    getOperation()->walk([&](linalg::LinalgOp op) {
      if (isCandidate(op))
        ops.push_back(op);
    });
    // A reduction's tile fills its own accumulator (a max pooling's -inf or
    // 0, a row sum's 0): no pass over the whole accumulator before the
    // reduction, which reads it back. Those fills are not vectorized alone.
    // Each op's tiles, empty where its windows cannot be read as rows.
    SmallVector<SmallVector<int64_t>> tilesOf;
    DenseSet<Operation *> fusedFills;
    for (linalg::LinalgOp op : ops) {
      SmallVector<int64_t> tiles = tileSizes(op);
      if (!windowsReadRows(op, tiles))
        tiles.clear();
      if (llvm::any_of(tiles, [](int64_t t) { return t != 0; }))
        if (linalg::FillOp fill = fusableFill(op, tiles))
          fusedFills.insert(fill);
      tilesOf.push_back(std::move(tiles));
    }
    IRRewriter rewriter(&getContext());
    for (auto [op, tiles] : llvm::zip(ops, tilesOf)) {
      if (tiles.empty() || fusedFills.contains(op))
        continue;
      Operation *target = op;
      linalg::FillOp fill;
      if (llvm::any_of(tiles, [](int64_t t) { return t != 0; })) {
        linalg::FillOp whole = fusableFill(op, tiles);
        rewriter.setInsertionPoint(op);
        scf::SCFTilingOptions options;
        options.setTileSizes(getAsIndexOpFoldResult(&getContext(), tiles));
        FailureOr<scf::SCFTilingResult> tiled = scf::tileUsingSCF(
            rewriter, cast<TilingInterface>(op.getOperation()), options);
        if (failed(tiled))
          continue;
        if (whole && fusedFills.contains(whole))
          fill = fillInTile(rewriter, whole,
                            cast<linalg::LinalgOp>(tiled->tiledOps.back()),
                            tiled->loops);
        rewriter.replaceOp(op, tiled->replacements);
        target = tiled->tiledOps.back();
      }
      if (auto generic = dyn_cast<linalg::GenericOp>(target))
        zeroUnitWindowDims(generic);
      if (fill) {
        rewriter.setInsertionPoint(fill);
        (void)linalg::vectorize(rewriter, fill, {}, {});
      }
      if (failed(linalg::vectorizeOpPrecondition(target, {}, {},
                                                 /*vectorizeNDExtract=*/true)))
        continue;
      rewriter.setInsertionPoint(target);
      (void)linalg::vectorize(rewriter, target, {}, {},
                              /*vectorizeNDExtract=*/true);
    }
    // Write through the tiles' slices directly.
    RewritePatternSet patterns(&getContext());
    patterns.add<FoldInsertOfCoveringWrite>(&getContext());
    vector::populateVectorTransferPermutationMapLoweringPatterns(patterns);
    vector::TransferReadOp::getCanonicalizationPatterns(patterns,
                                                        &getContext());
    vector::TransferWriteOp::getCanonicalizationPatterns(patterns,
                                                         &getContext());
    if (failed(
            applyPatternsAndFoldGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};

} // namespace
