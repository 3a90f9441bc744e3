//===- LayerOps.cpp - ONNX ops that become layers with parameters ---------===//
//
// Gemm and MatMul become `dense` (weights transposed to PyTorch's [out, in]
// when the graph stores [in, out]), Conv `conv2d`, BatchNormalization
// (inference) `batchnorm`, LayerNormalization `layernorm`,
// MaxPool/AveragePool `maxpool`/`avgpool`,
// GlobalAveragePool two `mean`s. Every attribute is read and either mapped or
// refused by name: the language has square kernels, one stride, one
// dilation and one padding on every side, groups = 1, floor-mode pooling and
// averages that exclude the padding.
//
//===----------------------------------------------------------------------===//

#include "Internal.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"

using namespace nnc::import;
using namespace nnc::import::detail;

static std::string list(const std::vector<int64_t> &v) {
  std::string s = "[";
  for (size_t i = 0; i < v.size(); ++i)
    s += (i ? ", " : "") + std::to_string(v[i]);
  return s + "]";
}

/// The [rows, cols] matrix `c` transposed.
static std::vector<float> transposed(const Constant &c) {
  int64_t rows = c.shape[0], cols = c.shape[1];
  std::vector<float> out(c.floats.size());
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t k = 0; k < cols; ++k)
      out[k * rows + r] = c.floats[r * cols + k];
  return out;
}

static llvm::Expected<const Constant *> floatConstant(Translator &t,
                                                      const Node &n, int i,
                                                      llvm::StringRef what,
                                                      size_t rank) {
  auto c = t.constant(n, i, what);
  if (!c)
    return c.takeError();
  if (!(*c)->isFloat || (*c)->shape.size() != rank)
    return n.fail("the " + what + " must be a rank-" + llvm::Twine(rank) +
                  " float tensor, got " + list((*c)->shape));
  return *c;
}

/// A bias of `units` values: shape [units], [1, units], or one value.
static llvm::Expected<std::vector<float>>
biasValues(const Node &n, const Constant &c, int64_t units) {
  if (c.isFloat && c.numElements() == 1)
    return std::vector<float>(units, c.floats[0]);
  bool ones = llvm::all_of(llvm::ArrayRef<int64_t>(c.shape).drop_back(),
                           [](int64_t d) { return d == 1; });
  if (!c.isFloat || c.shape.empty() || c.shape.back() != units || !ones)
    return n.fail("the bias must hold " + llvm::Twine(units) + " floats ([" +
                  llvm::Twine(units) + "]), got " + list(c.shape));
  return c.floats;
}

static Layer denseLayer(int64_t units, std::vector<float> weight, int64_t in,
                        std::optional<std::vector<float>> bias) {
  Layer l;
  l.kind = "fc";
  l.stage = "dense(" + std::to_string(units) + (bias ? ")" : ", bias = false)");
  l.params.push_back({"weight", {"", {units, in}, std::move(weight)}});
  if (bias)
    l.params.push_back({"bias", {"", {units}, std::move(*bias)}});
  return l;
}

static llvm::Error gemm(Translator &t, const Node &n) {
  if (auto err = n.onlyAttributes({"alpha", "beta", "transA", "transB"}))
    return err;
  float alpha = n.getFloat("alpha", 1), beta = n.getFloat("beta", 1);
  if (alpha != 1)
    return n.unsupported("alpha", formatFloat(alpha), "dense needs 1");
  if (n.getInt("transA", 0) != 0)
    return n.unsupported("transA", "1", "the input must be [N, K]");
  auto x = t.activation(n, 0);
  if (!x)
    return x.takeError();
  if (x->shape.size() != 2)
    return n.fail("input A is " + formatShape(x->shape) +
                  ", Gemm on a computed tensor must be [N, K]");
  auto w = floatConstant(t, n, 1, "weight B", 2);
  if (!w)
    return w.takeError();
  bool transB = n.getInt("transB", 0) != 0;
  int64_t units = transB ? (*w)->shape[0] : (*w)->shape[1];
  int64_t in = transB ? (*w)->shape[1] : (*w)->shape[0];
  if (in != x->shape[1])
    return n.fail("the weight " + list((*w)->shape) +
                  " does not match the "
                  "input " +
                  formatShape(x->shape));
  std::optional<std::vector<float>> bias;
  if (n.numInputs() > 2) {
    if (beta != 1)
      return n.unsupported("beta", formatFloat(beta), "dense needs 1");
    auto c = t.constant(n, 2, "bias C");
    if (!c)
      return c.takeError();
    auto values = biasValues(n, **c, units);
    if (!values)
      return values.takeError();
    bias = std::move(*values);
  }
  Layer l = denseLayer(units, transB ? (*w)->floats : transposed(**w), in,
                       std::move(bias));
  t.define(n, 0, t.stageLayer(*x, std::move(l), {kBatch, units}));
  return llvm::Error::success();
}

