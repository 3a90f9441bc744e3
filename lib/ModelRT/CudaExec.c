/*===- lib/ModelRT/CudaExec.c - Running a CUDA model's kernels ----*- C -*-===*
 *
 * The device side of a kernel call for models compiled with --target=cuda:
 * one device staging area per instance holds the inputs, labels and outputs
 * of a call (grown when a larger batch comes), one managed block holds the
 * scalar arguments (learning rate, step, seed, loss, hyperparameters). Host
 *data is copied in before the kernel and the loss and requested outputs are
 *copied out after it (the kernel runs on the instance's stream, perhaps as
 *a replayed CUDA graph: CudaGraphs.c); inputs and labels already on the device
 *(nnc_model_set_input_location) are passed as they are. The first error a
 *runtime wrapper recorded during the kernel becomes the call's status.
 *
 *===----------------------------------------------------------------------===*/
#define _POSIX_C_SOURCE 200809L
#include "CudaDriver.h"

#include <string.h>

/* Slots of the managed scalar block, 64 bytes apart. */
enum {
  SLOT_LR = 0,
  SLOT_STEP = 1,
  SLOT_SEED = 2,
  SLOT_LOSS = 3,
  SLOT_ROW_OFFSET = 4,
  SLOTS = 5 /* then one per hyperparameter: SLOTS + k */
};
#define SLOT_BYTES 64
#define IO_ALIGN 256

static int isStaged(int32_t role) {
  return role == NNC_ROLE_INPUT || role == NNC_ROLE_LABEL ||
         role == NNC_ROLE_OUTPUT;
}

/* Offset of staged tensor `t` for `batch` items (t < 0: total bytes). */
static size_t ioOffset(const nnc_model_desc_t *d, int32_t t, int64_t batch) {
  size_t off = 0;
  for (int32_t i = 0; i < d->num_tensors; ++i) {
    if (!isStaged(d->tensors[i].role))
      continue;
    if (i == t)
      return off;
    size_t bytes = (size_t)nncElements(&d->tensors[i], batch) *
                   nncDtypeSize(d->tensors[i].dtype);
    off += (bytes + IO_ALIGN - 1) / IO_ALIGN * IO_ALIGN;
  }
  return off;
}

nnc_status_t nncDevicePrepare(nnc_model_t *m, const char *fn, int64_t batch) {
  nnc_status_t s = nncCudaInit(fn);
  if (s || (s = nncCudaInstanceInit(m, fn)))
    return s;
  if (!m->deviceScalars &&
      (s = nncCudaAlloc(fn, (SLOTS + NNC_MAX_HYPERS) * SLOT_BYTES, 1,
                        &m->deviceScalars)))
    return s;
  size_t total = ioOffset(m->desc, -1, batch);
  if (total <= m->deviceIOBytes)
    return NULL;
  void *p = NULL;
  if ((s = nncCudaAlloc(fn, total, 0, &p)))
    return s;
  nncCudaFree(m->deviceIO);
  m->deviceIO = p;
  m->deviceIOBytes = total;
  return NULL;
}

static char *slot(nnc_model_t *m, int k) {
  return (char *)m->deviceScalars + k * SLOT_BYTES;
}

void *nncDeviceArg(nnc_model_t *m, const NncCall *c, int32_t a, void *hostPtr) {
  if (a == NNC_ARG_LR)
    return slot(m, SLOT_LR);
  if (a == NNC_ARG_STEP)
    return slot(m, SLOT_STEP);
  if (NNC_ARG_IS_HYPER(a))
    return slot(m, SLOTS + NNC_ARG_HYPER_INDEX(a));
  if (a == NNC_ARG_SEED)
    return slot(m, SLOT_SEED);
  if (a == NNC_ARG_ROW_OFFSET)
    return slot(m, SLOT_ROW_OFFSET);
  int32_t role = m->desc->tensors[a].role;
  if (role == NNC_ROLE_LOSS)
    return slot(m, SLOT_LOSS);
  if ((role == NNC_ROLE_INPUT || role == NNC_ROLE_LABEL) &&
      m->inputLocation == NNC_LOCATION_DEVICE)
    return hostPtr; /* the caller's device buffer */
  if (isStaged(role))
    return (char *)m->deviceIO + ioOffset(m->desc, a, c->batch);
  return hostPtr; /* instance data: already a device address */
}

nnc_status_t nncDeviceCall(nnc_model_t *m, const nnc_entry_desc_t *e,
                           NncCall *c) {
  const nnc_model_desc_t *d = m->desc;
  nnc_status_t s = NULL;
  float zero = 0.0f;
  if ((s = nncCudaCopy(c->fn, slot(m, SLOT_LR), &c->lr, sizeof c->lr)) ||
      (s = nncCudaCopy(c->fn, slot(m, SLOT_STEP), &c->step, sizeof c->step)) ||
      (s = nncCudaCopy(c->fn, slot(m, SLOT_SEED), &c->seed, sizeof c->seed)) ||
      (s = nncCudaCopy(c->fn, slot(m, SLOT_ROW_OFFSET), &c->rowOffset,
                       sizeof c->rowOffset)) ||
      (s = nncCudaCopy(c->fn, slot(m, SLOT_LOSS), &zero, sizeof zero)))
    return s;
  for (int32_t k = 0; !s && k < d->num_hypers; ++k)
    s = nncCudaCopy(c->fn, slot(m, SLOTS + k), &c->hyper[k],
                    sizeof c->hyper[k]);
  if (s)
    return s;
  if (m->inputLocation == NNC_LOCATION_HOST)
    for (int32_t i = 0; !s && i < e->num_args; ++i) {
      int32_t a = e->args[i];
      if (a < 0)
        continue;
      int32_t role = d->tensors[a].role;
      if (role != NNC_ROLE_INPUT && role != NNC_ROLE_LABEL)
        continue;
      const nnc_const_buffer_t *b =
          &(role == NNC_ROLE_INPUT ? c->inputs : c->labels)[m->kindIndex[a]];
      s = nncCudaCopy(c->fn, (char *)m->deviceIO + ioOffset(d, a, c->batch),
                      b->data, b->size);
    }
  if (s)
    return s;
  nnc_status_free(nncCudaTakeError(c->fn)); /* stale errors are not ours */
  if ((s = nncCudaRun(m, e, c->fn)))
    return s;
  if ((s = nncCudaCopy(c->fn, &c->loss, slot(m, SLOT_LOSS), sizeof c->loss)))
    return s;
  if (!c->outputs)
    return NULL;
  for (int32_t i = 0; !s && i < e->num_args; ++i) {
    int32_t a = e->args[i];
    if (a < 0 || d->tensors[a].role != NNC_ROLE_OUTPUT)
      continue;
    nnc_buffer_t *b = &c->outputs[m->kindIndex[a]];
    s = nncCudaCopy(c->fn, b->data,
                    (char *)m->deviceIO + ioOffset(d, a, c->batch), b->size);
  }
  return s;
}
