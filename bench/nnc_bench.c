/*===- bench/nnc_bench.c - Times a compiled nnc model ---------------*- C
 *-*-===*
 *
 * nnc-bench loads a model.so with dlopen (through its public C ABI only),
 * creates an instance from a seed, saves its initial parameters as a
 * safetensors checkpoint (so that PyTorch can load the same weights),
 * generates deterministic inputs (and labels) for one batch and writes them
 * as .npy files, then runs either predict or train_step (with the model's
 * default learning rate) for W warm-up and N timed calls and reports the
 * median, best and mean time per call. For checking against PyTorch it
 * writes the predict outputs, or the losses of the first K training steps
 * and a checkpoint of the parameters after them. The file layout of the
 * output directory is described in bench/README.md. Exit codes: 0 success,
 * 1 error, 2 usage, 3 the model has no such entry point (callers skip it).
 * With --profile it sets NNC_PROFILE=1 before loading the model, so that the
 * model prints its per-loop profile to stderr at exit (docs/performance.md);
 * the profile counts every call, the checks and warm-up included. With
 * --report-workspace it sets NNC_REPORT_WORKSPACE=1, so that the model
 * prints at exit, per entry point, the most bytes of kernel temporaries one
 * call had live (the allocator's count, docs/runtime.md). --threads
 * N creates the instance with N threads (default: the model's default,
 * NNC_NUM_THREADS or every core of the affinity mask).
 *
 *===----------------------------------------------------------------------===*/
#define _POSIX_C_SOURCE 200809L
#include "nnc-c/model.h"

#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

/* Exit code when the model lacks the requested entry point. */
#define EXIT_NO_ENTRY 3

/* The functions of the model ABI this program uses, resolved by dlsym. */
typedef struct {
  void *handle;
  __typeof__(&nnc_model_name) name;
  __typeof__(&nnc_model_has_entry) hasEntry;
  __typeof__(&nnc_model_default_learning_rate) defaultLr;
  __typeof__(&nnc_model_tensor_count) tensorCount;
  __typeof__(&nnc_model_tensor_info) tensorInfo;
  __typeof__(&nnc_model_tensor_byte_size) byteSize;
  __typeof__(&nnc_model_create) create;
  /* NULL in a model.so built before threads existed. */
  __typeof__(&nnc_model_create_with_options) createWithOptions;
  __typeof__(&nnc_model_num_threads) numThreads;
  __typeof__(&nnc_model_destroy) destroy;
  __typeof__(&nnc_model_save) save;
  __typeof__(&nnc_model_predict) predict;
  __typeof__(&nnc_model_train_step) trainStep;
  __typeof__(&nnc_status_message) statusMessage;
  __typeof__(&nnc_status_free) statusFree;
} Api;

/* Command-line options. */
typedef struct {
  const char *modelPath;
  const char *outDir;
  int train;                   /* 0: predict, 1: train_step */
  long long batch;             /* items per call */
  unsigned long long seed;     /* instance seed (parameters) */
  unsigned long long dataSeed; /* inputs and labels */
  int warmup, iters, checkSteps;
  long long classes;   /* label range for integer labels; 0: infer */
  double lr;           /* < 0: the model's default */
  int profile;         /* 1: NNC_PROFILE=1 for the model */
  int threads;         /* 0: the model's default */
  int reportWorkspace; /* 1: NNC_REPORT_WORKSPACE=1 for the model */
} Options;

/* The caller-side buffers of one kind (inputs, labels or outputs). */
typedef struct {
  int32_t count;
  nnc_tensor_info_t *info;
  void **data;
  size_t *size;
} Buffers;

