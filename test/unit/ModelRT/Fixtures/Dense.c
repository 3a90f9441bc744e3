/*===- test/unit/ModelRT/Fixtures/Dense.c - tiny fixture model ----*- C -*-===*
 *
 * The model "Dense": out = x W^T + b with x f32[N, 3], W f32[2, 3] (he),
 * b f32[2] (uniform 0.5), an MSE loss against y f32[N, 2] averaged over all
 * N*2 elements, and plain SGD. Kernels and descriptor are written by hand in
 * the shape the compiler emits, so the shim is tested without the compiler.
 * Built with NNC_FIXTURE_INFER_ONLY it becomes "DenseInfer", a model with a
 * predict entry only (no train section). Built with NNC_FIXTURE_OOM, its
 * train_step and grads kernels take temporaries from the shim's allocator
 * as generated kernels do, and at batch 3 ask for one no machine has, after
 * writing part of their results: the shim must undo those writes.
 *
 *===----------------------------------------------------------------------===*/
#include "Memref.h"
#include "nnc/ModelDesc.h"

#include <string.h>

enum { X, Y, OUT, LOSS, W, B, GW, GB };

/* Reads x through its strides, as generated code would. */
static float xAt(void **args, int i, int64_t n, int64_t k) {
  return argF32(args,
                i)[n * argStride(args, i, 2, 0) + k * argStride(args, i, 2, 1)];
}

static void forward(void **args, int ix, int iw, int ib, int iout) {
  int64_t n = argSize(args, ix, 0);
  float *w = argF32(args, iw), *b = argF32(args, ib), *out = argF32(args, iout);
  for (int64_t r = 0; r < n; ++r)
    for (int o = 0; o < 2; ++o) {
      float acc = b[o];
      for (int k = 0; k < 3; ++k)
        acc += w[o * 3 + k] * xAt(args, ix, r, k);
      out[r * 2 + o] = acc;
    }
}

/* args: x, w, b, out */
void nnc_kernel_predict(void **args) { forward(args, 0, 1, 2, 3); }

#ifdef NNC_FIXTURE_OOM
/* The shim's kernel allocator (lib/ModelRT/HostAlloc.c), hidden in the
 * model.so as the kernels' renamed malloc/free are. */
void *nnc_host_alloc(size_t bytes);
void nnc_host_free(void *ptr);

/* A temporary for `rows` rows; 2^62 bytes at batch 3. */
static void *temporary(int64_t rows) {
  return nnc_host_alloc(rows == 3 ? (size_t)1 << 62 : (size_t)rows * 64);
}
#endif

#ifndef NNC_FIXTURE_INFER_ONLY
/* Forward + MSE + backward; returns the loss. */
static float gradients(void **args, int ix, int iy, int iw, int ib, int igw,
                       int igb) {
  int64_t n = argSize(args, ix, 0);
  float *y = argF32(args, iy), *w = argF32(args, iw), *b = argF32(args, ib);
  float *gw = argF32(args, igw), *gb = argF32(args, igb);
  memset(gw, 0, 6 * sizeof(float));
  memset(gb, 0, 2 * sizeof(float));
  float loss = 0;
  for (int64_t r = 0; r < n; ++r)
    for (int o = 0; o < 2; ++o) {
      float acc = b[o];
      for (int k = 0; k < 3; ++k)
        acc += w[o * 3 + k] * xAt(args, ix, r, k);
      float d = acc - y[r * 2 + o];
      loss += d * d;
      float g = 2 * d / (float)(n * 2);
      gb[o] += g;
      for (int k = 0; k < 3; ++k)
        gw[o * 3 + k] += g * xAt(args, ix, r, k);
    }
  return loss / (float)(n * 2);
}

static void sgd(float *p, const float *g, int n, float lr) {
  for (int i = 0; i < n; ++i)
    p[i] -= lr * g[i];
}

/* args: x, y, w, b, loss, gw, gb */
void nnc_kernel_grads(void **args) {
#ifdef NNC_FIXTURE_OOM
  void *held = nnc_host_alloc(256); /* live when the failure comes */
  *argF32(args, 4) = gradients(args, 0, 1, 2, 3, 5, 6);
  nnc_host_free(temporary(argSize(args, 0, 0)));
  nnc_host_free(held);
#else
  *argF32(args, 4) = gradients(args, 0, 1, 2, 3, 5, 6);
#endif
}

/* args: w, b, gw, gb, lr */
void nnc_kernel_apply(void **args) {
  float lr = *argF32(args, 4);
  sgd(argF32(args, 0), argF32(args, 2), 6, lr);
  sgd(argF32(args, 1), argF32(args, 3), 2, lr);
}

