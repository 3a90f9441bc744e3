/*===- lib/ModelRT/Exec.c - Running the kernels of a model --------*- C -*-===*
 *
 * predict, train_step, compute_gradients and apply_gradients: each checks its
 * arguments completely (instance, entry point, batch, buffer counts, sizes
 * and alignment, the range of class indices and embedding ids the
 * descriptor bounds, learning rate), then builds one MLIR memref descriptor per
 * argument of the entry's list ({allocated, aligned, offset, sizes[r],
 * strides[r]}, row-major contiguous, the batch dimension from the call) and
 * calls the kernel. Scalars (loss, lr, step, seed) are rank-0 descriptors of
 * values held here.
 *
 * A CPU kernel whose temporary cannot be allocated is abandoned (HostAlloc.c
 * longjmps back here) and the call returns RESOURCE_EXHAUSTED having changed
 * nothing: before the kernel runs, the instance tensors it may update are
 * copied to the instance's undo area and, on that failure, copied back.
 *
 *===----------------------------------------------------------------------===*/
#define _POSIX_C_SOURCE 200809L
#include "Internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Memref descriptors are arrays of 8-byte words: pointers must be 64-bit. */
typedef char nncPointersAre64Bit[sizeof(void *) == 8 ? 1 : -1];

typedef NncCall Call;

static nnc_status_t checkEntry(const char *fn, const nnc_entry_desc_t *e,
                               const char *entryName) {
  if (e->fn)
    return NULL;
  return nncMakeStatus(
      NNC_STATUS_UNIMPLEMENTED, "%s: model '%s' has no %s entry point%s", fn,
      nnc_model_name(), entryName,
      nnc_model_desc.train_step.fn ? ""
                                   : " (its .nn file has no train section)");
}

static nnc_status_t checkBatch(const char *fn, int64_t batch) {
  if (batch >= 1 && batch <= NNC_MAX_BATCH)
    return NULL;
  return nncMakeStatus(NNC_STATUS_INVALID_ARGUMENT,
                       "%s: batch: expected 1..%d, got %lld", fn, NNC_MAX_BATCH,
                       (long long)batch);
}

/* Checks one caller buffer against tensor `k` of `kind`. */
static nnc_status_t checkOne(const char *fn, const char *arg,
                             nnc_tensor_kind_t kind, int32_t k,
                             const void *data, size_t size, int64_t batch) {
  const nnc_tensor_desc_t *d =
      &nnc_model_desc.tensors[nncTensorAt(&nnc_model_desc, kind, k)];
  size_t expected = 0;
  nnc_status_t s = nnc_model_tensor_byte_size(kind, k, batch, &expected);
  if (s)
    return s;
  if (size != expected)
    return nncMakeStatus(NNC_STATUS_INVALID_ARGUMENT,
                         "%s: %s[%d] ('%s'): expected %zu bytes (batch %lld "
                         "of %s), got %zu",
                         fn, arg, k, d->name, expected, (long long)batch,
                         nncDtypeName(d->dtype), size);
  if (!data && expected)
    return nncMakeStatus(NNC_STATUS_INVALID_ARGUMENT,
                         "%s: %s[%d].data ('%s'): expected a pointer, got NULL",
                         fn, arg, k, d->name);
  if ((uintptr_t)data % nncDtypeSize(d->dtype))
    return nncMakeStatus(NNC_STATUS_INVALID_ARGUMENT,
                         "%s: %s[%d].data ('%s'): expected %zu-byte alignment "
                         "for %s, got address %p",
                         fn, arg, k, d->name, nncDtypeSize(d->dtype),
                         nncDtypeName(d->dtype), data);
  return NULL;
}

static nnc_status_t checkCount(const char *fn, const char *arg,
                               nnc_tensor_kind_t kind, const void *bufs,
                               int32_t num) {
  int32_t expected = nnc_model_tensor_count(kind);
  if (num != expected)
    return nncMakeStatus(NNC_STATUS_INVALID_ARGUMENT,
                         "%s: num_%s: expected %d, got %d", fn, arg, expected,
                         num);
  if (num > 0 && !bufs)
    return nncMakeStatus(NNC_STATUS_INVALID_ARGUMENT,
                         "%s: %s: expected %d buffers, got NULL", fn, arg,
                         expected);
  return NULL;
}

