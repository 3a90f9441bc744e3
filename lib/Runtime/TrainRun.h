//===- TrainRun.h - The state of one training run ---------------*- C++ -*-===//
//
// Private to lib/Runtime: the object behind `nnc::rt::train`, split over
// Trainer.cpp (setup, resume, the epoch loop) and TrainOutputs.cpp (restoring
// the best weights, final metrics, summary, weights and plots). Its methods
// throw RuntimeError; `train` turns that into a Status.
//
//===----------------------------------------------------------------------===//
#ifndef NNC_LIB_RUNTIME_TRAINRUN_H
#define NNC_LIB_RUNTIME_TRAINRUN_H

#include "DataParallel.h"
#include "RunRecord.h"
#include "TrainInternal.h"
#include "nnc/Runtime/Recipe.h"
#include "nnc/Runtime/Schedule.h"

#include <optional>

namespace nnc::rt::detail {

/// Creates `dir` and its parents (like mkdir -p).
Status makeDirectories(const std::string &dir);

/// The training state beside checkpoint `ckpt`: checkpoint.safetensors ->
/// checkpoint.json.
std::string statePathFor(const std::string &ckpt);

/// The metric early stopping and plateau schedules watch.
enum class Monitor { ValLoss, ValAccuracy, TrainLoss };

/// One call of train().
class TrainRun {
public:
  /// `options` as this process sees them (only rank 0 prints and writes).
  TrainRun(const TrainOptions &options, Communicator &comm)
      : opts(options), comm(comm) {}
  /// Sets up, trains and writes the outputs.
  TrainResult run();

private:
  void setup();
  void loadData();
  void resume();
  /// Creates the model (resumed when asked) and, with several processes,
  /// checks that they all train the same thing.
  void prepareModel();
  void runEpoch(int64_t epoch, Batcher &batcher);
  /// One training step on `b`; returns the loss of the whole batch.
  float trainOn(const Batch &b, const std::vector<char> &labels, double lr,
                std::vector<std::vector<float>> &outputs);
  /// The validation metrics of `row`: rank 0's, on every process.
  void validate(HistoryRow &row);
  /// Writes best.safetensors (when the best changed since the last
  /// checkpoint), checkpoint.safetensors, checkpoint.json and history.csv.
  void saveCheckpoint();
  /// What watches the best epoch: early stopping, else `bestTracker`.
  EarlyStopping *tracker() {
    return earlyStop ? &*earlyStop : bestTracker ? &*bestTracker : nullptr;
  }
  TrainResult finish();
  std::string stateJson(int64_t step) const;
  void warn(const std::string &text) const {
    if (opts.warn)
      opts.warn(text);
  }
  /// A progress line (data loading, final evaluation), when shown.
  void say(const std::string &text) const {
    if (opts.progress)
      opts.progress->message(text);
  }

  const TrainOptions &opts;
  Communicator &comm;
  /// The data-parallel step when comm has several processes.
  std::optional<DataParallel> parallel;
  std::shared_ptr<ModelLibrary> lib;
  std::unique_ptr<ModelInstance> model;
  TrainConfig cfg;
  double baseLr = 0;
  TaskInfo task;
  Dataset trainSet;
  std::optional<Dataset> valSet, testSet;
  const Dataset *evalSet = nullptr; ///< validation, else test, else null
  std::optional<Scaler> scaler;
  RunRecord record; ///< preprocess.json
  Monitor monitor = Monitor::TrainLoss;
  std::optional<LrSchedule> schedule;
  std::optional<EarlyStopping> earlyStop;
  /// The best epoch when a validation metric exists without early stopping
  /// (never stops: its patience is unbounded).
  std::optional<EarlyStopping> bestTracker;
  std::vector<std::vector<char>> bestParams, bestBuffers;
  bool bestUnsaved = false; ///< bestParams newer than best.safetensors
  int64_t savedEpochs = -1; ///< history rows of the last checkpoint
  double lastSave = 0;      ///< when it was written (steady clock, s)
  int64_t checkpointsWritten = 0;
  History history;
  bool stoppedEarly = false;
  int64_t epochsRun = 0, steps = 0;
  double trainSeconds = 0;
  double trainMae = NAN, trainRmse = NAN;
};

} // namespace nnc::rt::detail

#endif // NNC_LIB_RUNTIME_TRAINRUN_H
