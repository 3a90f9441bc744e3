//===- NNInterfaces.td - interfaces of nn ops --------------*- tablegen -*-===//
//
// Behaviour that passes ask ops for, instead of switching on op names:
// `AdjointOpInterface` is how autodiff gets the gradient of a layer. It is
// declared here; ops get it together with their adjoint implementation (the
// autodiff work), never attached without one. `BatchAxisOpInterface` is how
// the front end learns that an op would act across the batch axis.
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

def NN_BatchAxisOpInterface : OpInterface<"BatchAxisOpInterface"> {
  let cppNamespace = "::mlir::nn";
  let description = [{
    An op that can act across dimension 0 of an operand: through an axis
    argument (a concatenation, reduction, softmax, slice or permutation) or
    through broadcasting. In nnc's models a dynamic dimension 0 is the batch
    N, which every model tensor keeps as its first dimension and which no op
    may move, merge, split, concatenate, reduce or normalise over (the rule
    is in docs/language.md, "The batch axis"): kernels, the descriptor and
    the ABI's buffer-size checks all rely on it.

    `describeBatchAxisUse` returns an empty string when the op treats every
    index of a dynamic dimension 0 of its operands independently and keeps
    it as dimension 0 of its results; otherwise a phrase saying what it
    would do with it ("concatenates along the batch N"), for the message of
    the front end's refusal. Ops without the interface are checked by their
    result types only.
  }];
  let methods = [
    InterfaceMethod<[{
        What the op would do with a dynamic (batch) dimension 0 of an
        operand, or "" when it keeps it as an independent leading axis.
      }],
      "::std::string", "describeBatchAxisUse", (ins)>
  ];
}

#endif // NNC_DIALECT_NN_NNINTERFACES_TD
