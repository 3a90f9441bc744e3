//===- test/unit/ModelRT/ModelRTTestUtil.h - dlopen helpers ----*- C++ -*-===//
//
// Test helpers: the whole public C ABI of a model.so resolved with dlsym into
// a struct (the tests never link the shim directly, exactly like an
// application), the paths of the fixture models, and status helpers that take
// ownership of an nnc_status_t and expose its code and message.
//
//===----------------------------------------------------------------------===//
#ifndef NNC_TEST_UNIT_MODELRT_MODELRTTESTUTIL_H
#define NNC_TEST_UNIT_MODELRT_MODELRTTESTUTIL_H

#include "nnc-c/model.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

// clang-format off
#define NNC_API_FUNCTIONS(X) \
  X(nnc_status_code) \
  X(nnc_status_message) \
  X(nnc_status_code_name) \
  X(nnc_status_free) \
  X(nnc_abi_version) \
  X(nnc_model_name) \
  X(nnc_model_recipe_json) \
  X(nnc_model_optimizer) \
  X(nnc_model_default_learning_rate) \
  X(nnc_model_has_entry) \
  X(nnc_model_tensor_count) \
  X(nnc_model_tensor_info) \
  X(nnc_model_find_tensor) \
  X(nnc_model_tensor_byte_size) \
  X(nnc_model_create) \
  X(nnc_model_destroy) \
  X(nnc_model_predict) \
  X(nnc_model_train_step) \
  X(nnc_model_compute_gradients) \
  X(nnc_model_apply_gradients) \
  X(nnc_model_read_tensor) \
  X(nnc_model_write_tensor) \
  X(nnc_model_read_tensor_by_name) \
  X(nnc_model_write_tensor_by_name) \
  X(nnc_model_get_step) \
  X(nnc_model_set_step) \
  X(nnc_model_get_seed) \
  X(nnc_model_save) \
  X(nnc_model_load) \
  X(nnc_model_load_with_flags) \
  X(nnc_model_create_with_options) \
  X(nnc_model_num_threads) \
  X(nnc_model_set_row_offset) \
  X(nnc_model_hyperparameter_count) \
  X(nnc_model_hyperparameter_info) \
  X(nnc_model_set_hyperparameter) \
  X(nnc_model_get_hyperparameter) \
  X(nnc_model_train_step_hp) \
  X(nnc_model_apply_gradients_hp) \
  X(nnc_model_set_allreduce)
// clang-format on

namespace nnc::test {

/// The C ABI of one dlopen'ed model.so.
struct ModelApi {
  void *handle = nullptr;
#define NNC_DECLARE_FN(f) decltype(&::f) f = nullptr;
  NNC_API_FUNCTIONS(NNC_DECLARE_FN)
#undef NNC_DECLARE_FN
};

/// Paths of the fixture libraries and tools (set by CMake).
const char *denseFixture();
const char *classifierFixture();
const char *denseInferFixture();
const char *denseOomFixture();

/// dlopens `path` (RTLD_LOCAL) once per process and resolves every API
/// function; fails the current test when something is missing.
const ModelApi &loadModel(const char *path);

/// A taken status: code and message, the nnc_status_t already freed.
struct Status {
  nnc_status_code_t code;
  std::string message;
};

/// Takes ownership of `s`.
Status take(const ModelApi &api, nnc_status_t s);

/// An instance destroyed at scope exit.
struct Instance {
  const ModelApi &api;
  nnc_model_t *model = nullptr;
  Instance(const ModelApi &api, uint64_t seed);
  ~Instance();
  Instance(const Instance &) = delete;
  Instance &operator=(const Instance &) = delete;
};

/// Reads a whole f32 tensor of kind/index.
std::vector<float> readF32(const ModelApi &api, const nnc_model_t *m,
                           nnc_tensor_kind_t kind, int32_t index);

/// A fresh file name under the test temporary directory.
std::string tempPath(const std::string &name);

/// Whole-file helpers.
std::string readBytes(const std::string &path);
void writeBytes(const std::string &path, const std::string &bytes);

/// One tensor of a hand-made safetensors file.
struct StTensor {
  std::string name, dtype;
  std::vector<int64_t> shape;
  std::string bytes;
};

/// Builds safetensors bytes the way the reference writer does: compact JSON
/// header with `metadataJson` (an object text, may be empty) and the tensors
/// in the given order, padded with spaces to a multiple of 8.
std::string makeSafetensors(const std::string &metadataJson,
                            const std::vector<StTensor> &tensors);

/// Bytes of a float vector.
std::string f32Bytes(const std::vector<float> &v);

/// Every PARAM, BUFFER, GRAD and STATE tensor of an instance, as bytes, plus
/// step and seed: to check that a failed call changed nothing. Gradients
/// (not part of checkpoints) are left out when `withGrads` is false.
std::vector<std::string> snapshot(const ModelApi &api, const nnc_model_t *m,
                                  bool withGrads = true);

} // namespace nnc::test

#define EXPECT_NNC_OK(api, call)                                               \
  do {                                                                         \
    ::nnc::test::Status st_ = ::nnc::test::take(api, call);                    \
    EXPECT_EQ(st_.code, NNC_STATUS_OK) << st_.message;                         \
  } while (0)

#define ASSERT_NNC_OK(api, call)                                               \
  do {                                                                         \
    ::nnc::test::Status st_ = ::nnc::test::take(api, call);                    \
    ASSERT_EQ(st_.code, NNC_STATUS_OK) << st_.message;                         \
  } while (0)

#endif // NNC_TEST_UNIT_MODELRT_MODELRTTESTUTIL_H
