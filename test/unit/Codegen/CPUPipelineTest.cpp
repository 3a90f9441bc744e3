//===- CPUPipelineTest.cpp - linalg kernels compiled, linked and run ------===//
//
// End-to-end checks of the CPU back end without the nn dialect: hand-written
// linalg-on-tensors functions go through the pipeline, become an object file
// and a shared library, are loaded with dlopen and called through the packed
// kernel convention; results are compared with plain C++ loops.
//
//===----------------------------------------------------------------------===//

#include "nnc/Target/CPU/CPUPipeline.h"
#include "nnc/Target/Registration.h"

#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

#include <gtest/gtest.h>

#include <cmath>
#include <dlfcn.h>
#include <random>

using namespace mlir;

namespace {

/// A rank-2 MLIR memref descriptor.
struct Desc2 {
  float *allocated, *aligned;
  int64_t offset, sizes[2], strides[2];
};
struct Desc1 {
  float *allocated, *aligned;
  int64_t offset, sizes[1], strides[1];
};

Desc2 desc(std::vector<float> &v, int64_t rows, int64_t cols) {
  return {v.data(), v.data(), 0, {rows, cols}, {cols, 1}};
}

/// Compiles `source` into a shared library in a temporary directory and
/// returns the dlopen handle (nullptr on failure, with a gtest failure).
void *compileAndLoad(const char *source, const nnc::CPUCodegenOptions &opts) {
  DialectRegistry registry;
  nnc::registerTargetDialects(registry);
  MLIRContext ctx(registry);
  OwningOpRef<ModuleOp> module = parseSourceString<ModuleOp>(source, &ctx);
  if (!module) {
    ADD_FAILURE() << "parse failed";
    return nullptr;
  }
  PassManager pm(&ctx);
  nnc::buildLinalgToLLVMPipeline(pm, opts);
  if (failed(pm.run(*module))) {
    ADD_FAILURE() << "pipeline failed";
    return nullptr;
  }
  llvm::SmallString<128> dir;
  if (llvm::sys::fs::createUniqueDirectory("nnc-codegen-test", dir)) {
    ADD_FAILURE() << "no temp dir";
    return nullptr;
  }
  std::string obj = (dir + "/k.o").str(), so = (dir + "/k.so").str();
  if (failed(nnc::emitNativeCode(*module, opts, obj, false)) ||
      failed(nnc::linkSharedLibrary(module->getLoc(),
                                    std::vector<std::string>{obj}, so))) {
    ADD_FAILURE() << "emit/link failed";
    return nullptr;
  }
  void *handle = dlopen(so.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle)
    ADD_FAILURE() << dlerror();
  return handle;
}

// relu(x * w^T + b): x [M, K] with a dynamic batch, w [N, K] (PyTorch layout).
const char *kDenseRelu = R"mlir(
#id = affine_map<(m, n) -> (m, n)>
#bias = affine_map<(m, n) -> (n)>
func.func @predict(%x: tensor<?x20xf32>, %w: tensor<40x20xf32>, %b: tensor<40xf32>)
    -> tensor<?x40xf32> {
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0.0 : f32
  %m = tensor.dim %x, %c0 : tensor<?x20xf32>
  %init = tensor.empty(%m) : tensor<?x40xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%init : tensor<?x40xf32>) -> tensor<?x40xf32>
  %mm = linalg.matmul_transpose_b ins(%x, %w : tensor<?x20xf32>, tensor<40x20xf32>)
                                  outs(%acc : tensor<?x40xf32>) -> tensor<?x40xf32>
  %out = linalg.generic {indexing_maps = [#id, #bias, #id],
                         iterator_types = ["parallel", "parallel"]}
      ins(%mm, %b : tensor<?x40xf32>, tensor<40xf32>) outs(%init : tensor<?x40xf32>) {
  ^bb0(%a: f32, %c: f32, %o: f32):
    %s = arith.addf %a, %c : f32
    %r = arith.maximumf %s, %zero : f32
    linalg.yield %r : f32
  } -> tensor<?x40xf32>
  return %out : tensor<?x40xf32>
}
)mlir";

