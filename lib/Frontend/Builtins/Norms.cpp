//===- Norms.cpp - normalisation and dropout ------------------------------===//
//
// The rows of batchnorm, layernorm and dropout. For `init = auto` they are
// transparent: the activation after them picks the initialiser.
//
//===----------------------------------------------------------------------===//

#include "Rows.h"

#include "mlir/Dialect/Arith/IR/Arith.h"

using namespace nnc;
using namespace nnc::detail;
using namespace nnc::rows;
using namespace mlir;

namespace {

Value batchnorm(MLIRGenImpl &g, const CallExprAST &call, Value x) {
  if (!g.expectRank(call, x, 2, 4, "f32[N, C] or f32[N, C, H, W]"))
    return {};
  auto momentum = g.floatArg(call, "momentum");
  auto eps = g.floatArg(call, "eps");
  if (!momentum || !eps)
    return {};
  std::string name = g.layerName("bn");
  int64_t c = shapeOf(x)[1];
  nnc::Location where = call.loc();
  Value gamma = g.param(where, name + ".weight", {c}, nn::ParamRole::weight,
                        nn::InitKind::ones);
  Value beta = g.param(where, name + ".bias", {c}, nn::ParamRole::bias,
                       nn::InitKind::zeros);
  Value mean = g.param(where, name + ".running_mean", {c},
                       nn::ParamRole::buffer, nn::InitKind::zeros);
  Value var = g.param(where, name + ".running_var", {c}, nn::ParamRole::buffer,
                      nn::InitKind::ones);
  if (!gamma || !beta || !mean || !var)
    return {};
  g.usesBatchnorm = true;
  if (!g.training)
    return g.build1<nn::BatchNormOp>(where, "batchnorm",
                                     {x, gamma, beta, mean, var},
                                     {f32Attr(g, "eps", *eps)});
  SmallVector<Value> operands{x, gamma, beta, mean, var};
  if (g.replicas) // sync_batchnorm: statistics over every replica
    operands.push_back(g.replicas);
  Operation *op = g.build<nn::BatchNormTrainOp>(
      where, "batchnorm", operands,
      {f32Attr(g, "eps", *eps), f32Attr(g, "momentum", *momentum)});
  if (!op)
    return {};
  g.bufferUpdates.push_back(
      {op->getResult(1), cast<BlockArgument>(mean).getArgNumber()});
  g.bufferUpdates.push_back(
      {op->getResult(2), cast<BlockArgument>(var).getArgNumber()});
  return op->getResult(0);
}

Value layernorm(MLIRGenImpl &g, const CallExprAST &call, Value x) {
  if (!g.expectRank(call, x, 2, 8, "f32[N, ..., D]"))
    return {};
  auto eps = g.floatArg(call, "eps");
  if (!eps)
    return {};
  std::string name = g.layerName("ln");
  int64_t d = shapeOf(x).back();
  Value gamma = g.param(call.loc(), name + ".weight", {d},
                        nn::ParamRole::weight, nn::InitKind::ones);
  Value beta = g.param(call.loc(), name + ".bias", {d}, nn::ParamRole::bias,
                       nn::InitKind::zeros);
  if (!gamma || !beta)
    return {};
  return g.build1<nn::LayerNormOp>(call.loc(), "layernorm", {x, gamma, beta},
                                   {f32Attr(g, "eps", *eps)});
}

/// The multiplier that separates the seeds of dropout sites (2^64 / phi).
constexpr int64_t kSeedStride = int64_t(0x9E3779B97F4A7C15ull);

Value dropout(MLIRGenImpl &g, const CallExprAST &call, Value x) {
  auto rate = g.floatArg(call, "rate");
  if (!rate)
    return {};
  if (*rate == 0.0)
    return x;
  g.usesDropout = true;
  if (!g.training)
    return x; // inference: dropout is the identity
  Value seed = g.seed;
  if (unsigned site = g.dropoutSites++) {
    // Site k draws its mask from seed + k * kSeedStride (wrapping).
    mlir::Location l = g.loc(call.loc());
    auto type = cast<RankedTensorType>(seed.getType());
    auto offset = g.builder.create<arith::ConstantOp>(
        l, type,
        DenseElementsAttr::get(
            type, llvm::APInt(64, uint64_t(site) * uint64_t(kSeedStride))));
    seed = g.builder.create<arith::AddIOp>(l, seed, offset);
  }
  return g.build1<nn::DropoutOp>(
      call.loc(), "dropout", {x, seed, g.rowOffset},
      {f32Attr(g, "p", *rate), boolAttr(g, "training", true)});
}

} // namespace

std::vector<BuiltinSpec> rows::norms() {
  return {
      layer("batchnorm",
            {param("momentum", PT_Float, "0.1").range(0, 1),
             positive("eps", "1e-5")},
            "batch normalisation over the channel axis (axis 1)", batchnorm,
            AutoInit::LookThrough),
      layer("layernorm", {positive("eps", "1e-5")},
            "layer normalisation over the last axis", layernorm,
            AutoInit::LookThrough),
      layer("dropout", {fraction("rate", "0.5")},
            "inverted dropout, active in training only", dropout,
            AutoInit::LookThrough),
  };
}
