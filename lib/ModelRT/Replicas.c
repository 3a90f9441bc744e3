/*===- Replicas.c - nn.replica_sum through the instance's callback --------===*
 *
 * The compiled `nn.replica_sum` (sync_batchnorm's sums over the
 * data-parallel processes) calls nnc_rt_replica_sum with the instance's
 * address (the NNC_ARG_REPLICAS argument) and its buffer. The instance holds
 * the callback the host installed (nnc_model_set_allreduce); without one the
 * sum over one process is the data itself. A failure cannot leave the kernel
 * here: it is recorded and reported by Exec.c when the kernel returns.
 *
 *===----------------------------------------------------------------------===*/

#include "Internal.h"

void nnc_rt_replica_sum(int64_t instance, float *allocated, float *aligned,
                        int64_t offset, int64_t size, int64_t stride) {
  (void)allocated;
  (void)stride; /* a fresh contiguous buffer (Replicas.cpp) */
  nnc_model_t *m = (nnc_model_t *)(intptr_t)instance;
  if (!m || !m->allreduce || m->allreduceFailed || size <= 0)
    return;
  if (m->allreduce(m->allreduceContext, aligned + offset, size) != 0)
    m->allreduceFailed = 1;
}
