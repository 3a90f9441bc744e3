//===- nnc/Runtime/ModelLibrary.h - A loaded model.so -----------*- C++ -*-===//
//
// The runtime's view of a compiled model: `ModelLibrary` dlopens a model.so,
// resolves every `nnc_model_*` symbol of include/nnc-c/model.h and describes
// its tensors; `ModelInstance` owns one `nnc_model_t` and wraps each call,
// turning an `nnc_status_t` into a runtime `Status` (and freeing it with the
// library that made it). The training loop, `nnc eval` and `nnc predict`
// only talk to a model through these two classes.
//
//===----------------------------------------------------------------------===//
#ifndef NNC_RUNTIME_MODELLIBRARY_H
#define NNC_RUNTIME_MODELLIBRARY_H

#include "nnc-c/model.h"
#include "nnc/Runtime/Error.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace nnc::rt {

/// One tensor of a model as the runtime sees it.
struct ModelTensor {
  std::string name;
  nnc_dtype_t dtype = NNC_DTYPE_F32;
  std::vector<int64_t> dims; ///< -1 marks the batch dimension
  bool hasBatch = false;
  int64_t itemElements = 0; ///< elements per batch item (all without batch)
  size_t itemBytes = 0;     ///< bytes per batch item (all without batch)
};

/// The entry points of a model.so, resolved by dlsym.
struct ModelApi {
  decltype(&nnc_abi_version) abiVersion;
  decltype(&nnc_model_name) name;
  decltype(&nnc_model_recipe_json) recipeJson;
  decltype(&nnc_model_optimizer) optimizer;
  decltype(&nnc_model_default_learning_rate) defaultLearningRate;
  decltype(&nnc_model_has_entry) hasEntry;
  decltype(&nnc_model_tensor_count) tensorCount;
  decltype(&nnc_model_tensor_info) tensorInfo;
  decltype(&nnc_model_find_tensor) findTensor;
  decltype(&nnc_model_tensor_byte_size) tensorByteSize;
  decltype(&nnc_model_create) create;
  /// Null for a model.so built before threads existed (same ABI version;
  /// its kernels run on the calling thread only).
  decltype(&nnc_model_create_with_options) createWithOptions;
  decltype(&nnc_model_num_threads) numThreads; ///< null with it
  decltype(&nnc_model_destroy) destroy;
  decltype(&nnc_model_predict) predict;
  decltype(&nnc_model_train_step) trainStep;
  decltype(&nnc_model_compute_gradients) computeGradients;
  decltype(&nnc_model_apply_gradients) applyGradients;
  decltype(&nnc_model_read_tensor) readTensor;
  decltype(&nnc_model_write_tensor) writeTensor;
  decltype(&nnc_model_get_step) getStep;
  decltype(&nnc_model_set_step) setStep;
  decltype(&nnc_model_get_seed) getSeed;
  decltype(&nnc_model_save) save;
  decltype(&nnc_model_load) load;
  /// Null for a model.so built before it existed (same ABI version).
  decltype(&nnc_model_load_with_flags) loadWithFlags;
  /// Null for a model.so built before data-parallel training (same ABI
  /// version; its dropout masks ignore a row offset).
  decltype(&nnc_model_set_row_offset) setRowOffset;
  /// Null for a model.so built before run-time hyperparameters (same ABI
  /// version): its training calls then get the learning rate as an f32.
  decltype(&nnc_model_set_hyperparameter) setHyperparameter;
  decltype(&nnc_model_train_step_hp) trainStepHp;           ///< null with it
  decltype(&nnc_model_apply_gradients_hp) applyGradientsHp; ///< null with it
  /// Null for a model.so built before sync_batchnorm (same ABI version; it
  /// has no replica sums).
  decltype(&nnc_model_set_allreduce) setAllreduce;
  decltype(&nnc_status_code) statusCode;
  decltype(&nnc_status_message) statusMessage;
  decltype(&nnc_status_free) statusFree;
};

/// A dlopen'ed model.so. Shared by every instance made from it.
class ModelLibrary {
public:
  /// Loads `path` (RTLD_NOW | RTLD_LOCAL) and resolves every symbol; fails
  /// with the missing symbol's name or a wrong ABI version.
  static Expected<std::shared_ptr<ModelLibrary>> open(const std::string &path);
  ~ModelLibrary();
  ModelLibrary(const ModelLibrary &) = delete;
  ModelLibrary &operator=(const ModelLibrary &) = delete;