/* args: x, y, w, b, gw, gb, loss, lr (f64 hyperparameter 0), step,
 * weight_decay (f64 hyperparameter 1): g += weight_decay * p first. */
void nnc_kernel_train_step(void **args) {
#ifdef NNC_FIXTURE_OOM
  void *held = nnc_host_alloc(256); /* live when the failure comes */
#endif
  *argF32(args, 6) = gradients(args, 0, 1, 2, 3, 4, 5);
  float lr = (float)*(double *)argF32(args, 7);
  float wd = (float)*(double *)argF32(args, 9);
  for (int k = 0; k < 2; ++k) {
    float *p = argF32(args, 2 + k), *g = argF32(args, 4 + k);
    for (int i = 0; i < (k ? 2 : 6); ++i)
      g[i] += wd * p[i];
  }
  sgd(argF32(args, 2), argF32(args, 4), 6, lr);
#ifdef NNC_FIXTURE_OOM
  nnc_host_free(temporary(argSize(args, 0, 0))); /* w is already updated */
  nnc_host_free(held);
#endif
  sgd(argF32(args, 3), argF32(args, 5), 2, lr);
}
#endif

static const nnc_tensor_desc_t tensors[] = {
    {"x", NNC_ROLE_INPUT, NNC_DESC_F32, 2, {-1, 3}, NNC_INIT_NONE, 0, -1},
    {"y", NNC_ROLE_LABEL, NNC_DESC_F32, 2, {-1, 2}, NNC_INIT_NONE, 0, -1},
    {"out", NNC_ROLE_OUTPUT, NNC_DESC_F32, 2, {-1, 2}, NNC_INIT_NONE, 0, -1},
    {"loss", NNC_ROLE_LOSS, NNC_DESC_F32, 0, {0}, NNC_INIT_NONE, 0, -1},
    {"fc.weight", NNC_ROLE_PARAM, NNC_DESC_F32, 2, {2, 3}, NNC_INIT_HE, 0, -1},
    {"fc.bias",
     NNC_ROLE_PARAM,
     NNC_DESC_F32,
     1,
     {2},
     NNC_INIT_UNIFORM,
     0.5f,
     -1},
    {"fc.weight.grad",
     NNC_ROLE_GRAD,
     NNC_DESC_F32,
     2,
     {2, 3},
     NNC_INIT_NONE,
     0,
     W},
    {"fc.bias.grad", NNC_ROLE_GRAD, NNC_DESC_F32, 1, {2}, NNC_INIT_NONE, 0, B},
};

static const int32_t predictArgs[] = {X, W, B, OUT};
#ifndef NNC_FIXTURE_INFER_ONLY
static const int32_t gradsArgs[] = {X, Y, W, B, LOSS, GW, GB};
static const int32_t applyArgs[] = {W, B, GW, GB, NNC_ARG_LR};
static const int32_t trainArgs[] = {
    X, Y, W, B, GW, GB, LOSS, NNC_ARG_HYPER(0), NNC_ARG_STEP, NNC_ARG_HYPER(1)};
/* The train step reads them as f64 (NNC_ARG_HYPER); apply reads the learning
 * rate through the f32 NNC_ARG_LR slot. */
static const nnc_hyper_desc_t hypers[] = {
    {"lr", 0.05, NNC_HYPER_NONNEG},
    {"weight_decay", 0.0, NNC_HYPER_NONNEG},
};
#endif

const nnc_model_desc_t nnc_model_desc = {
    NNC_DESC_VERSION,
#ifdef NNC_FIXTURE_INFER_ONLY
    "DenseInfer",
    sizeof(tensors) / sizeof(tensors[0]) - 2, /* no gradients */
    tensors,
    {nnc_kernel_predict, 4, predictArgs},
    {0, 0, 0},
    {0, 0, 0},
    {0, 0, 0},
    NNC_OPT_NONE,
    0.0f,
    "{}",
#else
    "Dense",
    sizeof(tensors) / sizeof(tensors[0]),
    tensors,
    {nnc_kernel_predict, 4, predictArgs},
    {nnc_kernel_train_step, 10, trainArgs},
    {nnc_kernel_grads, 7, gradsArgs},
    {nnc_kernel_apply, 5, applyArgs},
    NNC_OPT_SGD,
    0.05f,
    "{\"batch\": 4, \"epochs\": 3, \"optimizer\": {\"kind\": \"sgd\", "
    "\"lr\": 0.05}}",
    NNC_TARGET_CPU,
    {0, 0, 0},
    2,
    hypers,
#endif
};
