//===- Training.cpp - The values of a train section -----------------------===//
//
// The rows of the builtins used as option values of a train section or as a
// layer's `init`: optimizers, learning-rate schedules, early stopping, data
// sources and initialisers. They have no emitter: MLIRGenTrain.cpp writes
// the normalised calls into the recipe; an initialiser's row gives
// MLIRGenImpl::paramFromInit its nn::InitKind and its scale parameter.
//
//===----------------------------------------------------------------------===//

#include "Rows.h"

using namespace nnc;
using namespace nnc::rows;
using namespace mlir;

namespace {
/// An initialiser of a layer's `init` (`init = normal(0.02)`).
BuiltinSpec initializer(const char *name, std::vector<ParamSpec> params,
                        const char *summary, nn::InitKind kind,
                        const char *scale = "") {
  BuiltinSpec spec = value(name, BuiltinKind::Init, std::move(params), summary);
  spec.initKind = kind;
  spec.initScale = scale;
  return spec;
}
} // namespace

std::vector<BuiltinSpec> rows::training() {
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
            {param("drop", PT_Float, "0.1").range(0, 1, true), count("every")},
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
      value(
          "spiral", K::Data,
          {param("classes", PT_Int, "3").range(2, 1000), count("points", "100"),
           nonNegative("noise", "0.2")},
          "the classic 2-D spiral, `points` per class c: r = linspace(0, 1), "
          "t = linspace(4c, 4c + 4) + noise * randn, (r sin 2.5t, r cos 2.5t)"),
      value(
          "logic", K::Data,
          {param("gate", 0).oneOf({"and", "or", "xor", "nand", "nor", "xnor"})},
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
      initializer("he", {}, "normal(0, sqrt(2 / fan_in))", nn::InitKind::he),
      initializer("xavier", {}, "uniform(+-sqrt(6 / (fan_in + fan_out)))",
                  nn::InitKind::xavier),
      initializer("zeros", {}, "all zeros", nn::InitKind::zeros),
      initializer("ones", {}, "all ones", nn::InitKind::ones),
      initializer("normal", {positive("std", "0.01")}, "normal(0, std)",
                  nn::InitKind::normal, "std"),
      initializer("uniform", {positive("bound", "0.05")},
                  "uniform(-bound, bound)", nn::InitKind::uniform, "bound"),
  };
}
