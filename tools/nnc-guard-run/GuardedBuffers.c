/*===- tools/nnc-guard-run/GuardedBuffers.c - Guarded buffers -----*- C -*-===*
 *
 * Implements GuardedBuffers.h: mmap with PROT_NONE pages on both sides, a
 * fixed registry of live buffers and a fault handler that reports which
 * buffer's guard page the faulting address lies in (past its end or before
 * its start) and what was running, then returns with the default action
 * restored, so that the faulting instruction kills the process with the
 * original signal (a crash that lit and the shell see).
 *
 *===----------------------------------------------------------------------===*/
#define _DEFAULT_SOURCE /* MAP_ANONYMOUS, sigaltstack */
#include "GuardedBuffers.h"

#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

enum { MAX_BUFFERS = 512, LABEL_CHARS = 160 };

typedef struct {
  char *base;
  size_t length;
  char *data;
  size_t size;
  char label[LABEL_CHARS];
} Slot;

static Slot slots[MAX_BUFFERS];
static char activity[512] = "(starting)";
static size_t pageSize;

int guardedAlloc(GuardedBuffer *b, size_t size, GuardPlacement placement,
                 const char *label) {
  memset(b, 0, sizeof(*b));
  if (!pageSize)
    pageSize = (size_t)sysconf(_SC_PAGESIZE);
  int slot = -1;
  for (int i = 0; i < MAX_BUFFERS && slot < 0; ++i)
    if (!slots[i].base)
      slot = i;
  if (slot < 0)
    return 0;
  size_t inner = (size + pageSize - 1) / pageSize * pageSize;
  if (inner == 0)
    inner = pageSize;
  size_t length = inner + 2 * pageSize;
  char *base =
      mmap(NULL, length, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (base == MAP_FAILED)
    return 0;
  if (mprotect(base + pageSize, inner, PROT_READ | PROT_WRITE) != 0) {
    munmap(base, length);
    return 0;
  }
  char *data = base + pageSize;
  if (placement == GUARD_AT_END)
    data += inner - size;
  Slot *s = &slots[slot];
  snprintf(s->label, sizeof(s->label), "%s", label);
  s->data = data;
  s->size = size;
  s->length = length;
  s->base = base; /* last: the handler skips slots without a base */
  b->base = base;
  b->length = length;
  b->data = data;
  b->size = size;
  return 1;
}

void guardedFree(GuardedBuffer *b) {
  if (!b->base)
    return;
  for (int i = 0; i < MAX_BUFFERS; ++i)
    if (slots[i].base == b->base)
      slots[i].base = NULL;
  munmap(b->base, b->length);
  memset(b, 0, sizeof(*b));
}

void guardedSetActivity(const char *what) {
  snprintf(activity, sizeof(activity), "%s", what);
}

/* Writes the whole string to stderr (async-signal-safe). */
static void say(const char *s) {
  size_t n = strlen(s);
  while (n > 0) {
    ssize_t w = write(2, s, n);
    if (w <= 0)
      return;
    s += w;
    n -= (size_t)w;
  }
}

/* Decimal text of `v` in `buf` (async-signal-safe). */
static const char *decimal(size_t v, char buf[24]) {
  char *p = buf + 23;
  *p = 0;
  do {
    *--p = (char)('0' + v % 10);
    v /= 10;
  } while (v);
  return p;
}

static void onFault(int sig, siginfo_t *info, void *context) {
  (void)context;
  char num[24];
  char *addr = (char *)info->si_addr;
  say("nnc-guard-run: FAULT: ");
  say(sig == SIGBUS ? "SIGBUS" : "SIGSEGV");
  say(" while running ");
  say(activity);
  say(": ");
  for (int i = 0; i < MAX_BUFFERS; ++i) {
    const Slot *s = &slots[i];
    if (!s->base || addr < s->base || addr >= s->base + s->length)
      continue;
    if (addr >= s->data + s->size) {
      say(decimal((size_t)(addr - (s->data + s->size)), num));
      say(" bytes past the end of ");
    } else if (addr < s->data) {
      say(decimal((size_t)(s->data - addr), num));
      say(" bytes before the start of ");
    } else {
      say("inside ");
    }
    say(s->label);
    say(" (");
    say(decimal(s->size, num));
    say(" bytes)\n");
    return; /* SA_RESETHAND: the instruction faults again, fatally */
  }
  say("the address is not next to a caller buffer (an instance tensor or a "
      "kernel temporary under NNC_GUARD_PAGES, or a wild access)\n");
}

int guardedInstallHandler(void) {
  static char altStack[1 << 16];
  stack_t ss;
  memset(&ss, 0, sizeof(ss));
  ss.ss_sp = altStack;
  ss.ss_size = sizeof(altStack);
  if (sigaltstack(&ss, NULL) != 0)
    return 0;
  struct sigaction sa;
  memset(&sa, 0, sizeof(sa));
  sa.sa_sigaction = onFault;
  sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_RESETHAND;
  sigemptyset(&sa.sa_mask);
  return sigaction(SIGSEGV, &sa, NULL) == 0 &&
         sigaction(SIGBUS, &sa, NULL) == 0;
}