/* Checks that every element of an i32 buffer with an index bound (class
 * indices, embedding ids) lies in [0, bound): the kernels clamp such values
 * to stay in memory, which would be a silent wrong answer. */
static nnc_status_t checkIndices(const char *fn, const char *arg,
                                 nnc_tensor_kind_t kind, int32_t k,
                                 const void *data, int64_t batch) {
  const nnc_tensor_desc_t *d =
      &nnc_model_desc.tensors[nncTensorAt(&nnc_model_desc, kind, k)];
  if (d->index_bound <= 0 || d->dtype != NNC_DESC_I32)
    return NULL;
  int64_t n = nncElements(d, batch);
  int64_t perItem = nncElements(d, 1);
  const int32_t *v = (const int32_t *)data;
  for (int64_t i = 0; i < n; ++i) {
    if (v[i] >= 0 && v[i] < d->index_bound)
      continue;
    return nncMakeStatus(NNC_STATUS_INVALID_ARGUMENT,
                         "%s: %s[%d] ('%s'): element %lld (batch item %lld) "
                         "is %d, expected a class index or id in [0, %lld)",
                         fn, arg, k, d->name, (long long)i,
                         (long long)(perItem > 0 ? i / perItem : 0), v[i],
                         (long long)d->index_bound);
  }
  return NULL;
}

/* Checks the caller's inputs or labels; `hostData` says whether their
 * contents can be read here (device-resident inputs are not scanned). */
static nnc_status_t checkConst(const char *fn, const char *arg,
                               nnc_tensor_kind_t kind,
                               const nnc_const_buffer_t *bufs, int32_t num,
                               int64_t batch, int hostData) {
  nnc_status_t s = checkCount(fn, arg, kind, bufs, num);
  for (int32_t k = 0; !s && k < num; ++k) {
    s = checkOne(fn, arg, kind, k, bufs[k].data, bufs[k].size, batch);
    if (!s && hostData)
      s = checkIndices(fn, arg, kind, k, bufs[k].data, batch);
  }
  return s;
}

static nnc_status_t checkOutputs(const char *fn, nnc_buffer_t *bufs,
                                 int32_t num, int64_t batch) {
  nnc_status_t s = checkCount(fn, "outputs", NNC_KIND_OUTPUT, bufs, num);
  for (int32_t k = 0; !s && k < num; ++k)
    s = checkOne(fn, "outputs", NNC_KIND_OUTPUT, k, bufs[k].data, bufs[k].size,
                 batch);
  return s;
}

static nnc_status_t checkLr(const char *fn, float lr) {
  if (isfinite(lr) && lr >= 0)
    return NULL;
  return nncMakeStatus(NNC_STATUS_INVALID_ARGUMENT,
                       "%s: learning_rate: expected a finite value >= 0, got "
                       "%g",
                       fn, (double)lr);
}

/* A call of entry point `fn` on `batch` rows of `inputs`, `labels` and
 * `outputs` (any of them may be NULL). */
static Call newCall(const char *fn, int64_t batch,
                    const nnc_const_buffer_t *inputs,
                    const nnc_const_buffer_t *labels, nnc_buffer_t *outputs) {
  Call c = {0};
  c.fn = fn;
  c.batch = batch;
  c.inputs = inputs;
  c.labels = labels;
  c.outputs = outputs;
  return c;
}

/* Sets the step of `c` to the 1-based step of the update a training entry
 * computes, `step + 1`, which must not overflow (nnc_model_set_step or a
 * checkpoint can put the counter at INT64_MAX), and its seed to that step's. */
static nnc_status_t nextStep(const char *fn, const nnc_model_t *m, Call *c) {
  if (m->step == INT64_MAX)
    return nncMakeStatus(NNC_STATUS_OUT_OF_RANGE,
                         "%s: step: the optimizer step count is %lld, the "
                         "largest int64; one more update would overflow it",
                         fn, (long long)m->step);
  c->step = m->step + 1;
  c->seed = nncStepSeed(m->seed, c->step);
  return NULL;
}

