//===- TensorOps.cpp - ONNX ops without parameters ------------------------===//
//
// Activations (Relu, Sigmoid, Tanh, LeakyRelu, Elu, Softmax, LogSoftmax),
// elementwise functions (Exp, Log, Sqrt, Abs, Erf, Pow by a constant number,
// Clip by constant bounds, Min/Max of two tensors or of a tensor and a
// number),
// shape ops that keep the batch first (Flatten at axis 1, Reshape to a
// constant shape, Transpose with axis 0 fixed), Identity and inference-mode
// Dropout, elementwise Add/Sub/Mul and Concat. An Add of a constant directly
// after a bias-less dense or conv2d becomes that layer's bias (the MatMul +
// Add form of a linear layer); a scalar constant becomes a number in the
// text. The converter table of every op lives at the end of this file.
//
//===----------------------------------------------------------------------===//

#include "Internal.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"

using namespace nnc::import;
using namespace nnc::import::detail;

/// Ops that map to one stage with no attribute.
static llvm::Error simpleStage(Translator &t, const Node &n,
                               llvm::StringRef stage) {
  auto x = t.onlyInput(n, {});
  if (!x)
    return x.takeError();
  t.define(n, 0, t.stage(*x, stage.str(), x->shape));
  return llvm::Error::success();
}

/// The converter `Impl(t, n, Name)`: one function serves the ONNX ops that
/// differ only by the name of the stage or operator they write.
template <llvm::Error (*Impl)(Translator &, const Node &, llvm::StringRef),
          const char *Name>
static llvm::Error named(Translator &t, const Node &n) {
  return Impl(t, n, Name);
}
template <const char *Stage>
static llvm::Error simple(Translator &t, const Node &n) {
  return simpleStage(t, n, Stage);
}
static constexpr char kRelu[] = "relu", kSigmoid[] = "sigmoid",
                      kTanh[] = "tanh", kExp[] = "exp", kLog[] = "log",
                      kSqrt[] = "sqrt", kAbs[] = "abs", kErf[] = "erf",
                      kSoftmax[] = "softmax", kLogSoftmax[] = "log_softmax",
                      kPlus[] = "+", kMinus[] = "-", kTimes[] = "*";

/// LeakyRelu and Elu: `stage(alpha = a)` unless a is the language default.
static llvm::Error withAlpha(Translator &t, const Node &n,
                             llvm::StringRef stage, float onnxDefault,
                             float nncDefault) {
  auto x = t.onlyInput(n, {"alpha"});
  if (!x)
    return x.takeError();
  float alpha = n.getFloat("alpha", onnxDefault);
  std::string text = stage.str();
  if (alpha != nncDefault)
    text += "(alpha = " + formatFloat(alpha) + ")";
  t.define(n, 0, t.stage(*x, text, x->shape));
  return llvm::Error::success();
}

static llvm::Error leakyRelu(Translator &t, const Node &n) {
  return withAlpha(t, n, "leaky_relu", 0.01f, 0.01f);
}

static llvm::Error elu(Translator &t, const Node &n) {
  return withAlpha(t, n, "elu", 1.0f, 1.0f);
}

/// Resolves a possibly negative axis; false when out of range.
static bool resolveAxis(int64_t axis, size_t rank, int64_t &out) {
  out = axis < 0 ? axis + int64_t(rank) : axis;
  return out >= 0 && out < int64_t(rank);
}

static llvm::Error softmaxLike(Translator &t, const Node &n,
                               llvm::StringRef stage) {
  auto x = t.onlyInput(n, {"axis"});
  if (!x)
    return x.takeError();
  int64_t axis = n.getInt("axis", -1), resolved;
  if (!resolveAxis(axis, x->shape.size(), resolved) || resolved == 0)
    return n.unsupported("axis", std::to_string(axis),
                         "the axis must exist and not be the batch (input " +
                             formatShape(x->shape) + ")");
  std::string text = stage.str();
  if (resolved != int64_t(x->shape.size()) - 1)
    text += "(axis = " + std::to_string(resolved) + ")";
  t.define(n, 0, t.stage(*x, text, x->shape));
  return llvm::Error::success();
}

