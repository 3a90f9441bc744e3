//===- NNInterfaces.td - interfaces of nn ops --------------*- tablegen -*-===//
//
// Behaviour that passes ask ops for, instead of switching on op names:
// `AdjointOpInterface` is how autodiff gets the gradient of a layer. It is
// declared here; ops get it together with their adjoint implementation (the
// autodiff work), never attached without one.
//
//===----------------------------------------------------------------------===//

#ifndef NNC_DIALECT_NN_NNINTERFACES_TD
#define NNC_DIALECT_NN_NNINTERFACES_TD

include "mlir/IR/OpBase.td"

def NN_AdjointOpInterface : OpInterface<"AdjointOpInterface"> {
  let cppNamespace = "::mlir::nn";
  let description = [{
    A differentiable op: it can emit the reverse-mode derivative of itself.
    Given the gradients of its results (the adjoints; a null Value where a
    result does not reach the loss), `buildAdjoint` emits, with `b` (whose
    insertion point and location the caller has set), nn ops computing the
    gradient of the loss with respect to each operand, and appends exactly
    one Value per operand to `operandGrads`: the gradient, of the operand's
    type, or a null Value for an operand that is not differentiable (ids,
    seeds, an operand no gradient depends on). Operands broadcast by the op
    receive gradients already reduced back to their own shape.

    It fails (with a diagnostic at the op) only when the op cannot be
    differentiated in the given configuration.
  }];
  let methods = [
    InterfaceMethod<[{
        Emits the gradients of the operands from the gradients of the
        results; appends one Value (possibly null) per operand.
      }],
      "::mlir::LogicalResult", "buildAdjoint",
      (ins "::mlir::OpBuilder &":$b,
           "::mlir::ArrayRef<::mlir::Value>":$resultGrads,
           "::llvm::SmallVectorImpl<::mlir::Value> &":$operandGrads)>
  ];
}

#endif // NNC_DIALECT_NN_NNINTERFACES_TD
