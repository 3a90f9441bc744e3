/*===- test/unit/ModelRT/Fixtures/Faulty.c - out-of-bounds kernels -*- C -*-===*
 *
 * The model "Faulty": out = x W^T with x f32[N, 3], W f32[2, 3], predict
 * only. Built with NNC_FIXTURE_FAULT = 1..4 its kernel makes one deliberate
 * out-of-bounds access, so that test/Safety checks that nnc-guard-run and the
 * shim's guard mode (NNC_GUARD_PAGES) catch and name it:
 *   1  writes the element just past the output (caller buffer, overrun);
 *   2  reads the element just before the input (caller buffer, underrun);
 *   3  writes 64 bytes past the start of the 24-byte weight (instance
 *      tensor; guard pages follow it at the next 64-byte boundary);
 *   4  writes the byte after a 16-byte kernel temporary (nnc_host_alloc).
 * With NNC_FIXTURE_FAULT = 0 (or undefined) the kernel is correct.
 *
 *===----------------------------------------------------------------------===*/
#include "Memref.h"
#include "nnc/ModelDesc.h"

#include <stddef.h>

#ifndef NNC_FIXTURE_FAULT
#define NNC_FIXTURE_FAULT 0
#endif

/* The shim's kernel heap (lib/ModelRT/HostAlloc.c), hidden in the model. */
void *nnc_host_alloc(size_t bytes);
void nnc_host_free(void *ptr);

enum { X, W, OUT };

/* args: x, w, out */
void nnc_kernel_predict(void **args) {
  int64_t n = argSize(args, 0, 0);
  const float *x = argF32(args, 0);
  float *w = argF32(args, 1), *out = argF32(args, 2);
  volatile float sink = 0;
  for (int64_t r = 0; r < n; ++r)
    for (int o = 0; o < 2; ++o) {
      float acc = 0;
      for (int k = 0; k < 3; ++k)
        acc += w[o * 3 + k] * x[r * 3 + k];
      out[r * 2 + o] = acc;
    }
  switch (NNC_FIXTURE_FAULT) {
  case 1:
    out[n * 2] = 0;
    break;
  case 2:
    sink = x[-1];
    break;
  case 3:
    ((volatile float *)w)[16] = 0;
    break;
  case 4: {
    volatile char *t = nnc_host_alloc(16);
    t[16] = 0;
    nnc_host_free((void *)t);
    break;
  }
  }
  (void)sink;
}

static const nnc_tensor_desc_t tensors[] = {
    {"x", NNC_ROLE_INPUT, NNC_DESC_F32, 2, {-1, 3}, NNC_INIT_NONE, 0, -1, 0},
    {"fc.weight",
     NNC_ROLE_PARAM,
     NNC_DESC_F32,
     2,
     {2, 3},
     NNC_INIT_HE,
     0,
     -1,
     0},
    {"out", NNC_ROLE_OUTPUT, NNC_DESC_F32, 2, {-1, 2}, NNC_INIT_NONE, 0, -1, 0},
};

static const int32_t predictArgs[] = {X, W, OUT};

const nnc_model_desc_t nnc_model_desc = {
    NNC_DESC_VERSION,
    "Faulty",
    sizeof(tensors) / sizeof(tensors[0]),
    tensors,
    {nnc_kernel_predict, 3, predictArgs},
    {0, 0, 0},
    {0, 0, 0},
    {0, 0, 0},
    NNC_OPT_NONE,
    0.0f,
    "{}",
    NNC_TARGET_CPU,
};
