//===- SplitEmptyTensors.cpp - one tensor.empty per use -------------------===//
//
// Implements nnc-split-empty-tensors: the uses of a `tensor.empty`, in
// program order, are dealt out in groups of `uses-per-empty`, each group
// with a clone of its own. CSE had merged equal empties; One-Shot
// Bufferize's in-place analysis puts every result written into one empty in
// one alias set, and compares all reads and writes of a set for each write
// it considers, so it grew with the cube of the number of layers (mlp100:
// 10 s of 38). An empty tensor holds no values, so the program means the
// same. Groups rather than one empty per use: ops that share an empty may
// bufferize into one buffer when the earlier result is dead, and that reuse
// was worth 4-5% of the LSTM and encoder train steps (1,624 allocations per
// mlp100 step with one empty per use, 977 with none split).
//
//===----------------------------------------------------------------------===//

#include "nnc/Codegen/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Builders.h"

namespace nnc {
#define GEN_PASS_DEF_SPLITEMPTYTENSORS
#include "nnc/Codegen/Passes.h.inc"
} // namespace nnc

using namespace mlir;

namespace {

struct SplitEmptyTensorsPass
    : nnc::impl::SplitEmptyTensorsBase<SplitEmptyTensorsPass> {
  using SplitEmptyTensorsBase::SplitEmptyTensorsBase;

  void runOnOperation() override {
    SmallVector<tensor::EmptyOp> shared;
    // Program order of every op (a pre-order walk), to deal out the uses.
    DenseMap<Operation *, unsigned> order;
    getOperation().walk<WalkOrder::PreOrder>([&](Operation *op) {
      order[op] = order.size();
      if (auto empty = dyn_cast<tensor::EmptyOp>(op);
          empty && !empty->hasOneUse() && !empty->use_empty())
        shared.push_back(empty);
    });
    for (tensor::EmptyOp empty : shared) {
      // The uses change as they are rewritten: collect them first.
      SmallVector<OpOperand *> uses;
      for (OpOperand &use : empty->getUses())
        uses.push_back(&use);
      llvm::sort(uses, [&](OpOperand *a, OpOperand *b) {
        return order.lookup(a->getOwner()) < order.lookup(b->getOwner());
      });
      // Each group of `usesPerEmpty` uses gets a clone placed before the
      // ancestor of its first user in the empty's block: that dominates
      // the later users of the group, which come after in that block or
      // inside it, and the empty's operands (dynamic sizes) dominate it.
      Block *block = empty->getBlock();
      Value current = empty;
      for (auto [index, use] : llvm::enumerate(uses)) {
        if (index != 0 && index % usesPerEmpty == 0) {
          OpBuilder b(block->findAncestorOpInBlock(*use->getOwner()));
          current = b.clone(*empty)->getResult(0);
        }
        use->set(current);
      }
    }
  }
};

} // namespace
