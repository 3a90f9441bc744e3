//===- TrainTestUtil.cpp - Helpers of the training loop tests -------------===//
//
// Implements TrainTestUtil.h.
//
//===----------------------------------------------------------------------===//

#include "TrainTestUtil.h"

#include "nnc/Runtime/Random.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

using namespace nnc::rt;
using namespace nnc::rt::test;

ScratchDir::ScratchDir() {
  char tmpl[] = "/tmp/nnc-train-XXXXXX";
  const char *made = ::mkdtemp(tmpl);
  EXPECT_NE(made, nullptr);
  dir = made ? made : "/tmp";
}

ScratchDir::~ScratchDir() {
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
}

Dataset nnc::rt::test::classifierData(int64_t n, uint64_t seed) {
  Rng rng(seed);
  Dataset d;
  d.name = "blobs";
  d.featureShape = {4};
  d.numClasses = 3;
  for (int64_t i = 0; i < n; ++i) {
    int32_t c = int32_t(i % 3);
    for (int k = 0; k < 4; ++k)
      d.features.push_back(float((k == c ? 2.0 : 0.0) + 0.5 * rng.normal()));
    d.labels.push_back(c);
  }
  return d;
}

Dataset nnc::rt::test::denseData(int64_t n, uint64_t seed, float sign) {
  Rng rng(seed);
  Dataset d;
  d.name = "linear";
  d.featureShape = {3};
  d.targetDim = 2;
  for (int64_t i = 0; i < n; ++i) {
    float x[3];
    for (float &v : x)
      v = float(rng.normal());
    d.features.insert(d.features.end(), x, x + 3);
    d.targets.push_back(sign * (0.5f * x[0] - x[1] + 0.25f * x[2] + 0.1f));
    d.targets.push_back(sign * (x[0] + 0.5f * x[2] - 0.2f));
  }
  return d;
}

std::string nnc::rt::test::slurp(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<std::vector<char>>
nnc::rt::test::paramsOf(const std::string &lib, const std::string &ckpt) {
  auto library = ModelLibrary::open(lib);
  EXPECT_TRUE(library.hasValue()) << library.status().message();
  if (!library)
    return {};
  auto model = ModelInstance::create(*library, 0);
  EXPECT_TRUE(model.hasValue());
  Status st = (*model)->load(ckpt);
  EXPECT_TRUE(st.isOk()) << st.message();
  auto params = (*model)->readAll(NNC_KIND_PARAM);
  EXPECT_TRUE(params.hasValue());
  return params ? params.take() : std::vector<std::vector<char>>{};
}
