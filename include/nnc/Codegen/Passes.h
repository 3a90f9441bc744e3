//===- Passes.h - nnc code generation passes --------------------*- C++ -*-===//
//
// Declarations of the code generation passes (see Passes.td) and of the
// pipeline that lowers linalg-on-tensors entry points to the LLVM dialect.
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

namespace nnc {

#define GEN_PASS_DECL
#include "nnc/Codegen/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "nnc/Codegen/Passes.h.inc"

/// Prefix of the memref kernels made by nnc-destination-passing.
inline constexpr llvm::StringLiteral kImplPrefix = "nnc_impl_";
/// Prefix of the packed entry points made by nnc-pack-kernel-args.
inline constexpr llvm::StringLiteral kKernelPrefix = "nnc_kernel_";
/// Function attribute of nnc-outline-parallel's tasks, `F(begin, end, ...)`.
inline constexpr llvm::StringLiteral kParallelTaskAttr = "nnc.parallel_task";
/// Result attribute: the result is written back into this argument index.
inline constexpr llvm::StringLiteral kUpdateOfAttr = "nn.update_of";

} // namespace nnc

#endif // NNC_CODEGEN_PASSES_H
