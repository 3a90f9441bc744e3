/*===- lib/ModelRT/Parallel.c - The thread pool of an instance ----*- C -*-===*
 *
 * nnc_rt_parallel_for, which compiled CPU kernels call for a loop of
 * independent iterations (each a coarse chunk the compiler chose), and the
 * pool of threads behind it: one per instance, with numThreads - 1 workers
 * started at the first parallel loop that needs them (creating instances
 * starts none) and joined by nnc_model_destroy. The calling thread takes
 * part. Each thread owns a contiguous share of the iterations (thread t of
 * T: iterations t * count / T up to (t + 1) * count / T), takes its own
 * first, one at a time from its share's atomic counter, and then takes what
 * is left of the others' shares. So the same thread runs the same chunk
 * loop after loop while none is late (a recurrent layer's step finds its
 * slice of the weights in its own core's cache), and a thread that is late
 * or asleep delays nothing: its iterations are taken by the others. Which
 * thread runs which iteration may still vary from run to run; the results
 * do not, because each iteration computes the same thing wherever it runs.
 * Workers join a loop while it is open; the caller closes it once its own
 * share is done (every iteration is then taken) and waits only for the
 * workers that joined, never for one that is asleep or not scheduled
 * (more threads than cores, other processes).
 *
 * A kernel finds its pool through the current allocation scope
 * (HostAlloc.c), which Exec.c makes current around every CPU kernel call: a
 * pthread key, not TLS (see HostAlloc.c). Every thread runs its share of a
 * loop inside a scope of its own, with no pool (so a loop nested in a task
 * runs inline) and with its own jmp_buf: a task whose allocation fails
 * leaves only its own thread's share, the other threads take no more
 * iterations, and once all have stopped the caller leaves the kernel
 * through the kernel's scope, as a failure on one thread would. What tasks
 * allocated and did not free moves to the kernel's scope.
 *
 * Back-to-back loops are frequent (hundreds per training step, some of
 * 20 us), so idle threads first spin, with a pause instruction and then
 * sched_yield, for NNC_SPIN_NS before sleeping on a condition variable.
 *
 *===----------------------------------------------------------------------===*/
#define _GNU_SOURCE /* sched_getaffinity, CPU_COUNT */
#include "Internal.h"

#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

enum {
  /* How long an idle thread spins before it sleeps. */
  NNC_SPIN_NS = 50000,
  /* How long of that it spins on pause instructions alone, before it
   * yields the core between rounds (a system call, slow in a VM, during
   * which a loop that starts or ends goes unnoticed). */
  NNC_PAUSE_NS = 20000,
  /* Rounds of pause instructions between two readings of the clock. */
  NNC_SPIN_PAUSE_ROUNDS = 8,
};

/* The least stack of a worker: what the main thread usually has, even
 * where the default of new threads is smaller (`ulimit -s unlimited` gives
 * them 2 MiB), for kernels that keep buffers on the stack. */
#define NNC_WORKER_STACK ((size_t)8 << 20)

typedef void (*NncTask)(void *ctx, int64_t begin, int64_t end);

/* One thread's share of the current loop, on a cache line of its own: the
 * next iteration to hand out and the end of the share. Others take from it
 * once their own share is done. */
typedef struct NncShare {
  int64_t next __attribute__((aligned(64)));
  int64_t end;
} NncShare;

/* What a worker thread starts with: its pool and its share's index. */
typedef struct NncWorker {
  struct NncPool *pool;
  int32_t index; /* 1.. (the caller's share is 0) */
} NncWorker;

