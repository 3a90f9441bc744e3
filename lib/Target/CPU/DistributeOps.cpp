//===- DistributeOps.cpp - chunks of big linalg ops as scf.forall ---------===//
//
// Implements nnc-distribute-ops for the CPU, on linalg on tensors before the
// matmul schedule and nnc-vectorize-ops: every linalg op with enough work is
// tiled along one parallel loop into chunks with `scf.forall`, which
// nnc-outline-parallel later hands to the model's thread pool. The chunks are
// fixed here, from the static shapes, or at run time from the batch (a
// dynamic extent is cut into chunks of a static size), never from the number
// of threads: each element is computed by one chunk with the same code
// whichever thread runs it, so results are bitwise the same for any thread
// count. Reductions are never split (a reduction's parallel loops may be,
// its columns included: each output is still summed by one chunk, in order).
//
// The chunked loop is the op's outermost parallel loop that is not its
// innermost loop (that one is vectorized), with two or more chunks. A matmul
// with a single elementwise consumer (its bias and activation) is chunked
// through that consumer, the matmul and its fill fused into the chunk, so
// that the schedule still fuses the epilogue into the register tiles; the
// chunk size of such a matmul's rows or columns is a multiple of the
// register tile. Between a matmul's rows and columns, the cut that re-reads
// less of an operand bigger than 1 MiB wins; a column chunk of such a matmul
// copies its panel of the right operand into a contiguous tensor first.
// Ops already inside a chunk are left alone.
//
//===----------------------------------------------------------------------===//

#include "Matmuls.h"
#include "Slices.h"
#include "nnc/Target/CPU/Passes.h"

#include "mlir/Analysis/SliceAnalysis.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/Transforms/TileUsingInterface.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/Dominance.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/CSE.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace nnc {
#define GEN_PASS_DEF_DISTRIBUTEOPS
#include "nnc/Target/CPU/Passes.h.inc"
} // namespace nnc

using namespace mlir;