/* Byte offset of output k in the scratch area (64-byte aligned slots). */
static size_t scratchOffset(int32_t k, int64_t batch, size_t *out_total) {
  size_t off = 0, at = 0;
  for (int32_t i = 0; i < nnc_model_tensor_count(NNC_KIND_OUTPUT); ++i) {
    size_t bytes = 0;
    nnc_status_free(
        nnc_model_tensor_byte_size(NNC_KIND_OUTPUT, i, batch, &bytes));
    if (i == k)
      at = off;
    off += (bytes + NNC_TENSOR_ALIGN - 1) / NNC_TENSOR_ALIGN * NNC_TENSOR_ALIGN;
  }
  if (out_total)
    *out_total = off;
  return at;
}

/* Guard mode: one block per output, exactly as large as this batch needs,
 * so that a kernel writing past a skipped output faults. */
static nnc_status_t guardScratch(nnc_model_t *m, const char *fn,
                                 int64_t batch) {
  for (int32_t k = 0; k < nnc_model_tensor_count(NNC_KIND_OUTPUT); ++k) {
    size_t bytes = 0;
    nnc_status_free(
        nnc_model_tensor_byte_size(NNC_KIND_OUTPUT, k, batch, &bytes));
    nncGuardFree(m->guardScratch[k]);
    m->guardScratch[k] = nncGuardAlloc(m->guard, bytes, NNC_TENSOR_ALIGN);
    if (!m->guardScratch[k])
      return nncMakeStatus(NNC_STATUS_RESOURCE_EXHAUSTED,
                           "%s: out of memory for %zu bytes of output %d", fn,
                           bytes, k);
  }
  return NULL;
}

static nnc_status_t ensureScratch(nnc_model_t *m, const char *fn,
                                  int64_t batch) {
  if (m->guard != NNC_GUARD_OFF)
    return guardScratch(m, fn, batch);
  size_t total = 0;
  scratchOffset(-1, batch, &total);
  if (total <= m->scratchBytes)
    return NULL;
  void *p = NULL;
  if (posix_memalign(&p, NNC_TENSOR_ALIGN, total) != 0)
    return nncMakeStatus(NNC_STATUS_RESOURCE_EXHAUSTED,
                         "%s: out of memory for %zu bytes of outputs", fn,
                         total);
  free(m->scratch);
  m->scratch = p;
  m->scratchBytes = total;
  return NULL;
}

/* Writes one memref descriptor at `w`; returns the number of words. */
static size_t putMemref(uint64_t *w, void *ptr, int32_t rank,
                        const int64_t *dims, int64_t batch) {
  memcpy(&w[0], &ptr, sizeof(ptr));
  memcpy(&w[1], &ptr, sizeof(ptr));
  w[2] = 0;
  int64_t stride = 1;
  for (int32_t d = rank - 1; d >= 0; --d) {
    int64_t size = dims[d] < 0 ? batch : dims[d];
    memcpy(&w[3 + d], &size, sizeof(size));
    memcpy(&w[3 + rank + d], &stride, sizeof(stride));
    stride *= size;
  }
  return 3 + 2 * (size_t)rank;
}

/* The kernel name of entry `e` (nnc_kernel_<name>). */
static const char *entryName(const nnc_model_desc_t *d,
                             const nnc_entry_desc_t *e) {
  return e == &d->predict       ? "predict"
         : e == &d->train_step  ? "train_step"
         : e == &d->grads       ? "grads"
         : e == &d->input_grads ? "input_grads"
                                : "apply";
}

/* Whether entry `e` may write instance tensors of `role`: predict and
 * input_grads write none, grads reads the parameters, apply reads the
 * gradients. */
static int entryWrites(const nnc_model_desc_t *d, const nnc_entry_desc_t *e,
                       int32_t role) {
  if (e == &d->predict || e == &d->input_grads)
    return 0;
  if (role == NNC_ROLE_PARAM)
    return e != &d->grads;
  if (role == NNC_ROLE_GRAD)
    return e != &d->apply;
  return role == NNC_ROLE_BUFFER || role == NNC_ROLE_STATE;
}

/* Whether argument `i` of `e` is kept in the undo area: an instance tensor
 * the entry may write, flagged by the compiler when it flagged any. */
