//===- NNLayerInference.cpp - type inference of nn layers and losses ------===//
//
// Result-type inference of the layer ops (NNLayerOps.td) and the losses
// (NNLossOps.td), written with the named checks of TypeChecks.h: each
// parameter operand is checked against the shape the layer implies
// ("weight of shape [O, K] with K = 2 (the input's last dim)"), and every
// message names the op and says what was expected and what was found.
//
//===----------------------------------------------------------------------===//

#include "TypeChecks.h"
#include "nnc/Dialect/NN/NNOps.h"

using namespace mlir;
using namespace mlir::nn;
using namespace mlir::nn::typecheck;

/// "K = 2 (the input's last dim)"-style note for a message.
static std::string note(StringRef name, int64_t value, StringRef origin) {
  return (" with " + name + " = " +
          (ShapedType::isDynamic(value) ? std::string("?")
                                        : std::to_string(value)) +
          " (" + origin + ")")
      .str();
}

//===----------------------------------------------------------------------===//
// Dense and matmul
//===----------------------------------------------------------------------===//

LogicalResult DenseOp::inferReturnTypes(MLIRContext *ctx,
                                        std::optional<Location> loc,
                                        Adaptor adaptor,
                                        SmallVectorImpl<Type> &types) {
  OpChecker check(getOperationName(), loc);
  auto input = check.f32Tensor(adaptor.getInput(), "input", "f32[N, K]", 2);
  if (failed(input))
    return failure();
  int64_t k = input->getShape().back();
  auto weight =
      check.f32Shape(adaptor.getWeight(), "weight", "[O, K]", {kAnyDim, k},
                     note("K", k, "the input's last dim"));
  if (failed(weight))
    return failure();
  int64_t o = weight->getDimSize(0);
  if (Value bias = adaptor.getBias())
    if (failed(check.f32Shape(bias, "bias", "[O]", {o},
                              note("O", o, "the weight's first dim"))))
      return failure();
  SmallVector<int64_t> result(input->getShape());
  result.back() = o;
  types.push_back(f32TensorType(ctx, result));
  return success();
}

LogicalResult MatmulOp::inferReturnTypes(MLIRContext *ctx,
                                         std::optional<Location> loc,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &types) {
  OpChecker check(getOperationName(), loc);
  auto lhs = check.f32Tensor(adaptor.getLhs(), "lhs", "f32[B..., M, K]", 2, 4);
  if (failed(lhs))
    return failure();
  auto rhs = check.f32Tensor(adaptor.getRhs(), "rhs", "f32[B..., K, P]", 2, 4);
  if (failed(rhs))
    return failure();
  int64_t lr = lhs->getRank(), rr = rhs->getRank();
  // Constraint: equal batch dims, or a rank-2 rhs shared by every batch.
  if (rr != 2 && (lr != rr || !shapesAgree(lhs->getShape().drop_back(2),
                                           rhs->getShape().drop_back(2))))
    return check.fail("expects operands with the same batch dims (or a "
                      "rank-2 rhs), got ",
                      *lhs, " and ", *rhs);
  bool tl = adaptor.getTransposeLhs(), tr = adaptor.getTransposeRhs();
  int64_t m = lhs->getDimSize(tl ? lr - 1 : lr - 2);
  int64_t kl = lhs->getDimSize(tl ? lr - 2 : lr - 1);
  int64_t kr = rhs->getDimSize(tr ? rr - 1 : rr - 2);
  int64_t p = rhs->getDimSize(tr ? rr - 2 : rr - 1);
  if (!dimsAgree(kl, kr))
    return check.fail("expects the contracted dims to match (", kl, " vs ", kr,
                      "), got ", *lhs, " and ", *rhs,
                      tl || tr ? " after the requested transposes" : "");
  SmallVector<int64_t> result(lhs->getShape().drop_back(2));
  result.append({m, p});
  types.push_back(f32TensorType(ctx, result));
  return success();
}

//===----------------------------------------------------------------------===//
// Convolution and pooling
//===----------------------------------------------------------------------===//

/// Output size of a window sweep, or -1 when the window does not fit.
static int64_t windowOutput(int64_t in, int64_t padBefore, int64_t padAfter,
                            int64_t window, int64_t stride) {
  if (ShapedType::isDynamic(in))
    return ShapedType::kDynamic;
  int64_t span = in + padBefore + padAfter - window;
  return span < 0 ? -1 : span / stride + 1;
}