/// MatMul of two computed tensors: the language's batched `matmul(a, b)`,
/// rank 3 or 4 with equal leading dimensions (the batch first).
static llvm::Error productOfActivations(Translator &t, const Node &n) {
  auto a = t.activation(n, 0);
  if (!a)
    return a.takeError();
  auto b = t.activation(n, 1);
  if (!b)
    return b.takeError();
  const std::vector<int64_t> &sa = a->shape, &sb = b->shape;
  size_t r = sa.size();
  if (r < 3 || r > 4 || sb.size() != r ||
      !std::equal(sa.begin(), sa.end() - 2, sb.begin()) ||
      sa[r - 1] != sb[r - 2])
    return n.fail("the product of " + formatShape(sa) + " and " +
                  formatShape(sb) +
                  " is not a batched matmul: nnc multiplies the last two "
                  "dimensions of tensors of rank 3 or 4 with the same "
                  "leading dimensions ([N, M, K] x [N, K, P])");
  std::vector<int64_t> shape = sa;
  shape.back() = sb.back();
  t.define(n, 0, t.call("matmul", *a, *b, shape));
  return llvm::Error::success();
}

static llvm::Error matmul(Translator &t, const Node &n) {
  if (auto err = n.onlyAttributes({}))
    return err;
  if (t.isConstant(n, 0) && !t.isConstant(n, 1))
    return n.fail("a constant times a computed tensor is not supported "
                  "(dense computes x W^T: the weight must be B)");
  if (!t.isConstant(n, 1))
    return productOfActivations(t, n);
  auto x = t.activation(n, 0);
  if (!x)
    return x.takeError();
  auto w = floatConstant(t, n, 1, "weight B", 2);
  if (!w)
    return w.takeError();
  int64_t in = (*w)->shape[0], units = (*w)->shape[1];
  if ((x->shape.size() != 2 && x->shape.size() != 3) || x->shape.back() != in)
    return n.fail("the input " + formatShape(x->shape) + " and the weight " +
                  list((*w)->shape) +
                  " do not make a dense layer ([N, K] "
                  "or [N, T, K] times [K, M])");
  std::vector<int64_t> shape = x->shape;
  shape.back() = units;
  t.define(n, 0,
           t.stageLayer(*x, denseLayer(units, transposed(**w), in, {}), shape));
  return llvm::Error::success();
}

namespace {
/// The window of a Conv or pooling node, checked against what the language
/// says: one size, stride and dilation for both spatial axes, a padding per
/// side (ONNX's `pads` order [top, left, bottom, right] is nnc's).
struct Window {
  int64_t kernel = 1, stride = 1, dilation = 1;
  std::vector<int64_t> pads = {0, 0, 0, 0};
  bool same = false;
  bool padded() const {
    return llvm::any_of(pads, [](int64_t p) { return p != 0; });
  }
  /// The `pad = ...` argument: one number when every side is equal.
  std::string padText() const {
    if (same)
      return "same";
    if (llvm::all_equal(llvm::ArrayRef<int64_t>(pads)))
      return std::to_string(pads[0]);
    return list(pads);
  }
};
} // namespace

