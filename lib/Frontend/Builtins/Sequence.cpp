//===- Sequence.cpp - embedding and positional ----------------------------===//
//
// The rows of the token embedding and the position encodings.
//
//===----------------------------------------------------------------------===//

#include "Rows.h"

using namespace nnc;
using namespace nnc::detail;
using namespace nnc::rows;
using namespace mlir;

namespace {

Value embedding(MLIRGenImpl &g, const CallExprAST &call, Value ids) {
  auto vocab = g.intArg(call, "vocab");
  auto dim = g.intArg(call, "dim");
  auto negative = g.identArg(call, "negative_ids");
  if (!vocab || !dim || !negative)
    return {};
  Value table = g.paramFromInit(call, g.layerName("emb") + ".weight",
                                {*vocab, *dim}, true);
  if (!table)
    return {};
  SmallVector<NamedAttribute> attrs;
  if (*negative == "from_end")
    attrs.push_back(boolAttr(g, "negative_from_end", true));
  return g.build1<nn::EmbeddingOp>(call.loc(), "embedding", {ids, table},
                                   attrs);
}

Value positional(MLIRGenImpl &g, const CallExprAST &call, Value x) {
  auto kind = g.identArg(call, "kind");
  if (!kind)
    return {};
  if (*kind == "sinusoidal")
    return g.build1<nn::PositionalSinusoidalOp>(call.loc(), "positional", x);
  if (!g.expectRank(call, x, 3, 3, "f32[N, T, D]"))
    return {};
  ArrayRef<int64_t> shape = shapeOf(x);
  Value table =
      g.param(call.loc(), g.layerName("pos") + ".weight", {shape[1], shape[2]},
              nn::ParamRole::weight, nn::InitKind::normal, 0.02);
  if (!table)
    return {};
  return g.build1<nn::AddOp>(call.loc(), "positional", {x, table});
}

} // namespace

std::vector<BuiltinSpec> rows::sequence() {
  return {
      layer("embedding",
            {count("vocab"), count("dim"), init("normal(1.0)"),
             param("negative_ids", 0, "clamp").oneOf({"clamp", "from_end"})},
            "token ids i32[N, T] -> vectors [N, T, dim]; ids outside "
            "[0, vocab) are clamped to it, after counting negative ones from "
            "the end (-1: the last row) with negative_ids = from_end",
            embedding),
      layer("positional",
            {param("kind", 0, "learned").oneOf({"learned", "sinusoidal"})},
            "adds a position encoding to [N, T, d]", positional),
  };
}
