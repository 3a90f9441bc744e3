//===- Harness.cpp - compile nn modules through autodiff and run them -----===//
//
// Implements the harness of Harness.h: the pass pipeline (autodiff,
// optimizer, NNToLinalg, the CPU back end), object emission, linking,
// dlopen, and the packed kernel call with rank-generic memref descriptors.
//
//===----------------------------------------------------------------------===//

#include "Harness.h"

#include "nnc/Conversion/Passes.h"
#include "nnc/InitAllDialects.h"
#include "nnc/Pipelines/Pipelines.h"
#include "nnc/Target/CPU/CPUPipeline.h"
#include "nnc/Target/Registration.h"
#include "nnc/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/raw_ostream.h"

#include <gtest/gtest.h>

#include <dlfcn.h>

using namespace mlir;

namespace nnc::test {

Compiled::~Compiled() {
  if (handle)
    dlclose(handle);
}

bool Compiled::call(const std::string &entry, std::vector<Buffer *> args) {
  std::string symbol = "nnc_kernel_" + entry;
  auto kernel =
      reinterpret_cast<void (*)(void **)>(dlsym(handle, symbol.c_str()));
  if (!kernel) {
    ADD_FAILURE() << "no " << symbol;
    return false;
  }
  // {allocated, aligned, offset, sizes[r], strides[r]} as 64-bit words.
  std::vector<std::vector<int64_t>> descs;
  for (Buffer *buf : args) {
    size_t rank = buf->shape.size();
    std::vector<int64_t> d(3 + 2 * rank);
    d[0] = d[1] = reinterpret_cast<int64_t>(buf->data());
    d[2] = 0;
    int64_t stride = 1;
    for (size_t i = rank; i-- > 0;) {
      d[3 + i] = buf->shape[i];
      d[3 + rank + i] = stride;
      stride *= buf->shape[i];
    }
    descs.push_back(std::move(d));
  }
  std::vector<void *> ptrs;
  for (auto &d : descs)
    ptrs.push_back(d.data());
  kernel(ptrs.data());
  return true;
}

std::unique_ptr<Compiled> compile(const std::string &source,
                                  const CompileOptions &options) {
  DialectRegistry registry;
  nnc::registerAllDialects(registry);
  nnc::registerTargetDialects(registry);
  MLIRContext ctx(registry);
  std::string diagnostics;
  llvm::raw_string_ostream os(diagnostics);
  ScopedDiagnosticHandler handler(&ctx, [&](Diagnostic &diag) {
    os << diag.getLocation() << ": " << diag << "\n";
    return success();
  });
  OwningOpRef<ModuleOp> module = parseSourceString<ModuleOp>(source, &ctx);
  if (!module) {
    ADD_FAILURE() << "parse failed:\n" << diagnostics;
    return nullptr;
  }
  PassManager front(&ctx);
  front.addPass(nnc::createAutodiff());
  if (options.optimizer)
    front.addPass(nnc::createOptimizer());
  // The gradients are checked in the form models compile them.
  nnc::buildGradientCleanupPipeline(front);
  if (failed(front.run(*module))) {
    ADD_FAILURE() << "autodiff/optimizer failed:\n" << diagnostics;
    return nullptr;
  }
  for (const std::string &name : options.drop)
    if (auto func = module->lookupSymbol<func::FuncOp>(name))
      func.erase();
  PassManager pm(&ctx);
  nnc::ConvertNNToLinalgOptions lowering;
  lowering.perImageConvolutions = options.perImageConvolutions;
  pm.addPass(nnc::createConvertNNToLinalg(lowering));
  nnc::CPUCodegenOptions codegen;
  codegen.hideSymbols = false;
  // The production pipeline, matmul schedule included: the gradients are
  // checked through the same tiled, vectorized kernels that models run.
  nnc::buildLinalgToLLVMPipeline(pm, codegen);
  if (failed(pm.run(*module))) {
    ADD_FAILURE() << "lowering failed:\n" << diagnostics;
    return nullptr;
  }
  llvm::SmallString<128> dir;
  if (llvm::sys::fs::createUniqueDirectory("nnc-grad-test", dir)) {
    ADD_FAILURE() << "no temporary directory";
    return nullptr;
  }
  std::string obj = (dir + "/k.o").str(), so = (dir + "/k.so").str();
  nnc::LinkInputs link;
  link.objects = {obj};
  if (failed(nnc::emitNativeCode(*module, codegen, obj, false)) ||
      failed(nnc::linkSharedLibrary(module->getLoc(), link, so))) {
    ADD_FAILURE() << "emit/link failed:\n" << diagnostics;
    return nullptr;
  }
  auto compiled = std::make_unique<Compiled>();
  compiled->handle = dlopen(so.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!compiled->handle) {
    ADD_FAILURE() << dlerror();
    return nullptr;
  }
  return compiled;
}

} // namespace nnc::test
