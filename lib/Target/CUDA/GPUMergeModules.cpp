//===- GPUMergeModules.cpp - one gpu.module for all kernels ---------------===//
//
// Implements nnc-gpu-merge-modules: after gpu-kernel-outlining, moves every
// kernel function into one `gpu.module @nnc_kernels` and points each
// gpu.launch_func at it, so the model embeds (and the driver JIT-compiles)
// one PTX module. Each kernel is renamed after its (unique) outlined module,
// since outlining reuses the parent function's name for every kernel.
//
//===----------------------------------------------------------------------===//

#include "nnc/Target/CUDA/Passes.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/SymbolTable.h"

namespace nnc {
#define GEN_PASS_DEF_GPUMERGEMODULES
#include "nnc/Target/CUDA/Passes.h.inc"
} // namespace nnc

using namespace mlir;

namespace {

constexpr llvm::StringLiteral kMergedName = "nnc_kernels";

struct GPUMergeModulesPass
    : nnc::impl::GPUMergeModulesBase<GPUMergeModulesPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<gpu::GPUModuleOp> sources(module.getOps<gpu::GPUModuleOp>());
    if (sources.empty())
      return;
    OpBuilder b(module.getContext());
    b.setInsertionPointToEnd(module.getBody());
    auto merged = b.create<gpu::GPUModuleOp>(module.getLoc(), kMergedName);
    Block &dest = merged.getBodyRegion().front();
    // Outlining names every kernel after its parent function and makes only
    // the module names unique: kernels take their module's name.
    llvm::DenseMap<SymbolRefAttr, StringAttr> renamed;
    for (gpu::GPUModuleOp src : sources) {
      SmallVector<Operation *> ops;
      for (Operation &op : src.getBodyRegion().front())
        if (!op.hasTrait<OpTrait::IsTerminator>())
          ops.push_back(&op);
      for (Operation *op : ops) {
        StringAttr name = SymbolTable::getSymbolName(op);
        StringAttr unique =
            ops.size() == 1
                ? src.getNameAttr()
                : b.getStringAttr(src.getName() + "__" + name.getValue());
        renamed[SymbolRefAttr::get(src.getNameAttr(),
                                   {FlatSymbolRefAttr::get(name)})] = unique;
        SymbolTable::setSymbolName(op, unique);
        op->moveBefore(dest.getTerminator());
      }
    }
    module.walk([&](gpu::LaunchFuncOp launch) {
      auto it = renamed.find(launch.getKernel());
      if (it == renamed.end())
        return;
      launch.setKernelAttr(SymbolRefAttr::get(
          b.getStringAttr(kMergedName), {FlatSymbolRefAttr::get(it->second)}));
    });
    for (gpu::GPUModuleOp src : sources)
      src.erase();
    module->setAttr(gpu::GPUDialect::getContainerModuleAttrName(),
                    b.getUnitAttr());
  }
};

} // namespace
