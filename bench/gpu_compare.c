/*===- gpu_compare.c - one model, CPU build vs CUDA build -----------------===*
 *
 * Loads the CPU and the CUDA model.so of one model (compiled elsewhere with
 * `nnc` and `nnc --target=cuda`), creates both from the same seed, and
 *  1. checks predict on the same deterministic inputs (rtol 1e-4 of the
 *     largest output magnitude),
 *  2. checks the gradients of one batch (compute_gradients, rtol 1e-4 of
 *     each gradient tensor's largest magnitude) and the losses of K training
 *     steps on the same batch (rtol 1e-4); parameters after the steps are
 *     printed for information (Adam amplifies rounding noise in gradients
 *     that are exactly zero in exact arithmetic),
 *  3. times predict and train_step on both (median of N calls after W
 *     warm-up calls) and prints the CPU/GPU ratio.
 * Needs only libc and the two libraries (the CUDA one loads libcuda.so.1 at
 * run time), so it runs on a GPU machine without nnc, LLVM or PyTorch.
 * Usage: gpu_compare CPU.so CUDA.so BATCH [STEPS] [ITERS]
 * Exit status: 0 equal, 1 mismatch, 2 usage, load or API error, 3 CUDA not
 * available (no driver or no device: the CUDA model cannot be created).
 *
 *===----------------------------------------------------------------------===*/
#define _POSIX_C_SOURCE 200809L
#include "nnc-c/model.h"

#include <dlfcn.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct {
  void *handle;
  const char *path;
  int32_t (*count)(nnc_tensor_kind_t);
  nnc_status_t (*info)(nnc_tensor_kind_t, int32_t, nnc_tensor_info_t *);
  nnc_status_t (*bytes)(nnc_tensor_kind_t, int32_t, int64_t, size_t *);
  nnc_status_t (*create)(uint64_t, nnc_model_t **);
  void (*destroy)(nnc_model_t *);
  nnc_status_t (*predict)(nnc_model_t *, int64_t, const nnc_const_buffer_t *,
                          int32_t, nnc_buffer_t *, int32_t);
  nnc_status_t (*train)(nnc_model_t *, int64_t, const nnc_const_buffer_t *,
                        int32_t, const nnc_const_buffer_t *, int32_t, float,
                        nnc_buffer_t *, int32_t, float *);
  nnc_status_t (*grads)(nnc_model_t *, int64_t, const nnc_const_buffer_t *,
                        int32_t, const nnc_const_buffer_t *, int32_t,
                        nnc_buffer_t *, int32_t, float *);
  nnc_status_t (*read)(const nnc_model_t *, nnc_tensor_kind_t, int32_t, void *,
                       size_t);
  int (*has)(nnc_entry_t);
  float (*lr)(void);
  const char *(*target)(void);
  const char *(*message)(nnc_status_t);
} Lib;

static void *need(Lib *l, const char *name) {
  void *f = dlsym(l->handle, name);
  if (!f) {
    fprintf(stderr, "%s: missing symbol %s\n", l->path, name);
    exit(2);
  }
  return f;
}

static void load(Lib *l, const char *path) {
  l->path = path;
  l->handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (!l->handle) {
    fprintf(stderr, "cannot load %s: %s\n", path, dlerror());
    exit(2);
  }
  *(void **)&l->count = need(l, "nnc_model_tensor_count");
  *(void **)&l->info = need(l, "nnc_model_tensor_info");
  *(void **)&l->bytes = need(l, "nnc_model_tensor_byte_size");
  *(void **)&l->create = need(l, "nnc_model_create");
  *(void **)&l->destroy = need(l, "nnc_model_destroy");
  *(void **)&l->predict = need(l, "nnc_model_predict");
  *(void **)&l->train = need(l, "nnc_model_train_step");
  *(void **)&l->read = need(l, "nnc_model_read_tensor");
  *(void **)&l->grads = need(l, "nnc_model_compute_gradients");
  *(void **)&l->has = need(l, "nnc_model_has_entry");
  *(void **)&l->lr = need(l, "nnc_model_default_learning_rate");
  *(void **)&l->target = need(l, "nnc_model_target");
  *(void **)&l->message = need(l, "nnc_status_message");
}

