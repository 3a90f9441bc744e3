//===- MergeFunctions.cpp - one copy of identical private functions -------===//
//
// Implements nnc-merge-functions: after nnc-outline-loops, identical layers
// (the blocks of a transformer, the hidden layers of a deep MLP) have
// identical loop functions: same types, same operations, same constants;
// their buffers are arguments. Each set of identical private functions is
// reduced to its first member and every call is pointed at it, so LLVM
// compiles a repeated layer once. Locations are ignored in the comparison:
// the kept function carries the first layer's (the NNC_PROFILE table then
// lists a merged loop under that layer's location).
//
//===----------------------------------------------------------------------===//

#include "nnc/Target/CPU/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/OperationSupport.h"
#include "mlir/IR/SymbolTable.h"

#include "llvm/ADT/DenseMap.h"

namespace nnc {
#define GEN_PASS_DEF_MERGEFUNCTIONS
#include "nnc/Target/CPU/Passes.h.inc"
} // namespace nnc

using namespace mlir;

namespace {

/// A hash of `func`'s type and of every operation of its body (names,
/// attributes, types; not locations, not which values they use).
llvm::hash_code hashFunction(func::FuncOp func) {
  llvm::hash_code hash = hash_value(func.getFunctionType());
  func.getBody().walk([&](Operation *op) {
    hash =
        llvm::hash_combine(hash, OperationEquivalence::computeHash(
                                     op, OperationEquivalence::ignoreHashValue,
                                     OperationEquivalence::ignoreHashValue,
                                     OperationEquivalence::IgnoreLocations));
  });
  return hash;
}

/// Whether `a` and `b` do the same: same type, same attributes but the name,
/// equivalent bodies.
bool sameFunction(func::FuncOp a, func::FuncOp b) {
  if (a.getFunctionType() != b.getFunctionType())
    return false;
  NamedAttrList attrsA(a->getAttrDictionary()), attrsB(b->getAttrDictionary());
  attrsA.erase(SymbolTable::getSymbolAttrName());
  attrsB.erase(SymbolTable::getSymbolAttrName());
  if (attrsA.getDictionary(a.getContext()) !=
      attrsB.getDictionary(b.getContext()))
    return false;
  return OperationEquivalence::isRegionEquivalentTo(
      &a.getBody(), &b.getBody(), OperationEquivalence::IgnoreLocations);
}

struct MergeFunctionsPass : nnc::impl::MergeFunctionsBase<MergeFunctionsPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    llvm::DenseMap<llvm::hash_code, SmallVector<func::FuncOp>> seen;
    llvm::DenseMap<StringAttr, FlatSymbolRefAttr> replacement;
    SmallVector<func::FuncOp> duplicates;
    for (func::FuncOp func : module.getOps<func::FuncOp>()) {
      if (!func.isPrivate() || func.isExternal())
        continue;
      SmallVector<func::FuncOp> &bucket = seen[hashFunction(func)];
      auto same = llvm::find_if(
          bucket, [&](func::FuncOp kept) { return sameFunction(kept, func); });
      if (same == bucket.end()) {
        bucket.push_back(func);
        continue;
      }
      replacement[func.getSymNameAttr()] =
          FlatSymbolRefAttr::get(same->getSymNameAttr());
      duplicates.push_back(func);
    }
    if (duplicates.empty())
      return;
    // One walk for all calls (SymbolTable::replaceAllSymbolUses per
    // duplicate walks the module each time: quadratic).
    module.walk([&](func::CallOp call) {
      auto it = replacement.find(call.getCalleeAttr().getAttr());
      if (it != replacement.end())
        call.setCalleeAttr(it->second);
    });
    for (func::FuncOp func : duplicates)
      func.erase();
  }
};

} // namespace
