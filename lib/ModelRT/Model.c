/*===- lib/ModelRT/Model.c - Instances: create, destroy, tensors --*- C -*-===*
 *
 * Creation and destruction of `nnc_model_t`, which owns 64-byte aligned
 * storage for every PARAM, BUFFER, GRAD and STATE tensor of the descriptor,
 * plus the scratch used to build memref descriptors for kernel calls. Also
 * reading and writing instance tensors by index or name, the step count, the
 * seed, and the argument checks of the checkpoint calls. An instance of a
 * CPU model with more than one thread owns a pool for the parallel loops of
 * its kernels (Parallel.c). With
 * NNC_GUARD_PAGES set at creation, each tensor gets its own mapping between
 * guard pages instead (Guard.c, docs/guard-pages.md).
 *
 *===----------------------------------------------------------------------===*/
#define _POSIX_C_SOURCE 200809L
#include "Internal.h"

#include <stdlib.h>
#include <string.h>

static int isInstanceRole(int32_t role) {
  return role == NNC_ROLE_PARAM || role == NNC_ROLE_BUFFER ||
         role == NNC_ROLE_GRAD || role == NNC_ROLE_STATE;
}

/* Storage of one instance tensor: 64-byte aligned, between guard pages in
 * the guard mode. */
void *nncHostTensorAlloc(const nnc_model_t *m, size_t bytes) {
  if (m->guard != NNC_GUARD_OFF)
    return nncGuardAlloc(m->guard, bytes, NNC_TENSOR_ALIGN);
  void *p = NULL;
  return posix_memalign(&p, NNC_TENSOR_ALIGN, bytes ? bytes : 1) == 0 ? p
                                                                      : NULL;
}

void nncHostTensorFree(const nnc_model_t *m, void *p) {
  if (!p)
    return;
  if (m->guard != NNC_GUARD_OFF)
    nncGuardFree(p);
  else
    free(p);
}

static int32_t maxArgs(const nnc_model_desc_t *d) {
  int32_t n = 0;
  const nnc_entry_desc_t *es[] = {&d->predict, &d->train_step, &d->grads,
                                  &d->apply};
  for (int i = 0; i < 4; ++i)
    if (es[i]->fn && es[i]->num_args > n)
      n = es[i]->num_args;
  return n;
}

/* The thread count `options` asks for, or the default. */
static nnc_status_t
threadCount(const char *fn, const nnc_model_options_t *options, int32_t *out) {
  if (!options || options->num_threads == 0)
    return nncDefaultThreads(fn, out);
  if (options->num_threads < 0 || options->num_threads > NNC_MAX_THREADS)
    return nncMakeStatus(NNC_STATUS_INVALID_ARGUMENT,
                         "%s: options->num_threads: expected 0 (the default) "
                         "or a thread count in 1..%d, got %d",
                         fn, NNC_MAX_THREADS, (int)options->num_threads);
  *out = options->num_threads;
  return NULL;
}

