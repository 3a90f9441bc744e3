//===- Builtins.cpp - The table of every built-in of the .nn language -----===//
//
// The rules of the language as data: one entry per builtin with its kind, its
// usage and its parameters (types, allowed identifiers, ranges, defaults as
// .nn source). Sema interprets this table; docs/language.md lists the same
// entries (a unit test keeps the two in sync). Adding a builtin to the
// language is adding one line here (plus its op in the dialect).
//
//===----------------------------------------------------------------------===//

#include "nnc/Frontend/Sema.h"

using namespace nnc;

ParamSpec ParamSpec::range(double low, double high, bool lowOpen,
                           bool highOpen) const {
  ParamSpec p = *this;
  p.lo = low;
  p.hi = high;
  p.loOpen = lowOpen;
  p.hiOpen = highOpen;
  return p;
}

ParamSpec ParamSpec::oneOf(std::vector<std::string> names) const {
  ParamSpec p = *this;
  p.types |= PT_Ident;
  p.idents = std::move(names);
  return p;
}

ParamSpec ParamSpec::call(BuiltinKind kind) const {
  ParamSpec p = *this;
  p.types |= PT_Call;
  p.callKind = kind;
  return p;
}

ParamSpec ParamSpec::many() const {
  ParamSpec p = *this;
  p.variadic = true;
  return p;
}

ParamSpec ParamSpec::listOf() const {
  ParamSpec p = *this;
  p.list = true;
  return p;
}

ParamSpec ParamSpec::perSide(std::vector<std::string> names) const {
  ParamSpec p = *this;
  p.sides = std::move(names);
  return p;
}

const ParamSpec *BuiltinSpec::findParam(llvm::StringRef name) const {
  for (const ParamSpec &p : params)
    if (p.name == name)
      return &p;
  return nullptr;
}

