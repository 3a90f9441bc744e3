//===- Translator.cpp - Walking an ONNX graph into .nn statements ---------===//
//
// The graph is read in its (topological) node order. Initializers and
// Constant nodes become Constants; graph inputs and every computed tensor
// become Activations, expressions of the language that grow stage by stage
// (`x -> dense(64) -> relu`). A tensor used more than once is bound to a name
// (`h1 = ...`, or `output y = ...` for a graph output) on its first use, so
// that no layer is written twice; a graph output used nowhere else is written
// as `output y = ...` at the end. Each node is handed to the converter of its
// op type (converterTable); an op without one is an error naming the node.
//
//===----------------------------------------------------------------------===//

#include "Internal.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/Path.h"

using namespace nnc::import;
using namespace nnc::import::detail;

Expr Expr::atom(std::string text) {
  Expr e;
  e.pieces.push_back({std::move(text), -1});
  return e;
}

static llvm::Error graphError(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message.str());
}

std::string Translator::freshName(llvm::StringRef onnxName,
                                  llvm::StringRef fallback) {
  std::string base = onnxName.empty() ? fallback.str() : toIdentifier(onnxName);
  std::string name = base;
  for (int k = 2; llvm::is_contained(usedNames, name) || name == "N"; ++k)
    name = base + std::to_string(k);
  usedNames.push_back(name);
  return name;
}

llvm::Error Translator::declareInputs() {
  for (const auto &init : graph.initializer()) {
    auto c = decodeTensor(init, "initializer '" + init.name() + "'");
    if (!c)
      return c.takeError();
    constants[init.name()] = std::move(*c);
  }
  for (const auto &in : graph.input()) {
    if (constants.count(in.name()))
      continue; // IR < 4 lists initializers among the inputs
    std::string what = "graph input '" + in.name() + "'";
    int elem = in.type().has_tensor_type() ? in.type().tensor_type().elem_type()
                                           : onnx::TensorProto::UNDEFINED;
    bool ids =
        elem == onnx::TensorProto::INT64 || elem == onnx::TensorProto::INT32;
    if (elem != onnx::TensorProto::FLOAT && !ids)
      return graphError(what + ": only float32 tensors (and int32/int64 "
                               "indices of a Gather) are supported");
    const auto &dims = in.type().tensor_type().shape().dim();
    if (dims.empty())
      return graphError(what + ": needs a shape with the batch first");
    std::vector<int64_t> shape{kBatch};
    for (int i = 1; i < dims.size(); ++i) {
      if (!dims[i].has_dim_value() || dims[i].dim_value() <= 0)
        return graphError(what + ": dimension " + llvm::Twine(i) +
                          " must be a fixed size (only the batch, dimension "
                          "0, may vary)");
      shape.push_back(dims[i].dim_value());
    }
    if (dims[0].has_dim_value())
      staticBatch = dims[0].dim_value();
    std::string name = freshName(in.name(), "input");
    inputs.push_back({name, shape});
    if (ids)
      idInputs.insert(name);
    Activation a;
    a.expr = Expr::atom(name);
    a.shape = shape;
    a.ids = ids;
    values[in.name()] = a;
    bound[in.name()] = true;
  }
  if (inputs.empty())
    return graphError("the graph has no input besides its initializers");
  return llvm::Error::success();
}

llvm::Error Translator::run() {
  // Shape reads only a tensor's type, so it does not make a second use
  // (PyTorch's recurrent exports take the input's shape for the state).
  for (const auto &node : graph.node())
    for (const auto &name : node.input())
      if (!name.empty() && node.op_type() != "Shape") {
        ++uses[name];
        users[name].push_back(&node);
      }
  for (const auto &out : graph.output()) {
    ++uses[out.name()];
    if (outputNames.count(out.name()))
      return graphError("graph output '" + out.name() + "' is listed twice");
    outputNames[out.name()] = "";
  }
  if (auto err = declareInputs())
    return err;
  for (auto &entry : outputNames)
    entry.second = freshName(entry.first, "output");
  // Constants first (they have no inputs), so that a pattern spanning
  // several nodes sees the numbers of its later nodes.
  int index = 0;
  for (const auto &proto : graph.node()) {
    if (proto.op_type() == "Constant") {
      if (auto err = convertNode(Node(proto, index)))
        return err;
      absorb(&proto);
    }
    ++index;
  }
  index = 0;
  for (const auto &proto : graph.node())
    if (auto err = convertNode(Node(proto, index++)))
      return err;
  return declareOutputs();
}

