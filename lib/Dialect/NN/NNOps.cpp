//===- NNOps.cpp - nn op definitions and verifiers ------------------------===//
//
// Instantiates the ODS-generated op classes of the nn dialect and holds the
// hand-written verifiers of ops without type inference. Type inference is in
// NNTypeInference.cpp and NNLayerInference.cpp, folds in NNFolds.cpp.
//
//===----------------------------------------------------------------------===//

#include "nnc/Dialect/NN/NNOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/OpImplementation.h"

using namespace mlir;
using namespace mlir::nn;

#define GET_OP_CLASSES
#include "nnc/Dialect/NN/NNOps.cpp.inc"

LogicalResult FillOp::verify() {
  if (!getType().hasStaticShape())
    return emitOpError("expects a static result shape, got ")
           << formatType(getType());
  return success();
}

LogicalResult ClipOp::verify() {
  if (!getMin() && !getMax())
    return emitOpError("expects a min, a max or both");
  return success();
}
