//===- DestinationPassing.cpp - tensor entry points to memref kernels -----===//
//
// Implements nnc-destination-passing: each public tensor function becomes a
// memref kernel whose results are written into caller-provided buffers (or back
// into an argument for in-place updates), following the kernel calling
// convention of docs/architecture.md. Bufferization then runs inside the
// function only, with no function-boundary analysis, so the ABI never depends
// on what the in-place analysis decides. The kernel lists the `nn.abi_slot`
// of the argument or result each of its arguments stands for (nnc-model-abi)
// as `nn.abi_args`, the entry's argument list in the model descriptor.
//
//===----------------------------------------------------------------------===//

#include "nnc/Codegen/Passes.h"
#include "nnc/Dialect/NN/NNConventions.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/IRMapping.h"

namespace nnc {
#define GEN_PASS_DEF_DESTINATIONPASSING
#include "nnc/Codegen/Passes.h.inc"
} // namespace nnc

using namespace mlir;

namespace {

/// Returns the argument index a result is written back into, if any.
std::optional<unsigned> getUpdatedArgument(func::FuncOp func, unsigned result) {
  auto attr = func.getResultAttrOfType<IntegerAttr>(result, nnc::kUpdateOfAttr);
  if (!attr)
    return std::nullopt;
  return attr.getInt();
}

/// Converts one public tensor function; returns failure with a diagnostic.
LogicalResult convertFunction(func::FuncOp func) {
  MLIRContext *ctx = func.getContext();
  FunctionType type = func.getFunctionType();
  unsigned numArgs = type.getNumInputs();

  auto toMemRef = [&](Type t) -> FailureOr<MemRefType> {
    auto tensor = dyn_cast<RankedTensorType>(t);
    if (!tensor)
      return func.emitError("kernel arguments and results must be ranked "
                            "tensors, got ")
             << t;
    return MemRefType::get(tensor.getShape(), tensor.getElementType());
  };

  SmallVector<Type> argTypes;
  SmallVector<bool> argWritten(numArgs, false);
  for (Type t : type.getInputs()) {
    FailureOr<MemRefType> m = toMemRef(t);
    if (failed(m))
      return failure();
    argTypes.push_back(*m);
  }
  // Destination of each result: an argument index (in-place) or a new
  // out-param.
  SmallVector<unsigned> resultDest;
  for (unsigned r = 0, e = type.getNumResults(); r < e; ++r) {
    if (std::optional<unsigned> arg = getUpdatedArgument(func, r)) {
      if (*arg >= numArgs || type.getInput(*arg) != type.getResult(r))
        return func.emitError("result #")
               << r << " is marked " << nnc::kUpdateOfAttr << " = " << *arg
               << " but that argument does not exist or has another type";
      if (argWritten[*arg])
        return func.emitError("argument #") << *arg << " is updated twice";
      argWritten[*arg] = true;
      resultDest.push_back(*arg);
      continue;
    }
    FailureOr<MemRefType> m = toMemRef(type.getResult(r));
    if (failed(m))
      return failure();
    resultDest.push_back(argTypes.size());
    argTypes.push_back(*m);
  }

  OpBuilder b(func);
  auto kernel = b.create<func::FuncOp>(
      func.getLoc(), (nnc::kImplPrefix + func.getSymName()).str(),
      FunctionType::get(ctx, argTypes, {}));
  kernel->setAttr("llvm.emit_c_interface", UnitAttr::get(ctx));
  // The ABI slot (nnc-model-abi) of each kernel argument, in kernel order:
  // the entry's argument list in the descriptor.
  SmallVector<Attribute> slots(argTypes.size());
  for (unsigned i = 0; i < numArgs; ++i)
    slots[i] = func.getArgAttr(i, nnc::attrs::kABISlot);
  for (unsigned r = 0, e = type.getNumResults(); r < e; ++r)
    if (resultDest[r] >= numArgs)
      slots[resultDest[r]] = func.getResultAttr(r, nnc::attrs::kABISlot);
  if (llvm::any_of(slots, [](Attribute a) { return a; })) {
    SmallVector<int32_t> list;
    for (auto [i, slot] : llvm::enumerate(slots)) {
      auto value = dyn_cast_or_null<IntegerAttr>(slot);
      if (!value)
        return func.emitError("argument #")
               << i << " of the kernel has no " << nnc::attrs::kABISlot;
      list.push_back(value.getInt());
    }
    kernel->setAttr(nnc::attrs::kABIArgs, DenseI32ArrayAttr::get(ctx, list));
  }
  Block *entry = kernel.addEntryBlock();
  b.setInsertionPointToStart(entry);

  IRMapping mapping;
  Block &body = func.getBody().front();
  for (unsigned i = 0; i < numArgs; ++i) {
    auto toTensor = b.create<bufferization::ToTensorOp>(
        func.getLoc(), type.getInput(i), entry->getArgument(i),
        /*restrict=*/true, /*writable=*/argWritten[i]);
    mapping.map(body.getArgument(i), toTensor.getResult());
  }
  for (Operation &op : body.without_terminator())
    b.clone(op, mapping);
  auto ret = cast<func::ReturnOp>(body.getTerminator());
  for (auto [r, value] : llvm::enumerate(ret.getOperands())) {
    auto store = b.create<bufferization::MaterializeInDestinationOp>(
        ret.getLoc(), TypeRange{}, mapping.lookupOrDefault(value),
        entry->getArgument(resultDest[r]));
    store.setRestrict(true);
    store.setWritable(true);
  }
  b.create<func::ReturnOp>(ret.getLoc());
  func.erase();
  return success();
}

struct DestinationPassingPass
    : nnc::impl::DestinationPassingBase<DestinationPassingPass> {
  void runOnOperation() override {
    SmallVector<func::FuncOp> publics;
    for (auto func : getOperation().getOps<func::FuncOp>())
      if (func.isPublic() && !func.isDeclaration())
        publics.push_back(func);
    for (func::FuncOp func : publics)
      if (failed(convertFunction(func)))
        return signalPassFailure();
  }
};

} // namespace
