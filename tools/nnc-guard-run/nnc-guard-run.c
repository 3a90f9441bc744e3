/*===- tools/nnc-guard-run/nnc-guard-run.c - Guard-page harness ---*- C -*-===*
 *
 * Runs every entry point of compiled models with every caller buffer placed
 * against an inaccessible page: `nnc-guard-run [--batch 1,3,17] model.so...`
 * dlopens each model.so, reads its tensors through the public C ABI only and,
 * for each batch size and for both placements (buffers ending at a guard
 * page, then starting right after one), creates an instance and calls
 * predict, compute_gradients (with and without output buffers),
 * apply_gradients, train_step (both ways), reads and writes every instance
 * tensor, and saves and loads a checkpoint. Before creating the instance it
 * sets NNC_GUARD_PAGES=end|start, so that the shim places the instance
 * tensors and the kernels' temporaries against guard pages the same way
 * (--no-shim-guard leaves it alone). Inputs get values in [-1, 1); i32
 * inputs and labels that the model bounds (class indices, embedding ids)
 * get i % bound, the bound read from the shim's refusal of an
 * out-of-range value. A status other than OK is reported and makes the exit
 * code 1; a fault is reported by GuardedBuffers.c and kills the process.
 * docs/guard-pages.md describes the whole check.
 *
 * `nnc-guard-run --hash [--threads T] [--seed S] model.so...` is the
 * determinism check instead (docs/abi.md, "Threads"; test/Threads): per
 * batch size it creates an instance with seed S (default 7) and T threads
 * (default: the model's, NNC_NUM_THREADS or every core), runs predict,
 * train_step twice, compute_gradients and apply_gradients on the same
 * inputs and labels, and prints the FNV-1a 64 hash of every output and the
 * bits of every loss, then the hash of every PARAM, BUFFER, GRAD and STATE
 * tensor. Runs with different thread counts must print the same lines
 * (those starting with '#' excepted). It shares the inputs, the learning of
 * index bounds and the entry calls with the guard check, not the shim's
 * guard mode (buffers still end at a guard page).
 *
 *===----------------------------------------------------------------------===*/
#define _POSIX_C_SOURCE 200809L
#include "GuardedBuffers.h"
#include "nnc-c/model.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The model ABI, resolved with dlsym. */
typedef struct {
  __typeof__(&nnc_model_name) name;
  __typeof__(&nnc_model_has_entry) hasEntry;
  __typeof__(&nnc_model_tensor_count) count;
  __typeof__(&nnc_model_tensor_info) info;
  __typeof__(&nnc_model_tensor_byte_size) byteSize;
  __typeof__(&nnc_model_create) create;
  /* NULL in a model.so built before threads existed. */
  __typeof__(&nnc_model_create_with_options) createWithOptions;
  __typeof__(&nnc_model_num_threads) numThreads;
  __typeof__(&nnc_model_destroy) destroy;
  __typeof__(&nnc_model_predict) predict;
  __typeof__(&nnc_model_train_step) trainStep;
  __typeof__(&nnc_model_compute_gradients) grads;
  __typeof__(&nnc_model_apply_gradients) apply;
  __typeof__(&nnc_model_read_tensor) read;
  __typeof__(&nnc_model_write_tensor) write;
  __typeof__(&nnc_model_save) save;
  __typeof__(&nnc_model_load) load;
  __typeof__(&nnc_model_default_learning_rate) lr;
  __typeof__(&nnc_status_code) code;
  __typeof__(&nnc_status_message) message;
  __typeof__(&nnc_status_free) statusFree;
} Api;

enum { MAX_TENSORS = 128 };

/* The model being run and the caller buffers of one batch. */
typedef struct {
  Api api;
  const char *path;
  int32_t numIn, numLab, numOut;
  nnc_tensor_info_t in[MAX_TENSORS], lab[MAX_TENSORS], out[MAX_TENSORS];
  int64_t inBound[MAX_TENSORS], labBound[MAX_TENSORS]; /* 0: none known */
  GuardedBuffer inBuf[MAX_TENSORS], labBuf[MAX_TENSORS], outBuf[MAX_TENSORS];
  nnc_const_buffer_t inArg[MAX_TENSORS], labArg[MAX_TENSORS];
  nnc_buffer_t outArg[MAX_TENSORS];
  int64_t batch;
  GuardPlacement placement;
  int failures;
  float loss; /* of the last training entry */
} Run;