static int keepsUndo(const nnc_model_desc_t *d, const nnc_entry_desc_t *e,
                     int32_t i) {
  int32_t a = e->args[i];
  return a >= 0 && entryWrites(d, e, d->tensors[a].role) &&
         (!e->undo || e->undo[i]);
}

/* Copies (save = 1) the instance tensors `e` may write into the undo area,
 * growing it first, or copies them back (save = 0): those the compiler marked
 * as written before an allocation that may fail (`e->undo`, nn.undo_args), or
 * all of them without the mark. */
static nnc_status_t copyUndo(nnc_model_t *m, const nnc_entry_desc_t *e,
                             const char *fn, int save) {
  const nnc_model_desc_t *d = m->desc;
  size_t total = 0;
  for (int32_t i = 0; i < e->num_args; ++i)
    if (keepsUndo(d, e, i))
      total += m->bytes[e->args[i]];
  if (save && total > m->undoBytes) {
    void *p = malloc(total);
    if (!p)
      return nncMakeStatus(NNC_STATUS_RESOURCE_EXHAUSTED,
                           "%s: out of memory for the %zu-byte copy of the "
                           "tensors kernel '%s' updates (kept to undo a "
                           "failed call); nothing was changed",
                           fn, total, entryName(d, e));
    free(m->undo);
    m->undo = p;
    m->undoBytes = total;
  }
  char *at = m->undo;
  for (int32_t i = 0; i < e->num_args; ++i) {
    if (!keepsUndo(d, e, i))
      continue;
    int32_t a = e->args[i];
    if (save)
      memcpy(at, m->data[a], m->bytes[a]);
    else
      memcpy(m->data[a], at, m->bytes[a]);
    at += m->bytes[a];
  }
  return NULL;
}

/* Runs a CPU kernel on `m->args` inside an allocation scope (the CPU
 * table's `call`, Device.c). The scope lives in the instance (not on this
 * frame) so that it is intact after longjmp. */
nnc_status_t nncHostCall(nnc_model_t *m, const nnc_entry_desc_t *e, Call *c) {
  nnc_status_t s = copyUndo(m, e, c->fn, 1);
  if (s)
    return s;
  if (!nncAllocScopeEnter(&m->allocScope))
    return nncMakeStatus(NNC_STATUS_RESOURCE_EXHAUSTED,
                         "%s: out of memory for the allocation scope of "
                         "kernel '%s'; nothing was changed",
                         c->fn, entryName(m->desc, e));
  if (setjmp(m->allocScope.onFailure) != 0) {
    nncAllocScopeLeave(&m->allocScope);
    copyUndo(m, e, c->fn, 0);
    return nncMakeStatus(NNC_STATUS_RESOURCE_EXHAUSTED,
                         "%s: out of memory: kernel '%s' of model '%s' could "
                         "not allocate a temporary of %zu bytes (batch "
                         "%lld); nothing was changed",
                         c->fn, entryName(m->desc, e), nnc_model_name(),
                         m->allocScope.failedBytes, (long long)c->batch);
  }
  /* input_grads (4) is in neither the profile nor the workspace report. */
  int entry = e == &m->desc->predict      ? 0
              : e == &m->desc->train_step ? 1
              : e == &m->desc->grads      ? 2
              : e == &m->desc->apply      ? 3
                                          : 4;
  /* The workspace report takes the allocator's lock twice per call: only
   * when it was asked for. */
  int report = nncHostWorkspaceReporting();
  size_t liveBefore = report ? nncHostWorkspaceBegin() : 0;
  int64_t t0 = nnc_rt_profile_begin();
  m->allreduceFailed = 0;
  e->fn(m->args);
  nncProfileEntry(entry, t0);
  if (report)
    nncHostWorkspaceEnd(entry, liveBefore);
  nncAllocScopeLeave(&m->allocScope);
  if (m->allreduceFailed) {
    /* The kernel ran to its end on partial sums: undo what it wrote. */
    copyUndo(m, e, c->fn, 0);
    return nncMakeStatus(NNC_STATUS_INTERNAL,
                         "%s: the all-reduce callback "
                         "(nnc_model_set_allreduce) failed during kernel "
                         "'%s'; nothing was changed",
                         c->fn, entryName(m->desc, e));
  }
  return NULL;
}

