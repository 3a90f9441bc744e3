//===- CPUPipeline.h - linalg on tensors to LLVM-dialect kernels -*- C++
//-*-===//
//
// The CPU back end of nnc: the pass pipeline from linalg-on-tensors entry
// points to the LLVM dialect, after the shared prefix of
// nnc/Codegen/Pipeline.h. Object emission and linking (shared with the CUDA
// back end's host code) are in nnc/Target/Object/Object.h.
//
//===----------------------------------------------------------------------===//

#ifndef NNC_TARGET_CPU_CPUPIPELINE_H
#define NNC_TARGET_CPU_CPUPIPELINE_H

#include "nnc/Target/Object/Object.h"
#include "nnc/Target/Target.h"

#include "mlir/Pass/PassManager.h"

namespace nnc {

/// Batch rows per chunk of a recurrent layer's time loop on the CPU (one
/// register tile of rows: each chunk's step product is one row of tiles).
constexpr int64_t kRecurrentBatchRows = 8;

/// Options of the CPU back end: the pipeline's, and those of the object
/// emission it shares with the CUDA back end's host code.
struct CPUCodegenOptions : NativeCodeOptions {
  /// Tile and vectorize matrix products with the transform schedule.
  bool vectorizeMatmul = true;
  /// Tile and vectorize every other linalg op (nnc-vectorize-ops).
  bool vectorizeOps = true;
  /// Allocate the kernels' temporaries through the model shim's block cache
  /// (nnc-host-alloc, lib/ModelRT/HostAlloc.c). Only for objects that are
  /// linked with the shim; tests linking bare kernels leave it off.
  bool shimAllocator = false;
  /// Run the chunks of nnc-distribute-ops on the model shim's thread pool
  /// (nnc_rt_parallel_for, lib/ModelRT/Parallel.c); without the shim they
  /// run in order on the calling thread.
  bool threads = false;
  /// Register tile of the matmul schedule (rows, columns of f32); 0 takes
  /// the target's (getCPUTarget).
  int64_t matmulTileM = 0, matmulTileN = 0;
};

/// What the CPU schedules need to know of the target's vector unit.
struct CPUTarget {
  /// Width of a vector register (512 AVX-512, 256 AVX2, 128 otherwise).
  unsigned vectorBits = 128;
  /// Register tile of the matmul schedule.
  int64_t matmulTileM = 6, matmulTileN = 8;
  /// f32 lanes of a vector register.
  int64_t lanes() const { return vectorBits / 32; }
};

/// Reads the target CPU of `options` (the host by default) through LLVM's
/// subtarget description (lib/Target/CPU/CPUTarget.cpp).
CPUTarget getCPUTarget(const CPUCodegenOptions &options);

/// Adds the CPU pipeline up to one-shot bufferization: the shared prefix
/// (buildFusionAndDestinationPassing: fusion, destination passing), the chunks
/// of nnc-distribute-ops, the matmul and vectorization schedules, and
/// bufferization (without deallocation). Every heap buffer a kernel allocates
/// is a memref.alloc after it (nnc::estimateKernelWorkspace reads them;
/// buildLinalgToLLVMPipeline continues from here).
void buildCPUBufferizePipeline(mlir::OpPassManager &pm,
                               const CPUCodegenOptions &options);
/// Adds the passes lowering public linalg-on-tensors functions to LLVM-dialect
/// kernels `nnc_kernel_E(void **args)`; starts with buildCPUBufferizePipeline.
void buildLinalgToLLVMPipeline(mlir::OpPassManager &pm,
                               const CPUCodegenOptions &options);

/// The CPU back end behind the Target interface (--target=cpu).
const Target &getCPUBackend();

/// The CPU options of a model.so (linked with the shim: its block cache,
/// thread pool and profiler) from the target options.
CPUCodegenOptions cpuCodegenOptions(const TargetOptions &options);

/// Registers the transform dialect and its extensions (the matmul schedule).
void registerCPUCodegenDialects(mlir::DialectRegistry &registry);

/// Registers the CPU passes and the `nnc-linalg-to-llvm` pipeline.
void registerCPUCodegenPasses();

} // namespace nnc

#endif // NNC_TARGET_CPU_CPUPIPELINE_H
