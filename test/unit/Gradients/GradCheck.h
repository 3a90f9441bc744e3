//===- GradCheck.h - finite-difference checks of compiled gradients -*- C++
//-*-===//
//
// The checking procedure shared by the gradient tests: a case is an nn
// module with @loss, its argument buffers, which of them are parameters,
// and an independent double-precision reference of the loss written in
// plain C++. `checkGradients` compiles the case through autodiff, compares
// every compiled gradient entry with central finite differences of the f64
// reference (eps 1e-6, rtol 1e-3, atol 1e-5), and checks the directional
// derivative of the compiled f32 loss along a random direction against
// gradient · direction (rtol 2e-3).
//
//===----------------------------------------------------------------------===//

#ifndef NNC_TEST_UNIT_GRADIENTS_GRADCHECK_H
#define NNC_TEST_UNIT_GRADIENTS_GRADCHECK_H

#include "Harness.h"

#include <functional>
#include <random>

namespace nnc::test {

/// The f64 values of every @loss argument (ints converted), in order.
using Values = std::vector<std::vector<double>>;

/// One gradient check.
struct GradCase {
  std::string name;
  std::string ir;
  std::vector<Buffer> args;
  std::vector<size_t> params;
  std::function<double(const Values &)> reference;
  /// The lowering's form of convolutions: per image (the CPU's, as models
  /// compile) or one whole-batch product (the GPU's).
  bool perImageConvolutions = true;
};

/// Uniform random floats in [lo, hi).
std::vector<float> randomFloats(std::mt19937 &rng, size_t n, float lo = -1,
                                float hi = 1);

/// The number of elements of a tensor of `shape` (1 for a scalar).
size_t numel(const std::vector<int64_t> &shape);

/// A float buffer of `shape` filled with randomFloats(rng, ..., lo, hi).
Buffer randomBuffer(std::mt19937 &rng, std::vector<int64_t> shape,
                    float lo = -1, float hi = 1);

/// Replaces every `from` in `text` by `to` (IR templates).
std::string replaceAll(std::string text, const std::string &from,
                       const std::string &to);

/// Runs the checks of one case (gtest assertions inside).
void checkGradients(GradCase &c);

} // namespace nnc::test

#endif // NNC_TEST_UNIT_GRADIENTS_GRADCHECK_H
