//===- FuseElementwise.cpp - elementwise fusion that keeps contractions ---===//
//
// Implements nnc-fuse-elementwise: MLIR's elementwise fusion on tensors
// (the patterns of `linalg-fuse-elementwise-ops`: producer/consumer fusion
// of all-parallel generics, reshape propagation by expansion, constant
// folding of linalg ops) with one change in the reshape control: a
// tensor.expand_shape/collapse_shape is never folded into a contraction
// (a linalg op with a reduction loop, such as linalg.matmul or
// linalg.batch_matmul) nor into a transpose, and a producer that the consumer
// broadcasts is not fused into it (it would be recomputed per element). The
// stock pass rewrites `matmul -> expand_shape` (a dense layer on [N, T, D],
// attention heads) into a higher-rank linalg.generic contraction, which the
// matmul schedule does not recognise and which then runs as a scalar loop nest.
// Elementwise ops still absorb reshapes, so biases and activations keep fusing.
// One fusion the stock patterns lack: a relu (maximumf with a constant) of a
// max reduction (max pooling) becomes the reduction's initial value, so that
// the relu that nn's PoolBeforeRelu moved after the pooling costs no pass of
// its own. And one repair after it: the stock patterns give every generic
// whose payload ignores an init a tensor.empty init (RemoveOutsDependency);
// where that result is then inserted into a slice of a tensor that exists
// before the generic (a GRU step's stored gate terms, written block by block
// into the [N, T, 4H] sequence), the init becomes that slice again, so that
// one-shot bufferization writes in place instead of into a temporary that
// is copied afterwards (empty-tensor elimination cannot: the insert_slice's
// destination is the previous block's insert, defined after the generic).
//
//===----------------------------------------------------------------------===//

#include "nnc/Codegen/Passes.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/Tensor/Transforms/Transforms.h"
#include "mlir/IR/Dominance.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace nnc {
#define GEN_PASS_DEF_FUSEELEMENTWISE
#include "nnc/Codegen/Passes.h.inc"
} // namespace nnc

using namespace mlir;