TEST(CPUPipeline, DenseReluMatchesReference) {
  nnc::CPUCodegenOptions opts;
  opts.hideSymbols = false;
  void *handle = compileAndLoad(kDenseRelu, opts);
  ASSERT_NE(handle, nullptr);
  auto kernel =
      reinterpret_cast<void (*)(void **)>(dlsym(handle, "nnc_kernel_predict"));
  ASSERT_NE(kernel, nullptr);
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> dist(-1, 1);
  for (int64_t m : {1, 7, 8, 37}) {
    std::vector<float> x(m * 20), w(40 * 20), b(40), y(m * 40, -7.f);
    for (auto *v : {&x, &w, &b})
      for (float &f : *v)
        f = dist(rng);
    Desc2 dx = desc(x, m, 20), dw = desc(w, 40, 20), dy = desc(y, m, 40);
    Desc1 db{b.data(), b.data(), 0, {40}, {1}};
    void *args[] = {&dx, &dw, &db, &dy};
    kernel(args);
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < 40; ++j) {
        double ref = b[j];
        for (int64_t k = 0; k < 20; ++k)
          ref += double(x[i * 20 + k]) * w[j * 20 + k];
        ref = std::max(ref, 0.0);
        EXPECT_NEAR(y[i * 40 + j], ref, 1e-5 * (1 + std::fabs(ref)))
            << "m=" << m << " i=" << i << " j=" << j;
      }
  }
  dlclose(handle);
}

// In-place update: w <- w - lr * g, returned with nn.update_of.
const char *kInPlace = R"mlir(
#id = affine_map<(i) -> (i)>
#s = affine_map<(i) -> ()>
func.func @apply(%w: tensor<100xf32>, %g: tensor<100xf32>, %lr: tensor<f32>)
    -> (tensor<100xf32> {nn.update_of = 0 : i64}) {
  %out = linalg.generic {indexing_maps = [#id, #s, #id], iterator_types = ["parallel"]}
      ins(%g, %lr : tensor<100xf32>, tensor<f32>) outs(%w : tensor<100xf32>) {
  ^bb0(%gv: f32, %l: f32, %wv: f32):
    %d = arith.mulf %gv, %l : f32
    %r = arith.subf %wv, %d : f32
    linalg.yield %r : f32
  } -> tensor<100xf32>
  return %out : tensor<100xf32>
}
)mlir";

TEST(CPUPipeline, InPlaceUpdateWritesArgument) {
  nnc::CPUCodegenOptions opts;
  opts.hideSymbols = false;
  void *handle = compileAndLoad(kInPlace, opts);
  ASSERT_NE(handle, nullptr);
  auto kernel =
      reinterpret_cast<void (*)(void **)>(dlsym(handle, "nnc_kernel_apply"));
  ASSERT_NE(kernel, nullptr);
  std::vector<float> w(100), g(100), before;
  for (int i = 0; i < 100; ++i) {
    w[i] = 0.5f * i;
    g[i] = 1.0f - 0.01f * i;
  }
  before = w;
  float lr = 0.25f;
  Desc1 dw{w.data(), w.data(), 0, {100}, {1}};
  Desc1 dg{g.data(), g.data(), 0, {100}, {1}};
  struct {
    float *a, *b;
    int64_t off;
  } dlr{&lr, &lr, 0};
  void *args[] = {&dw, &dg, &dlr};
  kernel(args);
  for (int i = 0; i < 100; ++i)
    EXPECT_FLOAT_EQ(w[i], before[i] - lr * g[i]) << i;
  dlclose(handle);
}

TEST(CPUPipeline, HiddenKernelsAreNotExported) {
  nnc::CPUCodegenOptions opts; // hideSymbols = true
  void *handle = compileAndLoad(kInPlace, opts);
  ASSERT_NE(handle, nullptr);
  EXPECT_EQ(dlsym(handle, "nnc_kernel_apply"), nullptr);
  EXPECT_EQ(dlsym(handle, "_mlir_ciface_nnc_impl_apply"), nullptr);
  dlclose(handle);
}

} // namespace