LogicalResult Conv2DOp::inferReturnTypes(MLIRContext *ctx,
                                         std::optional<Location> loc,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &types) {
  OpChecker check(getOperationName(), loc);
  auto input =
      check.f32Tensor(adaptor.getInput(), "input", "f32[N, C, H, W]", 4, 4);
  if (failed(input))
    return failure();
  ArrayRef<int64_t> strides = adaptor.getStrides(),
                    padding = adaptor.getPadding(),
                    dilations = adaptor.getDilations();
  int64_t groups = adaptor.getGroups();
  if (failed(check.arrayOf(strides, 2, 1, "strides", "(h, w)")) ||
      failed(check.arrayOf(padding, 4, 0, "padding",
                           "(top, left, bottom, right)")) ||
      failed(check.arrayOf(dilations, 2, 1, "dilations", "(h, w)")))
    return failure();
  int64_t c = input->getDimSize(1);
  if (groups < 1 || ShapedType::isDynamic(c) || c % groups != 0)
    return check.fail("expects groups >= 1 dividing the ", c,
                      " input channels, got ", groups);
  auto weight = check.f32Tensor(adaptor.getWeight(), "weight",
                                "f32[O, C/groups, KH, KW]", 4, 4);
  if (failed(weight))
    return failure();
  int64_t o = weight->getDimSize(0);
  if (failed(check.f32Shape(
          adaptor.getWeight(), "weight", "[O, C/groups, KH, KW]",
          {kAnyDim, c / groups, kAnyDim, kAnyDim},
          note("C/groups", c / groups, "input channels / groups"))))
    return failure();
  if (ShapedType::isDynamic(o) || o % groups != 0)
    return check.fail("expects the ", o,
                      " output channels to be divisible by groups = ", groups);
  if (Value bias = adaptor.getBias())
    if (failed(check.f32Shape(bias, "bias", "[O]", {o},
                              note("O", o, "the weight's first dim"))))
      return failure();
  SmallVector<int64_t> result = {input->getDimSize(0), o};
  for (int d = 0; d < 2; ++d) {
    int64_t window = dilations[d] * (weight->getDimSize(2 + d) - 1) + 1;
    int64_t out = windowOutput(input->getDimSize(2 + d), padding[d],
                               padding[d + 2], window, strides[d]);
    if (out == -1)
      return check.fail("expects the dilated ", window, "-wide kernel to fit ",
                        d == 0 ? "H" : "W", " plus padding, got input ", *input,
                        " and weight ", *weight);
    result.push_back(out);
  }
  types.push_back(f32TensorType(ctx, result));
  return success();
}

/// Whether every one of the `out` windows along a spatial dim of `size`
/// cells (padded by `padLow` before) has a tap on a real cell.
static bool everyWindowSeesImage(int64_t size, int64_t padLow, int64_t kernel,
                                 int64_t stride, int64_t dilation,
                                 int64_t out) {
  for (int64_t o = 0; o < out; ++o) {
    bool seen = false;
    for (int64_t k = 0; k < kernel && !seen; ++k) {
      int64_t cell = o * stride - padLow + k * dilation;
      seen = cell >= 0 && cell < size;
    }
    if (!seen)
      return false;
  }
  return true;
}