namespace {

/// The matmul whose single use is `op`'s input, when `op` is an elementwise
/// generic (the epilogue the schedule fuses).
linalg::LinalgOp fusedContraction(linalg::LinalgOp op) {
  if (!isa<linalg::GenericOp>(op) ||
      op.getNumParallelLoops() != op.getNumLoops())
    return nullptr;
  for (Value input : op.getDpsInputs()) {
    Operation *producer = input.getDefiningOp();
    if (nnc::isScheduledMatmul(producer) && producer->hasOneUse())
      return cast<linalg::LinalgOp>(producer);
  }
  return nullptr;
}

/// Whether `op` is the matmul of an epilogue: it is chunked through it.
bool feedsEpilogue(linalg::LinalgOp op) {
  if (!nnc::isScheduledMatmul(op) || !op->hasOneUse())
    return false;
  auto user = dyn_cast<linalg::LinalgOp>(*op->getUsers().begin());
  return user && fusedContraction(user) == op;
}

/// Whether `op` is a transpose whose only use is the right operand of a
/// plain matmul (a dense layer's `[out, in]` weight turned into `[in, out]`):
/// it is left to the chunks of that matmul (see fusesTranspose).
bool transposesRhs(linalg::LinalgOp op) {
  if (!isa<linalg::TransposeOp>(op) || !op->hasOneUse())
    return false;
  OpOperand &use = *op->getUses().begin();
  return isa<linalg::MatmulOp>(use.getOwner()) && use.getOperandNumber() == 1;
}

/// Units of work of one point of `op`'s iteration space: the ops of its
/// body. A contraction's point (one multiply-add of a vectorized register
/// tile) is far cheaper than an elementwise op's (a load and a store).
double pointCost(linalg::LinalgOp op) {
  if (nnc::isScheduledMatmul(op) || isa<linalg::BatchMatmulOp>(op))
    return 1.0 / 16;
  auto body = op->getRegion(0).front().without_terminator();
  return std::max<double>(std::distance(body.begin(), body.end()), 1.0);
}

/// Whether loop `d` of `op` runs over dim 0 of an input that is, alone or
/// through one reshape, the single-use result of a loop over single batch
/// items (an `scf.forall` from 0 by 1: a convolution per image). Chunking
/// `op` by single items too lets nnc-fuse-foralls merge it into that loop.
bool readsItemLoop(linalg::LinalgOp op, unsigned d) {
  // One reader besides the sizes the chunking of that loop read from it
  // (`tensor.dim`, folded at the end of the pass).
  auto hasOneReader = [](Value v) {
    return llvm::count_if(v.getUsers(), [](Operation *user) {
             return !isa<tensor::DimOp>(user);
           }) == 1;
  };
  for (OpOperand *input : op.getDpsInputOperands()) {
    AffineMap map = op.getMatchingIndexingMap(input);
    if (map.getNumResults() == 0 ||
        map.getResult(0) != getAffineDimExpr(d, op.getContext()))
      continue;
    Value source = input->get();
    if (auto reshape = source.getDefiningOp<tensor::ExpandShapeOp>()) {
      if (!hasOneReader(source))
        continue;
      source = reshape.getSrc();
    }
    auto loop = source.getDefiningOp<scf::ForallOp>();
    if (loop && hasOneReader(source) && loop.getRank() == 1 &&
        isConstantIntValue(loop.getMixedLowerBound()[0], 0) &&
        isConstantIntValue(loop.getMixedStep()[0], 1))
      return true;
  }
  return false;
}

/// The product of the static sizes that a `tensor.collapse_shape` operand of
/// `op` folds into the dynamic dim that loop `d` runs over (64 for the rows
/// `[N * 64]` of a dense layer on sequences of 64), else 1.
double collapsedFactor(linalg::LinalgOp op, unsigned d) {
  int64_t factor = 1;
  for (OpOperand &operand : op->getOpOperands()) {
    auto collapse = operand.get().getDefiningOp<tensor::CollapseShapeOp>();
    if (!collapse)
      continue;
    AffineMap map = op.getMatchingIndexingMap(&operand);
    for (auto [i, group] :
         llvm::enumerate(collapse.getReassociationIndices())) {
      if (map.getResult(i) != getAffineDimExpr(d, op.getContext()))
        continue;
      int64_t known = 1;
      for (int64_t s : group)
        if (!ShapedType::isDynamic(collapse.getSrcType().getDimSize(s)))
          known *= collapse.getSrcType().getDimSize(s);
      factor = std::max(factor, known);
    }
  }
  return static_cast<double>(factor);
}

/// A divisor of `extent` that is a multiple of `align`, between half and
/// twice `chunk` (the largest up to `chunk`, else the smallest above); else
/// `chunk` rounded up to `align`. Divisors keep every chunk of a static
/// extent static.
int64_t fitChunk(int64_t chunk, int64_t extent, int64_t align) {
  chunk = llvm::alignTo(std::max<int64_t>(chunk, 1), align);
  if (ShapedType::isDynamic(extent))
    return chunk;
  for (int64_t c = chunk; c >= std::max<int64_t>(chunk / 2, align); c -= align)
    if (extent % c == 0)
      return c;
  // Up to twice as big, too.
  for (int64_t c = chunk + align; c <= 2 * chunk && c < extent; c += align)
    if (extent % c == 0)
      return c;
  return chunk;
}

/// Whether `producer`, read by a chunk through `slice`, is computed in the
/// chunk itself: a generic (not a matmul's epilogue, which keeps its own
/// chunks and schedule) whose slice is cut along at least one dim, each cut
/// dim a parallel loop of the producer, every other dim read whole. Each
/// chunk then computes its own part of the result, nothing twice: the row
/// statistics of a layer or batch normalization over rows or a softmax (a
/// sum, the mean, the squared deviations, the scale) move into the chunk of
/// the normalization that reads them, which becomes one pass over its rows
/// instead of one loop over the whole tensor per statistic.
bool computedPerChunk(tensor::ExtractSliceOp slice, OpResult producer) {
  auto generic = dyn_cast<linalg::GenericOp>(producer.getOwner());
  if (!generic || !generic.hasPureTensorSemantics() ||
      generic->getParentOfType<scf::ForallOp>() ||
      llvm::any_of(generic.getDpsInputs(), [](Value input) {
        return nnc::isScheduledMatmul(input.getDefiningOp());
      }))
    return false;
  return nnc::cutsParallelLoopsOnly(slice, producer, /*partialIsCut=*/false);
}

/// Whether generics `a` and `b` compute the same values: the same inputs,
/// maps, iterator types and body, and outputs of the same types that neither
/// body reads (so only their shapes matter). A statistic fused into a chunk
/// once for the chunk's own use and once more to be yielded to a later
/// reader (softmax's exponentials, read again by its backward pass) writes
/// into two different outputs, which CSE does not see through.
bool computeSameValues(linalg::GenericOp a, linalg::GenericOp b) {
  auto readsOutputs = [](linalg::GenericOp g) {
    return llvm::any_of(g.getRegionOutputArgs(),
                        [](BlockArgument arg) { return !arg.use_empty(); });
  };
  if (a.getDpsInputs() != b.getDpsInputs() ||
      a->getResultTypes() != b->getResultTypes() || readsOutputs(a) ||
      readsOutputs(b))
    return false;
  DenseMap<Value, Value> same;
  for (auto [x, y] : llvm::zip(a.getDpsInits(), b.getDpsInits()))
    same[x] = y;
  return OperationEquivalence::isEquivalentTo(
      a, b,
      [&](Value x, Value y) { return success(x == y || same.lookup(x) == y); },
      [&](Value x, Value y) { same[x] = y; },
      OperationEquivalence::IgnoreLocations);
}

/// Replaces each generic by an earlier one of its block that computes the
/// same values (computeSameValues).
void mergeSameGenerics(func::FuncOp func, RewriterBase &rewriter) {
  func.walk([&](Block *block) {
    SmallVector<linalg::GenericOp> earlier;
    for (Operation &op : llvm::make_early_inc_range(*block)) {
      auto generic = dyn_cast<linalg::GenericOp>(&op);
      if (!generic || !generic.hasPureTensorSemantics())
        continue;
      auto same = llvm::find_if(earlier, [&](linalg::GenericOp e) {
        return computeSameValues(e, generic);
      });
      if (same != earlier.end())
        rewriter.replaceOp(generic, (*same)->getResults());
      else
        earlier.push_back(generic);
    }
  });
}

/// Reads of a chunk loop's result that another of its results equals (the
/// same value inserted at the same place of the same initial tensor: a
/// producer fused and yielded twice) read that one; the canonicalization of
/// scf.forall then drops the unread result.
void mergeSameResults(func::FuncOp func, RewriterBase &rewriter) {
  func.walk([&](scf::ForallOp loop) {
    // Each insert with the index of the result its destination ties it to.
    SmallVector<std::pair<tensor::ParallelInsertSliceOp, unsigned>> inserts;
    for (auto insert : loop.getTerminator()
                           .getBody()
                           ->getOps<tensor::ParallelInsertSliceOp>())
      if (auto dest = dyn_cast<BlockArgument>(insert.getDest());
          dest && dest.getOwner() == loop.getBody())
        inserts.emplace_back(insert, dest.getArgNumber() - loop.getRank());
    for (auto [j, later] : llvm::enumerate(inserts))
      for (auto [first, i] : ArrayRef(inserts).take_front(j))
        if (first.getSource() == later.first.getSource() &&
            loop.getOutputs()[i] == loop.getOutputs()[later.second] &&
            first.getMixedOffsets() == later.first.getMixedOffsets() &&
            first.getMixedSizes() == later.first.getMixedSizes() &&
            first.getMixedStrides() == later.first.getMixedStrides()) {
          rewriter.replaceAllUsesWith(loop->getResult(later.second),
                                      loop->getResult(i));
          break;
        }
  });
}

struct DistributeOpsPass : nnc::impl::DistributeOpsBase<DistributeOpsPass> {
  using DistributeOpsBase::DistributeOpsBase;

