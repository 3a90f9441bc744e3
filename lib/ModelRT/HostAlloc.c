/* HostAlloc.c - the heap of the CPU kernels: a bounded cache of freed blocks.
 *
 * The nnc-host-alloc pass points the kernels' malloc/aligned_alloc/free at
 * these functions. A kernel allocates the same temporaries (im2col
 * matrices, activations kept for the backward pass, ...) on every call;
 * large blocks come from mmap and return to the system on free, so without
 * a cache every call pays page faults and page clearing for tens of
 * megabytes. Freed blocks are kept (at most NNC_HOST_CACHE_SLOTS blocks and
 * NNC_HOST_CACHE_BYTES bytes) and handed out again for requests of the same
 * size or up to a quarter smaller. The cache is emptied when the last
 * instance of this model is destroyed. One mutex guards it; kernels of
 * several instances may run in parallel threads.
 *
 * Under AddressSanitizer (the sanitizer build) a cached block is poisoned,
 * and so is the slack of a reused block past the requested size: a kernel
 * that reads a temporary after freeing it, or past its end, is reported even
 * though the block never went back to malloc.
 */

#define _POSIX_C_SOURCE 200112L /* posix_memalign */

#include "Internal.h"

#include <pthread.h>
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
  NNC_HOST_CACHE_SLOTS = 64,
  /* A header in front of each payload records its size; 64 bytes keep the
   * payload as aligned as the block. */
  NNC_HOST_HEADER = 64
};
#define NNC_HOST_CACHE_BYTES ((size_t)1 << 30)

static pthread_mutex_t cacheLock = PTHREAD_MUTEX_INITIALIZER;
static char *cacheBlock[NNC_HOST_CACHE_SLOTS];
static size_t cacheSize[NNC_HOST_CACHE_SLOTS];
static size_t cacheBytes;
static long liveInstances;

/* Takes the smallest cached block of at least `bytes` bytes (and at most a
 * third more), or NULL; `*capacity` receives its size. Called with the lock
 * held. */
static char *takeCached(size_t bytes, size_t *capacity) {
  int best = -1;
  for (int i = 0; i < NNC_HOST_CACHE_SLOTS; ++i)
    if (cacheBlock[i] && cacheSize[i] >= bytes &&
        cacheSize[i] - bytes <= bytes / 3 &&
        (best < 0 || cacheSize[i] < cacheSize[best]))
      best = i;
  if (best < 0)
    return NULL;
  char *block = cacheBlock[best];
  *capacity = cacheSize[best];
  cacheBlock[best] = NULL;
  cacheBytes -= cacheSize[best];
  return block;
}

/* The header in front of a payload: its size and the header's length. */
static void writeHeader(char *payload, size_t bytes, size_t header) {
  memcpy(payload - 2 * sizeof(size_t), &bytes, sizeof bytes);
  memcpy(payload - sizeof(size_t), &header, sizeof header);
}

/* A block of `bytes` payload bytes aligned to `alignment` (a power of two).
 * Alignments above NNC_HOST_HEADER get a header as long as the alignment
 * and bypass the cache. */
static void *allocate(size_t alignment, size_t bytes) {
  size_t header = alignment > NNC_HOST_HEADER ? alignment : NNC_HOST_HEADER;
  if (bytes > SIZE_MAX - header)
    return NULL;
  char *block = NULL;
  size_t capacity = bytes;
  if (header == NNC_HOST_HEADER) {
    pthread_mutex_lock(&cacheLock);
    block = takeCached(bytes, &capacity);
    pthread_mutex_unlock(&cacheLock);
  }
  if (!block) {
    void *raw = NULL;
    if (posix_memalign(&raw, header, bytes + header) != 0)
      return NULL;
    block = raw;
  }
  writeHeader(block + header, capacity, header);
  ASAN_UNPOISON_MEMORY_REGION(block + header, bytes);
  ASAN_POISON_MEMORY_REGION(block + header + bytes, capacity - bytes);
  return block + header;
}

NNC_HIDDEN void *nnc_host_alloc(size_t bytes) {
  return allocate(16, bytes);
}

NNC_HIDDEN void *nnc_host_aligned_alloc(size_t alignment, size_t bytes) {
  return allocate(alignment, bytes);
}

NNC_HIDDEN void nnc_host_free(void *ptr) {
  if (!ptr)
    return;
  size_t bytes, header;
  memcpy(&bytes, (char *)ptr - 2 * sizeof(size_t), sizeof bytes);
  memcpy(&header, (char *)ptr - sizeof(size_t), sizeof header);
  char *block = (char *)ptr - header;
  if (header != NNC_HOST_HEADER) {
    free(block);
    return;
  }
  pthread_mutex_lock(&cacheLock);
  if (liveInstances > 0 && cacheBytes + bytes <= NNC_HOST_CACHE_BYTES)
    for (int i = 0; i < NNC_HOST_CACHE_SLOTS; ++i)
      if (!cacheBlock[i]) {
        cacheBlock[i] = block;
        cacheSize[i] = bytes;
        cacheBytes += bytes;
        ASAN_POISON_MEMORY_REGION(ptr, bytes);
        block = NULL;
        break;
      }
  pthread_mutex_unlock(&cacheLock);
  free(block);
}

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
  if (--liveInstances == 0) {
    memcpy(release, cacheBlock, sizeof cacheBlock);
    memset(cacheBlock, 0, sizeof cacheBlock);
    cacheBytes = 0;
  }
  pthread_mutex_unlock(&cacheLock);
  for (int i = 0; i < NNC_HOST_CACHE_SLOTS; ++i)
    free(release[i]);
}