/// Max and average pooling share their windows (average: no dilation).
static LogicalResult inferPool(StringRef opName, std::optional<Location> loc,
                               Value inputValue, ArrayRef<int64_t> kernel,
                               ArrayRef<int64_t> strides,
                               ArrayRef<int64_t> padding,
                               ArrayRef<int64_t> dilations,
                               SmallVectorImpl<Type> &types) {
  OpChecker check(opName, loc);
  auto input = check.f32Tensor(inputValue, "input", "f32[N, C, H, W]", 4, 4);
  if (failed(input))
    return failure();
  if (failed(check.arrayOf(kernel, 2, 1, "kernel", "(h, w)")) ||
      failed(check.arrayOf(strides, 2, 1, "strides", "(h, w)")) ||
      failed(check.arrayOf(dilations, 2, 1, "dilations", "(h, w)")) ||
      failed(check.arrayOf(padding, 4, 0, "padding",
                           "(top, left, bottom, right)")))
    return failure();
  SmallVector<int64_t> result = {input->getDimSize(0), input->getDimSize(1)};
  for (int d = 0; d < 2; ++d) {
    int64_t size = input->getDimSize(2 + d);
    int64_t window = dilations[d] * (kernel[d] - 1) + 1;
    int64_t out =
        windowOutput(size, padding[d], padding[d + 2], window, strides[d]);
    if (out == -1)
      return check.fail("expects the ", formatShape(kernel),
                        " kernel to fit the input ", *input, " plus padding");
    // Constraint: every window holds at least one real cell (so a max is
    // never only padding and an average's divisor never zero).
    if (!ShapedType::isDynamic(size) &&
        !everyWindowSeesImage(size, padding[d], kernel[d], strides[d],
                              dilations[d], out))
      return check.fail("expects every window to hold a real cell, got "
                        "padding ",
                        formatShape(padding), " with kernel ",
                        formatShape(kernel), " on input ", *input);
    result.push_back(out);
  }
  types.push_back(f32TensorType(inputValue.getContext(), result));
  return success();
}

LogicalResult MaxPool2DOp::inferReturnTypes(MLIRContext *,
                                            std::optional<Location> loc,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &types) {
  return inferPool(getOperationName(), loc, adaptor.getInput(),
                   adaptor.getKernel(), adaptor.getStrides(),
                   adaptor.getPadding(), adaptor.getDilations(), types);
}

LogicalResult AvgPool2DOp::inferReturnTypes(MLIRContext *,
                                            std::optional<Location> loc,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &types) {
  ArrayRef<int64_t> padding = adaptor.getPadding(),
                    counted = adaptor.getDivisorPadding();
  OpChecker check(getOperationName(), loc);
  if (failed(check.divisorPadding(padding, counted)))
    return failure();
  return inferPool(getOperationName(), loc, adaptor.getInput(),
                   adaptor.getKernel(), adaptor.getStrides(), padding, {1, 1},
                   types);
}

//===----------------------------------------------------------------------===//
// Normalisation, embedding, positions
//===----------------------------------------------------------------------===//

/// Batchnorm: x [N, C] or [N, C, H, W] and four [C] vectors; returns x's type.
static FailureOr<RankedTensorType>
checkBatchNorm(const OpChecker &check, Value inputValue, ValueRange vectors) {
  auto input = check.f32Tensor(inputValue, "input",
                               "f32[N, C] or f32[N, C, H, W]", 2, 4);
  if (failed(input))
    return failure();
  if (input->getRank() == 3)
    return check.fail("expects a rank-2 or rank-4 input f32[N, C] or "
                      "f32[N, C, H, W], got ",
                      *input);
  int64_t c = input->getDimSize(1);
  const char *names[] = {"gamma", "beta", "running_mean", "running_var"};
  for (auto [name, value] : llvm::zip(names, vectors))
    if (failed(check.f32Shape(value, name, "[C]", {c},
                              note("C", c, "the input's dim 1"))))
      return failure();
  return input;
}

LogicalResult BatchNormOp::inferReturnTypes(MLIRContext *,
                                            std::optional<Location> loc,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &types) {
  auto input =
      checkBatchNorm(OpChecker(getOperationName(), loc), adaptor.getInput(),
                     {adaptor.getGamma(), adaptor.getBeta(),
                      adaptor.getRunningMean(), adaptor.getRunningVar()});
  if (failed(input))
    return failure();
  types.push_back(*input);
  return success();
}

LogicalResult BatchNormTrainOp::inferReturnTypes(MLIRContext *,
                                                 std::optional<Location> loc,
                                                 Adaptor adaptor,
                                                 SmallVectorImpl<Type> &types) {
  OpChecker check(getOperationName(), loc);
  auto input =
      checkBatchNorm(check, adaptor.getInput(),
                     {adaptor.getGamma(), adaptor.getBeta(),
                      adaptor.getRunningMean(), adaptor.getRunningVar()});
  if (failed(input))
    return failure();
  double momentum = adaptor.getMomentum().convertToDouble();
  if (!(momentum >= 0.0 && momentum <= 1.0))
    return check.fail("expects momentum in [0, 1], got ", momentum);
  types.push_back(*input);
  types.push_back(adaptor.getRunningMean().getType());
  types.push_back(adaptor.getRunningVar().getType());
  return success();
}

