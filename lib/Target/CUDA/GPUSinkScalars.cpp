//===- GPUSinkScalars.cpp - per-call scalars computed inside kernels ------===//
//
// Implements nnc-gpu-sink-scalars: a scalar that a gpu.launch captures from
// the host and that the host computed from the call's scalar arguments (a
// learning rate, Adam's bias corrections from the step, a weight decay
// factor) or from a temporary an earlier kernel wrote and nothing changes
// before the launch (the gradient norm of clip_norm) is recomputed at the
// start of the kernel: the memref.loads and the pure arith/math ops over
// them are cloned into the launch body. The host then reads no value of the
// call, only shapes, so its launches are the same for every call of one shape:
// what lets the shim replay a captured CUDA graph (nnc-gpu-async marks such
// functions). Shape-only arithmetic (grid sizes, 1 / batch) stays on the host.
//
//===----------------------------------------------------------------------===//

#include "MemrefQueries.h"
#include "nnc/Target/CUDA/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Transforms/RegionUtils.h"

#include "llvm/ADT/SetVector.h"

namespace nnc {
#define GEN_PASS_DEF_GPUSINKSCALARS
#include "nnc/Target/CUDA/Passes.h.inc"
} // namespace nnc

using namespace mlir;

namespace {

/// Whether `load`, of a temporary an earlier kernel wrote (a gradient norm
/// for clipping), reads the same value at the start of `launch`: nothing
/// from the load to the launch, the launch included, may write it.
bool unchangedUntil(memref::LoadOp load, gpu::LaunchOp launch) {
  Value root = nnc::viewRoot(load.getMemRef());
  Operation *ancestor = load->getBlock()->findAncestorOpInBlock(*launch);
  if (!root.getDefiningOp<memref::AllocOp>() || !ancestor ||
      !load->isBeforeInBlock(ancestor))
    return false;
  for (Operation *op = load->getNextNode(); op != ancestor;
       op = op->getNextNode())
    if (nnc::mayWrite(op, root))
      return false;
  return !nnc::mayWrite(ancestor, root);
}

/// An op the kernel may recompute: a pure scalar arith/math op, or a load of
/// a read-only argument or of a temporary unchanged until the launch.
bool isSinkable(Operation *op, func::FuncOp func, gpu::LaunchOp launch) {
  if (auto load = dyn_cast<memref::LoadOp>(op))
    return nnc::isReadOnlyArgument(load.getMemRef(), func) ||
           unchangedUntil(load, launch);
  if (!isa<arith::ArithDialect, math::MathDialect>(op->getDialect()) ||
      !isPure(op) || op->getNumRegions() != 0)
    return false;
  return llvm::all_of(op->getResultTypes(),
                      [](Type t) { return t.isIntOrIndexOrFloat(); });
}

/// Collects, operands first, the sinkable ops `value` is computed by,
/// stopping at values defined otherwise (the kernel keeps capturing those);
/// returns false when `value` itself is not computed by one.
bool collectSlice(Value value, func::FuncOp func, gpu::LaunchOp launch,
                  llvm::SetVector<Operation *> &slice) {
  Operation *def = value.getDefiningOp();
  if (!def || !isSinkable(def, func, launch))
    return false;
  if (slice.contains(def))
    return true;
  for (Value operand : def->getOperands())
    collectSlice(operand, func, launch, slice);
  slice.insert(def);
  return true;
}

struct GPUSinkScalarsPass : nnc::impl::GPUSinkScalarsBase<GPUSinkScalarsPass> {
  void runOnOperation() override {
    func::FuncOp func = getOperation();
    llvm::SetVector<Operation *> hostOps;
    func.walk([&](gpu::LaunchOp launch) {
      llvm::SetVector<Value> captured;
      getUsedValuesDefinedAbove(launch.getBody(), captured);
      for (Value value : captured) {
        if (!value.getType().isIntOrIndexOrFloat())
          continue;
        llvm::SetVector<Operation *> slice;
        // Only values read from the call's arguments are worth moving.
        if (!collectSlice(value, func, launch, slice) ||
            llvm::none_of(slice, llvm::IsaPred<memref::LoadOp>))
          continue;
        // Clone the slice (operands first) at the top of the kernel.
        OpBuilder b = OpBuilder::atBlockBegin(&launch.getBody().front());
        IRMapping map;
        for (Operation *op : slice)
          b.clone(*op, map);
        replaceAllUsesInRegionWith(value, map.lookup(value), launch.getBody());
        hostOps.insert(slice.begin(), slice.end());
      }
    });
    // The host copies the kernels no longer use, users first.
    for (Operation *op : llvm::reverse(hostOps))
      if (op->use_empty())
        op->erase();
  }
};

} // namespace
