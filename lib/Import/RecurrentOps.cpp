//===- RecurrentOps.cpp - LSTM, GRU and RNN and the ops around them -------===//
//
// ONNX's recurrent nodes become `lstm`, `gru` and `rnn`, with the weights
// reordered from ONNX's gate order (LSTM i, o, f, c; GRU z, r, h) to
// PyTorch's and nnc's (i, f, g, o; r, z, n) and ONNX's one bias [Wb, Rb]
// split into `bias_ih_l0` and `bias_hh_l0`. A GRU with ONNX's default
// linear_before_reset = 0 becomes `gru(H, linear_before_reset = false)`.
//
// PyTorch exports `nn.LSTM(batch_first=True)` as Transpose to time-major,
// the LSTM node with a zero initial state built from the input's shape
// (Shape, Gather, Unsqueeze, Concat, ConstantOfShape), Squeeze of the
// direction axis and Transpose back; `out[:, -1]` is a Gather. The shape
// arithmetic is evaluated here (ShapeValue, with N symbolic), the layouts are
// tracked on the Activation (timeMajor, directionAxis) and must return to
// [N, T, H] before any other op uses the tensor; Gather of the last step is
// `last`.
//
//===----------------------------------------------------------------------===//

#include "Internal.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"

using namespace nnc::import;
using namespace nnc::import::detail;

static llvm::Error shape(Translator &t, const Node &n) {
  auto x = t.onlyInput(n, {});
  if (!x)
    return x.takeError();
  std::vector<int64_t> entries = x->shape;
  entries[0] = kShapeBatch;
  t.getShapeValues()[n.get().output(0)] = {entries, 1};
  return llvm::Error::success();
}

/// The integer entries of input `i`: a ShapeValue or an integer constant.
static std::optional<ShapeValue> intsOf(Translator &t, const Node &n, int i) {
  auto &shapes = t.getShapeValues();
  auto it = shapes.find(n.input(i).str());
  if (it != shapes.end())
    return it->second;
  if (!t.isConstant(n, i))
    return std::nullopt;
  auto c = t.constant(n, i, "input");
  if (!c) {
    llvm::consumeError(c.takeError());
    return std::nullopt;
  }
  if ((*c)->isFloat || (*c)->shape.size() > 1)
    return std::nullopt;
  return ShapeValue{(*c)->ints, int((*c)->shape.size())};
}

/// Gather(table, ids, axis = 0) of an initializer table [V, D] by integer
/// ids [N, ...]: `embedding(V, D, negative_ids = from_end)` (ONNX's
/// negative indices count from the end).
static llvm::Error gatherRows(Translator &t, const Node &n, int64_t axis) {
  auto ids = t.rawActivation(n, 1);
  if (!ids)
    return ids.takeError();
  if (axis != 0)
    return n.unsupported("axis", std::to_string(axis),
                         "nnc gathers rows of a table (axis 0) only");
  auto table = t.constant(n, 0, "table (data)");
  if (!table)
    return table.takeError();
  if (!(*table)->isFloat || (*table)->shape.size() != 2)
    return n.fail("the table must be a float initializer [V, D], got " +
                  formatShape((*table)->shape));
  if (ids->shape.size() < 2)
    return n.fail("the indices must be [N, T, ...] (rank >= 2), got " +
                  formatShape(ids->shape));
  int64_t vocab = (*table)->shape[0], dim = (*table)->shape[1];
  Layer l;
  l.kind = "emb";
  l.stage = "embedding(" + std::to_string(vocab) + ", " + std::to_string(dim) +
            ", negative_ids = from_end)";
  l.params.push_back({"weight", {"", (*table)->shape, (*table)->floats}});
  Activation x = *ids;
  x.ids = false;
  std::vector<int64_t> shape = ids->shape;
  shape.push_back(dim);
  t.define(n, 0, t.stageLayer(x, std::move(l), shape));
  return llvm::Error::success();
}

