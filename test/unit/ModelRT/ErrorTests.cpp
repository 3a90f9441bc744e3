//===- test/unit/ModelRT/ErrorTests.cpp - every argument error ------------===//
//
// Tests that each call of the C ABI turns a null pointer, a wrong batch, a
// wrong buffer count or size, a misaligned buffer, a bad learning rate, an
// unknown name or index, or a missing entry point into a status with the
// right code and a message naming the argument with expected vs. got, and
// that a failed call leaves the instance unchanged.
//
//===----------------------------------------------------------------------===//
#include "ModelRTTestUtil.h"

#include <cmath>
#include <limits>

using namespace nnc::test;

namespace {

/// Expects `s` to have `code` and a message containing every `parts`.
void expectError(const Status &s, nnc_status_code_t code,
                 std::initializer_list<const char *> parts) {
  EXPECT_EQ(s.code, code) << s.message;
  for (const char *p : parts)
    EXPECT_NE(s.message.find(p), std::string::npos)
        << "'" << p << "' not in: " << s.message;
}

class DenseErrors : public ::testing::Test {
protected:
  const ModelApi &api = loadModel(denseFixture());
  Instance inst{api, 3};
  float x[6] = {1, 2, 3, 4, 5, 6};
  float y[4] = {1, 0, 0, 1};
  float out[4] = {};
  float loss = 0;
  nnc_const_buffer_t in{x, sizeof(x)};
  nnc_const_buffer_t lab{y, sizeof(y)};
  nnc_buffer_t o{out, sizeof(out)};

