//===- Views.h - the buffer behind a memref view ----------------*- C++ -*-===//
//
// Shared by the CPU passes that reason about which buffer a read or write
// reaches (nnc-widen-row-stores, nnc-mark-undo-args, nnc-hoist-chunk-allocs).
//
//===----------------------------------------------------------------------===//

#ifndef NNC_LIB_TARGET_CPU_VIEWS_H
#define NNC_LIB_TARGET_CPU_VIEWS_H

#include "mlir/Interfaces/ViewLikeInterface.h"

namespace nnc {

/// The buffer `memref` is a view of (through subviews, reshapes, casts and
/// other view-like ops); `memref` itself when it is no view.
inline mlir::Value viewRoot(mlir::Value memref) {
  while (auto view = memref.getDefiningOp<mlir::ViewLikeOpInterface>())
    memref = view.getViewSource();
  return memref;
}

} // namespace nnc

#endif // NNC_LIB_TARGET_CPU_VIEWS_H