static int resolveApi(Api *a, void *h) {
  struct {
    void **slot;
    const char *name;
  } fns[] = {
      {(void **)&a->name, "nnc_model_name"},
      {(void **)&a->hasEntry, "nnc_model_has_entry"},
      {(void **)&a->count, "nnc_model_tensor_count"},
      {(void **)&a->info, "nnc_model_tensor_info"},
      {(void **)&a->byteSize, "nnc_model_tensor_byte_size"},
      {(void **)&a->create, "nnc_model_create"},
      {(void **)&a->destroy, "nnc_model_destroy"},
      {(void **)&a->predict, "nnc_model_predict"},
      {(void **)&a->trainStep, "nnc_model_train_step"},
      {(void **)&a->grads, "nnc_model_compute_gradients"},
      {(void **)&a->apply, "nnc_model_apply_gradients"},
      {(void **)&a->read, "nnc_model_read_tensor"},
      {(void **)&a->write, "nnc_model_write_tensor"},
      {(void **)&a->save, "nnc_model_save"},
      {(void **)&a->load, "nnc_model_load"},
      {(void **)&a->lr, "nnc_model_default_learning_rate"},
      {(void **)&a->code, "nnc_status_code"},
      {(void **)&a->message, "nnc_status_message"},
      {(void **)&a->statusFree, "nnc_status_free"},
  };
  for (size_t i = 0; i < sizeof(fns) / sizeof(fns[0]); ++i)
    if (!(*fns[i].slot = dlsym(h, fns[i].name))) {
      fprintf(stderr, "nnc-guard-run: error: no %s in the library\n",
              fns[i].name);
      return 0;
    }
  *(void **)&a->createWithOptions = dlsym(h, "nnc_model_create_with_options");
  *(void **)&a->numThreads = dlsym(h, "nnc_model_num_threads");
  return 1;
}

static const char *placementName(GuardPlacement p) {
  return p == GUARD_AT_END ? "end" : "start";
}

/* Reports a failed status of `what`; returns 1 when `s` is success. */
static int check(Run *r, const char *what, nnc_status_t s) {
  if (!s)
    return 1;
  fprintf(stderr,
          "nnc-guard-run: FAIL %s (%s): %s, batch %lld, buffers at the %s: "
          "%s\n",
          r->path, r->api.name(), what, (long long)r->batch,
          placementName(r->placement), r->api.message(s));
  r->api.statusFree(s);
  ++r->failures;
  return 0;
}

static void setActivity(Run *r, const char *what) {
  char text[400];
  snprintf(text, sizeof(text), "%s (%s) %s, batch %lld, buffers at the %s",
           r->path, r->api.name(), what, (long long)r->batch,
           placementName(r->placement));
  guardedSetActivity(text);
}

/* Deterministic values: floats in [-1, 1), i32 i % bound (or large ids
 * until the bound is known, so that the shim names it). */
static void fill(GuardedBuffer *b, const nnc_tensor_info_t *t, int64_t bound,
                 uint64_t salt) {
  size_t n = t->dtype == NNC_DTYPE_I64 ? b->size / 8 : b->size / 4;
  uint64_t x = 0x9E3779B97F4A7C15ULL ^ salt;
  for (size_t i = 0; i < n; ++i) {
    x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    if (t->dtype == NNC_DTYPE_F32)
      ((float *)b->data)[i] = (float)((x >> 40) / 8388608.0 - 1.0);
    else if (t->dtype == NNC_DTYPE_I32)
      ((int32_t *)b->data)[i] =
          bound > 0 ? (int32_t)(i % (size_t)bound) : 1000000000;
    else
      ((int64_t *)b->data)[i] = bound > 0 ? (int64_t)(i % (size_t)bound) : 0;
  }
}

