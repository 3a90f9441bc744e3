//===- Registration.cpp - dialects and passes of the CPU back end ---------===//
//
// The transform dialect and the extensions the matmul schedule uses, the
// CPU passes and the `nnc-linalg-to-llvm` pipeline (for nnc-opt and tests).
//
//===----------------------------------------------------------------------===//

#include "nnc/Target/CPU/CPUPipeline.h"
#include "nnc/Target/CPU/Passes.h"

#include "mlir/Dialect/Bufferization/TransformOps/BufferizationTransformOps.h"
#include "mlir/Dialect/Linalg/TransformOps/DialectExtension.h"
#include "mlir/Dialect/SCF/TransformOps/SCFTransformOps.h"
#include "mlir/Dialect/Transform/IR/TransformDialect.h"
#include "mlir/Dialect/Transform/LoopExtension/LoopExtension.h"
#include "mlir/Dialect/Vector/TransformOps/VectorTransformOps.h"
#include "mlir/Pass/PassRegistry.h"

using namespace mlir;

void nnc::registerCPUCodegenDialects(DialectRegistry &registry) {
  registry.insert<transform::TransformDialect>();
  bufferization::registerTransformDialectExtension(registry);
  linalg::registerTransformDialectExtension(registry);
  scf::registerTransformDialectExtension(registry);
  vector::registerTransformDialectExtension(registry);
  transform::registerLoopExtension(registry);
}

namespace {
/// Options of the registered `nnc-linalg-to-llvm` pipeline.
struct LinalgToLLVMPipelineOptions
    : PassPipelineOptions<LinalgToLLVMPipelineOptions> {
  Option<bool> shim{*this, "shim",
                    llvm::cl::desc("Kernels for the model shim: its block "
                                   "cache, profiler and thread pool"),
                    llvm::cl::init(false)};
};
} // namespace

void nnc::registerCPUCodegenPasses() {
  registerNNCTargetCPUPasses();
  PassPipelineRegistration<LinalgToLLVMPipelineOptions>(
      "nnc-linalg-to-llvm",
      "The CPU pipeline: linalg on tensors to LLVM-dialect kernels",
      [](OpPassManager &pm, const LinalgToLLVMPipelineOptions &pipeline) {
        CPUCodegenOptions options;
        options.shimAllocator = options.threads = pipeline.shim;
        buildLinalgToLLVMPipeline(pm, options);
      });
}
