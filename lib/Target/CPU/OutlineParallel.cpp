//===- OutlineParallel.cpp - scf.forall chunks as thread-pool tasks -------===//
//
// Implements nnc-outline-parallel on buffers, before nnc-outline-loops: each
// outermost `scf.forall` (nnc-distribute-ops' chunks, convolutions' images)
// becomes a call of a private task function
//
//   func.func private @nnc_loop_<kernel>_par<N>(%begin: index, %end: index,
//                                               <captured values>)
//       attributes {nnc.parallel_task}
//
// that runs the iterations [begin, end) of the forall, linearized, in an
// scf.for. The call covers every iteration (begin 0, end the trip count);
// nnc-parallel-task-calls later turns it into `nnc_rt_parallel_for`, which
// splits the range over the instance's threads. A forall inside another one
// runs serially inside its task (scf.for), and with `threads=false` every
// forall does.
//
//===----------------------------------------------------------------------===//

#include "Outline.h"
#include "nnc/Target/CPU/Passes.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/Transforms/Transforms.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/PatternMatch.h"

namespace nnc {
#define GEN_PASS_DEF_OUTLINEPARALLEL
#include "nnc/Target/CPU/Passes.h.inc"
} // namespace nnc

using namespace mlir;

namespace {

/// Replaces `forall` by an scf.for over its linearized iterations, from 0 to
/// their count; returns the loop.
scf::ForOp linearize(RewriterBase &rewriter, scf::ForallOp forall) {
  Location loc = forall.getLoc();
  rewriter.setInsertionPoint(forall);
  SmallVector<Value> lbs = getValueOrCreateConstantIndexOp(
      rewriter, loc, forall.getMixedLowerBound());
  SmallVector<Value> ubs = getValueOrCreateConstantIndexOp(
      rewriter, loc, forall.getMixedUpperBound());
  SmallVector<Value> steps =
      getValueOrCreateConstantIndexOp(rewriter, loc, forall.getMixedStep());
  SmallVector<Value> counts;
  Value total = rewriter.create<arith::ConstantIndexOp>(loc, 1);
  for (auto [lb, ub, step] : llvm::zip(lbs, ubs, steps)) {
    Value span = rewriter.create<arith::SubIOp>(loc, ub, lb);
    // ceil(span / step) for the positive steps of tiling; arith.ceildivsi
    // has no direct LLVM lowering.
    Value stepLess1 = rewriter.create<arith::SubIOp>(
        loc, step, rewriter.create<arith::ConstantIndexOp>(loc, 1));
    Value count = rewriter.create<arith::DivSIOp>(
        loc, rewriter.create<arith::AddIOp>(loc, span, stepLess1), step);
    counts.push_back(count);
    total = rewriter.create<arith::MulIOp>(loc, total, count);
  }
  Value zero = rewriter.create<arith::ConstantIndexOp>(loc, 0);
  Value one = rewriter.create<arith::ConstantIndexOp>(loc, 1);
  auto loop = rewriter.create<scf::ForOp>(loc, zero, total, one);
  rewriter.setInsertionPointToStart(loop.getBody());
  SmallVector<Value> indices{loop.getInductionVar()};
  if (counts.size() > 1)
    indices = rewriter
                  .create<affine::AffineDelinearizeIndexOp>(
                      loc, loop.getInductionVar(), counts)
                  .getResults();
  IRMapping map;
  for (auto [iv, index, lb, step] :
       llvm::zip(forall.getInductionVars(), indices, lbs, steps)) {
    Value scaled = rewriter.create<arith::MulIOp>(loc, index, step);
    map.map(iv, rewriter.create<arith::AddIOp>(loc, lb, scaled));
  }
  for (Operation &op : forall.getBody()->without_terminator())
    rewriter.clone(op, map);
  rewriter.eraseOp(forall);
  return loop;
}

/// Moves `loop` (from linearize) into a task function `name` taking the
/// range of iterations first, and calls it on the whole range.
void outlineTask(RewriterBase &rewriter, scf::ForOp loop, ModuleOp module,
                 StringRef name) {
  nnc::Outlined outlined = nnc::outlineCopy({loop}, module, name);
  func::FuncOp task = outlined.func;
  Location loc = loop.getLoc();
  Type index = rewriter.getIndexType();
  task.insertArgument(0, index, {}, loc);
  task.insertArgument(1, index, {}, loc);
  task->setAttr(nnc::kParallelTaskAttr, rewriter.getUnitAttr());
  auto copy = cast<scf::ForOp>(
      *llvm::find_if(task.getBody().front(),
                     [](Operation &op) { return isa<scf::ForOp>(op); }));
  copy.setLowerBound(task.getArgument(0));
  copy.setUpperBound(task.getArgument(1));
  // The loop's own bounds were captured too; they are unused now.
  SmallVector<Value> operands{loop.getLowerBound(), loop.getUpperBound()};
  llvm::BitVector unused(task.getNumArguments());
  for (auto [i, input] : llvm::enumerate(outlined.inputs)) {
    if (task.getArgument(i + 2).use_empty())
      unused.set(i + 2);
    else
      operands.push_back(input);
  }
  task.eraseArguments(unused);
  rewriter.setInsertionPoint(loop);
  rewriter.create<func::CallOp>(loc, task, operands);
  rewriter.eraseOp(loop);
}

struct OutlineParallelPass
    : nnc::impl::OutlineParallelBase<OutlineParallelPass> {
  using OutlineParallelBase::OutlineParallelBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    IRRewriter rewriter(&getContext());
    SmallVector<func::FuncOp> funcs(module.getOps<func::FuncOp>());
    for (func::FuncOp func : funcs) {
      SmallVector<scf::ForallOp> outermost, nested;
      WalkResult walk = func.walk([&](scf::ForallOp forall) {
        if (!forall.getOutputs().empty()) {
          forall.emitError("nnc-outline-parallel: expected a forall on "
                           "buffers (run after bufferization)");
          return WalkResult::interrupt();
        }
        bool inner = forall->getParentOfType<scf::ForallOp>();
        (threads && !inner ? outermost : nested).push_back(forall);
        return WalkResult::advance();
      });
      if (walk.wasInterrupted())
        return signalPassFailure();
      // Post-order walk: inner foralls come first, so each is serialized
      // before its parent is cloned into a task.
      for (scf::ForallOp forall : nested) {
        rewriter.setInsertionPoint(forall);
        if (failed(scf::forallToForLoop(rewriter, forall)))
          return signalPassFailure();
      }
      unsigned next = 0;
      for (scf::ForallOp forall : outermost) {
        scf::ForOp loop = linearize(rewriter, forall);
        std::string name =
            ("nnc_loop_" + func.getSymName() + "_par" + std::to_string(next++))
                .str();
        outlineTask(rewriter, loop, module, name);
      }
    }
  }
};

} // namespace