LogicalResult BatchStatsOp::inferReturnTypes(MLIRContext *ctx,
                                             std::optional<Location> loc,
                                             Adaptor adaptor,
                                             SmallVectorImpl<Type> &types) {
  auto input = checkBatchNorm(OpChecker(getOperationName(), loc),
                              adaptor.getInput(), {});
  if (failed(input))
    return failure();
  auto channels =
      RankedTensorType::get({input->getDimSize(1)}, Float32Type::get(ctx));
  auto scalar = RankedTensorType::get({}, Float32Type::get(ctx));
  types.append({channels, channels, scalar, scalar});
  return success();
}

LogicalResult ReplicaSumOp::inferReturnTypes(MLIRContext *,
                                             std::optional<Location> loc,
                                             Adaptor adaptor,
                                             SmallVectorImpl<Type> &types) {
  OpChecker check(getOperationName(), loc);
  auto input =
      check.f32Tensor(adaptor.getInput(), "input", "a static f32 tensor", 0, 8);
  if (failed(input))
    return failure();
  if (!input->hasStaticShape())
    return check.fail("expects an input of static shape (the same on every "
                      "replica), got ",
                      *input);
  types.push_back(*input);
  return success();
}

LogicalResult LayerNormOp::inferReturnTypes(MLIRContext *,
                                            std::optional<Location> loc,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &types) {
  OpChecker check(getOperationName(), loc);
  auto input = check.f32Tensor(adaptor.getInput(), "input", "f32[..., D]", 1);
  if (failed(input))
    return failure();
  int64_t d = input->getShape().back();
  std::string why = note("D", d, "the input's last dim");
  if (failed(check.f32Shape(adaptor.getGamma(), "gamma", "[D]", {d}, why)) ||
      failed(check.f32Shape(adaptor.getBeta(), "beta", "[D]", {d}, why)))
    return failure();
  types.push_back(*input);
  return success();
}

LogicalResult EmbeddingOp::inferReturnTypes(MLIRContext *ctx,
                                            std::optional<Location> loc,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &types) {
  OpChecker check(getOperationName(), loc);
  auto ids = check.tensorOf(adaptor.getIds(), IntegerType::get(ctx, 32), "ids",
                            "i32[N, T...]");
  if (failed(ids))
    return failure();
  if (ids->getRank() < 1)
    return check.fail("expects ids i32[N, T...] of rank >= 1, got ", *ids);
  auto table = check.f32Tensor(adaptor.getTable(), "table", "f32[V, D]", 2, 2);
  if (failed(table))
    return failure();
  SmallVector<int64_t> result(ids->getShape());
  result.push_back(table->getDimSize(1));
  types.push_back(f32TensorType(ctx, result));
  return success();
}

LogicalResult PositionalSinusoidalOp::inferReturnTypes(
    MLIRContext *, std::optional<Location> loc, Adaptor adaptor,
    SmallVectorImpl<Type> &types) {
  OpChecker check(getOperationName(), loc);
  auto input =
      check.f32Tensor(adaptor.getInput(), "input", "f32[N, T, D]", 3, 3);
  if (failed(input))
    return failure();
  int64_t t = input->getDimSize(1), d = input->getDimSize(2);
  if (ShapedType::isDynamic(t) || ShapedType::isDynamic(d) || d % 2 != 0)
    return check.fail("expects a static T and an even D, got ", *input);
  types.push_back(*input);
  return success();
}

//===----------------------------------------------------------------------===//
// Recurrent layers and attention
//===----------------------------------------------------------------------===//

