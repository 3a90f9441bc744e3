//===- Target.cpp - the back ends by name, and their registration ---------===//
//
// The one place that knows every back end: lookupTarget for the driver's
// --target, and the registration of every back end's dialects and passes.
//
//===----------------------------------------------------------------------===//

#include "nnc/Target/Target.h"
#include "nnc/Codegen/Registration.h"
#include "nnc/Target/CPU/CPUPipeline.h"
#include "nnc/Target/CUDA/CUDAPipeline.h"
#include "nnc/Target/Registration.h"

using namespace mlir;

namespace {
/// Every back end, in the order --help lists them.
const nnc::Target *const kTargets[] = {&nnc::getCPUBackend(),
                                       &nnc::getCUDABackend()};
} // namespace

const nnc::Target *nnc::lookupTarget(llvm::StringRef name) {
  for (const Target *target : kTargets)
    if (target->getName() == name)
      return target;
  return nullptr;
}

llvm::SmallVector<llvm::StringRef> nnc::getTargetNames() {
  llvm::SmallVector<llvm::StringRef> names;
  for (const Target *target : kTargets)
    names.push_back(target->getName());
  return names;
}

void nnc::registerTargetDialects(DialectRegistry &registry) {
  registerCodegenDialects(registry);
  registerCPUCodegenDialects(registry);
  registerGPUCodegenDialects(registry);
}

void nnc::registerTargetPasses() {
  registerCodegenPasses();
  registerCPUCodegenPasses();
  registerGPUCodegenPasses();
}
