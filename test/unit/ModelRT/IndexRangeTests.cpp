//===- test/unit/ModelRT/IndexRangeTests.cpp - class and id ranges --------===//
//
// Tests that the shim refuses i32 inputs and labels the descriptor bounds
// (class indices of a cross-entropy, ids of an embedding) when a value lies
// outside [0, index_bound): the call fails with INVALID_ARGUMENT and a
// message naming the buffer, the element, its value and the valid range,
// the kernel does not run (nothing trains), and in-range values still work.
//
//===----------------------------------------------------------------------===//
#include "ModelRTTestUtil.h"

using namespace nnc::test;

namespace {

void expectError(const Status &s, std::initializer_list<const char *> parts) {
  EXPECT_EQ(s.code, NNC_STATUS_INVALID_ARGUMENT) << s.message;
  for (const char *p : parts)
    EXPECT_NE(s.message.find(p), std::string::npos)
        << "'" << p << "' not in: " << s.message;
}

TEST(IndexRange, ClassifierLabelsOutsideTheClassCount) {
  const ModelApi &api = loadModel(classifierFixture());
  Instance inst(api, 7);
  float x[8] = {1, 2, 3, 4, 5, 6, 7, 8};
  float loss = 0;
  nnc_const_buffer_t in{x, sizeof(x)};
  std::vector<float> before = readF32(api, inst.model, NNC_KIND_PARAM, 0);
  auto train = [&](const int32_t *y) {
    nnc_const_buffer_t lab{y, 2 * sizeof(int32_t)};
    return take(api, api.nnc_model_train_step(inst.model, 2, &in, 1, &lab, 1,
                                              0.1f, nullptr, 0, &loss));
  };
  // 3 classes: label 3 is one past the end, -1 before the start.
  int32_t tooLarge[2] = {0, 3};
  expectError(train(tooLarge), {"nnc_model_train_step", "labels[0] ('y')",
                                "element 1 (batch item 1) is 3", "[0, 3)"});
  int32_t negative[2] = {-1, 2};
  expectError(train(negative),
              {"labels[0] ('y')", "element 0 (batch item 0) is -1", "[0, 3)"});
  // The kernel did not run: no parameter moved, no step was counted.
  EXPECT_EQ(readF32(api, inst.model, NNC_KIND_PARAM, 0), before);
  int64_t step = -1;
  EXPECT_NNC_OK(api, api.nnc_model_get_step(inst.model, &step));
  EXPECT_EQ(step, 0);
  // The last valid class trains.
  int32_t good[2] = {0, 2};
  Status ok = train(good);
  EXPECT_EQ(ok.code, NNC_STATUS_OK) << ok.message;
  EXPECT_NNC_OK(api, api.nnc_model_get_step(inst.model, &step));
  EXPECT_EQ(step, 1);
  EXPECT_NE(readF32(api, inst.model, NNC_KIND_PARAM, 0), before);
}

TEST(IndexRange, EmbeddingIdsOutsideTheTable) {
  const ModelApi &api = loadModel(NNC_FIXTURE_LOOKUP);
  Instance inst(api, 3);
  float out[12] = {};
  nnc_buffer_t o{out, sizeof(out)};
  auto predict = [&](const int32_t *ids) {
    nnc_const_buffer_t in{ids, 4 * sizeof(int32_t)};
    return take(api, api.nnc_model_predict(inst.model, 2, &in, 1, &o, 1));
  };
  // Table of 5 rows: id 5 (item 1, position 0) is out of range.
  int32_t bad[4] = {0, 4, 5, 1};
  expectError(predict(bad), {"nnc_model_predict", "inputs[0] ('ids')",
                             "element 2 (batch item 1) is 5", "[0, 5)"});
  for (float v : out)
    EXPECT_EQ(v, 0.0f) << "the kernel ran on a refused input";
  int32_t good[4] = {0, 4, 3, 1};
  Status ok = predict(good);
  ASSERT_EQ(ok.code, NNC_STATUS_OK) << ok.message;
  std::vector<float> table = readF32(api, inst.model, NNC_KIND_PARAM, 0);
  ASSERT_EQ(table.size(), 15u);
  for (int p = 0; p < 4; ++p)
    for (int d = 0; d < 3; ++d)
      EXPECT_EQ(out[p * 3 + d], table[good[p] * 3 + d]) << p << "," << d;
}

} // namespace
