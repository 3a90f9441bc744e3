//===- NNOps.h - the ops of the nn dialect -------------------- -*- C++ -*-===//
//
// Declares the nn ops generated from dialects/NN/NNOps.td, and
// `nn::inferResultTypes<OpTy>`, which the front end calls to learn the
// result types of an op before building it, with shape errors reported at
// the DSL location it passes.
//
//===----------------------------------------------------------------------===//

#ifndef NNC_DIALECT_NN_NNOPS_H
#define NNC_DIALECT_NN_NNOPS_H

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "nnc/Dialect/NN/NNDialect.h"
#include "nnc/Dialect/NN/NNInterfaces.h"

#include <memory>
#include <optional>

namespace mlir {
namespace nn {

/// A type as a .nn reader writes it: `f32[N, 2]` for a ranked tensor (N for
/// the dynamic batch), MLIR's spelling for any other type. The type checks
/// of nn ops print their types with it, so that their messages read the same
/// at a DSL position and in nnc-opt.
std::string formatType(Type type);

/// Result type of an elementwise op on one f32 tensor: the input's type.
/// Shared by the ODS-generated `inferReturnTypes` of every unary op.
LogicalResult inferElementwiseUnary(StringRef opName,
                                    std::optional<Location> loc, Value input,
                                    SmallVectorImpl<Type> &types);

/// Result type of an elementwise binary op: the NumPy broadcast of both
/// operand shapes, or an error naming both.
LogicalResult inferBroadcastBinary(StringRef opName,
                                   std::optional<Location> loc, Value lhs,
                                   Value rhs, SmallVectorImpl<Type> &types);

/// Result type of softmax and log-softmax: the input's, with `axis` (absent
/// while parsing) inside it.
LogicalResult inferSoftmax(StringRef opName, std::optional<Location> loc,
                           Value input, IntegerAttr axis,
                           SmallVectorImpl<Type> &types);

/// Result type of a reduction over `axes` (distinct, in range, non-empty),
/// kept as size 1 or dropped.
LogicalResult inferReduce(StringRef opName, std::optional<Location> loc,
                          Value input, ArrayRef<int64_t> axes, bool keepdim,
                          SmallVectorImpl<Type> &types);

/// `buildAdjoint` of maximum (`max` true) and minimum: `g` goes to the
/// selected operand, split half and half on a tie.
LogicalResult buildExtremumAdjoint(OpBuilder &b, Location loc, Value lhs,
                                   Value rhs, Value g, bool max,
                                   SmallVectorImpl<Value> &grads);

/// `buildAdjoint` of an op that only reshapes `input` (flatten, reshape):
/// `g` reshaped back to the input's type.
LogicalResult buildReshapeAdjoint(OpBuilder &b, Location loc, Value g,
                                  Value input, SmallVectorImpl<Value> &grads);

/// `describeBatchAxisUse` of a broadcasting binary op: what it would do
/// with the batch of an operand of lower rank than the result, or "".
std::string describeBroadcast(Operation *op);

/// `describeBatchAxisUse` of an op working along `axis` of `input`:
/// `phrase` when that axis is the dynamic batch dim 0, else "".
std::string describeAxisUse(Value input, int64_t axis, StringRef phrase);

} // namespace nn
} // namespace mlir

#define GET_OP_CLASSES
#include "nnc/Dialect/NN/NNOps.h.inc"

namespace mlir {
namespace nn {

/// Infers the result types `OpTy` would have with these operands and
/// attributes, without building it. On failure the diagnostics (expected vs.
/// found, naming the op) have been emitted at `loc`. Attributes with default
/// values may be omitted; a malformed attribute is reported at `loc` too.
/// Every attribute without a default (e.g. `axis`, `shape`, `kernel`) must
/// be given: leaving one out is a caller bug, not a user error.
template <typename OpTy>
FailureOr<SmallVector<Type>> inferResultTypes(MLIRContext *ctx, Location loc,
                                              ValueRange operands,
                                              ArrayRef<NamedAttribute> attrs) {
  // Inherent attributes live in the op's properties; fill a temporary
  // properties object from the attributes the way Operation::create does.
  OperationName name(OpTy::getOperationName(), ctx);
  DictionaryAttr dict = DictionaryAttr::get(ctx, attrs);
  int size = name.getOpPropertyByteSize();
  std::unique_ptr<char[]> storage(new char[size > 0 ? size : 1]);
  OpaqueProperties props(size > 0 ? storage.get() : nullptr);
  if (size > 0) {
    name.initOpProperties(props, /*init=*/nullptr);
    if (failed(name.setOpPropertiesFromAttribute(
            name, props, dict, [&]() { return emitError(loc); }))) {
      name.destroyOpProperties(props);
      return failure();
    }
  }
  SmallVector<Type> types;
  LogicalResult result = OpTy::inferReturnTypes(ctx, loc, operands, dict, props,
                                                /*regions=*/{}, types);
  if (size > 0)
    name.destroyOpProperties(props);
  if (failed(result))
    return failure();
  return types;
}

} // namespace nn
} // namespace mlir

#endif // NNC_DIALECT_NN_NNOPS_H
