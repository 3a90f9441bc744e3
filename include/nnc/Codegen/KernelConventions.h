//===- KernelConventions.h - names the back ends agree on -------*- C++ -*-===//
//
// Symbol prefixes and attributes of the kernels' calling convention
// (docs/architecture.md section 2), shared by the code generation passes,
// both back ends and the object emission. Header only.
//
//===----------------------------------------------------------------------===//

#ifndef NNC_CODEGEN_KERNELCONVENTIONS_H
#define NNC_CODEGEN_KERNELCONVENTIONS_H

#include "llvm/ADT/StringRef.h"

namespace nnc {

/// Prefix of the memref kernels made by nnc-destination-passing.
inline constexpr llvm::StringLiteral kImplPrefix = "nnc_impl_";
/// Prefix of the packed entry points made by nnc-pack-kernel-args.
inline constexpr llvm::StringLiteral kKernelPrefix = "nnc_kernel_";
/// Function attribute of nnc-outline-parallel's tasks, `F(begin, end, ...)`.
inline constexpr llvm::StringLiteral kParallelTaskAttr = "nnc.parallel_task";
/// Result attribute: the result is written back into this argument index.
inline constexpr llvm::StringLiteral kUpdateOfAttr = "nn.update_of";

} // namespace nnc

#endif // NNC_CODEGEN_KERNELCONVENTIONS_H
