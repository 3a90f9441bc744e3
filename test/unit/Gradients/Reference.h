//===- Reference.h - plain C++ f64 layers for reference losses -*- C++ -*-===//
//
// Straightforward double-precision implementations of the layers and losses
// the gradient tests use, written from their definitions (PyTorch's
// formulas), independent of the compiler: row-major vectors with explicit
// sizes.
//
//===----------------------------------------------------------------------===//

#ifndef NNC_TEST_UNIT_GRADIENTS_REFERENCE_H
#define NNC_TEST_UNIT_GRADIENTS_REFERENCE_H

#include <algorithm>
#include <cmath>
#include <functional>
#include <vector>

namespace nnc::test::ref {

using Vec = std::vector<double>;

/// y[n, o] = sum_k x[n, k] w[o, k] + b[o].
inline Vec dense(const Vec &x, size_t n, size_t k, const Vec &w, size_t o,
                 const Vec *b) {
  Vec y(n * o);
  for (size_t i = 0; i < n; ++i)
    for (size_t j = 0; j < o; ++j) {
      double s = b ? (*b)[j] : 0.0;
      for (size_t l = 0; l < k; ++l)
        s += x[i * k + l] * w[j * k + l];
      y[i * o + j] = s;
    }
  return y;
}

inline Vec map(Vec v, const std::function<double(double)> &f) {
  for (double &x : v)
    x = f(x);
  return v;
}

inline double mean(const Vec &v) {
  double s = 0;
  for (double x : v)
    s += x;
  return s / v.size();
}

inline double mse(const Vec &x, const Vec &y) {
  Vec d(x.size());
  for (size_t i = 0; i < x.size(); ++i)
    d[i] = (x[i] - y[i]) * (x[i] - y[i]);
  return mean(d);
}

/// Row-wise softmax of [n, c]; log-softmax when `logarithm`.
inline Vec softmax(const Vec &x, size_t n, size_t c, bool logarithm = false) {
  Vec y(x.size());
  for (size_t i = 0; i < n; ++i) {
    double m = x[i * c];
    for (size_t j = 1; j < c; ++j)
      m = std::max(m, x[i * c + j]);
    double s = 0;
    for (size_t j = 0; j < c; ++j)
      s += std::exp(x[i * c + j] - m);
    for (size_t j = 0; j < c; ++j)
      y[i * c + j] = logarithm ? x[i * c + j] - m - std::log(s)
                               : std::exp(x[i * c + j] - m) / s;
  }
  return y;
}

/// Cross-entropy of logits [n, c] with class indices.
inline double crossEntropy(const Vec &x, size_t n, size_t c, const Vec &y) {
  Vec lp = softmax(x, n, c, true);
  double s = 0;
  for (size_t i = 0; i < n; ++i)
    s -= lp[i * c + static_cast<size_t>(y[i])];
  return s / n;
}

inline double sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }
inline double gelu(double x) {
  return 0.5 * x * (1 + std::erf(x / std::sqrt(2.0)));
}
inline double geluTanh(double x) {
  const double k = std::sqrt(2.0 / M_PI);
  return 0.5 * x * (1 + std::tanh(k * (x + 0.044715 * x * x * x)));
}

} // namespace nnc::test::ref

#endif // NNC_TEST_UNIT_GRADIENTS_REFERENCE_H
