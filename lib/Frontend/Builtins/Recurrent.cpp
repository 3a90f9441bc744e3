//===- Recurrent.cpp - rnn, lstm and gru ----------------------------------===//
//
// The rows of the recurrent layers: one emitter for the three ops (their
// parameters are laid out alike), with the attributes proper to each.
//
//===----------------------------------------------------------------------===//

#include "Rows.h"

#include <cmath>

using namespace nnc;
using namespace nnc::detail;
using namespace nnc::rows;
using namespace mlir;

namespace {

template <typename RecurrentOp>
Value recurrentLayer(MLIRGenImpl &g, const CallExprAST &call, Value x) {
  if (!g.expectRank(call, x, 3, 3, "f32[N, T, K]"))
    return {};
  auto units = g.intArg(call, "units");
  auto bias = g.boolArg(call, "bias");
  if (!units || !bias)
    return {};
  SmallVector<NamedAttribute> attrs;
  if constexpr (std::is_same_v<RecurrentOp, nn::RnnOp>) {
    auto activation = g.identArg(call, "activation");
    if (!activation)
      return {};
    attrs.push_back(g.builder.getNamedAttr(
        "nonlinearity",
        nn::NonlinearityAttr::get(&g.context, *activation == "relu"
                                                  ? nn::Nonlinearity::relu
                                                  : nn::Nonlinearity::tanh)));
  }
  if constexpr (std::is_same_v<RecurrentOp, nn::GruOp>) {
    auto lbr = g.boolArg(call, "linear_before_reset");
    if (!lbr)
      return {};
    attrs.push_back(g.builder.getNamedAttr("linear_before_reset",
                                           g.builder.getBoolAttr(*lbr)));
  }
  // PyTorch: every weight and bias ~ uniform(+-1/sqrt(hidden)).
  std::string name = g.layerName(call.callee, /*firstUnnumbered=*/true);
  int64_t rows = RecurrentOp::kGates * *units;
  double bound = 1.0 / std::sqrt(double(*units));
  nnc::Location where = call.loc();
  Value wih =
      g.param(where, name + ".weight_ih_l0", {rows, shapeOf(x)[2]},
              nn::ParamRole::weight, nn::InitKind::uniform, bound, true);
  Value whh =
      g.param(where, name + ".weight_hh_l0", {rows, *units},
              nn::ParamRole::weight, nn::InitKind::uniform, bound, true);
  Value bih = biasOrZeros(g, call, *bias, name + ".bias_ih_l0", rows,
                          nn::InitKind::uniform, bound);
  Value bhh = biasOrZeros(g, call, *bias, name + ".bias_hh_l0", rows,
                          nn::InitKind::uniform, bound);
  if (!wih || !whh || !bih || !bhh)
    return {};
  return g.build1<RecurrentOp>(where, call.callee, {x, wih, whh, bih, bhh},
                               attrs);
}

} // namespace

std::vector<BuiltinSpec> rows::recurrent() {
  return {
      layer("rnn",
            {count("units"),
             param("activation", 0, "tanh").oneOf({"tanh", "relu"}),
             flag("bias", "true")},
            "Elman RNN over [N, T, K] -> [N, T, units]",
            recurrentLayer<nn::RnnOp>),
      layer("lstm", {count("units"), flag("bias", "true")},
            "LSTM (gates i, f, g, o) over [N, T, K] -> [N, T, units]",
            recurrentLayer<nn::LstmOp>),
      layer("gru",
            {count("units"), flag("bias", "true"),
             flag("linear_before_reset", "true")},
            "GRU (gates r, z, n) over [N, T, K] -> [N, T, units]; "
            "n = tanh(W_in x + b_in + r * (W_hn h + b_hn)) as in PyTorch, "
            "or with linear_before_reset = false ONNX's default "
            "n = tanh(W_in x + b_in + W_hn (r * h) + b_hn)",
            recurrentLayer<nn::GruOp>),
  };
}
