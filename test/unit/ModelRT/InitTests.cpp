//===- test/unit/ModelRT/InitTests.cpp - parameter initialisation ---------===//
//
// Tests that nnc_model_create initialises every parameter and buffer as its
// descriptor says: statistics of he/xavier/normal/uniform against their
// PyTorch definitions (fan_in = prod(dims[1:]), fan_out = dims[0] *
// prod(dims[2:])), exact constants, zeroed gradients and optimizer state,
// determinism for a seed, and bit-exact agreement with an independent
// implementation of the PRNG documented in docs/abi.md.
//
//===----------------------------------------------------------------------===//
#include "ModelRTTestUtil.h"

#include <cmath>
#include <cstdint>

using namespace nnc::test;

namespace {

struct Stats {
  double mean = 0, std = 0, maxAbs = 0, withinOneStd = 0;
};

Stats stats(const std::vector<float> &v) {
  Stats s;
  for (float x : v)
    s.mean += x;
  s.mean /= v.size();
  for (float x : v) {
    s.std += (x - s.mean) * (x - s.mean);
    s.maxAbs = std::max(s.maxAbs, (double)std::fabs(x));
  }
  s.std = std::sqrt(s.std / v.size());
  for (float x : v)
    s.withinOneStd += std::fabs(x - s.mean) <= s.std;
  s.withinOneStd /= v.size();
  return s;
}

std::vector<float> param(const ModelApi &api, nnc_model_t *m,
                         const char *name) {
  int32_t index = -1;
  Status s = take(api, api.nnc_model_find_tensor(NNC_KIND_PARAM, name, &index));
  EXPECT_EQ(s.code, NNC_STATUS_OK) << s.message;
  return readF32(api, m, NNC_KIND_PARAM, index);
}

TEST(ModelRTInit, HeStatistics) {
  const ModelApi &api = loadModel(classifierFixture());
  Instance inst(api, 42);
  std::vector<float> v = param(api, inst.model, "init.he"); // [64, 32, 3, 3]
  ASSERT_EQ(v.size(), 64u * 32 * 9);
  double expectedStd = std::sqrt(2.0 / (32 * 9));
  Stats s = stats(v);
  EXPECT_NEAR(s.mean, 0.0, 4 * expectedStd / std::sqrt((double)v.size()));
  EXPECT_NEAR(s.std, expectedStd, 0.02 * expectedStd);
  EXPECT_NEAR(s.withinOneStd, 0.6827, 0.015); // a normal, not a uniform
}

TEST(ModelRTInit, XavierUniformNormalOnesZeros) {
  const ModelApi &api = loadModel(classifierFixture());
  Instance inst(api, 7);
  // xavier [128, 64]: bound sqrt(6 / (64 + 128)).
  double bound = std::sqrt(6.0 / (64 + 128));
  Stats x = stats(param(api, inst.model, "init.xavier"));
  EXPECT_LE(x.maxAbs, bound);
  EXPECT_GT(x.maxAbs, 0.99 * bound);
  EXPECT_NEAR(x.std, bound / std::sqrt(3.0), 0.02 * bound);
  EXPECT_NEAR(x.withinOneStd, 1 / std::sqrt(3.0), 0.015); // uniform shape
  // The small layer weight [3, 4]: bound sqrt(6 / 7).
  Stats w = stats(param(api, inst.model, "fc.weight"));
  EXPECT_LE(w.maxAbs, std::sqrt(6.0 / 7));
  EXPECT_GT(w.maxAbs, 0.0);
  // normal(0.5) on an odd count (the last Box-Muller pair is half used).
  std::vector<float> n = param(api, inst.model, "init.normal");
  ASSERT_EQ(n.size(), 20001u);
  Stats ns = stats(n);
  EXPECT_NEAR(ns.mean, 0.0, 4 * 0.5 / std::sqrt(20001.0));
  EXPECT_NEAR(ns.std, 0.5, 0.02 * 0.5);
  EXPECT_NE(n.back(), 0.0f);
  // uniform(0.25).
  Stats u = stats(param(api, inst.model, "init.uniform"));
  EXPECT_LE(u.maxAbs, 0.25);
  EXPECT_NEAR(u.std, 0.25 / std::sqrt(3.0), 0.02 * 0.25);
  // ones and zeros buffers, zero gradients and optimizer state.
  for (float v : readF32(api, inst.model, NNC_KIND_BUFFER, 2))
    EXPECT_EQ(v, 1.0f);
  for (float v : readF32(api, inst.model, NNC_KIND_BUFFER, 0))
    EXPECT_EQ(v, 0.0f);
  for (int32_t i = 0; i < 2; ++i) {
    for (float v : readF32(api, inst.model, NNC_KIND_GRAD, i))
      EXPECT_EQ(v, 0.0f);
    for (float v : readF32(api, inst.model, NNC_KIND_STATE, i))
      EXPECT_EQ(v, 0.0f);
  }
  int64_t step = -1;
  EXPECT_NNC_OK(api, api.nnc_model_get_step(inst.model, &step));
  EXPECT_EQ(step, 0);
  uint64_t seed = 0;
  EXPECT_NNC_OK(api, api.nnc_model_get_seed(inst.model, &seed));
  EXPECT_EQ(seed, 7u);
}

TEST(ModelRTInit, DeterministicPerSeed) {
  const ModelApi &api = loadModel(classifierFixture());
  Instance a(api, 123), b(api, 123), c(api, 124);
  for (int32_t i = 0; i < api.nnc_model_tensor_count(NNC_KIND_PARAM); ++i) {
    std::vector<float> va = readF32(api, a.model, NNC_KIND_PARAM, i);
    std::vector<float> vb = readF32(api, b.model, NNC_KIND_PARAM, i);
    std::vector<float> vc = readF32(api, c.model, NNC_KIND_PARAM, i);
    EXPECT_EQ(va, vb) << "param " << i;
    EXPECT_NE(va, vc) << "param " << i;
  }
  // Different tensors of one instance draw from different streams.
  EXPECT_NE(readF32(api, a.model, NNC_KIND_PARAM, 2)[0],
            readF32(api, a.model, NNC_KIND_PARAM, 3)[0]);
}

// An independent implementation of the documented PRNG (docs/abi.md).
uint64_t splitmix(uint64_t &state) {
  uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

uint64_t fnv1a(const char *s) {
  uint64_t h = 14695981039346656037ULL;
  while (*s)
    h = (h ^ (unsigned char)*s++) * 1099511628211ULL;
  return h;
}

double u01(uint64_t &state) { return (splitmix(state) >> 11) * 0x1p-53; }

TEST(ModelRTInit, MatchesTheDocumentedPrng) {
  const ModelApi &api = loadModel(classifierFixture());
  const uint64_t seed = 2024;
  Instance inst(api, seed);
  // uniform(0.25): value = 0.25 * (2u - 1), u from the tensor's stream.
  std::vector<float> u = param(api, inst.model, "init.uniform");
  uint64_t state = seed ^ fnv1a("init.uniform");
  for (size_t i = 0; i < 100; ++i)
    EXPECT_EQ(u[i], (float)(0.25 * (2 * u01(state) - 1))) << i;
  // he: Box-Muller pairs, cos then sin, std sqrt(2 / fan_in).
  std::vector<float> h = param(api, inst.model, "init.he");
  state = seed ^ fnv1a("init.he");
  double std = std::sqrt(2.0 / 288);
  for (size_t i = 0; i < 100; i += 2) {
    double u1 = 1 - u01(state), u2 = u01(state);
    double r = std::sqrt(-2 * std::log(u1));
    EXPECT_FLOAT_EQ(h[i], (float)(std * r * std::cos(2 * M_PI * u2))) << i;
    EXPECT_FLOAT_EQ(h[i + 1], (float)(std * r * std::sin(2 * M_PI * u2))) << i;
  }
}

} // namespace
