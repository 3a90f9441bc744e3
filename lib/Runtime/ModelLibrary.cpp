//===- ModelLibrary.cpp - dlopen a model.so and wrap its C ABI
//-------------===//
//
// Loads a compiled model with dlopen, resolves every symbol of
// include/nnc-c/model.h (a missing one is an error naming it), caches the
// tensor descriptions per kind, and wraps the instance calls so that every
// nnc_status_t becomes a runtime Status with the library's message.
//
//===----------------------------------------------------------------------===//

#include "nnc/Runtime/ModelLibrary.h"

#include "Internal.h"

#include <dlfcn.h>

using namespace nnc::rt;
using namespace nnc::rt::detail;

static ErrorCode toErrorCode(nnc_status_code_t code) {
  switch (code) {
  case NNC_STATUS_OK:
    return ErrorCode::Ok;
  case NNC_STATUS_INVALID_ARGUMENT:
  case NNC_STATUS_UNIMPLEMENTED:
    return ErrorCode::InvalidArgument;
  case NNC_STATUS_OUT_OF_RANGE:
    return ErrorCode::OutOfRange;
  case NNC_STATUS_NOT_FOUND:
    return ErrorCode::NotFound;
  case NNC_STATUS_IO_ERROR:
    return ErrorCode::Io;
  case NNC_STATUS_DATA_LOSS:
    return ErrorCode::DataLoss;
  default:
    return ErrorCode::Internal;
  }
}

Status ModelLibrary::check(nnc_status_t status, const std::string &what) const {
  if (!status)
    return Status::ok();
  Status result(toErrorCode(fns.statusCode(status)),
                what + ": " + fns.statusMessage(status));
  fns.statusFree(status);
  return result;
}

ModelLibrary::~ModelLibrary() {
  if (handle)
    ::dlclose(handle);
}

