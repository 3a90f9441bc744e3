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
// `max-start-bytes` (then right before the loop). A temporary whose sizes
// follow from the batch (the packed right-operand panel of a weight
// gradient's column chunk, nnc-distribute-ops) gets its buffer at the start
// of the kernel too, its size computed there from the arguments' sizes;
// when that size cannot be computed there it is left in the chunk.
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

  /// `v` computed at the start of the kernel (its entry block's arguments,
  /// constants and pure index arithmetic on them, sizes of buffers read
  /// through the ops that define them), or null. Memoized in `start`.
  Value atStart(Value v, OpBuilder &b, Block *entry, int depth = 0) {
    if (Value known = start.lookupOrNull(v))
      return known;
    if (depth > 16)
      return nullptr;
    if (auto arg = dyn_cast<BlockArgument>(v))
      return arg.getOwner() == entry ? v : nullptr;
    Operation *op = v.getDefiningOp();
    Value result;
    if (auto dim = dyn_cast<memref::DimOp>(op)) {
      if (std::optional<int64_t> index = dim.getConstantIndex())
        result = dimAtStart(dim.getSource(), *index, b, entry, depth + 1);
    } else if (op->getNumRegions() == 0 && isPure(op) &&
               op->getNumResults() == 1 &&
               llvm::all_of(op->getResultTypes(),
                            [](Type t) { return t.isIndex(); })) {
      SmallVector<Value> operands;
      for (Value operand : op->getOperands()) {
        operands.push_back(atStart(operand, b, entry, depth + 1));
        if (!operands.back())
          return nullptr;
      }
      Operation *clone = b.clone(*op);
      clone->setOperands(operands);
      result = clone->getResult(0);
    }
    if (result)
      start.map(v, result);
    return result;
  }

  /// Size `index` of the buffer `buffer` at the kernel's start, or null.
  Value dimAtStart(Value buffer, int64_t index, OpBuilder &b, Block *entry,
                   int depth) {
    auto type = cast<MemRefType>(buffer.getType());
    Location loc = buffer.getLoc();
    if (!type.isDynamicDim(index))
      return b.create<arith::ConstantIndexOp>(loc, type.getDimSize(index));
    if (auto arg = dyn_cast<BlockArgument>(buffer)) {
      if (arg.getOwner() != entry)
        return nullptr;
      return b.create<memref::DimOp>(loc, buffer, index);
    }
    Operation *op = buffer.getDefiningOp();
    if (auto alloc = dyn_cast<memref::AllocOp>(op))
      return atStart(alloc.getDynamicSizes()[type.getDynamicDimIndex(index)], b,
                     entry, depth);
    if (auto subview = dyn_cast<memref::SubViewOp>(op)) {
      // Rank-preserving subviews only (the sizes map one to one).
      if (subview.getSourceType().getRank() != type.getRank())
        return nullptr;
      OpFoldResult size = subview.getMixedSizes()[index];
      if (auto value = dyn_cast<Value>(size))
        return atStart(value, b, entry, depth);
      return b.create<arith::ConstantIndexOp>(loc, *getConstantIntValue(size));
    }
    if (auto collapse = dyn_cast<memref::CollapseShapeOp>(op)) {
      Value product;
      // By value: a range-for over an element of the returned vector would
      // read it after its destruction.
      SmallVector<ReassociationIndices> groups =
          collapse.getReassociationIndices();
      for (int64_t d : groups[index]) {
        Value size = dimAtStart(collapse.getSrc(), d, b, entry, depth + 1);
        if (!size)
          return nullptr;
        product = product ? b.create<arith::MulIOp>(loc, product, size) : size;
      }
      return product;
    }
    return nullptr;
  }

  /// Values rebuilt at the kernel's start (atStart), per function.
  IRMapping start;

  /// The chunks of a static 1-D `loop` that writes kernel arguments, and
  /// the dealloc of `alloc` in the chunk if any.
  struct Chunks {
    int64_t lb, step, count;
    memref::DeallocOp dealloc;
  };

  /// The chunks of `loop` when `alloc` (f32, identity layout) and `loop`
  /// meet the conditions of the file comment.
  static std::optional<Chunks> chunksOf(memref::AllocOp alloc,
                                        scf::ForallOp loop) {
    MemRefType type = alloc.getType();
    if (loop.getRank() != 1 || !type.getLayout().isIdentity() ||
        !type.getElementType().isF32() || type.getMemorySpace())
      return std::nullopt;
    std::optional<int64_t> lb =
        getConstantIntValue(loop.getMixedLowerBound()[0]);
    std::optional<int64_t> ub =
        getConstantIntValue(loop.getMixedUpperBound()[0]);
    std::optional<int64_t> step = getConstantIntValue(loop.getMixedStep()[0]);
    if (!lb || !ub || !step || *step <= 0 || *ub <= *lb)
      return std::nullopt;
    Chunks chunks{*lb, *step,
                  static_cast<int64_t>(llvm::divideCeil(*ub - *lb, *step)),
                  nullptr};
    if (chunks.count < 2 || !writesArgument(loop))
      return std::nullopt;
    // Freed at most once, in the same block (right after bufferization the
    // deallocation passes have not run yet: none).
    for (Operation *user : alloc->getUsers()) {
      if (auto d = dyn_cast<memref::DeallocOp>(user)) {
        if (chunks.dealloc || d->getBlock() != alloc->getBlock())
          return std::nullopt;
        chunks.dealloc = d;
      }
    }
    return chunks;
  }

  /// Hoists `alloc` out of `loop` when the conditions of the file comment
  /// hold.
  void hoist(memref::AllocOp alloc, scf::ForallOp loop) {
    MemRefType type = alloc.getType();
    std::optional<Chunks> found = chunksOf(alloc, loop);
    if (!found)
      return;
    if (!type.hasStaticShape()) {
      hoistDynamic(alloc, loop, *found);
      return;
    }
    int64_t chunks = found->count, lb = found->lb, step = found->step;
    memref::DeallocOp dealloc = found->dealloc;
    // Each chunk's slice starts on a 64-byte boundary, like the allocation.
    int64_t bytes = llvm::alignTo(type.getNumElements() * 4, 64);
    if (chunks * bytes > maxBytes)
      return;
    // Allocated at the kernel's start when the loop is at its top level:
    // the later loops' buffers then come before any chunk's writes too.
    // Up to `max-start-bytes` in all: a deep network's buffers would
    // otherwise all live for the whole kernel.
    OpBuilder b(loop);
    auto func = dyn_cast<FunctionOpInterface>(loop->getParentOp());
    if (func && startBytes + chunks * bytes <= maxStartBytes) {
      b = startBuilder(&func.getFunctionBody().front());
      startBytes += chunks * bytes;
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
        loc, AffineMap::get(1, 0, (iv - lb).floorDiv(step) * bytes),
        ValueRange{loop.getInductionVars()[0]});
    Value slice =
        b.create<memref::ViewOp>(loc, type, buffer, shift, ValueRange{});
    alloc.replaceAllUsesWith(slice);
    alloc.erase();
  }

  /// A temporary whose sizes depend on the batch (a packed panel of the
  /// right operand of a weight gradient's column chunk, [N * T, 32]): when
  /// the loop is at the kernel's top level and the sizes can be computed at
  /// the kernel's start, one buffer for all chunks is allocated there. The
  /// buffer is as big as the operand the chunks pack (chunks x [K, chunk]),
  /// so no `max-bytes` bound applies.
  void hoistDynamic(memref::AllocOp alloc, scf::ForallOp loop, Chunks chunks) {
    MemRefType type = alloc.getType();
    auto func = dyn_cast<FunctionOpInterface>(loop->getParentOp());
    if (!func)
      return;
    Block *entry = &func.getFunctionBody().front();
    OpBuilder &b = startBuilder(entry);
    Location loc = alloc.getLoc();
    int64_t staticElements = 1;
    for (int64_t d : type.getShape())
      if (!ShapedType::isDynamic(d))
        staticElements *= d;
    Value elements = b.create<arith::ConstantIndexOp>(loc, staticElements);
    for (Value size : alloc.getDynamicSizes()) {
      Value known = atStart(size, b, entry);
      if (!known)
        return;
      elements = b.create<arith::MulIOp>(loc, elements, known);
    }
    // Each chunk's slice starts on a 64-byte boundary, like the allocation.
    AffineExpr e = b.getAffineDimExpr(0);
    Value bytes = b.create<affine::AffineApplyOp>(
        loc, AffineMap::get(1, 0, (e * 4).ceilDiv(64) * 64), elements);
    Value total = b.create<arith::MulIOp>(
        loc, bytes, b.create<arith::ConstantIndexOp>(loc, chunks.count));
    auto buffer = b.create<memref::AllocOp>(
        loc, MemRefType::get({ShapedType::kDynamic}, b.getI8Type()),
        ValueRange{total}, b.getI64IntegerAttr(64));
    if (chunks.dealloc) {
      OpBuilder after(loop->getContext());
      after.setInsertionPointAfter(loop);
      after.create<memref::DeallocOp>(loc, buffer);
      chunks.dealloc.erase();
    }
    OpBuilder at(alloc);
    AffineExpr iv = at.getAffineDimExpr(0);
    Value index = at.create<affine::AffineApplyOp>(
        loc, AffineMap::get(1, 0, (iv - chunks.lb).floorDiv(chunks.step)),
        ValueRange{loop.getInductionVars()[0]});
    Value shift = at.create<arith::MulIOp>(loc, index, bytes);
    Value slice = at.create<memref::ViewOp>(loc, type, buffer, shift,
                                            alloc.getDynamicSizes());
    alloc.replaceAllUsesWith(slice);
    alloc.erase();
  }

  /// The builder of the kernel's start: ops placed there stay in the order
  /// they are built, before the kernel's first op.
  OpBuilder &startBuilder(Block *entry) {
    if (!startOps) {
      startOps.emplace(entry->getParentOp()->getContext());
      startOps->setInsertionPointToStart(entry);
    }
    return *startOps;
  }
  std::optional<OpBuilder> startOps;

  /// Bytes of the static buffers placed at the start of the current
  /// function.
  int64_t startBytes = 0;

  void runOnOperation() override {
    startBytes = 0;
    start.clear();
    startOps.reset();
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
