//===- Metrics.cpp - Training metrics -------------------------------------===//
//
// Running means, accuracy by the documented rule, MAE and RMSE.
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