Expected<std::shared_ptr<ModelLibrary>>
ModelLibrary::open(const std::string &path) {
  if (!fileExists(path))
    return Status(ErrorCode::NotFound, path + ": no such model library");
  std::shared_ptr<ModelLibrary> lib(new ModelLibrary());
  lib->libPath = path;
  // A path without '/' would make dlopen search the library path.
  std::string openPath =
      path.find('/') == std::string::npos ? "./" + path : path;
  lib->handle = ::dlopen(openPath.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!lib->handle) {
    const char *err = ::dlerror();
    return Status(ErrorCode::InvalidArgument,
                  path + ": cannot load the model library: " +
                      (err ? err : "unknown dlopen error"));
  }
  // `optional` leaves a symbol the library lacks NULL; `resolve` also
  // records the first missing one, which fails the open.
  auto optional = [&](auto &fn, const char *symbol) {
    fn = reinterpret_cast<std::remove_reference_t<decltype(fn)>>(
        ::dlsym(lib->handle, symbol));
  };
  std::string missing;
  auto resolve = [&](auto &fn, const char *symbol) {
    optional(fn, symbol);
    if (!fn && missing.empty())
      missing = symbol;
  };
  ModelApi &f = lib->fns;
  resolve(f.abiVersion, "nnc_abi_version");
  resolve(f.name, "nnc_model_name");
  resolve(f.recipeJson, "nnc_model_recipe_json");
  resolve(f.optimizer, "nnc_model_optimizer");
  resolve(f.defaultLearningRate, "nnc_model_default_learning_rate");
  resolve(f.hasEntry, "nnc_model_has_entry");
  resolve(f.tensorCount, "nnc_model_tensor_count");
  resolve(f.tensorInfo, "nnc_model_tensor_info");
  resolve(f.findTensor, "nnc_model_find_tensor");
  resolve(f.tensorByteSize, "nnc_model_tensor_byte_size");
  resolve(f.create, "nnc_model_create");
  resolve(f.destroy, "nnc_model_destroy");
  resolve(f.predict, "nnc_model_predict");
  resolve(f.trainStep, "nnc_model_train_step");
  resolve(f.computeGradients, "nnc_model_compute_gradients");
  resolve(f.applyGradients, "nnc_model_apply_gradients");
  resolve(f.readTensor, "nnc_model_read_tensor");
  resolve(f.writeTensor, "nnc_model_write_tensor");
  resolve(f.getStep, "nnc_model_get_step");
  resolve(f.setStep, "nnc_model_set_step");
  resolve(f.getSeed, "nnc_model_get_seed");
  resolve(f.save, "nnc_model_save");
  resolve(f.load, "nnc_model_load");
  resolve(f.statusCode, "nnc_status_code");
  resolve(f.statusMessage, "nnc_status_message");
  resolve(f.statusFree, "nnc_status_free");
  // Optional: model.so files of ABI 1 built before it was added lack it and
  // load without the non-finite check.
  optional(f.loadWithFlags, "nnc_model_load_with_flags");
  // Optional: those built before data-parallel training ignore row offsets.
  optional(f.setRowOffset, "nnc_model_set_row_offset");
  // Optional: those built before sync_batchnorm have no replica sums.
  optional(f.setAllreduce, "nnc_model_set_allreduce");
  // Optional: those built before threads existed run single-threaded.
  optional(f.createWithOptions, "nnc_model_create_with_options");
  optional(f.numThreads, "nnc_model_num_threads");
  // Optional: those built before run-time hyperparameters take the learning
  // rate as an f32 argument only.
  optional(f.setHyperparameter, "nnc_model_set_hyperparameter");
  optional(f.trainStepHp, "nnc_model_train_step_hp");
  optional(f.applyGradientsHp, "nnc_model_apply_gradients_hp");
  // The double learning rate needs an "lr" hyperparameter (a descriptor
  // without one, e.g. a hand-written test fixture, gets the f32 calls).
  decltype(&nnc_model_hyperparameter_count) count;
  decltype(&nnc_model_hyperparameter_info) info;
  optional(count, "nnc_model_hyperparameter_count");
  optional(info, "nnc_model_hyperparameter_info");
  bool hasLr = false;
  for (int32_t i = 0; count && info && i < count(); ++i) {
    nnc_hyperparameter_info_t h{};
    if (nnc_status_t s = info(i, &h))
      f.statusFree ? f.statusFree(s) : void();
    else
      hasLr = hasLr || (h.name && std::string(h.name) == "lr");
  }
  if (!hasLr || !f.setHyperparameter || !f.trainStepHp || !f.applyGradientsHp)
    f.setHyperparameter = nullptr, f.trainStepHp = nullptr,
    f.applyGradientsHp = nullptr;
  if (!missing.empty())
    return Status(ErrorCode::InvalidArgument,
                  path + ": not an nnc model library (missing symbol '" +
                      missing + "')");
  if (f.abiVersion() != NNC_ABI_VERSION)
    return Status(ErrorCode::InvalidArgument,
                  fmt::format("{}: model ABI version {}, expected {}", path,
                              f.abiVersion(), NNC_ABI_VERSION));
  for (int k = 0; k < NNC_KIND_COUNT; ++k) {
    auto kind = static_cast<nnc_tensor_kind_t>(k);
    for (int32_t i = 0, e = f.tensorCount(kind); i < e; ++i) {
      nnc_tensor_info_t info;
      Status st = lib->check(f.tensorInfo(kind, i, &info), path);
      if (!st)
        return st;
      ModelTensor t;
      t.name = info.name ? info.name : "";
      t.dtype = info.dtype;
      t.dims.assign(info.dims, info.dims + info.rank);
      t.hasBatch = info.batch_axis >= 0;
      t.itemElements = info.item_elements;
      t.itemBytes = info.item_bytes;
      lib->byKind[k].push_back(std::move(t));
    }
  }
  return lib;
}

//===----------------------------------------------------------------------===//
// ModelInstance
//===----------------------------------------------------------------------===//

Expected<std::unique_ptr<ModelInstance>>
ModelInstance::create(std::shared_ptr<ModelLibrary> library, uint64_t seed,
                      int32_t threads) {
  nnc_model_t *model = nullptr;
  const ModelApi &api = library->api();
  nnc_model_options_t options = {sizeof(options), threads};
  Status st = library->check(api.createWithOptions
                                 ? api.createWithOptions(seed, &options, &model)
                                 : api.create(seed, &model),
                             library->path() + ": create");
  if (!st)
    return st;
  return std::unique_ptr<ModelInstance>(
      new ModelInstance(std::move(library), model));
}

ModelInstance::~ModelInstance() { lib->api().destroy(model); }

int32_t ModelInstance::numThreads() const {
  return lib->api().numThreads ? lib->api().numThreads(model) : 1;
}

/// Buffers of `batch` items for the tensors `ts` from raw pointers.
static std::vector<nnc_const_buffer_t>
constBuffers(const std::vector<ModelTensor> &ts,
             const std::vector<const void *> &data, int64_t batch) {
  std::vector<nnc_const_buffer_t> out;
  for (size_t i = 0; i < ts.size() && i < data.size(); ++i)
    out.push_back(
        {data[i], ts[i].itemBytes * size_t(ts[i].hasBatch ? batch : 1)});
  return out;
}

/// Output buffers of `batch` items, resizing `storage` (f32 outputs).
static std::vector<nnc_buffer_t>
outputBuffers(const std::vector<ModelTensor> &ts,
              std::vector<std::vector<float>> &storage, int64_t batch) {
  storage.resize(ts.size());
  std::vector<nnc_buffer_t> out;
  for (size_t i = 0; i < ts.size(); ++i) {
    size_t bytes = ts[i].itemBytes * size_t(ts[i].hasBatch ? batch : 1);
    storage[i].resize((bytes + sizeof(float) - 1) / sizeof(float));
    out.push_back({storage[i].data(), bytes});
  }
  return out;
}

