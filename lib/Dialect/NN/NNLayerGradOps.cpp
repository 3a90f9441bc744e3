//===- NNLayerGradOps.cpp - verifiers of the layer backward ops -----------===//
//
// Verifiers of the backward ops of layers (dialects/NN/NNLayerGradOps.td).
// Each checks the constraint its description states: the incoming gradient
// has exactly the shape the forward layer produces from the given operands
// and attributes, so a backward op can only be built for a forward op that
// type-checks. Result types follow from the operands (AllTypesMatch).
//
//===----------------------------------------------------------------------===//

#include "TypeChecks.h"
#include "nnc/Dialect/NN/NNOps.h"

using namespace mlir;
using namespace mlir::nn;
using namespace mlir::nn::typecheck;

/// Output size of a window of `window` cells swept with `stride` over `in`
/// padded by `lo` and `hi`; -1 when it does not fit, dynamic when `in` is.
static int64_t windowOutput(int64_t in, int64_t lo, int64_t hi, int64_t window,
                            int64_t stride) {
  if (ShapedType::isDynamic(in))
    return ShapedType::kDynamic;
  int64_t span = in + lo + hi - window;
  return span < 0 ? -1 : span / stride + 1;
}

/// Constraint: the windows attributes are well formed and `grad` has the
/// forward result's shape [N, O, OH, OW] for `input` [N, C, H, W] and a
/// window of `kernel` (already dilated) cells per spatial dim.
static LogicalResult verifyWindowGrad(OpChecker &check, Value grad, Value input,
                                      int64_t channels,
                                      ArrayRef<int64_t> kernel,
                                      ArrayRef<int64_t> strides,
                                      ArrayRef<int64_t> padding) {
  auto inputType = check.f32Tensor(input, "input", "f32[N, C, H, W]", 4, 4);
  if (failed(inputType) ||
      failed(check.arrayOf(strides, 2, 1, "strides", "(h, w)")) ||
      failed(check.arrayOf(padding, 4, 0, "padding",
                           "(top, left, bottom, right)")))
    return failure();
  SmallVector<int64_t> expected = {inputType->getDimSize(0), channels};
  for (int d = 0; d < 2; ++d) {
    int64_t out = windowOutput(inputType->getDimSize(2 + d), padding[d],
                               padding[d + 2], kernel[d], strides[d]);
    if (out == -1)
      return check.fail("expects the ", kernel[d], "-wide window to fit ",
                        d == 0 ? "H" : "W", " plus padding, got input ",
                        *inputType);
    expected.push_back(out);
  }
  return check.f32Shape(grad, "grad", formatShape(expected), expected,
                        " (the forward result's shape)");
}

/// Both convolution gradients: input [N, C, H, W], weight [O, C, KH, KW]
/// (groups = 1), grad the conv2d result's shape.
template <typename OpTy> static LogicalResult verifyConvGrad(OpTy op) {
  OpChecker check(op.getOperationName(), op.getLoc());
  auto input = check.f32Tensor(op.getInput(), "input", "f32[N, C, H, W]", 4, 4);
  auto weight =
      check.f32Tensor(op.getWeight(), "weight", "f32[O, C, KH, KW]", 4, 4);
  if (failed(input) || failed(weight))
    return failure();
  if (failed(check.f32Shape(op.getWeight(), "weight", "[O, C, KH, KW]",
                            {kAnyDim, input->getDimSize(1), kAnyDim, kAnyDim},
                            " with C = " + Twine(input->getDimSize(1)) +
                                " (the input's channels; groups = 1)")))
    return failure();
  ArrayRef<int64_t> dilations = op.getDilations();
  if (failed(check.arrayOf(dilations, 2, 1, "dilations", "(h, w)")))
    return failure();
  SmallVector<int64_t> window = {dilations[0] * (weight->getDimSize(2) - 1) + 1,
                                 dilations[1] * (weight->getDimSize(3) - 1) +
                                     1};
  return verifyWindowGrad(check, op.getGrad(), op.getInput(),
                          weight->getDimSize(0), window, op.getStrides(),
                          op.getPadding());
}

LogicalResult Conv2DBackwardInputOp::verify() { return verifyConvGrad(*this); }
LogicalResult Conv2DBackwardWeightOp::verify() { return verifyConvGrad(*this); }