namespace {
constexpr double inf = std::numeric_limits<double>::infinity();
constexpr double kMaxInt = 2147483647.0;

/// A parameter `name` of types `types` with default `def` ("" = required).
ParamSpec param(const char *name, unsigned types, const char *def = "") {
  ParamSpec p;
  p.name = name;
  p.types = types;
  p.defaultValue = def;
  return p;
}
/// A positive integer (a size, a count).
ParamSpec count(const char *name, const char *def = "") {
  return param(name, PT_Int, def).range(1, kMaxInt);
}
/// A probability-like number in [0, 1).
ParamSpec fraction(const char *name, const char *def) {
  return param(name, PT_Float, def).range(0, 1, false, true);
}
/// A non-negative number.
ParamSpec nonNegative(const char *name, const char *def = "") {
  return param(name, PT_Float, def).range(0, inf);
}
/// A strictly positive number.
ParamSpec positive(const char *name, const char *def = "") {
  return param(name, PT_Float, def).range(0, inf, true);
}
ParamSpec flag(const char *name, const char *def) {
  return param(name, PT_Bool, def);
}
/// The initialiser of a layer's weight; `auto` is resolved by Sema.
ParamSpec init(const char *def = "auto") {
  return param("init", 0, def).call(BuiltinKind::Init).oneOf({"auto"});
}
/// Padding: one number for every side, or `[top, left, bottom, right]`.
ParamSpec padding(unsigned types, const char *def) {
  return param("pad", types, def)
      .range(0, kMaxInt)
      .perSide({"top", "left", "bottom", "right"});
}
ParamSpec tensor(const char *name) { return param(name, PT_Tensor); }
ParamSpec axis(const char *def = "") {
  return param("axis", PT_Int, def).range(-8, 7);
}

BuiltinSpec layer(const char *name, std::vector<ParamSpec> params,
                  const char *summary) {
  return {name, BuiltinKind::Layer, U_Stage, std::move(params), summary};
}
BuiltinSpec activation(const char *name, std::vector<ParamSpec> params,
                       const char *summary) {
  return {name, BuiltinKind::Activation, U_Stage, std::move(params), summary};
}
BuiltinSpec op(const char *name, unsigned usage, std::vector<ParamSpec> params,
               const char *summary) {
  return {name, BuiltinKind::TensorOp, usage, std::move(params), summary};
}
BuiltinSpec value(const char *name, BuiltinKind kind,
                  std::vector<ParamSpec> params, const char *summary) {
  return {name, kind, U_Value, std::move(params), summary};
}
BuiltinSpec loss(const char *name, std::vector<ParamSpec> extra,
                 const char *summary, const char *first = "pred") {
  std::vector<ParamSpec> params = {tensor(first), tensor("target")};
  for (ParamSpec &p : extra)
    params.push_back(std::move(p));
  return {name, BuiltinKind::Loss, U_Function, std::move(params), summary};
}

std::vector<BuiltinSpec> buildTable() {
  using K = BuiltinKind;
  std::vector<ParamSpec> optim = {positive("lr", "0.01"),
                                  nonNegative("weight_decay", "0.0")};
  std::vector<ParamSpec> adamParams = {
      positive("lr", "0.001"), fraction("beta1", "0.9"),
      fraction("beta2", "0.999"), positive("eps", "1e-8"),
      nonNegative("weight_decay", "0.0")};
  std::vector<ParamSpec> adamwParams = adamParams;
  adamwParams.back() = nonNegative("weight_decay", "0.01");
  return {
      // Layers.
      layer("dense", {count("units"), flag("bias", "true"), init()},
            "fully connected layer: [N, ..., K] -> [N, ..., units]"),
      layer("conv2d",
            {count("filters"), count("kernel", "3"), count("stride", "1"),
             padding(PT_Int, "valid").oneOf({"same", "valid"}),
             count("dilation", "1"), flag("bias", "true"), init()},
            "2-D convolution on NCHW images"),
      layer("maxpool",
            {count("size", "2"), count("stride", "=size"),
             padding(PT_Int, "0").oneOf({"same", "valid"}),
             count("dilation", "1"), flag("ceil_mode", "false")},
            "2-D max pooling (PyTorch's MaxPool2d)"),
      layer("avgpool",
            {count("size", "2"), count("stride", "=size"),
             padding(PT_Int, "0").oneOf({"same", "valid"}),
             flag("ceil_mode", "false"), flag("count_include_pad", "false")},
            "2-D average pooling (PyTorch's AvgPool2d)"),
      layer("batchnorm",
            {param("momentum", PT_Float, "0.1").range(0, 1),
             positive("eps", "1e-5")},
            "batch normalisation over the channel axis (axis 1)"),
      layer("layernorm", {positive("eps", "1e-5")},
            "layer normalisation over the last axis"),
      layer("dropout", {fraction("rate", "0.5")},
            "inverted dropout, active in training only"),
      layer("embedding",
            {count("vocab"), count("dim"), init("normal(1.0)"),
             param("negative_ids", 0, "clamp").oneOf({"clamp", "from_end"})},
            "token ids i32[N, T] -> vectors [N, T, dim]; ids outside "
            "[0, vocab) are clamped to it, after counting negative ones from "
            "the end (-1: the last row) with negative_ids = from_end"),
      layer("positional",
            {param("kind", 0, "learned").oneOf({"learned", "sinusoidal"})},
            "adds a position encoding to [N, T, d]"),
      layer("rnn",
            {count("units"),
             param("activation", 0, "tanh").oneOf({"tanh", "relu"}),
             flag("bias", "true")},
            "Elman RNN over [N, T, K] -> [N, T, units]"),
      layer("lstm", {count("units"), flag("bias", "true")},
            "LSTM (gates i, f, g, o) over [N, T, K] -> [N, T, units]"),
      layer("gru",
            {count("units"), flag("bias", "true"),
             flag("linear_before_reset", "true")},
            "GRU (gates r, z, n) over [N, T, K] -> [N, T, units]; "
            "n = tanh(W_in x + b_in + r * (W_hn h + b_hn)) as in PyTorch, "
            "or with linear_before_reset = false ONNX's default "
            "n = tanh(W_in x + b_in + W_hn (r * h) + b_hn)"),
      layer("self_attention",
            {count("heads"), flag("causal", "false"),
             fraction("dropout", "0.0"), flag("bias", "true")},
            "multi-head self-attention over [N, T, d]"),
      // Tensor ops without parameters.
      op("flatten", U_Stage, {param("start", PT_Int, "1").range(1, 7)},
         "[N, d1, ..., dk, ...] -> [N, d1, ..., d(k-1), dk*...] from axis "
         "k = start (torch.flatten(x, start); 1: [N, d1*d2*...])"),
      op("reshape", U_Stage,
         {param("shape", PT_Dim).range(1, kMaxInt).many()},
         "reshape to the given dims (N for the batch)"),
      op("transpose", U_Stage,
         {param("perm", PT_Int).range(0, 7).many()},
         "permute the axes (axis 0 is the batch)"),
      op("concat", U_Function, {tensor("inputs").many(), axis("-1")},
         "concatenate tensors along an axis"),
      op("min", U_Function, {tensor("a"), tensor("b")},
         "elementwise minimum, broadcasting like +; on a tie the gradient "
         "is split half and half"),
      op("max", U_Function, {tensor("a"), tensor("b")},
         "elementwise maximum, broadcasting like +; on a tie the gradient "
         "is split half and half"),
      op("parameter", U_Function,
         {param("shape", PT_Dim).range(1, kMaxInt).many(),
          param("init", 0, "zeros").call(BuiltinKind::Init),
          flag("trainable", "true")},
         "a tensor of the given dims without the batch, named after its "
         "binding (`scale = parameter(16, init = ones)`); broadcasts over "
         "the batch in + - * min max; trainable = false: loaded, never "
         "updated"),
      op("matmul", U_Function,
         {tensor("a"), tensor("b"), flag("transpose_a", "false"),
          flag("transpose_b", "false")},
         "batched matrix product of two tensors of rank 3 or 4: [N, ..., M, "
         "K] x [N, ..., K, P] -> [N, ..., M, P]"),
      op("mean", U_Stage, {axis(), flag("keepdims", "false")},
         "mean over an axis"),
      op("sum", U_Stage, {axis(), flag("keepdims", "false")},
         "sum over an axis"),
      op("last", U_Stage, {}, "last step of a sequence: [N, T, d] -> [N, d]"),
      // Activations.
      activation("relu", {}, "max(x, 0)"),
      activation("leaky_relu", {param("alpha", PT_Float, "0.01")},
                 "x if x > 0 else alpha * x"),
      activation("elu", {param("alpha", PT_Float, "1.0")},
                 "x if x > 0 else alpha * (exp(x) - 1)"),
      activation("gelu",
                 {param("approximate", 0, "none").oneOf({"none", "tanh"})},
                 "GELU, exact erf form unless approximate = tanh"),
      activation("sigmoid", {}, "1 / (1 + exp(-x))"),
      activation("tanh", {}, "hyperbolic tangent"),
      activation("exp", {}, "e^x"),
      activation("log", {}, "natural logarithm (x > 0; -inf at 0, NaN below)"),
      activation("abs", {}, "absolute value (gradient sign(x), 0 at 0)"),
      activation("erf", {}, "Gauss error function"),
      activation("pow", {param("exponent", PT_Float)},
                 "x^exponent (NaN for x < 0 and a non-integer exponent; 1 "
                 "everywhere for exponent 0)"),
      activation("clip",
                 {param("min", PT_Float, "?"), param("max", PT_Float, "?")},
                 "clamp into [min, max] (at least one bound); the gradient "
                 "passes where min <= x <= max"),
      activation("sqrt", {},
                 "square root (x >= 0; NaN below, infinite gradient at 0)"),
      activation("softmax", {axis("-1")}, "softmax over an axis"),
      activation("log_softmax", {axis("-1")}, "log of softmax over an axis"),
      activation("step", {}, "Heaviside step: 1 if x > 0 else 0 (perceptron)"),
      // Losses (averaged over the batch) and penalties.
      loss("mse", {}, "mean squared error"),
      loss("mae", {}, "mean absolute error"),
      loss("huber", {positive("delta", "1.0")}, "Huber (smooth L1) loss"),
      loss("bce", {}, "binary cross-entropy on probabilities"),
      loss("bce_logits", {}, "binary cross-entropy on logits"),
      loss("cross_entropy", {fraction("label_smoothing", "0.0")},
           "softmax cross-entropy: logits with class ids i32[N] or one-hot",
           "logits"),
      loss("perceptron", {}, "perceptron criterion mean(max(0, -t * y)), t in {0,1} mapped to {-1,1}"),
      value("l1", K::Penalty, {nonNegative("lambda")},
            "lambda * sum abs(w) over the weights (not biases or norms)"),
      value("l2", K::Penalty, {nonNegative("lambda")},
            "lambda / 2 * sum w^2 over the weights (not biases or norms); "
            "gradient lambda * w, PyTorch's weight_decay = lambda"),
      // Optimizers.
      value("sgd", K::Optimizer, optim, "plain gradient descent"),
      value("momentum", K::Optimizer,
            {positive("lr", "0.01"), fraction("beta", "0.9"),
             flag("nesterov", "false"), nonNegative("weight_decay", "0.0")},
            "SGD with momentum (PyTorch form)"),
      value("rmsprop", K::Optimizer,
            {positive("lr", "0.01"), fraction("alpha", "0.99"),
             positive("eps", "1e-8"), nonNegative("weight_decay", "0.0")},
            "RMSprop"),
      value("adam", K::Optimizer, adamParams,
            "Adam; weight_decay is an L2 term"),
      value("adamw", K::Optimizer, adamwParams,
            "AdamW; decoupled weight decay"),
      // Learning-rate schedules.
      value("constant", K::Schedule, {}, "constant learning rate"),
      value("step", K::Schedule,
            {param("drop", PT_Float, "0.1").range(0, 1, true),
             count("every")},
            "multiply lr by drop every `every` epochs"),
      value("exponential", K::Schedule,
            {param("rate", PT_Float).range(0, 1, true)},
            "multiply lr by rate every epoch"),
      value("cosine", K::Schedule,
            {count("T_max"), nonNegative("min_lr", "0.0")},
            "cosine annealing over T_max epochs"),
      value("plateau", K::Schedule,
            {count("patience", "10"),
             param("factor", PT_Float, "0.1").range(0, 1, true, true)},
            "multiply lr by factor when the validation loss stalls"),
      value("early_stop", K::EarlyStop,
            {count("patience", "5"), nonNegative("min_delta", "0.0"),
             flag("restore_best", "true")},
            "stop when the validation loss stalls; restores the best weights"),
      // Data sources.
      value("spiral", K::Data,
            {param("classes", PT_Int, "3").range(2, 1000),
             count("points", "100"), nonNegative("noise", "0.2")},
            "the classic 2-D spiral, `points` per class c: r = linspace(0, 1), "
            "t = linspace(4c, 4c + 4) + noise * randn, (r sin 2.5t, r cos 2.5t)"),
      value("logic", K::Data,
            {param("gate", 0).oneOf({"and", "or", "xor", "nand", "nor",
                                     "xnor"})},
            "truth table of a 2-input gate"),
      value("csv", K::Data,
            {param("path", PT_String),
             param("label", PT_Int, "last")
                 .range(0, kMaxInt)
                 .oneOf({"first", "last"}),
             flag("header", "true"), positive("scale", "1.0"),
             flag("standardize", "false"), param("targets", PT_String, "\"\"")},
            "CSV file (optionally .gz): one sample per row, a label column; "
            "`standardize` fits mean/std on the training rows; `targets` names "
            "a second file of regression targets (then no label column)"),
      value("idx", K::Data,
            {param("dir", PT_String),
             param("split", 0, "training").oneOf({"training", "test"}),
             flag("normalize", "true")},
            "MNIST/Fashion-MNIST IDX files in a directory (gzip or not)"),
      value("npy", K::Data,
            {param("inputs", PT_String), param("labels", PT_String)},
            "NumPy .npy arrays of inputs and labels"),
      // Initialisers.
      value("he", K::Init, {}, "normal(0, sqrt(2 / fan_in))"),
      value("xavier", K::Init, {}, "uniform(+-sqrt(6 / (fan_in + fan_out)))"),
      value("zeros", K::Init, {}, "all zeros"),
      value("ones", K::Init, {}, "all ones"),
      value("normal", K::Init, {positive("std", "0.01")}, "normal(0, std)"),
      value("uniform", K::Init, {positive("bound", "0.05")},
            "uniform(-bound, bound)"),
  };
}
} // namespace

