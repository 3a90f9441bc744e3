//===- test/unit/ModelRT/ModelRTTestUtil.cpp - dlopen helpers -------------===//
//
// Implementation of the test helpers: loading fixture model.so files through
// dlopen/dlsym, owning statuses and instances, and temporary file names.
//
//===----------------------------------------------------------------------===//
#include "ModelRTTestUtil.h"

#include <dlfcn.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define NNC_TEST_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define NNC_TEST_ASAN 1
#endif
#ifdef NNC_TEST_ASAN
// In the sanitizer build: the out-of-memory tests ask for more than ASan's
// allocator may hand out (2^62 bytes); it must fail the request as malloc
// does (NULL), not abort the process, so that the runtime's handling of it
// is what is tested.
extern "C" const char *__asan_default_options() {
  return "allocator_may_return_null=1";
}
#endif

namespace nnc::test {

const char *denseFixture() { return NNC_FIXTURE_DENSE; }
const char *classifierFixture() { return NNC_FIXTURE_CLASSIFIER; }
const char *denseInferFixture() { return NNC_FIXTURE_DENSE_INFER; }
const char *denseOomFixture() { return NNC_FIXTURE_DENSE_OOM; }

const ModelApi &loadModel(const char *path) {
  static std::map<std::string, std::unique_ptr<ModelApi>> cache;
  auto &slot = cache[path];
  if (slot)
    return *slot;
  slot = std::make_unique<ModelApi>();
  slot->handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (!slot->handle) {
    ADD_FAILURE() << "dlopen " << path << ": " << dlerror();
    return *slot;
  }
#define NNC_RESOLVE_FN(f)                                                      \
  slot->f = reinterpret_cast<decltype(&::f)>(dlsym(slot->handle, #f));         \
  if (!slot->f)                                                                \
    ADD_FAILURE() << path << " does not export " #f;
  NNC_API_FUNCTIONS(NNC_RESOLVE_FN)
#undef NNC_RESOLVE_FN
  return *slot;
}

Status take(const ModelApi &api, nnc_status_t s) {
  Status r{api.nnc_status_code(s), api.nnc_status_message(s)};
  api.nnc_status_free(s);
  return r;
}

Instance::Instance(const ModelApi &api, uint64_t seed) : api(api) {
  Status s = take(api, api.nnc_model_create(seed, &model));
  EXPECT_EQ(s.code, NNC_STATUS_OK) << s.message;
}

Instance::~Instance() { api.nnc_model_destroy(model); }

std::vector<float> readF32(const ModelApi &api, const nnc_model_t *m,
                           nnc_tensor_kind_t kind, int32_t index) {
  nnc_tensor_info_t info;
  Status s = take(api, api.nnc_model_tensor_info(kind, index, &info));
  EXPECT_EQ(s.code, NNC_STATUS_OK) << s.message;
  std::vector<float> v(info.item_elements);
  s = take(api, api.nnc_model_read_tensor(m, kind, index, v.data(),
                                          v.size() * sizeof(float)));
  EXPECT_EQ(s.code, NNC_STATUS_OK) << s.message;
  return v;
}

std::string tempPath(const std::string &name) {
  const char *dir = getenv("TMPDIR");
  std::string base = dir && *dir ? dir : "/tmp";
  return base + "/nnc-modelrt-" + std::to_string(getpid()) + "-" + name;
}

std::string readBytes(const std::string &path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

void writeBytes(const std::string &path, const std::string &bytes) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f.write(bytes.data(), (std::streamsize)bytes.size());
}

std::string makeSafetensors(const std::string &metadataJson,
                            const std::vector<StTensor> &tensors) {
  std::string header = "{", data;
  if (!metadataJson.empty())
    header += "\"__metadata__\":" + metadataJson;
  for (const StTensor &t : tensors) {
    if (header.size() > 1)
      header += ",";
    header += "\"" + t.name + "\":{\"dtype\":\"" + t.dtype + "\",\"shape\":[";
    for (size_t i = 0; i < t.shape.size(); ++i)
      header += (i ? "," : "") + std::to_string(t.shape[i]);
    header += "],\"data_offsets\":[" + std::to_string(data.size()) + "," +
              std::to_string(data.size() + t.bytes.size()) + "]}";
    data += t.bytes;
  }
  header += "}";
  while (header.size() % 8)
    header += ' ';
  std::string out(8, '\0');
  uint64_t n = header.size();
  for (int i = 0; i < 8; ++i)
    out[i] = (char)(n >> (8 * i));
  return out + header + data;
}

std::string f32Bytes(const std::vector<float> &v) {
  return std::string(reinterpret_cast<const char *>(v.data()),
                     v.size() * sizeof(float));
}

std::vector<std::string> snapshot(const ModelApi &api, const nnc_model_t *m,
                                  bool withGrads) {
  std::vector<std::string> out;
  for (nnc_tensor_kind_t kind :
       {NNC_KIND_PARAM, NNC_KIND_BUFFER, NNC_KIND_GRAD, NNC_KIND_STATE})
    for (int32_t i = 0; i < api.nnc_model_tensor_count(kind); ++i) {
      if (kind == NNC_KIND_GRAD && !withGrads)
        continue;
      nnc_tensor_info_t info;
      api.nnc_status_free(api.nnc_model_tensor_info(kind, i, &info));
      std::string bytes(info.item_bytes, '\0');
      Status s = take(api, api.nnc_model_read_tensor(m, kind, i, bytes.data(),
                                                     bytes.size()));
      EXPECT_EQ(s.code, NNC_STATUS_OK) << s.message;
      out.push_back(bytes);
    }
  int64_t step = -1;
  uint64_t seed = 0;
  api.nnc_status_free(api.nnc_model_get_step(m, &step));
  api.nnc_status_free(api.nnc_model_get_seed(m, &seed));
  out.push_back(std::to_string(step) + "/" + std::to_string(seed));
  return out;
}

} // namespace nnc::test