struct NncPool {
  NncShare *shares; /* one per thread, the caller's first */
  int32_t threads;  /* the caller included */
  int32_t started;  /* workers running */
  int created;      /* workers were started (or tried to be) */
  unsigned forks;   /* nncForks when they were started */
  int busy;         /* atomic: a loop runs (a second caller runs inline) */
  pthread_t *workers;
  NncWorker *workerArgs;
  pthread_mutex_t lock;
  pthread_cond_t wake; /* workers: a new loop, or shut down */
  pthread_cond_t done; /* the caller: the workers inside are done */
  int32_t sleepers;    /* workers waiting on `wake` (under the lock) */
  int shutdown;        /* atomic */
  /* The current loop, published by the release store of `state`. */
  uint64_t state;     /* atomic: generation << 32 | CLOSED | workers inside */
  uint32_t createdAt; /* the generation when the workers were started */
  NncTask task;
  void *ctx;
  int64_t count;
  int32_t sharing;      /* the threads the loop's iterations are shared by */
  NncAllocScope *outer; /* the kernel's scope */
  /* The scope of the caller's share of every loop (its spares kept from
   * loop to loop, like a worker's). */
  NncAllocScope callerShare;
  int stop;           /* atomic: a task failed; hand out no more */
  int failed;         /* atomic: the first failure was recorded */
  size_t failedBytes; /* the size the first failed request asked for */
};

/* `state` of a pool: the loop's generation in the high 32 bits, CLOSED once
 * the caller's share is done (no worker joins after that), and the number
 * of workers inside the loop below it. */
#define NNC_CLOSED ((uint64_t)1 << 31)
#define NNC_INSIDE (NNC_CLOSED - 1)

static uint32_t generationOf(uint64_t state) { return (uint32_t)(state >> 32); }

static void cpuPause(void) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  __asm__ __volatile__("yield");
#endif
}

