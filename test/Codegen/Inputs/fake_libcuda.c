/*===- fake_libcuda.c - A CUDA driver that logs instead of running -*- C -*-===*
 *
 * Built as libcuda.so.1 by gpu-async-graphs.test and put first on
 * LD_LIBRARY_PATH, it stands in for the NVIDIA driver on a machine without a
 * GPU: memory is host memory (so copies and the shim's bookkeeping work),
 * kernels do not run, and every call that orders work is written to the
 * file $FAKE_CUDA_LOG, one line each:
 *   stream-create S | launch KERNEL S | stream-sync S | capture-begin S |
 *   capture-end S | instantiate | graph-launch S | alloc-async S |
 *   free-async S | alloc-managed | device-open D | error WHAT
 * where S numbers streams in creation order (0: the per-thread default) and
 * D is a device ordinal ($FAKE_CUDA_DEVICES devices, default 1).
 * Like the real driver, it refuses a synchronisation of a stream that is
 * being captured and a launch beyond the grid and block limits of the GPUs
 * nnc targets (and logs them as errors).
 *
 *===----------------------------------------------------------------------===*/
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef int CUresult;
typedef unsigned long long CUdeviceptr;

enum { MAX_STREAMS = 64 };
static void *streams[MAX_STREAMS]; /* handles; index = number in the log */
static int numStreams = 1, capturing[MAX_STREAMS];

static void logLine(const char *fmt, ...) {
  const char *path = getenv("FAKE_CUDA_LOG");
  FILE *f = path ? fopen(path, "a") : NULL;
  if (!f)
    return;
  va_list ap;
  va_start(ap, fmt);
  vfprintf(f, fmt, ap);
  va_end(ap);
  fputc('\n', f);
  fclose(f);
}

/* The number of stream handle `s` (0: a default stream). */
static int streamId(void *s) {
  for (int i = 1; i < numStreams; ++i)
    if (streams[i] == s)
      return i;
  return 0;
}

CUresult cuInit(unsigned flags) {
  (void)flags;
  return 0;
}
CUresult cuDeviceGetCount(int *n) {
  const char *env = getenv("FAKE_CUDA_DEVICES");
  *n = env && *env ? atoi(env) : 1;
  return 0;
}
CUresult cuDeviceGet(int *d, int ordinal) {
  *d = ordinal;
  return 0;
}
CUresult cuDevicePrimaryCtxRetain(void **ctx, int dev) {
  logLine("device-open %d", dev);
  *ctx = (void *)0x1;
  return 0;
}
CUresult cuCtxSetCurrent(void *ctx) {
  (void)ctx;
  return 0;
}
CUresult cuGetErrorString(CUresult r, const char **s) {
  *s = r == 900 ? "operation not permitted when stream is capturing"
                : "fake driver error";
  return 0;
}
CUresult cuModuleLoadDataEx(void **m, const void *image, unsigned n, int *o,
                            void **v) {
  (void)image, (void)n, (void)o, (void)v;
  *m = (void *)0x10;
  return 0;
}
/* Kernel names, for the log: a function handle is its name's copy here. */
enum { MAX_FUNCTIONS = 4096, MAX_NAME = 96 };
static char functions[MAX_FUNCTIONS][MAX_NAME];
static int numFunctions;

