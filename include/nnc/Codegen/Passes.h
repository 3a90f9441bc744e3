//===- Passes.h - nnc code generation passes --------------------*- C++ -*-===//
//
// Declarations of the target-neutral code generation passes (see Passes.td);
// the back ends' own passes are in nnc/Target/{CPU,CUDA}/Passes.h.
//
//===----------------------------------------------------------------------===//

#ifndef NNC_CODEGEN_PASSES_H
#define NNC_CODEGEN_PASSES_H

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Pass/Pass.h"
#include "nnc/Codegen/KernelConventions.h"

namespace nnc {

#define GEN_PASS_DECL
#include "nnc/Codegen/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "nnc/Codegen/Passes.h.inc"

} // namespace nnc

#endif // NNC_CODEGEN_PASSES_H
