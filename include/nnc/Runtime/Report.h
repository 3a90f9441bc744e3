//===- nnc/Runtime/Report.h - Progress, history and summary -----*- C++ -*-===//
//
// What a training run shows and leaves behind: a progress bar on terminals
// (bar, loss, throughput, ETA, redrawn in place with '\r' at most every
// 0.1 s) or one plain line per epoch otherwise; `history.csv` with one row
// per epoch; `summary.json`. Files are written atomically (a temporary file
// in the same directory, then rename) so a reader never sees half a file.
//
//===----------------------------------------------------------------------===//
#ifndef NNC_RUNTIME_REPORT_H
#define NNC_RUNTIME_REPORT_H

#include "nnc/Runtime/Error.h"

#include <nlohmann/json_fwd.hpp>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

namespace nnc::rt {

/// Writes `contents` to `path` through a temporary file and a rename.
Status writeFileAtomic(const std::string &path, const std::string &contents);

/// Writes `summary` as pretty-printed JSON to `path`, atomically.
Status writeSummary(const std::string &path, const nlohmann::json &summary);

/// One epoch of a run; NaN marks a value that was not measured.
struct HistoryRow {
  int64_t epoch = 0; ///< 1-based
  double lr = NAN;
  double trainLoss = NAN;
  double trainAccuracy = NAN;
  double valLoss = NAN;
  double valAccuracy = NAN;
  double seconds = NAN; ///< wall time of the epoch
  /// Regression: MAE and RMSE of the training step's outputs and of the
  /// validation set (NaN when not measured or not selected).
  double trainMae = NAN, trainRmse = NAN, valMae = NAN, valRmse = NAN;
};

/// The per-epoch history of a run.
struct History {
  std::vector<HistoryRow> rows;
  /// CSV text: header `epoch,lr,train_loss,train_accuracy,val_loss,
  /// val_accuracy,seconds`, one row per epoch, empty cells for NaN.
  std::string toCsv() const;
  /// Writes toCsv() to `path` atomically.
  Status writeCsv(const std::string &path) const;
  /// Reads a file written by writeCsv (to resume a run).
  static Expected<History> readCsv(const std::string &path);
};

/// Progress display for a training loop.
class Progress {
public:
  /// Where text goes.
  using Sink = std::function<void(const std::string &)>;
  /// A clock in seconds.
  using Clock = std::function<double()>;

  /// `interactive` selects the in-place bar; `sink` receives all text.
  Progress(Sink sink, bool interactive);
  /// A Progress on `file`, interactive when the file is a terminal and
  /// `allowInteractive` (false under mpirun, whose ranks write to a
  /// pseudo-terminal whatever mpirun's own output is).
  static Progress forFile(std::FILE *file, bool allowInteractive = true);
  /// Replaces the clock (tests use a fake one).
  void setClock(Clock clock) { now = std::move(clock); }
  /// Starts epoch `epoch` (1-based) of `numEpochs`.
  void beginEpoch(int64_t epoch, int64_t numEpochs, int64_t numBatches);
  /// Reports `batchesDone` batches and `samplesDone` samples of the epoch
  /// with the running loss; redraws at most every 0.1 s (interactive only).
  void update(int64_t batchesDone, int64_t samplesDone, double loss);
  /// Ends the epoch with its summary line.
  void endEpoch(const HistoryRow &row);
  /// Plain mode: print an epoch line only when `seconds` have passed since
  /// the last one printed (the first and last epochs of a run, and the one
  /// before a message, are always printed), each with the whole run's ETA.
  /// 0 (the default): every epoch, no ETA.
  void setLogEvery(double seconds) { logEvery = seconds; }
  /// Prints a free-form message on its own line.
  void message(const std::string &text);
  /// Ends the run: prints a held-back epoch line.
  void endRun();
  /// True for the in-place bar.
  bool isInteractive() const { return interactive; }

private:
  Sink sink;
  bool interactive;
  Clock now;
  int64_t epoch = 0, numEpochs = 0, numBatches = 0;
  double epochStart = 0, lastDraw = -1;
  bool drawn = false;
  double logEvery = 0;
  double lastLine = -1;   ///< when the last epoch line was printed
  double runStart = -1;   ///< first beginEpoch of this run
  int64_t firstEpoch = 0; ///< its epoch number
  std::string heldBack;   ///< an epoch line not printed yet
};

/// The summary line of an epoch ("epoch 3/10  lr 0.1  loss 0.43 ...").
std::string formatEpochLine(const HistoryRow &row, int64_t numEpochs);

} // namespace nnc::rt

#endif // NNC_RUNTIME_REPORT_H
