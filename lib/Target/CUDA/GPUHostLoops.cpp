//===- GPUHostLoops.cpp - host loops that read device memory onto the GPU -===//
//
// Implements nnc-gpu-host-loops, between nnc-gpu-linalg-to-parallel and
// nnc-gpu-map-parallel. A host scf.for whose body reads tensor data (a
// memref.load of anything but a read-only scalar argument) would make the
// host read device memory, which faults for memory the host cannot address
// and needs a wait per iteration for the rest. The embedding gradient is
// such a loop: for each token t, row idx[t] of the table gradient gets row
// t of the output gradient added (tokens may repeat, so t is sequential).
//
// Such a loop moves onto the GPU whole:
//  - when its body is index arithmetic, loads, row views (subviews whose
//    non-unit dimensions start at 0) and one scf.parallel over the row that
//    touches every view at exactly its own indices, the parallel loop goes
//    outside: each GPU thread owns one column and walks the tokens in order,
//    so repeated tokens add up without atomics;
//  - otherwise the whole loop runs on one GPU thread (correct, sequential).
// A loop that already contains a kernel launch stays on the host, and so
// does every loop of a private function (the ownership-based
// deallocation's helper, which works on host bookkeeping).
//
//===----------------------------------------------------------------------===//

#include "MemrefQueries.h"
#include "nnc/Target/CUDA/Passes.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/Matchers.h"

namespace nnc {
#define GEN_PASS_DEF_GPUHOSTLOOPS
#include "nnc/Target/CUDA/Passes.h.inc"
} // namespace nnc

using namespace mlir;

