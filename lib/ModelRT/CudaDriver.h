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

/** Records the first failure of an MLIR runtime wrapper call on this thread
 *  (they return void); the message is copied. */
NNC_HIDDEN void nncCudaRecordError(const char *what, CUresult r);
/** Returns and clears the error recorded on this thread, prefixed by `fn`;
 *  NULL when every wrapper call since the last take succeeded. */
NNC_HIDDEN nnc_status_t nncCudaTakeError(const char *fn);

#endif /* NNC_LIB_MODELRT_CUDADRIVER_H */