static llvm::Error identity(Translator &t, const Node &n) {
  if (auto err = n.onlyAttributes({}))
    return err;
  // PyTorch's export shares equal initializers (two zero biases) through
  // Identity nodes: the copy is the same constant.
  if (const Constant *c = t.findConstant(n.input(0).str())) {
    t.defineConstant(n.get().output(0), *c);
    return llvm::Error::success();
  }
  auto x = t.activation(n, 0);
  if (!x)
    return x.takeError();
  t.define(n, 0, *x);
  return llvm::Error::success();
}

/// Dropout of an inference graph: `dropout(ratio)`, which is the identity in
/// `predict` and trains like PyTorch's (inverted dropout).
static llvm::Error dropout(Translator &t, const Node &n) {
  if (auto err = n.onlyAttributes({"seed"}))
    return err;
  auto x = t.firstOutputInput(n);
  if (!x)
    return x.takeError();
  float ratio = 0.5f;
  if (n.numInputs() > 1 && !n.input(1).empty()) {
    auto r = t.constant(n, 1, "ratio");
    if (!r)
      return r.takeError();
    if (!(*r)->isFloat || (*r)->numElements() != 1)
      return n.fail("the ratio must be one float");
    ratio = (*r)->floats[0];
  }
  if (n.numInputs() > 2) {
    auto mode = t.constant(n, 2, "training_mode");
    if (!mode)
      return mode.takeError();
    if ((*mode)->numElements() != 1 || (*mode)->ints.empty() ||
        (*mode)->ints[0] != 0)
      return n.fail("training_mode must be a constant false (export the "
                    "model in eval mode)");
  }
  if (ratio < 0 || ratio >= 1)
    return n.fail("ratio " + formatFloat(ratio) + " is not in [0, 1)");
  t.define(n, 0,
           ratio == 0
               ? *x
               : t.stage(*x, "dropout(" + formatFloat(ratio) + ")", x->shape));
  return llvm::Error::success();
}

static int64_t product(llvm::ArrayRef<int64_t> dims) {
  int64_t p = 1;
  for (int64_t d : dims)
    p *= d;
  return p;
}

static llvm::Error flatten(Translator &t, const Node &n) {
  auto x = t.onlyInput(n, {"axis"});
  if (!x)
    return x.takeError();
  int64_t axis = n.getInt("axis", 1), resolved;
  if (!resolveAxis(axis, x->shape.size(), resolved) || resolved != 1)
    return n.unsupported("axis", std::to_string(axis),
                         "ONNX's Flatten makes [d0 * ... * d(axis-1), ...], "
                         "which keeps the batch N only for axis 1 (use "
                         "Reshape to [N, ..., -1], nnc's flatten(start = k))");
  t.define(n, 0,
           t.stage(*x, "flatten",
                   {kBatch,
                    product(llvm::ArrayRef<int64_t>(x->shape).drop_front())}));
  return llvm::Error::success();
}