namespace {

/// Whether `loop` reads tensor data on the host.
bool readsDeviceData(scf::ForOp loop, func::FuncOp func) {
  return loop
      ->walk([&](memref::LoadOp load) {
        return nnc::isReadOnlyArgument(load.getMemRef(), func)
                   ? WalkResult::advance()
                   : WalkResult::interrupt();
      })
      .wasInterrupted();
}

/// A view of one row: unit strides, and every dimension that is not of
/// size 1 starts at 0, so element i of the view is column i of the row.
bool isRowView(memref::SubViewOp view) {
  for (auto [offset, size, stride] :
       llvm::zip(view.getMixedOffsets(), view.getMixedSizes(),
                 view.getMixedStrides()))
    if (!isConstantIntValue(stride, 1) ||
        (!isConstantIntValue(size, 1) && !isConstantIntValue(offset, 0)))
      return false;
  return true;
}

/// `index` with identity affine.apply ops (from linalg's loop generator)
/// looked through.
Value throughIdentity(Value index) {
  while (auto apply = index.getDefiningOp<affine::AffineApplyOp>()) {
    if (!apply.getAffineMap().isIdentity())
      break;
    index = apply.getMapOperands().front();
  }
  return index;
}

/// The row update of `loop` when the loop has the column-parallel form
/// described above, else null.
scf::ParallelOp rowUpdate(scf::ForOp loop) {
  if (loop.getNumRegionIterArgs() != 0)
    return nullptr;
  scf::ParallelOp update;
  for (Operation &op : loop.getBody()->without_terminator()) {
    if (auto parallel = dyn_cast<scf::ParallelOp>(op)) {
      if (update)
        return nullptr;
      update = parallel;
      continue;
    }
    auto view = dyn_cast<memref::SubViewOp>(op);
    if ((view && !isRowView(view)) ||
        (!view && !isa<memref::LoadOp>(op) && !isPure(&op)) ||
        op.getNumRegions())
      return nullptr;
  }
  if (!update || update->getNextNode() != loop.getBody()->getTerminator() ||
      !update.getInitVals().empty())
    return nullptr;
  // The bounds must be available outside the loop.
  for (Value bound : update->getOperands())
    if (loop->isAncestor(bound.getParentRegion()->getParentOp()) &&
        !matchPattern(bound, m_Constant()))
      return nullptr;
  // Every access in the update is at exactly the loop's indices, to a view
  // made outside the update.
  auto ivs = update.getInductionVars();
  WalkResult walk = update.getBody()->walk([&](Operation *op) {
    ValueRange indices;
    Value memref;
    if (auto load = dyn_cast<memref::LoadOp>(op)) {
      indices = load.getIndices();
      memref = load.getMemRef();
    } else if (auto store = dyn_cast<memref::StoreOp>(op)) {
      indices = store.getIndices();
      memref = store.getMemRef();
    } else if (isPure(op) || isa<scf::ReduceOp>(op)) {
      return WalkResult::advance();
    } else {
      return WalkResult::interrupt();
    }
    if (!llvm::equal(llvm::map_range(indices, throughIdentity), ivs) ||
        update->isAncestor(memref.getParentRegion()->getParentOp()))
      return WalkResult::interrupt();
    return WalkResult::advance();
  });
  return walk.wasInterrupted() ? nullptr : update;
}

/// Rebuilds `loop` as `parallel { loop { body with update's body inlined } }`.
void hoistRowUpdate(scf::ForOp loop, scf::ParallelOp update) {
  OpBuilder b(loop);
  IRMapping map;
  // Constant bounds made inside the loop are made again before it.
  for (Value bound : update->getOperands())
    if (loop->isAncestor(bound.getParentRegion()->getParentOp()))
      map.map(bound, b.clone(*bound.getDefiningOp())->getResult(0));
  auto bounds = [&](ValueRange values) {
    return llvm::map_to_vector(values,
                               [&](Value v) { return map.lookupOrDefault(v); });
  };
  auto outer = b.create<scf::ParallelOp>(
      loop.getLoc(), bounds(update.getLowerBound()),
      bounds(update.getUpperBound()), bounds(update.getStep()));
  b.setInsertionPoint(outer.getBody()->getTerminator());
  for (auto [from, to] :
       llvm::zip(update.getInductionVars(), outer.getInductionVars()))
    map.map(from, to);
  auto inner = b.create<scf::ForOp>(loop.getLoc(), loop.getLowerBound(),
                                    loop.getUpperBound(), loop.getStep());
  map.map(loop.getInductionVar(), inner.getInductionVar());
  b.setInsertionPoint(inner.getBody()->getTerminator());
  for (Operation &op : loop.getBody()->without_terminator()) {
    if (&op != update.getOperation()) {
      b.clone(op, map);
      continue;
    }
    for (Operation &nested : update.getBody()->without_terminator())
      b.clone(nested, map);
  }
  loop.erase();
}

/// Replaces `parallel` (no reductions) by a nest of scf.for loops.
void sequentialize(scf::ParallelOp parallel) {
  OpBuilder b(parallel);
  IRMapping map;
  for (auto [lb, ub, step, iv] :
       llvm::zip(parallel.getLowerBound(), parallel.getUpperBound(),
                 parallel.getStep(), parallel.getInductionVars())) {
    auto loop = b.create<scf::ForOp>(parallel.getLoc(), lb, ub, step);
    map.map(iv, loop.getInductionVar());
    b.setInsertionPoint(loop.getBody()->getTerminator());
  }
  for (Operation &op : parallel.getBody()->without_terminator())
    b.clone(op, map);
  parallel.erase();
}

/// Runs `loop` on one GPU thread: its own parallel loops become sequential
/// (convert-parallel-loops-to-gpu maps no parallel loop under an scf.for),
/// and it is wrapped in a one-iteration scf.parallel.
LogicalResult runOnOneThread(scf::ForOp loop) {
  SmallVector<scf::ParallelOp> nested;
  loop->walk([&](scf::ParallelOp p) { nested.push_back(p); });
  if (llvm::any_of(nested,
                   [](scf::ParallelOp p) { return !p.getInitVals().empty(); }))
    return failure();
  for (scf::ParallelOp p : nested) // innermost first
    sequentialize(p);
  OpBuilder b(loop);
  Location loc = loop.getLoc();
  Value c0 = b.create<arith::ConstantIndexOp>(loc, 0);
  Value c1 = b.create<arith::ConstantIndexOp>(loc, 1);
  auto serial = b.create<scf::ParallelOp>(loc, ValueRange{c0}, ValueRange{c1},
                                          ValueRange{c1});
  loop->moveBefore(serial.getBody()->getTerminator());
  return success();
}

struct GPUHostLoopsPass : nnc::impl::GPUHostLoopsBase<GPUHostLoopsPass> {
  void runOnOperation() override {
    func::FuncOp func = getOperation();
    // A private function (the ownership-based deallocation's helper) works
    // on the host's own bookkeeping, which lives in host memory.
    if (func.isPrivate())
      return;
    // Outermost host loops that read device data and launch nothing.
    SmallVector<scf::ForOp> loops;
    func.walk<WalkOrder::PreOrder>([&](Operation *op) {
      if (isa<gpu::LaunchOp, scf::ParallelOp>(op))
        return WalkResult::skip();
      auto loop = dyn_cast<scf::ForOp>(op);
      if (!loop || !readsDeviceData(loop, func))
        return WalkResult::advance();
      if (!loop->walk([](gpu::LaunchOp) { return WalkResult::interrupt(); })
               .wasInterrupted() &&
          loop.getNumResults() == 0)
        loops.push_back(loop);
      return WalkResult::skip();
    });
    for (scf::ForOp loop : loops) {
      if (scf::ParallelOp update = rowUpdate(loop))
        hoistRowUpdate(loop, update);
      else if (failed(runOnOneThread(loop)))
        loop.emitWarning("this loop reads tensor data on the host; on a "
                         "GPU it may read memory the host cannot address");
    }
  }
};

} // namespace
