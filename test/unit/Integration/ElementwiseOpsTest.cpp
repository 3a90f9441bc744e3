//===- ElementwiseOpsTest.cpp - elementwise, shape and reduction ops run
//---===//
//
// Lowers small nn functions (dynamic batch) with nnc-convert-nn-to-linalg,
// compiles and runs them, and compares with plain C++ references in double:
// the unary activations, broadcasting arithmetic, constants, reductions,
// softmax, shape ops and dropout (mask rate, determinism, scaling).
//
//===----------------------------------------------------------------------===//

#include "KernelHarness.h"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>

using namespace nnc::test;

namespace {

struct Unary {
  const char *name, *attrs;
  std::function<double(double)> ref;
};

TEST(ElementwiseOps, UnaryActivations) {
  const double pi = std::acos(-1.0);
  std::vector<Unary> ops = {
      {"relu", "", [](double x) { return std::max(x, 0.0); }},
      {"leaky_relu", "{alpha = 2.000000e-01 : f32}",
       [](double x) { return x > 0 ? x : 0.2 * x; }},
      {"elu", "{alpha = 1.500000e+00 : f32}",
       [](double x) { return x > 0 ? x : 1.5 * std::expm1(x); }},
      {"gelu", "",
       [](double x) { return 0.5 * x * (1 + std::erf(x / std::sqrt(2.0))); }},
      {"gelu", "{approximate = true}",
       [&](double x) {
         return 0.5 * x *
                (1 + std::tanh(std::sqrt(2 / pi) * (x + 0.044715 * x * x * x)));
       }},
      {"sigmoid", "", [](double x) { return 1 / (1 + std::exp(-x)); }},
      {"tanh", "", [](double x) { return std::tanh(x); }},
      {"step", "", [](double x) { return x > 0 ? 1.0 : 0.0; }},
      {"exp", "", [](double x) { return std::exp(x); }},
      {"log", "", [](double x) { return std::log(x); }},
      {"neg", "", [](double x) { return -x; }},
      {"sqrt", "", [](double x) { return std::sqrt(x); }},
      {"scale", "{factor = 2.500000e-01 : f32}",
       [](double x) { return 0.25 * x; }},
  };
  std::string src;
  for (size_t i = 0; i < ops.size(); ++i) {
    std::string name = ops[i].name;
    src += "func.func @k" + std::to_string(i) +
           "(%x: tensor<?x7xf32>) -> tensor<?x7xf32> {\n  %y = nn." + name +
           " %x " + ops[i].attrs +
           " : tensor<?x7xf32>\n  return %y : "
           "tensor<?x7xf32>\n}\n";
  }
  auto lib = Library::compile(src);
  ASSERT_TRUE(lib);
  for (int64_t n : kBatches)
    for (size_t i = 0; i < ops.size(); ++i) {
      std::string name = ops[i].name;
      std::vector<float> x = randomData(n * 7, 11 + n, -3, 3);
      if (name == "log")
        for (float &v : x)
          v = std::fabs(v) + 0.1f;
      if (name == "sqrt")
        for (float &v : x)
          v = std::fabs(v);
      std::vector<float> y(n * 7, -99);
      lib->call("k" + std::to_string(i),
                {Arg::f32(x, {n, 7}), Arg::f32(y, {n, 7})});
      std::vector<double> ref;
      for (float v : x)
        ref.push_back(ops[i].ref(v));
      expectClose(y, ref,
                  name + " " + ops[i].attrs + " n=" + std::to_string(n));
    }
}

// Exact GELU on a dense grid of [-12, 12] (f32 erf is +-1 beyond 4, where
// MathApproximation.cpp's rational erf clamps), against erf in double: within
// 2e-6 relative + 1e-6 absolute (where gelu(x) vanishes, 0.5 x (1 + erf)
// carries erf's absolute error, at most 4.5e-7, times x/2). Infinities and NaN:
// gelu(+inf) = +inf, gelu(-inf) = NaN (-inf * 0, as in PyTorch), gelu(NaN) =
// NaN.
TEST(ElementwiseOps, GeluErfAccuracy) {
  const char *src = R"mlir(
func.func @k(%x: tensor<?x16xf32>) -> tensor<?x16xf32> {
  %y = nn.gelu %x : tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}
)mlir";
  auto lib = Library::compile(src);
  ASSERT_TRUE(lib);
  int64_t n = 6000;
  std::vector<float> x(n * 16), y(n * 16, -99);
  for (size_t i = 0; i < x.size(); ++i)
    x[i] = -12.0f + 24.0f * static_cast<float>(i) / (x.size() - 1);
  lib->call("k", {Arg::f32(x, {n, 16}), Arg::f32(y, {n, 16})});
  std::vector<double> ref;
  for (float v : x)
    ref.push_back(0.5 * v * (1 + std::erf(v / std::sqrt(2.0))));
  expectClose(y, ref, "gelu grid", 2e-6, 1e-6);

