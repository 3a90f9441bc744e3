//===- Matmuls.h - the matrix products the CPU schedule tiles ---*- C++ -*-===//
//
// One definition, for the passes that treat these products alike (the thread
// chunks, the matmul schedule, the vectorizer that leaves them to it, the
// epilogue collapse): `linalg.matmul`, and `linalg.matmul_transpose_a`
// (its lhs [K, M] read in place, nnc-fold-lhs-transpose); and the rewrites
// that put a product in the form the schedule runs best (MatmulForms.cpp).
// Private to lib/Target/CPU.
//
//===----------------------------------------------------------------------===//

#ifndef NNC_LIB_TARGET_CPU_MATMULS_H
#define NNC_LIB_TARGET_CPU_MATMULS_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"

#include <optional>

namespace nnc {

/// Whether `op` is a product that nnc-matmul-schedule tiles.
inline bool isScheduledMatmul(mlir::Operation *op) {
  return mlir::isa_and_nonnull<mlir::linalg::MatmulOp,
                               mlir::linalg::MatmulTransposeAOp>(op);
}

/// The operand number through which the single user of `matmul` consumes
/// it, if that user is an elementwise epilogue the register tile can fuse
/// (MatmulForms.cpp).
std::optional<unsigned> getEpilogueOperand(mlir::linalg::LinalgOp matmul);

/// Accumulates a product onto zeros instead of a broadcast bias, the bias
/// added by a new epilogue (MatmulForms.cpp).
void moveBiasToEpilogue(mlir::linalg::LinalgOp matmul);

/// Gives a product accumulated onto a zero fill, without an epilogue, an
/// identity epilogue, so that the tile starts from zeros (MatmulForms.cpp).
void addIdentityEpilogue(mlir::linalg::LinalgOp matmul);

/// Computes the last N % tileN columns of a product transposed when they
/// are few (MatmulForms.cpp).
void splitNarrowRemainder(mlir::linalg::MatmulOp matmul, int64_t tileN);

/// Computes the last N % tileN columns of a product in pieces of
/// power-of-two widths when they are more than a few (MatmulForms.cpp);
/// true when it did (`matmul` is then erased).
bool splitRaggedColumns(mlir::linalg::LinalgOp matmul, int64_t tileN);

} // namespace nnc

#endif // NNC_LIB_TARGET_CPU_MATMULS_H