static nnc_status_t create(const char *fn, uint64_t seed,
                           const nnc_model_options_t *options,
                           nnc_model_t **out_model) {
  if (!out_model)
    return nncMakeStatus(NNC_STATUS_INVALID_ARGUMENT,
                         "%s: out_model: expected a pointer, got NULL", fn);
  *out_model = NULL;
  /* The fields up to num_threads; a later ABI that adds fields will accept
   * this size too. */
  if (options && options->struct_size != sizeof(nnc_model_options_t))
    return nncMakeStatus(NNC_STATUS_INVALID_ARGUMENT,
                         "%s: options->struct_size: expected %zu "
                         "(sizeof(nnc_model_options_t)), got %u",
                         fn, sizeof(nnc_model_options_t),
                         (unsigned)options->struct_size);
  int32_t threads = 1;
  nnc_status_t s = threadCount(fn, options, &threads);
  if (s)
    return s;
  const nnc_model_desc_t *desc = &nnc_model_desc;
  s = nncValidateDesc(desc);
  if (s)
    return s;
  nnc_model_t *m = calloc(1, sizeof(*m));
  size_t nt = desc->num_tensors > 0 ? (size_t)desc->num_tensors : 1;
  size_t na = (size_t)maxArgs(desc) + 1;
  if (m) {
    nncHostInstanceCreated(); /* balanced by nnc_model_destroy */
    /* The kernels' scope keeps the blocks they free as spares from call to
     * call, like a pool thread's (HostAlloc.c): a loop over images run
     * inline (one thread) takes and returns its temporaries without the
     * allocator's lock and without malloc. */
    m->allocScope.ownsSpares = 1;
    m->desc = desc;
    m->seed = seed;
    for (int32_t k = 0; k < desc->num_hypers; ++k)
      m->hypers[k] = desc->hypers[k].default_value;
    m->data = calloc(nt, sizeof(void *));
    m->bytes = calloc(nt, sizeof(size_t));
    m->kindIndex = calloc(nt, sizeof(int32_t));
    m->args = calloc(na, sizeof(void *));
    m->words = calloc(na * (3 + 2 * NNC_MAX_RANK), sizeof(uint64_t));
  }
  if (!m || !m->data || !m->bytes || !m->kindIndex || !m->args || !m->words) {
    nnc_model_destroy(m);
    return nncMakeStatus(NNC_STATUS_RESOURCE_EXHAUSTED, "%s: out of memory",
                         fn);
  }
  m->device = nncDeviceFor(desc->target);
  /* Kernels on a device need no pool. Its workers start at the first
   * parallel loop. */
  m->numThreads = threads;
  if (m->device->hostMemory && threads > 1 &&
      !(m->allocScope.pool = m->pool = nncPoolCreate(threads))) {
    nnc_model_destroy(m);
    return nncMakeStatus(NNC_STATUS_RESOURCE_EXHAUSTED,
                         "%s: out of memory for a pool of %d threads", fn,
                         (int)threads);
  }
  /* Guard pages apply to host memory: CPU models only. */
  m->guard = m->device->hostMemory ? nncGuardModeFromEnv() : NNC_GUARD_OFF;
  nncHostSetGuard(m->guard);
  if (m->guard != NNC_GUARD_OFF &&
      !(m->guardScratch = calloc(nt, sizeof(void *)))) {
    nnc_model_destroy(m);
    return nncMakeStatus(NNC_STATUS_RESOURCE_EXHAUSTED, "%s: out of memory",
                         fn);
  }
  if ((s = m->device->init(fn))) {
    nnc_model_destroy(m);
    return s;
  }
  for (int32_t t = 0; t < desc->num_tensors; ++t) {
    const nnc_tensor_desc_t *d = &desc->tensors[t];
    m->kindIndex[t] = nncIndexInKind(desc, t);
    if (!isInstanceRole(d->role))
      continue;
    int64_t n = nncElements(d, 1);
    size_t bytes = (size_t)n * nncDtypeSize(d->dtype);
    void *p = nncHostTensorAlloc(m, bytes);
    if (!p) {
      nnc_model_destroy(m);
      return nncMakeStatus(NNC_STATUS_RESOURCE_EXHAUSTED,
                           "%s: out of memory allocating '%s' (%zu bytes)", fn,
                           d->name, bytes);
    }
    if (d->role == NNC_ROLE_PARAM || d->role == NNC_ROLE_BUFFER)
      nncInitTensor(d, seed, p, n);
    else
      memset(p, 0, bytes);
    m->bytes[t] = bytes;
    if ((s = m->device->place(m, fn, p, bytes, &m->data[t]))) {
      nnc_model_destroy(m);
      return s;
    }
  }
  *out_model = m;
  return NULL;
}

nnc_status_t nnc_model_create(uint64_t seed, nnc_model_t **out_model) {
  return create("nnc_model_create", seed, NULL, out_model);
}

nnc_status_t nnc_model_create_with_options(uint64_t seed,
                                           const nnc_model_options_t *options,
                                           nnc_model_t **out_model) {
  return create("nnc_model_create_with_options", seed, options, out_model);
}

void nnc_model_destroy(nnc_model_t *model) {
  if (!model)
    return;
  nncPoolDestroy(model->pool); /* joins the workers */
  /* No tensor exists before the device is chosen. */
  if (model->device) {
    if (model->data)
      for (int32_t t = 0; t < model->desc->num_tensors; ++t)
        model->device->release(model, model->data[t]);
    model->device->destroy(model);
  }
  free(model->data);
  free(model->bytes);
  free(model->kindIndex);
  free(model->args);
  free(model->words);
  free(model->scratch);
  free(model->undo);
  if (model->guardScratch)
    for (int32_t t = 0; t < model->desc->num_tensors; ++t)
      nncGuardFree(model->guardScratch[t]);
  free(model->guardScratch);
  nncAllocScopeDropSpares(&model->allocScope);
  free(model);
  nncHostInstanceDestroyed();
}