  std::vector<float> special(16, 0.0f), out(16, -99);
  special[0] = INFINITY;
  special[1] = -INFINITY;
  special[2] = NAN;
  lib->call("k", {Arg::f32(special, {1, 16}), Arg::f32(out, {1, 16})});
  EXPECT_EQ(out[0], INFINITY);
  EXPECT_TRUE(std::isnan(out[1]));
  EXPECT_TRUE(std::isnan(out[2]));
  EXPECT_EQ(out[3], 0.0f);
}

TEST(ElementwiseOps, BroadcastingArithmetic) {
  const char *src = R"mlir(
func.func @add(%a: tensor<?x4x5xf32>, %b: tensor<5xf32>) -> tensor<?x4x5xf32> {
  %y = nn.add %a, %b : (tensor<?x4x5xf32>, tensor<5xf32>) -> tensor<?x4x5xf32>
  return %y : tensor<?x4x5xf32>
}
func.func @sub(%a: tensor<?x4x5xf32>, %b: tensor<4x1xf32>) -> tensor<?x4x5xf32> {
  %y = nn.sub %a, %b : (tensor<?x4x5xf32>, tensor<4x1xf32>) -> tensor<?x4x5xf32>
  return %y : tensor<?x4x5xf32>
}
func.func @mul(%a: tensor<?x1x5xf32>, %b: tensor<4x5xf32>) -> tensor<?x4x5xf32> {
  %y = nn.mul %a, %b : (tensor<?x1x5xf32>, tensor<4x5xf32>) -> tensor<?x4x5xf32>
  return %y : tensor<?x4x5xf32>
}
func.func @div(%a: tensor<?x4x5xf32>, %b: tensor<f32>) -> tensor<?x4x5xf32> {
  %y = nn.div %a, %b : (tensor<?x4x5xf32>, tensor<f32>) -> tensor<?x4x5xf32>
  return %y : tensor<?x4x5xf32>
}
)mlir";
  auto lib = Library::compile(src);
  ASSERT_TRUE(lib);
  for (int64_t n : kBatches) {
    std::vector<float> a = randomData(n * 20, 1), b5 = randomData(5, 2),
                       b41 = randomData(4, 3), a15 = randomData(n * 5, 4),
                       b45 = randomData(20, 5), y(n * 20);
    float s = 0.75f;
    std::vector<double> ref(n * 20);
    lib->call("add", {Arg::f32(a, {n, 4, 5}), Arg::f32(b5, {5}),
                      Arg::f32(y, {n, 4, 5})});
    for (int64_t i = 0; i < n * 20; ++i)
      ref[i] = double(a[i]) + b5[i % 5];
    expectClose(y, ref, "add");
    lib->call("sub", {Arg::f32(a, {n, 4, 5}), Arg::f32(b41, {4, 1}),
                      Arg::f32(y, {n, 4, 5})});
    for (int64_t i = 0; i < n * 20; ++i)
      ref[i] = double(a[i]) - b41[(i / 5) % 4];
    expectClose(y, ref, "sub");
    lib->call("mul", {Arg::f32(a15, {n, 1, 5}), Arg::f32(b45, {4, 5}),
                      Arg::f32(y, {n, 4, 5})});
    for (int64_t i = 0; i < n * 20; ++i)
      ref[i] = double(a15[(i / 20) * 5 + i % 5]) * b45[i % 20];
    expectClose(y, ref, "mul");
    lib->call("div",
              {Arg::f32(a, {n, 4, 5}), Arg::scalar(s), Arg::f32(y, {n, 4, 5})});
    for (int64_t i = 0; i < n * 20; ++i)
      ref[i] = double(a[i]) / s;
    expectClose(y, ref, "div");
  }
}

