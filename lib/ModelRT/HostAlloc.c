/* HostAlloc.c - the heap of the CPU kernels: a bounded cache of freed blocks.
 *
 * The nnc-host-alloc pass points the kernels' malloc/aligned_alloc/free at
 * these functions. A kernel allocates the same temporaries (im2col
 * matrices, activations kept for the backward pass, ...) on every call;
 * large blocks come from mmap and return to the system on free, so without
 * a cache every call pays page faults and page clearing for tens of
 * megabytes. Freed blocks of NNC_HOST_CACHE_MIN_BYTES or more are kept (at
 * most NNC_HOST_CACHE_SLOTS blocks and
 * NNC_HOST_CACHE_BYTES bytes) and handed out again for requests of the same
 * size or up to a quarter smaller. The cache is emptied when the last
 * instance of this model is destroyed. One mutex guards the cache and the
 * scopes' lists of live blocks: kernels of several instances may run in
 * parallel threads, and so may the tasks of one kernel (Parallel.c).
 *
 * Running out of memory: generated kernels do not test for NULL. The shim
 * runs each CPU kernel inside an allocation scope (nncAllocScopeEnter, a
 * thread-local pointer to the caller's jmp_buf); the scope lists every block
 * allocated in it and not yet freed, in a doubly-linked list kept in the
 * blocks' headers. When a request cannot be met even after the cache is
 * returned to the system, nnc_host_alloc records its size and longjmps to
 * the scope's jmp_buf: the kernel is plain generated code (no destructors,
 * no locks held across calls, single-threaded), so abandoning its frames is
 * safe, and nncAllocScopeLeave frees the blocks it left behind. Outside a
 * scope (tests), a failed allocation returns NULL. The tasks of a parallel
 * loop (nnc_rt_parallel_for) run in scopes of their own, one per thread, so
 * that a failure never longjmps across threads; what a task allocated and
 * did not free moves to the kernel's scope when the loop ends
 * (nncAllocScopeHandOver). Those task scopes live from loop to loop (one per
 * thread of a pool) and keep up to NNC_SCOPE_SPARES blocks their tasks
 * freed for their own thread's next requests, small ones too: a loop over
 * images whose tasks allocate temporaries takes and returns them without
 * the shared lock and without malloc (on two threads the lock's contention
 * was a tenth of LeNet-5's train step; the small blocks' free under that
 * lock and malloc's consolidation of them 4% more). An instance's kernel
 * scope keeps spares too, from call to call (a one-thread instance runs its
 * loops inline in it: LeNet-5's train step 2.84 -> 2.75 ms), dropped into
 * the cache when the instance is destroyed. Only the scope's thread touches
 * its spares and its list of live blocks, until nncAllocScopeHandOver moves
 * the list under the lock (a kernel scope's list changes only on the
 * calling thread outside parallel loops, and under the lock inside them).
 *
 * In the guard-page test mode
 * (NNC_GUARD_PAGES, set by the most recently created instance) every block
 * comes from Guard.c instead and bypasses the cache.
 *
 * Under AddressSanitizer (the sanitizer build) a cached block is poisoned,
 * and so is the slack of a reused block past the requested size: a kernel
 * that reads a temporary after freeing it, or past its end, is reported even
 * though the block never went back to malloc.
 */

#define _POSIX_C_SOURCE 200112L /* posix_memalign */

#include "Internal.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#include <sanitizer/asan_interface.h>
#endif
#endif
#ifndef ASAN_POISON_MEMORY_REGION
#define ASAN_POISON_MEMORY_REGION(addr, size) ((void)(addr), (void)(size))
#define ASAN_UNPOISON_MEMORY_REGION(addr, size) ((void)(addr), (void)(size))
#endif

enum {
  /* The largest block a scope keeps as a spare (bigger ones go to the
   * shared cache, which the whole process can draw on and which is given
   * back when memory runs out). */
  NNC_SCOPE_SPARE_MAX_BYTES = 8 << 20,
  /* An encoder layer's train step frees over 64 blocks; with 64 slots the
   * rest went back to the system and were page-faulted in again on the next
   * call (8% of the step in the kernel's page-fault handler). */
  NNC_HOST_CACHE_SLOTS = 256,
  /* Smaller blocks come from malloc's arenas without page faults: caching
   * them would only take slots from the large ones (a scope with spares keeps
   * them as spares all the same). */
  NNC_HOST_CACHE_MIN_BYTES = 16384,
  /* A header in front of each payload records its size and, inside an
   * allocation scope, its links in the scope's list; 64 bytes keep the
   * payload as aligned as the block. */
  NNC_HOST_HEADER = 64
};