Status ModelInstance::predict(int64_t batch,
                              const std::vector<const void *> &inputs,
                              std::vector<std::vector<float>> &outputs) {
  auto in = constBuffers(lib->tensors(NNC_KIND_INPUT), inputs, batch);
  auto out = outputBuffers(lib->tensors(NNC_KIND_OUTPUT), outputs, batch);
  return lib->check(lib->api().predict(model, batch, in.data(),
                                       int32_t(in.size()), out.data(),
                                       int32_t(out.size())),
                    lib->path() + ": predict");
}

Status ModelInstance::trainStep(int64_t batch,
                                const std::vector<const void *> &inputs,
                                const std::vector<const void *> &labels,
                                double lr,
                                std::vector<std::vector<float>> *outputs,
                                float &loss) {
  auto in = constBuffers(lib->tensors(NNC_KIND_INPUT), inputs, batch);
  auto lb = constBuffers(lib->tensors(NNC_KIND_LABEL), labels, batch);
  std::vector<nnc_buffer_t> out;
  if (outputs)
    out = outputBuffers(lib->tensors(NNC_KIND_OUTPUT), *outputs, batch);
  // The learning rate as a double: the instance's "lr", then the step with
  // the instance's hyperparameters.
  if (lib->api().trainStepHp) {
    if (Status s = setLearningRate(lr); !s)
      return s;
    return lib->check(lib->api().trainStepHp(model, batch, in.data(),
                                             int32_t(in.size()), lb.data(),
                                             int32_t(lb.size()),
                                             out.empty() ? nullptr : out.data(),
                                             int32_t(out.size()), &loss),
                      lib->path() + ": train_step");
  }
  return lib->check(lib->api().trainStep(model, batch, in.data(),
                                         int32_t(in.size()), lb.data(),
                                         int32_t(lb.size()), float(lr),
                                         out.empty() ? nullptr : out.data(),
                                         int32_t(out.size()), &loss),
                    lib->path() + ": train_step");
}

Status ModelInstance::computeGradients(int64_t batch,
                                       const std::vector<const void *> &inputs,
                                       const std::vector<const void *> &labels,
                                       std::vector<std::vector<float>> *outputs,
                                       float &loss) {
  auto in = constBuffers(lib->tensors(NNC_KIND_INPUT), inputs, batch);
  auto lb = constBuffers(lib->tensors(NNC_KIND_LABEL), labels, batch);
  std::vector<nnc_buffer_t> out;
  if (outputs)
    out = outputBuffers(lib->tensors(NNC_KIND_OUTPUT), *outputs, batch);
  return lib->check(lib->api().computeGradients(
                        model, batch, in.data(), int32_t(in.size()), lb.data(),
                        int32_t(lb.size()), out.empty() ? nullptr : out.data(),
                        int32_t(out.size()), &loss),
                    lib->path() + ": compute_gradients");
}

Status ModelInstance::setRowOffset(int64_t offset) {
  if (!lib->api().setRowOffset)
    return Status::ok();
  return lib->check(lib->api().setRowOffset(model, offset),
                    lib->path() + ": set_row_offset");
}

Status ModelInstance::setAllreduce(nnc_allreduce_fn_t fn, void *context) {
  if (!lib->api().setAllreduce)
    return Status::ok();
  return lib->check(lib->api().setAllreduce(model, fn, context),
                    lib->path() + ": set_allreduce");
}

Status ModelInstance::setLearningRate(double lr) {
  return lib->check(lib->api().setHyperparameter(model, "lr", lr),
                    lib->path() + ": learning rate");
}

Status ModelInstance::applyGradients(double lr) {
  if (lib->api().applyGradientsHp) {
    if (Status s = setLearningRate(lr); !s)
      return s;
    return lib->check(lib->api().applyGradientsHp(model),
                      lib->path() + ": apply_gradients");
  }
  return lib->check(lib->api().applyGradients(model, float(lr)),
                    lib->path() + ": apply_gradients");
}

/// Calls `copy(index, offset)` for every tensor of `kind` of `lib`, with
/// the element offset of the tensor in a flat f32 buffer of `total`
/// elements (set first); fails for a tensor that is not f32 and on the
/// first failing copy.
template <typename Copy>
static Status forEachFlat(const ModelLibrary &lib, nnc_tensor_kind_t kind,
                          size_t &total, Copy copy) {
  const auto &ts = lib.tensors(kind);
  total = 0;
  for (const ModelTensor &t : ts) {
    if (t.dtype != NNC_DTYPE_F32)
      return Status(
          ErrorCode::InvalidArgument,
          fmt::format("{}: tensor {} is not f32", lib.path(), t.name));
    total += size_t(t.itemElements);
  }
  size_t at = 0;
  for (size_t i = 0; i < ts.size(); ++i) {
    if (Status st = copy(i, at); !st)
      return st;
    at += size_t(ts[i].itemElements);
  }
  return Status::ok();
}