/// x [N, T, I], w_ih [G*H, I], w_hh [G*H, H], b_ih and b_hh [G*H] -> [N, T, H].
static LogicalResult inferRecurrent(StringRef opName,
                                    std::optional<Location> loc, int64_t gates,
                                    Value inputValue, Value wIh, Value wHh,
                                    Value bIh, Value bHh,
                                    SmallVectorImpl<Type> &types) {
  OpChecker check(opName, loc);
  auto input = check.f32Tensor(inputValue, "input", "f32[N, T, I]", 3, 3);
  if (failed(input))
    return failure();
  auto hh = check.f32Tensor(wHh, "w_hh", "f32[G*H, H]", 2, 2);
  if (failed(hh))
    return failure();
  int64_t h = hh->getDimSize(1), gh = gates * h, i = input->getDimSize(2);
  std::string why = (" with G*H = " + std::to_string(gates) + "*" +
                     std::to_string(h) + " (G = " + std::to_string(gates) +
                     " gates, H = w_hh's last dim), I = " + std::to_string(i) +
                     " (the input's last dim)");
  if (failed(check.f32Shape(wHh, "w_hh", "[G*H, H]", {gh, h}, why)) ||
      failed(check.f32Shape(wIh, "w_ih", "[G*H, I]", {gh, i}, why)) ||
      failed(check.f32Shape(bIh, "b_ih", "[G*H]", {gh}, why)) ||
      failed(check.f32Shape(bHh, "b_hh", "[G*H]", {gh}, why)))
    return failure();
  types.push_back(
      f32TensorType(inputValue.getContext(),
                    {input->getDimSize(0), input->getDimSize(1), h}));
  return success();
}

#define NN_RECURRENT_INFERENCE(OP)                                             \
  LogicalResult OP::inferReturnTypes(                                          \
      MLIRContext *, std::optional<Location> loc, Adaptor adaptor,             \
      SmallVectorImpl<Type> &types) {                                          \
    return inferRecurrent(getOperationName(), loc, kGates, adaptor.getInput(), \
                          adaptor.getWIh(), adaptor.getWHh(),                  \
                          adaptor.getBIh(), adaptor.getBHh(), types);          \
  }
NN_RECURRENT_INFERENCE(RnnOp)
NN_RECURRENT_INFERENCE(LstmOp)
NN_RECURRENT_INFERENCE(GruOp)
#undef NN_RECURRENT_INFERENCE

LogicalResult SelfAttentionOp::inferReturnTypes(MLIRContext *,
                                                std::optional<Location> loc,
                                                Adaptor adaptor,
                                                SmallVectorImpl<Type> &types) {
  OpChecker check(getOperationName(), loc);
  auto input =
      check.f32Tensor(adaptor.getInput(), "input", "f32[N, T, D]", 3, 3);
  if (failed(input))
    return failure();
  int64_t d = input->getDimSize(2);
  if (auto heads = adaptor.getProperties().heads) {
    int64_t h = heads.getInt();
    if (h < 1 || ShapedType::isDynamic(d) || d % h != 0)
      return check.fail("expects heads >= 1 dividing D = ", d,
                        " (the input's last dim), got ", h);
  }
  std::string why = note("D", d, "the input's last dim");
  if (failed(check.f32Shape(adaptor.getInProjWeight(), "in_proj_weight",
                            "[3D, D]", {3 * d, d}, why)) ||
      failed(check.f32Shape(adaptor.getInProjBias(), "in_proj_bias", "[3D]",
                            {3 * d}, why)) ||
      failed(check.f32Shape(adaptor.getOutProjWeight(), "out_proj_weight",
                            "[D, D]", {d, d}, why)) ||
      failed(check.f32Shape(adaptor.getOutProjBias(), "out_proj_bias", "[D]",
                            {d}, why)))
    return failure();
  types.push_back(*input);
  return success();
}

//===----------------------------------------------------------------------===//
// Losses
//===----------------------------------------------------------------------===//

/// The f32 scalar every loss returns.
static Type lossType(MLIRContext *ctx) { return f32TensorType(ctx, {}); }

/// Prediction and target: f32 tensors of agreeing shapes.
static LogicalResult inferPairLoss(StringRef opName,
                                   std::optional<Location> loc, Value input,
                                   Value target, SmallVectorImpl<Type> &types) {
  OpChecker check(opName, loc);
  auto inputType = check.f32Tensor(input, "input", "f32[N, ...]", 1);
  if (failed(inputType))
    return failure();
  auto targetType = check.f32Tensor(target, "target", "f32[N, ...]", 1);
  if (failed(targetType) ||
      failed(check.sameShape(*inputType, *targetType, "input", "target")))
    return failure();
  types.push_back(lossType(input.getContext()));
  return success();
}