namespace {

/// A linalg op with a reduction loop (matmul, batch_matmul, a contraction
/// or reduction generic).
bool hasReduction(Operation *op) {
  auto linalgOp = dyn_cast_or_null<linalg::LinalgOp>(op);
  return linalgOp && linalgOp.getNumReductionLoops() > 0;
}

/// The source's producer when `op` is a tensor.expand_shape/collapse_shape,
/// else `op` itself.
Operation *throughReshape(Operation *op) {
  if (isa_and_nonnull<tensor::ExpandShapeOp, tensor::CollapseShapeOp>(op))
    return op->getOperand(0).getDefiningOp();
  return op;
}

/// A transpose, or a generic that only permutes its one input: folding a
/// reshape into it would split the dims it moves (a convolution's output
/// gradient [F, OH * OW] read as [OH * OW, F] became [F, OH, OW] to
/// [OH, OW, F]), and nnc-vectorize-ops transposes in square blocks only
/// along whole dims (14 or 28 rows are no multiple of 8, 196 and 784 are).
bool isPermutationCopy(Operation *op) {
  if (isa_and_nonnull<linalg::TransposeOp>(op))
    return true;
  auto generic = dyn_cast_or_null<linalg::GenericOp>(op);
  if (!generic || generic.getNumDpsInputs() != 1 ||
      generic.getNumDpsInits() != 1 ||
      generic.getNumParallelLoops() != generic.getNumLoops())
    return false;
  Block *body = generic.getBody();
  if (body->getOperations().size() != 1 ||
      body->getTerminator()->getOperand(0) != body->getArgument(0))
    return false;
  AffineMap in = generic.getIndexingMapsArray()[0];
  return in.isPermutation() && !in.isIdentity();
}

/// An all-parallel generic whose body is a few additions, subtractions,
/// multiplications, comparisons or selects: recomputing it in each of its
/// consumers costs less than the pass over memory that writes its result and
/// the passes that read it back (batchnorm's training gradient over
/// fashion_cnn's [128, 32, 28, 28] activations was a dozen passes of one or
/// two arith ops each, 2 ms apiece). Recomputed, it gives the same bits.
/// Not an op on a contraction's result (a dense layer's bias): it stays the
/// product's epilogue, fused into its register tiles. Nor, when the result
/// comes through a reshape (a [N, T, F] layer's rows), one that also reads a
/// second tensor of its full size (the GELU derivative times the layer's
/// input gradient): each consumer would read both instead of the op's result,
/// and the product would store its raw result for them too. A broadcast
/// operand (the bias) is read by every consumer anyway.
bool isCheap(Operation *op) {
  auto generic = dyn_cast<linalg::GenericOp>(op);
  if (!generic || generic.getNumParallelLoops() != generic.getNumLoops() ||
      generic->getNumResults() != 1 ||
      llvm::any_of(generic->getOperands(),
                   [](Value v) { return hasReduction(v.getDefiningOp()); }))
    return false;
  int reshapedProducts = 0, fullInputs = 0;
  for (OpOperand *input : generic.getDpsInputOperands()) {
    if (generic.getMatchingIndexingMap(input).getNumResults() ==
        generic.getNumLoops())
      ++fullInputs;
    Operation *def = input->get().getDefiningOp();
    if (throughReshape(def) != def && hasReduction(throughReshape(def)))
      ++reshapedProducts;
  }
  if (reshapedProducts > 0 && fullInputs > 1)
    return false;
  int count = 0;
  for (Operation &inner : generic.getBody()->without_terminator()) {
    if (!isa<arith::AddFOp, arith::SubFOp, arith::MulFOp, arith::NegFOp,
             arith::MaximumFOp, arith::MinimumFOp, arith::CmpFOp,
             arith::SelectOp, arith::ConstantOp>(inner))
      return false;
    ++count;
  }
  return count <= 4;
}

/// Whether `value` is written to memory whatever else fuses: it is read by
/// a contraction (a named linalg op with a reduction loop: matmul,
/// batch_matmul), directly or through a reshape, which no elementwise
/// producer fuses into.
bool feedsContraction(Value value) {
  auto isContraction = [](Operation *op) {
    return isa<linalg::LinalgOp>(op) && !isa<linalg::GenericOp>(op) &&
           hasReduction(op);
  };
  for (Operation *user : value.getUsers()) {
    if (isContraction(user))
      return true;
    if (isa<tensor::ExpandShapeOp, tensor::CollapseShapeOp>(user) &&
        llvm::any_of(user->getResult(0).getUsers(), isContraction))
      return true;
  }
  return false;
}

/// Whether fusing the cheap `producer` into `consumer` gains nothing: the
/// producer's result is written anyway (feedsContraction), and the consumer
/// would read a full-size input of the producer that it does not read now
/// instead of the result, as many bytes, and that input would have to be
/// kept for it. A softmax's `e * (1 / sum)` read by the attention's value
/// product and by the softmax gradient kept `e` (1 MB of the encoder's
/// [16, 4, 64, 64] scores) written for the gradient alone.
bool recomputesForNothing(Operation *producer, Operation *consumer) {
  auto generic = dyn_cast<linalg::GenericOp>(producer);
  if (!generic || !feedsContraction(producer->getResult(0)))
    return false;
  for (OpOperand *input : generic.getDpsInputOperands())
    if (generic.getMatchingIndexingMap(input).getNumResults() ==
            generic.getNumLoops() &&
        !llvm::is_contained(consumer->getOperands(), input->get()))
      return true;
  return false;
}

/// The constant `c` when `generic` is `max(x, c)` elementwise (arith.maximumf
/// of its one input and a float constant, identity maps).
std::optional<APFloat> clampConstant(linalg::GenericOp generic) {
  if (generic.getNumDpsInputs() != 1 || generic.getNumDpsInits() != 1 ||
      generic.getNumReductionLoops() != 0 ||
      !llvm::all_of(generic.getIndexingMapsArray(),
                    [](AffineMap map) { return map.isIdentity(); }))
    return std::nullopt;
  Block *body = generic.getBody();
  if (body->getOperations().size() != 2)
    return std::nullopt;
  auto max = dyn_cast<arith::MaximumFOp>(body->front());
  if (!max || body->getTerminator()->getOperand(0) != max.getResult())
    return std::nullopt;
  Value in = body->getArgument(0), other;
  if (max.getLhs() == in)
    other = max.getRhs();
  else if (max.getRhs() == in)
    other = max.getLhs();
  FloatAttr c;
  if (!other || !matchPattern(other, m_Constant(&c)))
    return std::nullopt;
  return c.getValue();
}

/// relu(maxpool(x)) -> maxpool(x) from max(init, 0): `max(r, c)` of a max
/// reduction `r` whose accumulator is filled with `v` (and used by nothing
/// else) fills it with max(v, c) instead. arith.maximumf is associative and
/// commutative, NaN included, so every output is the same value.
struct ClampIntoMaxReduction : OpRewritePattern<linalg::GenericOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(linalg::GenericOp clamp,
                                PatternRewriter &rewriter) const override {
    std::optional<APFloat> c = clampConstant(clamp);
    if (!c)
      return failure();
    auto reduction = clamp.getDpsInputs()[0].getDefiningOp<linalg::GenericOp>();
    if (!reduction || !reduction->hasOneUse() ||
        reduction.getNumDpsInits() != 1 ||
        reduction.getNumReductionLoops() == 0 ||
        reduction->getResult(0).getType() != clamp->getResult(0).getType())
      return failure();
    // The reduction yields max(anything not read from the accumulator,
    // accumulator).
    Block *body = reduction.getBody();
    Value acc = body->getArguments().back();
    auto max =
        body->getTerminator()->getOperand(0).getDefiningOp<arith::MaximumFOp>();
    if (!max || max->getBlock() != body ||
        (max.getLhs() != acc && max.getRhs() != acc) || !acc.hasOneUse())
      return failure();
    auto fill = reduction.getDpsInits()[0].getDefiningOp<linalg::FillOp>();
    FloatAttr v;
    if (!fill || !fill->hasOneUse() ||
        !matchPattern(fill.getInputs()[0], m_Constant(&v)))
      return failure();
    APFloat init = llvm::maximum(v.getValue(), *c);
    rewriter.setInsertionPoint(fill);
    Value value = rewriter.create<arith::ConstantOp>(
        fill.getLoc(), FloatAttr::get(v.getType(), init));
    rewriter.modifyOpInPlace(fill,
                             [&] { fill.getInputsMutable()[0].set(value); });
    rewriter.replaceOp(clamp, reduction->getResults());
    return success();
  }
};

