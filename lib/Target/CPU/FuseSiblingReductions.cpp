//===- FuseSiblingReductions.cpp - one pass over a tensor for two sums ----===//
//
// Implements nnc-fuse-sibling-reductions, on linalg on tensors before
// nnc-distribute-ops: two reductions (linalg.generic with a reduction
// iterator) of the same block with the same iterators, that read one tensor
// through the same map over all their loops, and where every use of the
// earlier comes after the later (so the later cannot depend on it), become
// one generic with the outputs of both, placed where the later one was. Batch
// normalisation's adjoint sums `g` and `g * xhat` per channel (the beta and
// gamma gradients): two passes over the full-resolution gradient of
// fashion_cnn's first layer (12.8 MB at batch 128), now one. Each output keeps
// its own accumulator and payload, so every sum is the same additions in the
// same order: the bits do not change.
//
//===----------------------------------------------------------------------===//

#include "nnc/Target/CPU/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/IRMapping.h"

namespace nnc {
#define GEN_PASS_DEF_FUSESIBLINGREDUCTIONS
#include "nnc/Target/CPU/Passes.h.inc"
} // namespace nnc

using namespace mlir;

namespace {

/// Whether `op` is a reduction this pass may merge.
bool isReduction(linalg::GenericOp op) {
  return op.hasPureTensorSemantics() && op.getNumReductionLoops() > 0 &&
         op->getNumRegions() == 1;
}

/// Whether `a` and `b` read one tensor through the same map over all their
/// loops (a permutation): then they have the same iteration space.
bool shareFullInput(linalg::GenericOp a, linalg::GenericOp b) {
  for (OpOperand *x : a.getDpsInputOperands()) {
    AffineMap map = a.getMatchingIndexingMap(x);
    if (!map.isPermutation())
      continue;
    for (OpOperand *y : b.getDpsInputOperands())
      if (y->get() == x->get() && b.getMatchingIndexingMap(y) == map)
        return true;
  }
  return false;
}

/// Whether a user of `earlier` comes before `later` or is `later` (or an op
/// nested in it): then the two cannot be one op at `later`'s place. Otherwise
/// nothing between them reads `earlier`, so `later` cannot depend on it.
bool blocks(linalg::GenericOp earlier, linalg::GenericOp later) {
  Block *block = later->getBlock();
  return llvm::any_of(earlier->getUsers(), [&](Operation *user) {
    Operation *top = block->findAncestorOpInBlock(*user);
    return !top || !later->isBeforeInBlock(top);
  });
}

/// One generic computing the outputs of `a` then `b`, at `b`'s place: the
/// inputs of both, then the inits of both, each payload cloned on its own
/// block arguments.
linalg::GenericOp merge(linalg::GenericOp a, linalg::GenericOp b) {
  OpBuilder builder(b);
  SmallVector<Value> inputs, inits;
  SmallVector<AffineMap> maps;
  for (linalg::GenericOp op : {a, b})
    for (OpOperand *in : op.getDpsInputOperands()) {
      inputs.push_back(in->get());
      maps.push_back(op.getMatchingIndexingMap(in));
    }
  for (linalg::GenericOp op : {a, b})
    for (OpOperand &init : op.getDpsInitsMutable()) {
      inits.push_back(init.get());
      maps.push_back(op.getMatchingIndexingMap(&init));
    }
  SmallVector<Type> types(a->getResultTypes());
  llvm::append_range(types, b->getResultTypes());
  auto fused = builder.create<linalg::GenericOp>(
      builder.getFusedLoc({a.getLoc(), b.getLoc()}), types, inputs, inits, maps,
      b.getIteratorTypesArray());
  Block *body = builder.createBlock(&fused.getRegion());
  // A generic's block arguments are its inputs', then its inits'.
  IRMapping mapA, mapB;
  auto addArgs = [&](linalg::GenericOp op, IRMapping &mapping, bool ofInputs) {
    ArrayRef<BlockArgument> args = op.getBody()->getArguments();
    unsigned n = op.getNumDpsInputs();
    for (BlockArgument arg : ofInputs ? args.take_front(n) : args.drop_front(n))
      mapping.map(arg, body->addArgument(arg.getType(), arg.getLoc()));
  };
  addArgs(a, mapA, true);
  addArgs(b, mapB, true);
  addArgs(a, mapA, false);
  addArgs(b, mapB, false);
  SmallVector<Value> yields;
  for (auto [op, mapping] : {std::make_pair(a, &mapA), {b, &mapB}}) {
    for (Operation &inner : op.getBody()->without_terminator())
      builder.clone(inner, *mapping);
    for (Value v : op.getBody()->getTerminator()->getOperands())
      yields.push_back(mapping->lookupOrDefault(v));
  }
  builder.create<linalg::YieldOp>(b.getLoc(), yields);
  return fused;
}

struct FuseSiblingReductionsPass
    : nnc::impl::FuseSiblingReductionsBase<FuseSiblingReductionsPass> {
  void runOnOperation() override {
    bool changed = true;
    while (changed) {
      changed = false;
      SmallVector<linalg::GenericOp> reductions;
      getOperation().walk([&](linalg::GenericOp op) {
        if (isReduction(op))
          reductions.push_back(op);
      });
      for (auto [i, a] : llvm::enumerate(reductions)) {
        for (linalg::GenericOp b : ArrayRef(reductions).drop_front(i + 1)) {
          if (a->getBlock() != b->getBlock() ||
              a.getIteratorTypesArray() != b.getIteratorTypesArray() ||
              !shareFullInput(a, b) || blocks(a, b))
            continue;
          linalg::GenericOp fused = merge(a, b);
          unsigned na = a->getNumResults();
          a->replaceAllUsesWith(fused->getResults().take_front(na));
          b->replaceAllUsesWith(fused->getResults().drop_front(na));
          a->erase();
          b->erase();
          changed = true;
          break;
        }
        if (changed)
          break;
      }
    }
  }
};

} // namespace
