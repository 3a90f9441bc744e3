//===- GradCheck.cpp - finite-difference checks of compiled gradients -----===//
//
// Implements checkGradients (GradCheck.h): compiled @grads against central
// differences of the f64 reference, and the compiled f32 @loss's
// directional derivative against gradient · direction.
//
//===----------------------------------------------------------------------===//

#include "GradCheck.h"

#include <gtest/gtest.h>

#include <cmath>

namespace nnc::test {

std::vector<float> randomFloats(std::mt19937 &rng, size_t n, float lo,
                                float hi) {
  std::uniform_real_distribution<float> dist(lo, hi);
  std::vector<float> v(n);
  for (float &f : v)
    f = dist(rng);
  return v;
}

size_t numel(const std::vector<int64_t> &shape) {
  size_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

Buffer randomBuffer(std::mt19937 &rng, std::vector<int64_t> shape, float lo,
                    float hi) {
  size_t n = numel(shape);
  return Buffer::floats(std::move(shape), randomFloats(rng, n, lo, hi));
}

std::string replaceAll(std::string text, const std::string &from,
                       const std::string &to) {
  for (size_t pos = text.find(from); pos != std::string::npos;
       pos = text.find(from, pos + to.size()))
    text.replace(pos, from.size(), to);
  return text;
}

static Values toValues(const std::vector<Buffer> &args) {
  Values values;
  for (const Buffer &b : args) {
    std::vector<double> v;
    for (float f : b.f32)
      v.push_back(f);
    for (int32_t i : b.i32)
      v.push_back(i);
    for (int64_t i : b.i64)
      v.push_back(static_cast<double>(i));
    values.push_back(std::move(v));
  }
  return values;
}

/// Runs @loss on `args` and returns the compiled f32 loss.
static float compiledLoss(Compiled &k, std::vector<Buffer> &args) {
  Buffer loss = Buffer::floats({}, {0.f});
  std::vector<Buffer *> ptrs;
  for (Buffer &b : args)
    ptrs.push_back(&b);
  ptrs.push_back(&loss);
  k.call("loss", ptrs);
  return loss.f32[0];
}

void checkGradients(GradCase &c) {
  SCOPED_TRACE(c.name);
  CompileOptions options;
  options.perImageConvolutions = c.perImageConvolutions;
  std::unique_ptr<Compiled> k = compile(c.ir, options);
  ASSERT_NE(k, nullptr);

  // @grads: loss, then one gradient per parameter.
  Buffer loss = Buffer::floats({}, {0.f});
  std::vector<Buffer> grads;
  for (size_t p : c.params)
    grads.push_back(Buffer::floats(
        c.args[p].shape, std::vector<float>(numel(c.args[p].shape), -7.f)));
  std::vector<Buffer *> ptrs;
  for (Buffer &b : c.args)
    ptrs.push_back(&b);
  ptrs.push_back(&loss);
  for (Buffer &g : grads)
    ptrs.push_back(&g);
  ASSERT_TRUE(k->call("grads", ptrs));

  Values values = toValues(c.args);
  double ref = c.reference(values);
  EXPECT_NEAR(loss.f32[0], ref, 1e-4 * (1 + std::fabs(ref))) << "loss value";

  // Central differences of the f64 reference.
  const double eps = 1e-6, rtol = 1e-3, atol = 1e-5;
  for (size_t k2 = 0; k2 < c.params.size(); ++k2) {
    std::vector<double> &theta = values[c.params[k2]];
    for (size_t i = 0; i < theta.size(); ++i) {
      double saved = theta[i];
      theta[i] = saved + eps;
      double up = c.reference(values);
      theta[i] = saved - eps;
      double down = c.reference(values);
      theta[i] = saved;
      double fd = (up - down) / (2 * eps);
      EXPECT_NEAR(grads[k2].f32[i], fd, atol + rtol * std::fabs(fd))
          << "param " << k2 << " (arg " << c.params[k2] << ") entry " << i;
    }
  }

  // Directional derivative of the compiled f32 loss. The step is small
  // enough that no relu or max-pooling kink of the small CNN is crossed:
  // with 1e-3 (and the inputs its test gets when run alone) one was, and
  // the central difference missed the gradient by 5% while every entry
  // matched the f64 reference's differences.
  std::mt19937 rng(1234);
  const float h = 1e-4f;
  std::vector<Buffer> plus = c.args, minus = c.args;
  double dot = 0;
  for (size_t k2 = 0; k2 < c.params.size(); ++k2) {
    std::vector<float> dir = randomFloats(rng, c.args[c.params[k2]].f32.size());
    for (size_t i = 0; i < dir.size(); ++i) {
      plus[c.params[k2]].f32[i] += h * dir[i];
      minus[c.params[k2]].f32[i] -= h * dir[i];
      dot += double(grads[k2].f32[i]) * dir[i];
    }
  }
  double lossPlus = compiledLoss(*k, plus), lossMinus = compiledLoss(*k, minus);
  double directional = (lossPlus - lossMinus) / (2.0 * h);
  // rtol 2e-3, plus the rounding error of an f32 central difference: each
  // loss carries up to a few ulps (|L| * 2^-23 each, 4 ulps allowed), divided
  // by 2h. Without it a small directional derivative (|dot| ~ 1e-2) fails on
  // rounding alone, whatever the gradient.
  double roundoff =
      4.0 *
      std::ldexp(std::max(std::fabs(lossPlus), std::fabs(lossMinus)), -23) /
      (2.0 * h);
  EXPECT_NEAR(directional, dot,
              2e-3 * std::max(std::fabs(dot), std::fabs(directional)) + 1e-5 +
                  roundoff)
      << "directional derivative (f32 rounding allowance " << roundoff << ")";
}

} // namespace nnc::test