  /// The floats of a matmul's operands above which a chunk that re-reads
  /// one of them whole streams it from L3 (1 MiB).
  static constexpr double kCachedOperandFloats = 256 * 1024;

  /// Whether one operand of `matmul` (a scheduled matmul of loops M, N, K;
  /// a dynamic extent counted as in chooseChunks) is bigger than
  /// kCachedOperandFloats.
  bool streamsBigOperand(linalg::LinalgOp matmul) {
    if (!nnc::isScheduledMatmul(matmul) || matmul.getNumLoops() != 3)
      return false;
    SmallVector<double> extents = assumedExtents(matmul);
    return std::max(extents[0], extents[1]) * extents[2] > kCachedOperandFloats;
  }

  /// The loop extents of `op`, a dynamic one (the batch) counted as
  /// `assumedBatch` times the static dims collapsed into it (a dense layer
  /// on sequences: N * T rows).
  SmallVector<double> assumedExtents(linalg::LinalgOp op) {
    SmallVector<double> extents;
    for (auto [d, r] : llvm::enumerate(op.getStaticLoopRanges()))
      extents.push_back(ShapedType::isDynamic(r)
                            ? static_cast<double>(assumedBatch) *
                                  collapsedFactor(op, d)
                            : static_cast<double>(r));
    return extents;
  }

