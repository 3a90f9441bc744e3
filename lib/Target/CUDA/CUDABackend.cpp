//===- CUDABackend.cpp - the CUDA back end behind the Target interface ----===//
//
// --target=cuda: kernels as PTX embedded in the host code, launched through
// the model shim's mgpu* functions (lib/ModelRT/Cuda*.c).
//
//===----------------------------------------------------------------------===//

#include "nnc/Dialect/NN/NNConventions.h"
#include "nnc/Target/CUDA/CUDAPipeline.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"

using namespace mlir;

nnc::GPUCodegenOptions nnc::gpuCodegenOptions(const TargetOptions &options) {
  GPUCodegenOptions gpu;
  gpu.optLevel = options.optLevel;
  if (!options.gpuChips.empty())
    gpu.chips = options.gpuChips;
  gpu.libdevice = findLibdevice();
  return gpu;
}

namespace {

class CUDABackend final : public nnc::Target {
public:
  llvm::StringRef getName() const override { return "cuda"; }
  bool perImageConvolutions() const override { return false; }
  bool supportsInputGradients() const override { return false; }
  bool runsOnHost() const override { return false; }

  LogicalResult checkModule(ModuleOp module) const override {
    // nn.replica_sum calls the host's all-reduce callback from the kernel;
    // the CUDA kernels run on the device and cannot (docs/distributed.md).
    for (auto func : module.getOps<func::FuncOp>())
      for (unsigned i = 0, e = func.getNumArguments(); i < e; ++i)
        if (func.getArgAttr(i, nnc::attrs::kReplicas))
          return emitError(func.getArgument(i).getLoc())
                 << "sync_batchnorm is not supported with --target=cuda: the "
                    "all-reduce of the batchnorm statistics is a host "
                    "callback that GPU kernels cannot call; train with "
                    "per-process statistics (remove sync_batchnorm) or on "
                    "the CPU target";
    return success();
  }

  void buildPipeline(OpPassManager &pm,
                     const nnc::TargetOptions &options) const override {
    nnc::buildLinalgToGPUPipeline(pm, nnc::gpuCodegenOptions(options));
  }

  bool hasDeviceCode() const override { return true; }
  void
  buildDeviceCodePipeline(OpPassManager &pm,
                          const nnc::TargetOptions &options) const override {
    nnc::buildLinalgToGPUPipeline(pm, nnc::gpuCodegenOptions(options),
                                  nnc::GPUStage::Binary);
  }
  LogicalResult writeDeviceCode(ModuleOp module, llvm::StringRef chip,
                                llvm::raw_ostream &os) const override {
    return nnc::writeEmbeddedPTX(module, chip, os);
  }
};

} // namespace

const nnc::Target &nnc::getCUDABackend() {
  static const CUDABackend backend;
  return backend;
}
