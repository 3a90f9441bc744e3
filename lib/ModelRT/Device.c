/*===- lib/ModelRT/Device.c - The device operations of each target -*- C -*-===*
 *
 * One table of operations per target a model.so may be compiled for (see
 * NncDeviceOps in Internal.h): where instance tensors live, how they are
 * copied and zeroed, and how a kernel is called. The instance picks its
 * table once, from the descriptor's target, at create; nothing else in the
 * shim tests the target.
 *
 *===----------------------------------------------------------------------===*/
#include "CudaDriver.h"

#include <string.h>

/* CPU: tensors in host memory, kernels called on the host. */

static nnc_status_t hostInit(const char *fn) {
  (void)fn;
  return NULL;
}

static nnc_status_t hostPlace(nnc_model_t *m, const char *fn, void *host,
                              size_t bytes, void **out) {
  (void)m, (void)fn, (void)bytes;
  *out = host;
  return NULL;
}

static void hostRelease(nnc_model_t *m, void *p) { nncHostTensorFree(m, p); }

static void hostDestroy(nnc_model_t *m) { (void)m; }

static nnc_status_t hostCopy(const char *fn, void *dst, const void *src,
                             size_t bytes) {
  (void)fn;
  memcpy(dst, src, bytes);
  return NULL;
}

static nnc_status_t hostZero(const char *fn, void *p, size_t bytes) {
  (void)fn;
  memset(p, 0, bytes);
  return NULL;
}

static const NncDeviceOps hostDevice = {
    .name = "cpu",
    .hostMemory = 1,
    .inputGradients = 1,
    .init = hostInit,
    .place = hostPlace,
    .release = hostRelease,
    .destroy = hostDestroy,
    .toHost = hostCopy,
    .fromHost = hostCopy,
    .zero = hostZero,
    .prepare = NULL,
    .arg = NULL,
    .call = nncHostCall,
};

/* CUDA: tensors in device memory (the driver API, CudaDriver.c), kernels
 * launched from the host code with inputs staged (CudaExec.c). */

static nnc_status_t cudaPlace(nnc_model_t *m, const char *fn, void *host,
                              size_t bytes, void **out) {
  /* Initialised on the host, then moved to device memory. */
  nnc_status_t s = nncCudaAlloc(fn, bytes, 0, out);
  if (!s)
    s = nncCudaCopy(fn, *out, host, bytes);
  nncHostTensorFree(m, host);
  return s;
}

static void cudaRelease(nnc_model_t *m, void *p) {
  (void)m;
  nncCudaFree(p);
}

static void cudaDestroy(nnc_model_t *m) {
  nncCudaInstanceDestroy(m);
  nncCudaFree(m->deviceIO);
  nncCudaFree(m->deviceScalars);
}

static nnc_status_t cudaCopy(const char *fn, void *dst, const void *src,
                             size_t bytes) {
  nnc_status_t s = nncCudaInit(fn);
  return s ? s : nncCudaCopy(fn, dst, src, bytes);
}

static nnc_status_t cudaZero(const char *fn, void *p, size_t bytes) {
  nnc_status_t s = nncCudaInit(fn);
  if (!s && bytes % 4 == 0 && bytes) {
    CUresult r = nncCu.memsetD32((CUdeviceptr)(uintptr_t)p, 0, bytes / 4);
    if (r)
      s = nncCudaStatus(fn, "cuMemsetD32", r);
  }
  return s;
}

static const NncDeviceOps cudaDevice = {
    .name = "cuda",
    .hostMemory = 0,
    .inputGradients = 0,
    .init = nncCudaInit,
    .place = cudaPlace,
    .release = cudaRelease,
    .destroy = cudaDestroy,
    .toHost = cudaCopy,
    .fromHost = cudaCopy,
    .zero = cudaZero,
    .prepare = nncDevicePrepare,
    .arg = nncDeviceArg,
    .call = nncDeviceCall,
};

const NncDeviceOps *nncDeviceFor(int32_t target) {
  return target == NNC_TARGET_CUDA ? &cudaDevice : &hostDevice;
}
