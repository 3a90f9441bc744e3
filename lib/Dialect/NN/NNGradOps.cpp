//===- NNGradOps.cpp - verifiers of the backward nn ops -------------------===//
//
// Verifiers of the ops that only autodiff emits (dialects/NN/NNGradOps.td):
// a loss gradient's target must agree with its prediction the way the
// forward loss requires.
//
//===----------------------------------------------------------------------===//

#include "TypeChecks.h"
#include "nnc/Dialect/NN/NNOps.h"

using namespace mlir;
using namespace mlir::nn;
using namespace mlir::nn::typecheck;

/// Constraint: an f32 target has the prediction's shape.
static LogicalResult verifyPairTarget(Operation *op, Value input,
                                      Value target) {
  auto inputType = cast<RankedTensorType>(input.getType());
  auto targetType = cast<RankedTensorType>(target.getType());
  if (!targetType.getElementType().isF32() ||
      !shapesAgree(inputType.getShape(), targetType.getShape()))
    return op->emitOpError("expects a target of the input's shape ")
           << formatShape(inputType.getShape()) << " in f32, got "
           << formatType(targetType);
  return success();
}

#define NN_PAIR_LOSS_BACKWARD_VERIFIER(Op)                                     \
  LogicalResult Op::verify() {                                                 \
    return verifyPairTarget(*this, getInput(), getTarget());                   \
  }
NN_PAIR_LOSS_BACKWARD_VERIFIER(MseLossBackwardOp)
NN_PAIR_LOSS_BACKWARD_VERIFIER(MaeLossBackwardOp)
NN_PAIR_LOSS_BACKWARD_VERIFIER(HuberLossBackwardOp)
NN_PAIR_LOSS_BACKWARD_VERIFIER(BceLossBackwardOp)
NN_PAIR_LOSS_BACKWARD_VERIFIER(BceLogitsLossBackwardOp)
NN_PAIR_LOSS_BACKWARD_VERIFIER(PerceptronLossBackwardOp)
#undef NN_PAIR_LOSS_BACKWARD_VERIFIER

LogicalResult CrossEntropyBackwardOp::verify() {
  auto inputType = cast<RankedTensorType>(getInput().getType());
  auto targetType = cast<RankedTensorType>(getTarget().getType());
  if (inputType.getRank() != 2)
    return emitOpError("expects logits f32[N, C], got ")
           << formatType(inputType);
  if (targetType.getElementType().isInteger(32)) {
    if (targetType.getRank() != 1 ||
        !dimsAgree(targetType.getDimSize(0), inputType.getDimSize(0)))
      return emitOpError("expects class indices i32[N] with N = ")
             << formatShape(inputType.getShape().take_front())
             << " (the logits' batch), got " << formatType(targetType);
    return success();
  }
  return verifyPairTarget(*this, getInput(), getTarget());
}