CUresult cuModuleGetFunction(void **f, void *m, const char *name) {
  (void)m;
  for (int i = 0; i < numFunctions; ++i)
    if (strncmp(functions[i], name, MAX_NAME - 1) == 0) {
      *f = functions[i];
      return 0;
    }
  if (numFunctions == MAX_FUNCTIONS)
    return 2;
  snprintf(functions[numFunctions], MAX_NAME, "%s", name);
  *f = functions[numFunctions++];
  return 0;
}
CUresult cuLaunchKernel(void *f, unsigned gx, unsigned gy, unsigned gz,
                        unsigned bx, unsigned by, unsigned bz, unsigned smem,
                        void *stream, void **params, void **extra) {
  (void)smem, (void)params, (void)extra;
  /* The limits of every GPU nnc targets (compute capability 8.0+). */
  if (gx > 0x7fffffffu || gy > 65535 || gz > 65535 || bx > 1024 || by > 1024 ||
      bz > 64 || (unsigned long long)bx * by * bz > 1024) {
    logLine("error launch %s: grid %u x %u x %u, block %u x %u x %u out of "
            "limits",
            (const char *)f, gx, gy, gz, bx, by, bz);
    return 1; /* CUDA_ERROR_INVALID_VALUE */
  }
  logLine("launch %s %d", (const char *)f, streamId(stream));
  return 0;
}
static CUresult hostAlloc(CUdeviceptr *p, size_t n) {
  *p = (CUdeviceptr)(uintptr_t)calloc(1, n ? n : 1);
  return *p ? 0 : 2;
}
CUresult cuMemAlloc_v2(CUdeviceptr *p, size_t n) { return hostAlloc(p, n); }
CUresult cuMemAllocManaged(CUdeviceptr *p, size_t n, unsigned flags) {
  (void)flags;
  logLine("alloc-managed");
  return hostAlloc(p, n);
}
CUresult cuMemFree_v2(CUdeviceptr p) {
  free((void *)(uintptr_t)p);
  return 0;
}
CUresult cuMemcpy(CUdeviceptr d, CUdeviceptr s, size_t n) {
  memmove((void *)(uintptr_t)d, (const void *)(uintptr_t)s, n);
  return 0;
}
CUresult cuMemsetD32_v2(CUdeviceptr d, unsigned v, size_t n) {
  for (size_t i = 0; i < n; ++i)
    ((unsigned *)(uintptr_t)d)[i] = v;
  return 0;
}
CUresult cuMemsetD16_v2(CUdeviceptr d, unsigned short v, size_t n) {
  for (size_t i = 0; i < n; ++i)
    ((unsigned short *)(uintptr_t)d)[i] = v;
  return 0;
}
CUresult cuStreamSynchronize(void *s) {
  int id = streamId(s);
  if (capturing[id]) {
    logLine("error sync of capturing stream %d", id);
    return 900;
  }
  logLine("stream-sync %d", id);
  return 0;
}
CUresult cuStreamCreate(void **s, unsigned flags) {
  (void)flags;
  if (numStreams == MAX_STREAMS)
    return 2;
  *s = streams[numStreams] = malloc(1);
  logLine("stream-create %d", numStreams++);
  return 0;
}
CUresult cuStreamDestroy_v2(void *s) {
  streams[streamId(s)] = NULL;
  free(s);
  return 0;
}
CUresult cuStreamBeginCapture_v2(void *s, int mode) {
  (void)mode;
  capturing[streamId(s)] = 1;
  logLine("capture-begin %d", streamId(s));
  return 0;
}
CUresult cuStreamEndCapture(void *s, void **graph) {
  capturing[streamId(s)] = 0;
  logLine("capture-end %d", streamId(s));
  *graph = malloc(1);
  return 0;
}
CUresult cuGraphInstantiateWithFlags(void **exec, void *graph,
                                     unsigned long long flags) {
  (void)graph, (void)flags;
  logLine("instantiate");
  *exec = malloc(1);
  return 0;
}
CUresult cuGraphLaunch(void *exec, void *s) {
  (void)exec;
  logLine("graph-launch %d", streamId(s));
  return 0;
}
CUresult cuGraphExecDestroy(void *exec) {
  free(exec);
  return 0;
}
CUresult cuGraphDestroy(void *graph) {
  free(graph);
  return 0;
}
CUresult cuMemPoolCreate(void **pool, const void *props) {
  (void)props;
  *pool = malloc(1);
  return 0;
}
CUresult cuMemPoolDestroy(void *pool) {
  free(pool);
  return 0;
}
CUresult cuMemPoolSetAttribute(void *pool, int attr, void *value) {
  (void)pool, (void)attr, (void)value;
  return 0;
}
CUresult cuMemAllocAsync(CUdeviceptr *p, size_t n, void *s) {
  logLine("alloc-async %d", streamId(s));
  return hostAlloc(p, n);
}
CUresult cuMemAllocFromPoolAsync(CUdeviceptr *p, size_t n, void *pool,
                                 void *s) {
  (void)pool;
  return cuMemAllocAsync(p, n, s);
}
CUresult cuMemFreeAsync(CUdeviceptr p, void *s) {
  logLine("free-async %d", streamId(s));
  free((void *)(uintptr_t)p);
  return 0;
}
