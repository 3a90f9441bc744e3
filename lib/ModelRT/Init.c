/*===- lib/ModelRT/Init.c - Parameter initialisation and seeds ----*- C -*-===*
 *
 * The platform-independent random numbers of the model shim. Each tensor gets
 * its own splitmix64 stream whose state starts at seed XOR FNV-1a-64(name), so
 * its values depend only on the seed and its name, not on the other tensors.
 * Uniform doubles take the top 53 bits; normals come from Box-Muller in
 * double precision, using both values of each pair. Initialisers follow
 * PyTorch's fan conventions. The per-step kernel seed is output number `step`
 * of splitmix64 seeded with the creation seed. docs/abi.md restates this.
 *
 *===----------------------------------------------------------------------===*/
#include "Internal.h"

#include <math.h>
#include <string.h>

uint64_t nncSplitMix64(uint64_t *state) {
  uint64_t z = (*state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

int64_t nncStepSeed(uint64_t seed, int64_t step) {
  uint64_t state = seed + (uint64_t)(step - 1) * 0x9E3779B97F4A7C15ULL;
  uint64_t v = nncSplitMix64(&state);
  int64_t out;
  memcpy(&out, &v, sizeof(out));
  return out;
}

static uint64_t fnv1a64(const char *s) {
  uint64_t h = 0xCBF29CE484222325ULL;
  for (; *s; ++s)
    h = (h ^ (unsigned char)*s) * 0x100000001B3ULL;
  return h;
}

/* Uniform in [0, 1). */
static double uniform01(uint64_t *state) {
  return (double)(nncSplitMix64(state) >> 11) * (1.0 / 9007199254740992.0);
}

/* Fills `out` with n values of normal(0, std) (Box-Muller, both values). */
static void fillNormal(float *out, int64_t n, double std, uint64_t *state) {
  const double twoPi = 6.283185307179586476925286766559;
  for (int64_t i = 0; i < n; i += 2) {
    double u1 = 1.0 - uniform01(state); /* (0, 1]: log is finite */
    double u2 = uniform01(state);
    double r = sqrt(-2.0 * log(u1));
    out[i] = (float)(std * r * cos(twoPi * u2));
    if (i + 1 < n)
      out[i + 1] = (float)(std * r * sin(twoPi * u2));
  }
}

static void fillUniform(float *out, int64_t n, double bound, uint64_t *state) {
  for (int64_t i = 0; i < n; ++i)
    out[i] = (float)(bound * (2.0 * uniform01(state) - 1.0));
}

static void fillConstant(const nnc_tensor_desc_t *t, void *data, int64_t n,
                         int one) {
  if (!one) {
    memset(data, 0, (size_t)n * nncDtypeSize(t->dtype));
    return;
  }
  for (int64_t i = 0; i < n; ++i) {
    if (t->dtype == NNC_DESC_F32)
      ((float *)data)[i] = 1.0f;
    else if (t->dtype == NNC_DESC_I32)
      ((int32_t *)data)[i] = 1;
    else
      ((int64_t *)data)[i] = 1;
  }
}

void nncInitTensor(const nnc_tensor_desc_t *t, uint64_t seed, void *data,
                   int64_t n) {
  int random = t->init == NNC_INIT_HE || t->init == NNC_INIT_XAVIER ||
               t->init == NNC_INIT_NORMAL || t->init == NNC_INIT_UNIFORM;
  if (!random || t->dtype != NNC_DESC_F32) {
    /* Random inits of integer tensors make no sense: they start at zero. */
    fillConstant(t, data, n, t->init == NNC_INIT_ONES);
    return;
  }
  /* PyTorch: fan_in = prod(dims[1:]), fan_out = dims[0] * prod(dims[2:]). */
  double rest = 1.0;
  for (int32_t d = 2; d < t->rank; ++d)
    rest *= (double)t->dims[d];
  double fanIn = t->rank >= 2 ? (double)t->dims[1] * rest : 1.0;
  double fanOut = t->rank >= 1 ? (double)t->dims[0] * rest : 1.0;
  if (fanIn <= 0)
    fanIn = 1;
  if (fanOut <= 0)
    fanOut = 1;
  uint64_t state = seed ^ fnv1a64(t->name);
  float *out = data;
  switch (t->init) {
  case NNC_INIT_HE:
    fillNormal(out, n, sqrt(2.0 / fanIn), &state);
    break;
  case NNC_INIT_XAVIER:
    fillUniform(out, n, sqrt(6.0 / (fanIn + fanOut)), &state);
    break;
  case NNC_INIT_NORMAL:
    fillNormal(out, n, (double)t->init_scale, &state);
    break;
  default:
    fillUniform(out, n, (double)t->init_scale, &state);
    break;
  }
}