static llvm::Error readWindow(const Node &n, llvm::ArrayRef<int64_t> kernel2,
                              Window &w) {
  auto equal = [&](llvm::StringRef attr, std::vector<int64_t> v, int64_t dflt,
                   int64_t &out) -> llvm::Error {
    if (v.empty()) {
      out = dflt;
      return llvm::Error::success();
    }
    if (v.size() != 2 || v[0] != v[1])
      return n.unsupported(attr, list(v),
                           "nnc uses one value for both spatial axes");
    out = v[0];
    return llvm::Error::success();
  };
  if (kernel2[0] != kernel2[1])
    return n.unsupported("kernel_shape", list(kernel2.vec()),
                         "nnc's kernels are square");
  w.kernel = kernel2[0];
  if (auto err = equal("strides", n.getInts("strides"), 1, w.stride))
    return err;
  if (n.has("dilations"))
    if (auto err = equal("dilations", n.getInts("dilations"), 1, w.dilation))
      return err;
  std::vector<int64_t> pads = n.getInts("pads");
  if (!pads.empty() && pads.size() != 4)
    return n.unsupported("pads", list(pads),
                         "nnc pads the two spatial axes of 2-D images");
  if (!pads.empty())
    w.pads = pads;
  bool negative = llvm::any_of(w.pads, [](int64_t p) { return p < 0; });
  if (w.kernel < 1 || w.stride < 1 || w.dilation < 1 || negative)
    return n.fail("the window (kernel " + llvm::Twine(w.kernel) + ", stride " +
                  llvm::Twine(w.stride) + ", dilation " +
                  llvm::Twine(w.dilation) + ", pads " + list(w.pads) +
                  ") is invalid");
  std::string autoPad = n.getString("auto_pad", "NOTSET");
  if (autoPad == "SAME_UPPER")
    w.same = true; // nnc's `same`: ceil(size / stride), extra cell after
  else if (autoPad == "VALID")
    w.pads.assign(4, 0);
  else if (autoPad != "NOTSET")
    return n.unsupported("auto_pad", autoPad,
                         "nnc pads like SAME_UPPER, NOTSET or VALID");
  return llvm::Error::success();
}

/// The output size of spatial axis `axis` (0: height, 1: width).
static int64_t windowOutput(int64_t size, const Window &w, int axis) {
  if (w.same)
    return (size + w.stride - 1) / w.stride;
  return (size + w.pads[axis] + w.pads[axis + 2] - w.dilation * (w.kernel - 1) -
          1) /
             w.stride +
         1;
}

static llvm::Expected<Activation> image(Translator &t, const Node &n) {
  auto x = t.activation(n, 0);
  if (x && x->shape.size() != 4)
    return n.fail("the input is " + formatShape(x->shape) +
                  ", nnc supports 2-D images [N, C, H, W] only");
  return x;
}

static llvm::Error conv(Translator &t, const Node &n) {
  if (auto err = n.onlyAttributes({"auto_pad", "dilations", "group",
                                   "kernel_shape", "pads", "strides"}))
    return err;
  if (int64_t g = n.getInt("group", 1); g != 1)
    return n.unsupported("group", std::to_string(g),
                         "nnc's conv2d has groups = 1 only");
  auto x = image(t, n);
  if (!x)
    return x.takeError();
  auto w = floatConstant(t, n, 1, "weight W", 4);
  if (!w)
    return w.takeError();
  const std::vector<int64_t> &ws = (*w)->shape;
  if (ws[1] != x->shape[1])
    return n.fail("the weight " + list(ws) + " does not match the input " +
                  formatShape(x->shape));
  std::vector<int64_t> kernel = n.getInts("kernel_shape");
  if (!kernel.empty() && kernel != std::vector<int64_t>{ws[2], ws[3]})
    return n.unsupported("kernel_shape", list(kernel),
                         "it differs from the weight's " + list(ws));
  Window win;
  if (auto err = readWindow(n, {ws[2], ws[3]}, win))
    return err;
  Layer l;
  l.kind = "conv";
  l.stage = "conv2d(" + std::to_string(ws[0]) +
            ", kernel = " + std::to_string(win.kernel);
  if (win.stride != 1)
    l.stage += ", stride = " + std::to_string(win.stride);
  if (win.same || win.padded())
    l.stage += ", pad = " + win.padText();
  if (win.dilation != 1)
    l.stage += ", dilation = " + std::to_string(win.dilation);
  l.params.push_back({"weight", {"", ws, (*w)->floats}});
  if (n.numInputs() > 2) {
    auto b = floatConstant(t, n, 2, "bias B", 1);
    if (!b)
      return b.takeError();
    if ((*b)->shape[0] != ws[0])
      return n.fail("the bias " + list((*b)->shape) + " does not match " +
                    std::to_string(ws[0]) + " filters");
    l.params.push_back({"bias", {"", {ws[0]}, (*b)->floats}});
  } else {
    l.stage += ", bias = false";
  }
  l.stage += ")";
  std::vector<int64_t> shape{kBatch, ws[0], windowOutput(x->shape[2], win, 0),
                             windowOutput(x->shape[3], win, 1)};
  t.define(n, 0, t.stageLayer(*x, std::move(l), shape));
  return llvm::Error::success();
}

