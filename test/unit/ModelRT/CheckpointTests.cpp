//===- test/unit/ModelRT/CheckpointTests.cpp - safetensors checkpoints ----===//
//
// Tests of nnc_model_save/nnc_model_load: an exact round trip that resumes
// training bit for bit, the byte layout rules of the safetensors format
// (checked with an independent JSON parser), files made by hand the way
// PyTorch writes them (with and without optimizer state, with
// num_batches_tracked, with wrong names/shapes/dtypes), and interoperability
// with Python: a reader and a writer using json + struct + torch.frombuffer.
//
//===----------------------------------------------------------------------===//
#include "ModelRTTestUtil.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <limits>
#include <unistd.h>

using namespace nnc::test;

namespace {

void trainClassifier(const ModelApi &api, nnc_model_t *m, int steps) {
  float x[8] = {0.5f, -1, 2, 0.25f, -0.5f, 1, 0, 3};
  int32_t y[2] = {1, 2};
  nnc_const_buffer_t in{x, sizeof(x)}, lab{y, sizeof(y)};
  for (int i = 0; i < steps; ++i) {
    float loss;
    ASSERT_NNC_OK(api, api.nnc_model_train_step(m, 2, &in, 1, &lab, 1, 0.1f,
                                                nullptr, 0, &loss));
  }
}

TEST(ModelRTCheckpoint, RoundTripResumesExactly) {
  const ModelApi &api = loadModel(classifierFixture());
  Instance a(api, 11), b(api, 12);
  trainClassifier(api, a.model, 3);
  std::string path = tempPath("roundtrip.safetensors");
  ASSERT_NNC_OK(api, api.nnc_model_save(a.model, path.c_str()));
  EXPECT_NE(access(path.c_str(), F_OK), -1);
  EXPECT_EQ(access((path + ".tmp").c_str(), F_OK), -1); // renamed away
  EXPECT_TRUE(snapshot(api, a.model) != snapshot(api, b.model));
  ASSERT_NNC_OK(api, api.nnc_model_load(b.model, path.c_str()));
  // Gradients are not part of a checkpoint; everything else matches.
  std::vector<std::string> sa = snapshot(api, a.model),
                           sb = snapshot(api, b.model);
  EXPECT_EQ(sa.back(), "3/11"); // step 3, seed 11
  EXPECT_EQ(sb.back(), sa.back());
  for (nnc_tensor_kind_t kind : {NNC_KIND_PARAM, NNC_KIND_STATE})
    for (int32_t i = 0; i < api.nnc_model_tensor_count(kind); ++i)
      EXPECT_EQ(readF32(api, a.model, kind, i), readF32(api, b.model, kind, i));
  int64_t ta[2], tb[2];
  ASSERT_NNC_OK(api, api.nnc_model_read_tensor_by_name(a.model, NNC_KIND_BUFFER,
                                                       "trace", ta, 16));
  ASSERT_NNC_OK(api, api.nnc_model_read_tensor_by_name(b.model, NNC_KIND_BUFFER,
                                                       "trace", tb, 16));
  EXPECT_EQ(0, std::memcmp(ta, tb, 16));
  // Training on continues identically (same step, seed, momentum).
  trainClassifier(api, a.model, 2);
  trainClassifier(api, b.model, 2);
  std::vector<std::string> ra = snapshot(api, a.model),
                           rb = snapshot(api, b.model);
  EXPECT_TRUE(ra == rb);
  // Saving over an existing checkpoint works.
  ASSERT_NNC_OK(api, api.nnc_model_save(b.model, path.c_str()));
  std::remove(path.c_str());
}

TEST(ModelRTCheckpoint, ByteLayoutFollowsSafetensors) {
  const ModelApi &api = loadModel(classifierFixture());
  Instance a(api, 5);
  trainClassifier(api, a.model, 2);
  std::string path = tempPath("layout.safetensors");
  ASSERT_NNC_OK(api, api.nnc_model_save(a.model, path.c_str()));
  std::string bytes = readBytes(path);
  std::remove(path.c_str());
  ASSERT_GE(bytes.size(), 8u);
  uint64_t n = 0;
  for (int i = 7; i >= 0; --i)
    n = (n << 8) | (unsigned char)bytes[i]; // little-endian u64
  ASSERT_LE(8 + n, bytes.size());
  EXPECT_EQ(n % 8, 0u); // data starts 8-aligned
  std::string header = bytes.substr(8, n);
  EXPECT_EQ(header.front(), '{');
  size_t close = header.find_last_of('}');
  EXPECT_EQ(header.find_first_not_of(' ', close + 1), std::string::npos)
      << "padding must be spaces";
  nlohmann::json j = nlohmann::json::parse(header, nullptr, false);
  ASSERT_FALSE(j.is_discarded());
  ASSERT_TRUE(j.contains("__metadata__"));
  const nlohmann::json &meta = j["__metadata__"];
  EXPECT_EQ(meta["nnc.step"], "2");
  EXPECT_EQ(meta["nnc.seed"], "5");
  EXPECT_EQ(meta["nnc.model"], "Classifier");
  EXPECT_EQ(meta["format"], "pt");
  for (auto &[k, v] : meta.items())
    EXPECT_TRUE(v.is_string()) << k;
  // Every PARAM, BUFFER and STATE, no GRAD, tiling the data section.
  size_t expected = 0;
  for (nnc_tensor_kind_t kind :
       {NNC_KIND_PARAM, NNC_KIND_BUFFER, NNC_KIND_STATE})
    expected += api.nnc_model_tensor_count(kind);
  EXPECT_EQ(j.size(), expected + 1);
  std::string data = bytes.substr(8 + n);
  std::vector<std::pair<uint64_t, uint64_t>> spans;
  for (nnc_tensor_kind_t kind :
       {NNC_KIND_PARAM, NNC_KIND_BUFFER, NNC_KIND_STATE})
    for (int32_t i = 0; i < api.nnc_model_tensor_count(kind); ++i) {
      nnc_tensor_info_t info;
      ASSERT_NNC_OK(api, api.nnc_model_tensor_info(kind, i, &info));
      ASSERT_TRUE(j.contains(info.name)) << info.name;
      const nlohmann::json &t = j[info.name];
      EXPECT_EQ(t["dtype"], info.dtype == NNC_DTYPE_F32   ? "F32"
                            : info.dtype == NNC_DTYPE_I64 ? "I64"
                                                          : "I32");
      std::vector<int64_t> shape(info.dims, info.dims + info.rank);
      EXPECT_EQ(t["shape"].get<std::vector<int64_t>>(), shape) << info.name;
      uint64_t b = t["data_offsets"][0], e = t["data_offsets"][1];
      ASSERT_EQ(e - b, info.item_bytes);
      spans.push_back({b, e});
      std::string want(info.item_bytes, '\0');
      ASSERT_NNC_OK(api, api.nnc_model_read_tensor(a.model, kind, i,
                                                   want.data(), want.size()));
      EXPECT_EQ(data.substr(b, e - b), want) << info.name;
    }
  std::sort(spans.begin(), spans.end());
  uint64_t at = 0;
  for (auto [b, e] : spans) {
    EXPECT_EQ(b, at);
    at = e;
  }
  EXPECT_EQ(at, data.size());
}

// Tensors the Classifier needs, with chosen values.
std::vector<StTensor> classifierTensors(bool withState) {
  std::vector<StTensor> t = {
      {"fc.weight", "F32", {3, 4}, f32Bytes(std::vector<float>(12, 0.5f))},
      {"fc.bias", "F32", {3}, f32Bytes({1, 2, 3})},
      {"stats.running_mean", "F32", {4}, f32Bytes({4, 3, 2, 1})},
      {"trace", "I64", {2}, std::string(16, '\0')},
      {"init.he", "F32", {64, 32, 3, 3}, f32Bytes(std::vector<float>(18432))},
      {"init.xavier", "F32", {128, 64}, f32Bytes(std::vector<float>(8192))},
      {"init.normal", "F32", {20001}, f32Bytes(std::vector<float>(20001))},
      {"init.uniform", "F32", {100, 100}, f32Bytes(std::vector<float>(10000))},
      {"init.ones", "F32", {7}, f32Bytes(std::vector<float>(7, 2.0f))},
  };
  if (withState) {
    t.push_back({"optimizer.fc.weight.momentum_buffer",
                 "F32",
                 {3, 4},
                 f32Bytes(std::vector<float>(12, -1.0f))});
    t.push_back(
        {"optimizer.fc.bias.momentum_buffer", "F32", {3}, f32Bytes({7, 8, 9})});
  }
  return t;
}

Status loadBytes(const ModelApi &api, nnc_model_t *m, const std::string &b) {
  std::string path = tempPath("handmade.safetensors");
  writeBytes(path, b);
  Status s = take(api, api.nnc_model_load(m, path.c_str()));
  std::remove(path.c_str());
  return s;
}

TEST(ModelRTCheckpoint, LoadsWhatPyTorchWrites) {
  const ModelApi &api = loadModel(classifierFixture());
  Instance m(api, 1);
  trainClassifier(api, m.model, 1); // nonzero momentum and step 1
  // A plain state_dict: no optimizer state, no metadata, the batchnorm
  // counter PyTorch adds, tensors in reverse order.
  std::vector<StTensor> t = classifierTensors(false);
  t.push_back({"bn.num_batches_tracked", "I64", {}, std::string(8, '\0')});
  std::reverse(t.begin(), t.end());
  Status s = loadBytes(api, m.model, makeSafetensors("", t));
  ASSERT_EQ(s.code, NNC_STATUS_OK) << s.message;
  EXPECT_EQ(readF32(api, m.model, NNC_KIND_PARAM, 1),
            (std::vector<float>{1, 2, 3}));
  EXPECT_EQ(readF32(api, m.model, NNC_KIND_BUFFER, 0),
            (std::vector<float>{4, 3, 2, 1}));
  for (float v : readF32(api, m.model, NNC_KIND_STATE, 0))
    EXPECT_EQ(v, 0.0f); // optimizer state reset
  int64_t step = -1;
  EXPECT_NNC_OK(api, api.nnc_model_get_step(m.model, &step));
  EXPECT_EQ(step, 0);
  // With optimizer state and a step in the metadata.
  s = loadBytes(
      api, m.model,
      makeSafetensors("{\"nnc.step\":\"40\"}", classifierTensors(true)));
  ASSERT_EQ(s.code, NNC_STATUS_OK) << s.message;
  EXPECT_EQ(readF32(api, m.model, NNC_KIND_STATE, 1),
            (std::vector<float>{7, 8, 9}));
  EXPECT_NNC_OK(api, api.nnc_model_get_step(m.model, &step));
  EXPECT_EQ(step, 40);
}

TEST(ModelRTCheckpoint, MismatchesAreExplained) {
  const ModelApi &api = loadModel(classifierFixture());
  Instance m(api, 1);
  std::vector<std::string> before = snapshot(api, m.model);
  struct Case {
    const char *what;
    std::function<void(std::vector<StTensor> &)> edit;
    const char *message;
  };
  std::vector<Case> cases = {
      {"missing", [](auto &t) { t.erase(t.begin() + 1); },
       "missing tensor 'fc.bias'"},
      {"extra",
       [](auto &t) {
         t.push_back({"fc2.weight", "F32", {1}, std::string(4, 'x')});
       },
       "unexpected tensor 'fc2.weight'"},
      {"shape", [](auto &t) { t[0].shape = {4, 3}; },
       "'fc.weight': expected shape [3, 4], got [4, 3]"},
      {"rank", [](auto &t) { t[0].shape = {12}; },
       "expected shape [3, 4], got [12]"},
      {"dtype",
       [](auto &t) { t[1] = {"fc.bias", "I32", {3}, std::string(12, '\0')}; },
       "'fc.bias': expected dtype F32, got I32"},
      {"f64",
       [](auto &t) { t[1] = {"fc.bias", "F64", {3}, std::string(24, '\0')}; },
       "expected dtype F32, got F64"},
      {"partial state", [](auto &t) { t.pop_back(); },
       "missing optimizer state 'optimizer.fc.bias.momentum_buffer'"},
      {"unknown dtype", [](auto &t) { t[1].dtype = "Q7"; },
       "unknown dtype 'Q7'"},
      {"bytes", [](auto &t) { t[1].bytes += "abcd"; },
       "span 16 bytes, expected 12"},
  };
  for (const Case &c : cases) {
    std::vector<StTensor> t = classifierTensors(true);
    c.edit(t);
    Status s = loadBytes(api, m.model, makeSafetensors("", t));
    EXPECT_EQ(s.code, NNC_STATUS_DATA_LOSS) << c.what << ": " << s.message;
    EXPECT_NE(s.message.find(c.message), std::string::npos)
        << c.what << ": " << s.message;
    EXPECT_TRUE(snapshot(api, m.model) == before) << c.what;
  }
}

TEST(ModelRTCheckpoint, NonFiniteValuesAreRefusedUnlessAllowed) {
  const ModelApi &api = loadModel(classifierFixture());
  Instance m(api, 1);
  struct Case {
    size_t tensor;
    float value;
    const char *message;
  };
  const float inf = std::numeric_limits<float>::infinity();
  for (Case c : {Case{1, std::nanf(""), "tensor 'fc.bias': element 2 is nan"},
                 Case{2, inf, "tensor 'stats.running_mean': element 2 is inf"},
                 Case{10, -inf,
                      "'optimizer.fc.bias.momentum_buffer': "
                      "element 2 is -inf"}}) {
    std::vector<StTensor> t = classifierTensors(true);
    std::memcpy(&t[c.tensor].bytes[8], &c.value, sizeof(float));
    std::string bytes = makeSafetensors("", t);
    std::vector<std::string> before = snapshot(api, m.model);
    Status s = loadBytes(api, m.model, bytes);
    EXPECT_EQ(s.code, NNC_STATUS_DATA_LOSS) << s.message;
    EXPECT_NE(s.message.find(c.message), std::string::npos) << s.message;
    EXPECT_NE(s.message.find("NNC_LOAD_ALLOW_NONFINITE"), std::string::npos);
    EXPECT_TRUE(snapshot(api, m.model) == before) << c.message;
    // Asked for, it loads.
    std::string path = tempPath("nonfinite.safetensors");
    writeBytes(path, bytes);
    EXPECT_NNC_OK(api, api.nnc_model_load_with_flags(m.model, path.c_str(),
                                                     NNC_LOAD_ALLOW_NONFINITE));
    std::remove(path.c_str());
  }
  EXPECT_EQ(readF32(api, m.model, NNC_KIND_STATE, 1)[2], -inf);
  Status s = take(api, api.nnc_model_load_with_flags(m.model, "x", 6));
  EXPECT_EQ(s.code, NNC_STATUS_INVALID_ARGUMENT);
  EXPECT_NE(s.message.find("flags"), std::string::npos) << s.message;
}

bool pythonHasTorch() {
  return std::system("/usr/bin/python3 -c 'import torch' >/dev/null 2>&1") == 0;
}

TEST(ModelRTCheckpoint, PythonReadsAndWritesOurFormat) {
  if (!pythonHasTorch())
    GTEST_SKIP() << "/usr/bin/python3 with torch is not available";
  const ModelApi &api = loadModel(classifierFixture());
  Instance m(api, 3);
  trainClassifier(api, m.model, 2);
  std::string ours = tempPath("py-in.safetensors");
  std::string theirs = tempPath("py-out.safetensors");
  ASSERT_NNC_OK(api, api.nnc_model_save(m.model, ours.c_str()));
  std::vector<float> w = readF32(api, m.model, NNC_KIND_PARAM, 0);
  // The script checks the format rules, reads every tensor with torch,
  // prints fc.weight's sum and writes a new file with every value doubled
  // (keys sorted as safetensors.torch.save_file does).
  std::string cmd = std::string("/usr/bin/python3 ") + NNC_MODELRT_TEST_DIR +
                    "/safetensors_interop.py " + ours + " " + theirs;
  FILE *p = popen(cmd.c_str(), "r");
  ASSERT_TRUE(p);
  char line[256] = {};
  std::string out;
  while (fgets(line, sizeof(line), p))
    out += line;
  ASSERT_EQ(pclose(p), 0) << out;
  double sum = 0;
  for (float v : w)
    sum += v;
  EXPECT_NE(out.find("ok"), std::string::npos) << out;
  double pySum = std::atof(out.substr(out.find("fc.weight.sum=") + 14).c_str());
  EXPECT_NEAR(pySum, sum, 1e-5);
  Instance back(api, 99);
  ASSERT_NNC_OK(api, api.nnc_model_load(back.model, theirs.c_str()));
  std::vector<float> w2 = readF32(api, back.model, NNC_KIND_PARAM, 0);
  for (size_t i = 0; i < w.size(); ++i)
    EXPECT_EQ(w2[i], 2 * w[i]);
  std::vector<float> m1 = readF32(api, m.model, NNC_KIND_STATE, 1);
  std::vector<float> m2 = readF32(api, back.model, NNC_KIND_STATE, 1);
  for (size_t i = 0; i < m1.size(); ++i)
    EXPECT_EQ(m2[i], 2 * m1[i]);
  int64_t trace[2];
  ASSERT_NNC_OK(api, api.nnc_model_read_tensor_by_name(
                         back.model, NNC_KIND_BUFFER, "trace", trace, 16));
  EXPECT_EQ(trace[0], 4); // the i64 step 2, doubled
  int64_t step = -1;
  EXPECT_NNC_OK(api, api.nnc_model_get_step(back.model, &step));
  EXPECT_EQ(step, 2); // metadata kept
  std::remove(ours.c_str());
  std::remove(theirs.c_str());
}

} // namespace
