//===- Activations.cpp - elementwise activations --------------------------===//
//
// The rows of the activations applied with `->`. The ReLU family says so in
// its row: a layer with `init = auto` before one of them gets `he`.
//
//===----------------------------------------------------------------------===//

#include "Rows.h"

using namespace nnc;
using namespace nnc::detail;
using namespace nnc::rows;
using namespace mlir;

namespace {

Value pow(MLIRGenImpl &g, const CallExprAST &call, Value x) {
  auto exponent = g.floatArg(call, "exponent");
  if (!exponent)
    return {};
  return g.build1<nn::PowOp>(call.loc(), "pow", x,
                             {f32Attr(g, "exponent", *exponent)});
}

Value clip(MLIRGenImpl &g, const CallExprAST &call, Value x) {
  SmallVector<NamedAttribute> bounds;
  for (StringRef bound : {"min", "max"}) {
    if (!call.getArg(bound))
      continue;
    auto value = g.floatArg(call, bound);
    if (!value)
      return {};
    bounds.push_back(f32Attr(g, bound, *value));
  }
  if (bounds.empty()) {
    g.error(call.loc(), "clip needs min, max or both, as in "
                        "'clip(min = 0, max = 6)'");
    return {};
  }
  return g.build1<nn::ClipOp>(call.loc(), "clip", x, bounds);
}

template <typename AlphaOp>
Value withAlpha(MLIRGenImpl &g, const CallExprAST &call, Value x) {
  auto alpha = g.floatArg(call, "alpha");
  if (!alpha)
    return {};
  return g.build1<AlphaOp>(call.loc(), call.callee, x,
                           {f32Attr(g, "alpha", *alpha)});
}

Value gelu(MLIRGenImpl &g, const CallExprAST &call, Value x) {
  auto approximate = g.identArg(call, "approximate");
  if (!approximate)
    return {};
  return g.build1<nn::GeluOp>(
      call.loc(), "gelu", x,
      {boolAttr(g, "approximate", *approximate == "tanh")});
}

template <typename SoftmaxOp>
Value softmax(MLIRGenImpl &g, const CallExprAST &call, Value x) {
  auto axis = g.intArg(call, "axis");
  if (!axis)
    return {};
  return g.build1<SoftmaxOp>(
      call.loc(), call.callee, x,
      {i64Attr(g, "axis", resolveAxis(*axis, shapeOf(x).size()))});
}

} // namespace

std::vector<BuiltinSpec> rows::activations() {
  constexpr AutoInit he = AutoInit::He;
  return {
      activation("relu", {}, "max(x, 0)", unary<nn::ReluOp>, he),
      activation("leaky_relu", {param("alpha", PT_Float, "0.01")},
                 "x if x > 0 else alpha * x", withAlpha<nn::LeakyReluOp>, he),
      activation("elu", {param("alpha", PT_Float, "1.0")},
                 "x if x > 0 else alpha * (exp(x) - 1)", withAlpha<nn::EluOp>,
                 he),
      activation("gelu",
                 {param("approximate", 0, "none").oneOf({"none", "tanh"})},
                 "GELU, exact erf form unless approximate = tanh", gelu, he),
      activation("sigmoid", {}, "1 / (1 + exp(-x))", unary<nn::SigmoidOp>),
      activation("tanh", {}, "hyperbolic tangent", unary<nn::TanhOp>),
      activation("exp", {}, "e^x", unary<nn::ExpOp>),
      activation("log", {}, "natural logarithm (x > 0; -inf at 0, NaN below)",
                 unary<nn::LogOp>),
      activation("abs", {}, "absolute value (gradient sign(x), 0 at 0)",
                 unary<nn::AbsOp>),
      activation("erf", {}, "Gauss error function", unary<nn::ErfOp>),
      activation("pow", {param("exponent", PT_Float)},
                 "x^exponent (NaN for x < 0 and a non-integer exponent; 1 "
                 "everywhere for exponent 0)",
                 pow),
      activation("clip",
                 {param("min", PT_Float, "?"), param("max", PT_Float, "?")},
                 "clamp into [min, max] (at least one bound); the gradient "
                 "passes where min <= x <= max",
                 clip),
      activation("sqrt", {},
                 "square root (x >= 0; NaN below, infinite gradient at 0)",
                 unary<nn::SqrtOp>),
      activation("softmax", {axis("-1")}, "softmax over an axis",
                 softmax<nn::SoftmaxOp>),
      activation("log_softmax", {axis("-1")}, "log of softmax over an axis",
                 softmax<nn::LogSoftmaxOp>),
      activation("step", {}, "Heaviside step: 1 if x > 0 else 0 (perceptron)",
                 unary<nn::StepOp>),
  };
}
