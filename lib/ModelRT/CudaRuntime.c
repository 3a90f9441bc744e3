/*===- lib/ModelRT/CudaRuntime.c - MLIR's GPU runtime API on CUDA -*- C -*-===*
 *
 * The `mgpu*` functions that MLIR's gpu-to-llvm lowering calls from the host
 * code of a CUDA model (module load, kernel lookup and launch, streams,
 * memory, copies), and the generic allocation functions the memref lowering
 * calls for kernel temporaries, implemented over the CUDA driver that
 * CudaDriver.c loads at run time. They return void, so each failure is
 * recorded per thread (first error wins) and the shim turns it into the
 * status of the API call after the kernel returns. PTX modules are JIT-ed
 * once and cached by image address, for the life of the process. A call's
 * kernels and temporaries are ordered on the instance's stream, from its
 * memory pool (CudaExec.c), and the host waits only where the host code
 * says (nnc-gpu-async).
 *
 *===----------------------------------------------------------------------===*/
#define _POSIX_C_SOURCE 200809L
#include "CudaDriver.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#define NNC_MAX_MODULES 64

static pthread_mutex_t moduleLock = PTHREAD_MUTEX_INITIALIZER;
static const void *moduleImages[NNC_MAX_MODULES];
static CUmodule modules[NNC_MAX_MODULES];
static int numModules;

/* Returns 1 when the driver is usable on this thread, else records why. */
static int ready(const char *what) {
  nnc_status_t s = nncCudaInit(what);
  if (!s)
    return 1;
  nncCudaRecordError(nnc_status_message(s), 0);
  nnc_status_free(s);
  return 0;
}

static CUmodule loadModule(const void *data, int optLevel) {
  if (!ready("module load"))
    return NULL;
  pthread_mutex_lock(&moduleLock);
  for (int i = 0; i < numModules; ++i)
    if (moduleImages[i] == data) {
      CUmodule m = modules[i];
      pthread_mutex_unlock(&moduleLock);
      return m;
    }
  char log[2048] = {0};
  int options[3] = {5 /* CU_JIT_ERROR_LOG_BUFFER */,
                    6 /* CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES */,
                    7 /* CU_JIT_OPTIMIZATION_LEVEL */};
  void *values[3] = {log, (void *)(uintptr_t)sizeof log,
                     (void *)(uintptr_t)(optLevel < 0   ? 4
                                         : optLevel > 4 ? 4
                                                        : optLevel)};
  CUmodule m = NULL;
  CUresult r = nncCu.moduleLoadDataEx(&m, data, 3, options, values);
  if (r) {
    char what[2200];
    snprintf(what, sizeof what, "cuModuleLoadDataEx (PTX JIT; log: %s)",
             log[0] ? log : "empty");
    nncCudaRecordError(what, r);
    m = NULL;
  } else if (numModules < NNC_MAX_MODULES) {
    moduleImages[numModules] = data;
    modules[numModules++] = m;
  }
  pthread_mutex_unlock(&moduleLock);
  return m;
}

NNC_HIDDEN void *mgpuModuleLoad(void *data, size_t size) {
  (void)size;
  return loadModule(data, 4);
}

NNC_HIDDEN void *mgpuModuleLoadJIT(void *data, int optLevel) {
  return loadModule(data, optLevel);
}

/* Modules stay cached for the process: unloading is a no-op. */
NNC_HIDDEN void mgpuModuleUnload(void *module) { (void)module; }

NNC_HIDDEN void *mgpuModuleGetFunction(void *module, const char *name) {
  if (!module)
    return NULL; /* the load failure is already recorded */
  CUfunction f = NULL;
  CUresult r = nncCu.moduleGetFunction(&f, (CUmodule)module, name);
  if (r)
    nncCudaRecordError("cuModuleGetFunction", r);
  return f;
}

NNC_HIDDEN void mgpuLaunchKernel(void *function, intptr_t gridX, intptr_t gridY,
                                 intptr_t gridZ, intptr_t blockX,
                                 intptr_t blockY, intptr_t blockZ, int32_t smem,
                                 void *stream, void **params, void **extra,
                                 size_t paramsCount) {
  (void)paramsCount;
  if (!function)
    return;
  if (gridX <= 0 || gridY <= 0 || gridZ <= 0)
    return; /* an empty grid (e.g. a zero-sized dimension) does nothing */
  CUresult r = nncCu.launchKernel(
      (CUfunction)function, (unsigned)gridX, (unsigned)gridY, (unsigned)gridZ,
      (unsigned)blockX, (unsigned)blockY, (unsigned)blockZ, (unsigned)smem,
      (CUstream)stream, params, extra);
  if (r)
    nncCudaRecordError("cuLaunchKernel", r);
}

/* The host code takes one stream per call (nnc-gpu-async): the instance's,
 * which CudaExec.c set for this thread; it belongs to the instance, so
 * "destroying" it does nothing. */
