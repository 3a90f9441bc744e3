/*===- test/unit/ModelRT/Fixtures/Parallel.c - parallel loop fixture -*- C -*-=*
 *
 * The model "Parallel": a predict kernel that runs one parallel loop through
 * nnc_rt_parallel_for, as compiled kernels do, and reports what happened.
 * Row 0 of the input x f32[N, 4] is the control: x[0] the loop's count
 * (0..NNC_FIXTURE_MAX_COUNT), x[1] the mode, x[2] microseconds each
 * iteration busy-waits (so that the workers take part). Row 0 of the output
 * out f32[N, OUT_WIDTH] receives, per index, how often it was run, then the
 * number of distinct threads that ran iterations, the number of task calls,
 * and 1 when the mode's own check passed. Modes:
 *   PLAIN       every iteration counts its indices;
 *   NESTED      every iteration runs a loop of 5 inside it, which must run
 *               inline, on the same thread, as one call task(ctx, 0, 5);
 *   ALLOC       every iteration takes 2 temporaries from the shim's
 *               allocator, frees one and leaves the other live for the
 *               kernel, which frees them after the loop (checking them);
 *   WORKER_OOM  an iteration on a worker holds a 1 MiB temporary and asks
 *               for 2^62 bytes; iterations on the calling thread wait until
 *               a worker has started one;
 *   CALLER_OOM  the same on the calling thread, once a worker is inside an
 *               iteration that lasts 20 ms more.
 *
 *===----------------------------------------------------------------------===*/
#define _GNU_SOURCE
#include "Memref.h"
#include "nnc/ModelDesc.h"

#include <pthread.h>
#include <stddef.h>
#include <string.h>
#include <time.h>

/* The shim's parallel loop and allocator (hidden in the model.so). */
void nnc_rt_parallel_for(void (*task)(void *ctx, int64_t begin, int64_t end),
                         void *ctx, int64_t count);
void *nnc_host_alloc(size_t bytes);
void nnc_host_free(void *ptr);

enum { MAX_COUNT = 128, MAX_THREADS = 64 };
enum { OUT_THREADS = MAX_COUNT, OUT_CALLS, OUT_CHECK, OUT_WIDTH };
enum { PLAIN = 0, NESTED = 1, ALLOC = 2, WORKER_OOM = 3, CALLER_OOM = 4 };

typedef struct {
  int mode;
  int64_t delayUs;
  pthread_t caller;
  int hits[MAX_COUNT];
  int calls;
  int checkFailed;
  int workerStarted;
  pthread_mutex_t lock;
  pthread_t threads[MAX_THREADS];
  int numThreads;
  void *kept[MAX_COUNT];
} Loop;