llvm::ArrayRef<BuiltinSpec> nnc::getBuiltins() {
  static const std::vector<BuiltinSpec> table = buildTable();
  return table;
}

const BuiltinSpec &nnc::getTrainSpec() {
  static const BuiltinSpec spec = {
      "train",
      BuiltinKind::Section,
      0,
      {param("data", 0, "?").call(BuiltinKind::Data), param("loss", PT_Loss),
       param("optimizer", 0, "sgd").call(BuiltinKind::Optimizer),
       param("schedule", 0, "constant").call(BuiltinKind::Schedule),
       count("batch", "32"), count("epochs", "10"),
       param("early_stop", 0, "?").call(BuiltinKind::EarlyStop),
       fraction("validation", "0.0"),
       param("test", 0, "?").call(BuiltinKind::Data),
       flag("shuffle", "true"), flag("sync_batchnorm", "false"),
       param("seed", PT_Int, "0").range(0, 9.2e18),
       nonNegative("clip_norm", "0.0"),
       param("save_every", PT_Int, "0").range(0, 1e9),
       param("metrics", PT_Ident, "?")
           .oneOf({"accuracy", "precision", "recall", "f1", "confusion", "mae",
                   "rmse"})
           .listOf()},
      "the options of a train section"};
  return spec;
}

const BuiltinSpec *nnc::lookupBuiltin(llvm::StringRef name, BuiltinKind kind) {
  for (const BuiltinSpec &spec : getBuiltins())
    if (spec.kind == kind && spec.name == name)
      return &spec;
  return nullptr;
}

const BuiltinSpec *nnc::lookupBuiltinByUsage(llvm::StringRef name,
                                             unsigned usage) {
  for (const BuiltinSpec &spec : getBuiltins())
    if ((spec.usage & usage) && spec.name == name)
      return &spec;
  return nullptr;
}

bool nnc::isReluFamily(llvm::StringRef activation) {
  return activation == "relu" || activation == "leaky_relu" ||
         activation == "elu" || activation == "gelu";
}
