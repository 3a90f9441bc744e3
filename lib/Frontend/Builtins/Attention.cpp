//===- Attention.cpp - self_attention -------------------------------------===//
//
// The row of multi-head self-attention (PyTorch's nn.MultiheadAttention
// parameters).
//
//===----------------------------------------------------------------------===//

#include "Rows.h"

#include <cmath>

using namespace nnc;
using namespace nnc::detail;
using namespace nnc::rows;
using namespace mlir;

namespace {

Value selfAttention(MLIRGenImpl &g, const CallExprAST &call, Value x) {
  if (!g.expectRank(call, x, 3, 3, "f32[N, T, D]"))
    return {};
  auto heads = g.intArg(call, "heads");
  auto causal = g.boolArg(call, "causal");
  auto drop = g.floatArg(call, "dropout");
  auto bias = g.boolArg(call, "bias");
  if (!heads || !causal || !drop || !bias)
    return {};
  if (*drop != 0.0) {
    g.error(call.getArg("dropout")->loc(),
            "self_attention with dropout > 0 is not supported yet; apply "
            "'-> dropout(p)' after it instead");
    return {};
  }
  // PyTorch's nn.MultiheadAttention: xavier in_proj, Linear-style out_proj.
  std::string name = g.layerName("attn");
  int64_t d = shapeOf(x).back();
  nnc::Location where = call.loc();
  Value win = g.param(where, name + ".in_proj_weight", {3 * d, d},
                      nn::ParamRole::weight, nn::InitKind::xavier, {}, true);
  Value bin = biasOrZeros(g, call, *bias, name + ".in_proj_bias", 3 * d);
  Value wout =
      g.param(where, name + ".out_proj.weight", {d, d}, nn::ParamRole::weight,
              nn::InitKind::uniform, 1.0 / std::sqrt(double(d)), true);
  Value bout = biasOrZeros(g, call, *bias, name + ".out_proj.bias", d);
  if (!win || !bin || !wout || !bout)
    return {};
  return g.build1<nn::SelfAttentionOp>(
      where, "self_attention", {x, win, bin, wout, bout},
      {i64Attr(g, "heads", *heads), boolAttr(g, "causal", *causal)});
}

} // namespace

std::vector<BuiltinSpec> rows::attention() {
  return {
      layer("self_attention",
            {count("heads"), flag("causal", "false"),
             fraction("dropout", "0.0"), flag("bias", "true")},
            "multi-head self-attention over [N, T, d]", selfAttention),
  };
}
