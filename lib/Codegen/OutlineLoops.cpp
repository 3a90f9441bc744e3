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

#include "nnc/Codegen/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Transforms/RegionUtils.h"

#include "llvm/ADT/SetVector.h"

namespace nnc {
#define GEN_PASS_DEF_OUTLINELOOPS
#include "nnc/Codegen/Passes.h.inc"
} // namespace nnc

using namespace mlir;

namespace {

/// Replaces `loop` by a call of a new function `name` holding it.
void outlineLoop(Operation *loop, ModuleOp module, StringRef name) {
  llvm::SetVector<Value> inputs;
  llvm::SetVector<Operation *> constants;
  auto addInput = [&](Value value) {
    Operation *def = value.getDefiningOp();
    if (def && def->hasTrait<OpTrait::ConstantLike>())
      constants.insert(def);
    else
      inputs.insert(value);
  };
  llvm::for_each(loop->getOperands(), addInput);
  llvm::SetVector<Value> captured;
  getUsedValuesDefinedAbove(loop->getRegions(), captured);
  llvm::for_each(captured, addInput);

  Location loc = loop->getLoc();
  OpBuilder b = OpBuilder::atBlockEnd(module.getBody());
  auto type = b.getFunctionType(ValueRange(inputs.getArrayRef()).getTypes(),
                                loop->getResultTypes());
  auto func = b.create<func::FuncOp>(loc, name, type);
  func.setPrivate();
  func->setAttr(LLVM::LLVMFuncOp::getNoInlineAttrName(
                    OperationName(LLVM::LLVMFuncOp::getOperationName(),
                                  b.getContext())),
                b.getUnitAttr());
  func->setAttr("llvm.linkage", LLVM::LinkageAttr::get(
                                    b.getContext(), LLVM::Linkage::Internal));
  Block *entry = func.addEntryBlock();
  IRMapping map;
  map.map(inputs.getArrayRef(), entry->getArguments());
  b.setInsertionPointToStart(entry);
  for (Operation *constant : constants)
    b.clone(*constant, map);
  Operation *copy = b.clone(*loop, map);
  b.create<func::ReturnOp>(loc, copy->getResults());

  OpBuilder at(loop);
  auto call = at.create<func::CallOp>(loc, func, inputs.getArrayRef());
  loop->replaceAllUsesWith(call.getResults());
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
