/*===- lib/ModelRT/CudaDriver.c - Loading and using the CUDA driver -*- C
 *-*-===*
 *
 * Resolves the CUDA driver API with dlopen("libcuda.so.1") the first time a
 * CUDA model needs it (never for CPU models), selects the primary context of
 * one device, and wraps allocation, copies and error reporting as
 * nnc_status_t. A machine without the driver or without a device gets a
 * clear status from nnc_model_create; nothing here aborts.
 *
 *===----------------------------------------------------------------------===*/
#define _POSIX_C_SOURCE 200809L
#include "CudaDriver.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

NncCudaApi nncCu;

static pthread_mutex_t initLock = PTHREAD_MUTEX_INITIALIZER;
static int initDone; /* 1: success, -1: failed (message kept) */
static char initError[512];
static CUcontext context;
static CUdevice device;

/* First failure of a runtime wrapper call, per thread (a pthread key, not
 * __thread: TLS in a dlopen-ed library would need ld.so's __tls_get_addr). */
typedef struct {
  int set;
  char message[512];
} ThreadError;
static pthread_key_t errorKey;
static pthread_once_t errorKeyOnce = PTHREAD_ONCE_INIT;

static void makeErrorKey(void) { pthread_key_create(&errorKey, free); }

/* This thread's error slot; NULL only when out of memory. */
static ThreadError *threadError(void) {
  pthread_once(&errorKeyOnce, makeErrorKey);
  ThreadError *e = pthread_getspecific(errorKey);
  if (!e && (e = calloc(1, sizeof *e)))
    pthread_setspecific(errorKey, e);
  return e;
}

static const char *errorText(CUresult r) {
  const char *s = NULL;
  if (nncCu.getErrorString && nncCu.getErrorString(r, &s) == 0 && s)
    return s;
  return "unknown CUDA error";
}

nnc_status_t nncCudaStatus(const char *fn, const char *what, CUresult r) {
  return nncMakeStatus(
      r == 2 ? NNC_STATUS_RESOURCE_EXHAUSTED : NNC_STATUS_INTERNAL,
      "%s: CUDA: %s failed: %s (CUDA error %d)", fn, what, errorText(r), r);
}

/* Resolves one symbol into `slot`; returns 0 when missing. */
static int resolve(void *lib, const char *name, void *slot) {
  void *p = dlsym(lib, name);
  memcpy(slot, &p, sizeof(p));
  if (!p)
    snprintf(initError, sizeof initError,
             "libcuda.so.1 lacks '%s' (driver too old?)", name);
  return p != NULL;
}

static void loadDriver(void) {
  void *lib = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
  if (!lib) {
    const char *e = dlerror();
    snprintf(initError, sizeof initError,
             "cannot load libcuda.so.1 (no NVIDIA driver on this machine?): "
             "%s",
             e ? e : "not found");
    initDone = -1;
    return;
  }
  int ok =
      resolve(lib, "cuInit", &nncCu.init) &&
      resolve(lib, "cuDeviceGetCount", &nncCu.deviceGetCount) &&
      resolve(lib, "cuDeviceGet", &nncCu.deviceGet) &&
      resolve(lib, "cuDevicePrimaryCtxRetain", &nncCu.primaryCtxRetain) &&
      resolve(lib, "cuCtxSetCurrent", &nncCu.ctxSetCurrent) &&
      resolve(lib, "cuGetErrorString", &nncCu.getErrorString) &&
      resolve(lib, "cuModuleLoadDataEx", &nncCu.moduleLoadDataEx) &&
      resolve(lib, "cuModuleGetFunction", &nncCu.moduleGetFunction) &&
      resolve(lib, "cuLaunchKernel", &nncCu.launchKernel) &&
      resolve(lib, "cuMemAlloc_v2", &nncCu.memAlloc) &&
      resolve(lib, "cuMemAllocManaged", &nncCu.memAllocManaged) &&
      resolve(lib, "cuMemFree_v2", &nncCu.memFree) &&
      resolve(lib, "cuMemcpy", &nncCu.memcpy) &&
      resolve(lib, "cuMemsetD32_v2", &nncCu.memsetD32) &&
      resolve(lib, "cuMemsetD16_v2", &nncCu.memsetD16) &&
      resolve(lib, "cuStreamSynchronize", &nncCu.streamSynchronize) &&
      resolve(lib, "cuStreamCreate", &nncCu.streamCreate) &&
      resolve(lib, "cuStreamDestroy_v2", &nncCu.streamDestroy) &&
      resolve(lib, "cuStreamBeginCapture_v2", &nncCu.streamBeginCapture) &&
      resolve(lib, "cuStreamEndCapture", &nncCu.streamEndCapture) &&
      resolve(lib, "cuGraphInstantiateWithFlags", &nncCu.graphInstantiate) &&
      resolve(lib, "cuGraphLaunch", &nncCu.graphLaunch) &&
      resolve(lib, "cuGraphExecDestroy", &nncCu.graphExecDestroy) &&
      resolve(lib, "cuGraphDestroy", &nncCu.graphDestroy) &&
      resolve(lib, "cuMemPoolCreate", &nncCu.memPoolCreate) &&
      resolve(lib, "cuMemPoolDestroy", &nncCu.memPoolDestroy) &&
      resolve(lib, "cuMemPoolSetAttribute", &nncCu.memPoolSetAttribute) &&
      resolve(lib, "cuMemAllocAsync", &nncCu.memAllocAsync) &&
      resolve(lib, "cuMemAllocFromPoolAsync", &nncCu.memAllocFromPoolAsync) &&
      resolve(lib, "cuMemFreeAsync", &nncCu.memFreeAsync);
  if (!ok) {
    initDone = -1;
    return;
  }
  CUresult r = nncCu.init(0);
  int count = 0;
  if (r == 0)
    r = nncCu.deviceGetCount(&count);
  if (r != 0) {
    snprintf(initError, sizeof initError, "cuInit failed: %s (CUDA error %d)",
             errorText(r), r);
    initDone = -1;
    return;
  }
  int ordinal = 0;
  const char *env = getenv("NNC_CUDA_DEVICE");
  if (env && *env)
    ordinal = atoi(env);
  if (count <= 0 || ordinal < 0 || ordinal >= count) {
    snprintf(initError, sizeof initError,
             "no CUDA device %d (the driver reports %d device%s)", ordinal,
             count, count == 1 ? "" : "s");
    initDone = -1;
    return;
  }
  r = nncCu.deviceGet(&device, ordinal);
  if (r == 0)
    r = nncCu.primaryCtxRetain(&context, device);
  if (r != 0) {
    snprintf(initError, sizeof initError,
             "cannot open CUDA device %d: %s (CUDA error %d)", ordinal,
             errorText(r), r);
    initDone = -1;
    return;
  }
  initDone = 1;
}