/* The header's words, counted back from the payload. */
enum {
  AT_REQUESTED = 6,
  AT_SCOPE = 5,
  AT_PREV = 4,
  AT_NEXT = 3,
  AT_BYTES = 2,
  AT_HEADER = 1
};

#define NNC_HOST_CACHE_BYTES ((size_t)1 << 30)

static pthread_mutex_t cacheLock = PTHREAD_MUTEX_INITIALIZER;
/* The cached blocks are the first cacheCount slots (the scan under the lock
 * visits only those: scanning all 256 slots on every allocation was 5.6% of
 * LeNet-5's train step, which allocates two temporaries per image). */
static char *cacheBlock[NNC_HOST_CACHE_SLOTS];
static size_t cacheSize[NNC_HOST_CACHE_SLOTS];
static int cacheCount;
static size_t cacheBytes;
static long liveInstances;
/* The bytes the kernels asked for and have not freed yet (cached blocks and
 * headers not included), and the most of them since the last
 * nncHostWorkspaceBegin. Atomic: task scopes count without the lock. */
static size_t liveRequested, peakRequested;

static void countLive(size_t bytes) {
  size_t live = __atomic_add_fetch(&liveRequested, bytes, __ATOMIC_RELAXED);
  size_t peak = __atomic_load_n(&peakRequested, __ATOMIC_RELAXED);
  while (live > peak &&
         !__atomic_compare_exchange_n(&peakRequested, &peak, live, 1,
                                      __ATOMIC_RELAXED, __ATOMIC_RELAXED))
    ;
}

static void uncountLive(size_t bytes) {
  __atomic_sub_fetch(&liveRequested, bytes, __ATOMIC_RELAXED);
}
static int guardMode; /* NNC_GUARD_*; atomic loads and stores */

NNC_HIDDEN void nncHostSetGuard(int mode) {
  __atomic_store_n(&guardMode, mode, __ATOMIC_RELEASE);
}

/* The scope of the kernel running on this thread, if any: a pthread key,
 * not __thread (TLS in a dlopen-ed library needs ld.so's __tls_get_addr,
 * and a model.so depends on libc, libm and libpthread only). */
static pthread_key_t scopeKey;
static pthread_once_t scopeKeyOnce = PTHREAD_ONCE_INIT;
static int scopeKeyMade;

static void makeScopeKey(void) {
  scopeKeyMade = pthread_key_create(&scopeKey, NULL) == 0;
}

/* Unloading the model.so gives its key back (dlopen/dlclose cycles would
 * otherwise use up PTHREAD_KEYS_MAX). */
__attribute__((destructor)) static void deleteScopeKey(void) {
  if (scopeKeyMade)
    pthread_key_delete(scopeKey);
}

static NncAllocScope *currentScope(void) {
  pthread_once(&scopeKeyOnce, makeScopeKey);
  return scopeKeyMade ? pthread_getspecific(scopeKey) : NULL;
}

/* The index of the block `takeCached` and `takeSpare` hand out for a request
 * of `bytes` among the `count` blocks of sizes `size` (kept in the order they
 * were freed), or -1: the smallest of at least `bytes` bytes and at most a
 * third more, and of those the most recently freed. Kernels free each
 * temporary right after its last use (nnc-dealloc-after-last-use), so that
 * block is likely still in cache when the next tensor of its size is written
 * into it; the oldest one had left the caches since the previous call, and
 * the kernel writing it read every line of it from memory first. */
static int pickBlock(const size_t *size, int count, size_t bytes) {
  int best = -1;
  for (int i = count - 1; i >= 0; --i)
    if (size[i] >= bytes && size[i] - bytes <= bytes / 3 &&
        (best < 0 || size[i] < size[best]))
      best = i;
  return best;
}

/* Removes entry `at` of the parallel arrays `block` and `size` of `count`
 * entries, keeping the others in order. */
static void removeEntry(char **block, size_t *size, int count, int at) {
  memmove(block + at, block + at + 1, (size_t)(count - at - 1) * sizeof *block);
  memmove(size + at, size + at + 1, (size_t)(count - at - 1) * sizeof *size);
  block[count - 1] = NULL;
}

/* Takes the cached block `pickBlock` chooses, or NULL; `*capacity` receives
 * its size. Called with the lock held. */
