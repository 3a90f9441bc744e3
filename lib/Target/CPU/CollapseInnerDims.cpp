//===- CollapseInnerDims.cpp - long rows for the vectorizer ---------------===//
//
// Implements nnc-collapse-inner-dims, on linalg on tensors right before
// nnc-vectorize-ops: a generic whose innermost loop is not a multiple of the
// vector width (the 14 columns of a 14 x 14 feature map) and whose innermost
// loops every operand reads as its own innermost dims, in order and
// contiguous in memory, or not at all, has those loops folded into one
// (`linalg::collapseOpIterationDims`). nnc-vectorize-ops tiles along the
// innermost loop, so a batch normalization's or ReLU's gradient over
// `[C, 14, 14]` ran as rows of 14 floats, each one vector loaded and stored
// as three pieces (8 + 4 + 2) with a loop step; as `[C, 196]` it runs as
// vectors of 98. Inputs broadcast along unit dims (a per-channel `[C, 1, 1]`
// scale read as `(c, h, w) -> (c, 0, 0)`) are first read through a
// collapse_shape without those dims. Contiguity is checked through slices,
// reshapes, loop arguments and in-place results: a window of a bigger image
// (the `[10, 10]` taps of a convolution's input gradient inside `[14, 14]`)
// stays as it is, since collapsing it would copy it to a temporary and back.
// The same ops compute the same elements, reductions in the same order.
//
//===----------------------------------------------------------------------===//

#include "nnc/Target/CPU/Passes.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Interfaces/DestinationStyleOpInterface.h"
#include "mlir/Interfaces/FunctionInterfaces.h"

#include "llvm/ADT/SmallBitVector.h"

namespace nnc {
#define GEN_PASS_DEF_COLLAPSEINNERDIMS
#include "nnc/Target/CPU/Passes.h.inc"
} // namespace nnc

using namespace mlir;

