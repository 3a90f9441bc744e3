/*===- lib/ModelRT/Hyper.c - Run-time optimizer hyperparameters ---*- C -*-===*
 *
 * The optimizer's hyperparameters (learning rate, momentum, betas, eps,
 * weight decay, clip norm) are f64 arguments of the update kernels
 * (NNC_ARG_HYPER slots). The descriptor lists them with the train section's
 * values as defaults and the range each accepts; every instance holds its
 * own values, which nnc_model_set_hyperparameter changes between calls
 * without a recompile. docs/abi.md, "Hyperparameters".
 *
 *===----------------------------------------------------------------------===*/
#include "Internal.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

int32_t nncHyperIndex(const nnc_model_desc_t *desc, const char *name) {
  for (int32_t k = 0; name && k < desc->num_hypers; ++k)
    if (desc->hypers[k].name && strcmp(desc->hypers[k].name, name) == 0)
      return k;
  return -1;
}

const char *nncHyperRangeText(int32_t range) {
  static const char *const texts[] = {[NNC_HYPER_NONNEG] = "[0, inf)",
                                      [NNC_HYPER_POSITIVE] = "(0, inf)",
                                      [NNC_HYPER_UNIT] = "[0, 1)",
                                      [NNC_HYPER_FLAG] = "{0, 1}"};
  return nncNameAt(texts, sizeof(texts) / sizeof(texts[0]), range, "?");
}

const char *nncHyperRangeError(int32_t range, double v) {
  int ok = 0;
  if (isfinite(v)) {
    switch (range) {
    case NNC_HYPER_NONNEG:
      ok = v >= 0;
      break;
    case NNC_HYPER_POSITIVE:
      ok = v > 0;
      break;
    case NNC_HYPER_UNIT:
      ok = v >= 0 && v < 1;
      break;
    case NNC_HYPER_FLAG:
      ok = v == 0 || v == 1;
      break;
    }
  }
  return ok ? NULL : nncHyperRangeText(range);
}

void nncCallHypers(const nnc_model_t *m, NncCall *c, const double *lr) {
  const nnc_model_desc_t *d = m->desc;
  for (int32_t k = 0; k < d->num_hypers && k < NNC_MAX_HYPERS; ++k)
    c->hyper[k] = m->hypers[k];
  int32_t at = nncHyperIndex(d, "lr");
  double value = lr ? *lr : at >= 0 ? m->hypers[at] : (double)d->learning_rate;
  if (at >= 0)
    c->hyper[at] = value;
  c->lr = (float)value;
}

int32_t nnc_model_hyperparameter_count(void) {
  return nnc_model_desc.num_hypers;
}

nnc_status_t nnc_model_hyperparameter_info(int32_t index,
                                           nnc_hyperparameter_info_t *out) {
  const char *fn = "nnc_model_hyperparameter_info";
  if (!out)
    return nncMakeStatus(NNC_STATUS_INVALID_ARGUMENT,
                         "%s: out_info: expected a pointer, got NULL", fn);
  if (index < 0 || index >= nnc_model_desc.num_hypers)
    return nncMakeStatus(NNC_STATUS_OUT_OF_RANGE,
                         "%s: index %d outside [0, %d)", fn, index,
                         nnc_model_desc.num_hypers);
  const nnc_hyper_desc_t *h = &nnc_model_desc.hypers[index];
  out->name = h->name;
  out->default_value = h->default_value;
  out->range = nncHyperRangeText(h->range);
  return NULL;
}

/* Index of hyperparameter `name` of `model`, or a NOT_FOUND status that
 * lists the names there are. */
static nnc_status_t find(const char *fn, const nnc_model_t *model,
                         const char *name, int32_t *out) {
  nnc_status_t s = nncCheckInstance(fn, model);
  if (s)
    return s;
  if (!name)
    return nncMakeStatus(NNC_STATUS_INVALID_ARGUMENT,
                         "%s: name: expected a string, got NULL", fn);
  const nnc_model_desc_t *d = model->desc;
  if ((*out = nncHyperIndex(d, name)) >= 0)
    return NULL;
  char known[512] = "";
  size_t used = 0;
  for (int32_t k = 0; k < d->num_hypers && used + 1 < sizeof known; ++k) {
    int n = snprintf(known + used, sizeof known - used, "%s%s", k ? ", " : "",
                     d->hypers[k].name);
    if (n < 0)
      break;
    used += (size_t)n;
  }
  return nncMakeStatus(NNC_STATUS_NOT_FOUND,
                       "%s: '%s' is not a hyperparameter of model '%s' "
                       "(optimizer %s: %s)",
                       fn, name, d->name ? d->name : "", nnc_model_optimizer(),
                       d->num_hypers ? known : "it has none");
}

nnc_status_t nnc_model_set_hyperparameter(nnc_model_t *model, const char *name,
                                          double value) {
  const char *fn = "nnc_model_set_hyperparameter";
  int32_t k;
  nnc_status_t s = find(fn, model, name, &k);
  if (s)
    return s;
  const char *range = nncHyperRangeError(model->desc->hypers[k].range, value);
  if (range)
    return nncMakeStatus(NNC_STATUS_INVALID_ARGUMENT,
                         "%s: '%s': expected a finite value in %s, got %.17g",
                         fn, name, range, value);
  model->hypers[k] = value;
  return NULL;
}

nnc_status_t nnc_model_get_hyperparameter(const nnc_model_t *model,
                                          const char *name, double *out_value) {
  const char *fn = "nnc_model_get_hyperparameter";
  int32_t k;
  nnc_status_t s = find(fn, model, name, &k);
  if (s)
    return s;
  if (!out_value)
    return nncMakeStatus(NNC_STATUS_INVALID_ARGUMENT,
                         "%s: out_value: expected a pointer, got NULL", fn);
  *out_value = model->hypers[k];
  return NULL;
}