/// The tensor the result of `op` tied to `init` is inserted into (by its
/// one insert_slice; other ops may read it too), as a value that exists
/// before `op` (through a chain of insert_slice ops into it), with the
/// insertion's slice; null if there is none.
std::pair<Value, tensor::InsertSliceOp>
insertedInto(linalg::GenericOp op, OpOperand &init, DominanceInfo &dominance) {
  OpResult result = op.getTiedOpResult(&init);
  tensor::InsertSliceOp insert;
  for (OpOperand &use : result.getUses()) {
    auto user = dyn_cast<tensor::InsertSliceOp>(use.getOwner());
    if (!user || use.getOperandNumber() != 0)
      continue;
    if (insert)
      return {};
    insert = user;
  }
  if (!insert)
    return {};
  auto before = [&](Value v) { return dominance.properlyDominates(v, op); };
  Value dest = insert.getDest();
  while (!before(dest)) {
    auto earlier = dest.getDefiningOp<tensor::InsertSliceOp>();
    if (!earlier)
      return {};
    dest = earlier.getDest();
  }
  if (!llvm::all_of(insert.getOffsets(), before) ||
      !llvm::all_of(insert.getSizes(), before) ||
      !llvm::all_of(insert.getStrides(), before))
    return {};
  return {dest, insert};
}

