//===- GPUMergeModules.cpp - one gpu.module for all kernels ---------------===//
//
// Implements nnc-gpu-merge-modules: after gpu-kernel-outlining, moves every
// kernel function into one `gpu.module @nnc_kernels` and points each
// gpu.launch_func at it, so the model embeds (and the driver JIT-compiles)
// one PTX module. Kernel names are already unique: outlining names each
// module after its kernel, and module names are unique symbols.
//
//===----------------------------------------------------------------------===//

#include "nnc/Codegen/Passes.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/IR/Builders.h"

namespace nnc {
#define GEN_PASS_DEF_GPUMERGEMODULES
#include "nnc/Codegen/Passes.h.inc"
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
    for (gpu::GPUModuleOp src : sources) {
      for (Operation &op :
           llvm::make_early_inc_range(src.getBodyRegion().front()))
        if (!op.hasTrait<OpTrait::IsTerminator>())
          op.moveBefore(dest.getTerminator());
    }
    module.walk([&](gpu::LaunchFuncOp launch) {
      launch.setKernelAttr(SymbolRefAttr::get(
          b.getStringAttr(kMergedName),
          {FlatSymbolRefAttr::get(launch.getKernelName())}));
    });
    for (gpu::GPUModuleOp src : sources)
      src.erase();
    module->setAttr(gpu::GPUDialect::getContainerModuleAttrName(),
                    b.getUnitAttr());
  }
};

} // namespace