static nnc_status_t run(nnc_model_t *m, const nnc_entry_desc_t *e, Call *c) {
  const nnc_model_desc_t *desc = m->desc;
  uint64_t *w = m->words;
  nnc_status_t s = NULL;
  if (m->device->prepare && (s = m->device->prepare(m, c->fn, c->batch)))
    return s;
  for (int32_t i = 0; i < e->num_args; ++i) {
    int32_t a = e->args[i];
    void *ptr = NULL;
    int32_t rank = 0;
    const int64_t *dims = NULL;
    if (a == NNC_ARG_LR) {
      ptr = &c->lr;
    } else if (NNC_ARG_IS_HYPER(a)) {
      ptr = &c->hyper[NNC_ARG_HYPER_INDEX(a)];
    } else if (a == NNC_ARG_STEP) {
      ptr = &c->step;
    } else if (a == NNC_ARG_SEED) {
      ptr = &c->seed;
    } else if (a == NNC_ARG_ROW_OFFSET) {
      ptr = &c->rowOffset;
    } else if (a == NNC_ARG_REPLICAS) {
      c->replicas = (int64_t)(intptr_t)m;
      ptr = &c->replicas;
    } else {
      const nnc_tensor_desc_t *t = &desc->tensors[a];
      int32_t k = m->kindIndex[a];
      rank = t->rank;
      dims = t->dims;
      switch (t->role) {
      case NNC_ROLE_INPUT:
      case NNC_ROLE_LABEL: {
        const nnc_const_buffer_t *b =
            t->role == NNC_ROLE_INPUT ? c->inputs : c->labels;
        if (!b)
          return nncMakeStatus(NNC_STATUS_INTERNAL,
                               "%s: descriptor: entry uses '%s', which this "
                               "call does not provide",
                               c->fn, t->name);
        ptr = (void *)(uintptr_t)b[k].data; /* kernels never write inputs */
        break;
      }
      case NNC_ROLE_OUTPUT:
        if (c->outputs)
          ptr = c->outputs[k].data;
        else if (m->guard != NNC_GUARD_OFF)
          ptr = m->guardScratch[k];
        else
          ptr = (char *)m->scratch + scratchOffset(k, c->batch, 0);
        break;
      case NNC_ROLE_LOSS:
        ptr = &c->loss;
        break;
      case NNC_ROLE_INPUT_GRAD:
        if (!c->inputGrads)
          return nncMakeStatus(NNC_STATUS_INTERNAL,
                               "%s: descriptor: entry writes '%s', which this "
                               "call does not provide",
                               c->fn, t->name);
        ptr = c->inputGrads[m->kindIndex[t->of]].data;
        break;
      default:
        ptr = m->data[a];
        break;
      }
    }
    if (m->device->arg)
      ptr = m->device->arg(m, c, a, ptr);
    m->args[i] = w;
    w += putMemref(w, ptr, rank, dims, c->batch);
  }
  m->argWords = (size_t)(w - m->words);
  return m->device->call(m, e, c);
}

nnc_status_t nnc_model_predict(nnc_model_t *model, int64_t batch,
                               const nnc_const_buffer_t *inputs,
                               int32_t num_inputs, nnc_buffer_t *outputs,
                               int32_t num_outputs) {
  const char *fn = "nnc_model_predict";
  nnc_status_t s = nncCheckInstance(fn, model);
  if (s)
    return s;
  int hostData = model->inputLocation == NNC_LOCATION_HOST;
  if ((s = checkEntry(fn, &model->desc->predict, "predict")) ||
      (s = checkBatch(fn, batch)) ||
      (s = checkConst(fn, "inputs", NNC_KIND_INPUT, inputs, num_inputs, batch,
                      hostData)) ||
      (s = checkOutputs(fn, outputs, num_outputs, batch)))
    return s;
  /* predict applies no update: at the largest step it still runs. */
  int64_t step = model->step < INT64_MAX ? model->step + 1 : INT64_MAX;
  Call c = newCall(fn, batch, inputs, NULL, outputs);
  c.step = step;
  c.seed = nncStepSeed(model->seed, c.step);
  return run(model, &model->desc->predict, &c);
}