static llvm::Error reshape(Translator &t, const Node &n) {
  auto x = t.onlyInput(n, {"allowzero"});
  if (!x)
    return x.takeError();
  // The shape: a constant, or computed from shapes (PyTorch's
  // `x.view(x.size(0), -1)`: Shape, Gather, Unsqueeze, Concat).
  std::vector<int64_t> target;
  auto computed = t.getShapeValues().find(n.input(1).str());
  if (computed != t.getShapeValues().end()) {
    target = computed->second.entries;
  } else {
    auto c = t.constant(n, 1, "shape");
    if (!c)
      return c.takeError();
    target = (*c)->ints;
    if ((*c)->isFloat || (*c)->shape.size() != 1)
      target.clear();
  }
  if (target.empty() ||
      llvm::is_contained(llvm::ArrayRef<int64_t>(target).drop_front(),
                         kShapeBatch))
    return n.fail("the shape must be a list of integers, the batch at most "
                  "as its first entry");
  bool allowZero = n.getInt("allowzero", 0) != 0;
  int64_t elements = product(llvm::ArrayRef<int64_t>(x->shape).drop_front());
  // Dimension 0 must stay the batch: N itself, 0 copies it, -1 infers it
  // from fixed other dimensions, a number is the batch the exporter fixed.
  std::optional<int64_t> batch = t.getStaticBatch();
  bool batchFirst = target[0] == kShapeBatch ||
                    (target[0] == 0 && !allowZero) || target[0] == -1 ||
                    (batch && target[0] == *batch);
  std::vector<int64_t> shape{kBatch};
  int infer = -1;
  int64_t known = 1;
  for (size_t i = 1; batchFirst && i < target.size(); ++i) {
    int64_t d = target[i];
    if (d == 0 && !allowZero && i < x->shape.size())
      d = x->shape[i];
    if (d == -1 && infer < 0 && target[0] != -1) {
      infer = int(i);
      shape.push_back(1);
      continue;
    }
    if (d <= 0) {
      batchFirst = false;
      break;
    }
    known *= d;
    shape.push_back(d);
  }
  if (batchFirst && infer > 0 && known > 0 && elements % known == 0)
    shape[infer] = elements / known;
  if (!batchFirst ||
      product(llvm::ArrayRef<int64_t>(shape).drop_front()) != elements)
    return n.fail("reshaping " + formatShape(x->shape) + " to [" +
                  llvm::join(llvm::map_range(target,
                                             [](int64_t d) {
                                               return d == kShapeBatch
                                                          ? std::string("N")
                                                          : std::to_string(d);
                                             }),
                             ", ") +
                  "] does not keep the batch as dimension 0");
  std::string text = "flatten";
  // [N, d1, ..., d(k-1), dk * ...]: torch.flatten(x, k), `flatten(start = k)`.
  size_t k = shape.size() - 1;
  bool flattensFrom =
      shape.size() > 2 && shape.size() < x->shape.size() &&
      std::equal(shape.begin() + 1, shape.end() - 1, x->shape.begin() + 1);
  if (flattensFrom) {
    text = "flatten(start = " + std::to_string(k) + ")";
  } else if (shape.size() != 2) {
    text = "reshape(N";
    for (size_t i = 1; i < shape.size(); ++i)
      text += ", " + std::to_string(shape[i]);
    text += ")";
  }
  t.define(n, 0, t.stage(*x, text, shape));
  return llvm::Error::success();
}

static llvm::Error transpose(Translator &t, const Node &n) {
  if (auto err = n.onlyAttributes({"perm"}))
    return err;
  auto x = t.rawActivation(n, 0);
  if (!x)
    return x.takeError();
  std::vector<int64_t> perm = n.getInts("perm");
  if (perm == std::vector<int64_t>{1, 0, 2}) {
    auto attention = matchAttention(t, n);
    if (!attention)
      return attention.takeError();
    if (*attention)
      return llvm::Error::success();
  }
  // [N, T, K] <-> [T, N, K] around a recurrent layer: a change of layout
  // only (the language's tensors are batch-first).
  if (x->shape.size() == 3 && x->directionAxis < 0 &&
      perm == std::vector<int64_t>{1, 0, 2}) {
    Activation y = *x;
    y.timeMajor = !y.timeMajor;
    y.lastLayer = -1;
    t.define(n, 0, y);
    return llvm::Error::success();
  }
  if (!x->isPlain())
    return n.fail("input 0 is time-major or has a direction axis; only "
                  "perm = [1, 0, 2] is supported there");
  if (perm.empty())
    for (size_t i = x->shape.size(); i-- > 0;)
      perm.push_back(int64_t(i));
  std::vector<int64_t> sorted = perm;
  llvm::sort(sorted);
  bool valid = perm.size() == x->shape.size();
  for (size_t i = 0; valid && i < sorted.size(); ++i)
    valid = sorted[i] == int64_t(i);
  std::string text = llvm::join(
      llvm::map_range(perm, [](int64_t d) { return std::to_string(d); }), ", ");
  if (!valid || perm[0] != 0)
    return n.unsupported("perm", "[" + text + "]",
                         "the batch (axis 0) must stay first");
  std::vector<int64_t> shape;
  for (int64_t p : perm)
    shape.push_back(x->shape[p]);
  t.define(n, 0, t.stage(*x, "transpose(" + text + ")", shape));
  return llvm::Error::success();
}

