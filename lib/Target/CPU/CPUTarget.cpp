//===- CPUTarget.cpp - what the CPU schedules need to know of the target --===//
//
// Reads the vector unit of the target CPU (the host by default) through
// LLVM's subtarget description and derives the register tile of the matmul
// schedule from it. The tile keeps the accumulators, one row of B and the
// broadcast A element in vector registers:
//   - AVX-512 (32 zmm of 16 f32): 8 x 32 = 16 accumulators, the V1 schedule
//     of docs/cpu-codegen, measured at 99% of a Zen 5 core's peak;
//   - 16 vector registers (AVX2/FMA: ymm of 8 f32; SSE: xmm of 4): 6 rows x
//     2 vectors = 12 accumulators + 2 B vectors + 1 broadcast, the shape of
//     BLIS's Haswell kernel. 8 x 32 needs 32 accumulators and spills: on a
//     Zen 3 core (AVX2, 101 GFLOP/s measured peak) 6 x 16 runs the dense
//     layers of matmul-gflops at 55-65 GFLOP/s where 8 x 32 runs at 27-34,
//     4 x 16 at 41-58, 4 x 24 at 6-11 (noisy VM, best of 7).
// See docs/performance.md for the measurements behind the AVX2 choice.
//
//===----------------------------------------------------------------------===//

#include "nnc/Target/CPU/CPUPipeline.h"

#include "llvm/MC/MCSubtargetInfo.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/TargetParser/Host.h"
#include "llvm/TargetParser/SubtargetFeature.h"

#include <memory>

nnc::CPUTarget nnc::getCPUTarget(const CPUCodegenOptions &options) {
  llvm::InitializeNativeTarget();
  std::string triple = llvm::sys::getProcessTriple();
  auto [cpu, features] = getCPUNameAndFeatures(options);
  CPUTarget target;
  std::string error;
  if (const llvm::Target *llvmTarget =
          llvm::TargetRegistry::lookupTarget(triple, error)) {
    std::unique_ptr<llvm::MCSubtargetInfo> info(
        llvmTarget->createMCSubtargetInfo(triple, cpu, features));
    if (info && info->checkFeatures("+avx512f"))
      target.vectorBits = 512;
    else if (info && info->checkFeatures("+avx2,+fma"))
      target.vectorBits = 256;
  }
  // 32 registers with AVX-512, 16 otherwise: 8 or 6 rows of two vectors.
  target.matmulTileM = target.vectorBits == 512 ? 8 : 6;
  target.matmulTileN = 2 * target.lanes();
  if (options.matmulTileM > 0)
    target.matmulTileM = options.matmulTileM;
  if (options.matmulTileN > 0)
    target.matmulTileN = options.matmulTileN;
  return target;
}
