//===- MLIRGenLayers.cpp - One emitter per pipeline stage -----------------===//
//
// How each built-in stage of the language becomes nn ops: the layers with
// their parameters (named like PyTorch's state_dict, laid out as PyTorch
// stores them, initialised from the call's `init`), the activations and the
// parameter-free tensor ops. The emitters are looked up by the built-in's
// name in one table; each reads its normalised arguments (Sema filled the
// defaults), checks what it needs to shape its parameters, and builds the op
// through MLIRGenImpl::build, which runs the dialect's type inference at the
// DSL location first.
//
//===----------------------------------------------------------------------===//

#include "MLIRGenImpl.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "llvm/ADT/StringMap.h"

#include <cmath>

using namespace nnc;
using namespace nnc::detail;
using namespace mlir;

namespace {

using StageFn = Value (*)(MLIRGenImpl &, const CallExprAST &, Value);

ArrayRef<int64_t> shapeOf(Value value) {
  return cast<RankedTensorType>(value.getType()).getShape();
}

NamedAttribute f32Attr(MLIRGenImpl &g, StringRef name, double value) {
  return g.builder.getNamedAttr(name, g.builder.getF32FloatAttr(value));
}
NamedAttribute i64Attr(MLIRGenImpl &g, StringRef name, int64_t value) {
  return g.builder.getNamedAttr(name, g.builder.getI64IntegerAttr(value));
}
NamedAttribute boolAttr(MLIRGenImpl &g, StringRef name, bool value) {
  return g.builder.getNamedAttr(name, g.builder.getBoolAttr(value));
}
NamedAttribute arrayAttr(MLIRGenImpl &g, StringRef name,
                         ArrayRef<int64_t> values) {
  return g.builder.getNamedAttr(name, g.builder.getDenseI64ArrayAttr(values));
}

/// A bias: a zero-initialised parameter, or a constant zero when the layer
/// has `bias = false` (for ops whose biases are not optional).
Value biasOrZeros(MLIRGenImpl &g, const CallExprAST &call, bool bias,
                  const std::string &name, int64_t size,
                  nn::InitKind init = nn::InitKind::zeros,
                  std::optional<double> scale = {}) {
  if (bias)
    return g.param(call.loc(), name, {size}, nn::ParamRole::bias, init, scale);
  auto type = RankedTensorType::get({size}, g.builder.getF32Type());
  return g.builder.create<nn::FillOp>(g.loc(call.loc()), type,
                                      g.builder.getF32FloatAttr(0.0f));
}

//===----------------------------------------------------------------------===//
// Layers with parameters
//===----------------------------------------------------------------------===//

Value dense(MLIRGenImpl &g, const CallExprAST &call, Value x) {
  if (!g.expectRank(call, x, 2, 3, "f32[N, K] or f32[N, T, K]"))
    return {};
  auto units = g.intArg(call, "units");
  auto bias = g.boolArg(call, "bias");
  if (!units || !bias)
    return {};
  std::string name = g.layerName("fc");
  SmallVector<Value> operands{x};
  operands.push_back(g.paramFromInit(call, name + ".weight",
                                     {*units, shapeOf(x).back()}, true));
  if (*bias)
    operands.push_back(g.param(call.loc(), name + ".bias", {*units},
                               nn::ParamRole::bias, nn::InitKind::zeros));
  if (llvm::is_contained(operands, Value()))
    return {};
  return g.build1<nn::DenseOp>(call.loc(), "dense", operands);
}

/// (before, after) padding of one spatial dim for `pad = same`: the output
/// has ceil(size / stride) entries (PyTorch's rule for stride 1, TF's else).
std::pair<int64_t, int64_t> samePadding(int64_t size, int64_t kernel,
                                        int64_t stride, int64_t dilation) {
  int64_t out = (size + stride - 1) / stride;
  int64_t total = std::max<int64_t>(
      (out - 1) * stride + dilation * (kernel - 1) + 1 - size, 0);
  return {total / 2, total - total / 2};
}

/// The (top, left, bottom, right) padding of a windowed layer's `pad`: one
/// integer for every side, `[top, left, bottom, right]`, `valid` (none) or
/// `same` (samePadding of each spatial dim of the NCHW `shape`).
std::optional<SmallVector<int64_t>> padArg(MLIRGenImpl &g,
                                           const CallExprAST &call,
                                           ArrayRef<int64_t> shape,
                                           int64_t kernel, int64_t stride,
                                           int64_t dilation) {
  const ExprAST *padExpr = call.getArg("pad");
  auto fail = [&]() -> std::optional<SmallVector<int64_t>> {
    g.error(padExpr ? padExpr->loc() : call.loc(),
            "argument 'pad' of " + call.callee +
                " must be an integer, [top, left, bottom, right], same or "
                "valid");
    return std::nullopt;
  };
  if (!padExpr)
    return fail();
  if (auto *list = dyn_cast<ListExprAST>(padExpr)) {
    SmallVector<int64_t> sides;
    for (const ExprPtr &element : list->elements) {
      std::optional<ConstValue> v = g.evalConst(*element);
      if (!v || v->kind != ConstValue::Int || v->intValue < 0)
        return fail();
      sides.push_back(v->intValue);
    }
    if (sides.size() != 4)
      return fail();
    return sides;
  }
  std::optional<ConstValue> pad = g.evalConst(*padExpr);
  if (pad && pad->kind == ConstValue::Int)
    return SmallVector<int64_t>(4, pad->intValue);
  if (pad && pad->kind == ConstValue::Ident && pad->text == "same") {
    auto [top, bottom] = samePadding(shape[2], kernel, stride, dilation);
    auto [left, right] = samePadding(shape[3], kernel, stride, dilation);
    return SmallVector<int64_t>{top, left, bottom, right};
  }
  if (pad && pad->kind == ConstValue::Ident && pad->text == "valid")
    return SmallVector<int64_t>(4, 0);
  return fail();
}

Value conv2d(MLIRGenImpl &g, const CallExprAST &call, Value x) {
  if (!g.expectRank(call, x, 4, 4, "f32[N, C, H, W]"))
    return {};
  auto filters = g.intArg(call, "filters");
  auto kernel = g.intArg(call, "kernel");
  auto stride = g.intArg(call, "stride");
  auto dilation = g.intArg(call, "dilation");
  auto bias = g.boolArg(call, "bias");
  if (!filters || !kernel || !stride || !dilation || !bias)
    return {};
  ArrayRef<int64_t> shape = shapeOf(x);
  auto padding = padArg(g, call, shape, *kernel, *stride, *dilation);
  if (!padding)
    return {};
  std::string name = g.layerName("conv");
  SmallVector<Value> operands{x};
  operands.push_back(g.paramFromInit(
      call, name + ".weight", {*filters, shape[1], *kernel, *kernel}, true));
  if (*bias)
    operands.push_back(g.param(call.loc(), name + ".bias", {*filters},
                               nn::ParamRole::bias, nn::InitKind::zeros));
  if (llvm::is_contained(operands, Value()))
    return {};
  return g.build1<nn::Conv2DOp>(
      call.loc(), "conv2d", operands,
      {arrayAttr(g, "strides", {*stride, *stride}),
       arrayAttr(g, "padding", *padding),
       arrayAttr(g, "dilations", {*dilation, *dilation})});
}

/// Grows the bottom/right `padding` of a pooling window for `ceil_mode`
/// (PyTorch's rule): ceil((size + pads - window) / stride) + 1 outputs,
/// less one when the last window would start in the bottom/right padding;
/// the extra cells are padding that avgpool never counts.
void ceilModePadding(ArrayRef<int64_t> shape, int64_t kernel, int64_t stride,
                     int64_t dilation, SmallVectorImpl<int64_t> &padding) {
  int64_t window = dilation * (kernel - 1) + 1;
  for (int d = 0; d < 2; ++d) {
    int64_t size = shape[2 + d], before = padding[d], after = padding[d + 2];
    int64_t span = size + before + after - window;
    if (span < 0)
      continue; // the op's verifier reports the window that does not fit
    int64_t out = (span + stride - 1) / stride + 1;
    if ((out - 1) * stride >= size + before)
      --out;
    padding[d + 2] +=
        std::max<int64_t>(0, (out - 1) * stride + window - (size + before + after));
  }
}

template <typename PoolOp>
Value pool(MLIRGenImpl &g, const CallExprAST &call, Value x) {
  constexpr bool isMax = std::is_same_v<PoolOp, nn::MaxPool2DOp>;
  if (!g.expectRank(call, x, 4, 4, "f32[N, C, H, W]"))
    return {};
  auto size = g.intArg(call, "size");
  auto stride = g.intArg(call, "stride");
  auto ceil = g.boolArg(call, "ceil_mode");
  std::optional<int64_t> dilation = 1;
  std::optional<bool> countPad = false;
  if constexpr (isMax)
    dilation = g.intArg(call, "dilation");
  else
    countPad = g.boolArg(call, "count_include_pad");
  if (!size || !stride || !ceil || !dilation || !countPad)
    return {};
  auto pad = padArg(g, call, shapeOf(x), *size, *stride, *dilation);
  if (!pad)
    return {};
  SmallVector<int64_t> declared = *pad;
  if (*ceil)
    ceilModePadding(shapeOf(x), *size, *stride, *dilation, *pad);
  SmallVector<NamedAttribute> attrs = {
      arrayAttr(g, "kernel", {*size, *size}),
      arrayAttr(g, "strides", {*stride, *stride}),
      arrayAttr(g, "padding", *pad)};
  if (*dilation != 1)
    attrs.push_back(arrayAttr(g, "dilations", {*dilation, *dilation}));
  if (*countPad && llvm::any_of(declared, [](int64_t p) { return p != 0; }))
    attrs.push_back(arrayAttr(g, "divisor_padding", declared));
  return g.build1<PoolOp>(call.loc(), call.callee, x, attrs);
}

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

template <typename RecurrentOp>
Value recurrent(MLIRGenImpl &g, const CallExprAST &call, Value x) {
  if (!g.expectRank(call, x, 3, 3, "f32[N, T, K]"))
    return {};
  auto units = g.intArg(call, "units");
  auto bias = g.boolArg(call, "bias");
  if (!units || !bias)
    return {};
  SmallVector<NamedAttribute> attrs;
  if (call.callee == "rnn") {
    auto activation = g.identArg(call, "activation");
    if (!activation)
      return {};
    attrs.push_back(g.builder.getNamedAttr(
        "nonlinearity",
        nn::NonlinearityAttr::get(&g.context, *activation == "relu"
                                                  ? nn::Nonlinearity::relu
                                                  : nn::Nonlinearity::tanh)));
  }
  if (call.callee == "gru") {
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

//===----------------------------------------------------------------------===//
// Tensor ops and activations
//===----------------------------------------------------------------------===//


/// flatten(start = 1) is nn.flatten; a later start keeps axes 1 .. start-1
/// and is the nn.reshape to [N, d1, ..., d(start-1), d(start) * ...].
Value flatten(MLIRGenImpl &g, const CallExprAST &call, Value x) {
  auto start = g.intArg(call, "start");
  if (!start)
    return {};
  if (*start == 1)
    return g.build1<nn::FlattenOp>(call.loc(), "flatten", x);
  std::string form = "(start = " + std::to_string(*start) +
                     " merges the axes from " + std::to_string(*start) + " on)";
  if (!g.expectRank(call, x, *start + 1, 8, form))
    return {};
  ArrayRef<int64_t> shape = shapeOf(x);
  SmallVector<int64_t> target = {-1};
  int64_t merged = 1;
  for (int64_t d = 1; d < int64_t(shape.size()); ++d) {
    if (d < *start)
      target.push_back(shape[d]);
    else
      merged *= shape[d];
  }
  target.push_back(merged);
  return g.build1<nn::ReshapeOp>(call.loc(), "flatten", x,
                                 {arrayAttr(g, "shape", target)});
}

Value reshape(MLIRGenImpl &g, const CallExprAST &call, Value x) {
  auto shape = intList(g, call, "shape");
  if (!shape)
    return {};
  return g.build1<nn::ReshapeOp>(call.loc(), "reshape", x,
                                 {arrayAttr(g, "shape", *shape)});
}

Value transpose(MLIRGenImpl &g, const CallExprAST &call, Value x) {
  auto perm = intList(g, call, "perm");
  if (!perm)
    return {};
  return g.build1<nn::TransposeOp>(call.loc(), "transpose", x,
                                   {arrayAttr(g, "perm", *perm)});
}

template <typename ReduceOp>
Value reduce(MLIRGenImpl &g, const CallExprAST &call, Value x) {
  auto axis = g.intArg(call, "axis");
  auto keep = g.boolArg(call, "keepdims");
  if (!axis || !keep)
    return {};
  int64_t resolved = resolveAxis(*axis, shapeOf(x).size());
  return g.build1<ReduceOp>(
      call.loc(), call.callee, x,
      {arrayAttr(g, "axes", {resolved}), boolAttr(g, "keepdim", *keep)});
}

Value last(MLIRGenImpl &g, const CallExprAST &call, Value x) {
  return g.build1<nn::LastOp>(call.loc(), "last", x);
}

template <typename UnaryOp>
Value unary(MLIRGenImpl &g, const CallExprAST &call, Value x) {
  return g.build1<UnaryOp>(call.loc(), call.callee, x);
}

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

const llvm::StringMap<StageFn> &stageTable() {
  static const llvm::StringMap<StageFn> table = {
      {"dense", dense},
      {"conv2d", conv2d},
      {"maxpool", pool<nn::MaxPool2DOp>},
      {"avgpool", pool<nn::AvgPool2DOp>},
      {"batchnorm", batchnorm},
      {"layernorm", layernorm},
      {"dropout", dropout},
      {"embedding", embedding},
      {"positional", positional},
      {"rnn", recurrent<nn::RnnOp>},
      {"lstm", recurrent<nn::LstmOp>},
      {"gru", recurrent<nn::GruOp>},
      {"self_attention", selfAttention},
      {"flatten", flatten},
      {"reshape", reshape},
      {"transpose", transpose},
      {"mean", reduce<nn::ReduceMeanOp>},
      {"sum", reduce<nn::ReduceSumOp>},
      {"last", last},
      {"relu", unary<nn::ReluOp>},
      {"sigmoid", unary<nn::SigmoidOp>},
      {"tanh", unary<nn::TanhOp>},
      {"exp", unary<nn::ExpOp>},
      {"log", unary<nn::LogOp>},
      {"sqrt", unary<nn::SqrtOp>},
      {"abs", unary<nn::AbsOp>},
      {"erf", unary<nn::ErfOp>},
      {"pow", pow},
      {"clip", clip},
      {"step", unary<nn::StepOp>},
      {"leaky_relu", withAlpha<nn::LeakyReluOp>},
      {"elu", withAlpha<nn::EluOp>},
      {"gelu", gelu},
      {"softmax", softmax<nn::SoftmaxOp>},
      {"log_softmax", softmax<nn::LogSoftmaxOp>},
  };
  return table;
}

} // namespace

/// The integers of a variadic argument (`reshape(N, 16, 49)`); `N` is -1.
std::optional<SmallVector<int64_t>>
nnc::detail::intList(MLIRGenImpl &g, const CallExprAST &call, StringRef name) {
  auto *list = dyn_cast_or_null<ListExprAST>(call.getArg(name));
  if (!list) {
    g.error(call.loc(), call.callee + " needs a list of integers");
    return std::nullopt;
  }
  SmallVector<int64_t> values;
  for (const ExprPtr &element : list->elements) {
    std::optional<ConstValue> v = g.evalConst(*element);
    if (v && v->kind == ConstValue::Ident && v->text == "N") {
      values.push_back(-1);
    } else if (v && v->kind == ConstValue::Int) {
      values.push_back(v->intValue);
    } else {
      g.error(element->loc(), "argument '" + name + "' of " + call.callee +
                                  " must be a list of integers");
      return std::nullopt;
    }
  }
  return values;
}


bool MLIRGenImpl::expectRank(const CallExprAST &call, Value input,
                             int64_t minRank, int64_t maxRank,
                             llvm::StringRef form) {
  int64_t rank = shapeOf(input).size();
  if (rank >= minRank && rank <= maxRank)
    return true;
  std::string phrase = minRank == maxRank
                           ? "a rank-" + std::to_string(minRank)
                           : "a rank " + std::to_string(minRank) + " to " +
                                 std::to_string(maxRank);
  std::string hint;
  if (call.callee == "dense" && rank > maxRank)
    hint = "; flatten it first ('-> flatten -> dense')";
  error(call.loc(), call.callee + " expects " + phrase + " input " + form +
                        ", got " + dslTypeString(input.getType()) + hint);
  return false;
}

Value MLIRGenImpl::emitStage(const CallExprAST &call, Value input) {
  if (call.builtinKind == BuiltinKind::Block)
    return emitBlock(call, input);
  auto it = stageTable().find(call.callee);
  if (it == stageTable().end()) {
    error(call.loc(), "'" + call.callee + "' cannot be compiled yet");
    return {};
  }
  return it->second(*this, call, input);
}
