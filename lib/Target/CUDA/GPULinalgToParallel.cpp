//===- GPULinalgToParallel.cpp - linalg on memrefs to scf.parallel --------===//
//
// Implements nnc-gpu-linalg-to-parallel: prepares every linalg op left in a
// host function (after nnc-gpu-matmul) to become exactly one GPU kernel.
// Host-level memref.copy becomes linalg.copy and a host memref.store into an
// allocation a one-element linalg.fill; generic ops get their parallel
// dimensions first, so reductions stay inside the loop body; ops without a
// parallel dimension are wrapped in a one-iteration scf.parallel; then every
// op is lowered to an scf.parallel nest with linalg's own loop generator.
//
//===----------------------------------------------------------------------===//

#include "MemrefQueries.h"
#include "nnc/Target/CUDA/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Interfaces/CallInterfaces.h"
#include "mlir/Interfaces/ViewLikeInterface.h"

namespace nnc {
#define GEN_PASS_DEF_GPULINALGTOPARALLEL
#include "nnc/Target/CUDA/Passes.h.inc"
} // namespace nnc

using namespace mlir;

namespace {

bool onHost(Operation *op) { return !op->getParentOfType<gpu::LaunchOp>(); }

/// Whether `memref` is (a view of) a memref.alloc that the host code never
/// reads itself (with memref.load, or in a call such as the ownership-based
/// deallocation's helper): device data, unlike the deallocation's own
/// bookkeeping or a host stack buffer (memref.alloca).
bool isDeviceAllocation(Value memref) {
  memref = nnc::viewRoot(memref);
  if (!memref.getDefiningOp<memref::AllocOp>())
    return false;
  SmallVector<Value> aliases{memref};
  while (!aliases.empty()) {
    Value v = aliases.pop_back_val();
    for (Operation *user : v.getUsers()) {
      if ((isa<memref::LoadOp>(user) && onHost(user)) ||
          isa<CallOpInterface>(user))
        return false;
      if (auto view = dyn_cast<ViewLikeOpInterface>(user);
          view && view.getViewSource() == v)
        aliases.append(user->result_begin(), user->result_end());
    }
  }
  return true;
}

/// The permutation putting parallel iterators first (stable), or empty when
/// they already are.
SmallVector<unsigned> parallelFirst(linalg::GenericOp op) {
  SmallVector<unsigned> parallel, other;
  for (auto [i, type] : llvm::enumerate(op.getIteratorTypesArray()))
    (type == utils::IteratorType::parallel ? parallel : other).push_back(i);
  SmallVector<unsigned> perm(parallel);
  perm.append(other);
  for (unsigned i = 0; i < perm.size(); ++i)
    if (perm[i] != i)
      return perm;
  return {};
}

struct GPULinalgToParallelPass
    : nnc::impl::GPULinalgToParallelBase<GPULinalgToParallelPass> {
  void runOnOperation() override {
    IRRewriter rewriter(&getContext());
    SmallVector<memref::CopyOp> copies;
    getOperation().walk([&](memref::CopyOp op) {
      if (onHost(op))
        copies.push_back(op);
    });
    for (memref::CopyOp copy : copies) {
      rewriter.setInsertionPoint(copy);
      rewriter.replaceOpWithNewOp<linalg::CopyOp>(copy, copy.getSource(),
                                                  copy.getTarget());
    }
    // A scalar the host writes into a temporary (tensor.from_elements) is
    // written by a one-element fill kernel instead, in stream order: the
    // host never waits to write device memory.
    SmallVector<memref::StoreOp> stores;
    getOperation().walk([&](memref::StoreOp op) {
      if (onHost(op) && isDeviceAllocation(op.getMemRef()))
        stores.push_back(op);
    });
    for (memref::StoreOp store : stores) {
      rewriter.setInsertionPoint(store);
      Value target = store.getMemRef();
      if (unsigned rank = store.getMemRefType().getRank()) {
        SmallVector<OpFoldResult> offsets(store.getIndices()),
            ones(rank, rewriter.getIndexAttr(1));
        target = rewriter.create<memref::SubViewOp>(store.getLoc(), target,
                                                    offsets, ones, ones);
      }
      rewriter.create<linalg::FillOp>(store.getLoc(), store.getValue(), target);
      rewriter.eraseOp(store);
    }

    SmallVector<linalg::LinalgOp> ops;
    getOperation().walk([&](linalg::LinalgOp op) {
      if (onHost(op))
        ops.push_back(op);
    });
    for (linalg::LinalgOp op : ops) {
      if (!op.hasPureBufferSemantics()) {
        op->emitOpError("expected buffer semantics before GPU mapping");
        return signalPassFailure();
      }
      if (auto generic = dyn_cast<linalg::GenericOp>(op.getOperation())) {
        SmallVector<unsigned> perm = parallelFirst(generic);
        if (!perm.empty()) {
          rewriter.setInsertionPoint(generic);
          FailureOr<linalg::GenericOp> swapped =
              linalg::interchangeGenericOp(rewriter, generic, perm);
          if (succeeded(swapped))
            op = *swapped;
        }
      }
      if (op.getNumParallelLoops() == 0) {
        // One GPU thread runs the whole op.
        rewriter.setInsertionPoint(op);
        Location loc = op.getLoc();
        Value c0 = rewriter.create<arith::ConstantIndexOp>(loc, 0);
        Value c1 = rewriter.create<arith::ConstantIndexOp>(loc, 1);
        auto serial = rewriter.create<scf::ParallelOp>(
            loc, ValueRange{c0}, ValueRange{c1}, ValueRange{c1});
        op->moveBefore(serial.getBody()->getTerminator());
      }
      rewriter.setInsertionPoint(op);
      if (failed(linalg::linalgOpToParallelLoops(rewriter, op))) {
        op->emitOpError("cannot be lowered to parallel loops for the GPU");
        return signalPassFailure();
      }
      rewriter.eraseOp(op);
    }
  }
};

} // namespace
