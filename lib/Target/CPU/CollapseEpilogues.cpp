//===- CollapseEpilogues.cpp - a matmul's epilogue on the matmul's loops --===//
//
// Implements nnc-collapse-epilogues: an all-parallel linalg.generic that
// reads a matmul's result through `tensor.expand_shape` (`[M, N]` ->
// `[B..., T, N]`, put there by the shared fusion's reshape propagation) is
// collapsed back to the matmul's two loops, with its other operands
// collapsed alike and its result expanded back. The generic is then the
// product's epilogue for nnc-distribute-ops and nnc-matmul-schedule, which
// add the bias in the register tile instead of in a second pass over the
// product. A product read through the reshape by several ops is first
// shared by its first reader (shareProductWithEpilogue).
//
//===----------------------------------------------------------------------===//

#include "Matmuls.h"
#include "nnc/Target/CPU/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/RegionUtils.h"

#include "llvm/ADT/SetVector.h"

namespace nnc {
#define GEN_PASS_DEF_COLLAPSEEPILOGUES
#include "nnc/Target/CPU/Passes.h.inc"
} // namespace nnc

using namespace mlir;

namespace {

/// The single-use 2-D matmul result that `generic` reads through an
/// `expand_shape` with an identity map, and the reshape's reassociation.
std::optional<std::pair<Value, SmallVector<ReassociationIndices>>>
expandedProduct(linalg::GenericOp generic) {
  for (OpOperand *input : generic.getDpsInputOperands()) {
    auto expand = input->get().getDefiningOp<tensor::ExpandShapeOp>();
    if (!expand || !expand->hasOneUse() ||
        !generic.getMatchingIndexingMap(input).isIdentity())
      continue;
    Operation *producer = expand.getSrc().getDefiningOp();
    if (!nnc::isScheduledMatmul(producer) || !producer->hasOneUse() ||
        expand.getSrcType().getRank() != 2)
      continue;
    return std::make_pair(expand.getSrc(), expand.getReassociationIndices());
  }
  return std::nullopt;
}

/// A tensor.empty of the type of `collapse` (of a tensor.empty), its sizes
/// the products of the collapsed sizes.
Value collapsedEmpty(IRRewriter &rewriter, tensor::CollapseShapeOp collapse) {
  Location loc = collapse.getLoc();
  SmallVector<OpFoldResult> source =
      tensor::getMixedSizes(rewriter, loc, collapse.getSrc());
  SmallVector<OpFoldResult> sizes;
  for (const ReassociationIndices &group : collapse.getReassociationIndices()) {
    Value size;
    int64_t known = 1;
    for (int64_t d : group) {
      if (std::optional<int64_t> c = getConstantIntValue(source[d])) {
        known *= *c;
        continue;
      }
      Value v = cast<Value>(source[d]);
      size = size ? rewriter.create<arith::MulIOp>(loc, size, v) : v;
    }
    if (!size) {
      sizes.push_back(rewriter.getIndexAttr(known));
      continue;
    }
    if (known != 1)
      size = rewriter.create<arith::MulIOp>(
          loc, size, rewriter.create<arith::ConstantIndexOp>(loc, known));
    sizes.push_back(size);
  }
  return rewriter.create<tensor::EmptyOp>(
      loc, sizes, collapse.getResultType().getElementType());
}

/// Whether every map reads each group of loops either not at all or as
/// consecutive results in the group's order, with nothing but loops in its
/// results: then the group can become one loop. A constant result (a
/// broadcast operand `w[n, 0, d]` of an `[N, T, D]` op) or a group read in
/// part (`w[n, d]`) cannot. (With MLIR 19's `areDimSequencesPreserved` in
/// its place, a generic reading `w[n, 0, d]` was sometimes collapsed: the
/// same model compiled differently from run to run, and read `w` past its
/// end when collapsed; `Safety/matrix-6.test`'s arith-6 caught it.)
bool keepsGroups(ArrayRef<AffineMap> maps,
                 ArrayRef<ReassociationIndices> groups) {
  for (AffineMap map : maps) {
    if (!map.isProjectedPermutation(/*allowZeroInResults=*/false))
      return false;
    for (const ReassociationIndices &group : groups) {
      std::optional<unsigned> first = map.getResultPosition(
          getAffineDimExpr(group.front(), map.getContext()));
      for (auto [i, d] : llvm::enumerate(group)) {
        std::optional<unsigned> at =
            map.getResultPosition(getAffineDimExpr(d, map.getContext()));
        if (at.has_value() != first.has_value() || (first && *at != *first + i))
          return false;
      }
    }
  }
  return true;
}

/// A product read through `expand_shape` by several ops (a dense layer's
/// pre-activation on sequences, read by its activation and again by the
/// activation's gradient): the first of them in the block, when it is an
/// all-parallel generic reading the product with an identity map and
/// writing identity-mapped results, also yields the product it read, and
/// the later readers take that result instead. The product then has that
/// generic as its single reader: its epilogue, computed in the product's
/// register tile (which stores both results) instead of in a second pass
/// that reads the whole product back (the encoder's GELU: 0.2 ms of the
/// train step).
bool shareProductWithEpilogue(tensor::ExpandShapeOp expand,
                              IRRewriter &rewriter) {
  Operation *producer = expand.getSrc().getDefiningOp();
  if (!nnc::isScheduledMatmul(producer) || !producer->hasOneUse() ||
      expand->hasOneUse() || expand.getSrcType().getRank() != 2)
    return false;
  Block *block = expand->getBlock();
  // The readers' ops in the block; the first must be the generic.
  Operation *first = nullptr;
  for (Operation *user : expand->getUsers()) {
    Operation *inBlock = block->findAncestorOpInBlock(*user);
    if (!inBlock)
      return false;
    if (!first || inBlock->isBeforeInBlock(first))
      first = inBlock;
  }
  auto generic = dyn_cast<linalg::GenericOp>(first);
  if (!generic || !generic.hasPureTensorSemantics() ||
      generic.getNumParallelLoops() != generic.getNumLoops() ||
      llvm::count_if(expand->getUsers(),
                     [&](Operation *u) { return u == generic; }) != 1)
    return false;
  OpOperand *read = nullptr;
  for (OpOperand *input : generic.getDpsInputOperands())
    if (input->get() == expand.getResult())
      read = input;
  if (!read || !generic.getMatchingIndexingMap(read).isIdentity() ||
      !llvm::all_of(generic.getDpsInitsMutable(), [&](OpOperand &init) {
        return generic.getMatchingIndexingMap(&init).isIdentity();
      }))
    return false;
  // The later readers, before any new use of the reshape is made.
  SmallVector<OpOperand *> later;
  for (OpOperand &use : expand->getUses()) {
    if (use.getOwner() == generic)
      continue;
    // (Not a use inside the generic's own body.)
    if (block->findAncestorOpInBlock(*use.getOwner()) == generic)
      return false;
    later.push_back(&use);
  }
  // The same generic with one more result: the product it reads.
  rewriter.setInsertionPoint(generic);
  Location loc = generic.getLoc();
  // Sized by the reshape's own output shape: a tensor.dim of its result
  // would be one more reader.
  Value empty = rewriter.create<tensor::EmptyOp>(
      loc, expand.getResultType().getShape(),
      expand.getResultType().getElementType(), expand.getOutputShape());
  SmallVector<Value> inits(generic.getDpsInits());
  inits.push_back(empty);
  SmallVector<AffineMap> maps = generic.getIndexingMapsArray();
  maps.push_back(generic.getMatchingIndexingMap(read));
  SmallVector<Type> types(generic->getResultTypes());
  types.push_back(empty.getType());
  auto shared = rewriter.create<linalg::GenericOp>(
      loc, types, generic.getDpsInputs(), inits, maps,
      generic.getIteratorTypesArray());
  Region &body = shared.getRegion();
  rewriter.inlineRegionBefore(generic.getRegion(), body, body.end());
  Block &entry = body.front();
  entry.addArgument(expand.getResultType().getElementType(), loc);
  auto yield = cast<linalg::YieldOp>(entry.getTerminator());
  Value readValue = entry.getArgument(read->getOperandNumber());
  rewriter.modifyOpInPlace(yield, [&] {
    yield->insertOperands(yield->getNumOperands(), readValue);
  });
  Value product = shared->getResults().back();
  for (OpOperand *use : later)
    rewriter.modifyOpInPlace(use->getOwner(), [&] { use->set(product); });
  rewriter.replaceOp(generic,
                     shared->getResults().take_front(generic->getNumResults()));
  return true;
}

/// Collapses `generic` to the loops of the product it reads through an
/// expand_shape; false when it is no such epilogue. The reshapes and inits
/// left unused are erased.
bool collapseEpilogue(linalg::GenericOp generic, IRRewriter &rewriter) {
  if (!generic.hasPureTensorSemantics() ||
      generic.getNumParallelLoops() != generic.getNumLoops())
    return false;
  auto expanded = expandedProduct(generic);
  if (!expanded)
    return false;
  auto [product, folded] = *expanded;
  if (!llvm::all_of(generic.getDpsInitsMutable(),
                    [&](OpOperand &init) {
                      return generic.getMatchingIndexingMap(&init).isIdentity();
                    }) ||
      !keepsGroups(generic.getIndexingMapsArray(), folded))
    return false;
  rewriter.setInsertionPoint(generic);
  FailureOr<linalg::CollapseResult> collapsed =
      linalg::collapseOpIterationDims(generic, folded, rewriter);
  if (failed(collapsed))
    return false;
  linalg::LinalgOp op = collapsed->collapsedOp;
  // The product itself instead of collapse_shape(expand_shape(product)), and
  // for an init that was a tensor.empty a 2-D one (the schedule fuses a
  // tensor.empty init into its tile), sized from the 3-D one's sizes so that
  // the product keeps its epilogue as single user.
  llvm::SetVector<Operation *> maybeDead;
  rewriter.setInsertionPoint(op);
  for (OpOperand &operand : op->getOpOperands()) {
    auto collapse = operand.get().getDefiningOp<tensor::CollapseShapeOp>();
    if (!collapse)
      continue;
    Value replacement;
    if (auto expand = collapse.getSrc().getDefiningOp<tensor::ExpandShapeOp>();
        expand && expand.getSrc() == product)
      replacement = product;
    else if (op.isDpsInit(&operand) &&
             collapse.getSrc().getDefiningOp<tensor::EmptyOp>())
      replacement = collapsedEmpty(rewriter, collapse);
    if (!replacement)
      continue;
    rewriter.modifyOpInPlace(op, [&] { operand.set(replacement); });
    maybeDead.insert(collapse);
    maybeDead.insert(collapse.getSrc().getDefiningOp());
  }
  rewriter.replaceOp(generic, collapsed->results);
  for (Operation *dead : maybeDead)
    if (dead->use_empty())
      rewriter.eraseOp(dead);
  return true;
}

struct CollapseEpiloguesPass
    : nnc::impl::CollapseEpiloguesBase<CollapseEpiloguesPass> {
  void runOnOperation() override {
    IRRewriter rewriter(&getContext());
    bool changed = false;
    SmallVector<tensor::ExpandShapeOp> expands;
    getOperation().walk(
        [&](tensor::ExpandShapeOp op) { expands.push_back(op); });
    for (tensor::ExpandShapeOp expand : expands)
      changed |= shareProductWithEpilogue(expand, rewriter);
    SmallVector<linalg::GenericOp> generics;
    getOperation().walk([&](linalg::GenericOp op) { generics.push_back(op); });
    for (linalg::GenericOp generic : generics)
      changed |= collapseEpilogue(generic, rewriter);
    // The shape queries the collapse made and left unused: the product must
    // have its epilogue as single user.
    if (changed)
      (void)simplifyRegions(rewriter, getOperation()->getRegions());
  }
};

} // namespace
