/*===- lib/ModelRT/Profile.c - Per-kernel profile (NNC_PROFILE) ----*- C -*-===*
 *
 * The run-time half of nnc-profile-loops (lib/Target/CPU/ProfileLoops.cpp,
 * docs/performance.md). Every call of an outlined loop nest in a CPU kernel
 * is bracketed by nnc_rt_profile_begin, which returns 0 at once unless
 * NNC_PROFILE is set (read once, at the first call), and, only when that
 * returned a time, nnc_rt_profile_end, which adds the call's time, count and
 * FLOPs to the loop's record (a global of the kernel object). A record
 * enters the list of this model.so at its first call. Exec.c brackets each
 * entry point's kernel the same way, so the report can say how much of an
 * entry's time its loops account for.
 *
 * The report is printed to stderr at exit (or when the model.so is
 * unloaded: atexit in a shared object runs at dlclose), sorted by total
 * time. Counters are updated with atomics and the list under a mutex:
 * kernels of several instances may run in parallel threads, and so may the
 * tasks of one kernel's parallel loop (Parallel.c). A loop nest inside such
 * tasks adds the time of every thread, so its total can exceed the wall
 * time of the entry point.
 *
 *===----------------------------------------------------------------------===*/
#define _POSIX_C_SOURCE 200809L
#include "Internal.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* 0: not read yet, 1: off, 2: on. */
static int profileState;
static pthread_mutex_t listLock = PTHREAD_MUTEX_INITIALIZER;
static NncProfileRecord *loops;
static NncProfileRecord entries[4] = {
    {NULL, "predict", "", NULL, 0, 0, 0, 0, 0},
    {NULL, "train_step", "", NULL, 0, 0, 0, 0, 0},
    {NULL, "grads", "", NULL, 0, 0, 0, 0, 0},
    {NULL, "apply", "", NULL, 0, 0, 0, 0, 0},
};

static int64_t nowNs(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  int64_t t = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
  return t > 0 ? t : 1;
}

static void report(void);

static int enabled(void) {
  int state = __atomic_load_n(&profileState, __ATOMIC_ACQUIRE);
  if (state)
    return state == 2;
  pthread_mutex_lock(&listLock);
  state = __atomic_load_n(&profileState, __ATOMIC_ACQUIRE);
  if (!state) {
    const char *v = getenv("NNC_PROFILE");
    state = v && *v && strcmp(v, "0") != 0 ? 2 : 1;
    if (state == 2)
      atexit(report);
    __atomic_store_n(&profileState, state, __ATOMIC_RELEASE);
  }
  pthread_mutex_unlock(&listLock);
  return state == 2;
}

NNC_HIDDEN int64_t nnc_rt_profile_begin(void) {
  return enabled() ? nowNs() : 0;
}

NNC_HIDDEN void nnc_rt_profile_end(NncProfileRecord *r, int64_t t0,
                                   int64_t flops) {
  if (!t0)
    return;
  int64_t dt = nowNs() - t0;
  if (!__atomic_load_n(&r->registered, __ATOMIC_ACQUIRE)) {
    pthread_mutex_lock(&listLock);
    if (!r->registered) {
      r->next = loops;
      loops = r;
      __atomic_store_n(&r->registered, 1, __ATOMIC_RELEASE);
    }
    pthread_mutex_unlock(&listLock);
  }
  __atomic_fetch_add(&r->calls, 1, __ATOMIC_RELAXED);
  __atomic_fetch_add(&r->nanoseconds, dt, __ATOMIC_RELAXED);
  if (flops >= 0)
    __atomic_fetch_add(&r->flops, flops, __ATOMIC_RELAXED);
  else
    __atomic_fetch_add(&r->unknownCalls, 1, __ATOMIC_RELAXED);
}

NNC_HIDDEN void nncProfileEntry(int entry, int64_t t0) {
  if (!t0 || entry < 0 || entry >= 4)
    return;
  NncProfileRecord *r = &entries[entry];
  __atomic_fetch_add(&r->calls, 1, __ATOMIC_RELAXED);
  __atomic_fetch_add(&r->nanoseconds, nowNs() - t0, __ATOMIC_RELAXED);
}

static int byTime(const void *a, const void *b) {
  const NncProfileRecord *x = *(NncProfileRecord *const *)a;
  const NncProfileRecord *y = *(NncProfileRecord *const *)b;
  if (x->nanoseconds != y->nanoseconds)
    return x->nanoseconds > y->nanoseconds ? -1 : 1;
  return strcmp(x->name, y->name);
}

/* The index in `entries` of the entry point whose kernel calls a loop (the
 * record's `entry`, not the loop's name: nnc-merge-functions makes the train
 * step call the loop functions of grads), -1 if none (input_grads). */
static int entryOf(const char *entry) {
  for (int e = 0; e < 4; ++e)
    if (entry && strcmp(entry, entries[e].name) == 0)
      return e;
  return -1;
}

static void report(void) {
  pthread_mutex_lock(&listLock);
  size_t n = 0;
  for (NncProfileRecord *r = loops; r; r = r->next)
    ++n;
  NncProfileRecord **sorted = malloc((n ? n : 1) * sizeof(*sorted));
  if (!sorted) {
    pthread_mutex_unlock(&listLock);
    return;
  }
  n = 0;
  int64_t total = 0;
  int64_t inLoops[4] = {0, 0, 0, 0};
  for (NncProfileRecord *r = loops; r; r = r->next) {
    sorted[n++] = r;
    total += r->nanoseconds;
    int e = entryOf(r->entry);
    if (e >= 0)
      inLoops[e] += r->nanoseconds;
  }
  qsort(sorted, n, sizeof(*sorted), byTime);
  FILE *out = stderr;
  fprintf(out, "nnc profile of model %s (NNC_PROFILE, docs/performance.md)\n",
          nnc_model_name());
  fprintf(out, "%-12s %10s %12s %12s %9s\n", "entry", "calls", "total ms",
          "ms/call", "in loops");
  for (int e = 0; e < 4; ++e) {
    const NncProfileRecord *r = &entries[e];
    if (!r->calls)
      continue;
    fprintf(out, "%-12s %10lld %12.3f %12.5f %8.1f%%\n", r->name,
            (long long)r->calls, r->nanoseconds / 1e6,
            r->nanoseconds / 1e6 / r->calls,
            r->nanoseconds ? 100.0 * inLoops[e] / r->nanoseconds : 0.0);
  }
  fprintf(out, "%12s %6s %10s %12s %9s %14s  %-34s %s\n", "total ms", "%",
          "calls", "ms/call", "GFLOP/s", "FLOP/call", "loop", "locations");
  for (size_t i = 0; i < n; ++i) {
    const NncProfileRecord *r = sorted[i];
    char rate[32] = "-", perCall[32] = "-";
    if (!r->unknownCalls && r->calls) {
      snprintf(perCall, sizeof(perCall), "%lld",
               (long long)(r->flops / r->calls));
      if (r->nanoseconds)
        snprintf(rate, sizeof(rate), "%.2f",
                 (double)r->flops / (double)r->nanoseconds);
    }
    fprintf(out, "%12.3f %5.1f%% %10lld %12.5f %9s %14s  %-34s %s\n",
            r->nanoseconds / 1e6, total ? 100.0 * r->nanoseconds / total : 0.0,
            (long long)r->calls, r->nanoseconds / 1e6 / r->calls, rate, perCall,
            r->name, r->locations);
  }
  pthread_mutex_unlock(&listLock);
  free(sorted);
}