/// Gives a generic the slice its result is inserted into as init, in place
/// of the tensor.empty RemoveOutsDependency gave it. The payload does not
/// read the init, so any tensor of its type computes the same values;
/// bufferization decides whether the write is in place.
void initFromInsertedSlices(Operation *root) {
  DominanceInfo dominance(root);
  root->walk([&](linalg::GenericOp op) {
    struct Target {
      OpOperand *init;
      Value dest;
      tensor::InsertSliceOp insert;
    };
    SmallVector<Target> targets;
    llvm::SmallDenseMap<Value, int> perDest;
    for (OpOperand &init : op.getDpsInitsMutable()) {
      auto empty = init.get().getDefiningOp<tensor::EmptyOp>();
      if (!empty || op.payloadUsesValueFromOperand(&init))
        continue;
      auto [dest, insert] = insertedInto(op, init, dominance);
      if (!dest)
        continue;
      targets.push_back({&init, dest, insert});
      ++perDest[dest];
    }
    for (const Target &target : targets) {
      // Several slices of one tensor as the inits of one op (an LSTM step's
      // four gate gradients): bufferization keeps at most one in place
      // (chunked for the threads, an scf.forall reads them all) and would
      // copy the others in and out; a fresh tensor is only copied out.
      if (perDest[target.dest] > 1)
        continue;
      OpBuilder b(op);
      tensor::InsertSliceOp insert = target.insert;
      target.init->set(b.create<tensor::ExtractSliceOp>(
          insert.getLoc(), cast<RankedTensorType>(target.init->get().getType()),
          target.dest, insert.getMixedOffsets(), insert.getMixedSizes(),
          insert.getMixedStrides()));
    }
  });
}

struct FuseElementwisePass
    : nnc::impl::FuseElementwiseBase<FuseElementwisePass> {
  void runOnOperation() override {
    MLIRContext *ctx = &getContext();
    RewritePatternSet patterns(ctx);
    // A producer the consumer broadcasts (its operand map drops loops, like
    // a per-channel [C] value read by an [N, C, H, W] op) is not fused: its
    // body would run once per consumer element instead of once per value
    // (inference batchnorm's gamma / sqrt(var + eps): a sqrt and a divide
    // per pixel).
    linalg::ControlFusionFn fuseSingleUse = [](OpOperand *fused) {
      Operation *producer = fused->get().getDefiningOp();
      if (!producer || (!producer->hasOneUse() &&
                        (!isCheap(producer) ||
                         recomputesForNothing(producer, fused->getOwner()))))
        return false;
      auto consumer = dyn_cast<linalg::LinalgOp>(fused->getOwner());
      return !consumer ||
             consumer.getMatchingIndexingMap(fused).getNumResults() ==
                 consumer.getNumLoops();
    };
    linalg::ControlFusionFn keepContractions = [](OpOperand *fused) {
      Operation *producer = fused->get().getDefiningOp();
      if (!producer || !producer->hasOneUse())
        return false;
      // The reshape's other side: through a reshape producer to its source.
      Operation *beyond = throughReshape(producer);
      return !hasReduction(producer) && !hasReduction(beyond) &&
             !hasReduction(fused->getOwner()) && !isPermutationCopy(producer) &&
             !isPermutationCopy(beyond) &&
             !isPermutationCopy(fused->getOwner());
    };
    linalg::populateElementwiseOpsFusionPatterns(patterns, fuseSingleUse);
    linalg::populateFoldReshapeOpsByExpansionPatterns(patterns,
                                                      keepContractions);
    affine::AffineApplyOp::getCanonicalizationPatterns(patterns, ctx);
    linalg::GenericOp::getCanonicalizationPatterns(patterns, ctx);
    tensor::ExpandShapeOp::getCanonicalizationPatterns(patterns, ctx);
    tensor::CollapseShapeOp::getCanonicalizationPatterns(patterns, ctx);
    ctx->getLoadedDialect<linalg::LinalgDialect>()->getCanonicalizationPatterns(
        patterns);
    linalg::populateConstantFoldLinalgOperations(patterns, fuseSingleUse);
    patterns.add<ClampIntoMaxReduction>(ctx);
    GreedyRewriteConfig config;
    config.useTopDownTraversal = true;
    if (failed(applyPatternsAndFoldGreedily(getOperation(), std::move(patterns),
                                            config)))
      return signalPassFailure();
    initFromInsertedSlices(getOperation());
  }
};

} // namespace