static void check(Lib *l, nnc_status_t s, const char *what) {
  if (s) {
    fprintf(stderr, "%s (%s): %s failed: %s\n", l->path, l->target(), what,
            l->message(s));
    exit(2);
  }
}

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int cmpd(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

/* Deterministic data: uniform [-1, 1) for f32, class ids for i32 (bounded by
 * the last dim of the first output when it is a classifier). */
static uint64_t rng = 0x9E3779B97F4A7C15ull;
static double next01(void) {
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return (rng >> 11) * (1.0 / 9007199254740992.0);
}

typedef struct {
  int32_t n;
  nnc_const_buffer_t buf[8];
  void *data[8];
} Buffers;

static void makeData(Lib *l, nnc_tensor_kind_t kind, int64_t batch,
                     int64_t classes, Buffers *b) {
  b->n = l->count(kind);
  for (int32_t i = 0; i < b->n && i < 8; ++i) {
    nnc_tensor_info_t info;
    size_t size;
    check(l, l->info(kind, i, &info), "tensor_info");
    check(l, l->bytes(kind, i, batch, &size), "tensor_byte_size");
    b->data[i] = malloc(size);
    if (info.dtype == NNC_DTYPE_I32) {
      int32_t *p = b->data[i];
      for (size_t k = 0; k < size / 4; ++k)
        p[k] = (int32_t)(next01() * classes);
    } else {
      float *p = b->data[i];
      for (size_t k = 0; k < size / 4; ++k)
        p[k] = kind == NNC_KIND_LABEL ? (float)(next01() < 0.5)
                                      : (float)(2 * next01() - 1);
    }
    b->buf[i].data = b->data[i];
    b->buf[i].size = size;
  }
}

static double maxAbs(const float *p, size_t n) {
  double m = 0;
  for (size_t i = 0; i < n; ++i)
    m = fmax(m, fabs(p[i]));
  return m;
}

/* Relative difference: max |a - b| / max(|a|, tiny). */
static double relDiff(const float *a, const float *b, size_t n) {
  double d = 0;
  for (size_t i = 0; i < n; ++i)
    d = fmax(d, fabs((double)a[i] - b[i]));
  return d / fmax(maxAbs(a, n), 1e-12);
}

static double timeCalls(Lib *l, nnc_model_t *m, int train, int64_t batch,
                        Buffers *in, Buffers *lab, nnc_buffer_t *out,
                        int32_t nout, int iters) {
  double *t = malloc(sizeof(double) * iters);
  for (int i = -3; i < iters; ++i) {
    double start = now();
    float loss;
    if (train)
      check(l,
            l->train(m, batch, in->buf, in->n, lab->buf, lab->n, 1e-4f, NULL, 0,
                     &loss),
            "train_step");
    else
      check(l, l->predict(m, batch, in->buf, in->n, out, nout), "predict");
    if (i >= 0)
      t[i] = now() - start;
  }
  qsort(t, iters, sizeof(double), cmpd);
  double median = t[iters / 2];
  free(t);
  return median;
}

int main(int argc, char **argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: %s CPU.so CUDA.so BATCH [STEPS] [ITERS]\n",
            argv[0]);
    return 2;
  }
  /* Line-buffered, so that the log interleaves with stderr in order. */
  setvbuf(stdout, NULL, _IOLBF, 0);
  Lib cpu, gpu;
  load(&cpu, argv[1]);
  load(&gpu, argv[2]);
  int64_t batch = atoll(argv[3]);
  int steps = argc > 4 ? atoi(argv[4]) : 3;
  int iters = argc > 5 ? atoi(argv[5]) : 50;
  printf("model %s: cpu=%s cuda=%s batch %lld\n", argv[1], cpu.target(),
         gpu.target(), (long long)batch);

  nnc_model_t *mc, *mg;
  check(&cpu, cpu.create(1, &mc), "create");
  nnc_status_t created = gpu.create(1, &mg);
  if (created) {
    fprintf(stderr, "%s: CUDA not available: %s\n", gpu.path,
            gpu.message(created));
    return 3;
  }

  /* Outputs and a class count for integer labels. */
  int32_t nout = cpu.count(NNC_KIND_OUTPUT);
  nnc_buffer_t oc[8], og[8];
  size_t osize[8];
  int64_t classes = 2;
  for (int32_t i = 0; i < nout && i < 8; ++i) {
    nnc_tensor_info_t info;
    check(&cpu, cpu.info(NNC_KIND_OUTPUT, i, &info), "tensor_info");
    if (i == 0 && info.rank >= 2)
      classes = info.dims[info.rank - 1];
    check(&cpu, cpu.bytes(NNC_KIND_OUTPUT, i, batch, &osize[i]), "byte_size");
    oc[i].data = malloc(osize[i]);
    oc[i].size = osize[i];
    og[i].data = malloc(osize[i]);
    og[i].size = osize[i];
  }
  Buffers in, lab;
  makeData(&cpu, NNC_KIND_INPUT, batch, classes, &in);
  makeData(&cpu, NNC_KIND_LABEL, batch, classes, &lab);

  int failed = 0;
  const double rtol = 1e-4;
  check(&cpu, cpu.predict(mc, batch, in.buf, in.n, oc, nout), "predict");
  check(&gpu, gpu.predict(mg, batch, in.buf, in.n, og, nout), "predict");
  for (int32_t i = 0; i < nout; ++i) {
    double d = relDiff(oc[i].data, og[i].data, osize[i] / 4);
    printf("  predict output %d: max rel diff %.2e %s\n", i, d,
           d <= rtol ? "ok" : "MISMATCH");
    failed |= d > rtol;
  }

  int trains = cpu.has(NNC_ENTRY_TRAIN_STEP) && gpu.has(NNC_ENTRY_TRAIN_STEP);
  if (cpu.has(NNC_ENTRY_GRADS) && gpu.has(NNC_ENTRY_GRADS)) {
    /* Gradients of one batch on fresh instances: the well-posed check of the
     * backward pass (each tensor against its largest magnitude). */
    nnc_model_t *gc, *gg;
    float lc, lg;
    check(&cpu, cpu.create(1, &gc), "create");
    check(&gpu, gpu.create(1, &gg), "create");
    check(&cpu,
          cpu.grads(gc, batch, in.buf, in.n, lab.buf, lab.n, NULL, 0, &lc),
          "compute_gradients");
    check(&gpu,
          gpu.grads(gg, batch, in.buf, in.n, lab.buf, lab.n, NULL, 0, &lg),
          "compute_gradients");
    double worst = 0;
    const char *worstName = "";
    for (int32_t i = 0; i < cpu.count(NNC_KIND_GRAD); ++i) {
      nnc_tensor_info_t info;
      size_t size;
      check(&cpu, cpu.info(NNC_KIND_GRAD, i, &info), "tensor_info");
      check(&cpu, cpu.bytes(NNC_KIND_GRAD, i, 1, &size), "byte_size");
      float *a = malloc(size), *b = malloc(size);
      check(&cpu, cpu.read(gc, NNC_KIND_GRAD, i, a, size), "read_tensor");
      check(&gpu, gpu.read(gg, NNC_KIND_GRAD, i, b, size), "read_tensor");
      double d = maxAbs(a, size / 4) > 1e-6 ? relDiff(a, b, size / 4) : 0;
      if (d > worst) {
        worst = d;
        worstName = info.name;
      }
      free(a);
      free(b);
    }
    printf("  gradients of %d tensors: worst max rel diff %.2e (%s) %s\n",
           cpu.count(NNC_KIND_GRAD), worst, worstName,
           worst <= rtol ? "ok" : "MISMATCH");
    failed |= worst > rtol;
    cpu.destroy(gc);
    gpu.destroy(gg);
  }
  if (trains) {
    float lr = cpu.lr() > 0 ? cpu.lr() : 0.01f;
    for (int s = 0; s < steps; ++s) {
      float lc, lg;
      check(
          &cpu,
          cpu.train(mc, batch, in.buf, in.n, lab.buf, lab.n, lr, NULL, 0, &lc),
          "train_step");
      check(
          &gpu,
          gpu.train(mg, batch, in.buf, in.n, lab.buf, lab.n, lr, NULL, 0, &lg),
          "train_step");
      double d = fabs((double)lc - lg) / fmax(fabs(lc), 1e-12);
      printf("  train step %d: loss cpu %.6f cuda %.6f rel diff %.2e %s\n",
             s + 1, lc, lg, d, d <= rtol ? "ok" : "MISMATCH");
      failed |= d > rtol;
    }
    for (int32_t i = 0; i < cpu.count(NNC_KIND_PARAM); ++i) {
      nnc_tensor_info_t info;
      size_t size;
      check(&cpu, cpu.info(NNC_KIND_PARAM, i, &info), "tensor_info");
      check(&cpu, cpu.bytes(NNC_KIND_PARAM, i, 1, &size), "byte_size");
      float *a = malloc(size), *b = malloc(size);
      check(&cpu, cpu.read(mc, NNC_KIND_PARAM, i, a, size), "read_tensor");
      check(&gpu, gpu.read(mg, NNC_KIND_PARAM, i, b, size), "read_tensor");
      /* Informative: Adam turns rounding noise in near-zero gradients
       * (e.g. a bias feeding batchnorm, whose exact gradient is 0) into full
       * steps, so parameters after several steps are not a well-posed
       * element-wise comparison; the gradients above are. */
      double d = relDiff(a, b, size / 4);
      if (d > rtol || i < 2)
        printf("  param %s after %d steps: max rel diff %.2e%s\n", info.name,
               steps, d, d <= rtol ? "" : " (informative)");
      free(a);
      free(b);
    }
  } else {
    printf("  (no train_step entry: training not compared)\n");
  }

  double pc = timeCalls(&cpu, mc, 0, batch, &in, &lab, oc, nout, iters);
  double pg = timeCalls(&gpu, mg, 0, batch, &in, &lab, og, nout, iters);
  printf(
      "  predict    median of %d: cpu %.3f ms  cuda %.3f ms  cpu/cuda %.2f\n",
      iters, pc * 1e3, pg * 1e3, pc / pg);
  if (trains) {
    double tc = timeCalls(&cpu, mc, 1, batch, &in, &lab, oc, nout, iters);
    double tg = timeCalls(&gpu, mg, 1, batch, &in, &lab, og, nout, iters);
    printf("  train_step median of %d: cpu %.3f ms  cuda %.3f ms  cpu/cuda "
           "%.2f\n",
           iters, tc * 1e3, tg * 1e3, tc / tg);
  }
  cpu.destroy(mc);
  gpu.destroy(mg);
  printf("  result: %s\n", failed ? "MISMATCH" : "equal within rtol 1e-4");
  return failed ? 1 : 0;
}
