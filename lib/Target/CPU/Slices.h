//===- Slices.h - which loops of a producer a slice cuts --------*- C++ -*-===//
//
// Shared by the CPU passes that fuse a producer into the loops of a consumer
// when each iteration computes its own part of it (the chunks of
// nnc-distribute-ops, the rows of nnc-fuse-rows). Private to lib/Target/CPU.
//
//===----------------------------------------------------------------------===//

#ifndef NNC_LIB_TARGET_CPU_SLICES_H
#define NNC_LIB_TARGET_CPU_SLICES_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"

namespace nnc {

/// Whether `slice` of `result`, a result of a generic indexed by a projected
/// permutation of its loops, cuts it along at least one dim and each cut dim
/// is a parallel loop of the generic. A dim is cut where the slice's offset is
/// not 0, and also, with `partialIsCut`, where it starts at 0 but is shorter
/// than the whole dim.
inline bool cutsParallelLoopsOnly(mlir::tensor::ExtractSliceOp slice,
                                  mlir::OpResult result, bool partialIsCut) {
  auto generic = llvm::cast<mlir::linalg::GenericOp>(result.getOwner());
  mlir::AffineMap map = generic.getIndexingMapMatchingResult(result);
  if (!map.isProjectedPermutation())
    return false;
  llvm::SmallVector<mlir::utils::IteratorType> kinds =
      generic.getIteratorTypesArray();
  bool cut = false;
  for (auto [d, offset] : llvm::enumerate(slice.getMixedOffsets())) {
    if (mlir::isConstantIntValue(offset, 0) &&
        (!partialIsCut ||
         mlir::isConstantIntValue(slice.getMixedSizes()[d],
                                  slice.getSourceType().getDimSize(d))))
      continue;
    auto loop = llvm::dyn_cast<mlir::AffineDimExpr>(map.getResult(d));
    if (!loop ||
        kinds[loop.getPosition()] != mlir::utils::IteratorType::parallel)
      return false;
    cut = true;
  }
  return cut;
}

/// Whether `slice` reads every static dim that it does not cut (offset 0)
/// whole. Max pooling windows of 3 rows at stride 2 over 4 rows read rows
/// 0-2 of their input only: a producer fused into such a chunk computes
/// those rows only, so its chunked result cannot stand for the whole tensor
/// (fuzz seed 116233, the last row of a sigmoid left unwritten and read by
/// its gradient). Dynamic dims (the batch) are cut or read whole.
inline bool readsUncutDimsWhole(mlir::tensor::ExtractSliceOp slice) {
  for (auto [d, offset] : llvm::enumerate(slice.getMixedOffsets())) {
    int64_t size = slice.getSourceType().getDimSize(d);
    if (mlir::isConstantIntValue(offset, 0) &&
        !mlir::ShapedType::isDynamic(size) &&
        !mlir::isConstantIntValue(slice.getMixedSizes()[d], size))
      return false;
  }
  return true;
}

} // namespace nnc

#endif // NNC_LIB_TARGET_CPU_SLICES_H
