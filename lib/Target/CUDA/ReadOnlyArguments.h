//===- ReadOnlyArguments.h - host scalars a call never writes ---*- C++ -*-===//
//
// The test nnc-gpu-sink-scalars and nnc-gpu-async share: an argument of a
// host function that is only ever read with memref.load (on the host or in a
// kernel) is written by no one during the call (the shim fills it before:
// learning rate, step, hyperparameters), so the host may read it without
// waiting for the device, and a kernel may read it instead of the host.
//
//===----------------------------------------------------------------------===//

#ifndef NNC_LIB_TARGET_CUDA_READONLYARGUMENTS_H
#define NNC_LIB_TARGET_CUDA_READONLYARGUMENTS_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"

namespace nnc {

inline bool isReadOnlyArgument(mlir::Value memref, mlir::func::FuncOp func) {
  auto arg = mlir::dyn_cast<mlir::BlockArgument>(memref);
  if (!arg || arg.getOwner() != &func.getBody().front())
    return false;
  return llvm::all_of(arg.getUsers(), [](mlir::Operation *user) {
    return mlir::isa<mlir::memref::LoadOp>(user);
  });
}

} // namespace nnc

#endif // NNC_LIB_TARGET_CUDA_READONLYARGUMENTS_H
