//===- AllocationPeak.h - execute the allocations of a kernel ---*- C++ -*-===//
//
// The part of the kernel workspace estimate (KernelWorkspace.cpp) that reads
// bufferized IR: runs the allocations and deallocations of one function on
// memrefs at a batch and returns the most bytes live at once.
//
//===----------------------------------------------------------------------===//

#ifndef NNC_LIB_PIPELINES_ALLOCATIONPEAK_H
#define NNC_LIB_PIPELINES_ALLOCATIONPEAK_H

#include "nnc/Pipelines/KernelWorkspace.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"

#include <string>

namespace nnc {

/// Executes the heap allocations of `entry` (a kernel on memrefs after
/// buffer deallocation, before bufferization.dealloc is lowered) with every
/// dynamic dimension of its arguments equal to `batch`, and fills `out`'s
/// peakBytes and perThreadBytes. On failure, `why` says what could not be
/// evaluated, and where.
mlir::LogicalResult peakOfAllocations(mlir::func::FuncOp entry, int64_t batch,
                                      EntryWorkspace &out, std::string &why);

} // namespace nnc

#endif // NNC_LIB_PIPELINES_ALLOCATIONPEAK_H