/// Pooling gradients: grad has the pooled shape of input (windows of
/// `dilations`).
template <typename OpTy>
static LogicalResult verifyPoolGrad(OpTy op, ArrayRef<int64_t> dilations) {
  OpChecker check(op.getOperationName(), op.getLoc());
  ArrayRef<int64_t> kernel = op.getKernel();
  if (failed(check.arrayOf(kernel, 2, 1, "kernel", "(h, w)")) ||
      failed(check.arrayOf(dilations, 2, 1, "dilations", "(h, w)")))
    return failure();
  auto input = check.f32Tensor(op.getInput(), "input", "f32[N, C, H, W]", 4, 4);
  if (failed(input))
    return failure();
  SmallVector<int64_t> window = {dilations[0] * (kernel[0] - 1) + 1,
                                 dilations[1] * (kernel[1] - 1) + 1};
  return verifyWindowGrad(check, op.getGrad(), op.getInput(),
                          input->getDimSize(1), window, op.getStrides(),
                          op.getPadding());
}

LogicalResult MaxPool2DBackwardOp::verify() {
  return verifyPoolGrad(*this, getDilations());
}
LogicalResult AvgPool2DBackwardOp::verify() {
  OpChecker check(getOperationName(), getLoc());
  ArrayRef<int64_t> padding = getPadding(), counted = getDivisorPadding();
  if (failed(check.divisorPadding(padding, counted)))
    return failure();
  return verifyPoolGrad(*this, {1, 1});
}

LogicalResult EmbeddingBackwardOp::verify() {
  OpChecker check(getOperationName(), getLoc());
  auto table = check.f32Tensor(getTable(), "table", "f32[V, D]", 2, 2);
  if (failed(table))
    return failure();
  SmallVector<int64_t> expected(getIds().getType().getShape());
  expected.push_back(table->getDimSize(1));
  return check.f32Shape(getGrad(), "grad", formatShape(expected), expected,
                        " (the ids' shape and the table's row size)");
}

/// Recurrent gradients: input [N, T, I], w_ih [G*H, I], w_hh [G*H, H],
/// biases [G*H], grad and output [N, T, H].
template <typename OpTy> static LogicalResult verifyRecurrentGrad(OpTy op) {
  OpChecker check(op.getOperationName(), op.getLoc());
  auto input = check.f32Tensor(op.getInput(), "input", "f32[N, T, I]", 3, 3);
  auto whh = check.f32Tensor(op.getWHh(), "w_hh", "f32[G*H, H]", 2, 2);
  if (failed(input) || failed(whh))
    return failure();
  int64_t hidden = whh->getDimSize(1), gates = OpTy::kGates;
  if (failed(check.f32Shape(
          op.getWHh(), "w_hh", formatShape({gates * hidden, hidden}),
          {gates * hidden, hidden}, " with G = " + Twine(gates) + " gates")) ||
      failed(check.f32Shape(op.getWIh(), "w_ih", "[G*H, I]",
                            {gates * hidden, input->getDimSize(2)},
                            " (I the input's last dim)")) ||
      failed(check.f32Shape(op.getBIh(), "b_ih", "[G*H]", {gates * hidden})))
    return failure();
  if (Value pre = op.getPreactivations()) {
    // Stored by nn.lstm_with_gates (4 gates and the cell state) and
    // nn.gru_with_gates (r, z and n's two terms); the Elman cell recomputes
    // its own.
    if (std::is_same_v<OpTy, RnnBackwardOp>)
      return op.emitOpError(
          "takes no stored preactivations (lstm and gru only)");
    int64_t blocks = std::is_same_v<OpTy, LstmBackwardOp>
                         ? LstmWithGatesOp::kStored
                         : GruWithGatesOp::kStored;
    SmallVector<int64_t> shape = {input->getDimSize(0), input->getDimSize(1),
                                  blocks * hidden};
    if (failed(check.f32Shape(pre, "preactivations", formatShape(shape), shape,
                              " (what the forward stored per step)")))
      return failure();
  }
  return check.f32Shape(
      op.getGrad(), "grad",
      formatShape({input->getDimSize(0), input->getDimSize(1), hidden}),
      {input->getDimSize(0), input->getDimSize(1), hidden},
      " (the forward result's shape)");
}

LogicalResult RnnBackwardOp::verify() { return verifyRecurrentGrad(*this); }
LogicalResult LstmBackwardOp::verify() { return verifyRecurrentGrad(*this); }
LogicalResult GruBackwardOp::verify() { return verifyRecurrentGrad(*this); }