/// Folds `c` into the bias of the dense or conv2d that ends `x`, when that
/// layer has none and `x` is used by this Add only. `sign` is -1 for Sub.
static bool fuseBias(Translator &t, const Node &n, int xi, Activation &x,
                     const Constant &c, float sign) {
  if (x.lastLayer < 0 || !t.usedOnce(n, xi) || !c.isFloat)
    return false;
  Layer &layer = t.getLayers()[x.lastLayer];
  size_t noBias = layer.stage.find(", bias = false");
  if (layer.params.size() != 1 || noBias == std::string::npos ||
      (layer.kind != "fc" && layer.kind != "conv"))
    return false;
  int64_t units = layer.params[0].second.shape[0];
  // dense: [units] or [1, .., units]; conv2d: [units, 1, 1] or [1, units, 1,
  // 1].
  std::vector<int64_t> s = c.shape;
  if (layer.kind == "conv") {
    if (s.size() == 4 && s[0] == 1)
      s.erase(s.begin());
    if (s.size() != 3 || s[1] != 1 || s[2] != 1)
      return false;
    s.resize(1);
  }
  while (s.size() > 1 && s[0] == 1)
    s.erase(s.begin());
  if (s != std::vector<int64_t>{units})
    return false;
  std::vector<float> bias = c.floats;
  for (float &b : bias)
    b *= sign;
  layer.stage.erase(noBias, llvm::StringRef(", bias = false").size());
  layer.params.push_back({"bias", {"", {units}, std::move(bias)}});
  return true;
}

/// Broadcasts two shapes of equal rank (the language's rule).
static std::optional<std::vector<int64_t>>
broadcast(const std::vector<int64_t> &a, const std::vector<int64_t> &b) {
  if (a.size() != b.size())
    return std::nullopt;
  std::vector<int64_t> out;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i] != b[i] && a[i] != 1 && b[i] != 1)
      return std::nullopt;
    out.push_back(a[i] == 1 ? b[i] : a[i]);
  }
  return out;
}

/// A computed tensor's shape broadcast with a parameter's (fewer dimensions,
/// aligned on the right).
static std::optional<std::vector<int64_t>>
broadcastRight(std::vector<int64_t> x, const std::vector<int64_t> &p) {
  for (size_t j = 0; j < p.size(); ++j) {
    int64_t &d = x[x.size() - p.size() + j];
    if (d != p[j] && d != 1 && p[j] != 1)
      return std::nullopt;
    d = d == 1 ? p[j] : d;
  }
  return x;
}

/// Two computed operands of `n` and the shape they broadcast to.
struct BroadcastOperands {
  Activation a, b;
  std::vector<int64_t> shape;
};

static llvm::Expected<BroadcastOperands> broadcastOperands(Translator &t,
                                                           const Node &n) {
  auto a = t.activation(n, 0);
  if (!a)
    return a.takeError();
  auto b = t.activation(n, 1);
  if (!b)
    return b.takeError();
  auto shape = broadcast(a->shape, b->shape);
  if (!shape)
    return n.fail("the operands " + formatShape(a->shape) + " and " +
                  formatShape(b->shape) +
                  " do not broadcast in nnc (equal ranks, size-1 "
                  "dimensions)");
  return BroadcastOperands{*a, *b, *shape};
}

