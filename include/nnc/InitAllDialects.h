//===- InitAllDialects.h - the dialects nnc's tools load ------ -*- C++ -*-===//
//
// One place that lists the dialects `nnc-opt` and `nnc` register: the nn
// dialect and the upstream dialects it is lowered through.
//
//===----------------------------------------------------------------------===//

#ifndef NNC_INITALLDIALECTS_H
#define NNC_INITALLDIALECTS_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Transform/IR/TransformDialect.h"
#include "mlir/IR/DialectRegistry.h"

#include "nnc/Dialect/NN/NNDialect.h"

namespace nnc {

/// Adds the nn dialect and the upstream dialects of nnc's pipeline.
inline void registerAllDialects(mlir::DialectRegistry &registry) {
  registry
      .insert<mlir::nn::NNDialect, mlir::func::FuncDialect,
              mlir::arith::ArithDialect, mlir::tensor::TensorDialect,
              mlir::linalg::LinalgDialect, mlir::math::MathDialect,
              mlir::scf::SCFDialect, mlir::bufferization::BufferizationDialect,
              mlir::memref::MemRefDialect, mlir::transform::TransformDialect>();
}

} // namespace nnc

#endif // NNC_INITALLDIALECTS_H
