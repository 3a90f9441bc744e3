/*===- lib/ModelRT/Desc.c - Static queries over the descriptor ----*- C -*-===*
 *
 * The part of the C ABI that needs no instance: model name, recipe, entry
 * points and tensor information by kind, all read from the compiler-emitted
 * `nnc_model_desc`. Also the descriptor validation run at instance creation,
 * so that a malformed descriptor is reported as an INTERNAL status instead of
 * crashing later.
 *
 *===----------------------------------------------------------------------===*/
#include "Internal.h"

#include <string.h>

int32_t nncKindRole(nnc_tensor_kind_t kind) {
  switch (kind) {
  case NNC_KIND_INPUT:
    return NNC_ROLE_INPUT;
  case NNC_KIND_LABEL:
    return NNC_ROLE_LABEL;
  case NNC_KIND_OUTPUT:
    return NNC_ROLE_OUTPUT;
  case NNC_KIND_PARAM:
    return NNC_ROLE_PARAM;
  case NNC_KIND_BUFFER:
    return NNC_ROLE_BUFFER;
  case NNC_KIND_GRAD:
    return NNC_ROLE_GRAD;
  case NNC_KIND_STATE:
    return NNC_ROLE_STATE;
  }
  return -1;
}

int32_t nncRoleKind(int32_t role) {
  for (int32_t k = 0; k < NNC_KIND_COUNT; ++k)
    if (nncKindRole((nnc_tensor_kind_t)k) == role)
      return k;
  return -1;
}

const char *nncKindName(nnc_tensor_kind_t kind) {
  static const char *names[NNC_KIND_COUNT] = {
      "input", "label", "output", "param", "buffer", "grad", "state"};
  return (int)kind >= 0 && (int)kind < NNC_KIND_COUNT ? names[kind] : "?";
}

int32_t nncTensorAt(const nnc_model_desc_t *desc, nnc_tensor_kind_t kind,
                    int32_t index) {
  int32_t role = nncKindRole(kind);
  if (role < 0 || index < 0)
    return -1;
  for (int32_t t = 0, seen = 0; t < desc->num_tensors; ++t)
    if (desc->tensors[t].role == role && seen++ == index)
      return t;
  return -1;
}

int32_t nncIndexInKind(const nnc_model_desc_t *desc, int32_t t) {
  int32_t n = 0;
  for (int32_t i = 0; i < t; ++i)
    n += desc->tensors[i].role == desc->tensors[t].role;
  return n;
}

size_t nncDtypeSize(int32_t dtype) {
  switch (dtype) {
  case NNC_DESC_F32:
  case NNC_DESC_I32:
    return 4;
  case NNC_DESC_I64:
    return 8;
  }
  return 0;
}

const char *nncNameAt(const char *const *names, int32_t count, int32_t index,
                      const char *fallback) {
  return index >= 0 && index < count && names[index] ? names[index] : fallback;
}

const char *nncDtypeName(int32_t dtype) {
  static const char *const names[] = {
      [NNC_DESC_F32] = "F32", [NNC_DESC_I32] = "I32", [NNC_DESC_I64] = "I64"};
  return nncNameAt(names, sizeof(names) / sizeof(names[0]), dtype, "?");
}

int64_t nncElements(const nnc_tensor_desc_t *t, int64_t batch) {
  int64_t n = 1;
  for (int32_t d = 0; d < t->rank && d < NNC_MAX_RANK; ++d) {
    int64_t v = t->dims[d] < 0 ? batch : t->dims[d];
    if (v < 0 || (v != 0 && n > INT64_MAX / v))
      return -1;
    n *= v;
  }
  return n;
}

/* Descriptor checks, each named after the contract of docs/architecture.md
 * it enforces. */
static nnc_status_t checkEntry(const nnc_model_desc_t *desc,
                               const nnc_entry_desc_t *e, const char *what) {
  if (!e->fn)
    return NULL;
  if (e->num_args < 0 || (e->num_args > 0 && !e->args))
    return nncMakeStatus(NNC_STATUS_INTERNAL,
                         "descriptor: entry %s has %d args but no list", what,
                         e->num_args);
  for (int32_t i = 0; i < e->num_args; ++i) {
    int32_t a = e->args[i];
    if (a == NNC_ARG_LR || a == NNC_ARG_STEP || a == NNC_ARG_SEED ||
        a == NNC_ARG_ROW_OFFSET || a == NNC_ARG_REPLICAS)
      continue;
    if (NNC_ARG_IS_HYPER(a) && NNC_ARG_HYPER_INDEX(a) < desc->num_hypers)
      continue;
    if (a < 0 || a >= desc->num_tensors)
      return nncMakeStatus(NNC_STATUS_INTERNAL,
                           "descriptor: entry %s arg %d: tensor index %d "
                           "outside [0, %d)",
                           what, i, a, desc->num_tensors);
  }
  return NULL;
}

