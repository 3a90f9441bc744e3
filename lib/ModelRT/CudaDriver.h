/*===- lib/ModelRT/CudaDriver.h - The CUDA driver, loaded at run time -*- C
 *-*-===*
 *
 * The part of the CUDA driver API that a CUDA model.so uses, declared here
 * with the driver's own types and resolved with dlopen("libcuda.so.1") on
 * first use, so that building and loading a model needs no CUDA at all. The
 * shim uses the `nncCuda*` helpers for instance tensors and data transfers;
 * the MLIR runtime wrappers (CudaRuntime.c) use the table directly. Every
 * driver failure becomes an nnc_status_t carrying the driver's message.
 *
 *===----------------------------------------------------------------------===*/
#ifndef NNC_LIB_MODELRT_CUDADRIVER_H
#define NNC_LIB_MODELRT_CUDADRIVER_H

#include "Internal.h"

typedef int CUresult;
typedef int CUdevice;
typedef unsigned long long CUdeviceptr;
typedef struct CUctx_st *CUcontext;
typedef struct CUmod_st *CUmodule;
typedef struct CUfunc_st *CUfunction;
typedef struct CUstream_st *CUstream;
typedef struct CUgraph_st *CUgraph;
typedef struct CUgraphExec_st *CUgraphExec;
typedef struct CUmemPoolHandle_st *CUmemoryPool;

/** CUmemPoolProps: same size and leading fields in CUDA 11.2 to 13. */
typedef struct {
  int allocType;    /* CU_MEM_ALLOCATION_TYPE_PINNED = 1 */
  int handleTypes;  /* CU_MEM_HANDLE_TYPE_NONE = 0 */
  int locationType; /* CU_MEM_LOCATION_TYPE_DEVICE = 1 */
  int locationId;
  void *win32SecurityAttributes;
  unsigned char reserved[64];
} NncCuMemPoolProps;

/** The driver's per-thread default stream (CU_STREAM_PER_THREAD). */
#define NNC_CU_STREAM_PER_THREAD ((CUstream)0x2)

/** The driver entry points nnc uses, filled by nncCudaInit. */
typedef struct {
  CUresult (*init)(unsigned);
  CUresult (*deviceGetCount)(int *);
  CUresult (*deviceGet)(CUdevice *, int);
  CUresult (*primaryCtxRetain)(CUcontext *, CUdevice);
  CUresult (*ctxSetCurrent)(CUcontext);
  CUresult (*getErrorString)(CUresult, const char **);
  CUresult (*moduleLoadDataEx)(CUmodule *, const void *, unsigned, int *,
                               void **);
  CUresult (*moduleGetFunction)(CUfunction *, CUmodule, const char *);
  CUresult (*launchKernel)(CUfunction, unsigned, unsigned, unsigned, unsigned,
                           unsigned, unsigned, unsigned, CUstream, void **,
                           void **);
  CUresult (*memAlloc)(CUdeviceptr *, size_t);
  CUresult (*memAllocManaged)(CUdeviceptr *, size_t, unsigned);
  CUresult (*memFree)(CUdeviceptr);
  CUresult (*memcpy)(CUdeviceptr, CUdeviceptr, size_t);
  CUresult (*memsetD32)(CUdeviceptr, unsigned, size_t);
  CUresult (*memsetD16)(CUdeviceptr, unsigned short, size_t);
  CUresult (*streamSynchronize)(CUstream);
  CUresult (*streamCreate)(CUstream *, unsigned);
  CUresult (*streamDestroy)(CUstream);
  CUresult (*streamBeginCapture)(CUstream, int);
  CUresult (*streamEndCapture)(CUstream, CUgraph *);
  CUresult (*graphInstantiate)(CUgraphExec *, CUgraph, unsigned long long);
  CUresult (*graphLaunch)(CUgraphExec, CUstream);
  CUresult (*graphExecDestroy)(CUgraphExec);
  CUresult (*graphDestroy)(CUgraph);
  CUresult (*memPoolCreate)(CUmemoryPool *, const NncCuMemPoolProps *);
  CUresult (*memPoolDestroy)(CUmemoryPool);
  CUresult (*memPoolSetAttribute)(CUmemoryPool, int, void *);
  CUresult (*memAllocAsync)(CUdeviceptr *, size_t, CUstream);
  CUresult (*memAllocFromPoolAsync)(CUdeviceptr *, size_t, CUmemoryPool,
                                    CUstream);
  CUresult (*memFreeAsync)(CUdeviceptr, CUstream);
} NncCudaApi;

/** The loaded driver table; valid after nncCudaInit succeeded. */
NNC_HIDDEN extern NncCudaApi nncCu;

/** Loads libcuda.so.1, initialises it and makes the primary context of
 *  device 0 (or $NNC_CUDA_DEVICE) current on this thread. Idempotent and
 *  cheap after the first success; `fn` prefixes the message on failure
 *  ("no libcuda.so.1", "no CUDA device", or the driver's error). */
NNC_HIDDEN nnc_status_t nncCudaInit(const char *fn);

/** A status for a failed driver call `what` with the driver's message. */
NNC_HIDDEN nnc_status_t nncCudaStatus(const char *fn, const char *what,
                                      CUresult r);

/** Allocates `bytes` of device memory (managed memory when `managed`, so
 *  that host code may also read it); `*out` is the device address. */
NNC_HIDDEN nnc_status_t nncCudaAlloc(const char *fn, size_t bytes, int managed,
                                     void **out);
/** Frees memory from nncCudaAlloc; NULL is a no-op. */
NNC_HIDDEN void nncCudaFree(void *p);
/** Copies `bytes` between any host and device addresses (unified
 *  addressing) and waits for the copy. */
NNC_HIDDEN nnc_status_t nncCudaCopy(const char *fn, void *dst, const void *src,
                                    size_t bytes);

/** The device nncCudaInit opened (valid after it succeeded). */
NNC_HIDDEN CUdevice nncCudaDevice(void);

/** What the kernels of the running call use: the instance's stream and
 *  memory pool, and whether the stream is being captured into a graph (then
 *  waits are left to the shim and temporaries become graph allocations). */
typedef struct {
  CUstream stream;
  CUmemoryPool pool;
  int capturing;
} NncCudaExec;

/** Sets (NULL: clears) the call this thread runs; the mgpu* wrappers read
 *  it. Without one they use the per-thread default stream. */
NNC_HIDDEN void nncCudaSetExec(const NncCudaExec *exec);
NNC_HIDDEN const NncCudaExec *nncCudaCurrentExec(void);

/** Records the first failure of an MLIR runtime wrapper call on this thread
 *  (they return void); the message is copied. */
NNC_HIDDEN void nncCudaRecordError(const char *what, CUresult r);
/** Returns and clears the error recorded on this thread, prefixed by `fn`;
 *  NULL when every wrapper call since the last take succeeded. */
NNC_HIDDEN nnc_status_t nncCudaTakeError(const char *fn);

#endif /* NNC_LIB_MODELRT_CUDADRIVER_H */
