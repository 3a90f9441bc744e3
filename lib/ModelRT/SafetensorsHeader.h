/*===- lib/ModelRT/SafetensorsHeader.h - safetensors JSON header --*- C -*-===*
 *
 * The parsed form of a safetensors header: one entry per tensor (name, dtype
 * string, shape, data offsets) and the nnc fields of `__metadata__`. The
 * parser is a small strict JSON reader that never reads past the header and
 * reports the byte where it stopped.
 *
 *===----------------------------------------------------------------------===*/
#ifndef NNC_LIB_MODELRT_SAFETENSORSHEADER_H
#define NNC_LIB_MODELRT_SAFETENSORSHEADER_H

#include "Internal.h"

/** One tensor of a safetensors header. */
typedef struct {
  char *name;
  char dtype[8]; /**< "F32", "I64", ... as written (truncated if longer) */
  int32_t rank;
  int64_t shape[NNC_MAX_RANK];
  uint64_t begin, end; /**< data_offsets, relative to the end of the header */
} nncStEntry;

/** A whole header. */
typedef struct {
  nncStEntry *entries;
  int32_t count, capacity;
  int hasStep, hasSeed;
  int64_t step;
  uint64_t seed;
} nncStHeader;

/** Parses `len` bytes of header JSON; errors are DATA_LOSS statuses naming
 *  `path` and the byte offset. On success the caller frees with
 *  nncFreeStHeader; on failure nothing needs freeing. */
NNC_HIDDEN nnc_status_t nncParseStHeader(const char *text, size_t len,
                                         const char *path, nncStHeader *out);

/** Releases the entries of `h`. */
NNC_HIDDEN void nncFreeStHeader(nncStHeader *h);

#endif /* NNC_LIB_MODELRT_SAFETENSORSHEADER_H */