/// Add, Sub and Mul: of two computed tensors, of a computed tensor and a
/// number, or a bias after a dense/conv2d (Add, Sub).
static llvm::Error arithmetic(Translator &t, const Node &n,
                              llvm::StringRef op) {
  if (auto err = n.onlyAttributes({}))
    return err;
  bool c0 = t.isConstant(n, 0), c1 = t.isConstant(n, 1);
  if (c0 && c1)
    return n.fail("both operands are constants (fold them before export)");
  if (!c0 && !c1) {
    auto operands = broadcastOperands(t, n);
    if (!operands)
      return operands.takeError();
    t.define(n, 0, t.binary(operands->a, op, operands->b, operands->shape));
    return llvm::Error::success();
  }
  int xi = c0 ? 1 : 0;
  auto x = t.activation(n, xi);
  if (!x)
    return x.takeError();
  auto c = t.constant(n, 1 - xi, "constant");
  if (!c)
    return c.takeError();
  if ((op == "+" || (op == "-" && !c0)) &&
      fuseBias(t, n, xi, *x, **c, op == "-" ? -1 : 1)) {
    x->lastLayer = -1;
    t.define(n, 0, *x);
    return llvm::Error::success();
  }
  if ((*c)->isFloat && (*c)->numElements() > 1) {
    auto p = t.parameter(n, 1 - xi, x->shape.size());
    if (!p)
      return p.takeError();
    auto shape = broadcastRight(x->shape, p->shape);
    if (!shape)
      return n.fail("the operands " + formatShape(x->shape) + " and " +
                    formatShape((*c)->shape).substr(3) + " do not broadcast");
    t.define(n, 0,
             c0 ? t.binary(*p, op, *x, *shape) : t.binary(*x, op, *p, *shape));
    return llvm::Error::success();
  }
  if (!(*c)->isFloat)
    return n.fail("a constant tensor " + formatShape((*c)->shape).substr(3) +
                  " that is not float is not supported");
  Activation number;
  number.expr = Expr::atom(formatFloat((*c)->floats[0]));
  number.shape = x->shape;
  t.define(n, 0,
           c0 ? t.binary(number, op, *x, x->shape)
              : t.binary(*x, op, number, x->shape));
  return llvm::Error::success();
}

/// Input `i` of `n` as one float number, when it is a constant.
static llvm::Expected<float> number(Translator &t, const Node &n, int i,
                                    llvm::StringRef what) {
  auto c = t.constant(n, i, what);
  if (!c)
    return c.takeError();
  if (!(*c)->isFloat || (*c)->numElements() != 1)
    return n.fail(what.str() + " must be one float constant");
  return (*c)->floats[0];
}

/// Pow(x, p) with a constant number p: `pow(p)`.
static llvm::Error pow(Translator &t, const Node &n) {
  if (auto err = n.onlyAttributes({}))
    return err;
  if (!t.isConstant(n, 1))
    return n.fail("the exponent must be a constant number");
  auto x = t.activation(n, 0);
  if (!x)
    return x.takeError();
  auto p = number(t, n, 1, "the exponent");
  if (!p)
    return p.takeError();
  t.define(n, 0, t.stage(*x, "pow(" + formatFloat(*p) + ")", x->shape));
  return llvm::Error::success();
}

/// Clip(x, min?, max?) with constant bounds (opset 11+): `clip(min = a, max =
/// b)`, the identity without bounds.
static llvm::Error clip(Translator &t, const Node &n) {
  auto x = t.onlyInput(n, {});
  if (!x)
    return x.takeError();
  std::vector<std::string> bounds;
  const char *names[] = {"min", "max"};
  for (int input = 1; input <= 2; ++input) {
    std::string name = names[input - 1];
    if (input >= n.numInputs() || n.input(input).empty())
      continue;
    if (!t.isConstant(n, input))
      return n.fail("the " + name + " bound must be a constant");
    auto bound = number(t, n, input, "the " + name + " bound");
    if (!bound)
      return bound.takeError();
    bounds.push_back(name + " = " + formatFloat(*bound));
  }
  if (bounds.empty()) {
    t.define(n, 0, *x);
    return llvm::Error::success();
  }
  t.define(n, 0,
           t.stage(*x, "clip(" + llvm::join(bounds, ", ") + ")", x->shape));
  return llvm::Error::success();
}

