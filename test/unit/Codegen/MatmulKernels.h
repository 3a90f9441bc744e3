//===- MatmulKernels.h - dense-layer kernels for schedule tests -*- C++ -*-===//
//
// Shared by the matmul schedule tests and the GFLOP/s benchmark: writes the
// linalg-on-tensors form of a dense layer as NNCToLinalg emits it
// (transpose of W[N, K] to [K, N], fill, linalg.matmul, optional bias + ReLU
// linalg.generic), compiles a module through the CPU pipeline into a shared
// library, and describes memrefs for the packed kernel convention.
//
//===----------------------------------------------------------------------===//

#ifndef NNC_TEST_UNIT_CODEGEN_MATMULKERNELS_H
#define NNC_TEST_UNIT_CODEGEN_MATMULKERNELS_H

#include "nnc/Target/CPU/CPUPipeline.h"
#include "nnc/Target/Registration.h"

#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"

#include <cstdint>
#include <dlfcn.h>
#include <string>
#include <vector>

namespace nnc::test {

/// A rank-`R` f32 memref descriptor (MLIR's C interface layout).
template <int R> struct Desc {
  float *allocated, *aligned;
  int64_t offset, sizes[R], strides[R];
};

/// Describes a contiguous row-major [rows, cols] buffer.
inline Desc<2> desc2(std::vector<float> &v, int64_t rows, int64_t cols) {
  return {v.data(), v.data(), 0, {rows, cols}, {cols, 1}};
}

/// Describes a contiguous vector.
inline Desc<1> desc1(std::vector<float> &v) {
  return {v.data(), v.data(), 0, {int64_t(v.size())}, {1}};
}

/// Returns `func.func @name(x: [M, K], w: [N, K], b: [N]) -> [M, N]` computing
/// x * w^T (+ b, then ReLU when `epilogue`). `m` < 0 means a dynamic batch.
/// With `weightKN`, w is given as [K, N] and used without the transpose.
inline std::string denseLayer(llvm::StringRef name, int64_t m, int64_t n,
                              int64_t k, bool epilogue, bool weightKN = false) {
  std::string mDim = m < 0 ? "?" : std::to_string(m);
  std::string out = llvm::formatv("tensor<{0}x{1}xf32>", mDim, n).str();
  std::string empty = m < 0 ? llvm::formatv("tensor.empty(%m) : {0}", out).str()
                            : llvm::formatv("tensor.empty() : {0}", out).str();
  std::string wType =
      llvm::formatv(weightKN ? "tensor<{1}x{0}xf32>" : "tensor<{0}x{1}xf32>", n,
                    k)
          .str();
  std::string transpose =
      weightKN
          ? "  %wt = tensor.cast %w : tensor<" + std::to_string(k) + "x" +
                std::to_string(n) + "xf32> to tensor<" + std::to_string(k) +
                "x" + std::to_string(n) + "xf32>\n"
          : llvm::formatv(R"mlir(  %te = tensor.empty() : tensor<{1}x{0}xf32>
  %wt = linalg.transpose ins(%w : tensor<{0}x{1}xf32>)
                         outs(%te : tensor<{1}x{0}xf32>) permutation = [1, 0]
)mlir",
                          n, k)
                .str();
  std::string s = llvm::formatv(R"mlir(
func.func @{0}(%x: tensor<{1}x{3}xf32>, %w: {6},
               %b: tensor<{2}xf32>) -> {4} {
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0.0 : f32
  %m = tensor.dim %x, %c0 : tensor<{1}x{3}xf32>
{7}  %init = {5}
  %acc = linalg.fill ins(%zero : f32) outs(%init : {4}) -> {4}
  %mm = linalg.matmul ins(%x, %wt : tensor<{1}x{3}xf32>, tensor<{3}x{2}xf32>)
                      outs(%acc : {4}) -> {4}
)mlir",
                                name, mDim, n, k, out, empty, wType, transpose)
                      .str();
  if (!epilogue)
    return s + "  return %mm : " + out + "\n}\n";
  return s + llvm::formatv(R"mlir(
  %init2 = {1}
  %y = linalg.generic {{indexing_maps = [affine_map<(i, j) -> (i, j)>,
                                         affine_map<(i, j) -> (j)>,
                                         affine_map<(i, j) -> (i, j)>],
                        iterator_types = ["parallel", "parallel"]}
      ins(%mm, %b : {0}, tensor<{2}xf32>) outs(%init2 : {0}) {{
  ^bb0(%a: f32, %c: f32, %o: f32):
    %s = arith.addf %a, %c : f32
    %r = arith.maximumf %s, %zero : f32
    linalg.yield %r : f32
  } -> {0}
  return %y : {0}
}
)mlir",
                           out, empty, n)
                 .str();
}

/// Compiles `source` through the CPU pipeline into a shared library and
/// dlopens it. Returns nullptr and sets `error` on failure.
inline void *compileAndLoad(const std::string &source,
                            const nnc::CPUCodegenOptions &opts,
                            std::string &error) {
  mlir::DialectRegistry registry;
  nnc::registerTargetDialects(registry);
  mlir::MLIRContext ctx(registry);
  mlir::OwningOpRef<mlir::ModuleOp> module =
      mlir::parseSourceString<mlir::ModuleOp>(source, &ctx);
  if (!module)
    return error = "parse failed", nullptr;
  mlir::PassManager pm(&ctx);
  nnc::buildLinalgToLLVMPipeline(pm, opts);
  if (mlir::failed(pm.run(*module)))
    return error = "pipeline failed", nullptr;
  llvm::SmallString<128> dir;
  if (llvm::sys::fs::createUniqueDirectory("nnc-matmul", dir))
    return error = "no temporary directory", nullptr;
  std::string obj = (dir + "/k.o").str(), so = (dir + "/k.so").str();
  if (mlir::failed(nnc::emitNativeCode(*module, opts, obj, false)) ||
      mlir::failed(nnc::linkSharedLibrary(module->getLoc(),
                                          std::vector<std::string>{obj}, so)))
    return error = "emit or link failed", nullptr;
  void *handle = dlopen(so.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle)
    error = dlerror();
  return handle;
}

} // namespace nnc::test

#endif // NNC_TEST_UNIT_CODEGEN_MATMULKERNELS_H
