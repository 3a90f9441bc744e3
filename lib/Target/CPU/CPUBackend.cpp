//===- CPUBackend.cpp - the CPU back end behind the Target interface ------===//
//
// --target=cpu: the kernels run on the host, on the model shim's thread
// pool, with temporaries from its block cache.
//
//===----------------------------------------------------------------------===//

#include "nnc/Target/CPU/CPUPipeline.h"

using namespace mlir;

nnc::CPUCodegenOptions nnc::cpuCodegenOptions(const TargetOptions &options) {
  CPUCodegenOptions codegen;
  codegen.optLevel = options.optLevel;
  codegen.cpu = options.cpu;
  codegen.shimAllocator = true; // model.so always links the shim
  codegen.threads = true;
  codegen.vectorizeMatmul = options.vectorize != "none";
  codegen.vectorizeOps = options.vectorize == "all";
  return codegen;
}

namespace {

class CPUBackend final : public nnc::Target {
public:
  llvm::StringRef getName() const override { return "cpu"; }
  bool perImageConvolutions() const override { return true; }
  int64_t recurrentBatchRows() const override {
    return nnc::kRecurrentBatchRows;
  }
  bool runsOnHost() const override { return true; }
  void buildPipeline(OpPassManager &pm,
                     const nnc::TargetOptions &options) const override {
    nnc::buildLinalgToLLVMPipeline(pm, nnc::cpuCodegenOptions(options));
  }
};

} // namespace

const nnc::Target &nnc::getCPUBackend() {
  static const CPUBackend backend;
  return backend;
}