static llvm::Error gather(Translator &t, const Node &n) {
  if (auto err = n.onlyAttributes({"axis"}))
    return err;
  int64_t axis = n.getInt("axis", 0);
  if (!t.isConstant(n, 1) && t.isConstant(n, 0))
    return gatherRows(t, n, axis);
  auto index = t.constant(n, 1, "indices");
  if (!index)
    return index.takeError();
  if ((*index)->isFloat || !(*index)->shape.empty())
    return n.fail("the indices must be one constant integer");
  int64_t k = (*index)->ints[0];
  if (auto s = t.getShapeValues().find(n.input(0).str());
      s != t.getShapeValues().end()) {
    int64_t size = int64_t(s->second.entries.size());
    if (axis != 0 || k < -size || k >= size)
      return n.fail("index " + llvm::Twine(k) + " is outside the shape");
    t.getShapeValues()[n.get().output(0)] = {
        {s->second.entries[k < 0 ? k + size : k]}, 0};
    return llvm::Error::success();
  }
  auto x = t.activation(n, 0);
  if (!x)
    return x.takeError();
  // x[:, -1] of a sequence [N, T, H]: the language's `last`.
  if (x->shape.size() == 3 && (axis == 1 || axis == -2) &&
      (k == -1 || k == x->shape[1] - 1)) {
    t.define(n, 0, t.stage(*x, "last", {kBatch, x->shape[2]}));
    return llvm::Error::success();
  }
  return n.fail("only the last step of a sequence (axis 1, index -1) is "
                "supported, got axis " +
                llvm::Twine(axis) + " index " + llvm::Twine(k) + " of " +
                formatShape(x->shape));
}

/// The constant `axes` input (opset 13), as a list.
static llvm::Expected<std::vector<int64_t>> axesOf(Translator &t,
                                                   const Node &n) {
  auto c = t.constant(n, 1, "axes");
  if (!c)
    return c.takeError();
  if ((*c)->isFloat)
    return n.fail("the axes must be integers");
  return (*c)->ints;
}

static llvm::Error unsqueeze(Translator &t, const Node &n) {
  if (auto err = n.onlyAttributes({}))
    return err;
  auto axes = axesOf(t, n);
  if (!axes)
    return axes.takeError();
  auto s = t.getShapeValues().find(n.input(0).str());
  if (s == t.getShapeValues().end() || s->second.rank != 0 ||
      *axes != std::vector<int64_t>{0})
    return n.fail("only a shape entry made a list (axes = [0]) is supported; "
                  "tensors without the batch first are not in the language");
  t.getShapeValues()[n.get().output(0)] = {s->second.entries, 1};
  return llvm::Error::success();
}

static llvm::Error squeeze(Translator &t, const Node &n) {
  if (auto err = n.onlyAttributes({}))
    return err;
  auto x = t.rawActivation(n, 0);
  if (!x)
    return x.takeError();
  auto axes = axesOf(t, n);
  if (!axes)
    return axes.takeError();
  if (x->directionAxis < 0 || *axes != std::vector<int64_t>{x->directionAxis})
    return n.fail("only the direction axis of a recurrent layer's output "
                  "can be squeezed");
  Activation y = *x;
  y.directionAxis = -1;
  t.define(n, 0, y);
  return llvm::Error::success();
}

static llvm::Error concat(Translator &t, const Node &n) {
  if (auto err = n.onlyAttributes({"axis"}))
    return err;
  int64_t axis = n.getInt("axis", 0);
  if (t.getShapeValues().count(n.input(0).str()) || t.isConstant(n, 0)) {
    ShapeValue out;
    for (int i = 0; i < n.numInputs(); ++i) {
      auto part = intsOf(t, n, i);
      if (!part || part->rank != 1 || axis != 0)
        return n.fail("only shape lists can be concatenated with constants");
      llvm::append_range(out.entries, part->entries);
    }
    t.getShapeValues()[n.get().output(0)] = out;
    return llvm::Error::success();
  }
  if (n.numInputs() == 0)
    return n.fail("nothing to concatenate");
  std::vector<Activation> parts;
  for (int i = 0; i < n.numInputs(); ++i) {
    auto x = t.activation(n, i);
    if (!x)
      return x.takeError();
    parts.push_back(*x);
  }
  size_t rank = parts[0].shape.size();
  int64_t resolved = axis < 0 ? axis + int64_t(rank) : axis;
  if (resolved <= 0 || resolved >= int64_t(rank))
    return n.unsupported("axis", std::to_string(axis),
                         "the axis must exist and not be the batch");
  std::vector<int64_t> shape = parts[0].shape;
  shape[resolved] = 0;
  Activation out;
  out.expr.pieces.push_back({"concat(", -1});
  for (size_t i = 0; i < parts.size(); ++i) {
    if (parts[i].shape.size() != rank)
      return n.fail("the inputs have different ranks");
    shape[resolved] += parts[i].shape[resolved];
    if (i)
      out.expr.pieces.push_back({", ", -1});
    llvm::append_range(out.expr.pieces, parts[i].expr.pieces);
  }
  out.expr.pieces.push_back({", axis = " + std::to_string(resolved) + ")", -1});
  out.shape = shape;
  t.define(n, 0, out);
  return llvm::Error::success();
}

