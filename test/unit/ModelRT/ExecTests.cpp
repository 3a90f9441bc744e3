//===- test/unit/ModelRT/ExecTests.cpp - predict, train, gradients --------===//
//
// Tests of running a model through the shim against references computed here
// by hand: predict on several batch sizes, the fused SGD train step of Dense,
// compute_gradients + apply_gradients (with caller-written gradients), the
// momentum train step of Classifier with its buffers, outputs and the
// documented per-step seed, and every argument error of these calls.
//
//===----------------------------------------------------------------------===//
#include "ModelRTTestUtil.h"

#include <cmath>
#include <cstring>
#include <limits>

using namespace nnc::test;

namespace {

const float kW[6] = {0.5f, -1.0f, 0.25f, 2.0f, 0.0f, -0.5f};
const float kB[2] = {0.1f, -0.2f};

void setDense(const ModelApi &api, nnc_model_t *m) {
  ASSERT_NNC_OK(api, api.nnc_model_write_tensor_by_name(
                         m, NNC_KIND_PARAM, "fc.weight", kW, sizeof(kW)));
  ASSERT_NNC_OK(
      api, api.nnc_model_write_tensor(m, NNC_KIND_PARAM, 1, kB, sizeof(kB)));
}

std::vector<float> denseRef(const std::vector<float> &x, const float *w,
                            const float *b) {
  size_t n = x.size() / 3;
  std::vector<float> out(n * 2);
  for (size_t r = 0; r < n; ++r)
    for (int o = 0; o < 2; ++o) {
      double acc = b[o];
      for (int k = 0; k < 3; ++k)
        acc += (double)w[o * 3 + k] * x[r * 3 + k];
      out[r * 2 + o] = (float)acc;
    }
  return out;
}

std::vector<float> inputs(size_t n, size_t width, float scale) {
  std::vector<float> x(n * width);
  for (size_t i = 0; i < x.size(); ++i)
    x[i] = scale * std::sin(0.7f * (float)i + 0.3f);
  return x;
}

TEST(ModelRTExec, PredictMatchesReferenceOnAnyBatch) {
  const ModelApi &api = loadModel(denseFixture());
  Instance inst(api, 1);
  setDense(api, inst.model);
  for (int64_t n : {1, 3, 17}) {
    std::vector<float> x = inputs(n, 3, 2.0f), out(n * 2, -99.0f);
    nnc_const_buffer_t in = {x.data(), x.size() * sizeof(float)};
    nnc_buffer_t o = {out.data(), out.size() * sizeof(float)};
    ASSERT_NNC_OK(api, api.nnc_model_predict(inst.model, n, &in, 1, &o, 1));
    std::vector<float> ref = denseRef(x, kW, kB);
    for (size_t i = 0; i < out.size(); ++i)
      EXPECT_NEAR(out[i], ref[i], 1e-5) << "batch " << n << " elt " << i;
  }
  int64_t step = -1;
  EXPECT_NNC_OK(api, api.nnc_model_get_step(inst.model, &step));
  EXPECT_EQ(step, 0); // predict changes nothing
}

// MSE over all N*2 elements and its gradients, in double.
struct DenseGrad {
  double loss;
  double gw[6], gb[2];
};

DenseGrad denseGrad(const std::vector<float> &x, const std::vector<float> &y,
                    const float *w, const float *b) {
  DenseGrad g = {};
  size_t n = x.size() / 3;
  std::vector<float> out = denseRef(x, w, b);
  for (size_t r = 0; r < n; ++r)
    for (int o = 0; o < 2; ++o) {
      double d = out[r * 2 + o] - y[r * 2 + o];
      g.loss += d * d / (n * 2);
      double dd = 2 * d / (n * 2);
      g.gb[o] += dd;
      for (int k = 0; k < 3; ++k)
        g.gw[o * 3 + k] += dd * x[r * 3 + k];
    }
  return g;
}

TEST(ModelRTExec, DenseTrainStepIsOneSgdStep) {
  const ModelApi &api = loadModel(denseFixture());
  Instance inst(api, 1);
  setDense(api, inst.model);
  const int64_t n = 4;
  const float lr = 0.1f;
  std::vector<float> x = inputs(n, 3, 1.0f), y = inputs(n, 2, 0.5f);
  nnc_const_buffer_t in = {x.data(), x.size() * sizeof(float)};
  nnc_const_buffer_t lab = {y.data(), y.size() * sizeof(float)};
  float loss = -1;
  ASSERT_NNC_OK(api, api.nnc_model_train_step(inst.model, n, &in, 1, &lab, 1,
                                              lr, nullptr, 0, &loss));
  DenseGrad g = denseGrad(x, y, kW, kB);
  EXPECT_NEAR(loss, g.loss, 1e-5 * (1 + g.loss));
  std::vector<float> w = readF32(api, inst.model, NNC_KIND_PARAM, 0);
  std::vector<float> b = readF32(api, inst.model, NNC_KIND_PARAM, 1);
  std::vector<float> gw = readF32(api, inst.model, NNC_KIND_GRAD, 0);
  for (int i = 0; i < 6; ++i) {
    EXPECT_NEAR(w[i], kW[i] - lr * g.gw[i], 1e-5) << i;
    EXPECT_NEAR(gw[i], g.gw[i], 1e-5) << i;
    EXPECT_NE(w[i], kW[i]) << i;
  }
  for (int i = 0; i < 2; ++i)
    EXPECT_NEAR(b[i], kB[i] - lr * g.gb[i], 1e-5) << i;
  int64_t step = 0;
  EXPECT_NNC_OK(api, api.nnc_model_get_step(inst.model, &step));
  EXPECT_EQ(step, 1);
  // A second step decreases the loss on the same batch.
  float loss2 = -1;
  ASSERT_NNC_OK(api, api.nnc_model_train_step(inst.model, n, &in, 1, &lab, 1,
                                              lr, nullptr, 0, &loss2));
  EXPECT_LT(loss2, loss);
  EXPECT_NNC_OK(api, api.nnc_model_get_step(inst.model, &step));
  EXPECT_EQ(step, 2);
}

TEST(ModelRTExec, GradientsThenApplyEqualsTrainStep) {
  const ModelApi &api = loadModel(denseFixture());
  Instance fused(api, 5), split(api, 5);
  const int64_t n = 3;
  std::vector<float> x = inputs(n, 3, 1.5f), y = inputs(n, 2, -0.5f);
  nnc_const_buffer_t in = {x.data(), x.size() * sizeof(float)};
  nnc_const_buffer_t lab = {y.data(), y.size() * sizeof(float)};
  float l1 = 0, l2 = 0;
  ASSERT_NNC_OK(api, api.nnc_model_train_step(fused.model, n, &in, 1, &lab, 1,
                                              0.05f, nullptr, 0, &l1));
  std::vector<float> before = readF32(api, split.model, NNC_KIND_PARAM, 0);
  ASSERT_NNC_OK(api, api.nnc_model_compute_gradients(split.model, n, &in, 1,
                                                     &lab, 1, nullptr, 0, &l2));
  EXPECT_EQ(l1, l2);
  // compute_gradients leaves parameters and step alone.
  EXPECT_EQ(readF32(api, split.model, NNC_KIND_PARAM, 0), before);
  int64_t step = -1;
  EXPECT_NNC_OK(api, api.nnc_model_get_step(split.model, &step));
  EXPECT_EQ(step, 0);
  ASSERT_NNC_OK(api, api.nnc_model_apply_gradients(split.model, 0.05f));
  EXPECT_NNC_OK(api, api.nnc_model_get_step(split.model, &step));
  EXPECT_EQ(step, 1);
  for (int32_t p = 0; p < 2; ++p)
    EXPECT_EQ(readF32(api, split.model, NNC_KIND_PARAM, p),
              readF32(api, fused.model, NNC_KIND_PARAM, p));
}

TEST(ModelRTExec, ApplyUsesCallerWrittenGradients) {
  const ModelApi &api = loadModel(denseFixture());
  Instance inst(api, 9);
  setDense(api, inst.model);
  const float gw[6] = {1, 2, 3, 4, 5, 6}, gb[2] = {-1, 1};
  ASSERT_NNC_OK(
      api, api.nnc_model_write_tensor_by_name(
               inst.model, NNC_KIND_GRAD, "fc.weight.grad", gw, sizeof(gw)));
  ASSERT_NNC_OK(api, api.nnc_model_write_tensor(inst.model, NNC_KIND_GRAD, 1,
                                                gb, sizeof(gb)));
  float back[6];
  ASSERT_NNC_OK(api, api.nnc_model_read_tensor_by_name(
                         inst.model, NNC_KIND_GRAD, "fc.weight.grad", back,
                         sizeof(back)));
  EXPECT_EQ(0, std::memcmp(back, gw, sizeof(gw)));
  ASSERT_NNC_OK(api, api.nnc_model_apply_gradients(inst.model, 0.5f));
  std::vector<float> w = readF32(api, inst.model, NNC_KIND_PARAM, 0);
  std::vector<float> b = readF32(api, inst.model, NNC_KIND_PARAM, 1);
  for (int i = 0; i < 6; ++i)
    EXPECT_FLOAT_EQ(w[i], kW[i] - 0.5f * gw[i]);
  for (int i = 0; i < 2; ++i)
    EXPECT_FLOAT_EQ(b[i], kB[i] - 0.5f * gb[i]);
}

// splitmix64 output number `step` for `seed` (docs/abi.md).
int64_t stepSeed(uint64_t seed, int64_t step) {
  uint64_t z = seed + (uint64_t)step * 0x9E3779B97F4A7C15ULL;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  z ^= z >> 31;
  int64_t out;
  std::memcpy(&out, &z, sizeof(out));
  return out;
}

TEST(ModelRTExec, ClassifierMomentumBuffersOutputsAndSeed) {
  const ModelApi &api = loadModel(classifierFixture());
  Instance inst(api, 77);
  const int64_t n = 5;
  std::vector<float> x = inputs(n, 4, 1.0f);
  std::vector<int32_t> y = {0, 2, 1, 1, 0};
  std::vector<float> w = readF32(api, inst.model, NNC_KIND_PARAM, 0);
  std::vector<float> b = readF32(api, inst.model, NNC_KIND_PARAM, 1);
  std::vector<double> mw(12), mb(3), rmean(4);
  nnc_const_buffer_t in = {x.data(), x.size() * sizeof(float)};
  nnc_const_buffer_t lab = {y.data(), y.size() * sizeof(int32_t)};
  for (int64_t step = 1; step <= 2; ++step) {
    // Reference: softmax cross-entropy, momentum 0.9 starting at the first
    // gradient, running mean 0.9/0.1.
    double loss = 0, gw[12] = {}, gb[3] = {};
    std::vector<float> logitsRef(n * 3);
    for (int64_t r = 0; r < n; ++r) {
      double l[3], mx = -1e30, sum = 0;
      for (int o = 0; o < 3; ++o) {
        l[o] = b[o];
        for (int k = 0; k < 4; ++k)
          l[o] += (double)w[o * 4 + k] * x[r * 4 + k];
        logitsRef[r * 3 + o] = (float)l[o];
        mx = std::max(mx, l[o]);
      }
      for (int o = 0; o < 3; ++o)
        sum += std::exp(l[o] - mx);
      loss += (std::log(sum) + mx - l[y[r]]) / n;
      for (int o = 0; o < 3; ++o) {
        double g = (std::exp(l[o] - mx) / sum - (o == y[r])) / n;
        gb[o] += g;
        for (int k = 0; k < 4; ++k)
          gw[o * 4 + k] += g * x[r * 4 + k];
      }
    }
    for (int k = 0; k < 4; ++k) {
      double mean = 0;
      for (int64_t r = 0; r < n; ++r)
        mean += x[r * 4 + k] / (double)n;
      rmean[k] = 0.9 * rmean[k] + 0.1 * mean;
    }
    for (int i = 0; i < 12; ++i) {
      mw[i] = step == 1 ? gw[i] : 0.9 * mw[i] + gw[i];
      w[i] = (float)(w[i] - 0.2 * mw[i]);
    }
    for (int i = 0; i < 3; ++i) {
      mb[i] = step == 1 ? gb[i] : 0.9 * mb[i] + gb[i];
      b[i] = (float)(b[i] - 0.2 * mb[i]);
    }
    std::vector<float> logits(n * 3, -1);
    nnc_buffer_t out = {logits.data(), logits.size() * sizeof(float)};
    float got = 0;
    ASSERT_NNC_OK(api,
                  api.nnc_model_train_step(inst.model, n, &in, 1, &lab, 1, 0.2f,
                                           step == 1 ? &out : nullptr,
                                           step == 1 ? 1 : 0, &got));
    EXPECT_NEAR(got, loss, 1e-5);
    if (step == 1)
      for (size_t i = 0; i < logits.size(); ++i)
        EXPECT_NEAR(logits[i], logitsRef[i], 1e-5) << i;
    std::vector<float> gotW = readF32(api, inst.model, NNC_KIND_PARAM, 0);
    std::vector<float> gotM = readF32(api, inst.model, NNC_KIND_STATE, 0);
    for (int i = 0; i < 12; ++i) {
      EXPECT_NEAR(gotW[i], w[i], 1e-5) << "step " << step << " w" << i;
      EXPECT_NEAR(gotM[i], mw[i], 1e-5) << "step " << step << " m" << i;
    }
    std::vector<float> gotR = readF32(api, inst.model, NNC_KIND_BUFFER, 0);
    for (int k = 0; k < 4; ++k)
      EXPECT_NEAR(gotR[k], rmean[k], 1e-6);
    int64_t trace[2];
    ASSERT_NNC_OK(
        api, api.nnc_model_read_tensor_by_name(inst.model, NNC_KIND_BUFFER,
                                               "trace", trace, sizeof(trace)));
    EXPECT_EQ(trace[0], step);
    EXPECT_EQ(trace[1], stepSeed(77, step));
  }
  EXPECT_NE(stepSeed(77, 1), stepSeed(77, 2));
}

} // namespace