/// The output size of a pooling window along one spatial axis with
/// PyTorch's `ceil_mode` rule (the language's; docs/language.md).
static int64_t poolOutput(int64_t size, const Window &w, int axis, bool ceil) {
  if (w.same || !ceil)
    return windowOutput(size, w, axis);
  int64_t before = w.pads[axis], after = w.pads[axis + 2];
  int64_t span = size + before + after - w.dilation * (w.kernel - 1) - 1;
  int64_t out = (span + w.stride - 1) / w.stride + 1;
  if ((out - 1) * w.stride >= size + before)
    --out;
  return out;
}

/// MaxPool and AveragePool (`max` tells which).
static llvm::Error pool(Translator &t, const Node &n, bool max) {
  if (auto err =
          max ? n.onlyAttributes({"auto_pad", "ceil_mode", "dilations",
                                  "kernel_shape", "pads", "storage_order",
                                  "strides"})
              : n.onlyAttributes({"auto_pad", "ceil_mode", "count_include_pad",
                                  "kernel_shape", "pads", "strides"}))
    return err;
  if (auto err = t.onlyFirstOutputs(n, 1))
    return err;
  int64_t ceil = n.getInt("ceil_mode", 0);
  if (ceil != 0 && ceil != 1)
    return n.unsupported("ceil_mode", std::to_string(ceil),
                         "ceil_mode is 0 or 1");
  if (n.getInt("storage_order", 0) != 0)
    return n.unsupported("storage_order", "1", "nnc stores row-major");
  int64_t countPad = n.getInt("count_include_pad", 0);
  if (countPad != 0 && countPad != 1)
    return n.unsupported("count_include_pad", std::to_string(countPad),
                         "count_include_pad is 0 or 1");
  auto x = image(t, n);
  if (!x)
    return x.takeError();
  std::vector<int64_t> kernel = n.getInts("kernel_shape");
  if (kernel.size() != 2)
    return n.unsupported("kernel_shape", list(kernel), "nnc pools 2-D windows");
  Window win;
  if (auto err = readWindow(n, kernel, win))
    return err;
  if (llvm::any_of(win.pads, [&](int64_t p) { return p >= win.kernel; }))
    return n.unsupported("pads", list(win.pads),
                         "nnc's pools need every pad smaller than the kernel");
  if (ceil && !win.same &&
      (win.pads[0] != win.pads[2] || win.pads[1] != win.pads[3]))
    return n.unsupported("ceil_mode", "1",
                         "nnc's ceil_mode follows PyTorch's, whose padding "
                         "is symmetric; the pads " +
                             list(win.pads) + " are not");
  std::string stage =
      (max ? "maxpool(" : "avgpool(") + std::to_string(win.kernel);
  if (win.stride != win.kernel)
    stage += ", stride = " + std::to_string(win.stride);
  if (win.same || win.padded())
    stage += ", pad = " + win.padText();
  if (win.dilation != 1)
    stage += ", dilation = " + std::to_string(win.dilation);
  if (ceil)
    stage += ", ceil_mode = true";
  if (countPad && (win.same || win.padded()))
    stage += ", count_include_pad = true";
  stage += ")";
  std::vector<int64_t> shape{kBatch, x->shape[1],
                             poolOutput(x->shape[2], win, 0, ceil),
                             poolOutput(x->shape[3], win, 1, ceil)};
  t.define(n, 0, t.stage(*x, stage, shape));
  return llvm::Error::success();
}

static llvm::Error maxPool(Translator &t, const Node &n) {
  return pool(t, n, true);
}

static llvm::Error averagePool(Translator &t, const Node &n) {
  return pool(t, n, false);
}

static llvm::Error globalAveragePool(Translator &t, const Node &n) {
  if (auto err = n.onlyAttributes({}))
    return err;
  auto x = image(t, n);
  if (!x)
    return x.takeError();
  std::vector<int64_t> shape{kBatch, x->shape[1], 1, 1};
  Activation h = t.stage(*x, "mean(axis = 3, keepdims = true)",
                         {kBatch, x->shape[1], x->shape[2], 1});
  t.define(n, 0, t.stage(h, "mean(axis = 2, keepdims = true)", shape));
  return llvm::Error::success();
}

