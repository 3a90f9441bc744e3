//===- NNInterfaces.td - interfaces of nn ops --------------*- tablegen -*-===//
//
// Behaviour that passes ask ops for, instead of switching on op names:
// `AdjointOpInterface` is how autodiff gets the gradient of a layer. It is
// declared here; ops get it together with their adjoint implementation (the
// autodiff work), never attached without one. `DecomposeOpInterface` is how
// autodiff learns that a layer is differentiated through the simpler ops it
// is made of. `BatchAxisOpInterface` is how
// the front end learns that an op would act across the batch axis;
// `IndexOperandOpInterface` how the model ABI learns the valid range of
// the class indices and ids a model reads.
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

def NN_DecomposeOpInterface : OpInterface<"DecomposeOpInterface"> {
  let cppNamespace = "::mlir::nn";
  let description = [{
    A layer that is, for differentiation, a composition of simpler nn ops:
    `decompose` emits, with `b` (whose insertion point the caller has set),
    the nn ops computing the op's single result and returns that value.
    nnc-autodiff replaces such ops by their decomposition in the function it
    differentiates, before the reverse sweep: the forward values the
    gradients need (self-attention's probabilities, heads, projections) are
    then computed once, by the ops whose adjoints read them, instead of once
    for the layer's result and again inside its adjoint. Inference keeps the
    op and its own lowering.
  }];
  let methods = [
    InterfaceMethod<[{
        Emits the op as simpler nn ops; returns the value of its result.
      }],
      "::mlir::FailureOr<::mlir::Value>", "decompose",
      (ins "::mlir::OpBuilder &":$b)>
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

def NN_IndexOperandOpInterface : OpInterface<"IndexOperandOpInterface"> {
  let cppNamespace = "::mlir::nn";
  let description = [{
    An op that uses the values of an i32 operand as indices into another
    tensor: the class indices of a cross-entropy, the ids of an embedding.
    `getIndexBound` returns, for one of its operands, the exclusive upper
    bound `B` that every value must respect (`[0, B)`) for the result to be
    defined, or 0 when the operand is not used as such an index (or any
    value is valid). nnc-model-abi follows the model's i32 inputs and labels
    to these ops and records the bound in the ABI, so that the shim checks
    the values before a kernel runs.
  }];
  let methods = [
    InterfaceMethod<[{
        The exclusive upper bound of the values of operand `operandNumber`
        when they are used as indices; 0 when they are not.
      }],
      "int64_t", "getIndexBound", (ins "unsigned":$operandNumber)>
  ];
}

#endif // NNC_DIALECT_NN_NNINTERFACES_TD