const onnx::NodeProto *Translator::onlyUser(const std::string &name) const {
  auto u = uses.find(name);
  auto it = users.find(name);
  if (u == uses.end() || u->second != 1 || it == users.end() ||
      it->second.size() != 1)
    return nullptr;
  return it->second[0];
}

llvm::Error Translator::convertNode(const Node &node) {
  if (absorbed.count(&node.get()))
    return llvm::Error::success();
  if (node.get().output_size() == 0 || node.get().output(0).empty())
    return node.fail(node.get().output_size() == 0
                         ? "the node has no output"
                         : "its first output is omitted (nnc import "
                           "translates output 0 of every node)");
  const std::string &domain = node.get().domain();
  if (!domain.empty() && domain != "ai.onnx")
    return node.fail("domain '" + domain + "' is not supported");
  for (int i = 0; i < node.numInputs(); ++i) {
    llvm::StringRef in = node.input(i);
    if (!in.empty() && !constants.count(in.str()) && !values.count(in.str()) &&
        !shapeValues.count(in.str()) && !zeroStates.count(in.str()))
      return node.fail("input '" + in +
                       "' is not defined before it (the graph is not in "
                       "topological order or is incomplete)");
  }
  if (node.opType() == "Constant") {
    if (auto err = node.onlyAttributes({"value"}))
      return err;
    const onnx::TensorProto *t = node.getTensor("value");
    if (auto err = node.problem())
      return err;
    if (!t)
      return node.fail("a Constant without a 'value' tensor is not supported");
    auto c = decodeTensor(*t, node.describe());
    if (!c)
      return c.takeError();
    for (const auto &out : node.get().output())
      defineConstant(out, *c);
    return llvm::Error::success();
  }
  const auto &table = converterTable();
  auto it = table.find(node.opType());
  if (it == table.end())
    return node.fail("op type '" + node.opType() +
                     "' is not supported by nnc import (docs/import.md "
                     "lists the supported ops)");
  llvm::Error err = it->second(*this, node);
  if (llvm::Error problem = node.problem()) {
    llvm::consumeError(std::move(err));
    return problem;
  }
  return err;
}

llvm::Error Translator::declareOutputs() {
  for (const auto &out : graph.output()) {
    const std::string &name = out.name();
    if (constants.count(name))
      return graphError("graph output '" + name +
                        "' is a constant; nnc models compute every output");
    auto it = values.find(name);
    if (it == values.end())
      return graphError("graph output '" + name + "' is computed by no node");
    if (!it->second.isPlain())
      return graphError("graph output '" + name +
                        "' is time-major or has a direction axis (a "
                        "Transpose or recurrent layer that moves the batch "
                        "from dimension 0); nnc's outputs keep the batch "
                        "first");
    if (bound[name] && it->second.expr.pieces.size() == 1 &&
        it->second.expr.pieces[0].text == outputNames[name])
      continue; // already written as `output name = ...`
    statements.push_back({outputNames[name], true, it->second.expr});
  }
  return llvm::Error::success();
}

void Translator::bind(const std::string &onnxName, Activation &value) {
  auto out = outputNames.find(onnxName);
  bool isOutput = out != outputNames.end();
  std::string lhs = isOutput
                        ? out->second
                        : freshName("", "h" + std::to_string(++temporaries));
  statements.push_back({lhs, isOutput, value.expr});
  value.expr = Expr::atom(lhs);
  value.lastLayer = -1;
  bound[onnxName] = true;
}

llvm::Expected<Activation> Translator::rawActivation(const Node &node, int i) {
  std::string name = node.input(i).str();
  if (name.empty())
    return node.fail("input " + llvm::Twine(i) + " is missing");
  if (constants.count(name))
    return node.fail("input " + llvm::Twine(i) + " ('" + name +
                     "') is a constant; nnc import supports a computed "
                     "tensor there");
  auto it = values.find(name);
  if (it == values.end())
    return node.fail("input " + llvm::Twine(i) + " ('" + name +
                     "') is a shape or initial state, not supported here");
  Activation &value = it->second;
  if (uses[name] > 1 && !bound[name])
    bind(name, value);
  return value;
}

