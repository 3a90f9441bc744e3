//===- NNIndexBounds.cpp - the valid range of index operands --------------===//
//
// IndexOperandOpInterface of the ops that index with the values of an i32
// operand: a cross-entropy's class indices must lie in [0, C), C the logits'
// class count; an embedding's ids in [0, V), V the table's rows, unless
// negative ids count from the end (then the lowering clamps every id into
// the table and any value is valid).
//
//===----------------------------------------------------------------------===//

#include "nnc/Dialect/NN/NNOps.h"

#include "mlir/IR/TypeUtilities.h"

using namespace mlir;
using namespace mlir::nn;

namespace {

/// Size of dimension `d` of `value`'s ranked type, or 0 when unknown.
int64_t staticDim(Value value, int64_t d) {
  auto type = dyn_cast<RankedTensorType>(value.getType());
  if (!type || type.getRank() <= d || type.isDynamicDim(d))
    return 0;
  return type.getDimSize(d);
}

/// The class count of logits `input` when `operand` is an i32 `target`.
int64_t classBound(Operation *op, unsigned operand, Value input, Value target) {
  if (op->getOperand(operand) != target ||
      !isa<IntegerType>(getElementTypeOrSelf(target.getType())))
    return 0;
  return staticDim(input, 1);
}

/// The table's row count when `operand` is the ids.
int64_t idBound(Operation *op, unsigned operand, Value ids, Value table,
                bool negativeFromEnd) {
  if (op->getOperand(operand) != ids || negativeFromEnd)
    return 0;
  return staticDim(table, 0);
}

} // namespace

int64_t CrossEntropyLossOp::getIndexBound(unsigned operandNumber) {
  return classBound(*this, operandNumber, getInput(), getTarget());
}

int64_t CrossEntropyBackwardOp::getIndexBound(unsigned operandNumber) {
  return classBound(*this, operandNumber, getInput(), getTarget());
}

int64_t EmbeddingOp::getIndexBound(unsigned operandNumber) {
  return idBound(*this, operandNumber, getIds(), getTable(),
                 getNegativeFromEnd());
}

int64_t EmbeddingBackwardOp::getIndexBound(unsigned operandNumber) {
  return idBound(*this, operandNumber, getIds(), getTable(),
                 getNegativeFromEnd());
}