NNC_HIDDEN void *mgpuStreamCreate(void) {
  ready("stream create");
  const NncCudaExec *x = nncCudaCurrentExec();
  return x ? x->stream : NNC_CU_STREAM_PER_THREAD;
}

NNC_HIDDEN void mgpuStreamDestroy(void *stream) { (void)stream; }

NNC_HIDDEN void mgpuStreamSynchronize(void *stream) {
  const NncCudaExec *x = nncCudaCurrentExec();
  if (x && x->capturing)
    return; /* the entry's final wait: the shim waits for the graph */
  if (!nncCu.streamSynchronize)
    return;
  CUresult r = nncCu.streamSynchronize((CUstream)stream);
  if (r)
    nncCudaRecordError("kernel execution (cuStreamSynchronize)", r);
}

/* One stream per call: events order nothing more. */
NNC_HIDDEN void *mgpuEventCreate(void) { return NULL; }
NNC_HIDDEN void mgpuEventDestroy(void *event) { (void)event; }
NNC_HIDDEN void mgpuEventSynchronize(void *event) { (void)event; }
NNC_HIDDEN void mgpuEventRecord(void *event, void *stream) {
  (void)event;
  mgpuStreamSynchronize(stream);
}
NNC_HIDDEN void mgpuStreamWaitEvent(void *stream, void *event) {
  (void)stream;
  (void)event;
}

/* gpu.alloc: temporaries only kernels touch, ordered on the call's stream
 * and served by the instance's pool (a graph allocation while capturing);
 * host-shared ones are managed memory. */
NNC_HIDDEN void *mgpuMemAlloc(uint64_t bytes, void *stream, bool hostShared) {
  void *p = NULL;
  if (!ready("mgpuMemAlloc"))
    return NULL;
  const NncCudaExec *x = nncCudaCurrentExec();
  if (hostShared || !x) {
    nnc_status_t s = nncCudaAlloc("mgpuMemAlloc", bytes, 1, &p);
    if (s) {
      nncCudaRecordError(nnc_status_message(s), 0);
      nnc_status_free(s);
    }
    return p;
  }
  CUdeviceptr d = 0;
  size_t n = bytes ? bytes : 4;
  CUresult r =
      x->capturing || !x->pool
          ? nncCu.memAllocAsync(&d, n, (CUstream)stream)
          : nncCu.memAllocFromPoolAsync(&d, n, x->pool, (CUstream)stream);
  if (r) {
    nncCudaRecordError("cuMemAllocAsync (kernel temporary)", r);
    return NULL;
  }
  return (void *)(uintptr_t)d;
}

NNC_HIDDEN void mgpuMemFree(void *ptr, void *stream) {
  if (!ptr)
    return;
  if (!nncCudaCurrentExec()) {
    nncCudaFree(ptr);
    return;
  }
  CUresult r =
      nncCu.memFreeAsync((CUdeviceptr)(uintptr_t)ptr, (CUstream)stream);
  if (r)
    nncCudaRecordError("cuMemFreeAsync (kernel temporary)", r);
}

NNC_HIDDEN void mgpuMemcpy(void *dst, void *src, size_t bytes, void *stream) {
  (void)stream;
  nnc_status_t s = nncCudaCopy("mgpuMemcpy", dst, src, bytes);
  if (s) {
    nncCudaRecordError(nnc_status_message(s), 0);
    nnc_status_free(s);
  }
}

NNC_HIDDEN void mgpuMemset32(void *dst, unsigned value, size_t count,
                             void *stream) {
  (void)stream;
  CUresult r = nncCu.memsetD32((CUdeviceptr)(uintptr_t)dst, value, count);
  if (r)
    nncCudaRecordError("cuMemsetD32", r);
}

NNC_HIDDEN void mgpuMemset16(void *dst, unsigned short value, size_t count,
                             void *stream) {
  (void)stream;
  CUresult r = nncCu.memsetD16((CUdeviceptr)(uintptr_t)dst, value, count);
  if (r)
    nncCudaRecordError("cuMemsetD16", r);
}

NNC_HIDDEN void mgpuSetDefaultDevice(int32_t device) { (void)device; }

/* memref.alloc/dealloc in the host code of CUDA kernels (the memref
 * lowering's generic allocation functions): device temporaries. */
NNC_HIDDEN void *_mlir_memref_to_llvm_alloc(size_t bytes) {
  return mgpuMemAlloc(bytes, NULL, true);
}

NNC_HIDDEN void *_mlir_memref_to_llvm_aligned_alloc(size_t alignment,
                                                    size_t bytes) {
  (void)alignment; /* device allocations are 256-byte aligned */
  return mgpuMemAlloc(bytes, NULL, true);
}

NNC_HIDDEN void _mlir_memref_to_llvm_free(void *ptr) { nncCudaFree(ptr); }
