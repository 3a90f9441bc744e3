//===- CUDAPipeline.h - linalg on tensors to CUDA kernels -------*- C++ -*-===//
//
// The NVIDIA GPU back end of nnc (--target=cuda): the pass pipeline from
// linalg-on-tensors entry points (after the shared prefix of
// nnc/Codegen/Pipeline.h) to host code in the LLVM dialect that
// launches PTX kernels embedded in the module (gpu.binary), keeping the
// packed `nnc_kernel_E(void **args)` entry points of the CPU back end; and
// extraction of the embedded PTX (--emit=ptx).
//
//===----------------------------------------------------------------------===//

#ifndef NNC_TARGET_CUDA_CUDAPIPELINE_H
#define NNC_TARGET_CUDA_CUDAPIPELINE_H

#include "nnc/Target/Target.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/PassManager.h"

#include <string>
#include <vector>

namespace nnc {

/// Options of the GPU back end.
struct GPUCodegenOptions {
  /// NVVM optimisation level of the kernels, 0..3.
  unsigned optLevel = 3;
  /// SM architectures to compile PTX for; the first is the one the host
  /// code loads (PTX JIT-compiles on that architecture and newer ones).
  std::vector<std::string> chips = {"sm_80", "sm_90"};
  /// libdevice bitcode to link (math functions); empty: MLIR's default
  /// lookup in the CUDA toolkit it was configured with.
  std::string libdevice;
};

/// How far buildLinalgToGPUPipeline goes.
enum class GPUStage {
  Kernels, ///< outlined gpu.func kernels in one gpu.module, host launches
  NVVM,    ///< kernels lowered to the LLVM/NVVM dialects
  Binary,  ///< PTX embedded as gpu.binary (for --emit=ptx)
  Host,    ///< everything: host code in the LLVM dialect, packed entries
};

/// Adds the passes lowering public linalg-on-tensors functions to host
/// kernels `nnc_kernel_E(void **args)` that launch embedded PTX through the
/// `mgpu*` runtime API (implemented by the model shim, lib/ModelRT/Cuda*.c).
/// `stage` says where to stop (tests and --emit=ptx stop early).
void buildLinalgToGPUPipeline(mlir::OpPassManager &pm,
                              const GPUCodegenOptions &options,
                              GPUStage stage = GPUStage::Host);

/// Registers the CUDA passes and `nnc-linalg-to-gpu-kernels`,
/// `nnc-linalg-to-nvvm` and `nnc-linalg-to-gpu-host`: the pipeline stopped
/// after outlining, after NVVM lowering, and complete (for nnc-opt and its
/// tests).
void registerGPUCodegenPasses();

/// The CUDA back end behind the Target interface (--target=cuda).
const Target &getCUDABackend();

/// The CUDA back end's options from the target options.
GPUCodegenOptions gpuCodegenOptions(const TargetOptions &options);

/// Writes the PTX for `chip` of every gpu.binary in `module` to `os`.
/// Fails (with a diagnostic) when there is none.
mlir::LogicalResult writeEmbeddedPTX(mlir::ModuleOp module,
                                     llvm::StringRef chip,
                                     llvm::raw_ostream &os);

/// The libdevice bitcode to link: $NNC_LIBDEVICE, else the first that
/// exists of the usual CUDA toolkit locations; empty when none is found.
std::string findLibdevice();

/// Registers the GPU, NVVM and SCF-to-GPU dialects, the NVVM target and the
/// translations the GPU back end needs.
void registerGPUCodegenDialects(mlir::DialectRegistry &registry);

} // namespace nnc

#endif // NNC_TARGET_CUDA_CUDAPIPELINE_H
