//===- nnc/Runtime/Schedule.h - Learning-rate schedules ---------*- C++ -*-===//
//
// Learning-rate schedules as in PyTorch's torch.optim.lr_scheduler and
// early stopping as in Keras, both with state that can be saved and restored
// for resumed runs. Epochs are 0-based; lr() is the rate used during the
// current epoch and endEpoch() moves to the next one. Formulas (base = the
// optimizer's initial rate, e = epoch):
//   constant     lr(e) = base
//   step         lr(e) = base * drop^floor(e / every)            (StepLR)
//   exponential  lr(e) = base * rate^e (ExponentialLR) cosine       lr(e) =
//   eta_min + (base - eta_min) *
//                        (1 + cos(pi * e / T_max)) / 2 (CosineAnnealingLR)
//   plateau      after each epoch, with the monitored metric m:
//   (ReduceLROnPlateau)
//                better = m < best * (1 - threshold) (mode min) or
//                         m > best * (1 + threshold) (mode max);
//                better: best = m, bad = 0; else bad += 1; when bad > patience
//                (outside cooldown): lr = max(lr * factor, min_lr), bad = 0.
//
//===----------------------------------------------------------------------===//
#ifndef NNC_RUNTIME_SCHEDULE_H
#define NNC_RUNTIME_SCHEDULE_H

#include "nnc/Runtime/Error.h"

#include <cstdint>
#include <string>

namespace nnc::rt {

/// The kinds of schedules.
enum class ScheduleKind { Constant, Step, Exponential, Cosine, Plateau };

/// Whether a monitored metric should go down (loss) or up (accuracy).
enum class MetricMode { Min, Max };

/// Parameters of a schedule; only those of `kind` are used.
struct ScheduleConfig {
  ScheduleKind kind = ScheduleKind::Constant;
  double baseLr = 0.01;
  double drop = 0.1;       ///< step: gamma
  int64_t every = 30;      ///< step: step_size in epochs
  double rate = 0.95;      ///< exponential: gamma
  int64_t tMax = 100;      ///< cosine: T_max
  double etaMin = 0.0;     ///< cosine: eta_min
  int64_t patience = 10;   ///< plateau
  double factor = 0.1;     ///< plateau
  double minLr = 0.0;      ///< plateau
  double threshold = 1e-4; ///< plateau: relative threshold
  int64_t cooldown = 0;    ///< plateau: epochs to wait after a reduction
  MetricMode mode = MetricMode::Min; ///< plateau
};

/// A learning-rate schedule with resumable state.
class LrSchedule {
public:
  /// Checks the parameters.
  static Expected<LrSchedule> create(const ScheduleConfig &config);
  /// The learning rate of the current epoch.
  double lr() const { return currentLr; }
  /// The current epoch (0-based).
  int64_t epoch() const { return currentEpoch; }
  /// Ends the current epoch; `metric` feeds plateau (ignored otherwise).
  void endEpoch(double metric = 0.0);
  /// The closed-form rate at `epoch` (not for plateau, which returns lr()).
  double lrAt(int64_t epoch) const;
  /// The configuration.
  const ScheduleConfig &config() const { return cfg; }
  /// The state (epoch, lr, plateau counters) as JSON.
  std::string saveState() const;
  /// Restores a state written by saveState (same configuration assumed).
  Status loadState(const std::string &json);

private:
  explicit LrSchedule(const ScheduleConfig &config);
  ScheduleConfig cfg;
  int64_t currentEpoch = 0;
  double currentLr;
  double best;
  int64_t badEpochs = 0;
  int64_t cooldownLeft = 0;
};

/// Early stopping (Keras semantics): an epoch improves when its value is
/// below best - minDelta (mode Min) or above best + minDelta (mode Max);
/// training stops once `patience` epochs in a row did not improve.
class EarlyStopping {
public:
  /// patience >= 0, minDelta >= 0.
  EarlyStopping(int64_t patience, double minDelta, MetricMode mode);
  /// Records the value of `epoch`; returns true when training should stop.
  bool update(int64_t epoch, double value);
  /// True when the last update was a new best (save the weights now).
  bool improved() const { return lastImproved; }
  /// True once the patience is exhausted.
  bool shouldStop() const { return stop; }
  /// The epoch of the best value (-1 before any update).
  int64_t bestEpoch() const { return bestEp; }
  /// The best value so far.
  double bestValue() const { return best; }
  /// The state as JSON.
  std::string saveState() const;
  /// Restores a state written by saveState.
  Status loadState(const std::string &json);

private:
  int64_t patience;
  double minDelta;
  MetricMode mode;
  double best;
  int64_t bestEp = -1;
  int64_t wait = 0;
  bool stop = false;
  bool lastImproved = false;
};

/// Parses "min" or "max".
Expected<MetricMode> parseMetricMode(const std::string &name);

} // namespace nnc::rt

#endif // NNC_RUNTIME_SCHEDULE_H