/* Shared by train_step and compute_gradients; `e` is an entry of the model's
 * descriptor (nnc_model_desc, so that it is known before `model` is checked).
 */
static nnc_status_t trainLike(const char *fn, const char *entryName,
                              nnc_model_t *model, const nnc_entry_desc_t *e,
                              int64_t batch, const nnc_const_buffer_t *inputs,
                              int32_t num_inputs,
                              const nnc_const_buffer_t *labels,
                              int32_t num_labels, const double *lr,
                              int checkLrArg, nnc_buffer_t *outputs,
                              int32_t num_outputs, float *out_loss) {
  nnc_status_t s = nncCheckInstance(fn, model);
  if (s)
    return s;
  int hostData = model->inputLocation == NNC_LOCATION_HOST;
  if ((s = checkEntry(fn, e, entryName)) || (s = checkBatch(fn, batch)) ||
      (s = checkConst(fn, "inputs", NNC_KIND_INPUT, inputs, num_inputs, batch,
                      hostData)) ||
      (s = checkConst(fn, "labels", NNC_KIND_LABEL, labels, num_labels, batch,
                      hostData)))
    return s;
  if ((outputs || num_outputs) &&
      (s = checkOutputs(fn, outputs, num_outputs, batch)))
    return s;
  if (!out_loss)
    return nncMakeStatus(NNC_STATUS_INVALID_ARGUMENT,
                         "%s: out_loss: expected a pointer, got NULL", fn);
  if (checkLrArg && lr && (s = checkLr(fn, (float)*lr)))
    return s;
  if (!outputs && (s = ensureScratch(model, fn, batch)))
    return s;
  Call c = newCall(fn, batch, inputs, labels, outputs);
  nncCallHypers(model, &c, lr);
  c.rowOffset = model->rowOffset;
  if ((s = nextStep(fn, model, &c)))
    return s;
  if ((s = run(model, e, &c)))
    return s;
  *out_loss = c.loss;
  return NULL;
}

nnc_status_t nnc_model_train_step(nnc_model_t *model, int64_t batch,
                                  const nnc_const_buffer_t *inputs,
                                  int32_t num_inputs,
                                  const nnc_const_buffer_t *labels,
                                  int32_t num_labels, float learning_rate,
                                  nnc_buffer_t *outputs, int32_t num_outputs,
                                  float *out_loss) {
  double lr = learning_rate; /* exact */
  nnc_status_t s =
      trainLike("nnc_model_train_step", "train_step", model,
                &nnc_model_desc.train_step, batch, inputs, num_inputs, labels,
                num_labels, &lr, 1, outputs, num_outputs, out_loss);
  if (!s)
    ++model->step;
  return s;
}

nnc_status_t nnc_model_train_step_hp(nnc_model_t *model, int64_t batch,
                                     const nnc_const_buffer_t *inputs,
                                     int32_t num_inputs,
                                     const nnc_const_buffer_t *labels,
                                     int32_t num_labels, nnc_buffer_t *outputs,
                                     int32_t num_outputs, float *out_loss) {
  nnc_status_t s =
      trainLike("nnc_model_train_step_hp", "train_step", model,
                &nnc_model_desc.train_step, batch, inputs, num_inputs, labels,
                num_labels, NULL, 0, outputs, num_outputs, out_loss);
  if (!s)
    ++model->step;
  return s;
}

nnc_status_t nnc_model_compute_gradients(
    nnc_model_t *model, int64_t batch, const nnc_const_buffer_t *inputs,
    int32_t num_inputs, const nnc_const_buffer_t *labels, int32_t num_labels,
    nnc_buffer_t *outputs, int32_t num_outputs, float *out_loss) {
  return trainLike("nnc_model_compute_gradients", "grads", model,
                   &nnc_model_desc.grads, batch, inputs, num_inputs, labels,
                   num_labels, NULL, 0, outputs, num_outputs, out_loss);
}

/* Shared by apply_gradients and apply_gradients_hp: `lr` replaces the
 * instance's "lr" unless it is NULL. */