/* Allocates and fills the inputs, labels and outputs of one batch. */
static int allocBatch(Run *r) {
  char label[200];
  struct {
    int32_t n;
    const char *kind;
    nnc_tensor_kind_t k;
    nnc_tensor_info_t *info;
    GuardedBuffer *buf;
    int64_t *bound;
  } groups[] = {
      {r->numIn, "inputs", NNC_KIND_INPUT, r->in, r->inBuf, r->inBound},
      {r->numLab, "labels", NNC_KIND_LABEL, r->lab, r->labBuf, r->labBound},
      {r->numOut, "outputs", NNC_KIND_OUTPUT, r->out, r->outBuf, NULL},
  };
  for (int g = 0; g < 3; ++g)
    for (int32_t i = 0; i < groups[g].n; ++i) {
      size_t size = 0;
      if (!check(r, "nnc_model_tensor_byte_size",
                 r->api.byteSize(groups[g].k, i, r->batch, &size)))
        return 0;
      snprintf(label, sizeof(label), "%s[%d] ('%s')", groups[g].kind, i,
               groups[g].info[i].name);
      if (!guardedAlloc(&groups[g].buf[i], size, r->placement, label)) {
        fprintf(stderr, "nnc-guard-run: error: cannot map %zu bytes\n", size);
        return 0;
      }
      if (groups[g].bound)
        fill(&groups[g].buf[i], &groups[g].info[i], groups[g].bound[i],
             (uint64_t)(g * 100 + i));
    }
  for (int32_t i = 0; i < r->numIn; ++i)
    r->inArg[i] = (nnc_const_buffer_t){r->inBuf[i].data, r->inBuf[i].size};
  for (int32_t i = 0; i < r->numLab; ++i)
    r->labArg[i] = (nnc_const_buffer_t){r->labBuf[i].data, r->labBuf[i].size};
  for (int32_t i = 0; i < r->numOut; ++i)
    r->outArg[i] = (nnc_buffer_t){r->outBuf[i].data, r->outBuf[i].size};
  return 1;
}

static void freeBatch(Run *r) {
  for (int32_t i = 0; i < MAX_TENSORS; ++i) {
    guardedFree(&r->inBuf[i]);
    guardedFree(&r->labBuf[i]);
    guardedFree(&r->outBuf[i]);
  }
}

/* When `s` refuses an out-of-range class index or id, learns the bound from
 * the message ("inputs[k] ('x'): ... in [0, B)"), refills that buffer and
 * returns 1 (retry); else 0. */
static int learnBound(Run *r, nnc_status_t s) {
  if (!s || r->api.code(s) != NNC_STATUS_INVALID_ARGUMENT)
    return 0;
  const char *m = r->api.message(s);
  const char *range = strstr(m, "expected a class index or id in [0, ");
  if (!range)
    return 0;
  long long bound =
      atoll(range + strlen("expected a class index or id in [0, "));
  int isLabel = strstr(m, ": labels[") != NULL;
  const char *at = strstr(m, isLabel ? ": labels[" : ": inputs[");
  if (!at || bound <= 0)
    return 0;
  int k = atoi(strchr(at, '[') + 1);
  if (k < 0 || k >= (isLabel ? r->numLab : r->numIn))
    return 0;
  int64_t *b = isLabel ? &r->labBound[k] : &r->inBound[k];
  if (*b == bound)
    return 0;
  *b = bound;
  fill(isLabel ? &r->labBuf[k] : &r->inBuf[k], isLabel ? &r->lab[k] : &r->in[k],
       bound, 0);
  r->api.statusFree(s);
  return 1;
}

/* Runs entry `e` (with or without output buffers), retrying while the shim
 * names an index bound the harness did not know yet. */
static int runEntry(Run *r, nnc_model_t *m, nnc_entry_t e, int withOutputs) {
  static const char *names[] = {"predict", "train_step", "compute_gradients",
                                "apply_gradients"};
  char what[80];
  snprintf(what, sizeof(what), "%s%s", names[e],
           e == NNC_ENTRY_PREDICT || e == NNC_ENTRY_APPLY ? ""
           : withOutputs                                  ? " (with outputs)"
                         : " (without outputs)");
  setActivity(r, what);
  nnc_buffer_t *outs = withOutputs ? r->outArg : NULL;
  int32_t numOuts = withOutputs ? r->numOut : 0;
  float loss = 0, lr = r->api.lr() > 0 ? r->api.lr() : 0.01f;
  for (int attempt = 0; attempt <= 2 * MAX_TENSORS; ++attempt) {
    nnc_status_t s = NULL;
    switch (e) {
    case NNC_ENTRY_PREDICT:
      s = r->api.predict(m, r->batch, r->inArg, r->numIn, r->outArg, r->numOut);
      break;
    case NNC_ENTRY_TRAIN_STEP:
      s = r->api.trainStep(m, r->batch, r->inArg, r->numIn, r->labArg,
                           r->numLab, lr, outs, numOuts, &loss);
      break;
    case NNC_ENTRY_GRADS:
      s = r->api.grads(m, r->batch, r->inArg, r->numIn, r->labArg, r->numLab,
                       outs, numOuts, &loss);
      break;
    case NNC_ENTRY_APPLY:
      s = r->api.apply(m, lr);
      break;
    case NNC_ENTRY_INPUT_GRADS: /* not run by this harness */
      break;
    }
    if (!learnBound(r, s)) {
      r->loss = loss;
      return check(r, what, s);
    }
  }
  return check(r, what, NULL);
}