static int resolve(Api *api, const char *path) {
  /* dlopen searches the library path for a name without a slash. */
  char local[4096];
  if (!strchr(path, '/') && strlen(path) + 3 <= sizeof local) {
    snprintf(local, sizeof local, "./%s", path);
    path = local;
  }
  api->handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (!api->handle) {
    fprintf(stderr, "nnc-bench: cannot load '%s': %s\n", path, dlerror());
    return 0;
  }
  struct {
    void **slot;
    const char *name;
  } fns[] = {
      {(void **)&api->name, "nnc_model_name"},
      {(void **)&api->hasEntry, "nnc_model_has_entry"},
      {(void **)&api->defaultLr, "nnc_model_default_learning_rate"},
      {(void **)&api->tensorCount, "nnc_model_tensor_count"},
      {(void **)&api->tensorInfo, "nnc_model_tensor_info"},
      {(void **)&api->byteSize, "nnc_model_tensor_byte_size"},
      {(void **)&api->create, "nnc_model_create"},
      {(void **)&api->destroy, "nnc_model_destroy"},
      {(void **)&api->save, "nnc_model_save"},
      {(void **)&api->predict, "nnc_model_predict"},
      {(void **)&api->trainStep, "nnc_model_train_step"},
      {(void **)&api->statusMessage, "nnc_status_message"},
      {(void **)&api->statusFree, "nnc_status_free"},
  };
  for (size_t i = 0; i < sizeof(fns) / sizeof(fns[0]); ++i) {
    *fns[i].slot = dlsym(api->handle, fns[i].name);
    if (!*fns[i].slot) {
      fprintf(stderr, "nnc-bench: '%s' is not an nnc model (no %s)\n", path,
              fns[i].name);
      return 0;
    }
  }
  *(void **)&api->createWithOptions =
      dlsym(api->handle, "nnc_model_create_with_options");
  *(void **)&api->numThreads = dlsym(api->handle, "nnc_model_num_threads");
  return 1;
}

/* Prints and frees a failed status; returns 1 when `s` was success. */
static int ok(const Api *api, nnc_status_t s, const char *what) {
  if (!s)
    return 1;
  fprintf(stderr, "nnc-bench: %s: %s\n", what, api->statusMessage(s));
  api->statusFree(s);
  return 0;
}