namespace {

/// Whether dims `first..` (to the last) of `value`'s type lie contiguously in
/// memory once bufferized, followed through the views it may be: a slice
/// must take every element of those dims but the first, with unit strides;
/// reshapes, loop arguments and results written in place (into a
/// destination) are followed to what they view; a fresh tensor and a
/// function argument (an identity layout) are contiguous; anything else is not
/// assumed to be.
bool isContiguousFrom(Value value, int64_t first) {
  if (auto arg = dyn_cast<BlockArgument>(value)) {
    Operation *owner = arg.getOwner()->getParentOp();
    if (isa<FunctionOpInterface>(owner))
      return true;
    if (auto loop = dyn_cast<scf::ForOp>(owner))
      if (OpOperand *init = loop.getTiedLoopInit(arg))
        return isContiguousFrom(init->get(), first);
    if (auto loop = dyn_cast<scf::ForallOp>(owner))
      if (OpOperand *out = loop.getTiedOpOperand(arg))
        return isContiguousFrom(out->get(), first);
    return false;
  }
  Operation *op = value.getDefiningOp();
  if (auto slice = dyn_cast<tensor::ExtractSliceOp>(op)) {
    auto source = slice.getSourceType();
    int64_t rank = source.getRank();
    if (!slice.hasUnitStride())
      return false;
    // Dim `first` of the result in the source (a rank-reducing slice drops
    // unit dims).
    llvm::SmallBitVector dropped = slice.getDroppedDims();
    int64_t from = -1;
    for (int64_t d = 0, kept = 0; d < rank && from < 0; ++d)
      if (!dropped.test(d) && kept++ == first)
        from = d;
    if (from < 0)
      return false;
    SmallVector<OpFoldResult> sizes = slice.getMixedSizes();
    for (int64_t d = from + 1; d < rank; ++d)
      if (source.isDynamicDim(d) ||
          !isConstantIntValue(sizes[d], source.getDimSize(d)))
        return false;
    return isContiguousFrom(slice.getSource(), from);
  }
  if (auto expand = dyn_cast<tensor::ExpandShapeOp>(op)) {
    for (auto [i, group] : llvm::enumerate(expand.getReassociationIndices()))
      if (llvm::is_contained(group, first))
        return isContiguousFrom(expand.getSrc(), i);
    return false;
  }
  if (auto collapse = dyn_cast<tensor::CollapseShapeOp>(op))
    return isContiguousFrom(collapse.getSrc(),
                            collapse.getReassociationIndices()[first].front());
  // Results written in place into an operand are that operand's buffer.
  auto result = cast<OpResult>(value);
  if (auto loop = dyn_cast<scf::ForOp>(op))
    return isContiguousFrom(loop.getInits()[result.getResultNumber()], first);
  if (auto loop = dyn_cast<scf::ForallOp>(op))
    return isContiguousFrom(loop.getOutputs()[result.getResultNumber()], first);
  if (auto dps = dyn_cast<DestinationStyleOpInterface>(op))
    return isContiguousFrom(dps.getTiedOpOperand(result)->get(), first);
  return isa<tensor::EmptyOp, bufferization::ToTensorOp>(op);
}

/// `op` with each input that it broadcasts along unit dims (a per-channel
/// `[C, 1, 1]` scale read as `(c, h, w) -> (c, 0, 0)`) read through a
/// collapse_shape that drops those dims, so that every map is a projected
/// permutation; `op` itself when there is none or an input is not such a
/// read.
linalg::GenericOp dropBroadcastUnitDims(RewriterBase &rewriter,
                                        linalg::GenericOp op) {
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  SmallVector<Value> inputs = op.getDpsInputs();
  bool changed = false;
  for (OpOperand *input : op.getDpsInputOperands()) {
    AffineMap map = op.getMatchingIndexingMap(input);
    auto type = dyn_cast<RankedTensorType>(input->get().getType());
    if (!type || map.isProjectedPermutation())
      continue;
    if (!map.isProjectedPermutation(/*allowZeroInResults=*/true))
      return op;
    SmallVector<AffineExpr> kept;
    SmallVector<ReassociationIndices> groups;
    for (auto [i, expr] : llvm::enumerate(map.getResults())) {
      if (isa<AffineConstantExpr>(expr)) {
        if (type.getDimSize(i) != 1)
          return op;
        if (!groups.empty())
          groups.back().push_back(i);
        continue;
      }
      kept.push_back(expr);
      if (groups.empty() && i > 0) {
        // Leading unit dims join the first kept dim.
        ReassociationIndices group;
        for (int64_t j = 0; j <= static_cast<int64_t>(i); ++j)
          group.push_back(j);
        groups.push_back(group);
      } else {
        groups.push_back({static_cast<int64_t>(i)});
      }
    }
    if (kept.empty())
      return op;
    unsigned index = input->getOperandNumber();
    maps[index] = AffineMap::get(map.getNumDims(), 0, kept, op.getContext());
    rewriter.setInsertionPoint(op);
    inputs[index] = rewriter.create<tensor::CollapseShapeOp>(
        op.getLoc(), input->get(), groups);
    changed = true;
  }
  if (!changed)
    return op;
  rewriter.setInsertionPoint(op);
  auto generic = rewriter.create<linalg::GenericOp>(
      op.getLoc(), op->getResultTypes(), inputs, op.getDpsInits(), maps,
      op.getIteratorTypesArray());
  generic->setDiscardableAttrs(op->getDiscardableAttrDictionary());
  rewriter.inlineRegionBefore(op.getRegion(), generic.getRegion(),
                              generic.getRegion().end());
  rewriter.replaceOp(op, generic->getResults());
  return generic;
}

/// Folds the innermost loops of a generic into one when every operand
/// reads them as its own innermost dims, contiguous in memory, or not at
/// all, and the innermost loop is not a multiple of the vector width: a
/// batch normalization's or ReLU's gradient over `[C, 14, 14]` is then
/// tiled along rows of 196 (vectors of 98) instead of rows of 14, each one
/// vector loaded and stored as three pieces (8 + 4 + 2) and a loop step.
/// The same elements are computed by the same ops, reductions in the same
/// order.
void collapseInnerDims(RewriterBase &rewriter, linalg::GenericOp op,
                       int64_t lanes) {
  if (!op.hasPureTensorSemantics() || op.getNumLoops() < 2)
    return;
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  SmallVector<utils::IteratorType> kinds = op.getIteratorTypesArray();
  int64_t rank = static_cast<int64_t>(ranges.size());
  // (A unit innermost loop, a keepdim statistic's, is no row to lengthen.)
  if (ShapedType::isDynamic(ranges[rank - 1]) || ranges[rank - 1] < 2 ||
      ranges[rank - 1] % lanes == 0)
    return;
  bool gathers = false;
  op->walk([&](tensor::ExtractOp) { gathers = true; });
  if (gathers || llvm::any_of(op.getIndexingMapsArray(), [](AffineMap map) {
        return !map.isProjectedPermutation(/*allowZeroInResults=*/true);
      }))
    return;
  // The innermost run of static loops of one kind that every operand reads
  // as its innermost dims (unit dims it broadcasts along aside), in order
  // and contiguous, or not at all.
  int64_t first = rank - 1;
  auto readsAsInnermost = [&](int64_t from) {
    for (OpOperand &operand : op->getOpOperands()) {
      AffineMap map = op.getMatchingIndexingMap(&operand);
      auto type = dyn_cast<RankedTensorType>(operand.get().getType());
      // (loop, operand dim) of each dim result.
      SmallVector<std::pair<int64_t, int64_t>> dims;
      for (auto [i, expr] : llvm::enumerate(map.getResults())) {
        if (auto dim = dyn_cast<AffineDimExpr>(expr))
          dims.push_back({dim.getPosition(), i});
        else if (!op.isDpsInput(&operand) || !type || type.getDimSize(i) != 1)
          return false;
      }
      int64_t count = rank - from, size = dims.size();
      if (llvm::none_of(dims, [&](auto d) { return d.first >= from; }))
        continue;
      if (size < count)
        return false;
      for (int64_t k = 0; k < count; ++k)
        if (dims[size - count + k].first != from + k)
          return false;
      if (!isContiguousFrom(operand.get(), dims[size - count].second))
        return false;
    }
    return true;
  };
  while (first > 0 && !ShapedType::isDynamic(ranges[first - 1]) &&
         kinds[first - 1] == kinds[rank - 1] && readsAsInnermost(first - 1))
    --first;
  if (first == rank - 1)
    return;
  op = dropBroadcastUnitDims(rewriter, op);
  if (llvm::any_of(op.getIndexingMapsArray(),
                   [](AffineMap map) { return !map.isProjectedPermutation(); }))
    return;
  ReassociationIndices run;
  for (int64_t d = first; d < rank; ++d)
    run.push_back(d);
  rewriter.setInsertionPoint(op);
  FailureOr<linalg::CollapseResult> collapsed = linalg::collapseOpIterationDims(
      cast<linalg::LinalgOp>(*op), {run}, rewriter);
  if (succeeded(collapsed))
    rewriter.replaceOp(op, collapsed->results);
}

struct CollapseInnerDimsPass
    : nnc::impl::CollapseInnerDimsBase<CollapseInnerDimsPass> {
  using CollapseInnerDimsBase::CollapseInnerDimsBase;

  void runOnOperation() override {
    SmallVector<linalg::GenericOp> generics;
    getOperation()->walk([&](linalg::GenericOp op) { generics.push_back(op); });
    IRRewriter rewriter(&getContext());
    for (linalg::GenericOp op : generics)
      collapseInnerDims(rewriter, op, vectorLanes);
  }
};

} // namespace
