//===- FuseRows.cpp - a chunk's chain of row ops as one loop over rows ----===//
//
// Implements nnc-fuse-rows, on tensors after the chunks (nnc-distribute-ops,
// nnc-fuse-foralls), before vectorization: the ops of a chunk that work row
// by row (a softmax: the row maximum, the exponentials, their sum, its
// reciprocal and the scaling) each ran over the whole chunk, the
// intermediates written to chunk-sized temporaries (128 KiB for two items of
// the encoder's attention probabilities) that the next op read back from L2.
// Here the op whose result the chunk yields is tiled by rows (every leading
// parallel loop but the innermost by 1, the last of them by as many rows as
// fit one vector tile: two softmax rows of 64) with `scf.for`, and the
// producers in the chunk that each row computes a part of its own are fused
// into that loop: the chain runs row after row, its intermediates in L1 or
// registers. Producers that a row does not cut (a column sum over all rows,
// an input of the chunk) stay where they are, computed once; so does a
// producer that such an op also reads. Equal producers fused once per reader
// are merged (CSE). Arithmetic and its order are unchanged.
//
//===----------------------------------------------------------------------===//

#include "Slices.h"
#include "nnc/Target/CPU/Passes.h"

#include "mlir/Analysis/SliceAnalysis.h"
#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/Transforms/TileUsingInterface.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/Dominance.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/CSE.h"
#include "mlir/Transforms/RegionUtils.h"

namespace nnc {
#define GEN_PASS_DEF_FUSEROWS
#include "nnc/Target/CPU/Passes.h.inc"
} // namespace nnc

using namespace mlir;

namespace {

/// The number of leading loops of `op` that are parallel and index the
/// leading dims of its output in order (the row loops), stopping before the
/// innermost loop unless `all` (a producer of per-row statistics); 0 when
/// `op` is no generic with one output.
unsigned rowLoops(linalg::GenericOp op, bool all = false) {
  if (op.getNumDpsInits() != 1)
    return 0;
  AffineMap out = op.getIndexingMapsArray().back();
  SmallVector<utils::IteratorType> kinds = op.getIteratorTypesArray();
  unsigned n = 0;
  while (n + (all ? 0 : 1) < op.getNumLoops() && n < out.getNumResults() &&
         kinds[n] == utils::IteratorType::parallel &&
         out.getResult(n) == getAffineDimExpr(n, op.getContext()))
    ++n;
  return n;
}

/// Whether the slice `slice` of `producer`'s result is a part that each row
/// computes on its own: the producer is a generic of the chunk whose
/// result's cut dims (non-zero offsets) are parallel loops.
bool computedPerRow(tensor::ExtractSliceOp slice, OpResult producer) {
  auto generic = dyn_cast<linalg::GenericOp>(producer.getOwner());
  if (!generic || !generic.hasPureTensorSemantics())
    return false;
  return nnc::cutsParallelLoopsOnly(slice, producer, /*partialIsCut=*/true);
}

/// The chain of `root` can run row by row: the chunk computes nothing but
/// generics, fills and slices (no product, no loop), and the rows of `root`
/// hold whole vectors' worth of elements.
bool isRowChunk(scf::ForallOp chunk) {
  for (Operation &op : chunk.getBody()->without_terminator())
    if (!isa<linalg::GenericOp, linalg::FillOp, tensor::ExtractSliceOp,
             tensor::EmptyOp, tensor::DimOp, arith::ConstantOp>(op) &&
        !isa<arith::ArithDialect, affine::AffineDialect>(op.getDialect()))
      return false;
  return true;
}

struct FuseRowsPass : nnc::impl::FuseRowsBase<FuseRowsPass> {
  using FuseRowsBase::FuseRowsBase;