static char *takeCached(size_t bytes, size_t *capacity) {
  int best = pickBlock(cacheSize, cacheCount, bytes);
  if (best < 0)
    return NULL;
  char *block = cacheBlock[best];
  *capacity = cacheSize[best];
  cacheBytes -= cacheSize[best];
  removeEntry(cacheBlock, cacheSize, cacheCount--, best);
  return block;
}

/* The spare of `scope` that `pickBlock` chooses, or NULL. */
static char *takeSpare(NncAllocScope *scope, size_t bytes, size_t *capacity) {
  int best = pickBlock(scope->spareSize, scope->spareCount, bytes);
  if (best < 0)
    return NULL;
  char *block = scope->spare[best];
  *capacity = scope->spareSize[best];
  removeEntry(scope->spare, scope->spareSize, scope->spareCount--, best);
  return block;
}

static void putWord(char *payload, int at, const void *value) {
  memcpy(payload - at * sizeof(void *), value, sizeof(void *));
}

static void *getWord(const char *payload, int at) {
  void *value;
  memcpy(&value, payload - at * sizeof(void *), sizeof value);
  return value;
}

static size_t getSize(const char *payload, int at) {
  size_t value;
  memcpy(&value, payload - at * sizeof(size_t), sizeof value);
  return value;
}

/* Empties the cache into `release` (NULL slots for none). Called with the
 * lock held; the caller frees the blocks after unlocking. */
static void takeAllCached(char *release[NNC_HOST_CACHE_SLOTS]) {
  memcpy(release, cacheBlock, sizeof cacheBlock);
  memset(cacheBlock, 0, sizeof cacheBlock);
  cacheCount = 0;
  cacheBytes = 0;
}

static void freeAll(char *release[NNC_HOST_CACHE_SLOTS]) {
  for (int i = 0; i < NNC_HOST_CACHE_SLOTS; ++i)
    free(release[i]);
}

/* Frees every cached block (called when an allocation fails). */
static void releaseCache(void) {
  char *release[NNC_HOST_CACHE_SLOTS];
  pthread_mutex_lock(&cacheLock);
  takeAllCached(release);
  pthread_mutex_unlock(&cacheLock);
  freeAll(release);
}

/* The header in front of a payload: its size, the header's length, and its
 * place in `scope`'s list of live blocks. Called with the lock held. */
static void writeHeader(char *payload, size_t bytes, size_t header,
                        NncAllocScope *scope) {
  void *none = NULL, *next = scope ? scope->live : NULL;
  putWord(payload, AT_BYTES, &bytes);
  putWord(payload, AT_HEADER, &header);
  putWord(payload, AT_SCOPE, &scope);
  putWord(payload, AT_PREV, &none);
  putWord(payload, AT_NEXT, &next);
  if (next)
    putWord(next, AT_PREV, &payload);
  if (scope)
    scope->live = payload;
}

/* Takes a payload out of its scope's list (if it is in one). Called with
 * the lock held. */
static void unlinkLive(char *payload) {
  NncAllocScope *scope = getWord(payload, AT_SCOPE);
  if (!scope)
    return;
  char *prev = getWord(payload, AT_PREV), *next = getWord(payload, AT_NEXT);
  if (prev)
    putWord(prev, AT_NEXT, &next);
  else
    scope->live = next;
  if (next)
    putWord(next, AT_PREV, &prev);
}

/* A block of `bytes` payload bytes aligned to `alignment` (a power of two).
 * Alignments above NNC_HOST_HEADER get a header as long as the alignment
 * and bypass the cache. */
static void *allocate(size_t alignment, size_t bytes) {
  size_t header = alignment > NNC_HOST_HEADER ? alignment : NNC_HOST_HEADER;
  if (bytes > SIZE_MAX - header)
    return NULL;
  int guard = __atomic_load_n(&guardMode, __ATOMIC_ACQUIRE);
  if (guard != NNC_GUARD_OFF)
    return nncGuardAlloc(guard, bytes, alignment);
  char *block = NULL;
  size_t capacity = bytes;
  NncAllocScope *scope = currentScope();
  int spares = scope && scope->ownsSpares;
  /* No cached block (NNC_HOST_CACHE_MIN_BYTES or more) is within a third of
   * a request under three quarters of that: skip the lock and the scan. */
  if (header == NNC_HOST_HEADER) {
    if (spares)
      block = takeSpare(scope, bytes, &capacity);
    if (!block && bytes >= NNC_HOST_CACHE_MIN_BYTES / 4 * 3) {
      pthread_mutex_lock(&cacheLock);
      block = takeCached(bytes, &capacity);
      pthread_mutex_unlock(&cacheLock);
    }
  }
  if (!block) {
    void *raw = NULL;
    /* Out of memory: give the cached blocks back to the system, retry once,
     * then leave the kernel through its scope. */
    if (posix_memalign(&raw, header, bytes + header) != 0) {
      if (spares)
        nncAllocScopeDropSpares(scope);
      releaseCache();
      if (posix_memalign(&raw, header, bytes + header) != 0)
        return NULL;
    }
    block = raw;
  }
  if (!spares)
    pthread_mutex_lock(&cacheLock);
  writeHeader(block + header, capacity, header, scope);
  if (!spares)
    pthread_mutex_unlock(&cacheLock);
  putWord(block + header, AT_REQUESTED, &bytes);
  countLive(bytes);
  ASAN_UNPOISON_MEMORY_REGION(block + header, bytes);
  ASAN_POISON_MEMORY_REGION(block + header + bytes, capacity - bytes);
  return block + header;
}