nnc_status_t nncValidateDesc(const nnc_model_desc_t *desc) {
  if (desc->desc_version != NNC_DESC_VERSION)
    return nncMakeStatus(NNC_STATUS_INTERNAL,
                         "descriptor: version expected %d, got %u",
                         NNC_DESC_VERSION, desc->desc_version);
  if (desc->target != NNC_TARGET_CPU && desc->target != NNC_TARGET_CUDA)
    return nncMakeStatus(NNC_STATUS_INTERNAL,
                         "descriptor: target expected 0 (CPU) or 1 (CUDA), "
                         "got %d",
                         desc->target);
  if (desc->num_tensors < 0 || (desc->num_tensors > 0 && !desc->tensors))
    return nncMakeStatus(NNC_STATUS_INTERNAL, "descriptor: no tensor table");
  for (int32_t i = 0; i < desc->num_tensors; ++i) {
    const nnc_tensor_desc_t *t = &desc->tensors[i];
    const char *name = t->name ? t->name : "(null)";
    if (!t->name || t->role < NNC_ROLE_INPUT || t->role > NNC_ROLE_INPUT_GRAD ||
        nncDtypeSize(t->dtype) == 0 || t->rank < 0 || t->rank > NNC_MAX_RANK)
      return nncMakeStatus(NNC_STATUS_INTERNAL,
                           "descriptor: tensor %d '%s' has a bad name, role, "
                           "dtype or rank",
                           i, name);
    int batchDims = 0;
    for (int32_t d = 0; d < t->rank; ++d) {
      if (t->dims[d] < -1)
        return nncMakeStatus(NNC_STATUS_INTERNAL,
                             "descriptor: tensor '%s' dim %d is %lld", name, d,
                             (long long)t->dims[d]);
      batchDims += t->dims[d] == -1;
    }
    int isData = t->role <= NNC_ROLE_OUTPUT || t->role == NNC_ROLE_INPUT_GRAD;
    if (batchDims > 1 || (!isData && batchDims))
      return nncMakeStatus(NNC_STATUS_INTERNAL,
                           "descriptor: tensor '%s' has %d batch dims; only "
                           "inputs, labels and outputs have one",
                           name, batchDims);
    if (nncElements(t, 1) < 0)
      return nncMakeStatus(NNC_STATUS_INTERNAL,
                           "descriptor: tensor '%s' is too large", name);
    if (t->index_bound < 0 ||
        (t->index_bound > 0 &&
         (t->dtype != NNC_DESC_I32 ||
          (t->role != NNC_ROLE_INPUT && t->role != NNC_ROLE_LABEL))))
      return nncMakeStatus(NNC_STATUS_INTERNAL,
                           "descriptor: tensor '%s' has index_bound %lld; "
                           "only i32 inputs and labels have a positive one",
                           name, (long long)t->index_bound);
    if (t->role == NNC_ROLE_GRAD || t->role == NNC_ROLE_STATE) {
      if (t->of < 0 || t->of >= desc->num_tensors ||
          desc->tensors[t->of].role != NNC_ROLE_PARAM)
        return nncMakeStatus(NNC_STATUS_INTERNAL,
                             "descriptor: tensor '%s' has of=%d, which is not "
                             "a parameter",
                             name, t->of);
      if (nncElements(t, 1) != nncElements(&desc->tensors[t->of], 1))
        return nncMakeStatus(NNC_STATUS_INTERNAL,
                             "descriptor: tensor '%s' differs in size from "
                             "its parameter",
                             name);
    }
    if (t->role == NNC_ROLE_INPUT_GRAD &&
        (t->of < 0 || t->of >= desc->num_tensors ||
         desc->tensors[t->of].role != NNC_ROLE_INPUT ||
         desc->tensors[t->of].dtype != NNC_DESC_F32 ||
         t->dtype != NNC_DESC_F32 ||
         nncElements(t, 1) != nncElements(&desc->tensors[t->of], 1)))
      return nncMakeStatus(NNC_STATUS_INTERNAL,
                           "descriptor: tensor '%s' has of=%d, which is not "
                           "an f32 input of its size",
                           name, t->of);
  }
  if (desc->num_hypers < 0 || desc->num_hypers > NNC_MAX_HYPERS ||
      (desc->num_hypers > 0 && !desc->hypers))
    return nncMakeStatus(NNC_STATUS_INTERNAL,
                         "descriptor: %d hyperparameters, expected 0..%d "
                         "with a table",
                         desc->num_hypers, NNC_MAX_HYPERS);
  for (int32_t k = 0; k < desc->num_hypers; ++k) {
    const nnc_hyper_desc_t *h = &desc->hypers[k];
    if (!h->name || nncHyperIndex(desc, h->name) != k ||
        nncHyperRangeError(h->range, h->default_value))
      return nncMakeStatus(NNC_STATUS_INTERNAL,
                           "descriptor: hyperparameter %d '%s' has no name, "
                           "a repeated one, or a default %g outside %s",
                           k, h->name ? h->name : "(null)", h->default_value,
                           nncHyperRangeText(h->range));
  }
  nnc_status_t s;
  if ((s = checkEntry(desc, &desc->predict, "predict")) ||
      (s = checkEntry(desc, &desc->train_step, "train_step")) ||
      (s = checkEntry(desc, &desc->grads, "grads")) ||
      (s = checkEntry(desc, &desc->apply, "apply")) ||
      (s = checkEntry(desc, &desc->input_grads, "input_grads")))
    return s;
  return NULL;
}