Status ModelInstance::readFlat(nnc_tensor_kind_t kind,
                               std::vector<float> &out) const {
  const auto &ts = lib->tensors(kind);
  size_t total = 0;
  out.clear();
  return forEachFlat(*lib, kind, total, [&](size_t i, size_t at) {
    if (i == 0)
      out.resize(total);
    return lib->check(lib->api().readTensor(model, kind, int32_t(i),
                                            out.data() + at, ts[i].itemBytes),
                      lib->path() + ": read " + ts[i].name);
  });
}

Status ModelInstance::writeFlat(nnc_tensor_kind_t kind,
                                const std::vector<float> &data) {
  const auto &ts = lib->tensors(kind);
  size_t total = 0;
  return forEachFlat(*lib, kind, total, [&](size_t i, size_t at) {
    if (i == 0 && data.size() < total)
      return Status(ErrorCode::InvalidArgument,
                    fmt::format("{}: expected {} elements, got {}", lib->path(),
                                total, data.size()));
    return lib->check(lib->api().writeTensor(model, kind, int32_t(i),
                                             data.data() + at, ts[i].itemBytes),
                      lib->path() + ": write " + ts[i].name);
  });
}

Status ModelInstance::evalLoss(int64_t batch,
                               const std::vector<const void *> &inputs,
                               const std::vector<const void *> &labels,
                               float &loss) {
  if (!lib->hasEntry(NNC_ENTRY_GRADS))
    return Status(ErrorCode::InvalidArgument,
                  lib->path() + ": the model has no gradient entry point");
  auto buffers = readAll(NNC_KIND_BUFFER);
  if (!buffers)
    return buffers.status();
  auto in = constBuffers(lib->tensors(NNC_KIND_INPUT), inputs, batch);
  auto lb = constBuffers(lib->tensors(NNC_KIND_LABEL), labels, batch);
  Status st = lib->check(lib->api().computeGradients(
                             model, batch, in.data(), int32_t(in.size()),
                             lb.data(), int32_t(lb.size()), nullptr, 0, &loss),
                         lib->path() + ": compute_gradients");
  Status restored = writeAll(NNC_KIND_BUFFER, *buffers);
  return st ? restored : st;
}

Expected<std::vector<std::vector<char>>>
ModelInstance::readAll(nnc_tensor_kind_t kind) const {
  std::vector<std::vector<char>> out;
  const auto &ts = lib->tensors(kind);
  for (size_t i = 0; i < ts.size(); ++i) {
    out.emplace_back(ts[i].itemBytes);
    Status st =
        lib->check(lib->api().readTensor(model, kind, int32_t(i),
                                         out.back().data(), out.back().size()),
                   lib->path() + ": read " + ts[i].name);
    if (!st)
      return st;
  }
  return out;
}

Status ModelInstance::writeAll(nnc_tensor_kind_t kind,
                               const std::vector<std::vector<char>> &data) {
  const auto &ts = lib->tensors(kind);
  if (data.size() != ts.size())
    return Status(ErrorCode::InvalidArgument,
                  fmt::format("{}: expected {} tensors, got {}", lib->path(),
                              ts.size(), data.size()));
  for (size_t i = 0; i < ts.size(); ++i) {
    Status st =
        lib->check(lib->api().writeTensor(model, kind, int32_t(i),
                                          data[i].data(), data[i].size()),
                   lib->path() + ": write " + ts[i].name);
    if (!st)
      return st;
  }
  return Status::ok();
}

Expected<int64_t> ModelInstance::step() const {
  int64_t s = 0;
  Status st = lib->check(lib->api().getStep(model, &s), lib->path());
  if (!st)
    return st;
  return s;
}

Status ModelInstance::save(const std::string &path) const {
  return lib->check(lib->api().save(model, path.c_str()), path);
}

Status ModelInstance::load(const std::string &path, bool allowNonFinite) {
  if (!fileExists(path))
    return Status(ErrorCode::NotFound, path + ": no such checkpoint");
  const ModelApi &f = lib->api();
  if (!f.loadWithFlags)
    return lib->check(f.load(model, path.c_str()), path);
  uint32_t flags = allowNonFinite ? NNC_LOAD_ALLOW_NONFINITE : NNC_LOAD_DEFAULT;
  return lib->check(f.loadWithFlags(model, path.c_str(), flags), path);
}