/* Reads and writes back every instance tensor through guarded buffers. */
static void roundTripTensors(Run *r, nnc_model_t *m) {
  nnc_tensor_kind_t kinds[] = {NNC_KIND_PARAM, NNC_KIND_BUFFER, NNC_KIND_GRAD,
                               NNC_KIND_STATE};
  setActivity(r, "read_tensor/write_tensor");
  for (int k = 0; k < 4; ++k)
    for (int32_t i = 0; i < r->api.count(kinds[k]); ++i) {
      nnc_tensor_info_t t;
      size_t size = 0;
      GuardedBuffer b;
      if (!check(r, "nnc_model_tensor_info", r->api.info(kinds[k], i, &t)) ||
          !check(r, "nnc_model_tensor_byte_size",
                 r->api.byteSize(kinds[k], i, 1, &size)) ||
          !guardedAlloc(&b, size, r->placement, t.name))
        return;
      if (check(r, "nnc_model_read_tensor",
                r->api.read(m, kinds[k], i, b.data, size)))
        check(r, "nnc_model_write_tensor",
              r->api.write(m, kinds[k], i, b.data, size));
      guardedFree(&b);
    }
}

static void checkpoint(Run *r, nnc_model_t *m, const char *dir) {
  char path[4096];
  snprintf(path, sizeof(path), "%s/nnc-guard-run-%ld.safetensors", dir,
           (long)getpid());
  setActivity(r, "save/load");
  if (check(r, "nnc_model_save", r->api.save(m, path)))
    check(r, "nnc_model_load", r->api.load(m, path));
  unlink(path);
}

/* One instance, one batch size, one placement: every entry point. */
static void runBatch(Run *r, int shimGuard, const char *tmpDir) {
  if (shimGuard)
    setenv("NNC_GUARD_PAGES", placementName(r->placement), 1);
  nnc_model_t *m = NULL;
  setActivity(r, "nnc_model_create");
  if (!check(r, "nnc_model_create", r->api.create(7, &m)))
    return;
  if (allocBatch(r)) {
    if (r->api.hasEntry(NNC_ENTRY_PREDICT))
      runEntry(r, m, NNC_ENTRY_PREDICT, 1);
    if (r->api.hasEntry(NNC_ENTRY_GRADS)) {
      runEntry(r, m, NNC_ENTRY_GRADS, 1);
      runEntry(r, m, NNC_ENTRY_GRADS, 0);
    }
    if (r->api.hasEntry(NNC_ENTRY_APPLY))
      runEntry(r, m, NNC_ENTRY_APPLY, 0);
    if (r->api.hasEntry(NNC_ENTRY_TRAIN_STEP)) {
      runEntry(r, m, NNC_ENTRY_TRAIN_STEP, 1);
      runEntry(r, m, NNC_ENTRY_TRAIN_STEP, 0);
    }
    roundTripTensors(r, m);
    if (r->batch == 1)
      checkpoint(r, m, tmpDir);
  }
  setActivity(r, "nnc_model_destroy");
  r->api.destroy(m);
  freeBatch(r);
}

/* FNV-1a 64 of `size` bytes. */
static uint64_t fnv1a(const void *data, size_t size) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (size_t i = 0; i < size; ++i)
    h = (h ^ ((const unsigned char *)data)[i]) * 0x100000001b3ULL;
  return h;
}

/* Runs entry `e` and prints the hash of each output (`withOutputs`) and
 * the bits of the loss (training entries). */