  Status predict(int64_t batch, const nnc_const_buffer_t *ins, int32_t nIn,
                 nnc_buffer_t *outs, int32_t nOut) {
    return take(api,
                api.nnc_model_predict(inst.model, batch, ins, nIn, outs, nOut));
  }
  Status train(int64_t batch, const nnc_const_buffer_t *ins,
               const nnc_const_buffer_t *labs, float lr, float *outLoss) {
    return take(api, api.nnc_model_train_step(inst.model, batch, ins, 1, labs,
                                              1, lr, nullptr, 0, outLoss));
  }
};

TEST_F(DenseErrors, Predict) {
  expectError(take(api, api.nnc_model_predict(nullptr, 2, &in, 1, &o, 1)),
              NNC_STATUS_INVALID_ARGUMENT, {"nnc_model_predict", "model"});
  for (int64_t bad : {(int64_t)0, (int64_t)-1, (int64_t)NNC_MAX_BATCH + 1,
                      std::numeric_limits<int64_t>::max()})
    expectError(predict(bad, &in, 1, &o, 1), NNC_STATUS_INVALID_ARGUMENT,
                {"batch", "expected 1..", "got"});
  expectError(predict(2, nullptr, 1, &o, 1), NNC_STATUS_INVALID_ARGUMENT,
              {"inputs", "NULL"});
  expectError(predict(2, &in, 0, &o, 1), NNC_STATUS_INVALID_ARGUMENT,
              {"num_inputs", "expected 1, got 0"});
  expectError(predict(2, &in, 1, &o, 2), NNC_STATUS_INVALID_ARGUMENT,
              {"num_outputs", "expected 1, got 2"});
  expectError(predict(2, &in, 1, nullptr, 1), NNC_STATUS_INVALID_ARGUMENT,
              {"outputs", "NULL"});
  // Batch 3 needs 36 bytes of x; the buffer has 24.
  expectError(predict(3, &in, 1, &o, 1), NNC_STATUS_INVALID_ARGUMENT,
              {"inputs[0] ('x')", "expected 36 bytes", "got 24"});
  nnc_buffer_t shortOut{out, sizeof(out) - 4};
  expectError(predict(2, &in, 1, &shortOut, 1), NNC_STATUS_INVALID_ARGUMENT,
              {"outputs[0] ('out')", "expected 16 bytes", "got 12"});
  nnc_const_buffer_t nullData{nullptr, sizeof(x)};
  expectError(predict(2, &nullData, 1, &o, 1), NNC_STATUS_INVALID_ARGUMENT,
              {"inputs[0].data", "NULL"});
  alignas(8) char raw[64] = {};
  nnc_const_buffer_t misaligned{raw + 1, 24};
  expectError(predict(2, &misaligned, 1, &o, 1), NNC_STATUS_INVALID_ARGUMENT,
              {"alignment"});
}

TEST_F(DenseErrors, TrainStepAndGradients) {
  std::vector<float> before = readF32(api, inst.model, NNC_KIND_PARAM, 0);
  expectError(train(0, &in, &lab, 0.1f, &loss), NNC_STATUS_INVALID_ARGUMENT,
              {"nnc_model_train_step", "batch"});
  expectError(train(2, &in, &lab, 0.1f, nullptr), NNC_STATUS_INVALID_ARGUMENT,
              {"out_loss"});
  expectError(train(2, &in, nullptr, 0.1f, &loss), NNC_STATUS_INVALID_ARGUMENT,
              {"labels"});
  nnc_const_buffer_t badLab{y, 12};
  expectError(train(2, &in, &badLab, 0.1f, &loss), NNC_STATUS_INVALID_ARGUMENT,
              {"labels[0] ('y')", "expected 16 bytes", "got 12"});
  for (float lr : {std::nanf(""), -0.1f, INFINITY})
    expectError(train(2, &in, &lab, lr, &loss), NNC_STATUS_INVALID_ARGUMENT,
                {"learning_rate"});
  expectError(take(api, api.nnc_model_train_step(inst.model, 2, &in, 1, &lab, 1,
                                                 0.1f, &o, 2, &loss)),
              NNC_STATUS_INVALID_ARGUMENT, {"num_outputs"});
  expectError(take(api, api.nnc_model_compute_gradients(
                            inst.model, 2, &in, 1, &lab, 0, nullptr, 0, &loss)),
              NNC_STATUS_INVALID_ARGUMENT,
              {"nnc_model_compute_gradients", "num_labels"});
  expectError(take(api, api.nnc_model_compute_gradients(
                            nullptr, 2, &in, 1, &lab, 1, nullptr, 0, &loss)),
              NNC_STATUS_INVALID_ARGUMENT, {"model"});
  expectError(take(api, api.nnc_model_apply_gradients(inst.model, -1.0f)),
              NNC_STATUS_INVALID_ARGUMENT, {"learning_rate"});
  expectError(take(api, api.nnc_model_apply_gradients(nullptr, 0.1f)),
              NNC_STATUS_INVALID_ARGUMENT, {"model"});
  // Nothing changed.
  EXPECT_EQ(readF32(api, inst.model, NNC_KIND_PARAM, 0), before);
  int64_t step = -1;
  EXPECT_NNC_OK(api, api.nnc_model_get_step(inst.model, &step));
  EXPECT_EQ(step, 0);
}

TEST_F(DenseErrors, ReadWriteTensors) {
  float buf[6];
  expectError(take(api, api.nnc_model_read_tensor(nullptr, NNC_KIND_PARAM, 0,
                                                  buf, sizeof(buf))),
              NNC_STATUS_INVALID_ARGUMENT, {"model"});
  expectError(take(api, api.nnc_model_read_tensor(inst.model, NNC_KIND_INPUT, 0,
                                                  buf, sizeof(buf))),
              NNC_STATUS_INVALID_ARGUMENT, {"kind", "got input"});
  expectError(take(api, api.nnc_model_read_tensor(inst.model, NNC_KIND_PARAM, 5,
                                                  buf, sizeof(buf))),
              NNC_STATUS_OUT_OF_RANGE, {"index", "expected 0..1", "got 5"});
  expectError(take(api, api.nnc_model_read_tensor(inst.model, NNC_KIND_PARAM, 0,
                                                  nullptr, sizeof(buf))),
              NNC_STATUS_INVALID_ARGUMENT, {"'fc.weight'", "NULL"});
  expectError(take(api, api.nnc_model_read_tensor(inst.model, NNC_KIND_PARAM, 0,
                                                  buf, 20)),
              NNC_STATUS_INVALID_ARGUMENT,
              {"'fc.weight'", "expected 24 bytes", "got 20"});
  expectError(take(api, api.nnc_model_write_tensor(inst.model, NNC_KIND_GRAD, 1,
                                                   buf, 4)),
              NNC_STATUS_INVALID_ARGUMENT, {"expected 8 bytes", "got 4"});
  expectError(
      take(api, api.nnc_model_write_tensor_by_name(
                    inst.model, NNC_KIND_PARAM, "fc.wieght", buf, sizeof(buf))),
      NNC_STATUS_NOT_FOUND, {"nnc_model_write_tensor_by_name", "'fc.wieght'"});
  expectError(
      take(api, api.nnc_model_read_tensor_by_name(inst.model, NNC_KIND_PARAM,
                                                  nullptr, buf, sizeof(buf))),
      NNC_STATUS_INVALID_ARGUMENT, {"name"});
  expectError(
      take(api, api.nnc_model_read_tensor_by_name(
                    inst.model, NNC_KIND_STATE, "fc.weight", buf, sizeof(buf))),
      NNC_STATUS_NOT_FOUND, {"state"});
}

TEST_F(DenseErrors, InstanceCalls) {
  expectError(take(api, api.nnc_model_create(1, nullptr)),
              NNC_STATUS_INVALID_ARGUMENT, {"out_model"});
  api.nnc_model_destroy(nullptr); // a no-op
  expectError(take(api, api.nnc_model_set_step(inst.model, -3)),
              NNC_STATUS_INVALID_ARGUMENT, {"step", "expected >= 0", "-3"});
  expectError(take(api, api.nnc_model_set_step(nullptr, 3)),
              NNC_STATUS_INVALID_ARGUMENT, {"model"});
  int64_t step;
  expectError(take(api, api.nnc_model_get_step(inst.model, nullptr)),
              NNC_STATUS_INVALID_ARGUMENT, {"out_step"});
  expectError(take(api, api.nnc_model_get_step(nullptr, &step)),
              NNC_STATUS_INVALID_ARGUMENT, {"model"});
  uint64_t seed;
  expectError(take(api, api.nnc_model_get_seed(nullptr, &seed)),
              NNC_STATUS_INVALID_ARGUMENT, {"model"});
  expectError(take(api, api.nnc_model_set_row_offset(nullptr, 3)),
              NNC_STATUS_INVALID_ARGUMENT, {"model"});
  expectError(take(api, api.nnc_model_set_row_offset(inst.model, -1)),
              NNC_STATUS_INVALID_ARGUMENT,
              {"row_offset", "expected 0 <= row_offset < 16777216", "-1"});
  expectError(
      take(api, api.nnc_model_set_row_offset(inst.model, NNC_MAX_BATCH)),
      NNC_STATUS_INVALID_ARGUMENT, {"row_offset", "16777216"});
  EXPECT_NNC_OK(api, api.nnc_model_set_row_offset(inst.model, 0));
  expectError(take(api, api.nnc_model_set_allreduce(nullptr, nullptr, nullptr)),
              NNC_STATUS_INVALID_ARGUMENT,
              {"nnc_model_set_allreduce", "model"});
  // A model compiled without sync_batchnorm accepts (and never calls) one.
  EXPECT_NNC_OK(api, api.nnc_model_set_allreduce(
                         inst.model, [](void *, float *, int64_t) { return 1; },
                         nullptr));
  EXPECT_NNC_OK(api, api.nnc_model_set_allreduce(inst.model, nullptr, nullptr));
  EXPECT_NNC_OK(api, api.nnc_model_set_step(inst.model, 41));
  EXPECT_NNC_OK(api, api.nnc_model_get_step(inst.model, &step));
  EXPECT_EQ(step, 41);
  expectError(take(api, api.nnc_model_save(nullptr, "/tmp/x")),
              NNC_STATUS_INVALID_ARGUMENT, {"model"});
  expectError(take(api, api.nnc_model_save(inst.model, nullptr)),
              NNC_STATUS_INVALID_ARGUMENT, {"path"});
  expectError(take(api, api.nnc_model_load(inst.model, "")),
              NNC_STATUS_INVALID_ARGUMENT, {"path"});
  expectError(
      take(api, api.nnc_model_load(inst.model, "/nonexistent/dir/ckpt")),
      NNC_STATUS_IO_ERROR, {"/nonexistent/dir/ckpt"});
  expectError(
      take(api, api.nnc_model_save(inst.model, "/nonexistent/dir/ckpt")),
      NNC_STATUS_IO_ERROR, {"/nonexistent/dir/ckpt"});
}

TEST_F(DenseErrors, StepCounterAtItsMaximum) {
  // One more update would wrap the int64 counter to a negative value: the
  // training calls refuse, predict (no update) still runs.
  const int64_t max = std::numeric_limits<int64_t>::max();
  ASSERT_NNC_OK(api, api.nnc_model_set_step(inst.model, max));
  std::vector<std::string> before = snapshot(api, inst.model);
  expectError(
      train(2, &in, &lab, 0.1f, &loss), NNC_STATUS_OUT_OF_RANGE,
      {"nnc_model_train_step: step:", "9223372036854775807", "would overflow"});
  expectError(take(api, api.nnc_model_compute_gradients(
                            inst.model, 2, &in, 1, &lab, 1, nullptr, 0, &loss)),
              NNC_STATUS_OUT_OF_RANGE, {"nnc_model_compute_gradients: step:"});
  expectError(take(api, api.nnc_model_apply_gradients(inst.model, 0.1f)),
              NNC_STATUS_OUT_OF_RANGE, {"nnc_model_apply_gradients: step:"});
  EXPECT_EQ(snapshot(api, inst.model), before);
  EXPECT_NNC_OK(api, api.nnc_model_predict(inst.model, 2, &in, 1, &o, 1));
  // One below the maximum: the step trains and the counter reaches it.
  ASSERT_NNC_OK(api, api.nnc_model_set_step(inst.model, max - 1));
  ASSERT_EQ(train(2, &in, &lab, 0.1f, &loss).code, NNC_STATUS_OK);
  int64_t step = 0;
  ASSERT_NNC_OK(api, api.nnc_model_get_step(inst.model, &step));
  EXPECT_EQ(step, max);
}

TEST(ModelRTErrors, MissingEntryPoints) {
  const ModelApi &infer = loadModel(denseInferFixture());
  Instance inst(infer, 1);
  float x[3] = {1, 2, 3}, y[2] = {0, 1}, loss;
  nnc_const_buffer_t in{x, sizeof(x)}, lab{y, sizeof(y)};
  Status s =
      take(infer, infer.nnc_model_train_step(inst.model, 1, &in, 1, &lab, 1,
                                             0.1f, nullptr, 0, &loss));
  expectError(s, NNC_STATUS_UNIMPLEMENTED,
              {"train_step", "DenseInfer", "no train section"});
  s = take(infer, infer.nnc_model_apply_gradients(inst.model, 0.1f));
  expectError(s, NNC_STATUS_UNIMPLEMENTED, {"apply"});
  // Classifier trains only through the fused step.
  const ModelApi &cls = loadModel(classifierFixture());
  Instance c(cls, 1);
  float cx[4] = {1, 2, 3, 4};
  int32_t cy[1] = {2};
  nnc_const_buffer_t cin{cx, sizeof(cx)}, clab{cy, sizeof(cy)};
  s = take(cls, cls.nnc_model_compute_gradients(c.model, 1, &cin, 1, &clab, 1,
                                                nullptr, 0, &loss));
  expectError(s, NNC_STATUS_UNIMPLEMENTED, {"grads", "Classifier"});
}

} // namespace