  /// The resolved API.
  const ModelApi &api() const { return fns; }
  /// The path it was loaded from.
  const std::string &path() const { return libPath; }
  /// The model name.
  std::string name() const { return fns.name(); }
  /// The train section as JSON ("{}" without one).
  std::string recipeJson() const { return fns.recipeJson(); }
  /// True when the model has entry point `entry`.
  bool hasEntry(nnc_entry_t entry) const { return fns.hasEntry(entry) != 0; }
  /// The tensors of `kind` in index order.
  const std::vector<ModelTensor> &tensors(nnc_tensor_kind_t kind) const {
    return byKind[kind];
  }
  /// Converts and frees a status returned by this library; `what` prefixes
  /// the message (e.g. "model.so: train_step").
  Status check(nnc_status_t status, const std::string &what) const;

private:
  ModelLibrary() = default;
  void *handle = nullptr;
  std::string libPath;
  ModelApi fns{};
  std::vector<ModelTensor> byKind[NNC_KIND_COUNT];
};

/// One instance of a model (parameters, buffers, optimizer state).
class ModelInstance {
public:
  /// Creates an instance initialised from `seed` whose kernels run on
  /// `threads` threads (0: NNC_NUM_THREADS, else every core of the
  /// process's affinity mask; see nnc_model_options_t).
  static Expected<std::unique_ptr<ModelInstance>>
  create(std::shared_ptr<ModelLibrary> library, uint64_t seed,
         int32_t threads = 0);
  ~ModelInstance();
  ModelInstance(const ModelInstance &) = delete;
  ModelInstance &operator=(const ModelInstance &) = delete;

  /// The library the instance belongs to.
  const ModelLibrary &library() const { return *lib; }
  /// Inference on `batch` rows: one buffer per INPUT, one per OUTPUT (each
  /// resized here to the right size).
  Status predict(int64_t batch, const std::vector<const void *> &inputs,
                 std::vector<std::vector<float>> &outputs);
  /// One fused training step; `outputs` (may be null) receives the
  /// forward outputs: every model output of the step's forward pass, in
  /// training mode and before the update (nnc_model_train_step).
  Status trainStep(int64_t batch, const std::vector<const void *> &inputs,
                   const std::vector<const void *> &labels, double lr,
                   std::vector<std::vector<float>> *outputs, float &loss);
  /// Forward, loss and backward on a batch: overwrites the GRAD tensors
  /// and the buffers (running statistics); `outputs` as for trainStep.
  Status computeGradients(int64_t batch,
                          const std::vector<const void *> &inputs,
                          const std::vector<const void *> &labels,
                          std::vector<std::vector<float>> *outputs,
                          float &loss);
  /// The following training calls' rows are rows [offset, offset + batch)
  /// of a larger batch (dropout masks). A no-op for a model.so built before
  /// nnc_model_set_row_offset existed.
  Status setRowOffset(int64_t offset);
  /// Installs the all-reduce callback of a model compiled with
  /// sync_batchnorm (nnc_model_set_allreduce; null `fn` removes it). A
  /// no-op for a model.so built before it existed.
  Status setAllreduce(nnc_allreduce_fn_t fn, void *context);
  /// One optimizer update from the GRAD tensors; increments the step.
  Status applyGradients(double lr);
  /// Sets the instance's learning rate (the hyperparameter "lr", a double);
  /// only for a model.so that has run-time hyperparameters.
  Status setLearningRate(double lr);
  /// Every f32 tensor of `kind` (GRAD, PARAM, ...) back to back into `out`
  /// (resized to their total element count), in index order.
  Status readFlat(nnc_tensor_kind_t kind, std::vector<float> &out) const;
  /// Overwrites every tensor of `kind` from readFlat's layout.
  Status writeFlat(nnc_tensor_kind_t kind, const std::vector<float> &data);
  /// The training objective on a batch through compute_gradients, without
  /// changing parameters, optimizer state, step or buffers (buffers are
  /// restored afterwards). Unimplemented without a grads entry.
  Status evalLoss(int64_t batch, const std::vector<const void *> &inputs,
                  const std::vector<const void *> &labels, float &loss);
  /// Copies of every tensor of `kind` (PARAM, BUFFER, STATE).
  Expected<std::vector<std::vector<char>>>
  readAll(nnc_tensor_kind_t kind) const;
  /// Overwrites every tensor of `kind` from readAll's result.
  Status writeAll(nnc_tensor_kind_t kind,
                  const std::vector<std::vector<char>> &data);
  /// Optimizer steps applied so far.
  Expected<int64_t> step() const;
  /// The threads of the instance's kernels (1 for a model.so built before
  /// threads existed).
  int32_t numThreads() const;
  /// Saves a safetensors checkpoint (atomic).
  Status save(const std::string &path) const;
  /// Loads a checkpoint; errors name the file. A checkpoint holding NaN or
  /// infinity is refused unless `allowNonFinite`.
  Status load(const std::string &path, bool allowNonFinite = false);

private:
  ModelInstance(std::shared_ptr<ModelLibrary> library, nnc_model_t *model)
      : lib(std::move(library)), model(model) {}
  std::shared_ptr<ModelLibrary> lib;
  nnc_model_t *model;
};

} // namespace nnc::rt

#endif // NNC_RUNTIME_MODELLIBRARY_H
