//===- DropoutPositionalTests.cpp - gradients of dropout and positions ----===//
//
// Finite-difference checks (GradCheck.h) of nn.dropout and of both forms of
// `positional`. Dropout's mask is a hash of (seed, flat index), and the
// seed is an argument of @loss and @grads (`nn.seed`, one per training
// step), so fixing it makes every evaluation see the same mask: the f64
// reference recomputes the mask with an independent C++ transcription of
// the documented hash, and the compiled gradient must be exactly zero on the
// dropped elements and scaled by 1/(1-p) on the others. Inference
// (training = false) must be the identity. Sinusoidal positions add a
// constant table (checked against its formula); learned positions are an
// nn.add of a [T, D] parameter, as MLIRGen emits them, whose gradient sums
// over the batch.
//
//===----------------------------------------------------------------------===//

#include "GradCheck.h"
#include "Reference.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace nnc::test;
using ref::Vec;

namespace {

std::mt19937 rng(23);

/// MurmurHash3's 32-bit finaliser.
uint32_t fmix32(uint32_t h) {
  h ^= h >> 16;
  h *= 0x85EBCA6Bu;
  h ^= h >> 13;
  h *= 0xC2B2AE35u;
  h ^= h >> 16;
  return h;
}

/// Whether dropout with rate `p` keeps element `index` (row-major flat
/// index) under `seed`: the hash of lib/Conversion/NNToLinalg written out
/// on plain integers (keep when the top 24 bits of the hash, as a fraction
/// of 2^24, are >= p).
bool keeps(uint64_t seed, uint64_t index, float p) {
  uint32_t seedLo = uint32_t(seed), seedHi = uint32_t(seed >> 32);
  uint32_t idxLo = uint32_t(index), idxHi = uint32_t(index >> 32);
  uint32_t key = fmix32(seedLo ^ fmix32(seedHi + 0x9E3779B9u));
  uint32_t h = fmix32((idxLo * 0xCC9E2D51u) ^ key);
  h = fmix32(h ^ (idxHi + 0x1B873593u));
  return (h >> 8) >= uint32_t(std::ceil(double(p) * 16777216.0));
}

/// Inverted dropout of `x` in f64.
Vec dropout(const Vec &x, uint64_t seed, float p) {
  Vec y(x.size());
  for (size_t i = 0; i < x.size(); ++i)
    y[i] = keeps(seed, i, p) ? x[i] / (1.0 - double(p)) : 0.0;
  return y;
}

/// The seed offset of MLIRGen's second dropout site (2^64 / phi).
constexpr uint64_t kSeedStride = 0x9E3779B97F4A7C15ull;

// x [3, 8] (a weight, so its gradient is returned) -> dropout(0.25) ->
// dense(8) -> dropout(0.5) with the second site's seed, as MLIRGen derives
// it (seed + stride) -> mse.
const char *kTwoSites = R"mlir(
func.func @loss(%x: tensor<3x8xf32> {nn.param = #nn.param<"x", weight, zeros>},
                %t: tensor<3x8xf32> {nn.label = "t"},
                %w: tensor<8x8xf32> {nn.param = #nn.param<"fc.weight", weight, he>},
                %b: tensor<8xf32> {nn.param = #nn.param<"fc.bias", bias, zeros>},
                %seed: tensor<i64> {nn.seed})
    -> (tensor<f32> {nn.loss}) {
  %d = nn.dropout %x, %seed {p = 2.500000e-01 : f32, training = true} : tensor<3x8xf32>
  %h = nn.dense %d, %w, %b : (tensor<3x8xf32>, tensor<8x8xf32>, tensor<8xf32>) -> tensor<3x8xf32>
  %stride = arith.constant dense<STRIDE> : tensor<i64>
  %seed2 = arith.addi %seed, %stride : tensor<i64>
  %e = nn.dropout %h, %seed2 {p = 5.000000e-01 : f32, training = true} : tensor<3x8xf32>
  %l = nn.mse_loss %e, %t : tensor<3x8xf32>, tensor<3x8xf32>
  return %l : tensor<f32>
}
)mlir";

TEST(DropoutGradients, TwoSitesWithAFixedSeed) {
  // A small seed, and one with both 32-bit halves in use.
  for (uint64_t seed : {uint64_t(5), uint64_t(0x0123456789ABCDEFull)}) {
    std::string ir =
        replaceAll(kTwoSites, "STRIDE", std::to_string(int64_t(kSeedStride)));
    GradCase c{
        "dropout seed " + std::to_string(seed), ir, {}, {0, 2, 3}, nullptr};
    c.args = {randomBuffer(rng, {3, 8}), randomBuffer(rng, {3, 8}),
              randomBuffer(rng, {8, 8}), randomBuffer(rng, {8}),
              Buffer::scalarI64(int64_t(seed))};
    // The seed is captured exactly (Values holds it as a double).
    c.reference = [seed](const Values &v) {
      Vec d = dropout(v[0], seed, 0.25f);
      Vec h = ref::dense(d, 3, 8, v[2], 8, &v[3]);
      return ref::mse(dropout(h, seed + kSeedStride, 0.5f), v[1]);
    };
    checkGradients(c);
  }
}

// dropout(0.3) of a [4, 25] weight straight into mse, and the inference
// form of the same op.
const char *kMask = R"mlir(
func.func @loss(%x: tensor<4x25xf32> {nn.param = #nn.param<"x", weight, zeros>},
                %t: tensor<4x25xf32> {nn.label = "t"},
                %seed: tensor<i64> {nn.seed})
    -> (tensor<f32> {nn.loss}) {
  %d = nn.dropout %x, %seed {p = 3.000000e-01 : f32, training = true} : tensor<4x25xf32>
  %l = nn.mse_loss %d, %t : tensor<4x25xf32>, tensor<4x25xf32>
  return %l : tensor<f32>
}
func.func @predict(%x: tensor<?x25xf32>, %seed: tensor<i64>) -> tensor<?x25xf32> {
  %y = nn.dropout %x, %seed {p = 3.000000e-01 : f32, training = false} : tensor<?x25xf32>
  return %y : tensor<?x25xf32>
}
)mlir";

TEST(DropoutGradients, GradientIsTheMaskScaledAndPredictIsIdentity) {
  std::unique_ptr<Compiled> k = compile(kMask);
  ASSERT_NE(k, nullptr);
  const float p = 0.3f;
  const double scale = 1.0 / (1.0 - double(p));
  Buffer x = randomBuffer(rng, {4, 25}), t = randomBuffer(rng, {4, 25});
  std::vector<bool> previousMask;
  for (int64_t seed : {17, 18}) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    Buffer s = Buffer::scalarI64(seed);
    Buffer loss = Buffer::floats({}, {0.f});
    Buffer g = Buffer::floats({4, 25}, std::vector<float>(100, -7.f));
    ASSERT_TRUE(k->call("grads", {&x, &t, &s, &loss, &g}));
    // mse = mean((y - t)^2): dL/dx = keep * scale * 2 (y - t) / 100.
    size_t dropped = 0;
    std::vector<bool> mask;
    for (size_t i = 0; i < 100; ++i) {
      bool keep = keeps(uint64_t(seed), i, p);
      mask.push_back(keep);
      if (!keep) {
        ++dropped;
        EXPECT_EQ(g.f32[i], 0.0f) << "dropped element " << i;
        continue;
      }
      double y = scale * x.f32[i];
      double expected = scale * 2.0 * (y - t.f32[i]) / 100.0;
      EXPECT_NEAR(g.f32[i], expected, 1e-6 + 1e-5 * std::fabs(expected))
          << "kept element " << i;
    }
    // 100 Bernoulli(0.3) draws: mean 30, standard deviation ~4.6.
    EXPECT_GT(dropped, 10u);
    EXPECT_LT(dropped, 50u);
    if (!previousMask.empty())
      EXPECT_NE(mask, previousMask) << "another seed, another mask";
    previousMask = mask;
  }

  // Inference: the identity, bit for bit, whatever the seed.
  Buffer in = randomBuffer(rng, {3, 25});
  Buffer out = Buffer::floats({3, 25}, std::vector<float>(75, -7.f));
  Buffer s = Buffer::scalarI64(17);
  ASSERT_TRUE(k->call("predict", {&in, &s, &out}));
  EXPECT_EQ(out.f32, in.f32);
}

/// PE[t, 2i] = sin(t / 10000^(2i/D)), PE[t, 2i+1] = cos(t / 10000^(2i/D)).
double sinusoid(size_t t, size_t d, size_t dModel) {
  double angle =
      double(t) / std::pow(10000.0, double(d - d % 2) / double(dModel));
  return d % 2 ? std::cos(angle) : std::sin(angle);
}

// x [2, 5, 6] (a weight) -> positional(sinusoidal) -> dense(3) -> tanh ->
// mse; @table returns x + PE for a dynamic batch.
const char *kSinusoidal = R"mlir(
func.func @loss(%x: tensor<2x5x6xf32> {nn.param = #nn.param<"x", weight, zeros>},
                %t: tensor<2x5x3xf32> {nn.label = "t"},
                %w: tensor<3x6xf32> {nn.param = #nn.param<"fc.weight", weight, he>},
                %b: tensor<3xf32> {nn.param = #nn.param<"fc.bias", bias, zeros>})
    -> (tensor<f32> {nn.loss}) {
  %p = nn.positional_sinusoidal %x : tensor<2x5x6xf32>
  %h = nn.dense %p, %w, %b : (tensor<2x5x6xf32>, tensor<3x6xf32>, tensor<3xf32>) -> tensor<2x5x3xf32>
  %a = nn.tanh %h : tensor<2x5x3xf32>
  %l = nn.mse_loss %a, %t : tensor<2x5x3xf32>, tensor<2x5x3xf32>
  return %l : tensor<f32>
}
func.func @table(%x: tensor<?x12x8xf32>) -> tensor<?x12x8xf32> {
  %p = nn.positional_sinusoidal %x : tensor<?x12x8xf32>
  return %p : tensor<?x12x8xf32>
}
)mlir";

TEST(PositionalGradients, SinusoidalTableAndGradient) {
  GradCase c{"positional(sinusoidal)", kSinusoidal, {}, {0, 2, 3}, nullptr};
  c.args = {randomBuffer(rng, {2, 5, 6}), randomBuffer(rng, {2, 5, 3}),
            randomBuffer(rng, {3, 6}), randomBuffer(rng, {3})};
  c.reference = [](const Values &v) {
    Vec p = v[0];
    for (size_t i = 0; i < p.size(); ++i)
      p[i] += sinusoid(i / 6 % 5, i % 6, 6);
    Vec h = ref::map(ref::dense(p, 10, 6, v[2], 3, &v[3]),
                     [](double x) { return std::tanh(x); });
    return ref::mse(h, v[1]);
  };
  checkGradients(c);

  // The forward values: x + PE over 12 positions of width 8, batch 3.
  std::unique_ptr<Compiled> k = compile(kSinusoidal);
  ASSERT_NE(k, nullptr);
  Buffer x = randomBuffer(rng, {3, 12, 8});
  Buffer y = Buffer::floats({3, 12, 8}, std::vector<float>(3 * 12 * 8, -7.f));
  ASSERT_TRUE(k->call("table", {&x, &y}));
  for (size_t i = 0; i < y.f32.size(); ++i) {
    double expected = x.f32[i] + sinusoid(i / 8 % 12, i % 8, 8);
    EXPECT_NEAR(y.f32[i], expected, 1e-5)
        << "n " << i / 96 << " t " << i / 8 % 12 << " d " << i % 8;
  }
}

// positional(learned) as MLIRGen emits it: x + a [T, D] "pos.weight"
// parameter, broadcast over the batch, then dense(3) -> tanh -> mse. X is
// the type of x: a dynamic-batch input, or a static weight whose gradient
// is checked too.
const char *kLearned = R"mlir(
func.func @loss(%x: X, %t: T {nn.label = "t"},
                %pos: tensor<4x6xf32> {nn.param = #nn.param<"pos.weight", weight, normal>},
                %w: tensor<3x6xf32> {nn.param = #nn.param<"fc.weight", weight, he>})
    -> (tensor<f32> {nn.loss}) {
  %p = nn.add %x, %pos : (X, tensor<4x6xf32>) -> X
  %h = nn.dense %p, %w : (X, tensor<3x6xf32>) -> T
  %a = nn.tanh %h : T
  %l = nn.mse_loss %a, %t : T, T
  return %l : tensor<f32>
}
)mlir";

TEST(PositionalGradients, LearnedTableAndInput) {
  for (bool inputIsWeight : {false, true}) {
    const char *xType =
        inputIsWeight ? "tensor<3x4x6xf32>" : "tensor<?x4x6xf32>";
    std::string ir = replaceAll(
        replaceAll(kLearned, "%x: X",
                   std::string("%x: X ") +
                       (inputIsWeight
                            ? "{nn.param = #nn.param<\"x\", weight, zeros>}"
                            : "{nn.input = \"x\"}")),
        "X", xType);
    ir = replaceAll(ir, "T",
                    inputIsWeight ? "tensor<3x4x3xf32>" : "tensor<?x4x3xf32>");
    GradCase c{
        std::string("positional(learned), x ") + xType, ir, {}, {}, nullptr};
    c.params = inputIsWeight ? std::vector<size_t>{0, 2, 3}
                             : std::vector<size_t>{2, 3};
    c.args = {randomBuffer(rng, {3, 4, 6}), randomBuffer(rng, {3, 4, 3}),
              randomBuffer(rng, {4, 6}), randomBuffer(rng, {3, 6})};
    c.reference = [](const Values &v) {
      Vec p = v[0];
      for (size_t i = 0; i < p.size(); ++i)
        p[i] += v[2][i % 24];
      Vec h = ref::map(ref::dense(p, 12, 6, v[3], 3, nullptr),
                       [](double x) { return std::tanh(x); });
      return ref::mse(h, v[1]);
    };
    checkGradients(c);
  }
}

} // namespace
