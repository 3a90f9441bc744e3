//===- Losses.cpp - Losses and weight penalties ---------------------------===//
//
// The rows of the loss terms of a train section (averaged over the batch;
// emitted on the values of their first two arguments) and of the weight
// penalties l1/l2 (over every penalised parameter of the model).
//
//===----------------------------------------------------------------------===//

#include "Rows.h"

using namespace nnc;
using namespace nnc::detail;
using namespace nnc::rows;
using namespace mlir;

namespace {

/// A loss op on (pred, target) without attributes: `mse`, `bce`, ...
template <typename LossOp>
Value plainLoss(MLIRGenImpl &g, const CallExprAST &call, Value pred,
                Value target) {
  return g.build1<LossOp>(call.loc(), call.callee, {pred, target});
}

Value perceptron(MLIRGenImpl &g, const CallExprAST &call, Value pred,
                 Value target) {
  // The criterion is defined on the scores: look through a final step
  // (`output y = x -> dense(1) -> step`), whose gradient is zero.
  if (auto step = pred.getDefiningOp<nn::StepOp>())
    pred = step.getInput();
  return g.build1<nn::PerceptronLossOp>(call.loc(), "perceptron",
                                        {pred, target});
}

Value huber(MLIRGenImpl &g, const CallExprAST &call, Value pred, Value target) {
  auto delta = g.floatArg(call, "delta");
  if (!delta)
    return {};
  return g.build1<nn::HuberLossOp>(call.loc(), "huber", {pred, target},
                                   {f32Attr(g, "delta", *delta)});
}

Value crossEntropy(MLIRGenImpl &g, const CallExprAST &call, Value pred,
                   Value target) {
  auto smoothing = g.floatArg(call, "label_smoothing");
  if (!smoothing)
    return {};
  if (*smoothing != 0.0) {
    g.error(call.getArg("label_smoothing")->loc(),
            "cross_entropy with label_smoothing > 0 is not supported yet");
    return {};
  }
  return g.build1<nn::CrossEntropyLossOp>(call.loc(), "cross_entropy",
                                          {pred, target});
}

/// Builds an l1/l2 penalty over every penalised parameter.
template <typename PenaltyOp>
Value penalty(MLIRGenImpl &g, const CallExprAST &call) {
  auto lambda = g.floatArg(call, "lambda");
  if (!lambda)
    return {};
  SmallVector<Value> weights;
  for (size_t i = 0; i < g.params.size(); ++i)
    if (g.params[i].penalised)
      weights.push_back(g.function.getArgument(g.firstParamArg + i));
  if (weights.empty()) {
    g.error(call.loc(), call.callee + " has no weights to penalise: the model "
                                      "has no dense, conv, recurrent, "
                                      "attention or embedding weights");
    return {};
  }
  NamedAttribute weight = f32Attr(g, "weight", *lambda);
  return g.build1<PenaltyOp>(call.loc(), call.callee, weights, {weight});
}

BuiltinSpec loss(const char *name, std::vector<ParamSpec> extra,
                 const char *summary, LossEmitter emit,
                 const char *first = "pred") {
  std::vector<ParamSpec> params = {tensor(first), tensor("target")};
  for (ParamSpec &p : extra)
    params.push_back(std::move(p));
  BuiltinSpec spec{name, BuiltinKind::Loss, U_Function, std::move(params),
                   summary};
  spec.emitLoss = emit;
  return spec;
}

BuiltinSpec penaltyRow(const char *name, const char *summary,
                       CallEmitter emit) {
  BuiltinSpec spec =
      value(name, BuiltinKind::Penalty, {nonNegative("lambda")}, summary);
  spec.emitCall = emit;
  return spec;
}

} // namespace

std::vector<BuiltinSpec> rows::losses() {
  return {
      loss("mse", {}, "mean squared error", plainLoss<nn::MseLossOp>),
      loss("mae", {}, "mean absolute error", plainLoss<nn::MaeLossOp>),
      loss("huber", {positive("delta", "1.0")}, "Huber (smooth L1) loss",
           huber),
      loss("bce", {}, "binary cross-entropy on probabilities",
           plainLoss<nn::BceLossOp>),
      loss("bce_logits", {}, "binary cross-entropy on logits",
           plainLoss<nn::BceLogitsLossOp>),
      loss("cross_entropy", {fraction("label_smoothing", "0.0")},
           "softmax cross-entropy: logits with class ids i32[N] or one-hot",
           crossEntropy, "logits"),
      loss("perceptron", {},
           "perceptron criterion mean(max(0, -t * y)), t in {0,1} mapped to "
           "{-1,1}",
           perceptron),
      penaltyRow("l1",
                 "lambda * sum abs(w) over the weights (not biases or norms)",
                 penalty<nn::L1PenaltyOp>),
      penaltyRow("l2",
                 "lambda / 2 * sum w^2 over the weights (not biases or "
                 "norms); gradient lambda * w, PyTorch's weight_decay = "
                 "lambda",
                 penalty<nn::L2PenaltyOp>),
  };
}