  /// Tiles `root` by rows and fuses its chain; false when it did nothing.
  bool fuseRows(IRRewriter &rewriter, linalg::GenericOp root) {
    unsigned rows = rowLoops(root);
    if (rows == 0)
      return false;
    // The elements of one row: the static loops after the row loops.
    SmallVector<int64_t> ranges = root.getStaticLoopRanges();
    int64_t elements = 1;
    for (int64_t r : ArrayRef(ranges).drop_front(rows)) {
      if (ShapedType::isDynamic(r))
        return false;
      elements *= r;
    }
    if (elements < minRowElements)
      return false;
    // The producers fused: generics of the chunk with the root's row loops
    // (their leading `rows` loops parallel and indexing their result's
    // leading dims) whose every reader is fused (or the root), found from
    // the root backwards; a producer also read by one that stays (a column sum
    // over the rows) stays too, computed once.
    Block *body = root->getBlock();
    DenseSet<Operation *> fused = {root.getOperation()};
    for (Operation &op : llvm::reverse(*body)) {
      auto generic = dyn_cast<linalg::GenericOp>(&op);
      if (!generic || fused.contains(generic) ||
          !generic.hasPureTensorSemantics() ||
          rowLoops(generic, /*all=*/true) < rows ||
          llvm::any_of(generic->getUsers(), [&](Operation *user) {
            return !fused.contains(user) && !isa<tensor::DimOp>(user);
          }))
        continue;
      if (!generic->use_empty()) // (else no producer of the root)
        fused.insert(generic);
    }
    if (fused.size() == 1)
      return false;
    auto fusable = [&](tensor::ExtractSliceOp slice, OpResult producer) {
      Operation *op = producer.getOwner();
      if (isa<linalg::FillOp>(op))
        return true;
      return fused.contains(op) && computedPerRow(slice, producer);
    };

    SmallVector<int64_t> tiles(root.getNumLoops(), 0);
    for (unsigned d = 0; d < rows; ++d)
      tiles[d] = 1;
    // Consecutive rows while they fit one vector tile of nnc-vectorize-ops
    // (two rows of 64 floats: their reductions interleave).
    int64_t last = ranges[rows - 1];
    while (!ShapedType::isDynamic(last) && last % (2 * tiles[rows - 1]) == 0 &&
           2 * tiles[rows - 1] * elements <= tileElements)
      tiles[rows - 1] *= 2;
    rewriter.setInsertionPoint(root);
    scf::SCFTilingOptions tiling;
    tiling.setTileSizes(getAsIndexOpFoldResult(&getContext(), tiles));
    scf::SCFTileAndFuseOptions options;
    options.setTilingOptions(tiling);
    options.setFusionControlFn(
        [&](tensor::ExtractSliceOp slice, OpResult producer, bool) {
          return std::make_tuple(fusable(slice, producer), false);
        });
    FailureOr<scf::SCFTileAndFuseResult> tiled =
        scf::tileConsumerAndFuseProducersUsingSCF(
            rewriter, cast<TilingInterface>(root.getOperation()), options);
    if (failed(tiled))
      return false;
    rewriter.replaceOp(root, tiled->replacements.lookup(root->getResult(0)));
    // The fused producers are dead now (only the chain read them), but for
    // the sizes the loops take from them: read from their inits instead.
    SmallVector<Operation *> dead(tiled->fusedProducers.begin(),
                                  tiled->fusedProducers.end());
    for (Operation *op : dead)
      for (OpResult result : op->getResults())
        for (OpOperand &use : llvm::make_early_inc_range(result.getUses()))
          if (auto dim = dyn_cast<tensor::DimOp>(use.getOwner()))
            rewriter.modifyOpInPlace(dim, [&] {
              use.set(cast<DestinationStyleOpInterface>(op)
                          .getDpsInits()[result.getResultNumber()]);
            });
    // (The fused slices left in the loop hold them.)
    tiled->loops.front()->walk(
        [&](tensor::ExtractSliceOp slice) { dead.push_back(slice); });
    bool erased = true;
    while (erased) {
      erased = false;
      for (Operation *&op : dead)
        if (op && isOpTriviallyDead(op)) {
          rewriter.eraseOp(op);
          op = nullptr;
          erased = true;
        }
    }
    return true;
  }

  void runOnOperation() override {
    func::FuncOp func = getOperation();
    SmallVector<linalg::GenericOp> roots;
    func.walk([&](scf::ForallOp chunk) {
      if (!isRowChunk(chunk))
        return;
      // The root: the generic whose result the chunk yields, once.
      scf::InParallelOp yields = chunk.getTerminator();
      if (!llvm::hasSingleElement(yields.getYieldingOps()))
        return;
      auto insert = dyn_cast<tensor::ParallelInsertSliceOp>(
          &*yields.getYieldingOps().begin());
      if (!insert)
        return;
      auto root = insert.getSource().getDefiningOp<linalg::GenericOp>();
      if (root && root->getBlock() == chunk.getBody() &&
          root.hasPureTensorSemantics() && root->hasOneUse())
        roots.push_back(root);
    });
    IRRewriter rewriter(&getContext());
    bool changed = false;
    for (linalg::GenericOp root : roots)
      changed |= fuseRows(rewriter, root);
    if (!changed)
      return;
    // A producer read by two ops of the chain was fused for each: one copy.
    DominanceInfo dominance;
    eliminateCommonSubExpressions(rewriter, dominance, func);
  }
};

} // namespace
