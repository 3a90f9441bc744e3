//===- Internal.h - Shared pieces of the ONNX importer ----------*- C++ -*-===//
//
// The importer's internal vocabulary: constants decoded from initializers,
// a node with checked attribute access, the expressions and layers that make
// up the `.nn` text, and the Translator that walks the graph and keeps the
// value of every ONNX tensor name. Op converters (LayerOps.cpp,
// TensorOps.cpp) are functions from one node to new values.
//
//===----------------------------------------------------------------------===//
#ifndef NNC_LIB_IMPORT_INTERNAL_H
#define NNC_LIB_IMPORT_INTERNAL_H

#include "nnc/Import/OnnxImport.h"

#include "llvm/ADT/StringMap.h"

#include <onnx/onnx_pb.h>

#include <limits>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace nnc::import::detail {

/// The batch dimension in a tracked shape.
constexpr int64_t kBatch = -1;

/// The piece between two stages of a pipeline; the writer renders it as
/// ` -> ` or as a line break and `-> `.
inline const char *const kArrow = "\x01";

/// A constant tensor: an initializer or the value of a Constant node. Float
/// types (FLOAT, DOUBLE) fill `floats`, integer and boolean types `ints`.
struct Constant {
  std::vector<int64_t> shape;
  bool isFloat = true;
  std::vector<float> floats;
  std::vector<int64_t> ints;
  int64_t numElements() const;
};

/// Reads a model file: protobuf parse, opset (13-17 of the default domain)
/// and graph checks. Errors start with the path.
llvm::Expected<onnx::ModelProto> loadModel(llvm::StringRef path);

/// Decodes an initializer or a Constant's tensor; `what` names it in errors.
llvm::Expected<Constant> decodeTensor(const onnx::TensorProto &tensor,
                                      const std::string &what);

/// Renders a tracked shape as the language writes it: `f32[N, 1, 28, 28]`.
std::string formatShape(const std::vector<int64_t> &shape);

/// One graph node with its position, for messages, and attribute access that
/// records the first type mismatch (`problem()`) instead of guessing.
class Node {
public:
  Node(const onnx::NodeProto &proto, int index) : proto(proto), index(index) {}

  const onnx::NodeProto &get() const { return proto; }
  llvm::StringRef opType() const { return proto.op_type(); }
  /// `node '/conv1/Conv' (Conv)`, or `node #3 (Conv)` when unnamed.
  std::string describe() const;
  /// An error `<describe()>: <message>`.
  llvm::Error fail(const llvm::Twine &message) const;
  /// An error for an attribute value nnc cannot express.
  llvm::Error unsupported(llvm::StringRef attribute, const llvm::Twine &value,
                          const llvm::Twine &why) const;
  /// An error naming the first attribute not in `known`, else success.
  llvm::Error
  onlyAttributes(std::initializer_list<llvm::StringRef> known) const;

  bool has(llvm::StringRef name) const { return find(name) != nullptr; }
  int64_t getInt(llvm::StringRef name, int64_t dflt) const;
  float getFloat(llvm::StringRef name, float dflt) const;
  std::string getString(llvm::StringRef name, llvm::StringRef dflt) const;
  std::vector<int64_t> getInts(llvm::StringRef name) const;
  const onnx::TensorProto *getTensor(llvm::StringRef name) const;
  /// The first attribute of the wrong type read so far, as an error.
  llvm::Error problem() const;

  /// The number of inputs, trailing empty names (omitted optionals) aside.
  int numInputs() const;
  /// Input `i`'s name, "" when omitted.
  llvm::StringRef input(int i) const;

private:
  const onnx::AttributeProto *find(llvm::StringRef name) const;
  const onnx::AttributeProto *typed(llvm::StringRef name,
                                    onnx::AttributeProto::AttributeType) const;
  const onnx::NodeProto &proto;
  int index;
  mutable std::string firstProblem;
};

/// A layer with parameters. Its parameters get their names (`fc2.weight`)
/// only when the text is written, numbered in textual order as MLIRGen
/// numbers them, so that branches and bindings cannot disagree.
struct Layer {
  /// MLIRGen's kind prefix: fc, conv, bn, lstm, gru, rnn.
  std::string kind;
  /// `lstm`, `lstm2`: the first of a recurrent kind has no number.
  bool firstUnnumbered = false;
  /// The stage as written, e.g. `dense(64)`.
  std::string stage;
  /// The name of a `parameter(...)` binding, which names its one tensor
  /// (no kind prefix or counter).
  std::string fixedName;
  /// Parameters by suffix (`weight`, `bias`, `running_mean`), in the order
  /// the model declares them.
  std::vector<std::pair<std::string, NamedTensor>> params;
};

