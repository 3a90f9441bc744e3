//===- Metrics.cpp - Training metrics -------------------------------------===//
//
// Running means, accuracy by the documented rule, MAE and RMSE, and the
// confusion matrix with macro precision, recall and F1.
//
//===----------------------------------------------------------------------===//

#include "nnc/Runtime/Metrics.h"

#include <cmath>

using namespace nnc::rt;

void RunningMean::add(double value, double weight) {
  if (weight <= 0)
    return;
  sum += value * weight;
  total += weight;
}

int64_t nnc::rt::predictClass(const float *row, int64_t k, OutputKind kind) {
  if (k == 1)
    return row[0] > (kind == OutputKind::Probabilities ? 0.5f : 0.0f) ? 1 : 0;
  int64_t best = 0;
  for (int64_t c = 1; c < k; ++c)
    if (row[c] > row[best])
      best = c;
  return best;
}

void AccuracyMeter::add(const float *outputs, int64_t rows, int64_t k,
                        const int32_t *labels, OutputKind kind) {
  if (k < 1)
    return;
  for (int64_t r = 0; r < rows; ++r)
    correct += predictClass(outputs + r * k, k, kind) == labels[r];
  total += rows > 0 ? rows : 0;
}

void RegressionMeter::add(const float *predictions, const float *targets,
                          int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    double d = double(predictions[i]) - targets[i];
    absSum += std::fabs(d);
    sqSum += d * d;
  }
  count += n > 0 ? n : 0;
}

double RegressionMeter::rmse() const { return std::sqrt(mse()); }

//===----------------------------------------------------------------------===//
// ConfusionMatrix
//===----------------------------------------------------------------------===//

ConfusionMatrix::ConfusionMatrix(int64_t numClasses)
    : n(numClasses > 0 ? numClasses : 0), counts(size_t(n * n), 0) {}

void ConfusionMatrix::add(int64_t truth, int64_t predicted) {
  if (truth >= 0 && truth < n && predicted >= 0 && predicted < n)
    ++counts[size_t(truth * n + predicted)];
}

void ConfusionMatrix::add(const float *outputs, int64_t rows, int64_t k,
                          const int32_t *labels, OutputKind kind) {
  if (k < 1)
    return;
  for (int64_t r = 0; r < rows; ++r)
    add(labels[r], predictClass(outputs + r * k, k, kind));
}

double ConfusionMatrix::precision(int64_t c) const {
  int64_t predicted = 0;
  for (int64_t t = 0; t < n; ++t)
    predicted += at(t, c);
  return predicted ? double(at(c, c)) / double(predicted) : 0.0;
}

double ConfusionMatrix::recall(int64_t c) const {
  int64_t actual = 0;
  for (int64_t p = 0; p < n; ++p)
    actual += at(c, p);
  return actual ? double(at(c, c)) / double(actual) : 0.0;
}

double ConfusionMatrix::f1(int64_t c) const {
  double p = precision(c), r = recall(c);
  return p + r > 0 ? 2 * p * r / (p + r) : 0.0;
}

double ConfusionMatrix::macroPrecision() const {
  double s = 0;
  for (int64_t c = 0; c < n; ++c)
    s += precision(c);
  return n ? s / double(n) : 0.0;
}

double ConfusionMatrix::macroRecall() const {
  double s = 0;
  for (int64_t c = 0; c < n; ++c)
    s += recall(c);
  return n ? s / double(n) : 0.0;
}

double ConfusionMatrix::macroF1() const {
  double s = 0;
  for (int64_t c = 0; c < n; ++c)
    s += f1(c);
  return n ? s / double(n) : 0.0;
}
