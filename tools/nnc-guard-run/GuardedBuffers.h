/*===- tools/nnc-guard-run/GuardedBuffers.h - Guarded buffers -----*- C -*-===*
 *
 * Caller buffers of nnc-guard-run, each in its own mapping between two
 * inaccessible (PROT_NONE) pages and placed against one of them: at the end
 * (the last byte of the buffer is the last byte before the page after it, so
 * an overrun faults) or at the start (the first byte follows the page before
 * it, so an underrun faults). Every live buffer is registered with a label;
 * a SIGSEGV/SIGBUS handler names the buffer whose guard page was hit and
 * what was running, then lets the fault kill the process.
 *
 *===----------------------------------------------------------------------===*/
#ifndef NNC_TOOLS_NNC_GUARD_RUN_GUARDEDBUFFERS_H
#define NNC_TOOLS_NNC_GUARD_RUN_GUARDEDBUFFERS_H

#include <stddef.h>

/** Where a buffer sits in its mapping. */
typedef enum { GUARD_AT_END = 0, GUARD_AT_START = 1 } GuardPlacement;

/** One caller buffer: `data` of `size` bytes inside [base, base + length). */
typedef struct {
  char *base;
  size_t length;
  void *data;
  size_t size;
} GuardedBuffer;

/** Maps `size` bytes placed per `placement` and registers `label` (copied)
 *  for fault reports; returns 0 when out of memory or registry slots. */
int guardedAlloc(GuardedBuffer *b, size_t size, GuardPlacement placement,
                 const char *label);

/** Unmaps and unregisters `b` (a zeroed buffer is a no-op). */
void guardedFree(GuardedBuffer *b);

/** Sets what a fault report says was running ("model.so: predict, batch
 *  3, buffers at the end"); copied. */
void guardedSetActivity(const char *activity);

/** Installs the fault handler (on an alternate stack). */
int guardedInstallHandler(void);

#endif /* NNC_TOOLS_NNC_GUARD_RUN_GUARDEDBUFFERS_H */
