//===- nnc/Runtime/Trainer.h - The training loop and evaluation -*- C++ -*-===//
//
// The loop `nnc train` runs over a compiled model.so, as a library call:
// data from the model's recipe or overrides, a validation split or a test
// set, feature scaling, seeded batches, the fused training step with the
// scheduled learning rate, running loss and accuracy from the step's own
// outputs, per-epoch validation, schedules, early stopping that restores the
// best weights, per-epoch checkpoints with the loop's state and resume that
// reproduces an uninterrupted run; plus `evaluate` and `predict` over a
// trained checkpoint. docs/runtime.md describes the behaviour and outputs.
//
//===----------------------------------------------------------------------===//
#ifndef NNC_RUNTIME_TRAINER_H
#define NNC_RUNTIME_TRAINER_H

#include "nnc/Runtime/Communicator.h"
#include "nnc/Runtime/Dataset.h"
#include "nnc/Runtime/Metrics.h"
#include "nnc/Runtime/ModelLibrary.h"
#include "nnc/Runtime/Preprocess.h"
#include "nnc/Runtime/Recipe.h"
#include "nnc/Runtime/Report.h"

#include <cmath>
#include <functional>
#include <optional>
#include <string>

namespace nnc::rt {

/// Options of a training run. Unset optionals take the recipe's values.
struct TrainOptions {
  /// The compiled model.so.
  std::string modelLib;
  /// Data source text overriding the recipe's `data` / `test`
  /// (parseDataSpec syntax); "" keeps the recipe's.
  std::string data, test;
  /// In-memory data overriding both (applications, tests).
  std::optional<Dataset> trainData, testData;
  std::optional<int64_t> epochs, batch;
  std::optional<double> lr, validation;
  std::optional<uint64_t> seed;
  /// Overrides the recipe's `save_every` (epochs between checkpoints; 0:
  /// every 60 s of training).
  std::optional<int64_t> saveEvery;
  std::optional<ScalingKind> scaling;
  /// A JSON object whose keys replace the recipe's (e.g.
  /// `{"schedule": {"kind": "step", "every": 1}}`); "" = none.
  std::string recipePatch;
  /// Relative paths of the recipe's data sources are resolved here.
  std::string baseDir;
  /// Where outputs go ("" writes nothing): summary.json, history.csv,
  /// model.safetensors, checkpoint.safetensors + checkpoint.json, plots.
  std::string outDir;
  /// Resume from this checkpoint (its checkpoint.json must sit beside it).
  std::string resume;
  /// Accept checkpoints holding NaN or infinity (refused by default).
  bool allowNonFinite = false;
  /// Threads of the model's kernels (0: NNC_NUM_THREADS, else every core).
  int32_t threads = 0;
  /// Write the SVG plots.
  bool plots = true;
  /// Progress display (null: silent).
  Progress *progress = nullptr;
  /// Called after every epoch with its history row (null: none); returning
  /// false stops the run after that epoch, which then ends as a run whose
  /// last epoch it was (checkpoint, final metrics, outputs). Every process
  /// of a data-parallel run calls it and must give the same answer.
  std::function<bool(const HistoryRow &)> onEpoch;
  /// Receives warnings (unknown recipe keys, ...); null: dropped.
  std::function<void(const std::string &)> warn;
  /// The processes training together (docs/distributed.md); null: this
  /// one alone. Every process calls train() with the same options; rank 0
  /// alone uses `progress`, `warn` and `outDir`.
  Communicator *comm = nullptr;
};

/// Metrics over a data set; NaN for what was not measured.
struct EvalMetrics {
  int64_t samples = 0;
  double loss = NAN;         ///< the training objective (needs a grads entry)
  bool lossMeasured = false; ///< `loss` was measured (it may still be NaN)
  double accuracy = NAN;     ///< classification
  double mae = NAN, rmse = NAN; ///< regression
};

/// What a run produced.
struct TrainResult {
  History history;         ///< all epochs, including resumed ones
  std::string summaryJson; ///< the contents of summary.json
  /// The final model's metrics that summary.json records as train_*, val_*
  /// and test_* (NaN where it records none).
  EvalMetrics trainMetrics, valMetrics, testMetrics;
  /// The best epoch by the monitored validation metric (summary.json's
  /// best_epoch); -1 when nothing is monitored.
  int64_t monitoredBestEpoch = -1;
  int64_t epochsRun = 0;  ///< epochs trained in this call
  int64_t bestEpoch = -1; ///< 1-based epoch restored by early stopping
  bool stoppedEarly = false;
  int64_t steps = 0; ///< training steps in this call
};

/// Trains the model as its recipe and `options` say.
Expected<TrainResult> train(const TrainOptions &options);

/// How a data set maps onto a model's label and output tensors.
struct TaskInfo {
  bool classification = true;
  bool oneHot = false;     ///< f32 label [N, classes] fed from class ids
  bool floatLabel = false; ///< f32 label fed from class ids (k == 1)
  int64_t labelElements = 0;
  int64_t outputElements = 0; ///< elements per row of output 0
  OutputKind outputKind = OutputKind::Logits;
};

/// Checks that `lib` can consume `data` (one f32 input of matching size, a
/// compatible label) and says how.
Expected<TaskInfo> describeTask(const ModelLibrary &lib, const Dataset &data,
                                LossKind lossKind);

/// Evaluates `model` on `data` in batches of `batch` rows.
Expected<EvalMetrics> evaluate(ModelInstance &model, const Dataset &data,
                               const TaskInfo &task, int64_t batch);

/// Runs predict over `features` ([n, sampleSize]) in batches; returns output
/// 0 as [n, outputElements].
Expected<std::vector<float>> predictAll(ModelInstance &model,
                                        const std::vector<float> &features,
                                        int64_t n, int64_t batch);

/// Options of `nnc eval`.
struct EvalOptions {
  std::string modelLib, checkpoint;
  std::string data;            ///< "" = the recipe's test set, else its data
  std::string baseDir;         ///< for the recipe's relative paths
  bool allowNonFinite = false; ///< accept a checkpoint with NaN/infinity
  int32_t threads = 0; ///< kernel threads (0: NNC_NUM_THREADS or all cores)
};

/// Loads the checkpoint (and a scaler.json beside it) and evaluates it.
/// `dataName` receives the name of the data set used.
Expected<EvalMetrics> evaluateCheckpoint(const EvalOptions &options,
                                         std::string &dataName);

/// Options of `nnc predict`.
struct PredictOptions {
  std::string modelLib, checkpoint;
  std::string input;           ///< .csv (all columns features) or .npy [n, ...]
  std::string output;          ///< .npy or .csv; "" = CSV text into `csvOut`
  bool allowNonFinite = false; ///< accept a checkpoint with NaN/infinity
  int32_t threads = 0; ///< kernel threads (0: NNC_NUM_THREADS or all cores)
};

/// Predicts for every row of the input file; writes `output` or fills
/// `csvOut`.
Status predictFile(const PredictOptions &options, std::string &csvOut);

} // namespace nnc::rt

#endif // NNC_RUNTIME_TRAINER_H