/// Min and Max of two inputs: `min(a, b)` of two computed tensors (equal
/// ranks, broadcasting as `+`), or `clip(min = c)` / `clip(max = c)` against
/// a constant number c (at a tie the gradient then goes to x alone, where
/// torch.maximum would split it).
static llvm::Error extremum(Translator &t, const Node &n, bool isMax) {
  if (auto err = n.onlyAttributes({}))
    return err;
  if (n.numInputs() != 2)
    return n.fail("only two inputs are supported, got " +
                  std::to_string(n.numInputs()));
  bool c0 = t.isConstant(n, 0), c1 = t.isConstant(n, 1);
  if (c0 && c1)
    return n.fail("both operands are constants (fold them before export)");
  if (c0 || c1) {
    auto x = t.activation(n, c0 ? 1 : 0);
    if (!x)
      return x.takeError();
    const Constant *k = t.findConstant(n.input(c0 ? 0 : 1).str());
    if (k && k->isFloat && k->numElements() > 1) {
      auto p = t.parameter(n, c0 ? 0 : 1, x->shape.size());
      if (!p)
        return p.takeError();
      auto shape = broadcastRight(x->shape, p->shape);
      if (!shape)
        return n.fail("the operands " + formatShape(x->shape) + " and " +
                      formatShape(k->shape).substr(3) + " do not broadcast");
      t.define(n, 0, t.call(isMax ? "max" : "min", *x, *p, *shape));
      return llvm::Error::success();
    }
    auto c = number(t, n, c0 ? 0 : 1, "the constant operand");
    if (!c)
      return c.takeError();
    std::string bound = isMax ? "min" : "max";
    t.define(
        n, 0,
        t.stage(*x, "clip(" + bound + " = " + formatFloat(*c) + ")", x->shape));
    return llvm::Error::success();
  }
  auto operands = broadcastOperands(t, n);
  if (!operands)
    return operands.takeError();
  t.define(
      n, 0,
      t.call(isMax ? "max" : "min", operands->a, operands->b, operands->shape));
  return llvm::Error::success();
}

static llvm::Error max(Translator &t, const Node &n) {
  return extremum(t, n, /*isMax=*/true);
}
static llvm::Error min(Translator &t, const Node &n) {
  return extremum(t, n, /*isMax=*/false);
}

void nnc::import::detail::addTensorConverters(
    llvm::StringMap<Converter> &table) {
  table["Relu"] = simple<kRelu>;
  table["Sigmoid"] = simple<kSigmoid>;
  table["Tanh"] = simple<kTanh>;
  table["Exp"] = simple<kExp>;
  table["Log"] = simple<kLog>;
  table["Sqrt"] = simple<kSqrt>;
  table["Abs"] = simple<kAbs>;
  table["Erf"] = simple<kErf>;
  table["Pow"] = pow;
  table["Clip"] = clip;
  table["Max"] = max;
  table["Min"] = min;
  table["LeakyRelu"] = leakyRelu;
  table["Elu"] = elu;
  table["Softmax"] = named<softmaxLike, kSoftmax>;
  table["LogSoftmax"] = named<softmaxLike, kLogSoftmax>;
  table["Identity"] = identity;
  table["Dropout"] = dropout;
  table["Flatten"] = flatten;
  table["Reshape"] = reshape;
  table["Transpose"] = transpose;
  table["Add"] = named<arithmetic, kPlus>;
  table["Sub"] = named<arithmetic, kMinus>;
  table["Mul"] = named<arithmetic, kTimes>;
}

const llvm::StringMap<Converter> &nnc::import::detail::converterTable() {
  static const llvm::StringMap<Converter> table = [] {
    llvm::StringMap<Converter> t;
    addLayerConverters(t);
    addTensorConverters(t);
    addRecurrentConverters(t);
    addPatternConverters(t);
    return t;
  }();
  return table;
}