static void hashEntry(Run *r, nnc_model_t *m, nnc_entry_t e, int withOutputs,
                      const char *what) {
  if (!r->api.hasEntry(e) || !runEntry(r, m, e, withOutputs))
    return;
  if (e == NNC_ENTRY_TRAIN_STEP || e == NNC_ENTRY_GRADS) {
    uint32_t bits;
    memcpy(&bits, &r->loss, sizeof(bits));
    printf("batch %lld %s loss %08x (%g)\n", (long long)r->batch, what,
           (unsigned)bits, (double)r->loss);
  }
  for (int32_t i = 0; withOutputs && i < r->numOut; ++i)
    printf("batch %lld %s output %s %016llx\n", (long long)r->batch, what,
           r->out[i].name,
           (unsigned long long)fnv1a(r->outBuf[i].data, r->outBuf[i].size));
}

/* Prints the hash of every instance tensor. */
static void hashTensors(Run *r, nnc_model_t *m) {
  static const nnc_tensor_kind_t kinds[] = {NNC_KIND_PARAM, NNC_KIND_BUFFER,
                                            NNC_KIND_GRAD, NNC_KIND_STATE};
  static const char *names[] = {"param", "buffer", "grad", "state"};
  for (int k = 0; k < 4; ++k)
    for (int32_t i = 0; i < r->api.count(kinds[k]); ++i) {
      nnc_tensor_info_t t;
      size_t size = 0;
      void *data = NULL;
      if (!check(r, "nnc_model_tensor_info", r->api.info(kinds[k], i, &t)) ||
          !check(r, "nnc_model_tensor_byte_size",
                 r->api.byteSize(kinds[k], i, 1, &size)) ||
          !(data = malloc(size ? size : 1)))
        return;
      if (check(r, "nnc_model_read_tensor",
                r->api.read(m, kinds[k], i, data, size)))
        printf("batch %lld %s %s %016llx\n", (long long)r->batch, names[k],
               t.name, (unsigned long long)fnv1a(data, size));
      free(data);
    }
}

/* The determinism check of one batch size: every entry on one instance. */
static void hashBatch(Run *r, int32_t threads, uint64_t seed) {
  nnc_model_t *m = NULL;
  nnc_model_options_t options = {sizeof(options), threads};
  setActivity(r, "nnc_model_create");
  if (threads && !r->api.createWithOptions) {
    fprintf(stderr,
            "nnc-guard-run: error: --threads: %s has no "
            "nnc_model_create_with_options\n",
            r->path);
    ++r->failures;
    return;
  }
  /* Without --threads: nnc_model_create, which reads NNC_NUM_THREADS. */
  if (!check(r, "nnc_model_create",
             threads ? r->api.createWithOptions(seed, &options, &m)
                     : r->api.create(seed, &m)))
    return;
  printf("# batch %lld: %s (%s), %d threads, seed %llu\n", (long long)r->batch,
         r->path, r->api.name(),
         r->api.numThreads ? (int)r->api.numThreads(m) : 1,
         (unsigned long long)seed);
  if (allocBatch(r)) {
    hashEntry(r, m, NNC_ENTRY_PREDICT, 1, "predict");
    hashEntry(r, m, NNC_ENTRY_TRAIN_STEP, 1, "train_step 1");
    hashEntry(r, m, NNC_ENTRY_TRAIN_STEP, 0, "train_step 2");
    hashEntry(r, m, NNC_ENTRY_GRADS, 1, "compute_gradients");
    hashEntry(r, m, NNC_ENTRY_APPLY, 0, "apply_gradients");
    hashTensors(r, m);
  }
  r->api.destroy(m);
  freeBatch(r);
}

static int readInfos(Run *r, nnc_tensor_kind_t kind, int32_t *n,
                     nnc_tensor_info_t *infos) {
  *n = r->api.count(kind);
  if (*n > MAX_TENSORS) {
    fprintf(stderr,
            "nnc-guard-run: error: %s has %d tensors of kind %d, at "
            "most %d are supported\n",
            r->path, *n, (int)kind, MAX_TENSORS);
    return 0;
  }
  for (int32_t i = 0; i < *n; ++i)
    if (!check(r, "nnc_model_tensor_info", r->api.info(kind, i, &infos[i])))
      return 0;
  return 1;
}