static llvm::Error constantOfShape(Translator &t, const Node &n) {
  if (auto err = n.onlyAttributes({"value"}))
    return err;
  if (const onnx::TensorProto *v = n.getTensor("value")) {
    auto c = decodeTensor(*v, n.describe());
    if (!c)
      return c.takeError();
    bool zero = c->isFloat
                    ? llvm::all_of(c->floats, [](float f) { return f == 0; })
                    : llvm::all_of(c->ints, [](int64_t i) { return i == 0; });
    if (!zero)
      return n.unsupported("value", "non-zero",
                           "only zero initial states are supported");
  }
  if (!t.getShapeValues().count(n.input(0).str()))
    return n.fail("the shape must come from the model's input shape");
  t.getZeroStates()[n.get().output(0)] = true;
  return llvm::Error::success();
}

namespace {
/// What differs between LSTM, GRU and RNN.
struct RecurrentKind {
  const char *stage;
  int gates;
  /// ONNX's gate block of each of PyTorch's gates, in PyTorch's order.
  std::vector<int> order;
  /// The default activations of the ONNX op.
  std::vector<std::string> activations;
};
} // namespace

/// Rows [gates*H, cols] of an ONNX weight (leading direction axis of 1)
/// reordered to PyTorch's gate order.
static std::vector<float> reorder(const std::vector<float> &w, int64_t hidden,
                                  int64_t cols, const std::vector<int> &order,
                                  size_t offset = 0) {
  std::vector<float> out;
  out.reserve(order.size() * hidden * cols);
  for (int g : order) {
    auto begin = w.begin() + offset + size_t(g) * hidden * cols;
    out.insert(out.end(), begin, begin + hidden * cols);
  }
  return out;
}