llvm::Expected<Activation> Translator::activation(const Node &node, int i) {
  auto value = rawActivation(node, i);
  if (value && value->ids)
    return node.fail("input " + llvm::Twine(i) + " ('" + node.input(i) +
                     "') is an integer tensor; nnc import reads integer "
                     "inputs only as the indices of a Gather from a table "
                     "(embedding)");
  if (value && !value->isPlain())
    return node.fail("input " + llvm::Twine(i) + " ('" + node.input(i) +
                     "') is time-major or has a direction axis; nnc import "
                     "supports only Squeeze and Transpose back to [N, T, H] "
                     "after a recurrent layer");
  return value;
}

llvm::Expected<Activation>
Translator::onlyInput(const Node &node,
                      std::initializer_list<llvm::StringRef> known) {
  if (auto err = node.onlyAttributes(known))
    return std::move(err);
  return activation(node, 0);
}

llvm::Expected<Activation> Translator::firstOutputInput(const Node &node) {
  if (auto err = onlyFirstOutputs(node, 1))
    return std::move(err);
  return activation(node, 0);
}

llvm::Expected<const Constant *> Translator::constant(const Node &node, int i,
                                                      llvm::StringRef what) {
  std::string name = node.input(i).str();
  if (name.empty())
    return node.fail("the " + what + " (input " + llvm::Twine(i) +
                     ") is missing");
  auto it = constants.find(name);
  if (it == constants.end())
    return node.fail("the " + what + " (input " + llvm::Twine(i) + ", '" +
                     name +
                     "') is computed; nnc import supports an initializer "
                     "or a Constant there");
  return &it->second;
}

bool Translator::isConstant(const Node &node, int i) const {
  return constants.count(node.input(i).str()) != 0;
}

const Constant *Translator::findConstant(const std::string &name) const {
  auto it = constants.find(name);
  return it == constants.end() ? nullptr : &it->second;
}

const Activation *Translator::peekActivation(const std::string &name) const {
  auto it = values.find(name);
  return it == values.end() ? nullptr : &it->second;
}

llvm::Expected<Activation> Translator::parameter(const Node &node, int i,
                                                 size_t rank) {
  std::string name = node.input(i).str();
  auto known = parameters.find(name);
  if (known != parameters.end())
    return known->second;
  auto c = constant(node, i, "constant");
  if (!c)
    return c.takeError();
  std::vector<int64_t> dims = (*c)->shape;
  while (!dims.empty() && dims.front() == 1)
    dims.erase(dims.begin());
  if (!(*c)->isFloat || dims.empty() || dims.size() >= rank)
    return node.fail(
        "the constant '" + name + "' " + formatShape((*c)->shape).substr(3) +
        (!(*c)->isFloat ? " is not float"
                        : " would broadcast against the batch of a rank-" +
                              llvm::Twine(rank) +
                              " tensor; nnc's parameters have fewer "
                              "dimensions than the tensors they meet"));
  Layer l;
  l.kind = "parameter";
  l.fixedName = freshName(name, "param");
  l.stage = "parameter(";
  for (size_t d = 0; d < dims.size(); ++d)
    l.stage += (d ? ", " : "") + std::to_string(dims[d]);
  l.stage += ")";
  l.params.push_back({"", {"", dims, (*c)->floats}});
  layers.push_back(std::move(l));
  Expr e;
  e.pieces.push_back({"", int(layers.size() - 1)});
  statements.push_back({layers.back().fixedName, false, e});
  Activation a;
  a.expr = Expr::atom(layers.back().fixedName);
  a.shape = dims;
  return parameters[name] = a;
}

bool Translator::usedOnce(const Node &node, int i) const {
  auto it = uses.find(node.input(i).str());
  return it != uses.end() && it->second == 1;
}

void Translator::define(const Node &node, int i, Activation value) {
  if (i < node.get().output_size() && !node.get().output(i).empty())
    values[node.get().output(i)] = std::move(value);
}