  /// Tile sizes chunking `root` (zero where not tiled), or none when the op
  /// is too small to share.
  std::optional<SmallVector<int64_t>>
  chooseChunks(linalg::LinalgOp root, linalg::LinalgOp contraction) {
    linalg::LinalgOp costed = contraction ? contraction : root;
    SmallVector<int64_t> ranges = costed.getStaticLoopRanges();
    SmallVector<utils::IteratorType> iterators = costed.getIteratorTypesArray();
    unsigned rootLoops = root.getNumLoops();
    bool tiled = nnc::isScheduledMatmul(costed);
    SmallVector<double> extents = assumedExtents(costed);
    double total = pointCost(costed);
    for (double e : extents)
      total *= e;
    bool inStep = root->getParentOfType<scf::ForOp>() != nullptr;
    // Chunks along loop `d`: at least `min-chunk-work`, a multiple of the
    // register tile for a matmul, a divisor of a static extent if one is
    // near (fitChunk).
    auto fittedChunk = [&](unsigned d) {
      auto least =
          static_cast<int64_t>(std::ceil(minChunkWork / (total / extents[d])));
      if (!ShapedType::isDynamic(ranges[d]))
        least =
            std::max<int64_t>(least, llvm::divideCeil(ranges[d], maxChunks));
      // In a recurrent step the elementwise ops' rows are multiples of the
      // matmul's too, so that both cut the batch at the same rows.
      // The innermost loop of a reduction is cut in whole register rows.
      int64_t align = tiled                ? (d == 0 ? tileM : tileN)
                      : d + 1 == rootLoops ? tileN
                      : inStep             ? tileM
                                           : 1;
      return fitChunk(least, ranges[d], align);
    };
    auto tilesAlong = [&](unsigned d, int64_t chunk) {
      SmallVector<int64_t> tiles(rootLoops, 0);
      tiles[d] = chunk;
      return tiles;
    };
    // The loops that may be chunked: parallel, not the vectorized innermost
    // one (a matmul's columns are register tiles, they may; so may the
    // static columns of a reduction over rows, a bias gradient, in whole
    // register rows: it has no other parallel loop), more than one index.
    bool columnReduction = !tiled && costed.getNumReductionLoops() > 0 &&
                           !ShapedType::isDynamic(ranges[rootLoops - 1]) &&
                           ranges[rootLoops - 1] >= 2 * tileN;
    SmallVector<unsigned> candidates;
    for (unsigned d = 0; d < rootLoops; ++d)
      if (iterators[d] == utils::IteratorType::parallel &&
          (d + 1 < rootLoops || rootLoops == 1 || tiled || columnReduction) &&
          (ShapedType::isDynamic(ranges[d]) || ranges[d] >= 2))
        candidates.push_back(d);
    // The batch is cut whenever a chunk of at most twice the assumed batch
    // holds enough (a smaller batch at run time gives a single chunk, run
    // inline).
    auto isBatch = [&](unsigned d) {
      return ShapedType::isDynamic(ranges[d]) &&
             fittedChunk(d) <= 2 * assumedBatch;
    };
    // Elementwise and row-wise ops whose outermost loop is the batch are cut
    // into rows, contiguous in memory (a matmul's register tiles prefer the
    // static loops).
    if (!tiled && !candidates.empty() && isBatch(candidates.front()))
      return tilesAlong(candidates.front(),
                        readsItemLoop(root, candidates.front())
                            ? 1
                            : fittedChunk(candidates.front()));
    // A matmul in a sequential loop (a recurrent layer's step) is cut into
    // rows of the batch too, like the step's elementwise ops: a thread then
    // keeps the same rows of the state from step to step in its own cache
    // (the pool hands a loop's chunks to the same threads while none is
    // late), where columns would move the whole product between cores.
    if (tiled && inStep && !candidates.empty() && candidates.front() == 0 &&
        isBatch(0))
      return tilesAlong(0, fittedChunk(0));
    // So is a dense layer on sequences (rows [N * T], collapsed): a chunk
    // of rows reads its own rows of the activations and the whole weight
    // matrix, which stays in its core's cache, where chunks of columns had
    // every thread stream all the activations (the encoder's 2-thread train
    // step 7.19 -> 6.47 ms, its predict 1.87 -> 1.64 ms, the LSTM's
    // 3.80 -> 3.56 and 1.03 -> 0.89 ms, medians, interleaved).
    if (tiled && !candidates.empty() && candidates.front() == 0 &&
        ShapedType::isDynamic(ranges[0]) && collapsedFactor(costed, 0) > 1)
      return tilesAlong(0, fittedChunk(0));
    // Otherwise, when the op is big at the assumed batch, the static loop
    // with the best chunks: two or more, then without remainder (every
    // chunk static), then four or more; the first one on a tie.
    // On a tie between a matmul's rows and columns, the chunks that read
    // less: each chunk of rows reads the whole right operand [K, N], each
    // chunk of columns the whole left one [M, K]. A weight gradient over a
    // long batch (the encoder's feed-forward dW, K = N * T = 1024) cut into
    // rows streamed its 2 MB right operand from L3 once per 8 rows, at 40%
    // of peak.
    // Only when an operand is bigger than the L2 share (smaller ones stay
    // cached whichever way the matmul is cut).
    auto operandFloats = [&](unsigned d) {
      return streamsBigOperand(costed) ? extents[2] * extents[1 - d] : 0.0;
    };
    std::optional<SmallVector<int64_t>> best;
    int bestScore = -1;
    double bestTraffic = 0;
    if (total >= 2 * minChunkWork)
      for (unsigned d : candidates) {
        int64_t extent = ranges[d];
        if (ShapedType::isDynamic(extent))
          continue;
        int64_t chunk = fittedChunk(d);
        int64_t count = llvm::divideCeil(extent, chunk);
        // A matmul's columns are cut without remainder only: the schedule
        // leaves a matmul with a dynamic N to the scalar lowering.
        if (count < 2 || (tiled && d != 0 && extent % chunk != 0))
          continue;
        int score = (extent % chunk == 0 ? 2 : 0) + (count >= 4 ? 1 : 0);
        double traffic =
            d < 2 ? static_cast<double>(count) * operandFloats(d) : 0.0;
        if (score > bestScore ||
            (score == bestScore && traffic < bestTraffic)) {
          bestScore = score;
          bestTraffic = traffic;
          best = tilesAlong(d, chunk);
        }
      }
    if (best)
      return best;
    // Else the batch, wherever it is.
    for (unsigned d : candidates)
      if (isBatch(d))
        return tilesAlong(d, fittedChunk(d));
    return std::nullopt;
  }