/* Resolves an instance tensor for read/write, checking every argument. */
static nnc_status_t resolve(const char *fn, const nnc_model_t *model,
                            nnc_tensor_kind_t kind, int32_t index,
                            const char *name, const void *ptr, size_t size,
                            int32_t *out_t) {
  nnc_status_t s = nncCheckInstance(fn, model);
  if (s)
    return s;
  int32_t role = nncKindRole(kind);
  if (role < 0 || !isInstanceRole(role))
    return nncMakeStatus(NNC_STATUS_INVALID_ARGUMENT,
                         "%s: kind: expected PARAM, BUFFER, GRAD or STATE, "
                         "got %s (%d)",
                         fn, nncKindName(kind), (int)kind);
  if (name) {
    s = nnc_model_find_tensor(kind, name, &index);
    if (s) {
      nnc_status_t r = nncMakeStatus(nnc_status_code(s), "%s: %s", fn,
                                     nnc_status_message(s));
      nnc_status_free(s);
      return r;
    }
  }
  int32_t t = nncTensorAt(model->desc, kind, index);
  if (t < 0)
    return nncMakeStatus(NNC_STATUS_OUT_OF_RANGE,
                         "%s: index: expected 0..%d for kind %s, got %d", fn,
                         nnc_model_tensor_count(kind) - 1, nncKindName(kind),
                         index);
  const char *tn = model->desc->tensors[t].name;
  if (!ptr)
    return nncMakeStatus(NNC_STATUS_INVALID_ARGUMENT,
                         "%s: buffer for '%s': expected a pointer, got NULL",
                         fn, tn);
  if (size != model->bytes[t])
    return nncMakeStatus(NNC_STATUS_INVALID_ARGUMENT,
                         "%s: size of '%s': expected %zu bytes, got %zu", fn,
                         tn, model->bytes[t], size);
  *out_t = t;
  return NULL;
}

/* Reads instance tensor `index` of `kind` (the one called `name` instead when
 * `name` is not NULL) into `buffer`; `fn` names the entry point in errors. */
static nnc_status_t readTensor(const char *fn, const nnc_model_t *model,
                               nnc_tensor_kind_t kind, int32_t index,
                               const char *name, void *buffer, size_t size) {
  int32_t t;
  nnc_status_t s = resolve(fn, model, kind, index, name, buffer, size, &t);
  return s ? s : nncTensorToHost(model, "nnc_model_read_tensor", t, buffer);
}

/* The write counterpart of readTensor: copies `data` into the tensor. */
static nnc_status_t writeTensor(const char *fn, nnc_model_t *model,
                                nnc_tensor_kind_t kind, int32_t index,
                                const char *name, const void *data,
                                size_t size) {
  int32_t t;
  nnc_status_t s = resolve(fn, model, kind, index, name, data, size, &t);
  return s ? s : nncTensorFromHost(model, "nnc_model_write_tensor", t, data);
}

/* The check of the `name` argument of the *_by_name entry points. */
static nnc_status_t checkName(const char *fn, const char *name) {
  if (name)
    return NULL;
  return nncMakeStatus(NNC_STATUS_INVALID_ARGUMENT,
                       "%s: name: expected a string, got NULL", fn);
}

nnc_status_t nnc_model_read_tensor(const nnc_model_t *model,
                                   nnc_tensor_kind_t kind, int32_t index,
                                   void *buffer, size_t size) {
  return readTensor("nnc_model_read_tensor", model, kind, index, NULL, buffer,
                    size);
}

nnc_status_t nnc_model_write_tensor(nnc_model_t *model, nnc_tensor_kind_t kind,
                                    int32_t index, const void *data,
                                    size_t size) {
  return writeTensor("nnc_model_write_tensor", model, kind, index, NULL, data,
                     size);
}

nnc_status_t nnc_model_read_tensor_by_name(const nnc_model_t *model,
                                           nnc_tensor_kind_t kind,
                                           const char *name, void *buffer,
                                           size_t size) {
  const char *fn = "nnc_model_read_tensor_by_name";
  nnc_status_t s = checkName(fn, name);
  return s ? s : readTensor(fn, model, kind, 0, name, buffer, size);
}

nnc_status_t nnc_model_write_tensor_by_name(nnc_model_t *model,
                                            nnc_tensor_kind_t kind,
                                            const char *name, const void *data,
                                            size_t size) {
  const char *fn = "nnc_model_write_tensor_by_name";
  nnc_status_t s = checkName(fn, name);
  return s ? s : writeTensor(fn, model, kind, 0, name, data, size);
}

nnc_status_t nncTensorToHost(const nnc_model_t *model, const char *fn,
                             int32_t t, void *dst) {
  return model->device->toHost(fn, dst, model->data[t], model->bytes[t]);
}

nnc_status_t nncTensorFromHost(nnc_model_t *model, const char *fn, int32_t t,
                               const void *src) {
  return model->device->fromHost(fn, model->data[t], src, model->bytes[t]);
}

nnc_status_t nncTensorZero(nnc_model_t *model, const char *fn, int32_t t) {
  return model->device->zero(fn, model->data[t], model->bytes[t]);
}

