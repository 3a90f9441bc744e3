//===- HoistChunkAllocs.cpp - one buffer for the temporaries of all chunks ===//
//
// Implements nnc-hoist-chunk-allocs, right after bufferization (before the
// deallocation passes, which then free the buffer, and before the kernel
// workspace estimate of `nnc summary` reads the allocations): a temporary of
// static shape that each chunk of a static `scf.forall` allocates and frees
// (the accumulator tile of a weight gradient whose optimizer update is its
// epilogue) becomes a slice of one buffer allocated before the loop, indexed
// by the chunk (`memref.view` at chunk * bytes, so the slice keeps the
// temporary's type). A `memref.dealloc` of the temporary in the chunk, if
// any, becomes one of the buffer after the loop. Only loops whose chunks
// write an argument of the kernel are rewritten; the others keep one
// temporary per running chunk, less memory. The chunks then allocate nothing:
// a failed allocation can no longer happen after a chunk has updated the
// parameters, so the shim need not copy them before the call
// (nnc-mark-undo-args; fashion_mlp's train step copied 2.8 MB, 8-9% of the
// step), and the chunks stop calling the allocator. The buffer of all chunks
// is at most `max-bytes`; a loop at the kernel's top level gets it at the
// kernel's start (static size), so that no loop's buffer is allocated after
// an earlier loop's writes, while those buffers add up to at most
// `max-start-bytes` (then right before the loop).
//
//===----------------------------------------------------------------------===//

#include "Views.h"
#include "nnc/Target/CPU/Passes.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/Interfaces/FunctionInterfaces.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "llvm/Support/MathExtras.h"

namespace nnc {
#define GEN_PASS_DEF_HOISTCHUNKALLOCS
#include "nnc/Target/CPU/Passes.h.inc"
} // namespace nnc

using namespace mlir;

namespace {

struct HoistChunkAllocsPass
    : nnc::impl::HoistChunkAllocsBase<HoistChunkAllocsPass> {
  using HoistChunkAllocsBase::HoistChunkAllocsBase;

  /// Whether the chunks of `loop` write a view of an argument of the
  /// kernel (the parameters an optimizer epilogue updates): only then may a
  /// failed allocation in a later chunk require undoing their writes. Other
  /// loops keep one temporary per running chunk (less memory).
  static bool writesArgument(scf::ForallOp loop) {
    auto func = loop->getParentOfType<FunctionOpInterface>();
    if (!func)
      return false;
    Block *entry = &func.getFunctionBody().front();
    bool found = false;
    loop.getBody()->walk([&](MemoryEffectOpInterface op) {
      SmallVector<MemoryEffects::EffectInstance> effects;
      op.getEffects(effects);
      for (MemoryEffects::EffectInstance &e : effects) {
        Value v = e.getValue();
        if (!isa<MemoryEffects::Write>(e.getEffect()) || !v)
          continue;
        if (auto arg = dyn_cast<BlockArgument>(nnc::viewRoot(v));
            arg && arg.getOwner() == entry)
          found = true;
      }
    });
    return found;
  }

  /// Hoists `alloc` out of `loop` when the conditions of the file comment
  /// hold.
  void hoist(memref::AllocOp alloc, scf::ForallOp loop) {
    MemRefType type = alloc.getType();
    if (loop.getRank() != 1 || !type.hasStaticShape() ||
        !type.getLayout().isIdentity() || !type.getElementType().isF32() ||
        type.getMemorySpace())
      return;
    std::optional<int64_t> lb =
        getConstantIntValue(loop.getMixedLowerBound()[0]);
    std::optional<int64_t> ub =
        getConstantIntValue(loop.getMixedUpperBound()[0]);
    std::optional<int64_t> step = getConstantIntValue(loop.getMixedStep()[0]);
    if (!lb || !ub || !step || *step <= 0 || *ub <= *lb)
      return;
    int64_t chunks = llvm::divideCeil(*ub - *lb, *step);
    // Each chunk's slice starts on a 64-byte boundary, like the allocation.
    int64_t bytes = llvm::alignTo(type.getNumElements() * 4, 64);
    if (chunks < 2 || chunks * bytes > maxBytes || !writesArgument(loop))
      return;
    // Freed at most once, in the same block (right after bufferization the
    // deallocation passes have not run yet: none).
    memref::DeallocOp dealloc;
    for (Operation *user : alloc->getUsers()) {
      if (auto d = dyn_cast<memref::DeallocOp>(user)) {
        if (dealloc || d->getBlock() != alloc->getBlock())
          return;
        dealloc = d;
      }
    }
    // Allocated at the kernel's start when the loop is at its top level:
    // the later loops' buffers then come before any chunk's writes too.
    // Up to `max-start-bytes` in all: a deep network's buffers would
    // otherwise all live for the whole kernel.
    OpBuilder b(loop);
    auto func = dyn_cast<FunctionOpInterface>(loop->getParentOp());
    if (func && atStart + chunks * bytes <= maxStartBytes) {
      b.setInsertionPointToStart(&func.getFunctionBody().front());
      atStart += chunks * bytes;
    }
    Location loc = alloc.getLoc();
    auto bufferType = MemRefType::get({chunks * bytes}, b.getI8Type());
    auto buffer =
        b.create<memref::AllocOp>(loc, bufferType, b.getI64IntegerAttr(64));
    if (dealloc) {
      b.setInsertionPointAfter(loop);
      b.create<memref::DeallocOp>(loc, buffer);
      dealloc.erase();
    }
    b.setInsertionPoint(alloc);
    AffineExpr iv = b.getAffineDimExpr(0);
    Value shift = b.create<affine::AffineApplyOp>(
        loc, AffineMap::get(1, 0, (iv - *lb).floorDiv(*step) * bytes),
        ValueRange{loop.getInductionVars()[0]});
    Value slice =
        b.create<memref::ViewOp>(loc, type, buffer, shift, ValueRange{});
    alloc.replaceAllUsesWith(slice);
    alloc.erase();
  }

  /// Bytes of the buffers placed at the start of the current function.
  int64_t atStart = 0;

  void runOnOperation() override {
    atStart = 0;
    SmallVector<std::pair<memref::AllocOp, scf::ForallOp>> candidates;
    getOperation()->walk([&](memref::AllocOp alloc) {
      if (auto loop = dyn_cast<scf::ForallOp>(alloc->getParentOp()))
        candidates.push_back({alloc, loop});
    });
    for (auto [alloc, loop] : candidates)
      hoist(alloc, loop);
  }
};

} // namespace
