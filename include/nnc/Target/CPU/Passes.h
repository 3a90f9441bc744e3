//===- Passes.h - passes of the CPU back end --------------------*- C++ -*-===//
//
// Declarations of the CPU back end's passes (see Passes.td next to this
// file); the target-neutral ones are in nnc/Codegen/Passes.h.
//
//===----------------------------------------------------------------------===//

#ifndef NNC_TARGET_CPU_PASSES_H
#define NNC_TARGET_CPU_PASSES_H

#include "nnc/Codegen/Passes.h"

namespace nnc {

#define GEN_PASS_DECL
#include "nnc/Target/CPU/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "nnc/Target/CPU/Passes.h.inc"

} // namespace nnc

#endif // NNC_TARGET_CPU_PASSES_H