static llvm::Error recurrent(Translator &t, const Node &n,
                             const RecurrentKind &kind) {
  if (auto err =
          n.onlyAttributes({"activations", "direction", "hidden_size", "layout",
                            "linear_before_reset", "input_forget", "clip"}))
    return err;
  if (n.has("clip"))
    return n.unsupported("clip", formatFloat(n.getFloat("clip", 0)),
                         "nnc's recurrent layers do not clip");
  std::string direction = n.getString("direction", "forward");
  if (direction != "forward")
    return n.unsupported("direction", direction,
                         "nnc's recurrent layers run forward only");
  if (n.getInt("input_forget", 0) != 0)
    return n.unsupported("input_forget", "1", "nnc's LSTM has separate gates");
  // GRU: ONNX's default linear_before_reset = 0 is nnc's
  // `linear_before_reset = false`; 1 is PyTorch's GRU, nnc's default.
  std::string gruForm;
  if (llvm::StringRef(kind.stage) == "gru") {
    int64_t lbr = n.getInt("linear_before_reset", 0);
    if (lbr != 0 && lbr != 1)
      return n.unsupported("linear_before_reset", std::to_string(lbr),
                           "it must be 0 or 1");
    if (lbr == 0)
      gruForm = ", linear_before_reset = false";
  }
  std::string rnnActivation;
  if (n.has("activations")) {
    const onnx::AttributeProto *a = nullptr;
    for (const auto &attr : n.get().attribute())
      if (attr.name() == "activations")
        a = &attr;
    std::vector<std::string> acts(a->strings().begin(), a->strings().end());
    bool relu = llvm::StringRef(kind.stage) == "rnn" &&
                acts == std::vector<std::string>{"Relu"};
    if (acts != kind.activations && !relu)
      return n.unsupported("activations", llvm::join(acts, ", "),
                           "nnc uses " + llvm::join(kind.activations, ", "));
    if (relu)
      rnnActivation = ", activation = relu";
  }
  int64_t layout = n.getInt("layout", 0);
  auto x = t.rawActivation(n, 0);
  if (!x)
    return x.takeError();
  if (x->directionAxis >= 0 || x->timeMajor != (layout == 0) ||
      x->shape.size() != 3)
    return n.fail("the input must be [N, T, K] (transposed to time-major "
                  "for layout 0), got " +
                  formatShape(x->shape));
  for (int i = 4; i < n.numInputs(); ++i) {
    llvm::StringRef in = n.input(i);
    if (in.empty())
      continue;
    if (i == 4)
      return n.fail("sequence_lens is not supported (every sequence is "
                    "whole)");
    if (i == 7)
      return n.fail("peephole weights P are not supported");
    if (!t.getZeroStates().count(in.str()))
      return n.fail("the initial state (input " + llvm::Twine(i) +
                    ") must be zeros");
  }
  if (auto err = t.onlyFirstOutputs(n, 1))
    return err;
  int64_t hidden = n.getInt("hidden_size", 0), in = x->shape[2];
  int64_t gh = kind.gates * hidden;
  auto w = t.constant(n, 1, "weight W");
  if (!w)
    return w.takeError();
  auto r = t.constant(n, 2, "recurrence weight R");
  if (!r)
    return r.takeError();
  if ((*w)->shape != std::vector<int64_t>{1, gh, in} ||
      (*r)->shape != std::vector<int64_t>{1, gh, hidden} || !(*w)->isFloat ||
      !(*r)->isFloat)
    return n.fail("W and R must be [1, " + llvm::Twine(gh) + ", " +
                  llvm::Twine(in) + "] and [1, " + llvm::Twine(gh) + ", " +
                  llvm::Twine(hidden) + "] for hidden_size " +
                  llvm::Twine(hidden));
  Layer l;
  l.kind = kind.stage;
  l.firstUnnumbered = true;
  l.stage = std::string(kind.stage) + "(" + std::to_string(hidden) +
            rnnActivation + gruForm;
  l.params.push_back(
      {"weight_ih_l0",
       {"", {gh, in}, reorder((*w)->floats, hidden, in, kind.order)}});
  l.params.push_back(
      {"weight_hh_l0",
       {"", {gh, hidden}, reorder((*r)->floats, hidden, hidden, kind.order)}});
  if (n.numInputs() > 3 && !n.input(3).empty()) {
    auto b = t.constant(n, 3, "bias B");
    if (!b)
      return b.takeError();
    if ((*b)->shape != std::vector<int64_t>{1, 2 * gh} || !(*b)->isFloat)
      return n.fail("B must be [1, " + llvm::Twine(2 * gh) + "]");
    l.params.push_back(
        {"bias_ih_l0",
         {"", {gh}, reorder((*b)->floats, hidden, 1, kind.order)}});
    l.params.push_back(
        {"bias_hh_l0",
         {"", {gh}, reorder((*b)->floats, hidden, 1, kind.order, gh)}});
  } else {
    l.stage += ", bias = false";
  }
  l.stage += ")";
  Activation x0 = *x;
  x0.timeMajor = false;
  Activation y = t.stageLayer(x0, std::move(l), {kBatch, x->shape[1], hidden});
  // Y is [T, 1, N, H] (layout 0) or [N, T, 1, H] (layout 1).
  y.timeMajor = layout == 0;
  y.directionAxis = layout == 0 ? 1 : 2;
  y.lastLayer = -1;
  t.define(n, 0, y);
  return llvm::Error::success();
}

static llvm::Error lstm(Translator &t, const Node &n) {
  static const RecurrentKind kind{
      "lstm", 4, {0, 2, 3, 1}, {"Sigmoid", "Tanh", "Tanh"}};
  return recurrent(t, n, kind);
}

static llvm::Error gru(Translator &t, const Node &n) {
  static const RecurrentKind kind{"gru", 3, {1, 0, 2}, {"Sigmoid", "Tanh"}};
  return recurrent(t, n, kind);
}

static llvm::Error rnn(Translator &t, const Node &n) {
  static const RecurrentKind kind{"rnn", 1, {0}, {"Tanh"}};
  return recurrent(t, n, kind);
}

void nnc::import::detail::addRecurrentConverters(
    llvm::StringMap<Converter> &table) {
  table["Shape"] = shape;
  table["Gather"] = gather;
  table["Unsqueeze"] = unsqueeze;
  table["Squeeze"] = squeeze;
  table["Concat"] = concat;
  table["ConstantOfShape"] = constantOfShape;
  table["LSTM"] = lstm;
  table["GRU"] = gru;
  table["RNN"] = rnn;
}