#define NN_PAIR_LOSS_INFERENCE(OP)                                             \
  LogicalResult OP::inferReturnTypes(                                          \
      MLIRContext *, std::optional<Location> loc, Adaptor adaptor,             \
      SmallVectorImpl<Type> &types) {                                          \
    return inferPairLoss(getOperationName(), loc, adaptor.getInput(),          \
                         adaptor.getTarget(), types);                          \
  }
NN_PAIR_LOSS_INFERENCE(MseLossOp)
NN_PAIR_LOSS_INFERENCE(MaeLossOp)
NN_PAIR_LOSS_INFERENCE(BceLossOp)
NN_PAIR_LOSS_INFERENCE(BceLogitsLossOp)
#undef NN_PAIR_LOSS_INFERENCE

LogicalResult HuberLossOp::inferReturnTypes(MLIRContext *,
                                            std::optional<Location> loc,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &types) {
  if (auto delta = dyn_cast_or_null<FloatAttr>(adaptor.getProperties().delta))
    if (!(delta.getValueAsDouble() > 0.0))
      return OpChecker(getOperationName(), loc)
          .fail("expects delta > 0, got ", delta.getValueAsDouble());
  return inferPairLoss(getOperationName(), loc, adaptor.getInput(),
                       adaptor.getTarget(), types);
}

LogicalResult PerceptronLossOp::inferReturnTypes(MLIRContext *,
                                                 std::optional<Location> loc,
                                                 Adaptor adaptor,
                                                 SmallVectorImpl<Type> &types) {
  OpChecker check(getOperationName(), loc);
  auto input =
      check.f32Tensor(adaptor.getInput(), "input", "f32[N] or f32[N, 1]", 1, 2);
  if (failed(input))
    return failure();
  if (input->getRank() == 2 && input->getDimSize(1) != 1)
    return check.fail("expects input f32[N] or f32[N, 1] (one score per "
                      "sample), got ",
                      *input);
  return inferPairLoss(getOperationName(), loc, adaptor.getInput(),
                       adaptor.getTarget(), types);
}

LogicalResult CrossEntropyLossOp::inferReturnTypes(
    MLIRContext *ctx, std::optional<Location> loc, Adaptor adaptor,
    SmallVectorImpl<Type> &types) {
  OpChecker check(getOperationName(), loc);
  auto logits = check.f32Tensor(adaptor.getInput(), "input", "f32[N, C]", 2, 2);
  if (failed(logits))
    return failure();
  auto target = dyn_cast<RankedTensorType>(adaptor.getTarget().getType());
  int64_t n = logits->getDimSize(0);
  bool classes = target && target.getElementType().isInteger(32) &&
                 shapesAgree(target.getShape(), {n});
  bool distributions = target && target.getElementType().isF32() &&
                       shapesAgree(target.getShape(), logits->getShape());
  if (!classes && !distributions)
    return check.fail("expects target i32[N] (class indices) or f32[N, C] "
                      "(probabilities) for input ",
                      *logits, ", got ", adaptor.getTarget().getType());
  types.push_back(lossType(ctx));
  return success();
}

/// Penalties: one or more f32 parameters and a non-negative weight.
static LogicalResult inferPenalty(StringRef opName, std::optional<Location> loc,
                                  MLIRContext *ctx, ValueRange params,
                                  Attribute weight,
                                  SmallVectorImpl<Type> &types) {
  OpChecker check(opName, loc);
  if (params.empty())
    return check.fail("expects at least one parameter, got none");
  for (Value param : params)
    if (failed(check.f32Tensor(param, "parameter", "f32[...]")))
      return failure();
  if (auto w = dyn_cast_or_null<FloatAttr>(weight))
    if (!(w.getValueAsDouble() >= 0.0))
      return check.fail("expects weight >= 0, got ", w.getValueAsDouble());
  types.push_back(lossType(ctx));
  return success();
}

LogicalResult L1PenaltyOp::inferReturnTypes(MLIRContext *ctx,
                                            std::optional<Location> loc,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &types) {
  return inferPenalty(getOperationName(), loc, ctx, adaptor.getParams(),
                      adaptor.getProperties().weight, types);
}

LogicalResult L2PenaltyOp::inferReturnTypes(MLIRContext *ctx,
                                            std::optional<Location> loc,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &types) {
  return inferPenalty(getOperationName(), loc, ctx, adaptor.getParams(),
                      adaptor.getProperties().weight, types);
}
