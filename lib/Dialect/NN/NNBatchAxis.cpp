//===- NNBatchAxis.cpp - how ops would act across the batch axis ----------===//
//
// Implements `BatchAxisOpInterface` (dialects/NN/NNInterfaces.td) for the
// ops that take an axis argument or broadcast: each says, from its operand
// types and attributes, whether it would concatenate, reduce, normalise,
// slice, move or broadcast across a dynamic dimension 0 (the batch N of
// nnc's models). The front end refuses such ops at their DSL location
// (docs/language.md, "The batch axis"); an empty string means the op keeps
// the batch as an independent leading axis. The broadcasting binary ops
// and softmax/log-softmax get theirs from their ODS classes, which call
// describeBroadcast and describeAxisUse.
//
//===----------------------------------------------------------------------===//

#include "nnc/Dialect/NN/NNOps.h"

#include "llvm/ADT/STLExtras.h"

using namespace mlir;
using namespace mlir::nn;

/// True when dimension 0 of `value` is dynamic, i.e. the batch.
static bool hasBatch(Value value) {
  auto type = dyn_cast<RankedTensorType>(value.getType());
  return type && type.getRank() >= 1 && type.isDynamicDim(0);
}

/// Binary ops broadcast on the right: an operand of lower rank than the
/// result has its batch aligned with another dimension of the other one.
std::string nn::describeBroadcast(Operation *op) {
  auto result = cast<RankedTensorType>(op->getResult(0).getType());
  for (Value operand : op->getOperands())
    if (hasBatch(operand) &&
        cast<RankedTensorType>(operand.getType()).getRank() < result.getRank())
      return "broadcasts the batch N against another dimension";
  return "";
}

std::string nn::describeAxisUse(Value input, int64_t axis, StringRef phrase) {
  return hasBatch(input) && axis == 0 ? phrase.str() : "";
}

std::string LayerNormOp::describeBatchAxisUse() {
  // Layer normalisation runs over the last dimension.
  auto type = cast<RankedTensorType>(getInput().getType());
  return hasBatch(getInput()) && type.getRank() == 1
             ? "normalises over the batch N"
             : "";
}

std::string ReshapeOp::describeBatchAxisUse() {
  ArrayRef<int64_t> shape = getShape();
  if (!hasBatch(getInput()))
    return "";
  return shape.empty() || shape.front() != -1 ? "moves or merges the batch N"
                                              : "";
}

std::string TransposeOp::describeBatchAxisUse() {
  ArrayRef<int64_t> perm = getPerm();
  return hasBatch(getInput()) && !perm.empty() && perm.front() != 0
             ? "moves the batch N"
             : "";
}

std::string ConcatOp::describeBatchAxisUse() {
  return getAxis() == 0 && llvm::any_of(getInputs(), hasBatch)
             ? "concatenates along the batch N"
             : "";
}

std::string SliceOp::describeBatchAxisUse() {
  return describeAxisUse(getInput(), getAxis(), "slices the batch N");
}

std::string ReduceSumOp::describeBatchAxisUse() {
  return hasBatch(getInput()) && llvm::is_contained(getAxes(), 0)
             ? "sums over the batch N"
             : "";
}
std::string ReduceMeanOp::describeBatchAxisUse() {
  return hasBatch(getInput()) && llvm::is_contained(getAxes(), 0)
             ? "averages over the batch N"
             : "";
}
