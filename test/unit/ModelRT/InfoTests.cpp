//===- test/unit/ModelRT/InfoTests.cpp - static queries and linking -------===//
//
// Tests of what a model.so says about itself (name, ABI version, recipe,
// tensor information by kind and name) and of how it is linked: only the
// nnc_* API is exported, the descriptor and kernels are hidden, the only
// dynamic dependencies are libc/libm/libpthread, and two different models
// live side by side in one process.
//
//===----------------------------------------------------------------------===//
#include "ModelRTTestUtil.h"

#include <dlfcn.h>

#include <cstdio>
#include <set>
#include <string>

using namespace nnc::test;

namespace {

TEST(ModelRTInfo, NameVersionRecipe) {
  const ModelApi &api = loadModel(denseFixture());
  ASSERT_TRUE(api.nnc_model_name);
  EXPECT_EQ(api.nnc_abi_version(), NNC_ABI_VERSION);
  EXPECT_STREQ(api.nnc_model_name(), "Dense");
  EXPECT_STREQ(api.nnc_model_optimizer(), "sgd");
  EXPECT_FLOAT_EQ(api.nnc_model_default_learning_rate(), 0.05f);
  EXPECT_NE(std::string(api.nnc_model_recipe_json()).find("\"epochs\": 3"),
            std::string::npos);
  for (int e = 0; e < 4; ++e)
    EXPECT_EQ(api.nnc_model_has_entry((nnc_entry_t)e), 1) << e;
  EXPECT_EQ(api.nnc_model_has_entry((nnc_entry_t)9), 0);

  const ModelApi &infer = loadModel(denseInferFixture());
  EXPECT_STREQ(infer.nnc_model_recipe_json(), "{}");
  EXPECT_STREQ(infer.nnc_model_optimizer(), "none");
  EXPECT_EQ(infer.nnc_model_has_entry(NNC_ENTRY_PREDICT), 1);
  EXPECT_EQ(infer.nnc_model_has_entry(NNC_ENTRY_TRAIN_STEP), 0);
}

TEST(ModelRTInfo, CountsAndTensorInfo) {
  const ModelApi &api = loadModel(denseFixture());
  EXPECT_EQ(api.nnc_model_tensor_count(NNC_KIND_INPUT), 1);
  EXPECT_EQ(api.nnc_model_tensor_count(NNC_KIND_LABEL), 1);
  EXPECT_EQ(api.nnc_model_tensor_count(NNC_KIND_OUTPUT), 1);
  EXPECT_EQ(api.nnc_model_tensor_count(NNC_KIND_PARAM), 2);
  EXPECT_EQ(api.nnc_model_tensor_count(NNC_KIND_BUFFER), 0);
  EXPECT_EQ(api.nnc_model_tensor_count(NNC_KIND_GRAD), 2);
  EXPECT_EQ(api.nnc_model_tensor_count(NNC_KIND_STATE), 0);
  EXPECT_EQ(api.nnc_model_tensor_count((nnc_tensor_kind_t)42), 0);

  nnc_tensor_info_t info;
  ASSERT_NNC_OK(api, api.nnc_model_tensor_info(NNC_KIND_INPUT, 0, &info));
  EXPECT_STREQ(info.name, "x");
  EXPECT_EQ(info.dtype, NNC_DTYPE_F32);
  EXPECT_EQ(info.rank, 2);
  EXPECT_EQ(info.dims[0], -1);
  EXPECT_EQ(info.dims[1], 3);
  EXPECT_EQ(info.batch_axis, 0);
  EXPECT_EQ(info.item_elements, 3);
  EXPECT_EQ(info.item_bytes, 12u);

  ASSERT_NNC_OK(api, api.nnc_model_tensor_info(NNC_KIND_PARAM, 0, &info));
  EXPECT_STREQ(info.name, "fc.weight");
  EXPECT_EQ(info.batch_axis, -1);
  EXPECT_EQ(info.item_bytes, 24u);
  ASSERT_NNC_OK(api, api.nnc_model_tensor_info(NNC_KIND_GRAD, 1, &info));
  EXPECT_EQ(info.of, 1); // the gradient of fc.bias (PARAM 1)

  size_t bytes = 0;
  ASSERT_NNC_OK(api,
                api.nnc_model_tensor_byte_size(NNC_KIND_OUTPUT, 0, 5, &bytes));
  EXPECT_EQ(bytes, 5u * 2 * sizeof(float));
  ASSERT_NNC_OK(api,
                api.nnc_model_tensor_byte_size(NNC_KIND_PARAM, 1, 0, &bytes));
  EXPECT_EQ(bytes, 2u * sizeof(float)); // no batch dim: batch is ignored

  const ModelApi &cls = loadModel(classifierFixture());
  ASSERT_NNC_OK(cls, cls.nnc_model_tensor_info(NNC_KIND_LABEL, 0, &info));
  EXPECT_STREQ(info.name, "y");
  EXPECT_EQ(info.dtype, NNC_DTYPE_I32);
  EXPECT_EQ(info.rank, 1);
  ASSERT_NNC_OK(cls, cls.nnc_model_tensor_info(NNC_KIND_STATE, 1, &info));
  EXPECT_STREQ(info.name, "optimizer.fc.bias.momentum_buffer");
  EXPECT_EQ(info.of, 1);
  ASSERT_NNC_OK(cls, cls.nnc_model_tensor_info(NNC_KIND_BUFFER, 1, &info));
  EXPECT_EQ(info.dtype, NNC_DTYPE_I64);
}

TEST(ModelRTInfo, FindByName) {
  const ModelApi &api = loadModel(classifierFixture());
  int32_t index = -1;
  ASSERT_NNC_OK(api,
                api.nnc_model_find_tensor(NNC_KIND_PARAM, "fc.bias", &index));
  EXPECT_EQ(index, 1);
  ASSERT_NNC_OK(api, api.nnc_model_find_tensor(NNC_KIND_BUFFER,
                                               "stats.running_mean", &index));
  EXPECT_EQ(index, 0);
  // Gradients are found by the name tensor_info reports, "<param>.grad";
  // their parameter's name is not theirs, and the message says which is.
  ASSERT_NNC_OK(
      api, api.nnc_model_find_tensor(NNC_KIND_GRAD, "fc.bias.grad", &index));
  EXPECT_EQ(index, 1);
  Status g =
      take(api, api.nnc_model_find_tensor(NNC_KIND_GRAD, "fc.bias", &index));
  EXPECT_EQ(g.code, NNC_STATUS_NOT_FOUND);
  EXPECT_NE(g.message.find("is called 'fc.bias.grad'"), std::string::npos)
      << g.message;
  Status s =
      take(api, api.nnc_model_find_tensor(NNC_KIND_PARAM, "fc.bogus", &index));
  EXPECT_EQ(s.code, NNC_STATUS_NOT_FOUND);
  EXPECT_NE(s.message.find("'fc.bogus'"), std::string::npos) << s.message;
  EXPECT_NE(s.message.find("Classifier"), std::string::npos) << s.message;
  // A parameter's name is not an input's name.
  s = take(api, api.nnc_model_find_tensor(NNC_KIND_INPUT, "fc.bias", &index));
  EXPECT_EQ(s.code, NNC_STATUS_NOT_FOUND);
}

// One naming rule: every tensor of every kind is found by the name that
// nnc_model_tensor_info reports for it, at the index it was reported at.
TEST(ModelRTInfo, FindTensorTakesTheInfoName) {
  for (const char *fixture : {classifierFixture(), denseFixture()}) {
    const ModelApi &api = loadModel(fixture);
    for (int kind = 0; kind < NNC_KIND_COUNT; ++kind) {
      auto k = static_cast<nnc_tensor_kind_t>(kind);
      for (int32_t i = 0; i < api.nnc_model_tensor_count(k); ++i) {
        nnc_tensor_info_t info;
        ASSERT_NNC_OK(api, api.nnc_model_tensor_info(k, i, &info));
        int32_t index = -1;
        ASSERT_NNC_OK(api, api.nnc_model_find_tensor(k, info.name, &index));
        EXPECT_EQ(index, i) << fixture << " " << info.name;
      }
    }
  }
}

TEST(ModelRTInfo, QueryErrors) {
  const ModelApi &api = loadModel(denseFixture());
  nnc_tensor_info_t info;
  Status s = take(api, api.nnc_model_tensor_info(NNC_KIND_INPUT, 0, nullptr));
  EXPECT_EQ(s.code, NNC_STATUS_INVALID_ARGUMENT);
  EXPECT_NE(s.message.find("out_info"), std::string::npos) << s.message;
  s = take(api, api.nnc_model_tensor_info(NNC_KIND_PARAM, 2, &info));
  EXPECT_EQ(s.code, NNC_STATUS_OUT_OF_RANGE);
  EXPECT_NE(s.message.find("expected 0..1"), std::string::npos) << s.message;
  EXPECT_NE(s.message.find("got 2"), std::string::npos) << s.message;
  s = take(api, api.nnc_model_tensor_info(NNC_KIND_PARAM, -1, &info));
  EXPECT_EQ(s.code, NNC_STATUS_OUT_OF_RANGE);
  s = take(api, api.nnc_model_tensor_info((nnc_tensor_kind_t)7, 0, &info));
  EXPECT_EQ(s.code, NNC_STATUS_INVALID_ARGUMENT);
  int32_t index;
  s = take(api, api.nnc_model_find_tensor(NNC_KIND_PARAM, nullptr, &index));
  EXPECT_EQ(s.code, NNC_STATUS_INVALID_ARGUMENT);
  EXPECT_NE(s.message.find("name"), std::string::npos);
  size_t bytes;
  s = take(api, api.nnc_model_tensor_byte_size(NNC_KIND_INPUT, 0, 0, &bytes));
  EXPECT_EQ(s.code, NNC_STATUS_INVALID_ARGUMENT);
  EXPECT_NE(s.message.find("batch"), std::string::npos);
  s = take(api, api.nnc_model_tensor_byte_size(
                    NNC_KIND_INPUT, 0, int64_t(NNC_MAX_BATCH) + 1, &bytes));
  EXPECT_EQ(s.code, NNC_STATUS_INVALID_ARGUMENT);
  // The status functions accept NULL (success).
  EXPECT_EQ(api.nnc_status_code(nullptr), NNC_STATUS_OK);
  EXPECT_STREQ(api.nnc_status_message(nullptr), "");
  api.nnc_status_free(nullptr);
  EXPECT_STREQ(api.nnc_status_code_name(NNC_STATUS_DATA_LOSS), "DATA_LOSS");
}

TEST(ModelRTLink, OnlyTheApiIsExported) {
  const ModelApi &api = loadModel(denseFixture());
  ASSERT_TRUE(api.handle);
  // Hidden: the descriptor, kernels, and shim internals.
  for (const char *hidden :
       {"nnc_model_desc", "nnc_kernel_predict", "nnc_kernel_train_step",
        "nncMakeStatus", "nncSplitMix64", "nncLoad", "mgpuLaunchKernel",
        "_mlir_memref_to_llvm_alloc", "nncCudaInit", "nnc_rt_parallel_for",
        "nnc_host_alloc"})
    EXPECT_EQ(dlsym(api.handle, hidden), nullptr) << hidden;

  // nm -D: every defined dynamic symbol is an nnc_ API function.
  std::string cmd = std::string("nm -D --defined-only ") + denseFixture();
  FILE *p = popen(cmd.c_str(), "r");
  ASSERT_TRUE(p);
  char line[512];
  int apiSymbols = 0;
  while (fgets(line, sizeof(line), p)) {
    std::string l(line);
    std::string name = l.substr(l.find_last_of(' ') + 1);
    name = name.substr(0, name.find_first_of("@\n"));
    if (name.empty() || name == "NNC_ABI_1")
      continue;
    EXPECT_EQ(name.rfind("nnc_", 0), 0u) << "unexpected export: " << name;
    EXPECT_NE(name, "nnc_model_desc");
    ++apiSymbols;
  }
  EXPECT_EQ(pclose(p), 0);
  EXPECT_EQ(apiSymbols, 43); // the functions of exports.map
}

TEST(ModelRTLink, DependsOnlyOnLibcLibmLibpthread) {
  for (const char *so :
       {denseFixture(), classifierFixture(), NNC_FIXTURE_PARALLEL}) {
    std::string cmd = std::string("readelf -d ") + so;
    FILE *p = popen(cmd.c_str(), "r");
    ASSERT_TRUE(p);
    char line[512];
    std::set<std::string> needed;
    while (fgets(line, sizeof(line), p)) {
      std::string l(line);
      if (l.find("(NEEDED)") == std::string::npos)
        continue;
      size_t a = l.find('['), b = l.find(']');
      ASSERT_NE(a, std::string::npos);
      needed.insert(l.substr(a + 1, b - a - 1));
    }
    EXPECT_EQ(pclose(p), 0);
    EXPECT_TRUE(needed.count("libc.so.6")) << so;
    for (const std::string &lib : needed)
      EXPECT_TRUE(lib == "libc.so.6" || lib == "libm.so.6" ||
                  lib == "libpthread.so.0")
          << so << " needs " << lib;
  }
}

TEST(ModelRTLink, TwoModelsSideBySide) {
  const ModelApi &dense = loadModel(denseFixture());
  const ModelApi &cls = loadModel(classifierFixture());
  ASSERT_TRUE(dense.handle && cls.handle);
  ASSERT_NE(dense.handle, cls.handle);
  EXPECT_NE(dense.nnc_model_create, cls.nnc_model_create);
  EXPECT_STREQ(dense.nnc_model_name(), "Dense");
  EXPECT_STREQ(cls.nnc_model_name(), "Classifier");
  Instance a(dense, 1), b(cls, 1);
  ASSERT_TRUE(a.model && b.model);
  EXPECT_EQ(dense.nnc_model_tensor_count(NNC_KIND_PARAM), 2);
  EXPECT_EQ(cls.nnc_model_tensor_count(NNC_KIND_PARAM), 6);

  float x1[3] = {1, 2, 3}, out1[2];
  nnc_const_buffer_t in1 = {x1, sizeof(x1)};
  nnc_buffer_t o1 = {out1, sizeof(out1)};
  EXPECT_NNC_OK(dense, dense.nnc_model_predict(a.model, 1, &in1, 1, &o1, 1));
  float x2[4] = {1, 2, 3, 4}, out2[3];
  nnc_const_buffer_t in2 = {x2, sizeof(x2)};
  nnc_buffer_t o2 = {out2, sizeof(out2)};
  EXPECT_NNC_OK(cls, cls.nnc_model_predict(b.model, 1, &in2, 1, &o2, 1));
  // Each library validates against its own descriptor: Dense's sizes are
  // wrong for Classifier.
  Status s = take(cls, cls.nnc_model_predict(b.model, 1, &in1, 1, &o2, 1));
  EXPECT_EQ(s.code, NNC_STATUS_INVALID_ARGUMENT);
}

} // namespace
