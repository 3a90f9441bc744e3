//===- OutlineLoops.cpp - one LLVM function per top-level loop nest -------===//
//
// Implements nnc-outline-loops: every loop at the top level of a kernel
// becomes a call to a private function of its own, so that LLVM compiles
// many functions of the size of one layer instead of one function of the
// size of the model (its code generation grows faster than linearly with
// function size: the transformer's train step took minutes). The functions
// are internal and `no_inline`, so the LLVM inliner does not undo it.
//
//===----------------------------------------------------------------------===//

#include "Outline.h"
#include "nnc/Target/CPU/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

namespace nnc {
#define GEN_PASS_DEF_OUTLINELOOPS
#include "nnc/Target/CPU/Passes.h.inc"
} // namespace nnc

using namespace mlir;

namespace {

/// Replaces `loop` by a call of a new internal, no_inline function `name`
/// holding it.
void outlineLoop(Operation *loop, ModuleOp module, StringRef name) {
  nnc::Outlined outlined = nnc::outlineCopy(loop, module, name);
  func::FuncOp func = outlined.func;
  MLIRContext *ctx = module.getContext();
  func->setAttr(LLVM::LLVMFuncOp::getNoInlineAttrName(
                    OperationName(LLVM::LLVMFuncOp::getOperationName(), ctx)),
                UnitAttr::get(ctx));
  func->setAttr("llvm.linkage",
                LLVM::LinkageAttr::get(ctx, LLVM::Linkage::Internal));
  OpBuilder at(loop);
  auto call = at.create<func::CallOp>(loop->getLoc(), func, outlined.inputs);
  // A loop's results are used after it (or not at all): `outputs` lists
  // the used ones, the call returns exactly those.
  for (auto [output, result] : llvm::zip(outlined.outputs, call.getResults()))
    output.replaceAllUsesWith(result);
  loop->erase();
}

struct OutlineLoopsPass : nnc::impl::OutlineLoopsBase<OutlineLoopsPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<func::FuncOp> kernels;
    for (func::FuncOp func : module.getOps<func::FuncOp>())
      if (func.isPublic() && !func.isExternal())
        kernels.push_back(func);
    for (func::FuncOp kernel : kernels) {
      SmallVector<Operation *> loops;
      for (Operation &op : kernel.getBody().front())
        if (isa<scf::ForOp, scf::ParallelOp, scf::WhileOp>(op))
          loops.push_back(&op);
      // One loop alone is the whole kernel: nothing to split.
      if (loops.size() < 2)
        continue;
      std::string base = ("nnc_loop_" + kernel.getSymName() + "_").str();
      for (auto [index, loop] : llvm::enumerate(loops))
        outlineLoop(loop, module, base + std::to_string(index));
    }
  }
};

} // namespace
