//===- DenseConvPool.cpp - dense, conv2d and pooling ----------------------===//
//
// The rows of the dense, convolution and pooling layers: signature and
// emitter (parameters named like PyTorch's state_dict, laid out as PyTorch
// stores them, initialised from the call's `init`).
//
//===----------------------------------------------------------------------===//

#include "Rows.h"

using namespace nnc;
using namespace nnc::detail;
using namespace nnc::rows;
using namespace mlir;

namespace {

Value dense(MLIRGenImpl &g, const CallExprAST &call, Value x) {
  if (!g.expectRank(call, x, 2, 3, "f32[N, K] or f32[N, T, K]",
                    "; flatten it first ('-> flatten -> dense')"))
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
std::optional<SmallVector<int64_t>>
padArg(MLIRGenImpl &g, const CallExprAST &call, ArrayRef<int64_t> shape,
       int64_t kernel, int64_t stride, int64_t dilation) {
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
    padding[d + 2] += std::max<int64_t>(0, (out - 1) * stride + window -
                                               (size + before + after));
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

} // namespace

std::vector<BuiltinSpec> rows::denseConvPool() {
  return {
      layer("dense", {count("units"), flag("bias", "true"), init()},
            "fully connected layer: [N, ..., K] -> [N, ..., units]", dense),
      layer("conv2d",
            {count("filters"), count("kernel", "3"), count("stride", "1"),
             padding(PT_Int, "valid").oneOf({"same", "valid"}),
             count("dilation", "1"), flag("bias", "true"), init()},
            "2-D convolution on NCHW images", conv2d),
      layer("maxpool",
            {count("size", "2"), count("stride", "=size"),
             padding(PT_Int, "0").oneOf({"same", "valid"}),
             count("dilation", "1"), flag("ceil_mode", "false")},
            "2-D max pooling (PyTorch's MaxPool2d)", pool<nn::MaxPool2DOp>),
      layer("avgpool",
            {count("size", "2"), count("stride", "=size"),
             padding(PT_Int, "0").oneOf({"same", "valid"}),
             flag("ceil_mode", "false"), flag("count_include_pad", "false")},
            "2-D average pooling (PyTorch's AvgPool2d)", pool<nn::AvgPool2DOp>),
  };
}