TEST(ElementwiseOps, ReductionsAndSoftmax) {
  const char *src = R"mlir(
func.func @sum(%x: tensor<?x4x6xf32>) -> tensor<?x6xf32> {
  %y = nn.reduce_sum %x {axes = array<i64: 1>} : (tensor<?x4x6xf32>) -> tensor<?x6xf32>
  return %y : tensor<?x6xf32>
}
func.func @mean(%x: tensor<?x4x6xf32>) -> tensor<1x4x1xf32> {
  %y = nn.reduce_mean %x {axes = array<i64: 0, 2>, keepdim = true} : (tensor<?x4x6xf32>) -> tensor<1x4x1xf32>
  return %y : tensor<1x4x1xf32>
}
func.func @softmax(%x: tensor<?x4x6xf32>) -> tensor<?x4x6xf32> {
  %y = nn.softmax %x {axis = 1 : i64} : (tensor<?x4x6xf32>) -> tensor<?x4x6xf32>
  return %y : tensor<?x4x6xf32>
}
func.func @log_softmax(%x: tensor<?x4x6xf32>) -> tensor<?x4x6xf32> {
  %y = nn.log_softmax %x {axis = 2 : i64} : (tensor<?x4x6xf32>) -> tensor<?x4x6xf32>
  return %y : tensor<?x4x6xf32>
}
)mlir";
  auto lib = Library::compile(src);
  ASSERT_TRUE(lib);
  for (int64_t n : kBatches) {
    // Large offsets check the max subtraction of the softmax.
    std::vector<float> x = randomData(n * 24, 9, -40, 40);
    auto at = [&](int64_t b, int64_t i, int64_t j) -> double {
      return x[(b * 4 + i) * 6 + j];
    };
    std::vector<float> s(n * 6), m(4), y(n * 24);
    lib->call("sum", {Arg::f32(x, {n, 4, 6}), Arg::f32(s, {n, 6})});
    std::vector<double> refS(n * 6, 0), refM(4, 0), refY(n * 24);
    for (int64_t b = 0; b < n; ++b)
      for (int64_t i = 0; i < 4; ++i)
        for (int64_t j = 0; j < 6; ++j) {
          refS[b * 6 + j] += at(b, i, j);
          refM[i] += at(b, i, j) / (6.0 * n);
        }
    expectClose(s, refS, "reduce_sum", 1e-5, 1e-5);
    lib->call("mean", {Arg::f32(x, {n, 4, 6}), Arg::f32(m, {1, 4, 1})});
    expectClose(m, refM, "reduce_mean", 1e-5, 1e-5);
    for (bool log : {false, true}) {
      lib->call(log ? "log_softmax" : "softmax",
                {Arg::f32(x, {n, 4, 6}), Arg::f32(y, {n, 4, 6})});
      for (int64_t b = 0; b < n; ++b)
        for (int64_t i = 0; i < 4; ++i)
          for (int64_t j = 0; j < 6; ++j) {
            // softmax over axis 1 (i), log_softmax over axis 2 (j)
            double mx = -1e300, z = 0;
            for (int64_t k = 0; k < (log ? 6 : 4); ++k)
              mx = std::max(mx, log ? at(b, i, k) : at(b, k, j));
            for (int64_t k = 0; k < (log ? 6 : 4); ++k)
              z += std::exp((log ? at(b, i, k) : at(b, k, j)) - mx);
            double v = at(b, i, j) - mx;
            refY[(b * 4 + i) * 6 + j] = log ? v - std::log(z) : std::exp(v) / z;
          }
      expectClose(y, refY, log ? "log_softmax" : "softmax");
    }
  }
}

// Softmax over rows of 64 (one 64-lane horizontal maximum per row, with
// `nsz`: -0 and +0 need not be ordered) against double: a row of random
// values, one with a NaN (the whole row is NaN, as in PyTorch), one of
// zeros of both signs (uniform), one with +inf (inf - inf: NaN) and one of
// equal large values (uniform, the maximum subtracted).
TEST(ElementwiseOps, SoftmaxRowsSpecialValues) {
  const char *src = R"mlir(
func.func @softmax(%x: tensor<?x64xf32>) -> tensor<?x64xf32> {
  %y = nn.softmax %x {axis = 1 : i64} : (tensor<?x64xf32>) -> tensor<?x64xf32>
  return %y : tensor<?x64xf32>
}
)mlir";
  auto lib = Library::compile(src);
  ASSERT_TRUE(lib);
  const int64_t rows = 5;
  std::vector<float> x = randomData(rows * 64, 11, -20, 20);
  x[64 + 37] = NAN;
  for (int64_t j = 0; j < 64; ++j) {
    x[2 * 64 + j] = j % 3 == 0 ? -0.0f : 0.0f;
    x[4 * 64 + j] = 80.0f;
  }
  x[3 * 64 + 5] = INFINITY;
  std::vector<float> y(rows * 64, -99);
  lib->call("softmax", {Arg::f32(x, {rows, 64}), Arg::f32(y, {rows, 64})});
  for (int64_t r : {0, 2, 4}) {
    double mx = -1e300, z = 0;
    for (int64_t j = 0; j < 64; ++j)
      mx = std::max(mx, static_cast<double>(x[r * 64 + j]));
    for (int64_t j = 0; j < 64; ++j)
      z += std::exp(x[r * 64 + j] - mx);
    std::vector<float> row(y.begin() + r * 64, y.begin() + (r + 1) * 64);
    std::vector<double> ref;
    for (int64_t j = 0; j < 64; ++j)
      ref.push_back(std::exp(x[r * 64 + j] - mx) / z);
    expectClose(row, ref, "softmax row " + std::to_string(r));
  }
  for (int64_t r : {1, 3})
    for (int64_t j = 0; j < 64; ++j)
      EXPECT_TRUE(std::isnan(y[r * 64 + j])) << "row " << r << " col " << j;
}

} // namespace