static int64_t nowUs(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void busyWait(int64_t us) {
  int64_t end = nowUs() + us;
  while (nowUs() < end) {
  }
}

static void noteThread(Loop *l) {
  pthread_t self = pthread_self();
  pthread_mutex_lock(&l->lock);
  int known = 0;
  for (int i = 0; i < l->numThreads && !known; ++i)
    known = pthread_equal(l->threads[i], self);
  if (!known && l->numThreads < MAX_THREADS)
    l->threads[l->numThreads++] = self;
  pthread_mutex_unlock(&l->lock);
}

typedef struct {
  pthread_t thread;
  int calls, begin, end;
} Inner;

static void innerTask(void *ctx, int64_t begin, int64_t end) {
  Inner *in = ctx;
  ++in->calls;
  in->begin = (int)begin;
  in->end = (int)end;
  in->thread = pthread_self();
}

/* Waits (at most 10 s) until a worker has started an iteration. */
static void awaitWorker(Loop *l) {
  int64_t end = nowUs() + 10000000;
  while (!__atomic_load_n(&l->workerStarted, __ATOMIC_ACQUIRE) &&
         nowUs() < end) {
  }
}

static void task(void *ctx, int64_t begin, int64_t end) {
  Loop *l = ctx;
  int onCaller = pthread_equal(pthread_self(), l->caller);
  if (!onCaller)
    __atomic_store_n(&l->workerStarted, 1, __ATOMIC_RELEASE);
  __atomic_fetch_add(&l->calls, 1, __ATOMIC_RELAXED);
  noteThread(l);
  for (int64_t i = begin; i < end; ++i) {
    __atomic_fetch_add(&l->hits[i], 1, __ATOMIC_RELAXED);
    busyWait(l->delayUs);
    if (l->mode == NESTED) {
      Inner in = {pthread_self(), 0, -1, -1};
      nnc_rt_parallel_for(innerTask, &in, 5);
      if (in.calls != 1 || in.begin != 0 || in.end != 5 ||
          !pthread_equal(in.thread, pthread_self()))
        __atomic_store_n(&l->checkFailed, 1, __ATOMIC_RELAXED);
    } else if (l->mode == ALLOC) {
      size_t bytes = (size_t)(1 << 16) + (size_t)i;
      unsigned char *gone = nnc_host_alloc(bytes);
      memset(gone, (int)i, bytes);
      nnc_host_free(gone);
      unsigned char *kept = nnc_host_alloc(bytes);
      memset(kept, (int)i, bytes);
      l->kept[i] = kept;
    } else if (l->mode == WORKER_OOM || l->mode == CALLER_OOM) {
      int fails = l->mode == WORKER_OOM ? !onCaller : onCaller;
      if (onCaller)
        awaitWorker(l);
      if (fails) {
        memset(nnc_host_alloc((size_t)1 << 20), 1, (size_t)1 << 20);
        nnc_host_alloc((size_t)1 << 62);
      } else if (!onCaller) {
        nnc_host_alloc((size_t)1 << 20); /* left live */
        busyWait(20000);
      }
    }
  }
}

/* args: x, out */
void nnc_kernel_predict(void **args) {
  float *x = argF32(args, 0), *out = argF32(args, 1);
  static Loop zero;
  Loop l = zero;
  pthread_mutex_init(&l.lock, NULL);
  int64_t count = (int64_t)x[0];
  l.mode = (int)x[1];
  l.delayUs = (int64_t)x[2];
  l.caller = pthread_self();
  nnc_rt_parallel_for(task, &l, count > MAX_COUNT ? MAX_COUNT : count);
  if (l.mode == ALLOC)
    for (int64_t i = 0; i < count; ++i) {
      const unsigned char *kept = l.kept[i];
      size_t bytes = (size_t)(1 << 16) + (size_t)i;
      if (!kept || kept[0] != (unsigned char)i ||
          kept[bytes - 1] != (unsigned char)i)
        l.checkFailed = 1;
      nnc_host_free(l.kept[i]);
    }
  pthread_mutex_destroy(&l.lock);
  for (int i = 0; i < MAX_COUNT; ++i)
    out[i] = (float)l.hits[i];
  out[OUT_THREADS] = (float)l.numThreads;
  out[OUT_CALLS] = (float)l.calls;
  out[OUT_CHECK] = l.checkFailed ? 0.0f : 1.0f;
}

static const nnc_tensor_desc_t tensors[] = {
    {"x", NNC_ROLE_INPUT, NNC_DESC_F32, 2, {-1, 4}, NNC_INIT_NONE, 0, -1},
    {"out",
     NNC_ROLE_OUTPUT,
     NNC_DESC_F32,
     2,
     {-1, OUT_WIDTH},
     NNC_INIT_NONE,
     0,
     -1},
};

static const int32_t predictArgs[] = {0, 1};

const nnc_model_desc_t nnc_model_desc = {
    NNC_DESC_VERSION,
    "Parallel",
    sizeof(tensors) / sizeof(tensors[0]),
    tensors,
    {nnc_kernel_predict, 2, predictArgs},
    {0, 0, 0},
    {0, 0, 0},
    {0, 0, 0},
    NNC_OPT_NONE,
    0.0f,
    "{}",
};