/* How to run the models. */
typedef struct {
  int64_t batches[16];
  int numBatches;
  int shimGuard;
  const char *tmpDir;
  int hash; /* the determinism check instead of the guard check */
  int32_t threads;
  uint64_t seed;
} Mode;

/* Runs one model.so; returns its number of failures. */
static int runModel(const char *path, const Mode *mode) {
  const int64_t *batches = mode->batches;
  int numBatches = mode->numBatches;
  void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (!h) {
    fprintf(stderr, "nnc-guard-run: error: cannot load '%s': %s\n", path,
            dlerror());
    return 1;
  }
  static Run r; /* large: static, reset per model */
  memset(&r, 0, sizeof(r));
  r.path = path;
  if (!resolveApi(&r.api, h) ||
      !readInfos(&r, NNC_KIND_INPUT, &r.numIn, r.in) ||
      !readInfos(&r, NNC_KIND_LABEL, &r.numLab, r.lab) ||
      !readInfos(&r, NNC_KIND_OUTPUT, &r.numOut, r.out))
    return 1;
  if (mode->hash) {
    r.placement = GUARD_AT_END;
    for (int b = 0; b < numBatches; ++b) {
      r.batch = batches[b];
      hashBatch(&r, mode->threads, mode->seed);
    }
    fflush(stdout);
    return r.failures;
  }
  for (int p = 0; p < 2; ++p)
    for (int b = 0; b < numBatches; ++b) {
      r.placement = p ? GUARD_AT_START : GUARD_AT_END;
      r.batch = batches[b];
      runBatch(&r, mode->shimGuard, mode->tmpDir);
    }
  if (!r.failures)
    printf("OK %s (%s): predict%s at batch", path, r.api.name(),
           r.api.hasEntry(NNC_ENTRY_TRAIN_STEP)
               ? ", compute_gradients, apply_gradients, train_step"
               : "");
  for (int b = 0; !r.failures && b < numBatches; ++b)
    printf(" %lld", (long long)batches[b]);
  if (!r.failures)
    printf(", buffers at both ends\n");
  fflush(stdout);
  return r.failures;
}

int main(int argc, char **argv) {
  Mode mode = {{1, 3, 17}, 3, 1, NULL, 0, 0, 7};
  mode.tmpDir = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
  int first = 1;
  for (; first < argc && strncmp(argv[first], "--", 2) == 0; ++first) {
    int hasValue = first + 1 < argc;
    if (strcmp(argv[first], "--no-shim-guard") == 0) {
      mode.shimGuard = 0;
    } else if (strcmp(argv[first], "--hash") == 0) {
      mode.hash = 1;
    } else if (strcmp(argv[first], "--threads") == 0 && hasValue) {
      char *end;
      long t = strtol(argv[++first], &end, 10);
      if (*end || t < 1 || t > NNC_MAX_THREADS)
        return fprintf(stderr, "nnc-guard-run: error: bad --threads\n"), 2;
      mode.threads = (int32_t)t;
    } else if (strcmp(argv[first], "--seed") == 0 && hasValue) {
      mode.seed = strtoull(argv[++first], NULL, 10);
    } else if (strcmp(argv[first], "--batch") == 0 && hasValue) {
      char *p = argv[++first];
      for (mode.numBatches = 0; *p && mode.numBatches < 16; ++mode.numBatches) {
        mode.batches[mode.numBatches] = strtoll(p, &p, 10);
        if (mode.batches[mode.numBatches] < 1)
          return fprintf(stderr, "nnc-guard-run: error: bad --batch\n"), 2;
        p += *p == ',';
      }
    } else {
      break;
    }
  }
  if (first >= argc) {
    fprintf(stderr,
            "usage: %s [--batch 1,3,17] [--no-shim-guard] MODEL.so...\n"
            "       %s --hash [--threads T] [--seed S] [--batch 1,3,17] "
            "MODEL.so...\n",
            argv[0], argv[0]);
    return 2;
  }
  if (!guardedInstallHandler()) {
    fprintf(stderr, "nnc-guard-run: error: cannot install the fault handler\n");
    return 2;
  }
  int failures = 0;
  for (int i = first; i < argc; ++i)
    failures += runModel(argv[i], &mode);
  return failures ? 1 : 0;
}
