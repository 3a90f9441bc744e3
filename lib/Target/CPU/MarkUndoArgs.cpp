//===- MarkUndoArgs.cpp - which arguments a failed kernel may have changed ===//
//
// Implements nnc-mark-undo-args, on the bufferized kernels before their
// loops are outlined. A kernel call fails only where it allocates a
// temporary (the shim longjmps out of it, docs/abi.md "Out of memory"), and
// the shim then restores the instance tensors the kernel may have written
// from a copy it made before the call. A tensor written only after the
// kernel's last allocation cannot have changed when an allocation fails, so
// it needs no copy: fashion_mlp's train step updates its 200K first-layer
// weights and their Adam moments in its last kernel, and copying them was
// 9% of the step. The pass records, on each entry with `nn.abi_args`, the
// positions of the arguments that some write may reach before a failure
// point: `nn.undo_args` (EmitModelDescriptor turns it into the entry's
// `undo` flags).
//
// A failure point is an allocation (`memref.alloc`, `memref.realloc`), a call
// or an op whose memory effects are unknown. A write is a write effect on a
// view of an argument (through view-like ops); a write whose buffer cannot
// be traced, or an op with unknown effects, counts as a write of every
// argument. A write needs the copy when a failure point follows it in
// program order, or shares a loop (scf.for, scf.forall, ...) with it: the
// next iteration (or another thread's chunk) may fail after the write.
//
//===----------------------------------------------------------------------===//

#include "Views.h"
#include "nnc/Dialect/NN/NNConventions.h"
#include "nnc/Target/CPU/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Interfaces/CallInterfaces.h"
#include "mlir/Interfaces/LoopLikeInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

namespace nnc {
#define GEN_PASS_DEF_MARKUNDOARGS
#include "nnc/Target/CPU/Passes.h.inc"
} // namespace nnc

using namespace mlir;

namespace {

/// An op at a place in program order.
struct Event {
  int64_t position;
  Operation *op;
};

/// Whether `op` runs its regions repeatedly or concurrently.
bool isLoop(Operation *op) {
  return isa<LoopLikeOpInterface, scf::ForallOp, scf::ParallelOp, scf::WhileOp>(
      op);
}

struct MarkUndoArgsPass : nnc::impl::MarkUndoArgsBase<MarkUndoArgsPass> {
  using MarkUndoArgsBase::MarkUndoArgsBase;

  void runOnOperation() override {
    func::FuncOp func = getOperation();
    if (!func->hasAttr(nnc::attrs::kABIArgs) || func.isExternal())
      return;
    Block &entry = func.getBody().front();
    unsigned numArgs = entry.getNumArguments();
    SmallVector<SmallVector<Event>> writes(numArgs);
    SmallVector<Event> failures;
    int64_t position = 0;
    auto writeAll = [&](Event e) {
      for (auto &list : writes)
        list.push_back(e);
    };
    // The buffer of a write: an argument's (recorded), a temporary's
    // (ignored), or unknown (every argument).
    auto write = [&](Event e, Value memref) {
      Value root = nnc::viewRoot(memref);
      if (auto arg = dyn_cast<BlockArgument>(root)) {
        if (arg.getOwner() == &entry)
          writes[arg.getArgNumber()].push_back(e);
        else
          writeAll(e); // a buffer carried by a loop: not traced
        return;
      }
      Operation *def = root.getDefiningOp();
      if (!isa_and_nonnull<memref::AllocOp, memref::AllocaOp, memref::ReallocOp,
                           memref::GetGlobalOp>(def))
        writeAll(e);
    };
    func.walk<WalkOrder::PreOrder>([&](Operation *op) {
      if (op == func.getOperation())
        return;
      Event e{++position, op};
      if (isa<memref::AllocOp, memref::ReallocOp, CallOpInterface>(op))
        failures.push_back(e);
      if (op->hasTrait<OpTrait::HasRecursiveMemoryEffects>() ||
          isa<func::ReturnOp>(op))
        return;
      auto effects = dyn_cast<MemoryEffectOpInterface>(op);
      if (!effects) {
        // Unknown behaviour: it may fail and write anything.
        failures.push_back(e);
        writeAll(e);
        return;
      }
      SmallVector<MemoryEffects::EffectInstance> instances;
      effects.getEffects(instances);
      for (MemoryEffects::EffectInstance &instance : instances) {
        if (!isa<MemoryEffects::Write>(instance.getEffect()))
          continue;
        if (Value v = instance.getValue(); v && isa<MemRefType>(v.getType()))
          write(e, v);
        else if (!isa<SideEffects::AutomaticAllocationScopeResource>(
                     instance.getResource()))
          writeAll(e);
      }
    });
    // The last failure point, and the loops that hold one.
    int64_t lastFailure = 0;
    DenseSet<Operation *> failingLoops;
    for (const Event &f : failures) {
      lastFailure = std::max(lastFailure, f.position);
      for (Operation *op = f.op->getParentOp(); op != func.getOperation();
           op = op->getParentOp())
        if (isLoop(op))
          failingLoops.insert(op);
    }
    auto inFailingLoop = [&](Operation *op) {
      for (op = op->getParentOp(); op != func.getOperation();
           op = op->getParentOp())
        if (failingLoops.contains(op))
          return true;
      return false;
    };
    SmallVector<int32_t> undo;
    for (unsigned a = 0; a < numArgs; ++a) {
      bool needed = llvm::any_of(writes[a], [&](const Event &w) {
        // `<=`: an op that may fail may also write before it fails (a
        // call).
        return w.position <= lastFailure || inFailingLoop(w.op);
      });
      if (needed)
        undo.push_back(static_cast<int32_t>(a));
    }
    func->setAttr(nnc::attrs::kUndoArgs,
                  DenseI32ArrayAttr::get(&getContext(), undo));
  }
};

} // namespace
