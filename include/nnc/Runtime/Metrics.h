//===- nnc/Runtime/Metrics.h - Training metrics -----------------*- C++ -*-===//
//
// Running means of the loss, classification accuracy with an explicit rule
// for turning model outputs into classes, and MAE/RMSE for regression.
//
// The accuracy rule: with k > 1 outputs per row the predicted class is the
// argmax (the first maximum on ties); with one output per row the prediction
// is class 1 when the output is > 0.5 for probabilities (sigmoid outputs) or
// > 0 for logits, else class 0. Both thresholds are the same decision.
//
//===----------------------------------------------------------------------===//
#ifndef NNC_RUNTIME_METRICS_H
#define NNC_RUNTIME_METRICS_H

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace nnc::rt {

/// A weighted running mean (e.g. the loss averaged over samples: add each
/// batch's mean loss with weight = batch rows).
class RunningMean {
public:
  /// Adds `value` with `weight` (ignored when weight <= 0).
  void add(double value, double weight = 1.0);
  /// The mean so far (0 before any value).
  double mean() const { return total > 0 ? sum / total : 0.0; }
  /// The total weight added.
  double weight() const { return total; }
  /// Forgets everything.
  void reset() { sum = total = 0; }

private:
  double sum = 0, total = 0;
};

/// What a single-output model emits (decides the threshold).
enum class OutputKind {
  Logits,        ///< threshold 0
  Probabilities, ///< threshold 0.5
};

/// The predicted class of one row of `k` outputs (rule above).
int64_t predictClass(const float *row, int64_t k, OutputKind kind);

/// Counts correct predictions over batches.
class AccuracyMeter {
public:
  /// Adds `rows` rows of `k` outputs against class `labels`.
  void add(const float *outputs, int64_t rows, int64_t k, const int32_t *labels,
           OutputKind kind = OutputKind::Logits);
  /// correct / total (0 before any row).
  double value() const { return total ? double(correct) / total : 0.0; }
  /// Number of correct rows.
  int64_t numCorrect() const { return correct; }
  /// Number of rows seen.
  int64_t numTotal() const { return total; }
  /// Replaces the counts (e.g. by sums over the processes of a run).
  void setCounts(int64_t numCorrect, int64_t numTotal) {
    correct = numCorrect, total = numTotal;
  }
  /// Forgets everything.
  void reset() { correct = total = 0; }

private:
  int64_t correct = 0, total = 0;
};

/// Mean absolute error and root mean squared error over every element.
class RegressionMeter {
public:
  /// Adds `count` predictions and their targets.
  void add(const float *predictions, const float *targets, int64_t count);
  /// mean |p - t|.
  double mae() const { return count ? absSum / count : 0.0; }
  /// mean (p - t)^2.
  double mse() const { return count ? sqSum / count : 0.0; }
  /// sqrt(mse).
  double rmse() const;
  /// The sums behind mae and mse: {sum |p - t|, sum (p - t)^2, count}.
  std::array<double, 3> sums() const { return {absSum, sqSum, double(count)}; }
  /// Replaces them (e.g. by sums over the processes of a run).
  void setSums(const std::array<double, 3> &s) {
    absSum = s[0], sqSum = s[1], count = int64_t(s[2]);
  }
  /// Forgets everything.
  void reset() { absSum = sqSum = 0, count = 0; }

private:
  double absSum = 0, sqSum = 0;
  int64_t count = 0;
};

/// A confusion matrix of `numClasses` classes: rows are the true class,
/// columns the predicted one (sklearn's `confusion_matrix`). Precision,
/// recall and F1 per class and their unweighted (macro) means follow
/// sklearn with `zero_division = 0`: a class never predicted has precision
/// 0, a class absent from the labels recall 0, and F1 is 0 when precision
/// and recall are.
class ConfusionMatrix {
public:
  explicit ConfusionMatrix(int64_t numClasses = 0);
  /// Adds `rows` rows of `k` outputs (class by predictClass) against
  /// `labels`; labels or predictions outside the classes are ignored.
  void add(const float *outputs, int64_t rows, int64_t k, const int32_t *labels,
           OutputKind kind = OutputKind::Logits);
  /// Adds one (true, predicted) pair.
  void add(int64_t truth, int64_t predicted);
  int64_t numClasses() const { return n; }
  /// Count of class `truth` predicted as `predicted`.
  int64_t at(int64_t truth, int64_t predicted) const {
    return counts[size_t(truth * n + predicted)];
  }
  double precision(int64_t c) const;
  double recall(int64_t c) const;
  double f1(int64_t c) const;
  double macroPrecision() const;
  double macroRecall() const;
  double macroF1() const;

private:
  int64_t n;
  std::vector<int64_t> counts;
};

} // namespace nnc::rt

#endif // NNC_RUNTIME_METRICS_H
