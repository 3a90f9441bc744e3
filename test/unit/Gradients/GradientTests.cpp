//===- GradientTests.cpp - compiled gradients vs finite differences -------===//
//
// For each differentiable op family: a small @loss in nn IR, compiled through
// nnc-autodiff, NNToLinalg and the CPU back end, whose @grads is compared
// with central differences of an f64 reference written in plain C++
// (Reference.h), plus a random-direction check of the compiled f32 loss
// (GradCheck.h). Includes a whole MLP with cross-entropy.
//
//===----------------------------------------------------------------------===//

#include "GradCheck.h"
#include "Reference.h"

#include <gtest/gtest.h>

using namespace nnc::test;
using ref::Vec;

namespace {

std::mt19937 rng(42);

const char *kMlp = R"mlir(
func.func @loss(%x: tensor<?x3xf32> {nn.input = "x"}, %y: tensor<?xi32> {nn.label = "y"},
                %w1: tensor<6x3xf32> {nn.param = #nn.param<"fc1.weight", weight, he>},
                %b1: tensor<6xf32> {nn.param = #nn.param<"fc1.bias", bias, zeros>},
                %w2: tensor<4x6xf32> {nn.param = #nn.param<"fc2.weight", weight, he>},
                %b2: tensor<4xf32> {nn.param = #nn.param<"fc2.bias", bias, zeros>})
    -> (tensor<f32> {nn.loss}) {
  %h = nn.dense %x, %w1, %b1 : (tensor<?x3xf32>, tensor<6x3xf32>, tensor<6xf32>) -> tensor<?x6xf32>
  %a = nn.relu %h : tensor<?x6xf32>
  %o = nn.dense %a, %w2, %b2 : (tensor<?x6xf32>, tensor<4x6xf32>, tensor<4xf32>) -> tensor<?x4xf32>
  %l = nn.cross_entropy_loss %o, %y : tensor<?x4xf32>, tensor<?xi32>
  return %l : tensor<f32>
}
)mlir";

TEST(Gradients, MlpCrossEntropy) {
  GradCase c{"mlp", kMlp, {}, {2, 3, 4, 5}, nullptr};
  c.args = {randomBuffer(rng, {5, 3}), Buffer::ints({5}, {0, 3, 1, 2, 3}),
            randomBuffer(rng, {6, 3}), randomBuffer(rng, {6}),
            randomBuffer(rng, {4, 6}), randomBuffer(rng, {4})};
  c.reference = [](const Values &v) {
    Vec h = ref::map(ref::dense(v[0], 5, 3, v[2], 6, &v[3]),
                     [](double x) { return std::max(x, 0.0); });
    return ref::crossEntropy(ref::dense(h, 5, 6, v[4], 4, &v[5]), 5, 4, v[1]);
  };
  checkGradients(c);
}

// A dense layer on sequences whose input rows are 2 KB (512 floats) and whose
// output rows are short: the CPU computes its weight gradient transposed
// (nnc-fold-lhs-transpose's transposedProduct) and transposes it back.
const char *kSequenceDenseLongRows = R"mlir(
func.func @loss(%x: tensor<?x4x512xf32> {nn.input = "x"}, %t: tensor<?x4x8xf32> {nn.label = "t"},
                %w: tensor<8x512xf32> {nn.param = #nn.param<"fc.weight", weight, he>},
                %b: tensor<8xf32> {nn.param = #nn.param<"fc.bias", bias, zeros>})
    -> (tensor<f32> {nn.loss}) {
  %h = nn.dense %x, %w, %b : (tensor<?x4x512xf32>, tensor<8x512xf32>, tensor<8xf32>) -> tensor<?x4x8xf32>
  %a = nn.tanh %h : tensor<?x4x8xf32>
  %l = nn.mse_loss %a, %t : tensor<?x4x8xf32>, tensor<?x4x8xf32>
  return %l : tensor<f32>
}
)mlir";

TEST(Gradients, SequenceDenseLongRows) {
  GradCase c{"sequence dense, 512 inputs",
             kSequenceDenseLongRows,
             {},
             {2, 3},
             nullptr};
  c.args = {randomBuffer(rng, {3, 4, 512}), randomBuffer(rng, {3, 4, 8}),
            randomBuffer(rng, {8, 512}, -0.05f, 0.05f), randomBuffer(rng, {8})};
  c.reference = [](const Values &v) {
    Vec a = ref::map(ref::dense(v[0], 12, 512, v[2], 8, &v[3]),
                     [](double x) { return std::tanh(x); });
    return ref::mse(a, v[1]);
  };
  checkGradients(c);
}

const char *kActivation = R"mlir(
func.func @loss(%x: tensor<?x3xf32> {nn.input = "x"}, %t: tensor<?x5xf32> {nn.label = "t"},
                %w: tensor<5x3xf32> {nn.param = #nn.param<"fc.weight", weight, he>},
                %b: tensor<5xf32> {nn.param = #nn.param<"fc.bias", bias, zeros>})
    -> (tensor<f32> {nn.loss}) {
  %h = nn.dense %x, %w, %b : (tensor<?x3xf32>, tensor<5x3xf32>, tensor<5xf32>) -> tensor<?x5xf32>
  %a = ACT %h ATTRS : tensor<?x5xf32>
  %l = nn.mse_loss %a, %t : tensor<?x5xf32>, tensor<?x5xf32>
  return %l : tensor<f32>
}
)mlir";

struct Activation {
  const char *op, *attrs;
  std::function<double(double)> f;
};

TEST(Gradients, Activations) {
  std::vector<Activation> acts = {
      {"nn.relu", "", [](double x) { return std::max(x, 0.0); }},
      {"nn.leaky_relu", "{alpha = 0.2 : f32}",
       [](double x) { return x > 0 ? x : 0.2 * x; }},
      {"nn.elu", "{alpha = 1.5 : f32}",
       [](double x) { return x > 0 ? x : 1.5 * (std::exp(x) - 1); }},
      {"nn.gelu", "", ref::gelu},
      {"nn.gelu", "{approximate = true}", ref::geluTanh},
      {"nn.sigmoid", "", ref::sigmoid},
      {"nn.tanh", "", [](double x) { return std::tanh(x); }},
      {"nn.exp", "", [](double x) { return std::exp(x); }},
      {"nn.neg", "", [](double x) { return -x; }},
      {"nn.abs", "", [](double x) { return std::fabs(x); }},
      {"nn.erf", "", [](double x) { return std::erf(x); }},
      {"nn.pow", "{exponent = 2.0 : f32}", [](double x) { return x * x; }},
      {"nn.pow", "{exponent = 3.0 : f32}", [](double x) { return x * x * x; }},
      {"nn.clip", "{min = -0.25 : f32, max = 0.5 : f32}",
       [](double x) { return std::min(std::max(x, -0.25), 0.5); }},
      {"nn.clip", "{min = -0.1 : f32}",
       [](double x) { return std::max(x, -0.1); }},
      {"nn.clip", "{max = 0.1 : f32}",
       [](double x) { return std::min(x, 0.1); }},
      {"nn.scale", "{factor = 2.5 : f32}", [](double x) { return 2.5 * x; }},
  };
  for (const Activation &act : acts) {
    std::string ir =
        replaceAll(replaceAll(kActivation, "ACT", act.op), "ATTRS", act.attrs);
    GradCase c{std::string(act.op) + act.attrs, ir, {}, {2, 3}, nullptr};
    c.args = {randomBuffer(rng, {4, 3}), randomBuffer(rng, {4, 5}),
              randomBuffer(rng, {5, 3}), randomBuffer(rng, {5})};
    auto f = act.f;
    c.reference = [f](const Values &v) {
      return ref::mse(ref::map(ref::dense(v[0], 4, 3, v[2], 5, &v[3]), f),
                      v[1]);
    };
    checkGradients(c);
  }
}

// Functions defined on x > 0 (the language's `log`, `sqrt`, `pow` with a
// non-integer exponent): behind a sigmoid, so that every input is in (0, 1).
const char *kPositiveDomain = R"mlir(
func.func @loss(%x: tensor<?x3xf32> {nn.input = "x"}, %t: tensor<?x5xf32> {nn.label = "t"},
                %w: tensor<5x3xf32> {nn.param = #nn.param<"fc.weight", weight, he>},
                %b: tensor<5xf32> {nn.param = #nn.param<"fc.bias", bias, zeros>})
    -> (tensor<f32> {nn.loss}) {
  %h = nn.dense %x, %w, %b : (tensor<?x3xf32>, tensor<5x3xf32>, tensor<5xf32>) -> tensor<?x5xf32>
  %s = nn.sigmoid %h : tensor<?x5xf32>
  %a = ACT %s ATTRS : tensor<?x5xf32>
  %l = nn.mse_loss %a, %t : tensor<?x5xf32>, tensor<?x5xf32>
  return %l : tensor<f32>
}
)mlir";

TEST(Gradients, PositiveDomainFunctions) {
  std::vector<Activation> fns = {
      {"nn.log", "", [](double x) { return std::log(x); }},
      {"nn.sqrt", "", [](double x) { return std::sqrt(x); }},
      {"nn.pow", "{exponent = 0.5 : f32}",
       [](double x) { return std::pow(x, 0.5); }},
      {"nn.pow", "{exponent = -1.5 : f32}",
       [](double x) { return std::pow(x, -1.5); }},
  };
  for (const Activation &fn : fns) {
    std::string ir = replaceAll(replaceAll(kPositiveDomain, "ACT", fn.op),
                                "ATTRS", fn.attrs);
    GradCase c{std::string(fn.op) + fn.attrs, ir, {}, {2, 3}, nullptr};
    c.args = {randomBuffer(rng, {4, 3}), randomBuffer(rng, {4, 5}),
              randomBuffer(rng, {5, 3}), randomBuffer(rng, {5})};
    auto f = fn.f;
    c.reference = [f](const Values &v) {
      return ref::mse(ref::map(ref::map(ref::dense(v[0], 4, 3, v[2], 5, &v[3]),
                                        ref::sigmoid),
                               f),
                      v[1]);
    };
    checkGradients(c);
  }
}

// nn.minimum / nn.maximum of a dense layer's output and a broadcast
// parameter row, in both operand orders: both operands get gradients (ties
// have probability 0 with random values).
const char *kExtremum = R"mlir(
func.func @loss(%x: tensor<?x3xf32> {nn.input = "x"}, %t: tensor<?x5xf32> {nn.label = "t"},
                %w: tensor<5x3xf32> {nn.param = #nn.param<"fc.weight", weight, he>},
                %b: tensor<5xf32> {nn.param = #nn.param<"fc.bias", bias, zeros>},
                %c: tensor<5xf32> {nn.param = #nn.param<"c", weight, zeros>})
    -> (tensor<f32> {nn.loss}) {
  %h = nn.dense %x, %w, %b : (tensor<?x3xf32>, tensor<5x3xf32>, tensor<5xf32>) -> tensor<?x5xf32>
  %m = FN ARGS : (TYPES) -> tensor<?x5xf32>
  %l = nn.mse_loss %m, %t : tensor<?x5xf32>, tensor<?x5xf32>
  return %l : tensor<f32>
}
)mlir";

TEST(Gradients, MinimumAndMaximum) {
  for (bool max : {false, true}) {
    for (bool rowFirst : {false, true}) {
      std::string ir =
          replaceAll(replaceAll(replaceAll(kExtremum, "FN",
                                           max ? "nn.maximum" : "nn.minimum"),
                                "ARGS", rowFirst ? "%c, %h" : "%h, %c"),
                     "TYPES",
                     rowFirst ? "tensor<5xf32>, tensor<?x5xf32>"
                              : "tensor<?x5xf32>, tensor<5xf32>");
      GradCase c{std::string(max ? "maximum" : "minimum") +
                     (rowFirst ? " (row, h)" : " (h, row)"),
                 ir,
                 {},
                 {2, 3, 4},
                 nullptr};
      c.args = {randomBuffer(rng, {4, 3}), randomBuffer(rng, {4, 5}),
                randomBuffer(rng, {5, 3}), randomBuffer(rng, {5}),
                randomBuffer(rng, {5})};
      c.reference = [max](const Values &v) {
        Vec h = ref::dense(v[0], 4, 3, v[2], 5, &v[3]);
        for (size_t i = 0; i < h.size(); ++i)
          h[i] =
              max ? std::max(h[i], v[4][i % 5]) : std::min(h[i], v[4][i % 5]);
        return ref::mse(h, v[1]);
      };
      checkGradients(c);
    }
  }
}

const char *kSoftmax = R"mlir(
func.func @loss(%x: tensor<?x3xf32> {nn.input = "x"}, %t: tensor<?x4xf32> {nn.label = "t"},
                %w: tensor<4x3xf32> {nn.param = #nn.param<"fc.weight", weight, he>})
    -> (tensor<f32> {nn.loss}) {
  %h = nn.dense %x, %w : (tensor<?x3xf32>, tensor<4x3xf32>) -> tensor<?x4xf32>
  %a = OP %h {axis = 1 : i64} : (tensor<?x4xf32>) -> tensor<?x4xf32>
  %l = nn.mse_loss %a, %t : tensor<?x4xf32>, tensor<?x4xf32>
  return %l : tensor<f32>
}
)mlir";

TEST(Gradients, SoftmaxAndLogSoftmax) {
  for (bool logarithm : {false, true}) {
    GradCase c{
        logarithm ? "log_softmax" : "softmax",
        replaceAll(kSoftmax, "OP", logarithm ? "nn.log_softmax" : "nn.softmax"),
        {},
        {2},
        nullptr};
    c.args = {randomBuffer(rng, {3, 3}, -2, 2), randomBuffer(rng, {3, 4}),
              randomBuffer(rng, {4, 3})};
    c.reference = [logarithm](const Values &v) {
      return ref::mse(ref::softmax(ref::dense(v[0], 3, 3, v[2], 4, nullptr), 3,
                                   4, logarithm),
                      v[1]);
    };
    checkGradients(c);
  }
}

// Broadcasting arithmetic and reductions, including a mean over the batch.
const char *kArith = R"mlir(
func.func @loss(%x: tensor<?x3x4xf32> {nn.input = "x"}, %t: tensor<?x4xf32> {nn.label = "t"},
                %a: tensor<4xf32> {nn.param = #nn.param<"a", weight, ones>},
                %c: tensor<3x1xf32> {nn.param = #nn.param<"c", weight, ones>})
    -> (tensor<f32> {nn.loss}) {
  %xa = nn.mul %x, %a : (tensor<?x3x4xf32>, tensor<4xf32>) -> tensor<?x3x4xf32>
  %ec = nn.exp %c : tensor<3x1xf32>
  %q = nn.div %xa, %ec : (tensor<?x3x4xf32>, tensor<3x1xf32>) -> tensor<?x3x4xf32>
  %y = nn.sub %q, %a : (tensor<?x3x4xf32>, tensor<4xf32>) -> tensor<?x3x4xf32>
  %s = nn.reduce_mean %y {axes = array<i64: 1>} : (tensor<?x3x4xf32>) -> tensor<?x4xf32>
  %l1 = nn.mse_loss %s, %t : tensor<?x4xf32>, tensor<?x4xf32>
  %yy = nn.mul %y, %y : (tensor<?x3x4xf32>, tensor<?x3x4xf32>) -> tensor<?x3x4xf32>
  %k = nn.reduce_sum %yy {axes = array<i64: 2>, keepdim = true} : (tensor<?x3x4xf32>) -> tensor<?x3x1xf32>
  %m = nn.reduce_mean %k {axes = array<i64: 0, 1, 2>} : (tensor<?x3x1xf32>) -> tensor<f32>
  %l = nn.add %l1, %m : (tensor<f32>, tensor<f32>) -> tensor<f32>
  return %l : tensor<f32>
}
)mlir";

TEST(Gradients, BroadcastArithmeticAndReductions) {
  GradCase c{"arith", kArith, {}, {2, 3}, nullptr};
  const size_t n = 3;
  c.args = {randomBuffer(rng, {n, 3, 4}), randomBuffer(rng, {n, 4}),
            randomBuffer(rng, {4}), randomBuffer(rng, {3, 1})};
  c.reference = [n](const Values &v) {
    const Vec &x = v[0], &t = v[1], &a = v[2], &cc = v[3];
    Vec y(n * 12), s(n * 4, 0.0);
    double sq = 0;
    for (size_t i = 0; i < n; ++i)
      for (size_t j = 0; j < 3; ++j)
        for (size_t k = 0; k < 4; ++k) {
          double val = x[i * 12 + j * 4 + k] * a[k] / std::exp(cc[j]) - a[k];
          s[i * 4 + k] += val / 3;
          sq += val * val;
        }
    return ref::mse(s, t) + sq / (n * 3);
  };
  checkGradients(c);
}

// matmul(a, b) of two activations (the language's batched product), rank 3
// and 4, each transpose flag: both operands carry a parameter (x * P1,
// y * P2, broadcast over the batch dimensions) so that both adjoints are
// checked.
const char *kBatchedMatmul = R"mlir(
func.func @loss(%x: tensor<$Nx$A0x$A1xf32> {nn.input = "x"}, %y: tensor<$Nx$B0x$B1xf32> {nn.input = "y"},
                %t: tensor<$Nx3x2xf32> {nn.label = "t"},
                %p1: tensor<$A0x$A1xf32> {nn.param = #nn.param<"p1", weight, he>},
                %p2: tensor<$B0x$B1xf32> {nn.param = #nn.param<"p2", weight, he>})
    -> (tensor<f32> {nn.loss}) {
  %a = nn.mul %x, %p1 : (tensor<$Nx$A0x$A1xf32>, tensor<$A0x$A1xf32>) -> tensor<$Nx$A0x$A1xf32>
  %b = nn.mul %y, %p2 : (tensor<$Nx$B0x$B1xf32>, tensor<$B0x$B1xf32>) -> tensor<$Nx$B0x$B1xf32>
  %m = nn.matmul %a, %b {transpose_lhs = $TL, transpose_rhs = $TR} : (tensor<$Nx$A0x$A1xf32>, tensor<$Nx$B0x$B1xf32>) -> tensor<$Nx3x2xf32>
  %l = nn.mse_loss %m, %t : tensor<$Nx3x2xf32>, tensor<$Nx3x2xf32>
  return %l : tensor<f32>
}
)mlir";

TEST(Gradients, BatchedMatmulOfActivations) {
  const size_t m = 3, k = 4, p = 2;
  for (bool rank4 : {false, true})
    for (bool tl : {false, true})
      for (bool tr : {false, true}) {
        if (rank4 && tl != tr)
          continue;
        size_t a0 = tl ? k : m, a1 = tl ? m : k;
        size_t b0 = tr ? p : k, b1 = tr ? k : p;
        std::string ir = kBatchedMatmul;
        for (auto [from, to] :
             {std::pair<std::string, std::string>{"$N", rank4 ? "?x2" : "?"},
              {"$A0", std::to_string(a0)},
              {"$A1", std::to_string(a1)},
              {"$B0", std::to_string(b0)},
              {"$B1", std::to_string(b1)},
              {"$TL", tl ? "true" : "false"},
              {"$TR", tr ? "true" : "false"}})
          ir = replaceAll(ir, from, to);
        const size_t n = 3, heads = rank4 ? 2 : 1, batches = n * heads;
        std::vector<int64_t> lead{int64_t(n)};
        if (rank4)
          lead.push_back(2);
        auto shape = [&](size_t r, size_t c) {
          std::vector<int64_t> s = lead;
          s.push_back(int64_t(r));
          s.push_back(int64_t(c));
          return s;
        };
        GradCase c{std::string("matmul") + (rank4 ? " rank 4" : " rank 3") +
                       (tl ? " ^T" : "") + " x" + (tr ? " ^T" : ""),
                   ir,
                   {},
                   {3, 4},
                   nullptr};
        c.args = {randomBuffer(rng, shape(a0, a1)),
                  randomBuffer(rng, shape(b0, b1)),
                  randomBuffer(rng, shape(m, p)),
                  randomBuffer(rng, {int64_t(a0), int64_t(a1)}),
                  randomBuffer(rng, {int64_t(b0), int64_t(b1)})};
        c.reference = [=](const Values &v) {
          const Vec &x = v[0], &y = v[1], &t = v[2], &p1 = v[3], &p2 = v[4];
          Vec out(batches * m * p, 0.0);
          for (size_t q = 0; q < batches; ++q)
            for (size_t i = 0; i < m; ++i)
              for (size_t j = 0; j < p; ++j)
                for (size_t l = 0; l < k; ++l) {
                  size_t ia = tl ? l * a1 + i : i * a1 + l;
                  size_t ib = tr ? j * b1 + l : l * b1 + j;
                  out[(q * m + i) * p + j] += x[q * a0 * a1 + ia] * p1[ia] *
                                              y[q * b0 * b1 + ib] * p2[ib];
                }
          return ref::mse(out, t);
        };
        checkGradients(c);
      }
}

} // namespace