/* A failed request: inside a scope, longjmp out of the kernel. */
static void *failed(size_t bytes) {
  NncAllocScope *scope = currentScope();
  if (scope) {
    scope->failedBytes = bytes;
    longjmp(scope->onFailure, 1);
  }
  return NULL;
}

NNC_HIDDEN void *nnc_host_alloc(size_t bytes) {
  void *p = allocate(16, bytes);
  return p ? p : failed(bytes);
}

NNC_HIDDEN void *nnc_host_aligned_alloc(size_t alignment, size_t bytes) {
  void *p = allocate(alignment, bytes);
  return p ? p : failed(bytes);
}

NNC_HIDDEN void nnc_host_free(void *ptr) {
  if (!ptr)
    return;
  if (nncGuardOwns(ptr)) {
    nncGuardFree(ptr);
    return;
  }
  size_t bytes = getSize(ptr, AT_BYTES), header = getSize(ptr, AT_HEADER);
  char *block = (char *)ptr - header;
  uncountLive(getSize(ptr, AT_REQUESTED));
  /* A block of the scope with spares current on this thread: its list and its
   * spares are this thread's alone. */
  NncAllocScope *scope = getWord(ptr, AT_SCOPE);
  int local = scope && scope->ownsSpares && scope == currentScope();
  if (local) {
    unlinkLive(ptr);
    if (header == NNC_HOST_HEADER && bytes <= NNC_SCOPE_SPARE_MAX_BYTES &&
        scope->spareCount < NNC_SCOPE_SPARES) {
      scope->spare[scope->spareCount] = block;
      scope->spareSize[scope->spareCount] = bytes;
      ++scope->spareCount;
      ASAN_POISON_MEMORY_REGION(ptr, bytes);
      return;
    }
  }
  pthread_mutex_lock(&cacheLock);
  if (!local)
    unlinkLive(ptr);
  if (header == NNC_HOST_HEADER && liveInstances > 0 &&
      bytes >= NNC_HOST_CACHE_MIN_BYTES &&
      cacheBytes + bytes <= NNC_HOST_CACHE_BYTES &&
      cacheCount < NNC_HOST_CACHE_SLOTS) {
    cacheBlock[cacheCount] = block;
    cacheSize[cacheCount] = bytes;
    ++cacheCount;
    cacheBytes += bytes;
    ASAN_POISON_MEMORY_REGION(ptr, bytes);
    block = NULL;
  }
  pthread_mutex_unlock(&cacheLock);
  free(block);
}

NNC_HIDDEN int nncAllocScopeEnter(NncAllocScope *scope) {
  scope->live = NULL;
  scope->failedBytes = 0;
  scope->outer = currentScope();
  return scopeKeyMade && pthread_setspecific(scopeKey, scope) == 0;
}

NNC_HIDDEN NncAllocScope *nncAllocScopeCurrent(void) { return currentScope(); }

NNC_HIDDEN void nncAllocScopeFreeLive(NncAllocScope *scope) {
  /* Blocks the kernel left behind: those of an abandoned call (or a leak).
   * They go back to the system, not to the cache: memory is short. */
  pthread_mutex_lock(&cacheLock);
  char *p = scope->live;
  scope->live = NULL;
  pthread_mutex_unlock(&cacheLock);
  while (p) {
    char *next = getWord(p, AT_NEXT);
    uncountLive(getSize(p, AT_REQUESTED));
    free(p - getSize(p, AT_HEADER));
    p = next;
  }
}