static int64_t nowNs(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* One round of waiting for something another thread does: pause
 * instructions, and every NNC_SPIN_PAUSE_ROUNDS rounds a look at the clock;
 * after NNC_PAUSE_NS that look also yields the core (other threads may need
 * it). Returns 0 once NNC_SPIN_NS have passed since round 0, when the caller
 * should sleep instead. */
static int spinOnce(unsigned round, int64_t *start) {
  if (round == 0)
    *start = nowNs();
  for (int i = 0; i < 16; ++i)
    cpuPause();
  if (round % NNC_SPIN_PAUSE_ROUNDS != NNC_SPIN_PAUSE_ROUNDS - 1)
    return 1;
  int64_t waited = nowNs() - *start;
  if (waited > NNC_SPIN_NS)
    return 0;
  if (waited > NNC_PAUSE_NS)
    sched_yield();
  return 1;
}

/* Records the first failure and stops handing out iterations. */
static void recordFailure(NncPool *p, size_t bytes) {
  int expected = 0;
  if (__atomic_compare_exchange_n(&p->failed, &expected, 1, 0, __ATOMIC_ACQ_REL,
                                  __ATOMIC_ACQUIRE))
    p->failedBytes = bytes; /* read by the caller after the join */
  __atomic_store_n(&p->stop, 1, __ATOMIC_RELEASE);
}

/* Runs iterations of `share` until none is left; 0 when a task failed. */
static int workShare(NncPool *p, NncShare *share) {
  NncTask task = p->task;
  void *ctx = p->ctx;
  int64_t end = share->end;
  while (!__atomic_load_n(&p->stop, __ATOMIC_ACQUIRE)) {
    if (__atomic_load_n(&share->next, __ATOMIC_RELAXED) >= end)
      return 1;
    int64_t i = __atomic_fetch_add(&share->next, 1, __ATOMIC_RELAXED);
    if (i >= end)
      return 1;
    task(ctx, i, i + 1);
  }
  return 0;
}

/* Runs iterations of the current loop until none is left or a task
 * failed: thread `self`'s own share, then what is left of the others'. */
static void work(NncPool *p, int32_t self) {
  int32_t sharing = p->sharing;
  for (int32_t k = 0; k < sharing; ++k)
    if (!workShare(p, &p->shares[(self + k) % sharing]))
      return;
}

/* This thread's share of the current loop inside `scope` (current on this
 * thread, with no pool). On success the blocks its tasks left live move to
 * the kernel's scope; on a failed allocation they are freed and the failure
 * recorded. Kept apart from its callers: no local of this frame changes
 * between setjmp and longjmp. */
static void runShare(NncPool *p, NncAllocScope *scope, int32_t self) {
  if (setjmp(scope->onFailure) != 0) {
    nncAllocScopeFreeLive(scope);
    recordFailure(p, scope->failedBytes);
    return;
  }
  work(p, self);
  nncAllocScopeHandOver(scope, p->outer);
}

static uint32_t currentGeneration(NncPool *p) {
  return generationOf(__atomic_load_n(&p->state, __ATOMIC_ACQUIRE));
}

/* Waits for a loop after `*seen`; 0 when the pool shuts down instead. */
static int waitForLoop(NncPool *p, uint32_t *seen) {
  int64_t start = 0;
  for (unsigned round = 0;; ++round) {
    uint32_t g = currentGeneration(p);
    if (g != *seen) {
      *seen = g;
      return 1;
    }
    if (__atomic_load_n(&p->shutdown, __ATOMIC_ACQUIRE))
      return 0;
    if (!spinOnce(round, &start))
      break;
  }
  pthread_mutex_lock(&p->lock);
  ++p->sleepers;
  while (currentGeneration(p) == *seen &&
         !__atomic_load_n(&p->shutdown, __ATOMIC_ACQUIRE))
    pthread_cond_wait(&p->wake, &p->lock);
  --p->sleepers;
  pthread_mutex_unlock(&p->lock);
  uint32_t g = currentGeneration(p);
  if (g == *seen)
    return 0;
  *seen = g;
  return 1;
}

/* Enters loop `g` unless the caller has closed it (or a newer one runs);
 * the acquire makes the loop's fields visible. */
static int joinLoop(NncPool *p, uint32_t g) {
  uint64_t s = __atomic_load_n(&p->state, __ATOMIC_ACQUIRE);
  while (generationOf(s) == g && !(s & NNC_CLOSED))
    if (__atomic_compare_exchange_n(&p->state, &s, s + 1, 1, __ATOMIC_ACQ_REL,
                                    __ATOMIC_ACQUIRE))
      return 1;
  return 0;
}

static void *workerMain(void *arg) {
  NncPool *p = ((NncWorker *)arg)->pool;
  int32_t self = ((NncWorker *)arg)->index;
  NncAllocScope scope;
  memset(&scope, 0, sizeof(scope));
  /* Without a scope this thread could not recover from a failed
   * allocation: it then takes no iterations, only acknowledges loops. */
  int hasScope = nncAllocScopeEnter(&scope);
  scope.ownsSpares = 1;
  uint32_t seen = p->createdAt;
  while (waitForLoop(p, &seen)) {
    if (!hasScope || !joinLoop(p, seen))
      continue;
    runShare(p, &scope, self);
    uint64_t s = __atomic_sub_fetch(&p->state, 1, __ATOMIC_ACQ_REL);
    if ((s & NNC_CLOSED) && !(s & NNC_INSIDE)) { /* the caller may sleep */
      pthread_mutex_lock(&p->lock);
      pthread_cond_signal(&p->done);
      pthread_mutex_unlock(&p->lock);
    }
  }
  if (hasScope) {
    nncAllocScopeDropSpares(&scope);
    nncAllocScopeLeave(&scope);
  }
  return NULL;
}

/* The number of fork() calls this process made since the library was
 * loaded, counted in the child: a child has no workers, whatever its pool
 * says (comparing it costs no system call, unlike getpid, on every loop). */
static unsigned nncForks;
static pthread_once_t nncForkOnce = PTHREAD_ONCE_INIT;
static void countFork(void) {
  __atomic_fetch_add(&nncForks, 1, __ATOMIC_RELAXED);
}
static void watchForks(void) { pthread_atfork(NULL, NULL, countFork); }

static int inForkedChild(const NncPool *p) {
  return p->forks != __atomic_load_n(&nncForks, __ATOMIC_RELAXED);
}

/* Starts the workers at the first loop; 1 when at least one runs. Workers
 * block the asynchronous signals (they go to the application's threads) but
 * not the synchronous ones: a fault in a task reaches the process's
 * handlers (nnc-guard-run) as it would on the calling thread. */
static int startWorkers(NncPool *p) {
  if (p->created) /* in a child of fork() the workers are gone */
    return p->started > 0 && !inForkedChild(p);
  p->created = 1;
  pthread_once(&nncForkOnce, watchForks);
  p->forks = __atomic_load_n(&nncForks, __ATOMIC_RELAXED);
  p->createdAt = currentGeneration(p);
  pthread_attr_t attr, *attrp = NULL;
  size_t stack = 0;
  if (pthread_attr_init(&attr) == 0) {
    attrp = &attr;
    if (pthread_attr_getstacksize(&attr, &stack) == 0 &&
        stack < NNC_WORKER_STACK)
      pthread_attr_setstacksize(&attr, NNC_WORKER_STACK);
  }
  sigset_t blocked, old;
  sigfillset(&blocked);
  static const int synchronous[] = {SIGSEGV, SIGBUS,  SIGFPE, SIGILL,
                                    SIGTRAP, SIGABRT, SIGSYS, SIGPIPE};
  for (size_t i = 0; i < sizeof(synchronous) / sizeof(synchronous[0]); ++i)
    sigdelset(&blocked, synchronous[i]);
  pthread_sigmask(SIG_SETMASK, &blocked, &old);
  /* Fewer workers than asked for (no memory, a thread limit): the loops run
   * on those that started. */
  while (p->started < p->threads - 1) {
    NncWorker *arg = &p->workerArgs[p->started];
    arg->pool = p;
    arg->index = p->started + 1;
    if (pthread_create(&p->workers[p->started], attrp, workerMain, arg) != 0)
      break;
    ++p->started;
  }
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  if (attrp)
    pthread_attr_destroy(attrp);
  return p->started > 0;
}

static void freePool(NncPool *p) {
  free(p->shares);
  free(p->workerArgs);
  free(p->workers);
  free(p);
}

NNC_HIDDEN NncPool *nncPoolCreate(int32_t threads) {
  void *mem = NULL;
  if (threads < 2 || posix_memalign(&mem, 64, sizeof(NncPool)) != 0)
    return NULL;
  NncPool *p = mem;
  memset(p, 0, sizeof(*p));
  p->threads = threads;
  p->callerShare.ownsSpares = 1;
  p->workers = calloc((size_t)threads - 1, sizeof(pthread_t));
  p->workerArgs = calloc((size_t)threads - 1, sizeof(NncWorker));
  void *shares = NULL;
  if (posix_memalign(&shares, 64, (size_t)threads * sizeof(NncShare)) == 0)
    p->shares = shares;
  if (!p->workers || !p->workerArgs || !p->shares ||
      pthread_mutex_init(&p->lock, NULL) != 0) {
    freePool(p);
    return NULL;
  }
  if (pthread_cond_init(&p->wake, NULL) != 0 ||
      pthread_cond_init(&p->done, NULL) != 0) {
    pthread_mutex_destroy(&p->lock);
    freePool(p);
    return NULL;
  }
  return p;
}

NNC_HIDDEN void nncPoolDestroy(NncPool *p) {
  if (!p)
    return;
  if (p->started && inForkedChild(p)) {
    /* A child of fork(): no workers to stop; the lock may be held. */
    for (int i = 0; i < p->callerShare.spareCount; ++i)
      free(p->callerShare.spare[i]);
    freePool(p);
    return;
  }
  pthread_mutex_lock(&p->lock);
  __atomic_store_n(&p->shutdown, 1, __ATOMIC_RELEASE);
  pthread_cond_broadcast(&p->wake);
  pthread_mutex_unlock(&p->lock);
  for (int32_t i = 0; i < p->started; ++i)
    pthread_join(p->workers[i], NULL);
  nncAllocScopeDropSpares(&p->callerShare);
  pthread_cond_destroy(&p->wake);
  pthread_cond_destroy(&p->done);
  pthread_mutex_destroy(&p->lock);
  freePool(p);
}

/* Closes the current loop and waits until the workers that joined it are
 * done. */
static void closeLoop(NncPool *p) {
  __atomic_fetch_or(&p->state, NNC_CLOSED, __ATOMIC_ACQ_REL);
  int64_t start = 0;
  for (unsigned round = 0;; ++round) {
    if (!(__atomic_load_n(&p->state, __ATOMIC_ACQUIRE) & NNC_INSIDE))
      return;
    if (!spinOnce(round, &start))
      break;
  }
  pthread_mutex_lock(&p->lock);
  while (__atomic_load_n(&p->state, __ATOMIC_ACQUIRE) & NNC_INSIDE)
    pthread_cond_wait(&p->done, &p->lock);
  pthread_mutex_unlock(&p->lock);
}

NNC_HIDDEN void nnc_rt_parallel_for(NncTask task, void *ctx, int64_t count) {
  if (count <= 0)
    return;
  NncAllocScope *outer = nncAllocScopeCurrent();
  NncPool *p = outer ? outer->pool : NULL;
  int idle = 0;
  if (!p || count == 1 || !startWorkers(p) ||
      !__atomic_compare_exchange_n(&p->busy, &idle, 1, 0, __ATOMIC_ACQUIRE,
                                   __ATOMIC_RELAXED)) {
    task(ctx, 0, count);
    return;
  }
  /* The caller's share runs in a scope of its own like the workers'. */
  NncAllocScope *share = &p->callerShare;
  if (!nncAllocScopeEnter(share)) {
    __atomic_store_n(&p->busy, 0, __ATOMIC_RELEASE);
    task(ctx, 0, count);
    return;
  }
  /* Publish the loop: no worker is inside the previous one (closed). */
  p->task = task;
  p->ctx = ctx;
  p->count = count;
  p->outer = outer;
  p->failedBytes = 0;
  __atomic_store_n(&p->failed, 0, __ATOMIC_RELAXED);
  int32_t sharing = p->started + 1;
  p->sharing = sharing;
  for (int32_t t = 0; t < sharing; ++t) {
    __atomic_store_n(&p->shares[t].next, t * count / sharing, __ATOMIC_RELAXED);
    p->shares[t].end = (t + 1) * count / sharing;
  }
  __atomic_store_n(&p->stop, 0, __ATOMIC_RELAXED);
  uint32_t g = currentGeneration(p) + 1;
  __atomic_store_n(&p->state, (uint64_t)g << 32, __ATOMIC_RELEASE);
  pthread_mutex_lock(&p->lock);
  if (p->sleepers)
    pthread_cond_broadcast(&p->wake);
  pthread_mutex_unlock(&p->lock);

  runShare(p, share, 0);
  closeLoop(p);
  nncAllocScopeLeave(share); /* `outer` is current again */
  int failed = __atomic_load_n(&p->failed, __ATOMIC_ACQUIRE);
  size_t failedBytes = p->failedBytes;
  __atomic_store_n(&p->busy, 0, __ATOMIC_RELEASE);
  if (failed)
    nncAllocScopeFail(failedBytes);
}

/* NNC_NUM_THREADS as a thread count; 0 when it is not one. */
static int32_t parseThreads(const char *v) {
  int32_t n = 0;
  for (const char *c = v; *c; ++c) {
    if (*c < '0' || *c > '9' || n > NNC_MAX_THREADS)
      return 0;
    n = n * 10 + (*c - '0');
  }
  return n <= NNC_MAX_THREADS ? n : 0;
}

/* The CPUs this process may run on. */
static int32_t affinityCpus(void) {
  for (int cpus = 1024; cpus <= (1 << 20); cpus *= 2) {
    cpu_set_t *set = CPU_ALLOC(cpus);
    if (!set)
      break;
    size_t size = CPU_ALLOC_SIZE(cpus);
    CPU_ZERO_S(size, set);
    int ok = sched_getaffinity(0, size, set) == 0;
    int n = ok ? CPU_COUNT_S(size, set) : 0;
    CPU_FREE(set);
    if (ok)
      return n;
  }
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  return n > 0 && n < INT32_MAX ? (int32_t)n : 1;
}

NNC_HIDDEN nnc_status_t nncDefaultThreads(const char *fn, int32_t *out) {
  const char *v = getenv("NNC_NUM_THREADS");
  if (v && *v) {
    int32_t n = parseThreads(v);
    if (n < 1)
      return nncMakeStatus(NNC_STATUS_INVALID_ARGUMENT,
                           "%s: NNC_NUM_THREADS: expected a thread count in "
                           "1..%d, got '%s'",
                           fn, NNC_MAX_THREADS, v);
    *out = n;
    return NULL;
  }
  int32_t n = affinityCpus();
  *out = n < 1 ? 1 : n > NNC_MAX_THREADS ? NNC_MAX_THREADS : n;
  return NULL;
}