  /// The transpose feeding the right operand of `matmul` (the root's
  /// contraction, or the root), when chunks of `tiles` cut the matmul's
  /// columns alone through an identity map: each chunk then transposes its
  /// own rows of the weight into a contiguous `[K, chunk]` panel, which its
  /// register tiles stream from the L2 in order. The whole transposed
  /// weight, read 32 columns of each 512-byte row at a time, kept
  /// fashion_cnn's dense layer at 68% of peak, and its transpose was a
  /// parallel loop of its own.
  static linalg::TransposeOp fusableTranspose(linalg::LinalgOp root,
                                              linalg::LinalgOp matmul,
                                              ArrayRef<int64_t> tiles) {
    if (!isa_and_nonnull<linalg::MatmulOp>(matmul) || tiles.size() < 2 ||
        tiles[0] != 0 || tiles[1] == 0 ||
        llvm::any_of(tiles.drop_front(2), [](int64_t t) { return t != 0; }))
      return nullptr;
    if (root != matmul) {
      OpOperand *use = nullptr;
      for (OpOperand *input : root.getDpsInputOperands())
        if (input->get().getDefiningOp() == matmul.getOperation())
          use = input;
      if (!use || !root.getMatchingIndexingMap(use).isIdentity())
        return nullptr;
    }
    auto transpose =
        matmul.getDpsInputs()[1].getDefiningOp<linalg::TransposeOp>();
    if (!transpose ||
        !transposesRhs(cast<linalg::LinalgOp>(transpose.getOperation())))
      return nullptr;
    return transpose;
  }

