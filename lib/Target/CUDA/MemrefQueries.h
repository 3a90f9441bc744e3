//===- MemrefQueries.h - what host code does with a memref ------*- C++ -*-===//
//
// Questions the CUDA back end's passes ask about memrefs in host functions:
// which allocation a view is of, whether an op may write it, and whether a
// function argument is only read (the shim's scalar block: learning rate,
// step, hyperparameters, filled before the call).
//
//===----------------------------------------------------------------------===//

#ifndef NNC_LIB_TARGET_CUDA_MEMREFQUERIES_H
#define NNC_LIB_TARGET_CUDA_MEMREFQUERIES_H

#include "mlir/Dialect/Func/IR/FuncOps.h"

namespace nnc {

/// The memref `memref` is a view of, through view-like ops (itself if none).
mlir::Value viewRoot(mlir::Value memref);

/// Whether `op` or an op inside it may write memory of `root` (a viewRoot):
/// any use of a view of it except loads, shape queries and the inputs of
/// destination-style ops.
bool mayWrite(mlir::Operation *op, mlir::Value root);

/// Whether `memref` is an argument of `func` that is only ever read with
/// memref.load (on the host or in a kernel): nothing in the call writes it,
/// so the host may read it without waiting for the device, and a kernel may
/// read it instead of the host.
bool isReadOnlyArgument(mlir::Value memref, mlir::func::FuncOp func);

} // namespace nnc

#endif // NNC_LIB_TARGET_CUDA_MEMREFQUERIES_H