static llvm::Error batchNormalization(Translator &t, const Node &n) {
  if (auto err = n.onlyAttributes({"epsilon", "momentum", "training_mode"}))
    return err;
  if (n.getInt("training_mode", 0) != 0)
    return n.unsupported("training_mode", "1",
                         "nnc imports inference graphs (export in eval mode)");
  auto x = t.firstOutputInput(n);
  if (!x)
    return x.takeError();
  if (x->shape.size() < 2)
    return n.fail("the input " + formatShape(x->shape) + " has no channels");
  int64_t channels = x->shape[1];
  Layer l;
  l.kind = "bn";
  const char *names[] = {"weight", "bias", "running_mean", "running_var"};
  const char *what[] = {"scale", "bias B", "input_mean", "input_var"};
  for (int i = 0; i < 4; ++i) {
    auto c = floatConstant(t, n, i + 1, what[i], 1);
    if (!c)
      return c.takeError();
    if ((*c)->shape[0] != channels)
      return n.fail("the " + llvm::Twine(what[i]) + " " + list((*c)->shape) +
                    " does not match " + llvm::Twine(channels) + " channels");
    l.params.push_back({names[i], {"", {channels}, (*c)->floats}});
  }
  // ONNX's momentum weighs the running value (0.9), nnc's the batch (0.1).
  float momentum = 1.0f - n.getFloat("momentum", 0.9f);
  float eps = n.getFloat("epsilon", 1e-5f);
  std::vector<std::string> args;
  if (std::abs(momentum - 0.1f) > 1e-6f)
    args.push_back("momentum = " + formatFloat(momentum));
  if (eps != 1e-5f)
    args.push_back("eps = " + formatFloat(eps));
  l.stage = "batchnorm";
  if (!args.empty())
    l.stage += "(" + llvm::join(args, ", ") + ")";
  t.define(n, 0, t.stageLayer(*x, std::move(l), x->shape));
  return llvm::Error::success();
}

/// LayerNormalization (opset 17) over the last axis.
static llvm::Error layerNormalization(Translator &t, const Node &n) {
  if (auto err = n.onlyAttributes({"axis", "epsilon", "stash_type"}))
    return err;
  if (int64_t stash = n.getInt("stash_type", 1); stash != 1)
    return n.unsupported("stash_type", std::to_string(stash),
                         "nnc normalises in float32");
  auto x = t.firstOutputInput(n);
  if (!x)
    return x.takeError();
  int64_t rank = int64_t(x->shape.size());
  int64_t axis = n.getInt("axis", -1);
  if (axis != -1 && axis != rank - 1)
    return n.unsupported("axis", std::to_string(axis),
                         "nnc's layernorm normalises the last axis only");
  int64_t features = x->shape.back();
  Layer l;
  l.kind = "ln";
  auto scale = floatConstant(t, n, 1, "scale", 1);
  if (!scale)
    return scale.takeError();
  std::vector<float> bias(features, 0.0f); // no B: a zero bias, exactly
  if (n.numInputs() > 2) {
    auto b = floatConstant(t, n, 2, "bias B", 1);
    if (!b)
      return b.takeError();
    bias = (*b)->floats;
  }
  if ((*scale)->shape[0] != features || int64_t(bias.size()) != features)
    return n.fail("the scale and bias must hold " + llvm::Twine(features) +
                  " values for the input " + formatShape(x->shape));
  l.params.push_back({"weight", {"", {features}, (*scale)->floats}});
  l.params.push_back({"bias", {"", {features}, std::move(bias)}});
  float eps = n.getFloat("epsilon", 1e-5f);
  l.stage =
      eps == 1e-5f ? "layernorm" : "layernorm(eps = " + formatFloat(eps) + ")";
  t.define(n, 0, t.stageLayer(*x, std::move(l), x->shape));
  return llvm::Error::success();
}

void nnc::import::detail::addLayerConverters(
    llvm::StringMap<Converter> &table) {
  table["Gemm"] = gemm;
  table["MatMul"] = matmul;
  table["Conv"] = conv;
  table["MaxPool"] = maxPool;
  table["AveragePool"] = averagePool;
  table["GlobalAveragePool"] = globalAveragePool;
  table["BatchNormalization"] = batchNormalization;
  table["LayerNormalization"] = layerNormalization;
}