/*===--- Public static queries --------------------------------------------===*/

uint32_t nnc_abi_version(void) { return NNC_ABI_VERSION; }

const char *nnc_model_name(void) {
  return nnc_model_desc.name ? nnc_model_desc.name : "";
}

const char *nnc_model_recipe_json(void) {
  return nnc_model_desc.recipe_json ? nnc_model_desc.recipe_json : "{}";
}

const char *nnc_model_target(void) {
  return nnc_model_desc.target == NNC_TARGET_CUDA ? "cuda" : "cpu";
}

const char *nnc_model_optimizer(void) {
  static const char *names[] = {"none",    "sgd",  "momentum",
                                "rmsprop", "adam", "adamw"};
  int32_t k = nnc_model_desc.optimizer;
  return k >= 0 && k <= NNC_OPT_ADAMW ? names[k] : "none";
}

float nnc_model_default_learning_rate(void) {
  return nnc_model_desc.learning_rate;
}

int nnc_model_has_entry(nnc_entry_t entry) {
  switch (entry) {
  case NNC_ENTRY_PREDICT:
    return nnc_model_desc.predict.fn != NULL;
  case NNC_ENTRY_TRAIN_STEP:
    return nnc_model_desc.train_step.fn != NULL;
  case NNC_ENTRY_GRADS:
    return nnc_model_desc.grads.fn != NULL;
  case NNC_ENTRY_APPLY:
    return nnc_model_desc.apply.fn != NULL;
  case NNC_ENTRY_INPUT_GRADS:
    return nnc_model_desc.input_grads.fn != NULL;
  }
  return 0;
}

int32_t nnc_model_tensor_count(nnc_tensor_kind_t kind) {
  int32_t role = nncKindRole(kind), n = 0;
  if (role < 0)
    return 0;
  for (int32_t t = 0; t < nnc_model_desc.num_tensors; ++t)
    n += nnc_model_desc.tensors[t].role == role;
  return n;
}

/* Resolves (kind, index) or explains why not. */
static nnc_status_t lookup(const char *fn, nnc_tensor_kind_t kind,
                           int32_t index, int32_t *out_t) {
  if (nncKindRole(kind) < 0)
    return nncMakeStatus(NNC_STATUS_INVALID_ARGUMENT,
                         "%s: kind: expected 0..%d, got %d", fn,
                         NNC_KIND_COUNT - 1, (int)kind);
  int32_t t = nncTensorAt(&nnc_model_desc, kind, index);
  if (t < 0)
    return nncMakeStatus(NNC_STATUS_OUT_OF_RANGE,
                         "%s: index: expected 0..%d for kind %s, got %d", fn,
                         nnc_model_tensor_count(kind) - 1, nncKindName(kind),
                         index);
  *out_t = t;
  return NULL;
}