static nnc_status_t applyWith(const char *fn, nnc_model_t *model,
                              const double *lr) {
  nnc_status_t s = nncCheckInstance(fn, model);
  if (s)
    return s;
  if ((s = checkEntry(fn, &model->desc->apply, "apply")) ||
      (lr && (s = checkLr(fn, (float)*lr))))
    return s;
  Call c = newCall(fn, 1, NULL, NULL, NULL);
  nncCallHypers(model, &c, lr);
  if ((s = nextStep(fn, model, &c)))
    return s;
  /* apply has no batch-sized arguments; outputs would be a descriptor bug. */
  if ((s = ensureScratch(model, fn, 1)) ||
      (s = run(model, &model->desc->apply, &c)))
    return s;
  ++model->step;
  return NULL;
}

nnc_status_t nnc_model_apply_gradients(nnc_model_t *model,
                                       float learning_rate) {
  double lr = learning_rate; /* exact */
  return applyWith("nnc_model_apply_gradients", model, &lr);
}

nnc_status_t nnc_model_apply_gradients_hp(nnc_model_t *model) {
  return applyWith("nnc_model_apply_gradients_hp", model, NULL);
}

nnc_status_t nnc_model_compute_input_gradients(
    nnc_model_t *model, int64_t batch, const nnc_const_buffer_t *inputs,
    int32_t num_inputs, const nnc_const_buffer_t *labels, int32_t num_labels,
    nnc_buffer_t *input_grads, int32_t num_input_grads, float *out_loss) {
  const char *fn = "nnc_model_compute_input_gradients";
  nnc_status_t s = nncCheckInstance(fn, model);
  if (s)
    return s;
  if (!model->desc->input_grads.fn)
    return nncMakeStatus(NNC_STATUS_UNIMPLEMENTED,
                         "%s: model '%s' has no input_grads entry point (%s)",
                         fn, nnc_model_name(),
                         model->desc->grads.fn
                             ? "compile it with nnc --input-grads"
                             : "its .nn file has no train section");
  if (!model->device->inputGradients)
    return nncMakeStatus(NNC_STATUS_UNIMPLEMENTED,
                         "%s: input gradients of --target=%s models are not "
                         "implemented",
                         fn, model->device->name);
  if ((s = checkBatch(fn, batch)) ||
      (s = checkConst(fn, "inputs", NNC_KIND_INPUT, inputs, num_inputs, batch,
                      1)) ||
      (s = checkConst(fn, "labels", NNC_KIND_LABEL, labels, num_labels, batch,
                      1)) ||
      (s = checkCount(fn, "input_grads", NNC_KIND_INPUT, input_grads,
                      num_input_grads)))
    return s;
  /* An f32 input gets its gradient; any other has none: {NULL, 0}. */
  for (int32_t k = 0; k < num_input_grads; ++k) {
    int32_t t = nncTensorAt(&nnc_model_desc, NNC_KIND_INPUT, k);
    const nnc_tensor_desc_t *d = &nnc_model_desc.tensors[t];
    if (d->dtype == NNC_DESC_F32)
      s = checkOne(fn, "input_grads", NNC_KIND_INPUT, k, input_grads[k].data,
                   input_grads[k].size, batch);
    else if (input_grads[k].data || input_grads[k].size)
      s = nncMakeStatus(NNC_STATUS_INVALID_ARGUMENT,
                        "%s: input_grads[%d] ('%s'): a %s input has no "
                        "gradient; expected {NULL, 0}, got %zu bytes",
                        fn, k, d->name, nncDtypeName(d->dtype),
                        input_grads[k].size);
    if (s)
      return s;
  }
  if (!out_loss)
    return nncMakeStatus(NNC_STATUS_INVALID_ARGUMENT,
                         "%s: out_loss: expected a pointer, got NULL", fn);
  Call c = newCall(fn, batch, inputs, labels, NULL);
  c.rowOffset = model->rowOffset;
  c.inputGrads = input_grads;
  if ((s = nextStep(fn, model, &c)))
    return s;
  if ((s = run(model, &model->desc->input_grads, &c)))
    return s;
  *out_loss = c.loss;
  return NULL;
}
