//===- Outline.cpp - copy ops into a function of their own ----------------===//
//
// Implements `outlineCopy` (Outline.h): the analysis of what a group of ops
// takes from and gives to the rest of their function, and the function that
// holds a copy of them.
//
//===----------------------------------------------------------------------===//

#include "Outline.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Transforms/RegionUtils.h"

#include "llvm/ADT/SetVector.h"

using namespace mlir;

nnc::Outlined nnc::outlineCopy(ArrayRef<Operation *> ops, ModuleOp module,
                               StringRef name) {
  llvm::SetVector<Operation *> set(ops.begin(), ops.end());
  llvm::SetVector<Value> inputs, outputs;
  llvm::SetVector<Operation *> constants;
  auto addInput = [&](Value value) {
    Operation *def = value.getDefiningOp();
    if (def && def->hasTrait<OpTrait::ConstantLike>())
      constants.insert(def);
    else if (!set.contains(def))
      inputs.insert(value);
  };
  for (Operation *op : ops) {
    llvm::for_each(op->getOperands(), addInput);
    llvm::SetVector<Value> captured;
    getUsedValuesDefinedAbove(op->getRegions(), captured);
    llvm::for_each(captured, addInput);
    for (Value result : op->getResults())
      if (llvm::any_of(result.getUsers(),
                       [&](Operation *user) { return !set.contains(user); }))
        outputs.insert(result);
  }
  Location loc = ops.back()->getLoc();
  OpBuilder b = OpBuilder::atBlockEnd(module.getBody());
  auto type = b.getFunctionType(ValueRange(inputs.getArrayRef()).getTypes(),
                                ValueRange(outputs.getArrayRef()).getTypes());
  auto func = b.create<func::FuncOp>(loc, name, type);
  func.setPrivate();
  Block *entry = func.addEntryBlock();
  IRMapping map;
  map.map(inputs.getArrayRef(), entry->getArguments());
  b.setInsertionPointToStart(entry);
  for (Operation *constant : constants)
    b.clone(*constant, map);
  for (Operation *op : ops)
    b.clone(*op, map);
  SmallVector<Value> results;
  for (Value output : outputs)
    results.push_back(map.lookup(output));
  b.create<func::ReturnOp>(loc, results);
  return {func, SmallVector<Value>(inputs.getArrayRef()),
          SmallVector<Value>(outputs.getArrayRef())};
}