/// A piece of an expression's text: literal, or the stage of a layer.
struct Piece {
  std::string text;
  int layer = -1;
};

/// An expression in the language with its binding strength, so that
/// combining two adds the parentheses the grammar needs.
struct Expr {
  enum Prec { Pipeline, Additive, Multiplicative, Atom };
  std::vector<Piece> pieces;
  Prec prec = Atom;
  static Expr atom(std::string text);
};

/// A tensor the model computes: its expression, its shape (dim 0 kBatch)
/// and, when the expression ends in a layer stage, that layer (a following
/// Add may become its bias).
struct Activation {
  Expr expr;
  std::vector<int64_t> shape;
  /// An integer graph input (`i32[...]`): only a Gather's indices.
  bool ids = false;
  int lastLayer = -1;
  /// The layouts of an exported recurrent layer (RecurrentOps.cpp): the
  /// graph's tensor is time-major ([T, N, ...]: `shape` stays batch-first),
  /// and/or has the size-1 direction axis `directionAxis` (a graph axis)
  /// that the language's tensor lacks.
  bool timeMajor = false;
  int directionAxis = -1;
  bool isPlain() const { return !timeMajor && directionAxis < 0; }
};

/// The batch in a ShapeValue (-1 there is ONNX's "infer this dimension").
constexpr int64_t kShapeBatch = std::numeric_limits<int64_t>::min();

/// An integer tensor computed from shapes (Shape, Gather, Unsqueeze,
/// Concat): entries, kShapeBatch for N; rank 0 or 1.
struct ShapeValue {
  std::vector<int64_t> entries;
  int rank = 1;
};

/// A statement of the model body: `h1 = expr` or `output y = expr`.
struct Statement {
  std::string lhs;
  bool isOutput = false;
  Expr expr;
};

/// Walks one graph and keeps the value of every tensor name.
class Translator {
public:
  explicit Translator(const onnx::GraphProto &graph) : graph(graph) {}

  /// Translates the whole graph into statements and layers.
  llvm::Error run();

  /// Input `i` of `node` as an activation (binding it to a name first when
  /// the model uses it more than once). Error when it is a constant.
  llvm::Expected<Activation> activation(const Node &node, int i);
  /// Input 0 of `node` as an activation once the node's attributes are all
  /// in `known` (Node::onlyAttributes, checked first): the start of the
  /// converters of one-input ops.
  llvm::Expected<Activation>
  onlyInput(const Node &node, std::initializer_list<llvm::StringRef> known);
  /// Input 0 of `node` as an activation once no output but the first is used
  /// (onlyFirstOutputs, checked first): the start of the converters of ops
  /// whose further outputs (a mask, saved statistics) nnc does not produce.
  llvm::Expected<Activation> firstOutputInput(const Node &node);
  /// Input `i` as an activation in any layout (see Activation::timeMajor);
  /// `activation` refuses the layouts of recurrent layers.
  llvm::Expected<Activation> rawActivation(const Node &node, int i);
  /// Integer tensors computed from shapes, and the zero tensors built from
  /// them (ConstantOfShape: a recurrent layer's initial state).
  std::map<std::string, ShapeValue> &getShapeValues() { return shapeValues; }
  std::map<std::string, bool> &getZeroStates() { return zeroStates; }
  /// Input `i` of `node` as a constant. Error when it is computed.
  llvm::Expected<const Constant *> constant(const Node &node, int i,
                                            llvm::StringRef what);
  /// Input `i` of `node`, a float constant of more than one value, as a
  /// `name = parameter(dims...)` binding (once per constant) that
  /// broadcasts right-aligned against a tensor of `rank` (batch included):
  /// its leading size-1 dimensions dropped, fewer dimensions than `rank`.
  llvm::Expected<Activation> parameter(const Node &node, int i, size_t rank);
  /// True when input `i` is a constant (initializer or Constant output).
  bool isConstant(const Node &node, int i) const;
  /// The constant named `name`, null when it is computed.
  const Constant *findConstant(const std::string &name) const;
  /// The activation named `name` without using it (a pattern's look-ahead),
  /// null when it is not one.
  const Activation *peekActivation(const std::string &name) const;
  const onnx::GraphProto &getGraph() const { return graph; }
  /// True when input `i` is used by this node only (a bias can be fused).
  bool usedOnce(const Node &node, int i) const;

