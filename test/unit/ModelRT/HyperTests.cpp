//===- test/unit/ModelRT/HyperTests.cpp - run-time hyperparameters --------===//
//
// The optimizer hyperparameters of the C ABI (docs/abi.md,
// "Hyperparameters") on the Dense fixture, whose train step reads "lr" and
// "weight_decay" as f64 NNC_ARG_HYPER slots and whose apply reads the f32
// NNC_ARG_LR slot: the table and its defaults, set/get by name (exact
// doubles), the messages for unknown names and values out of range, and
// which value each training call uses.
//
//===----------------------------------------------------------------------===//
#include "ModelRTTestUtil.h"

#include <cmath>
#include <limits>

using namespace nnc::test;

namespace {

const float kW[6] = {0.5f, -1.0f, 0.25f, 2.0f, 0.0f, -0.5f};
const float kB[2] = {0.1f, -0.2f};

struct Batch {
  std::vector<float> x, y;
  nnc_const_buffer_t in, lab;
  explicit Batch(int64_t n) : x(n * 3), y(n * 2) {
    for (size_t i = 0; i < x.size(); ++i)
      x[i] = std::sin(0.7f * (float)i + 0.3f);
    for (size_t i = 0; i < y.size(); ++i)
      y[i] = 0.5f * std::cos(0.4f * (float)i);
    in = {x.data(), x.size() * sizeof(float)};
    lab = {y.data(), y.size() * sizeof(float)};
  }
};

void setDense(const ModelApi &api, nnc_model_t *m) {
  ASSERT_NNC_OK(
      api, api.nnc_model_write_tensor(m, NNC_KIND_PARAM, 0, kW, sizeof(kW)));
  ASSERT_NNC_OK(
      api, api.nnc_model_write_tensor(m, NNC_KIND_PARAM, 1, kB, sizeof(kB)));
}

/// The gradients of the Dense loss at kW, kB (compute_gradients of a fresh
/// instance, itself checked against a reference in ExecTests).
std::vector<float> gradW(const ModelApi &api, const Batch &b) {
  Instance inst(api, 1);
  setDense(api, inst.model);
  float loss = 0;
  EXPECT_NNC_OK(api,
                api.nnc_model_compute_gradients(inst.model, 4, &b.in, 1, &b.lab,
                                                1, nullptr, 0, &loss));
  return readF32(api, inst.model, NNC_KIND_GRAD, 0);
}

double get(const ModelApi &api, nnc_model_t *m, const char *name) {
  double v = -1;
  EXPECT_NNC_OK(api, api.nnc_model_get_hyperparameter(m, name, &v));
  return v;
}

TEST(ModelRTHyper, TableAndDefaults) {
  const ModelApi &api = loadModel(denseFixture());
  ASSERT_EQ(api.nnc_model_hyperparameter_count(), 2);
  nnc_hyperparameter_info_t info;
  ASSERT_NNC_OK(api, api.nnc_model_hyperparameter_info(0, &info));
  EXPECT_STREQ(info.name, "lr");
  EXPECT_EQ(info.default_value, 0.05);
  EXPECT_STREQ(info.range, "[0, inf)");
  ASSERT_NNC_OK(api, api.nnc_model_hyperparameter_info(1, &info));
  EXPECT_STREQ(info.name, "weight_decay");
  EXPECT_EQ(info.default_value, 0.0);
  Status s = take(api, api.nnc_model_hyperparameter_info(2, &info));
  EXPECT_EQ(s.code, NNC_STATUS_OUT_OF_RANGE);
  EXPECT_EQ(s.message, "nnc_model_hyperparameter_info: index 2 outside [0, 2)");
  Instance inst(api, 1);
  EXPECT_EQ(get(api, inst.model, "lr"), 0.05);
  EXPECT_EQ(get(api, inst.model, "weight_decay"), 0.0);
  // A model without a train section has none.
  const ModelApi &infer = loadModel(denseInferFixture());
  EXPECT_EQ(infer.nnc_model_hyperparameter_count(), 0);
}

TEST(ModelRTHyper, SetGetIsExactAndErrorsChangeNothing) {
  const ModelApi &api = loadModel(denseFixture());
  Instance inst(api, 1);
  ASSERT_NNC_OK(api, api.nnc_model_set_hyperparameter(inst.model, "lr", 0.1));
  EXPECT_EQ(get(api, inst.model, "lr"), 0.1); // not 0.1f
  EXPECT_NE(get(api, inst.model, "lr"), (double)0.1f);

  Status s =
      take(api, api.nnc_model_set_hyperparameter(inst.model, "beta1", 0.5));
  EXPECT_EQ(s.code, NNC_STATUS_NOT_FOUND);
  EXPECT_EQ(s.message, "nnc_model_set_hyperparameter: 'beta1' is not a "
                       "hyperparameter of model 'Dense' (optimizer sgd: lr, "
                       "weight_decay)");
  double v = 0;
  s = take(api, api.nnc_model_get_hyperparameter(inst.model, "lr.", &v));
  EXPECT_EQ(s.code, NNC_STATUS_NOT_FOUND);
  s = take(api, api.nnc_model_set_hyperparameter(inst.model, "lr", -0.5));
  EXPECT_EQ(s.code, NNC_STATUS_INVALID_ARGUMENT);
  EXPECT_EQ(s.message, "nnc_model_set_hyperparameter: 'lr': expected a "
                       "finite value in [0, inf), got -0.5");
  s = take(api, api.nnc_model_set_hyperparameter(
                    inst.model, "weight_decay",
                    std::numeric_limits<double>::quiet_NaN()));
  EXPECT_EQ(s.code, NNC_STATUS_INVALID_ARGUMENT);
  EXPECT_EQ(s.message, "nnc_model_set_hyperparameter: 'weight_decay': "
                       "expected a finite value in [0, inf), got nan");
  EXPECT_EQ(get(api, inst.model, "lr"), 0.1);
  EXPECT_EQ(get(api, inst.model, "weight_decay"), 0.0);
  s = take(api, api.nnc_model_set_hyperparameter(inst.model, nullptr, 1));
  EXPECT_EQ(s.code, NNC_STATUS_INVALID_ARGUMENT);
  s = take(api, api.nnc_model_set_hyperparameter(nullptr, "lr", 1));
  EXPECT_EQ(s.code, NNC_STATUS_INVALID_ARGUMENT);
  // Instances hold their own values.
  Instance other(api, 1);
  EXPECT_EQ(get(api, other.model, "lr"), 0.05);
}

TEST(ModelRTHyper, TrainStepUsesTheInstanceValues) {
  const ModelApi &api = loadModel(denseFixture());
  Batch b(4);
  std::vector<float> g = gradW(api, b);
  const double lr = 0.1, wd = 0.5;
  Instance inst(api, 1);
  setDense(api, inst.model);
  ASSERT_NNC_OK(api, api.nnc_model_set_hyperparameter(inst.model, "lr", lr));
  ASSERT_NNC_OK(
      api, api.nnc_model_set_hyperparameter(inst.model, "weight_decay", wd));
  float loss = 0;
  ASSERT_NNC_OK(api, api.nnc_model_train_step_hp(inst.model, 4, &b.in, 1,
                                                 &b.lab, 1, nullptr, 0, &loss));
  std::vector<float> w = readF32(api, inst.model, NNC_KIND_PARAM, 0);
  for (int i = 0; i < 6; ++i)
    EXPECT_NEAR(w[i], kW[i] - lr * (g[i] + wd * kW[i]), 1e-6) << i;

  // nnc_model_train_step: its lr for this call only, the instance's
  // weight decay.
  Instance legacy(api, 1);
  setDense(api, legacy.model);
  ASSERT_NNC_OK(
      api, api.nnc_model_set_hyperparameter(legacy.model, "weight_decay", wd));
  ASSERT_NNC_OK(api, api.nnc_model_train_step(legacy.model, 4, &b.in, 1, &b.lab,
                                              1, 0.2f, nullptr, 0, &loss));
  w = readF32(api, legacy.model, NNC_KIND_PARAM, 0);
  for (int i = 0; i < 6; ++i)
    EXPECT_NEAR(w[i], kW[i] - 0.2 * (g[i] + wd * kW[i]), 1e-6) << i;
  EXPECT_EQ(get(api, legacy.model, "lr"), 0.05);
}

TEST(ModelRTHyper, ApplyGradientsHpUsesTheInstanceLearningRate) {
  const ModelApi &api = loadModel(denseFixture());
  Batch b(4);
  std::vector<float> g = gradW(api, b);
  Instance inst(api, 1);
  setDense(api, inst.model);
  ASSERT_NNC_OK(api, api.nnc_model_set_hyperparameter(inst.model, "lr", 0.3));
  float loss = 0;
  ASSERT_NNC_OK(api,
                api.nnc_model_compute_gradients(inst.model, 4, &b.in, 1, &b.lab,
                                                1, nullptr, 0, &loss));
  ASSERT_NNC_OK(api, api.nnc_model_apply_gradients_hp(inst.model));
  std::vector<float> w = readF32(api, inst.model, NNC_KIND_PARAM, 0);
  for (int i = 0; i < 6; ++i)
    EXPECT_NEAR(w[i], kW[i] - 0.3f * g[i], 1e-6) << i;
  int64_t step = 0;
  EXPECT_NNC_OK(api, api.nnc_model_get_step(inst.model, &step));
  EXPECT_EQ(step, 1);
}

} // namespace
