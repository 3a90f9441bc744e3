//===- MemrefQueries.cpp - what host code does with a memref --------------===//
//
// Implements the queries of MemrefQueries.h.
//
//===----------------------------------------------------------------------===//

#include "MemrefQueries.h"

#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Interfaces/DestinationStyleOpInterface.h"
#include "mlir/Interfaces/ViewLikeInterface.h"

using namespace mlir;

Value nnc::viewRoot(Value memref) {
  while (auto view = memref.getDefiningOp<ViewLikeOpInterface>())
    memref = view.getViewSource();
  return memref;
}

bool nnc::mayWrite(Operation *op, Value root) {
  return op
      ->walk([&](Operation *inner) {
        if (isa<memref::LoadOp, memref::DimOp>(inner))
          return WalkResult::advance();
        OperandRange written = inner->getOperands();
        if (auto dps = dyn_cast<DestinationStyleOpInterface>(inner))
          written = dps.getDpsInits();
        for (Value v : written)
          if (isa<MemRefType>(v.getType()) && viewRoot(v) == root)
            return WalkResult::interrupt();
        return WalkResult::advance();
      })
      .wasInterrupted();
}

bool nnc::isReadOnlyArgument(Value memref, func::FuncOp func) {
  auto arg = dyn_cast<BlockArgument>(memref);
  if (!arg || arg.getOwner() != &func.getBody().front())
    return false;
  return llvm::all_of(arg.getUsers(), [](Operation *user) {
    return isa<memref::LoadOp>(user);
  });
}
