//===- OutOfMemoryTests.cpp - a kernel temporary that cannot be allocated -===//
//
// The DenseOom fixture's train_step and grads kernels, at batch 3, ask the
// shim's allocator for 2^62 bytes after writing part of their results (the
// weight update, the gradients) while holding another temporary. The call
// must return RESOURCE_EXHAUSTED naming the kernel, leave parameters,
// gradients, step and seed as they were, and the instance must keep working
// (the allocator's state stays consistent across many failures).
//
//===----------------------------------------------------------------------===//
#include "ModelRTTestUtil.h"

#include <cmath>

using namespace nnc::test;

namespace {

struct Batch {
  std::vector<float> x, y;
  nnc_const_buffer_t in, lab;
  explicit Batch(int64_t n) : x(size_t(n) * 3), y(size_t(n) * 2) {
    for (size_t i = 0; i < x.size(); ++i)
      x[i] = std::sin(0.3f * float(i) + 0.1f);
    for (size_t i = 0; i < y.size(); ++i)
      y[i] = std::cos(0.5f * float(i));
    in = {x.data(), x.size() * sizeof(float)};
    lab = {y.data(), y.size() * sizeof(float)};
  }
};

TEST(ModelRTOutOfMemory, TrainStepIsUndoneAndNamesTheKernel) {
  const ModelApi &api = loadModel(denseOomFixture());
  Instance inst(api, 7);
  Batch ok(4), tooBig(3);
  float loss = 0;
  ASSERT_NNC_OK(api, api.nnc_model_train_step(inst.model, 4, &ok.in, 1, &ok.lab,
                                              1, 0.1f, nullptr, 0, &loss));
  std::vector<std::string> before = snapshot(api, inst.model);
  for (int i = 0; i < 100; ++i) {
    Status s = take(api, api.nnc_model_train_step(inst.model, 3, &tooBig.in, 1,
                                                  &tooBig.lab, 1, 0.1f, nullptr,
                                                  0, &loss));
    ASSERT_EQ(s.code, NNC_STATUS_RESOURCE_EXHAUSTED) << s.message;
    EXPECT_NE(s.message.find("nnc_model_train_step: out of memory: kernel "
                             "'train_step' of model 'Dense' could not "
                             "allocate a temporary of 4611686018427387904 "
                             "bytes (batch 3); nothing was changed"),
              std::string::npos)
        << s.message;
    // Weights (updated in place before the failure), gradients, step, seed.
    ASSERT_EQ(snapshot(api, inst.model), before);
  }
  // Still usable: the next step trains and counts.
  ASSERT_NNC_OK(api, api.nnc_model_train_step(inst.model, 4, &ok.in, 1, &ok.lab,
                                              1, 0.1f, nullptr, 0, &loss));
  int64_t step = 0;
  ASSERT_NNC_OK(api, api.nnc_model_get_step(inst.model, &step));
  EXPECT_EQ(step, 2);
  EXPECT_NE(snapshot(api, inst.model), before);
}

TEST(ModelRTOutOfMemory, ComputeGradientsIsUndone) {
  const ModelApi &api = loadModel(denseOomFixture());
  Instance inst(api, 7);
  Batch ok(4), tooBig(3);
  float loss = 0;
  ASSERT_NNC_OK(api,
                api.nnc_model_compute_gradients(inst.model, 4, &ok.in, 1,
                                                &ok.lab, 1, nullptr, 0, &loss));
  std::vector<std::string> before = snapshot(api, inst.model);
  Status s = take(
      api, api.nnc_model_compute_gradients(inst.model, 3, &tooBig.in, 1,
                                           &tooBig.lab, 1, nullptr, 0, &loss));
  EXPECT_EQ(s.code, NNC_STATUS_RESOURCE_EXHAUSTED);
  EXPECT_NE(s.message.find("kernel 'grads'"), std::string::npos) << s.message;
  EXPECT_EQ(snapshot(api, inst.model), before); // gradients as before
}

} // namespace