nnc_status_t nncCudaInit(const char *fn) {
  pthread_mutex_lock(&initLock);
  if (!initDone)
    loadDriver();
  int done = initDone;
  pthread_mutex_unlock(&initLock);
  if (done < 0)
    return nncMakeStatus(NNC_STATUS_UNIMPLEMENTED, "%s: CUDA: %s", fn,
                         initError);
  CUresult r = nncCu.ctxSetCurrent(context);
  return r ? nncCudaStatus(fn, "cuCtxSetCurrent", r) : NULL;
}

CUdevice nncCudaDevice(void) { return device; }

/* The call each thread runs (CudaExec.c sets it around the kernel). */
static pthread_key_t execKey;
static pthread_once_t execKeyOnce = PTHREAD_ONCE_INIT;

static void makeExecKey(void) { pthread_key_create(&execKey, NULL); }

void nncCudaSetExec(const NncCudaExec *exec) {
  pthread_once(&execKeyOnce, makeExecKey);
  pthread_setspecific(execKey, exec);
}

const NncCudaExec *nncCudaCurrentExec(void) {
  pthread_once(&execKeyOnce, makeExecKey);
  return pthread_getspecific(execKey);
}

nnc_status_t nncCudaAlloc(const char *fn, size_t bytes, int managed,
                          void **out) {
  CUdeviceptr p = 0;
  size_t n = bytes ? bytes : 4;
  CUresult r = managed ? nncCu.memAllocManaged(&p, n, 1 /* GLOBAL */)
                       : nncCu.memAlloc(&p, n);
  if (r)
    return nncCudaStatus(fn, managed ? "cuMemAllocManaged" : "cuMemAlloc", r);
  *out = (void *)(uintptr_t)p;
  return NULL;
}

void nncCudaFree(void *p) {
  if (p && initDone > 0)
    nncCu.memFree((CUdeviceptr)(uintptr_t)p);
}

nnc_status_t nncCudaCopy(const char *fn, void *dst, const void *src,
                         size_t bytes) {
  if (!bytes)
    return NULL;
  CUresult r = nncCu.memcpy((CUdeviceptr)(uintptr_t)dst,
                            (CUdeviceptr)(uintptr_t)src, bytes);
  return r ? nncCudaStatus(fn, "cuMemcpy", r) : NULL;
}

void nncCudaRecordError(const char *what, CUresult r) {
  ThreadError *e = threadError();
  if (!e || e->set)
    return;
  e->set = 1;
  if (r == 0)
    snprintf(e->message, sizeof e->message, "%s", what);
  else
    snprintf(e->message, sizeof e->message, "%s failed: %s (CUDA error %d)",
             what, errorText(r), r);
}

nnc_status_t nncCudaTakeError(const char *fn) {
  ThreadError *e = threadError();
  if (!e || !e->set)
    return NULL;
  e->set = 0;
  return nncMakeStatus(NNC_STATUS_INTERNAL, "%s: CUDA: %s", fn, e->message);
}
