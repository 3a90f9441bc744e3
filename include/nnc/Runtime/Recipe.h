//===- nnc/Runtime/Recipe.h - Training recipes and data specs ---*- C++ -*-===//
//
// The train section of a model as the runtime uses it. `parseRecipe` reads
// the JSON that `nnc_model_recipe_json()` returns (the options written in the
// .nn file, call-valued ones as objects with a "kind"; written by
// nnc-model-abi from the typed #nn.optimizer/#nn.schedule/#nn.loss_kind/
// #nn.metrics attributes, so every value of the train section is present);
// unknown keys are warnings, values of the wrong type errors.
// `parseDataSpec` takes a data source as JSON (what the recipe carries, or
// what the front end writes for `--data`, nnc/Frontend/DataSource.h) or a
// path; the .nn call syntax is the front end's alone. `loadDataSpec` turns a
// data spec into a Dataset with the runtime's loaders.
//
//===----------------------------------------------------------------------===//
#ifndef NNC_RUNTIME_RECIPE_H
#define NNC_RUNTIME_RECIPE_H

#include "nnc/Runtime/Dataset.h"
#include "nnc/Runtime/Preprocess.h"
#include "nnc/Runtime/Schedule.h"

#include <cstdint>
#include <string>
#include <vector>

namespace nnc::rt {

/// A data source as JSON text: {"kind": "csv", "path": "f.csv", ...}.
/// Kinds and parameter names are those of the front end's data builtins:
/// spiral(classes, points, noise), logic(gate), csv(path, label, header,
/// scale), idx(dir, split, normalize), npy(inputs, labels).
struct DataSpec {
  std::string json; ///< "" when absent
  bool empty() const { return json.empty(); }
};

/// The kind of the train section's first loss term: the front end's
/// #nn.loss_kind (dialects/NN/NNRecipe.td), read once by parseRecipe so that
/// no heuristic compares loss names.
enum class LossKind {
  None, ///< the recipe names no loss
  Mse,
  Mae,
  Huber,
  Bce,
  BceLogits,
  CrossEntropy,
  Perceptron
};

/// Whether a single f32 label of a model trained with `kind` holds classes
/// (0/1 scored as a probability, a logit or a perceptron's sign) rather
/// than regression targets.
inline bool scoresBinaryClasses(LossKind kind) {
  return kind == LossKind::Bce || kind == LossKind::BceLogits ||
         kind == LossKind::Perceptron;
}

/// The normalised train section.
struct TrainConfig {
  DataSpec data; ///< training data (required to train)
  DataSpec test; ///< optional test set
  int64_t batch = 32;
  int64_t epochs = 10;
  std::string optimizer = "sgd"; ///< kind of the optimizer
  double lr = 0.0;               ///< optimizer lr; 0 when the recipe has none
  ScheduleConfig schedule;       ///< baseLr is filled by the trainer
  bool earlyStop = false;
  int64_t patience = 5;
  double minDelta = 0.0;
  bool restoreBest = true;
  double validation = 0.0; ///< fraction of the data held out
  bool shuffle = true;
  /// The model sums its batchnorm statistics over the processes
  /// (docs/distributed.md); compiled into the model, read by the trainer.
  bool syncBatchnorm = false;
  uint64_t seed = 0;
  double clipNorm = 0.0; ///< applied by the compiled step; recorded only
  ScalingKind scaling = ScalingKind::None; ///< extension key "scaling"
  LossKind loss = LossKind::None;          ///< the first loss term's kind
  /// Checkpoint every `saveEvery` epochs; 0: when 60 s of training have
  /// passed since the last one. Always at the end.
  int64_t saveEvery = 0;
  /// `metrics = [...]`: the metrics reported besides the loss and accuracy
  /// (precision, recall, f1, confusion for classification; mae, rmse for
  /// regression). Empty: every one that applies.
  std::vector<std::string> metrics;
  /// True when metric `name` is selected (or no selection was made).
  bool wants(const std::string &name) const {
    if (metrics.empty())
      return true;
    for (const std::string &m : metrics)
      if (m == name)
        return true;
    return false;
  }
};

/// Parses a recipe; warnings (unknown keys) are appended to `warnings`.
Expected<TrainConfig> parseRecipe(const std::string &json,
                                  std::vector<std::string> &warnings);

/// Parses a data source: a JSON object (`{"kind": "csv", "path": ...}`) or
/// a bare path (`f.csv[.gz]`, `.txt`, `.tsv`: csv; a directory: idx). The
/// .nn call syntax (`csv("f.csv")`) is an error that names `nnc
/// data-source`, which turns it into this JSON.
Expected<DataSpec> parseDataSpec(const std::string &text);

/// How to load a data spec.
struct LoadContext {
  /// Relative paths are resolved against this directory ("" = cwd).
  std::string baseDir;
  /// Seed of generated data (spiral).
  uint64_t seed = 0;
  /// Read labels as float regression targets (the model's label is f32
  /// and not one-hot).
  bool regression = false;
  /// Load the test half of a split source (idx) instead of the training one.
  bool testSplit = false;
};

/// Loads the data set a spec describes.
Expected<Dataset> loadDataSpec(const DataSpec &spec, const LoadContext &ctx);

} // namespace nnc::rt

#endif // NNC_RUNTIME_RECIPE_H
