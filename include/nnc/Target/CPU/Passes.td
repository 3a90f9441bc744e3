//===- Passes.td - passes of the CPU back end -------------*- tablegen -*-===//
//
// Passes of the CPU back end (lib/Target/CPU), one file per concern, in the
// order the pipeline (lib/Target/CPU/CPUPipeline.cpp) mostly runs them:
// thread chunks and their fusion, matmul forms and the register-tile
// schedule, vector code for the other ops, and buffers, outlined kernels and
// the shim. One `Passes.h.inc` is generated from all of them.
//
//===----------------------------------------------------------------------===//

#ifndef NNC_TARGET_CPU_PASSES
#define NNC_TARGET_CPU_PASSES

include "nnc/Target/CPU/ChunkPasses.td"
include "nnc/Target/CPU/MatmulPasses.td"
include "nnc/Target/CPU/VectorPasses.td"
include "nnc/Target/CPU/RuntimePasses.td"

#endif // NNC_TARGET_CPU_PASSES
