//===- Matmuls.h - the matrix products the CPU schedule tiles ---*- C++ -*-===//
//
// One definition, for the passes that treat these products alike (the thread
// chunks, the matmul schedule, the vectorizer that leaves them to it, the
// epilogue collapse): `linalg.matmul`, and `linalg.matmul_transpose_a`
// (its lhs [K, M] read in place, nnc-fold-lhs-transpose). Private to
// lib/Target/CPU.
//
//===----------------------------------------------------------------------===//

#ifndef NNC_LIB_TARGET_CPU_MATMULS_H
#define NNC_LIB_TARGET_CPU_MATMULS_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"

namespace nnc {

/// Whether `op` is a product that nnc-matmul-schedule tiles.
inline bool isScheduledMatmul(mlir::Operation *op) {
  return mlir::isa_and_nonnull<mlir::linalg::MatmulOp,
                               mlir::linalg::MatmulTransposeAOp>(op);
}

} // namespace nnc

#endif // NNC_LIB_TARGET_CPU_MATMULS_H