NNC_HIDDEN void nncAllocScopeHandOver(NncAllocScope *scope, NncAllocScope *to) {
  pthread_mutex_lock(&cacheLock);
  char *p = scope->live;
  scope->live = NULL;
  while (p) {
    char *next = getWord(p, AT_NEXT);
    writeHeader(p, getSize(p, AT_BYTES), getSize(p, AT_HEADER), to);
    p = next;
  }
  pthread_mutex_unlock(&cacheLock);
}

NNC_HIDDEN void nncAllocScopeDropSpares(NncAllocScope *scope) {
  char *release[NNC_SCOPE_SPARES] = {0};
  pthread_mutex_lock(&cacheLock);
  for (int i = 0; i < scope->spareCount; ++i) {
    size_t bytes = scope->spareSize[i];
    if (liveInstances > 0 && bytes >= NNC_HOST_CACHE_MIN_BYTES &&
        cacheBytes + bytes <= NNC_HOST_CACHE_BYTES &&
        cacheCount < NNC_HOST_CACHE_SLOTS) {
      cacheBlock[cacheCount] = scope->spare[i];
      cacheSize[cacheCount] = bytes;
      ++cacheCount;
      cacheBytes += bytes;
    } else {
      release[i] = scope->spare[i];
    }
    scope->spare[i] = NULL;
  }
  scope->spareCount = 0;
  pthread_mutex_unlock(&cacheLock);
  for (int i = 0; i < NNC_SCOPE_SPARES; ++i)
    free(release[i]);
}

NNC_HIDDEN void nncAllocScopeLeave(NncAllocScope *scope) {
  pthread_setspecific(scopeKey, scope->outer);
  nncAllocScopeFreeLive(scope);
}

NNC_HIDDEN void nncAllocScopeFail(size_t bytes) { failed(bytes); }

NNC_HIDDEN size_t nncHostCachedBytes(void) {
  pthread_mutex_lock(&cacheLock);
  size_t bytes = cacheBytes;
  pthread_mutex_unlock(&cacheLock);
  return bytes;
}

NNC_HIDDEN void nncHostInstanceCreated(void) {
  pthread_mutex_lock(&cacheLock);
  ++liveInstances;
  pthread_mutex_unlock(&cacheLock);
}

NNC_HIDDEN void nncHostInstanceDestroyed(void) {
  char *release[NNC_HOST_CACHE_SLOTS] = {0};
  pthread_mutex_lock(&cacheLock);
  if (--liveInstances == 0)
    takeAllCached(release);
  pthread_mutex_unlock(&cacheLock);
  freeAll(release);
}

/* The workspace report (NNC_REPORT_WORKSPACE): per entry point, the most
 * bytes one call had live at once and the number of calls. */
static const char *const workspaceEntries[4] = {"predict", "train_step",
                                                "grads", "apply"};
static size_t workspacePeak[4];
static long long workspaceCalls[4];
static pthread_once_t workspaceOnce = PTHREAD_ONCE_INIT;
static int workspaceReport;

static void reportWorkspace(void) {
  pthread_mutex_lock(&cacheLock);
  for (int i = 0; i < 4; ++i)
    if (workspaceCalls[i])
      fprintf(stderr, "nnc workspace: %s peak %zu bytes over %lld calls\n",
              workspaceEntries[i], workspacePeak[i], workspaceCalls[i]);
  pthread_mutex_unlock(&cacheLock);
}

static void readWorkspaceReport(void) {
  const char *v = getenv("NNC_REPORT_WORKSPACE");
  workspaceReport = v && *v && strcmp(v, "0") != 0;
  if (workspaceReport)
    atexit(reportWorkspace);
}

NNC_HIDDEN int nncHostWorkspaceReporting(void) {
  pthread_once(&workspaceOnce, readWorkspaceReport);
  return workspaceReport;
}

NNC_HIDDEN size_t nncHostWorkspaceBegin(void) {
  size_t base = __atomic_load_n(&liveRequested, __ATOMIC_RELAXED);
  __atomic_store_n(&peakRequested, base, __ATOMIC_RELAXED);
  return base;
}

NNC_HIDDEN size_t nncHostWorkspaceEnd(int entry, size_t base) {
  size_t peak = __atomic_load_n(&peakRequested, __ATOMIC_RELAXED) - base;
  pthread_mutex_lock(&cacheLock);
  if (entry >= 0 && entry < 4) {
    if (peak > workspacePeak[entry])
      workspacePeak[entry] = peak;
    ++workspaceCalls[entry];
  }
  pthread_mutex_unlock(&cacheLock);
  return peak;
}
