//===- MLIRGenBatchAxis.cpp - the batch-axis rule of model graphs ---------===//
//
// Every tensor of a model graph has the batch N as its first dimension and
// only there (docs/language.md, "The batch axis"): the descriptor marks that
// dimension, the ABI sizes caller buffers by it, and the kernels iterate
// over it. MLIRGen checks the rule on each op it builds for a model or block
// body: the op's own account (`BatchAxisOpInterface`: concatenating,
// reducing, normalising, slicing, moving or broadcasting the batch) and,
// for every op, its result types (N first, every other dimension static).
// A violation is an error at the DSL call that wrote the op.
//
//===----------------------------------------------------------------------===//

#include "MLIRGenImpl.h"

#include "nnc/Dialect/NN/NNInterfaces.h"

using namespace nnc;
using namespace nnc::detail;
using namespace mlir;

/// True when dimension 0 of `value` is dynamic, i.e. the batch N.
static bool hasBatch(Value value) {
  auto type = dyn_cast<RankedTensorType>(value.getType());
  return type && type.getRank() >= 1 && type.isDynamicDim(0);
}

/// What `op`'s result types do with the batch, or "" when each result
/// either keeps N first and nowhere else (result 0 must keep it).
static std::string describeResultTypes(Operation *op) {
  for (auto [index, result] : llvm::enumerate(op->getResults())) {
    auto type = dyn_cast<RankedTensorType>(result.getType());
    if (!type)
      continue;
    for (int64_t d = 1; d < type.getRank(); ++d)
      if (type.isDynamicDim(d))
        return "gives " + dslTypeString(type) +
               ", which moves the batch N away from the first dimension";
    if (index == 0 && (type.getRank() == 0 || !type.isDynamicDim(0)))
      return "gives " + dslTypeString(type) + ", which drops the batch N";
  }
  return "";
}

bool MLIRGenImpl::keepsBatchAxis(Operation *op, const nnc::Location &where,
                                 llvm::StringRef subject) {
  // Ops on parameters and constants alone have no batch to keep.
  if (!llvm::any_of(op->getOperands(), hasBatch))
    return true;
  std::string use;
  if (auto aware = dyn_cast<nn::BatchAxisOpInterface>(op))
    use = aware.describeBatchAxisUse();
  if (use.empty())
    use = describeResultTypes(op);
  if (use.empty())
    return true;
  std::string inputs;
  for (Value operand : op->getOperands())
    if (hasBatch(operand))
      inputs += (inputs.empty() ? "" : ", ") + dslTypeString(operand.getType());
  error(where, subject + " " + use + " (input " + inputs +
                   "); every tensor of a model keeps the batch N as its "
                   "first dimension, and no operation may move, merge, "
                   "split, concatenate, reduce, normalise over or broadcast "
                   "it");
  return false;
}