  /// Copies the right operand [K, chunk] of a column chunk's matmul into a
  /// tensor of its own, contiguous: the register tiles then read it in
  /// order, where the rows of the whole operand lie a page or more apart.
  static void packRhs(RewriterBase &rewriter, linalg::LinalgOp matmul) {
    Value rhs = matmul.getDpsInputs()[1];
    auto type = cast<RankedTensorType>(rhs.getType());
    OpBuilder::InsertionGuard guard(rewriter);
    rewriter.setInsertionPoint(matmul);
    Location loc = matmul.getLoc();
    SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(rewriter, loc, rhs);
    Value empty =
        rewriter.create<tensor::EmptyOp>(loc, sizes, type.getElementType());
    Value packed =
        rewriter.create<linalg::CopyOp>(loc, rhs, empty).getResult(0);
    matmul->setOperand(1, packed);
  }

  void runOnOperation() override {
    func::FuncOp func = getOperation();
    SmallVector<linalg::LinalgOp> roots, deferred;
    func.walk([&](linalg::LinalgOp op) {
      if (!op.hasPureTensorSemantics() || op->getNumResults() == 0 ||
          op.getNumParallelLoops() == 0 || isa<linalg::FillOp>(op) ||
          feedsEpilogue(op) || op->getParentOfType<scf::ForallOp>())
        return;
      (transposesRhs(op) ? deferred : roots).push_back(op);
    });
    IRRewriter rewriter(&getContext());
    DenseSet<Operation *> fusedTransposes, fused;
    auto distribute = [&](linalg::LinalgOp root) {
      linalg::LinalgOp contraction = fusedContraction(root);
      std::optional<SmallVector<int64_t>> tiles =
          chooseChunks(root, contraction);
      if (!tiles)
        return;
      linalg::TransposeOp transpose =
          fusableTranspose(root, contraction ? contraction : root, *tiles);
      rewriter.setInsertionPoint(root);
      scf::SCFTilingOptions tiling;
      tiling.setTileSizes(getAsIndexOpFoldResult(&getContext(), *tiles));
      tiling.setLoopType(scf::SCFTilingOptions::LoopType::ForallOp);
      scf::SCFTileAndFuseOptions options;
      options.setTilingOptions(tiling);
      // Fuse the epilogue's matmul, accumulator fills and the weight
      // transpose of a column chunk, and the producers each chunk computes
      // a part of its own (computedPerChunk) that nothing else before the
      // root reads: other producers (other layers) must not be recomputed
      // per chunk. (The tuple: fuse it, yield a replacement for it when it
      // is read after the root, as normalization statistics are by the
      // backward pass.)
      // The ops whose results reach the root, computed on first need.
      std::optional<SetVector<Operation *>> feeding;
      auto feeds = [&](Operation *op) {
        if (!feeding) {
          feeding.emplace();
          (void)getBackwardSlice(root.getOperation(), &*feeding);
        }
        return feeding->contains(op);
      };
      options.setFusionControlFn([&](tensor::ExtractSliceOp slice,
                                     OpResult producer, bool) {
        Operation *op = producer.getOwner();
        if (isa<linalg::FillOp>(op) || op == contraction.getOperation() ||
            (transpose && op == transpose.getOperation()))
          return std::make_tuple(true, false);
        if (!computedPerChunk(slice, producer))
          return std::make_tuple(false, false);
        bool later = false;
        Operation *chunk = slice->getParentOfType<scf::ForallOp>();
        for (Operation *user : op->getUsers()) {
          if (isa<tensor::DimOp>(user) || user == root.getOperation() ||
              feeds(user) || chunk->isAncestor(user))
            continue;
          // A reader inside an op of the root's block (another chunk).
          Operation *reader = root->getBlock()->findAncestorOpInBlock(*user);
          if (!reader || !root->isBeforeInBlock(reader))
            return std::make_tuple(false, false);
          later = true;
        }
        // What later readers get is the chunks' results: only a producer
        // computed whole in them can stand for the tensor.
        if (later && !nnc::readsUncutDimsWhole(slice))
          return std::make_tuple(false, false);
        return std::make_tuple(true, later);
      });
      FailureOr<scf::SCFTileAndFuseResult> tiled =
          scf::tileConsumerAndFuseProducersUsingSCF(
              rewriter, cast<TilingInterface>(root.getOperation()), options);
      if (failed(tiled))
        return; // stays on one thread: correct, only slower
      if (transpose)
        fusedTransposes.insert(transpose);
      else if (tiles->size() >= 2 && (*tiles)[0] == 0 && (*tiles)[1] != 0 &&
               streamsBigOperand(contraction ? contraction : root))
        for (Operation *op : tiled->tiledAndFusedOps)
          if (nnc::isScheduledMatmul(op))
            packRhs(rewriter, cast<linalg::LinalgOp>(op));
      for (OpResult result : root->getResults())
        if (Value replacement = tiled->replacements.lookup(result))
          rewriter.replaceAllUsesWith(result, replacement);
      // The fused producers read after the root read the chunks' results;
      // their readers before it were fused too, and die with the originals.
      // One still read by an op left outside the chunk keeps its own chunks.
      Operation *loop = tiled->loops.front().getOperation();
      for (Operation *producer : tiled->fusedProducers) {
        for (OpResult result : producer->getResults())
          if (Value replacement = tiled->replacements.lookup(result))
            rewriter.replaceUsesWithIf(
                result, replacement, [&](OpOperand &use) {
                  Operation *reader =
                      loop->getBlock()->findAncestorOpInBlock(*use.getOwner());
                  return reader && loop->isBeforeInBlock(reader);
                });
        if (llvm::all_of(producer->getUsers(), [&](Operation *user) {
              return isa<tensor::DimOp>(user) || user == root.getOperation() ||
                     tiled->fusedProducers.contains(user);
            }))
          fused.insert(producer);
      }
      rewriter.eraseOp(root);
    };
    // Consumers first, so that the producers a chunk computes
    // (computedPerChunk) are fused before they would get chunks of their own.
    for (linalg::LinalgOp root : llvm::reverse(roots))
      if (!fused.contains(root.getOperation()))
        distribute(root);
    // The weight transposes that no matmul chunk took (the matmul was cut
    // into rows, or not at all) are chunked like any op.
    for (linalg::LinalgOp transpose : deferred)
      if (!fusedTransposes.contains(transpose))
        distribute(transpose);
    // A statistic read by two ops of a chunk (the mean, by the squared
    // deviations and the normalization) was fused once for each: one copy
    // (also when one copy writes the chunk's yielded result).
    DominanceInfo dominance;
    eliminateCommonSubExpressions(rewriter, dominance, func);
    mergeSameGenerics(func, rewriter);
    mergeSameResults(func, rewriter);
    // The fused matmuls and fills are dead now but for the sizes the chunks
    // take from them (`tensor.dim`): those are folded to their inits' and
    // the dead ops erased, before the matmul schedule would turn them into
    // loops that stay; loop results no longer read are dropped.
    RewritePatternSet patterns(&getContext());
    tensor::DimOp::getCanonicalizationPatterns(patterns, &getContext());
    scf::ForallOp::getCanonicalizationPatterns(patterns, &getContext());
    if (failed(applyPatternsAndFoldGreedily(func, std::move(patterns))))
      return signalPassFailure();
  }
};

} // namespace