/* splitmix64, as the model ABI uses for initialisation. */
static unsigned long long nextRandom(unsigned long long *state) {
  unsigned long long z = (*state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

/* FNV-1a-64 of a name: each generated tensor has its own stream. */
static unsigned long long fnv1a(const char *s) {
  unsigned long long h = 0xCBF29CE484222325ULL;
  for (; *s; ++s)
    h = (h ^ (unsigned char)*s) * 0x100000001B3ULL;
  return h;
}

/* Fills a tensor deterministically: f32 uniform in [0, 1); integers
 * uniform in [0, classes). */
static void fill(const nnc_tensor_info_t *info, void *data, size_t size,
                 unsigned long long seed, long long classes) {
  unsigned long long state = seed ^ fnv1a(info->name);
  if (info->dtype == NNC_DTYPE_F32) {
    float *v = data;
    for (size_t i = 0; i < size / sizeof(float); ++i)
      v[i] = (float)((nextRandom(&state) >> 11) * 0x1.0p-53);
  } else if (info->dtype == NNC_DTYPE_I32) {
    int32_t *v = data;
    for (size_t i = 0; i < size / sizeof(int32_t); ++i)
      v[i] = (int32_t)(nextRandom(&state) % (unsigned long long)classes);
  } else {
    int64_t *v = data;
    for (size_t i = 0; i < size / sizeof(int64_t); ++i)
      v[i] = (int64_t)(nextRandom(&state) % (unsigned long long)classes);
  }
}

/* Writes a little-endian C-order .npy file (format version 1.0). */
static int writeNpy(const char *path, nnc_dtype_t dtype, int rank,
                    const int64_t *dims, const void *data, size_t size) {
  static const char *descr[] = {"<f4", "<i4", "<i8"};
  char shape[256] = "", header[512];
  size_t at = 0;
  for (int d = 0; d < rank; ++d)
    at += (size_t)snprintf(shape + at, sizeof shape - at, "%lld,%s",
                           (long long)dims[d], d + 1 < rank ? " " : "");
  if (rank > 1) /* "(2,)" for rank 1, "(2, 3)" otherwise */
    shape[at - 1] = '\0';
  int n = snprintf(header, sizeof header,
                   "{'descr': '%s', 'fortran_order': False, 'shape': (%s), }",
                   descr[dtype], shape);
  int total = 10 + n + 1, pad = (64 - total % 64) % 64;
  memset(header + n, ' ', (size_t)pad);
  header[n + pad] = '\n';
  unsigned short len = (unsigned short)(n + pad + 1);
  FILE *f = fopen(path, "wb");
  if (!f) {
    fprintf(stderr, "nnc-bench: cannot write '%s': %s\n", path,
            strerror(errno));
    return 0;
  }
  unsigned char magic[10] = {0x93,
                             'N',
                             'U',
                             'M',
                             'P',
                             'Y',
                             1,
                             0,
                             (unsigned char)(len & 0xff),
                             (unsigned char)(len >> 8)};
  int good = fwrite(magic, 1, 10, f) == 10 &&
             fwrite(header, 1, len, f) == len &&
             fwrite(data, 1, size, f) == size;
  good = fclose(f) == 0 && good;
  if (!good)
    fprintf(stderr, "nnc-bench: error writing '%s'\n", path);
  return good;
}

/* Joins the output directory and a file name into a static buffer. */
static const char *outPath(const Options *o, const char *prefix,
                           const char *name, const char *ext) {
  static char path[4096];
  snprintf(path, sizeof path, "%s/%s%s%s", o->outDir, prefix, name, ext);
  return path;
}

/* Writes a tensor of `b` with the batch dimension set to `batch`. */
static int writeBuffer(const Options *o, const Buffers *b, int32_t i,
                       const char *prefix) {
  nnc_tensor_info_t *info = &b->info[i];
  int64_t dims[NNC_MAX_DIMS];
  for (int d = 0; d < info->rank; ++d)
    dims[d] = info->dims[d] < 0 ? o->batch : info->dims[d];
  return writeNpy(outPath(o, prefix, info->name, ".npy"), info->dtype,
                  info->rank, dims, b->data[i], b->size[i]);
}

/* Allocates (64-byte aligned) the buffers of one kind for `batch` items. */
static int allocate(const Api *api, nnc_tensor_kind_t kind, long long batch,
                    Buffers *b) {
  b->count = api->tensorCount(kind);
  size_t n = b->count > 0 ? (size_t)b->count : 1;
  b->info = calloc(n, sizeof *b->info);
  b->data = calloc(n, sizeof *b->data);
  b->size = calloc(n, sizeof *b->size);
  if (!b->info || !b->data || !b->size)
    return 0;
  for (int32_t i = 0; i < b->count; ++i) {
    if (!ok(api, api->tensorInfo(kind, i, &b->info[i]), "tensor info") ||
        !ok(api, api->byteSize(kind, i, batch, &b->size[i]), "byte size"))
      return 0;
    size_t rounded = (b->size[i] + 63) / 64 * 64;
    if (posix_memalign(&b->data[i], 64, rounded ? rounded : 64) != 0)
      return 0;
    memset(b->data[i], 0, rounded ? rounded : 64);
  }
  return 1;
}

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static int compareDoubles(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* Everything one run needs. */
typedef struct {
  const Api *api;
  const Options *o;
  nnc_model_t *model;
  Buffers in, lab, out;
  nnc_const_buffer_t *inArgs, *labArgs;
  nnc_buffer_t *outArgs;
  float lr;
} Run;

/* Frees the buffers of one kind (NULL-safe: a partial allocation too). */
static void freeBuffers(Buffers *b) {
  if (b->data)
    for (int32_t i = 0; i < b->count; ++i)
      free(b->data[i]);
  free(b->info);
  free(b->data);
  free(b->size);
}

/* Destroys the run's model and frees its buffers; returns `status`. */
static int finish(Run *r, int status) {
  if (r->model)
    r->api->destroy(r->model);
  freeBuffers(&r->in);
  freeBuffers(&r->lab);
  freeBuffers(&r->out);
  free(r->inArgs);
  free(r->labArgs);
  free(r->outArgs);
  return status;
}

/* One call of the benchmarked entry point; stores the loss in `*loss`. */
static int call(Run *r, float *loss) {
  if (!r->o->train)
    return ok(r->api,
              r->api->predict(r->model, r->o->batch, r->inArgs, r->in.count,
                              r->outArgs, r->out.count),
              "predict");
  return ok(r->api,
            r->api->trainStep(r->model, r->o->batch, r->inArgs, r->in.count,
                              r->labArgs, r->lab.count, r->lr, NULL, 0, loss),
            "train_step");
}

/* The checking part: predict outputs, or K losses and the parameters. */
static int writeCheck(Run *r) {
  const Options *o = r->o;
  float loss = 0;
  if (!o->train) {
    if (!call(r, &loss))
      return 0;
    for (int32_t i = 0; i < r->out.count; ++i)
      if (!writeBuffer(o, &r->out, i, "output."))
        return 0;
    return 1;
  }
  float *losses = calloc((size_t)o->checkSteps + 1, sizeof(float));
  int good = losses != NULL;
  for (int k = 0; good && k < o->checkSteps; ++k)
    good = call(r, &losses[k]);
  if (good) {
    int64_t dims[1] = {o->checkSteps};
    good = writeNpy(outPath(o, "losses", "", ".npy"), NNC_DTYPE_F32, 1, dims,
                    losses, (size_t)o->checkSteps * sizeof(float)) &&
           ok(r->api,
              r->api->save(r->model, outPath(o, "after", "", ".safetensors")),
              "save");
  }
  free(losses);
  return good;
}

/* Writes `"key": ["name", ...]` for the tensors of `b`. */
static void writeNames(FILE *f, const char *key, const Buffers *b) {
  fprintf(f, "\"%s\": [", key);
  for (int32_t i = 0; i < b->count; ++i)
    fprintf(f, "%s\"%s\"", i ? ", " : "", b->info[i].name);
  fprintf(f, "], ");
}

/* Runs W warm-up and N timed calls and reports the times. */
static int timeCalls(Run *r) {
  const Options *o = r->o;
  double *t = calloc((size_t)o->iters, sizeof(double)), sum = 0;
  float loss = 0;
  if (!t)
    return 0;
  for (int i = 0; i < o->warmup; ++i)
    if (!call(r, &loss))
      return free(t), 0;
  for (int i = 0; i < o->iters; ++i) {
    double start = now();
    if (!call(r, &loss))
      return free(t), 0;
    t[i] = 1e3 * (now() - start);
    sum += t[i];
  }
  qsort(t, (size_t)o->iters, sizeof(double), compareDoubles);
  double median = o->iters % 2 ? t[o->iters / 2]
                               : 0.5 * (t[o->iters / 2 - 1] + t[o->iters / 2]);
  const char *mode = o->train ? "train_step" : "predict";
  int threads = r->api->numThreads ? r->api->numThreads(r->model) : 1;
  char onThreads[32] = "";
  if (threads != 1)
    snprintf(onThreads, sizeof onThreads, " on %d threads", threads);
  printf("nnc-bench: %s %s batch %lld%s: median %.4f ms, best %.4f ms, mean "
         "%.4f ms (N=%d after %d warm-up)\n",
         r->api->name(), mode, o->batch, onThreads, median, t[0],
         sum / o->iters, o->iters, o->warmup);
  FILE *f = fopen(outPath(o, "nnc", "", ".json"), "w");
  if (f) {
    fprintf(f, "{");
    writeNames(f, "inputs", &r->in);
    writeNames(f, "labels", &r->lab);
    writeNames(f, "outputs", &r->out);
    fprintf(f,
            "\"model\": \"%s\", \"mode\": \"%s\", \"batch\": %lld, "
            "\"threads\": %d, \"warmup\": %d, \"iters\": %d, \"lr\": %.9g, "
            "\"median_ms\": %.6f, \"best_ms\": %.6f, \"mean_ms\": %.6f}\n",
            r->api->name(), mode, o->batch, threads, o->warmup, o->iters, r->lr,
            median, t[0], sum / o->iters);
    fclose(f);
  }
  free(t);
  return f != NULL;
}

static void usage(const char *argv0) {
  fprintf(stderr,
          "usage: %s MODEL.so OUT_DIR [--train] [--batch B] [--seed S]\n"
          "       [--data-seed S] [--warmup W] [--iters N] [--check-steps K]\n"
          "       [--classes C] [--lr LR] [--profile] [--threads N]\n"
          "       [--report-workspace]\n",
          argv0);
}

static int parseArgs(int argc, char **argv, Options *o) {
  *o = (Options){NULL, NULL, 0, 32, 42, 1, 10, 100, 3, 0, -1.0, 0, 0, 0};
  for (int i = 1; i < argc; ++i) {
    const char *a = argv[i];
    int hasValue = i + 1 < argc;
    if (strcmp(a, "--train") == 0)
      o->train = 1;
    else if (strcmp(a, "--profile") == 0)
      o->profile = 1;
    else if (strcmp(a, "--report-workspace") == 0)
      o->reportWorkspace = 1;
    else if (strcmp(a, "--batch") == 0 && hasValue)
      o->batch = atoll(argv[++i]);
    else if (strcmp(a, "--seed") == 0 && hasValue)
      o->seed = strtoull(argv[++i], NULL, 10);
    else if (strcmp(a, "--data-seed") == 0 && hasValue)
      o->dataSeed = strtoull(argv[++i], NULL, 10);
    else if (strcmp(a, "--warmup") == 0 && hasValue)
      o->warmup = atoi(argv[++i]);
    else if (strcmp(a, "--iters") == 0 && hasValue)
      o->iters = atoi(argv[++i]);
    else if (strcmp(a, "--check-steps") == 0 && hasValue)
      o->checkSteps = atoi(argv[++i]);
    else if (strcmp(a, "--classes") == 0 && hasValue)
      o->classes = atoll(argv[++i]);
    else if (strcmp(a, "--lr") == 0 && hasValue)
      o->lr = atof(argv[++i]);
    else if (strcmp(a, "--threads") == 0 && hasValue)
      o->threads = atoi(argv[++i]);
    else if (a[0] == '-')
      return 0;
    else if (!o->modelPath)
      o->modelPath = a;
    else if (!o->outDir)
      o->outDir = a;
    else
      return 0;
  }
  return o->modelPath && o->outDir && o->batch >= 1 && o->warmup >= 0 &&
         o->iters >= 1 && o->checkSteps >= 1 && o->classes >= 0 &&
         o->threads >= 0 && o->threads <= NNC_MAX_THREADS;
}

int main(int argc, char **argv) {
  Options o;
  if (!parseArgs(argc, argv, &o))
    return usage(argv[0]), 2;
  if (mkdir(o.outDir, 0777) != 0 && errno != EEXIST) {
    fprintf(stderr, "nnc-bench: cannot create '%s': %s\n", o.outDir,
            strerror(errno));
    return 1;
  }
  /* The model reads NNC_PROFILE at its first kernel call. */
  if (o.profile)
    setenv("NNC_PROFILE", "1", 1);
  /* Read at the first kernel call too (lib/ModelRT/HostAlloc.c). */
  if (o.reportWorkspace)
    setenv("NNC_REPORT_WORKSPACE", "1", 1);
  Api api;
  if (!resolve(&api, o.modelPath))
    return 1;
  nnc_entry_t entry = o.train ? NNC_ENTRY_TRAIN_STEP : NNC_ENTRY_PREDICT;
  if (!api.hasEntry(entry)) {
    fprintf(stderr, "nnc-bench: model %s has no %s entry point\n", api.name(),
            o.train ? "train_step" : "predict");
    return EXIT_NO_ENTRY;
  }
  Run r = {&api, &o, NULL, {0}, {0}, {0}, NULL, NULL, NULL, 0};
  r.lr = o.lr >= 0 ? (float)o.lr : api.defaultLr();
  if (!allocate(&api, NNC_KIND_INPUT, o.batch, &r.in) ||
      !allocate(&api, NNC_KIND_LABEL, o.batch, &r.lab) ||
      !allocate(&api, NNC_KIND_OUTPUT, o.batch, &r.out)) {
    fprintf(stderr, "nnc-bench: cannot allocate the buffers\n");
    return finish(&r, 1);
  }
  long long classes = o.classes;
  if (!classes && r.out.count > 0) /* class ids index the first output */
    classes = r.out.info[0].dims[r.out.info[0].rank - 1];
  if (classes < 1)
    classes = 1;
  r.inArgs = calloc((size_t)r.in.count + 1, sizeof *r.inArgs);
  r.labArgs = calloc((size_t)r.lab.count + 1, sizeof *r.labArgs);
  r.outArgs = calloc((size_t)r.out.count + 1, sizeof *r.outArgs);
  if (!r.inArgs || !r.labArgs || !r.outArgs)
    return finish(&r, 1);
  for (int32_t i = 0; i < r.in.count; ++i) {
    fill(&r.in.info[i], r.in.data[i], r.in.size[i], o.dataSeed, classes);
    r.inArgs[i] = (nnc_const_buffer_t){r.in.data[i], r.in.size[i]};
    if (!writeBuffer(&o, &r.in, i, "input."))
      return finish(&r, 1);
  }
  for (int32_t i = 0; i < r.lab.count; ++i) {
    fill(&r.lab.info[i], r.lab.data[i], r.lab.size[i], o.dataSeed, classes);
    r.labArgs[i] = (nnc_const_buffer_t){r.lab.data[i], r.lab.size[i]};
    if (o.train && !writeBuffer(&o, &r.lab, i, "label."))
      return finish(&r, 1);
  }
  for (int32_t i = 0; i < r.out.count; ++i)
    r.outArgs[i] = (nnc_buffer_t){r.out.data[i], r.out.size[i]};

  if (o.threads && !api.createWithOptions) {
    fprintf(stderr,
            "nnc-bench: --threads: model %s was built before "
            "nnc_model_create_with_options existed\n",
            api.name());
    return finish(&r, 1);
  }
  nnc_model_options_t options = {sizeof(options), o.threads};
  nnc_status_t created = api.createWithOptions
                             ? api.createWithOptions(o.seed, &options, &r.model)
                             : api.create(o.seed, &r.model);
  if (!ok(&api, created, "create") ||
      !ok(&api, api.save(r.model, outPath(&o, "params", "", ".safetensors")),
          "save"))
    return finish(&r, 1);
  int good = writeCheck(&r) && timeCalls(&r);
  return finish(&r, good ? 0 : 1);
}