nnc_status_t nnc_model_set_input_location(nnc_model_t *model,
                                          nnc_location_t location) {
  const char *fn = "nnc_model_set_input_location";
  nnc_status_t s = nncCheckInstance(fn, model);
  if (s)
    return s;
  if (location != NNC_LOCATION_HOST && location != NNC_LOCATION_DEVICE)
    return nncMakeStatus(NNC_STATUS_INVALID_ARGUMENT,
                         "%s: location: expected NNC_LOCATION_HOST (0) or "
                         "NNC_LOCATION_DEVICE (1), got %d",
                         fn, (int)location);
  if (location == NNC_LOCATION_DEVICE && model->device->hostMemory)
    return nncMakeStatus(NNC_STATUS_INVALID_ARGUMENT,
                         "%s: location: NNC_LOCATION_DEVICE needs a model "
                         "compiled with --target=cuda; '%s' targets %s",
                         fn, nnc_model_name(), nnc_model_target());
  model->inputLocation = (int)location;
  return NULL;
}

int32_t nnc_model_num_threads(const nnc_model_t *model) {
  return model ? model->numThreads : 0;
}

/* The checks of a getter `fn`: `model` and its result pointer `out` (the
 * argument `outName`) must not be NULL. */
static nnc_status_t checkGetter(const char *fn, const nnc_model_t *model,
                                const void *out, const char *outName) {
  if (model && out)
    return NULL;
  return nncMakeStatus(NNC_STATUS_INVALID_ARGUMENT,
                       "%s: %s: expected a pointer, got NULL", fn,
                       model ? outName : "model");
}

nnc_status_t nnc_model_get_step(const nnc_model_t *model, int64_t *out_step) {
  nnc_status_t s =
      checkGetter("nnc_model_get_step", model, out_step, "out_step");
  if (!s)
    *out_step = model->step;
  return s;
}

nnc_status_t nnc_model_set_step(nnc_model_t *model, int64_t step) {
  nnc_status_t s = nncCheckInstance("nnc_model_set_step", model);
  if (s)
    return s;
  if (step < 0)
    return nncMakeStatus(NNC_STATUS_INVALID_ARGUMENT,
                         "nnc_model_set_step: step: expected >= 0, got %lld",
                         (long long)step);
  model->step = step;
  return NULL;
}

nnc_status_t nnc_model_set_row_offset(nnc_model_t *model, int64_t row_offset) {
  nnc_status_t s = nncCheckInstance("nnc_model_set_row_offset", model);
  if (s)
    return s;
  if (row_offset < 0 || row_offset >= NNC_MAX_BATCH)
    return nncMakeStatus(NNC_STATUS_INVALID_ARGUMENT,
                         "nnc_model_set_row_offset: row_offset: expected 0 "
                         "<= row_offset < %d (NNC_MAX_BATCH), got %lld",
                         NNC_MAX_BATCH, (long long)row_offset);
  model->rowOffset = row_offset;
  return NULL;
}

nnc_status_t nnc_model_set_allreduce(nnc_model_t *model, nnc_allreduce_fn_t fn,
                                     void *context) {
  nnc_status_t s = nncCheckInstance("nnc_model_set_allreduce", model);
  if (s)
    return s;
  model->allreduce = fn;
  model->allreduceContext = fn ? context : NULL;
  return NULL;
}

nnc_status_t nnc_model_get_seed(const nnc_model_t *model, uint64_t *out_seed) {
  nnc_status_t s =
      checkGetter("nnc_model_get_seed", model, out_seed, "out_seed");
  if (!s)
    *out_seed = model->seed;
  return s;
}

/* The checks of save and load (`fn`): an instance and a non-empty path. */
static nnc_status_t checkPath(const char *fn, const nnc_model_t *model,
                              const char *path) {
  if (model && path && *path)
    return NULL;
  return nncMakeStatus(
      NNC_STATUS_INVALID_ARGUMENT, "%s: %s: expected %s, got %s", fn,
      model ? "path" : "model", model ? "a file name" : "an instance",
      model && path ? "\"\"" : "NULL");
}

nnc_status_t nnc_model_save(const nnc_model_t *model, const char *path) {
  nnc_status_t s = checkPath("nnc_model_save", model, path);
  return s ? s : nncSave(model, path);
}

nnc_status_t nnc_model_load_with_flags(nnc_model_t *model, const char *path,
                                       uint32_t flags) {
  nnc_status_t s = checkPath("nnc_model_load", model, path);
  if (s)
    return s;
  if (flags & ~(uint32_t)NNC_LOAD_ALLOW_NONFINITE)
    return nncMakeStatus(NNC_STATUS_INVALID_ARGUMENT,
                         "nnc_model_load: flags: expected a combination of "
                         "NNC_LOAD_ALLOW_NONFINITE (1), got %u",
                         (unsigned)flags);
  return nncLoad(model, path, flags);
}

nnc_status_t nnc_model_load(nnc_model_t *model, const char *path) {
  return nnc_model_load_with_flags(model, path, NNC_LOAD_DEFAULT);
}