nnc_status_t nnc_model_tensor_info(nnc_tensor_kind_t kind, int32_t index,
                                   nnc_tensor_info_t *out_info) {
  if (!out_info)
    return nncMakeStatus(NNC_STATUS_INVALID_ARGUMENT,
                         "nnc_model_tensor_info: out_info: expected a "
                         "pointer, got NULL");
  int32_t t;
  nnc_status_t s = lookup("nnc_model_tensor_info", kind, index, &t);
  if (s)
    return s;
  const nnc_tensor_desc_t *d = &nnc_model_desc.tensors[t];
  memset(out_info, 0, sizeof(*out_info));
  out_info->name = d->name;
  out_info->dtype = (nnc_dtype_t)d->dtype;
  out_info->rank = d->rank < 0              ? 0
                   : d->rank > NNC_MAX_DIMS ? NNC_MAX_DIMS
                                            : d->rank;
  out_info->batch_axis = -1;
  for (int32_t i = 0; i < out_info->rank; ++i) {
    out_info->dims[i] = d->dims[i];
    if (d->dims[i] == -1)
      out_info->batch_axis = i;
  }
  out_info->of = -1;
  if ((d->role == NNC_ROLE_GRAD || d->role == NNC_ROLE_STATE) && d->of >= 0 &&
      d->of < nnc_model_desc.num_tensors)
    out_info->of = nncIndexInKind(&nnc_model_desc, d->of);
  out_info->item_elements = nncElements(d, 1);
  out_info->item_bytes =
      (size_t)out_info->item_elements * nncDtypeSize(d->dtype);
  return NULL;
}

nnc_status_t nnc_model_find_tensor(nnc_tensor_kind_t kind, const char *name,
                                   int32_t *out_index) {
  const char *fn = "nnc_model_find_tensor";
  if (!name || !out_index)
    return nncMakeStatus(NNC_STATUS_INVALID_ARGUMENT,
                         "%s: %s: expected a pointer, got NULL", fn,
                         name ? "out_index" : "name");
  int32_t role = nncKindRole(kind);
  if (role < 0)
    return nncMakeStatus(NNC_STATUS_INVALID_ARGUMENT,
                         "%s: kind: expected 0..%d, got %d", fn,
                         NNC_KIND_COUNT - 1, (int)kind);
  /* One rule for every kind: a tensor is found by the name
   * nnc_model_tensor_info reports ("fc1.weight.grad" for a GRAD). */
  for (int32_t t = 0, n = 0; t < nnc_model_desc.num_tensors; ++t) {
    const nnc_tensor_desc_t *d = &nnc_model_desc.tensors[t];
    if (d->role != role)
      continue;
    if (d->name && strcmp(d->name, name) == 0) {
      *out_index = n;
      return NULL;
    }
    ++n;
  }
  /* A gradient asked for by its parameter's name: say what it is called. */
  for (int32_t t = 0; role == NNC_ROLE_GRAD && t < nnc_model_desc.num_tensors;
       ++t) {
    const nnc_tensor_desc_t *d = &nnc_model_desc.tensors[t];
    if (d->role == NNC_ROLE_GRAD && d->name && d->of >= 0 &&
        d->of < nnc_model_desc.num_tensors &&
        nnc_model_desc.tensors[d->of].name &&
        strcmp(nnc_model_desc.tensors[d->of].name, name) == 0)
      return nncMakeStatus(NNC_STATUS_NOT_FOUND,
                           "%s: name: model '%s' has no %s called '%s' (the "
                           "gradient of parameter '%s' is called '%s')",
                           fn, nnc_model_name(), nncKindName(kind), name, name,
                           d->name);
  }
  return nncMakeStatus(NNC_STATUS_NOT_FOUND,
                       "%s: name: model '%s' has no %s called '%s'", fn,
                       nnc_model_name(), nncKindName(kind), name);
}

nnc_status_t nnc_model_tensor_byte_size(nnc_tensor_kind_t kind, int32_t index,
                                        int64_t batch, size_t *out_size) {
  const char *fn = "nnc_model_tensor_byte_size";
  if (!out_size)
    return nncMakeStatus(NNC_STATUS_INVALID_ARGUMENT,
                         "%s: out_size: expected a pointer, got NULL", fn);
  int32_t t;
  nnc_status_t s = lookup(fn, kind, index, &t);
  if (s)
    return s;
  const nnc_tensor_desc_t *d = &nnc_model_desc.tensors[t];
  int hasBatch = 0;
  for (int32_t i = 0; i < d->rank && i < NNC_MAX_RANK; ++i)
    hasBatch |= d->dims[i] == -1;
  if (hasBatch && (batch < 1 || batch > NNC_MAX_BATCH))
    return nncMakeStatus(NNC_STATUS_INVALID_ARGUMENT,
                         "%s: batch: expected 1..%d, got %lld", fn,
                         NNC_MAX_BATCH, (long long)batch);
  int64_t n = nncElements(d, hasBatch ? batch : 1);
  if (n < 0 || (uint64_t)n > SIZE_MAX / 8)
    return nncMakeStatus(NNC_STATUS_INVALID_ARGUMENT,
                         "%s: batch %lld makes '%s' too large", fn,
                         (long long)batch, d->name);
  *out_size = (size_t)n * nncDtypeSize(d->dtype);
  return NULL;
}
