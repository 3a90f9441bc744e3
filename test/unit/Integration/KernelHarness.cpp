//===- KernelHarness.cpp - compile, load and call nn kernels in tests -----===//
//
// Implements the test harness of KernelHarness.h: the nn module goes
// through nnc-convert-nn-to-linalg and buildLinalgToLLVMPipeline, is emitted
// as an object, linked to a shared library in a temporary directory and
// loaded with dlopen; arguments are MLIR memref descriptors.
//
//===----------------------------------------------------------------------===//

#include "KernelHarness.h"

#include "nnc/Conversion/Passes.h"
#include "nnc/Dialect/NN/NNDialect.h"
#include "nnc/Target/CPU/CPUPipeline.h"
#include "nnc/Target/Registration.h"

#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"

#include "llvm/Support/FileSystem.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <dlfcn.h>
#include <random>

using namespace mlir;

namespace nnc::test {

Arg::Arg(void *data, std::vector<int64_t> shape) {
  auto ptr = static_cast<int64_t>(reinterpret_cast<intptr_t>(data));
  desc = {ptr, ptr, 0};
  desc.insert(desc.end(), shape.begin(), shape.end());
  std::vector<int64_t> strides(shape.size(), 1);
  for (int64_t i = int64_t(shape.size()) - 2; i >= 0; --i)
    strides[i] = strides[i + 1] * shape[i + 1];
  desc.insert(desc.end(), strides.begin(), strides.end());
}

Arg Arg::f32(std::vector<float> &data, std::vector<int64_t> shape) {
  return Arg(data.data(), std::move(shape));
}
Arg Arg::i32(std::vector<int32_t> &data, std::vector<int64_t> shape) {
  return Arg(data.data(), std::move(shape));
}
Arg Arg::i64(int64_t &value) { return Arg(&value, {}); }
Arg Arg::scalar(float &value) { return Arg(&value, {}); }

std::unique_ptr<Library> Library::compile(const std::string &source) {
  DialectRegistry registry;
  nnc::registerTargetDialects(registry);
  registry.insert<nn::NNDialect>();
  MLIRContext ctx(registry);
  OwningOpRef<ModuleOp> module = parseSourceString<ModuleOp>(source, &ctx);
  if (!module) {
    ADD_FAILURE() << "parse failed";
    return nullptr;
  }
  CPUCodegenOptions opts;
  opts.hideSymbols = false;
  PassManager pm(&ctx);
  // NNC_TEST_PRINT_IR=1 prints the IR after the failing pass.
  if (std::getenv("NNC_TEST_PRINT_IR")) {
    ctx.disableMultithreading();
    pm.enableIRPrinting(
        [](Pass *, Operation *) { return false; },
        [](Pass *, Operation *) { return true; }, /*printModuleScope=*/true,
        /*printAfterOnlyOnChange=*/true, /*printAfterOnlyOnFailure=*/true);
  }
  nnc::ConvertNNToLinalgOptions lowering;
  lowering.perImageConvolutions = true; // the CPU's form, as nnc compiles
  pm.addPass(nnc::createConvertNNToLinalg(lowering));
  nnc::buildLinalgToLLVMPipeline(pm, opts);
  if (failed(pm.run(*module))) {
    ADD_FAILURE() << "lowering or code generation failed";
    return nullptr;
  }
  llvm::SmallString<128> dir;
  if (llvm::sys::fs::createUniqueDirectory("nnc-ops-test", dir)) {
    ADD_FAILURE() << "no temporary directory";
    return nullptr;
  }
  std::string obj = (dir + "/k.o").str(), so = (dir + "/k.so").str();
  if (failed(emitNativeCode(*module, opts, obj, false)) ||
      failed(linkSharedLibrary(module->getLoc(), std::vector<std::string>{obj},
                               so))) {
    ADD_FAILURE() << "emit or link failed";
    return nullptr;
  }
  auto lib = std::unique_ptr<Library>(new Library());
  lib->handle = dlopen(so.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!lib->handle) {
    ADD_FAILURE() << dlerror();
    return nullptr;
  }
  llvm::sys::fs::remove(obj);
  llvm::sys::fs::remove(so);
  llvm::sys::fs::remove(dir);
  return lib;
}

Library::~Library() {
  if (handle)
    dlclose(handle);
}

void Library::call(const std::string &name, std::vector<Arg> args) {
  auto kernel = reinterpret_cast<void (*)(void **)>(
      dlsym(handle, ("nnc_kernel_" + name).c_str()));
  ASSERT_NE(kernel, nullptr) << "no kernel " << name;
  std::vector<void *> ptrs;
  for (Arg &a : args)
    ptrs.push_back(a.descriptor());
  kernel(ptrs.data());
}

std::vector<float> randomData(size_t n, unsigned seed, float lo, float hi) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(lo, hi);
  std::vector<float> v(n);
  for (float &f : v)
    f = dist(rng);
  return v;
}

void expectClose(const std::vector<float> &got, const std::vector<double> &ref,
                 const std::string &what, double rtol, double atol) {
  ASSERT_EQ(got.size(), ref.size()) << what;
  int reported = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    double err = std::fabs(double(got[i]) - ref[i]);
    if (!(err <= atol + rtol * std::fabs(ref[i])) && reported++ < 5)
      ADD_FAILURE() << what << ": element " << i << " is " << got[i]
                    << ", expected " << ref[i] << " (error " << err << ")";
  }
}

} // namespace nnc::test