  /// Defines output `i` of `node`.
  void define(const Node &node, int i, Activation value);
  void defineConstant(const std::string &name, Constant value);
  /// The node that is the only user of tensor `name`, if there is one
  /// (patterns spanning several nodes, PatternOps.cpp).
  const onnx::NodeProto *onlyUser(const std::string &name) const;
  /// Marks `node` as translated by a pattern: its turn is skipped.
  void absorb(const onnx::NodeProto *node) { absorbed.insert(node); }
  /// Forgets one use of `name` (a pattern that reads it twice reads it once).
  void dropUse(const std::string &name) { --uses[name]; }
  /// Refuses a node whose outputs past the first `n` are used by the graph.
  llvm::Error onlyFirstOutputs(const Node &node, int n) const;

  /// `in -> text` with the given result shape.
  Activation stage(const Activation &in, std::string text,
                   std::vector<int64_t> shape);
  /// `in -> <layer>`; returns the new layer's index through `layerIndex`.
  Activation stageLayer(const Activation &in, Layer layer,
                        std::vector<int64_t> shape);
  /// `fn(a, b)`: min, max, matmul.
  Activation call(llvm::StringRef fn, const Activation &a, const Activation &b,
                  std::vector<int64_t> shape);
  /// `a op b` for op in + - *.
  Activation binary(const Activation &a, llvm::StringRef op,
                    const Activation &b, std::vector<int64_t> shape);

  std::vector<Layer> &getLayers() { return layers; }
  const std::vector<Statement> &getStatements() const { return statements; }
  /// The model's inputs: (name in the .nn file, shape).
  const std::vector<std::pair<std::string, std::vector<int64_t>>> &
  getInputs() const {
    return inputs;
  }
  /// Whether the input `name` (in the .nn file) holds integer ids.
  bool isIdInput(const std::string &name) const {
    return idInputs.count(name) != 0;
  }
  /// The batch size of the graph's inputs when the exporter fixed it (no
  /// dynamic axis): a Reshape may then write it as a number.
  std::optional<int64_t> getStaticBatch() const { return staticBatch; }

private:
  llvm::Error declareInputs();
  llvm::Error convertNode(const Node &node);
  llvm::Error declareOutputs();
  std::string freshName(llvm::StringRef onnxName, llvm::StringRef fallback);
  void bind(const std::string &onnxName, Activation &value);

  const onnx::GraphProto &graph;
  std::map<std::string, Constant> constants;
  std::map<std::string, Activation> values;
  std::map<std::string, Activation> parameters;
  std::map<std::string, ShapeValue> shapeValues;
  std::map<std::string, bool> zeroStates;
  std::map<std::string, bool> bound;
  std::map<std::string, int> uses;
  std::map<std::string, std::vector<const onnx::NodeProto *>> users;
  std::set<const onnx::NodeProto *> absorbed;
  std::map<std::string, std::string> outputNames;
  std::vector<std::string> usedNames;
  std::vector<std::pair<std::string, std::vector<int64_t>>> inputs;
  /// The inputs (names in the .nn file) that are integer ids.
  std::set<std::string> idInputs;
  std::vector<Layer> layers;
  std::vector<Statement> statements;
  std::optional<int64_t> staticBatch;
  int temporaries = 0;
};

/// Converts one node; the table maps op types to converters.
using Converter = llvm::Error (*)(Translator &, const Node &);
const llvm::StringMap<Converter> &converterTable();
/// Registers the layer converters (Gemm, MatMul, Conv, pools, ...) and the
/// tensor converters (activations, Flatten, Reshape, Add, ...).
void addLayerConverters(llvm::StringMap<Converter> &table);
void addTensorConverters(llvm::StringMap<Converter> &table);
/// Patterns of several nodes: GELU as PyTorch exports it (Div, Erf, Add,
/// Mul, Mul).
void addPatternConverters(llvm::StringMap<Converter> &table);
/// PyTorch's MultiheadAttention export starting at the Transpose `first`
/// (AttentionOps.cpp): true when it was translated as `self_attention`,
/// false when `first` does not start one, an error when it starts one and
/// departs from it.
llvm::Expected<bool> matchAttention(Translator &t, const Node &first);
/// LSTM, GRU, RNN and the ops PyTorch exports around them (Shape, Gather,
/// Unsqueeze, Squeeze, Concat, ConstantOfShape).
void addRecurrentConverters(llvm::StringMap<Converter> &table);

/// Writes the `.nn` text for `t` and names the checkpoint tensors.
ImportedModel writeModel(Translator &t, const std::string &modelName,
                         const std::string &header);

/// Formats a float as the shortest text that reads back exactly.
std::string formatFloat(float value);

} // namespace nnc::import::detail

#endif // NNC_LIB_IMPORT_INTERNAL_H