void Translator::defineConstant(const std::string &name, Constant value) {
  constants[name] = std::move(value);
}

llvm::Error Translator::onlyFirstOutputs(const Node &node, int n) const {
  for (int i = n; i < node.get().output_size(); ++i) {
    const std::string &name = node.get().output(i);
    auto it = uses.find(name);
    if (!name.empty() && it != uses.end() && it->second > 0)
      return node.fail("output " + llvm::Twine(i) + " ('" + name +
                       "') is used, which nnc import does not support");
  }
  return llvm::Error::success();
}

Activation Translator::stage(const Activation &in, std::string text,
                             std::vector<int64_t> shape) {
  Activation out;
  out.expr = in.expr;
  out.expr.pieces.push_back({kArrow, -1});
  out.expr.pieces.push_back({std::move(text), -1});
  out.expr.prec = Expr::Pipeline;
  out.shape = std::move(shape);
  return out;
}

Activation Translator::stageLayer(const Activation &in, Layer layer,
                                  std::vector<int64_t> shape) {
  layers.push_back(std::move(layer));
  Activation out;
  out.expr = in.expr;
  out.expr.pieces.push_back({kArrow, -1});
  out.expr.pieces.push_back({"", int(layers.size() - 1)});
  out.expr.prec = Expr::Pipeline;
  out.shape = std::move(shape);
  out.lastLayer = int(layers.size() - 1);
  return out;
}

Activation Translator::call(llvm::StringRef fn, const Activation &a,
                            const Activation &b, std::vector<int64_t> shape) {
  Activation out;
  out.expr.pieces.push_back({fn.str() + "(", -1});
  llvm::append_range(out.expr.pieces, a.expr.pieces);
  out.expr.pieces.push_back({", ", -1});
  llvm::append_range(out.expr.pieces, b.expr.pieces);
  out.expr.pieces.push_back({")", -1});
  out.shape = std::move(shape);
  return out;
}

/// `e` in parentheses unless it binds at least as tightly as `min`.
static Expr atLeast(const Expr &e, Expr::Prec min) {
  if (e.prec >= min)
    return e;
  Expr wrapped;
  wrapped.pieces.push_back({"(", -1});
  wrapped.pieces.insert(wrapped.pieces.end(), e.pieces.begin(), e.pieces.end());
  wrapped.pieces.push_back({")", -1});
  wrapped.prec = Expr::Atom;
  return wrapped;
}

Activation Translator::binary(const Activation &a, llvm::StringRef op,
                              const Activation &b, std::vector<int64_t> shape) {
  // Left-associative as the grammar: the right operand is parenthesised
  // whenever it would otherwise be evaluated in another order.
  bool additive = op != "*";
  Expr lhs = atLeast(a.expr, additive ? Expr::Additive : Expr::Multiplicative);
  Expr rhs = atLeast(b.expr, additive ? Expr::Multiplicative : Expr::Atom);
  Activation out;
  out.expr = lhs;
  out.expr.pieces.push_back({" " + op.str() + " ", -1});
  out.expr.pieces.insert(out.expr.pieces.end(), rhs.pieces.begin(),
                         rhs.pieces.end());
  out.expr.prec = additive ? Expr::Additive : Expr::Multiplicative;
  out.shape = std::move(shape);
  return out;
}

llvm::Expected<ImportedModel>
nnc::import::importOnnx(llvm::StringRef path, const ImportOptions &options) {
  auto model = loadModel(path);
  if (!model)
    return model.takeError();
  Translator t(model->graph());
  if (auto err = t.run())
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   path.str() + ": " +
                                       llvm::toString(std::move(err)));
  std::string name = options.modelName;
  if (name.empty())
    name = "Imported";
  std::string header = "# Imported by `nnc import` from " +
                       llvm::sys::path::filename(path).str();
  if (!model->producer_name().empty())
    header +=
        " (" + model->producer_name() + " " + model->producer_version() + ")";
  header += ".\n";
  if (!options.checkpointNote.empty())
    header += "# Its weights: " + options.checkpointNote + "\n";
  return writeModel(t, name, header);
}
