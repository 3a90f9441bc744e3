/*===- test/unit/ModelRT/Fixtures/Memref.h - memref access --------*- C -*-===*
 *
 * Hand-written fixture kernels read their arguments exactly as MLIR-generated
 * code does: args[i] points to a rank-generic memref descriptor
 * {allocated, aligned, offset, sizes[r], strides[r]}. These helpers index it.
 *
 *===----------------------------------------------------------------------===*/
#ifndef NNC_TEST_UNIT_MODELRT_FIXTURES_MEMREF_H
#define NNC_TEST_UNIT_MODELRT_FIXTURES_MEMREF_H

#include <stdint.h>

typedef struct {
  void *allocated;
  void *aligned;
  int64_t offset;
  int64_t sizesAndStrides[]; /* sizes[rank] then strides[rank] */
} Memref;

/** Element pointer of f32 argument `i` (aligned + offset). */
static inline float *argF32(void **args, int i) {
  Memref *m = (Memref *)args[i];
  return (float *)m->aligned + m->offset;
}
static inline int32_t *argI32(void **args, int i) {
  Memref *m = (Memref *)args[i];
  return (int32_t *)m->aligned + m->offset;
}
static inline int64_t *argI64(void **args, int i) {
  Memref *m = (Memref *)args[i];
  return (int64_t *)m->aligned + m->offset;
}
/** Size of dimension `d` of argument `i`. */
static inline int64_t argSize(void **args, int i, int d) {
  return ((Memref *)args[i])->sizesAndStrides[d];
}
/** Stride of dimension `d` of rank-`rank` argument `i`. */
static inline int64_t argStride(void **args, int i, int rank, int d) {
  return ((Memref *)args[i])->sizesAndStrides[rank + d];
}

#endif /* NNC_TEST_UNIT_MODELRT_FIXTURES_MEMREF_H */
