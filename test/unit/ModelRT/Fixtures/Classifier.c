/*===- test/unit/ModelRT/Fixtures/Classifier.c - second fixture ---*- C -*-===*
 *
 * The model "Classifier": logits = x W^T + b with x f32[N, 4], W f32[3, 4]
 * (xavier), b f32[3] (normal 0.1), cross-entropy against class indices
 * y i32[N], SGD with momentum 0.9 (PyTorch: the buffer starts at the first
 * gradient). Its fused train_step also writes the logits, updates a running
 * mean of x (buffer, 0.9/0.1) and records the step and seed it was given in
 * the i64 buffer "trace". It has no separate grads/apply entries, and carries
 * unused parameters with every initialiser for the statistics tests.
 *
 *===----------------------------------------------------------------------===*/
#include "Memref.h"
#include "nnc/ModelDesc.h"

#include <math.h>

enum { X, Y, LOGITS, LOSS, W, B, RMEAN, TRACE, MW, MB, GW, GB };

/* args: x, w, b, logits */
void nnc_kernel_predict(void **args) {
  int64_t n = argSize(args, 0, 0);
  const float *x = argF32(args, 0), *w = argF32(args, 1), *b = argF32(args, 2);
  float *out = argF32(args, 3);
  for (int64_t r = 0; r < n; ++r)
    for (int o = 0; o < 3; ++o) {
      float acc = b[o];
      for (int k = 0; k < 4; ++k)
        acc += w[o * 4 + k] * x[r * 4 + k];
      out[r * 3 + o] = acc;
    }
}

static void momentum(float *p, float *buf, const float *g, int n, float lr,
                     int64_t step) {
  for (int i = 0; i < n; ++i) {
    buf[i] = step == 1 ? g[i] : 0.9f * buf[i] + g[i];
    p[i] -= lr * buf[i];
  }
}

/* args: x, y, w, b, rmean, trace, mw, mb, gw, gb, logits, loss, lr, step,
 * seed */
void nnc_kernel_train_step(void **args) {
  int64_t n = argSize(args, 0, 0);
  const float *x = argF32(args, 0);
  const int32_t *y = argI32(args, 1);
  float *w = argF32(args, 2), *b = argF32(args, 3), *rmean = argF32(args, 4);
  int64_t *trace = argI64(args, 5);
  float *mw = argF32(args, 6), *mb = argF32(args, 7);
  float *gw = argF32(args, 8), *gb = argF32(args, 9);
  float *logits = argF32(args, 10), *loss = argF32(args, 11);
  float lr = *argF32(args, 12);
  int64_t step = *argI64(args, 13), seed = *argI64(args, 14);

  void *fwd[] = {args[0], args[2], args[3], args[10]};
  nnc_kernel_predict(fwd);
  for (int i = 0; i < 12; ++i)
    gw[i] = 0;
  for (int i = 0; i < 3; ++i)
    gb[i] = 0;
  float total = 0;
  for (int64_t r = 0; r < n; ++r) {
    const float *l = logits + r * 3;
    float mx = fmaxf(l[0], fmaxf(l[1], l[2]));
    float e[3], sum = 0;
    for (int o = 0; o < 3; ++o)
      sum += e[o] = expf(l[o] - mx);
    total += logf(sum) + mx - l[y[r]];
    for (int o = 0; o < 3; ++o) {
      float g = (e[o] / sum - (o == y[r] ? 1.0f : 0.0f)) / (float)n;
      gb[o] += g;
      for (int k = 0; k < 4; ++k)
        gw[o * 4 + k] += g * x[r * 4 + k];
    }
  }
  *loss = total / (float)n;
  for (int k = 0; k < 4; ++k) {
    float mean = 0;
    for (int64_t r = 0; r < n; ++r)
      mean += x[r * 4 + k];
    rmean[k] = 0.9f * rmean[k] + 0.1f * (mean / (float)n);
  }
  momentum(w, mw, gw, 12, lr, step);
  momentum(b, mb, gb, 3, lr, step);
  trace[0] = step;
  trace[1] = seed;
}

#define F32 NNC_DESC_F32
static const nnc_tensor_desc_t tensors[] = {
    {"x", NNC_ROLE_INPUT, F32, 2, {-1, 4}, NNC_INIT_NONE, 0, -1},
    {"y", NNC_ROLE_LABEL, NNC_DESC_I32, 1, {-1}, NNC_INIT_NONE, 0, -1, 3},
    {"logits", NNC_ROLE_OUTPUT, F32, 2, {-1, 3}, NNC_INIT_NONE, 0, -1},
    {"loss", NNC_ROLE_LOSS, F32, 0, {0}, NNC_INIT_NONE, 0, -1},
    {"fc.weight", NNC_ROLE_PARAM, F32, 2, {3, 4}, NNC_INIT_XAVIER, 0, -1},
    {"fc.bias", NNC_ROLE_PARAM, F32, 1, {3}, NNC_INIT_NORMAL, 0.1f, -1},
    {"stats.running_mean", NNC_ROLE_BUFFER, F32, 1, {4}, NNC_INIT_ZEROS, 0, -1},
    {"trace", NNC_ROLE_BUFFER, NNC_DESC_I64, 1, {2}, NNC_INIT_ZEROS, 0, -1},
    {"optimizer.fc.weight.momentum_buffer",
     NNC_ROLE_STATE,
     F32,
     2,
     {3, 4},
     NNC_INIT_NONE,
     0,
     W},
    {"optimizer.fc.bias.momentum_buffer",
     NNC_ROLE_STATE,
     F32,
     1,
     {3},
     NNC_INIT_NONE,
     0,
     B},
    {"fc.weight.grad", NNC_ROLE_GRAD, F32, 2, {3, 4}, NNC_INIT_NONE, 0, W},
    {"fc.bias.grad", NNC_ROLE_GRAD, F32, 1, {3}, NNC_INIT_NONE, 0, B},
    /* Unused by the kernels: one tensor per initialiser, for statistics. */
    {"init.he", NNC_ROLE_PARAM, F32, 4, {64, 32, 3, 3}, NNC_INIT_HE, 0, -1},
    {"init.xavier", NNC_ROLE_PARAM, F32, 2, {128, 64}, NNC_INIT_XAVIER, 0, -1},
    {"init.normal", NNC_ROLE_PARAM, F32, 1, {20001}, NNC_INIT_NORMAL, 0.5f, -1},
    {"init.uniform",
     NNC_ROLE_PARAM,
     F32,
     2,
     {100, 100},
     NNC_INIT_UNIFORM,
     0.25f,
     -1},
    {"init.ones", NNC_ROLE_BUFFER, F32, 1, {7}, NNC_INIT_ONES, 0, -1},
};

static const int32_t predictArgs[] = {X, W, B, LOGITS};
static const int32_t trainArgs[] = {
    X,  Y,  W,      B,    RMEAN,      TRACE,        MW,          MB,
    GW, GB, LOGITS, LOSS, NNC_ARG_LR, NNC_ARG_STEP, NNC_ARG_SEED};

const nnc_model_desc_t nnc_model_desc = {
    NNC_DESC_VERSION,
    "Classifier",
    sizeof(tensors) / sizeof(tensors[0]),
    tensors,
    {nnc_kernel_predict, 4, predictArgs},
    {nnc_kernel_train_step, 15, trainArgs},
    {0, 0, 0},
    {0, 0, 0},
    NNC_OPT_MOMENTUM,
    0.1f,
    "{\"batch\": 8}",
};
