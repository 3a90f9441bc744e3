/*===- lib/ModelRT/Guard.c - Blocks placed against guard pages ----*- C -*-===*
 *
 * The guard-page mode of the shim (NNC_GUARD_PAGES, docs/guard-pages.md): every
 * instance tensor, every output scratch slot and every kernel temporary gets
 * its own mapping with an inaccessible (PROT_NONE) page on both sides, and
 * the block is placed either so that it ends at the page after it
 * (NNC_GUARD_END: an overrun faults at the first byte past the end, rounded
 * up to the block's alignment) or so that it starts right after the page
 * before it (NNC_GUARD_START: an underrun faults at the first byte before
 * it). Freed blocks are unmapped at once, so a use after free faults too.
 * A registry of live blocks (mutex-guarded) lets nncGuardFree recognise its
 * own blocks without reading memory next to them. This is a test mode: each
 * block costs a system call or three and two pages of address space.
 *
 *===----------------------------------------------------------------------===*/
#define _DEFAULT_SOURCE /* MAP_ANONYMOUS */
#include "Internal.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

typedef struct {
  void *payload;
  char *base;
  size_t length;
} GuardBlock;

static pthread_mutex_t guardLock = PTHREAD_MUTEX_INITIALIZER;
static GuardBlock *blocks;
static size_t numBlocks, capBlocks;
/* Live guarded blocks; read without the lock by nncGuardOwns (a block a
 * thread frees was registered before that thread could see its pointer). */
static size_t liveBlocks;

int nncGuardModeFromEnv(void) {
  const char *v = getenv("NNC_GUARD_PAGES");
  if (!v || !*v || strcmp(v, "0") == 0)
    return NNC_GUARD_OFF;
  return strcmp(v, "start") == 0 ? NNC_GUARD_START : NNC_GUARD_END;
}

static int addBlock(void *payload, char *base, size_t length) {
  int ok = 1;
  pthread_mutex_lock(&guardLock);
  if (numBlocks == capBlocks) {
    size_t cap = capBlocks ? 2 * capBlocks : 64;
    GuardBlock *grown = realloc(blocks, cap * sizeof(*grown));
    if (grown) {
      blocks = grown;
      capBlocks = cap;
    } else {
      ok = 0;
    }
  }
  if (ok) {
    blocks[numBlocks++] = (GuardBlock){payload, base, length};
    __atomic_store_n(&liveBlocks, numBlocks, __ATOMIC_RELEASE);
  }
  pthread_mutex_unlock(&guardLock);
  return ok;
}

void *nncGuardAlloc(int mode, size_t bytes, size_t alignment) {
  size_t page = (size_t)sysconf(_SC_PAGESIZE);
  if (alignment < 1 || alignment > page)
    alignment = alignment > page ? page : 1;
  if (bytes > SIZE_MAX / 2 - 2 * page)
    return NULL;
  size_t inner = (bytes + alignment + page - 1) / page * page;
  if (inner == 0)
    inner = page;
  size_t length = inner + 2 * page;
  char *base =
      mmap(NULL, length, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (base == MAP_FAILED)
    return NULL;
  if (mprotect(base + page, inner, PROT_READ | PROT_WRITE) != 0) {
    munmap(base, length);
    return NULL;
  }
  char *payload = base + page;
  if (mode == NNC_GUARD_END) {
    uintptr_t end = (uintptr_t)(base + page + inner);
    payload = (char *)((end - bytes) / alignment * alignment);
  }
  if (!addBlock(payload, base, length)) {
    munmap(base, length);
    return NULL;
  }
  return payload;
}

int nncGuardOwns(const void *payload) {
  if (__atomic_load_n(&liveBlocks, __ATOMIC_ACQUIRE) == 0)
    return 0;
  int found = 0;
  pthread_mutex_lock(&guardLock);
  for (size_t i = numBlocks; i-- > 0 && !found;)
    found = blocks[i].payload == payload;
  pthread_mutex_unlock(&guardLock);
  return found;
}

void nncGuardFree(void *payload) {
  if (!payload)
    return;
  char *base = NULL;
  size_t length = 0;
  pthread_mutex_lock(&guardLock);
  for (size_t i = numBlocks; i-- > 0;)
    if (blocks[i].payload == payload) {
      base = blocks[i].base;
      length = blocks[i].length;
      blocks[i] = blocks[--numBlocks];
      __atomic_store_n(&liveBlocks, numBlocks, __ATOMIC_RELEASE);
      break;
    }
  pthread_mutex_unlock(&guardLock);
  if (base)
    munmap(base, length);
}
