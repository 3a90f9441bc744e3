//===- DeallocAfterLastUse.cpp - free a buffer right after its last use ---===//
//
// Implements nnc-dealloc-after-last-use, after the ownership-based buffer
// deallocation and its simplification (before bufferization.dealloc is
// lowered; nnc summary's workspace estimate runs it too): those passes free
// every buffer at the end of the block that allocated it, so all of a train
// step's intermediate tensors stay allocated until the step returns (the
// encoder layer's grads function: 41 buffers, every one freed after its
// last kernel). The shim's allocator (lib/ModelRT/HostAlloc.c) hands a freed
// block to the next request of about its size; freed only at the end, each
// tensor gets a block of its own that has left the caches since the
// previous step, and the kernel writing it first reads every line of it
// from memory (its stores were the most-sampled instructions of the layer
// norms). Freed right after its last use, the block goes to the next tensor
// of that size while it is still in cache, and the step's peak memory
// shrinks.
//
// A `memref.dealloc`, or a `bufferization.dealloc` of one buffer with a true
// condition and nothing retained, of a `memref.alloc` result in the same
// block moves up to right after the last op of that block that uses the
// buffer or any value that may alias it. The aliases are found
// conservatively: the memref results of every op using an alias, the
// memref block arguments of its regions, and, for an alias yielded by a
// region terminator, the parent's memref results and region arguments. A
// buffer that reaches a return, a branch or an integer address, or is used
// outside the dealloc's block, keeps its dealloc where it is. (Several
// buffers in one `bufferization.dealloc` may alias each other, which it
// checks at run time: those are left alone too.)
//
//===----------------------------------------------------------------------===//

#include "nnc/Target/CPU/Passes.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Interfaces/ControlFlowInterfaces.h"
#include "mlir/Interfaces/FunctionInterfaces.h"

#include "llvm/ADT/SetVector.h"

namespace nnc {
#define GEN_PASS_DEF_DEALLOCAFTERLASTUSE
#include "nnc/Target/CPU/Passes.h.inc"
} // namespace nnc

using namespace mlir;

namespace {

/// Adds the memref values of `values` to `aliases`.
template <typename Range>
void addMemrefs(Range &&values, llvm::SetVector<Value> &aliases) {
  for (Value value : values)
    if (isa<BaseMemRefType>(value.getType()))
      aliases.insert(value);
}

/// Adds the memref results of `op` and the memref arguments of the blocks
/// of its regions to `aliases`.
void addOutputs(Operation *op, llvm::SetVector<Value> &aliases) {
  addMemrefs(op->getResults(), aliases);
  for (Region &region : op->getRegions())
    for (Block &block : region)
      addMemrefs(block.getArguments(), aliases);
}

/// The buffer `op` frees when it is a `memref.dealloc`, or a
/// `bufferization.dealloc` of one memref, unconditionally and retaining
/// nothing; otherwise a null value.
Value freedBuffer(Operation *op) {
  if (auto dealloc = dyn_cast<memref::DeallocOp>(op))
    return dealloc.getMemref();
  auto dealloc = dyn_cast<bufferization::DeallocOp>(op);
  if (!dealloc || dealloc.getMemrefs().size() != 1 ||
      !dealloc.getRetained().empty() ||
      !matchPattern(dealloc.getConditions().front(), m_One()))
    return {};
  return dealloc.getMemrefs().front();
}

/// The last op of `dealloc`'s block before it that uses `buffer` or a value
/// that may alias it (nullptr when nothing does), or failure when an alias
/// escapes (a return, a branch, an address as an integer) or is used
/// outside that block.
FailureOr<Operation *> lastUse(Value buffer, Operation *dealloc) {
  Block *block = dealloc->getBlock();
  llvm::SetVector<Value> aliases;
  aliases.insert(buffer);
  Operation *last = nullptr;
  for (size_t i = 0; i < aliases.size(); ++i) {
    for (Operation *user : aliases[i].getUsers()) {
      if (user == dealloc)
        continue;
      if (isa<func::ReturnOp, BranchOpInterface,
              memref::ExtractAlignedPointerAsIndexOp>(user))
        return failure();
      if (user->hasTrait<OpTrait::IsTerminator>()) {
        Operation *parent = user->getParentOp();
        if (!parent || isa<FunctionOpInterface>(parent))
          return failure();
        addOutputs(parent, aliases);
      }
      addOutputs(user, aliases);
      Operation *ancestor = block->findAncestorOpInBlock(*user);
      if (!ancestor || ancestor == dealloc ||
          dealloc->isBeforeInBlock(ancestor))
        return failure();
      if (!last || last->isBeforeInBlock(ancestor))
        last = ancestor;
    }
  }
  return last;
}

struct DeallocAfterLastUsePass
    : nnc::impl::DeallocAfterLastUseBase<DeallocAfterLastUsePass> {
  void runOnOperation() override {
    SmallVector<std::pair<Operation *, memref::AllocOp>> deallocs;
    getOperation()->walk([&](Operation *op) {
      Value buffer = freedBuffer(op);
      auto alloc = buffer ? buffer.getDefiningOp<memref::AllocOp>() : nullptr;
      if (alloc && alloc->getBlock() == op->getBlock())
        deallocs.emplace_back(op, alloc);
    });
    for (auto [dealloc, alloc] : deallocs) {
      FailureOr<Operation *> last = lastUse(alloc.getResult(), dealloc);
      if (failed(last))
        continue;
      Operation *after = *last ? *last : alloc.getOperation();
      if (after->getNextNode() != dealloc)
        dealloc->moveAfter(after);
    }
  }
};

} // namespace
