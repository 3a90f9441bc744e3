/*===- lib/ModelRT/Internal.h - Model shim internals --------------*- C -*-===*
 *
 * Declarations shared by the files of the model shim: the instance layout,
 * the hidden reference to the compiler-emitted descriptor `nnc_model_desc`,
 * status construction, tensor lookup by kind, the PRNG used for parameter
 * initialisation and step seeds, and the checkpoint entry points. Everything
 * here has hidden visibility: a model.so exports only include/nnc-c/model.h.
 *
 *===----------------------------------------------------------------------===*/
#ifndef NNC_LIB_MODELRT_INTERNAL_H
#define NNC_LIB_MODELRT_INTERNAL_H

#include "Status.h"
#include "nnc-c/model.h"
#include "nnc/ModelDesc.h"

#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>

#define NNC_HIDDEN __attribute__((visibility("hidden")))

/** The descriptor the compiler emits next to the kernels; hidden so that the
 *  reference binds inside this model.so even when several are loaded. */
extern const nnc_model_desc_t nnc_model_desc NNC_HIDDEN;

/** Alignment of every tensor the instance owns. */
#define NNC_TENSOR_ALIGN 64

/** Parallel.c: an instance's thread pool (opaque). */
typedef struct NncPool NncPool;

/** Freed blocks a task scope keeps for its thread (HostAlloc.c): enough
 *  for the temporaries of one convolution image (fashion_cnn's has 7 of
 *  16 KB or more; with 4 spares the other 3 went through the shared lock on
 *  every image, and its 2-thread predict took 4.43 instead of 4.09 ms). */
#define NNC_SCOPE_SPARES 16

/** A kernel call's allocation scope: a failed allocation longjmps to
 *  `onFailure` with the size it asked for in `failedBytes`. */
typedef struct NncAllocScope {
  jmp_buf onFailure;
  void *live; /**< payloads allocated in the scope and not freed yet */
  size_t failedBytes;
  struct NncAllocScope *outer;
  /** The pool nnc_rt_parallel_for uses while this scope is current; NULL
   *  runs parallel loops inline (the scopes of tasks have none, so nested
   *  loops run inline). Set by the owner; nncAllocScopeEnter keeps it. */
  NncPool *pool;
  /** A task scope (one thread's share of parallel loops, kept from loop to
   *  loop) or an instance's kernel scope (kept from call to call): the
   *  blocks freed in it are kept in `spare` for the next requests made in
   *  it, which take them without the shared cache's lock. */
  int ownsSpares;
  int spareCount;
  char *spare[NNC_SCOPE_SPARES];
  size_t spareSize[NNC_SCOPE_SPARES];
} NncAllocScope;

/** One instance: storage for each tensor of the descriptor table that is
 *  instance data (PARAM, BUFFER, GRAD, STATE), plus call scratch. */
struct nnc_model_s {
  const nnc_model_desc_t *desc;
  uint64_t seed;
  int64_t step;
  int64_t rowOffset; /**< nnc_model_set_row_offset: dropout masks' first row */
  nnc_allreduce_fn_t allreduce; /**< nnc_model_set_allreduce, or NULL */
  void *allreduceContext;
  /** Set by nnc_rt_replica_sum when the callback fails during a kernel;
   *  Exec.c turns it into the call's error after the kernel returns. */
  int allreduceFailed;
  void **data;        /**< per descriptor tensor; NULL unless instance data */
  size_t *bytes;      /**< per descriptor tensor; bytes of `data` */
  int32_t *kindIndex; /**< per descriptor tensor; its index within its kind */
  uint64_t *words;    /**< memref descriptor words for the largest entry */
  void **args;        /**< argument pointers for the largest entry */
  void *scratch;      /**< outputs of training entries the caller skipped */
  size_t scratchBytes;
  /** What this model's target does (Device.c), chosen at create from the
   *  descriptor's target; `data` holds its addresses. */
  const struct NncDeviceOps *device;
  int inputLocation; /**< nnc_location_t of caller inputs and labels */
  void *deviceIO;    /**< CUDA: device copies of inputs, labels, outputs */
  size_t deviceIOBytes;
  void *deviceScalars; /**< CUDA: managed lr, step, seed and loss slots */
  /** CUDA: the instance's stream, memory pool and captured graphs
   *  (CudaExec.c). */
  struct NncCudaInstance *cuda;
  size_t argWords; /**< words of `words` the current call's arguments use */
  void *undo;      /**< CPU: copies of the tensors a kernel updates */
  size_t undoBytes;
  NncAllocScope allocScope; /**< CPU: the running kernel's allocations */
  int32_t numThreads;  /**< threads of parallel loops, the caller included */
  NncPool *pool;       /**< CPU with numThreads > 1, else NULL */
  int guard;           /**< NNC_GUARD_* mode read at create (CPU only) */
  void **guardScratch; /**< guard mode: one block per OUTPUT, else unused */
  /** The current value of each descriptor hyperparameter (Hyper.c). */
  double hypers[NNC_MAX_HYPERS];
};

/* Guard.c: the guard-page test mode (NNC_GUARD_PAGES, docs/guard-pages.md). */
enum {
  NNC_GUARD_OFF = 0,
  NNC_GUARD_END = 1,   /**< blocks end at an inaccessible page */
  NNC_GUARD_START = 2, /**< blocks start after an inaccessible page */
};
/** The mode NNC_GUARD_PAGES asks for: unset, empty or "0" is OFF, "start"
 *  is START, anything else ("1", "end") is END. */
NNC_HIDDEN int nncGuardModeFromEnv(void);
/** A block of `bytes` bytes aligned to `alignment` (at most a page) in its
 *  own mapping between two PROT_NONE pages, placed per `mode` (END or
 *  START); NULL when out of memory. Release with nncGuardFree. */
NNC_HIDDEN void *nncGuardAlloc(int mode, size_t bytes, size_t alignment);
/** 1 when `payload` was returned by nncGuardAlloc and is not freed yet. */
NNC_HIDDEN int nncGuardOwns(const void *payload);
/** Unmaps a block of nncGuardAlloc (NULL and unknown pointers: no-op). */
NNC_HIDDEN void nncGuardFree(void *payload);
/** HostAlloc.c: the mode of kernel temporaries, set at instance creation. */
NNC_HIDDEN void nncHostSetGuard(int mode);

/* nncMakeStatus: Status.h. */

/** Descriptor role of a public kind, or -1 for an unknown kind. */
/* HostAlloc.c: the kernels' block cache lives while instances do. */
NNC_HIDDEN void nncHostInstanceCreated(void);
/** Makes `scope` current on this thread; set its jmp_buf right after.
 *  0 when it cannot (no memory for the thread's key slot). */
NNC_HIDDEN int nncAllocScopeEnter(NncAllocScope *scope);
/** Ends `scope` and frees the blocks still live in it. */
NNC_HIDDEN void nncAllocScopeLeave(NncAllocScope *scope);
/** The scope current on this thread, or NULL. */
NNC_HIDDEN NncAllocScope *nncAllocScopeCurrent(void);
/** Frees the blocks still live in `scope` (it stays current). */
NNC_HIDDEN void nncAllocScopeFreeLive(NncAllocScope *scope);
/** Moves the blocks still live in `scope` into the list of `to`, as if
 *  they had been allocated there (a task's blocks into its kernel's). */
NNC_HIDDEN void nncAllocScopeHandOver(NncAllocScope *scope, NncAllocScope *to);
/** Gives a task scope's spare blocks to the shared cache (or back to the
 *  system): before the scope's thread ends or its pool is destroyed. */
NNC_HIDDEN void nncAllocScopeDropSpares(NncAllocScope *scope);
/** Leaves the kernel through the current scope as if a request of `bytes`
 *  had failed (longjmp); returns only when no scope is current. */
NNC_HIDDEN void nncAllocScopeFail(size_t bytes);
NNC_HIDDEN void nncHostInstanceDestroyed(void);
/* The bytes held by the cache now (for tests). */
NNC_HIDDEN size_t nncHostCachedBytes(void);
/** The workspace counter (HostAlloc.c): the bytes kernels have asked the
 *  allocator for and not freed, process-wide. Begin starts a call's peak and
 *  returns the bytes live before it; End returns the call's peak above them
 *  and records it for `entry` (0 predict, 1 train_step, 2 grads, 3 apply),
 *  which NNC_REPORT_WORKSPACE=1 prints to stderr at exit. */
NNC_HIDDEN size_t nncHostWorkspaceBegin(void);
NNC_HIDDEN size_t nncHostWorkspaceEnd(int entry, size_t base);
/** Whether NNC_REPORT_WORKSPACE asks for the report (read once); Exec.c
 *  brackets kernel calls with Begin and End only then. */
NNC_HIDDEN int nncHostWorkspaceReporting(void);

NNC_HIDDEN int32_t nncKindRole(nnc_tensor_kind_t kind);
/** Public kind of a descriptor role, or -1 (LOSS has none). */
NNC_HIDDEN int32_t nncRoleKind(int32_t role);
/** Short lower-case name of a kind ("param"). */
NNC_HIDDEN const char *nncKindName(nnc_tensor_kind_t kind);
/** Descriptor index of tensor `index` of `kind`, or -1. */
NNC_HIDDEN int32_t nncTensorAt(const nnc_model_desc_t *desc,
                               nnc_tensor_kind_t kind, int32_t index);
/** Index within its kind of descriptor tensor `t`. */
NNC_HIDDEN int32_t nncIndexInKind(const nnc_model_desc_t *desc, int32_t t);
/** Bytes of one element of a descriptor dtype (0 when unknown). */
NNC_HIDDEN size_t nncDtypeSize(int32_t dtype);
/** Safetensors / display name of a descriptor dtype ("F32"). */
NNC_HIDDEN const char *nncDtypeName(int32_t dtype);
/** names[index], or `fallback` when `index` is outside the `count` entries
 *  or names a hole: the name lookup of the small enums of the descriptor. */
NNC_HIDDEN const char *nncNameAt(const char *const *names, int32_t count,
                                 int32_t index, const char *fallback);
/** Elements of tensor `t` for `batch` items; -1 on overflow. */
NNC_HIDDEN int64_t nncElements(const nnc_tensor_desc_t *t, int64_t batch);
/** Checks the descriptor once; a failure is a compiler bug (INTERNAL). */
NNC_HIDDEN nnc_status_t nncValidateDesc(const nnc_model_desc_t *desc);

/** splitmix64: advances `*state` and returns the next output. */
NNC_HIDDEN uint64_t nncSplitMix64(uint64_t *state);
/** The seed passed to kernels for optimizer step `step` (1-based). */
NNC_HIDDEN int64_t nncStepSeed(uint64_t seed, int64_t step);
/** Fills descriptor tensor `t` (already allocated) per its init kind. */
NNC_HIDDEN void nncInitTensor(const nnc_tensor_desc_t *t, uint64_t seed,
                              void *data, int64_t elements);

/** Copies instance tensor `t` to host memory `dst` (device-aware). */
NNC_HIDDEN nnc_status_t nncTensorToHost(const nnc_model_t *model,
                                        const char *fn, int32_t t, void *dst);
/** Overwrites instance tensor `t` from host memory `src` (device-aware). */
NNC_HIDDEN nnc_status_t nncTensorFromHost(nnc_model_t *model, const char *fn,
                                          int32_t t, const void *src);
/** Zeroes instance tensor `t` (device-aware). */
NNC_HIDDEN nnc_status_t nncTensorZero(nnc_model_t *model, const char *fn,
                                      int32_t t);

/** The arguments of one kernel call (Exec.c builds it). */
typedef struct NncCall {
  const char *fn;
  int64_t batch;
  const nnc_const_buffer_t *inputs;
  const nnc_const_buffer_t *labels;
  nnc_buffer_t *outputs; /**< NULL: use the instance scratch */
  float lr;              /**< NNC_ARG_LR: hyper[lr] rounded to f32 */
  /** NNC_ARG_HYPER(k): the instance's values, "lr" set for this call. */
  double hyper[NNC_MAX_HYPERS];
  int64_t step;
  int64_t seed;
  float loss;
  int64_t rowOffset;        /**< NNC_ARG_ROW_OFFSET */
  nnc_buffer_t *inputGrads; /**< INPUT_GRAD results, one per INPUT */
  int64_t replicas;         /**< NNC_ARG_REPLICAS: the instance's address */
} NncCall;

/* Hyper.c: the optimizer hyperparameters (docs/abi.md, "Hyperparameters"). */
/** Index of the descriptor hyperparameter `name`, or -1. */
NNC_HIDDEN int32_t nncHyperIndex(const nnc_model_desc_t *desc,
                                 const char *name);
/** NULL when `value` lies in `range` (nnc_hyper_range_t), else a message
 *  ("expected a value in [0, 1), got 1") in static storage. */
NNC_HIDDEN const char *nncHyperRangeError(int32_t range, double value);
/** The range as text ("[0, 1)"). */
NNC_HIDDEN const char *nncHyperRangeText(int32_t range);
/** Fills the hyperparameters of `call` from `model`; `lr` replaces "lr"
 *  unless it is NULL (the instance's value is kept). */
NNC_HIDDEN void nncCallHypers(const nnc_model_t *model, NncCall *call,
                              const double *lr);

/** The operations that differ between the targets a model.so is compiled
 *  for (docs/runtime.md, "Device operations"): one table per target
 *  (Device.c), chosen once at create (nncDeviceFor); Model.c, Exec.c and
 *  Safetensors.c call through `model->device` and never test the target. */
typedef struct NncDeviceOps {
  const char *name; /**< "cpu", "cuda" */
  /** Instance tensors live in host memory, the kernels run on the host:
   *  the thread pool, guard pages and direct reads apply. */
  int hostMemory;
  /** nnc_model_compute_input_gradients is implemented. */
  int inputGradients;
  /** Makes the device usable from this thread; `fn` prefixes the message. */
  nnc_status_t (*init)(const char *fn);
  /** Puts the host-initialised tensor `host` (nncHostTensorAlloc'ed, owned
   *  by the table from here on, also on failure) where the kernels read it;
   *  `*out` is the address they get. */
  nnc_status_t (*place)(nnc_model_t *model, const char *fn, void *host,
                        size_t bytes, void **out);
  /** Frees one instance tensor from `place`; NULL is a no-op. */
  void (*release)(nnc_model_t *model, void *p);
  /** Frees what the table keeps in the instance besides its tensors. */
  void (*destroy)(nnc_model_t *model);
  /** Copies `bytes` from the tensor at `src` to host memory `dst`. */
  nnc_status_t (*toHost)(const char *fn, void *dst, const void *src,
                         size_t bytes);
  /** Copies `bytes` from host memory `src` to the tensor at `dst`. */
  nnc_status_t (*fromHost)(const char *fn, void *dst, const void *src,
                           size_t bytes);
  /** Zeroes `bytes` of the tensor at `p`. */
  nnc_status_t (*zero)(const char *fn, void *p, size_t bytes);
  /** Before a call's arguments are built (NULL: nothing to do). */
  nnc_status_t (*prepare)(nnc_model_t *model, const char *fn, int64_t batch);
  /** The address the kernel gets for argument slot `a` whose host address
   *  would be `hostPtr` (NULL: `hostPtr`). */
  void *(*arg)(nnc_model_t *model, const NncCall *call, int32_t a,
               void *hostPtr);
  /** Runs the entry's kernel on `model->args`. */
  nnc_status_t (*call)(nnc_model_t *model, const nnc_entry_desc_t *e,
                       NncCall *call);
} NncDeviceOps;

/** The table of descriptor target `target` (NNC_TARGET_*). */
NNC_HIDDEN const NncDeviceOps *nncDeviceFor(int32_t target);
/** Host storage of one instance tensor (Model.c): 64-byte aligned, between
 *  guard pages in the guard mode; NULL when out of memory. */
NNC_HIDDEN void *nncHostTensorAlloc(const nnc_model_t *model, size_t bytes);
/** Frees nncHostTensorAlloc's storage; NULL is a no-op. */
NNC_HIDDEN void nncHostTensorFree(const nnc_model_t *model, void *p);
/** CPU target (Exec.c): runs a host kernel inside an allocation scope. */
NNC_HIDDEN nnc_status_t nncHostCall(nnc_model_t *model,
                                    const nnc_entry_desc_t *e, NncCall *call);

/** CUDA target (CudaExec.c): makes the device staging area large enough for
 *  the inputs, labels and outputs of `batch` items. */
NNC_HIDDEN nnc_status_t nncDevicePrepare(nnc_model_t *model, const char *fn,
                                         int64_t batch);
/** CUDA target: the device address the kernel gets for argument slot `a`
 *  (a tensor index or NNC_ARG_*) whose host address would be `hostPtr`. */
NNC_HIDDEN void *nncDeviceArg(nnc_model_t *model, const NncCall *call,
                              int32_t a, void *hostPtr);
/** CUDA target (CudaGraphs.c): creates the instance's stream and memory
 *  pool on first use. */
NNC_HIDDEN nnc_status_t nncCudaInstanceInit(nnc_model_t *model, const char *fn);
/** CUDA target: waits for the instance's stream, frees its graphs, pool
 *  and stream. */
NNC_HIDDEN void nncCudaInstanceDestroy(nnc_model_t *model);
/** CUDA target: runs entry `e` on `model->args` (the first `argWords` words
 *  of `model->words`) on the instance's stream, eagerly or as a captured
 *  CUDA graph, and waits for it; the status of its kernels. */
NNC_HIDDEN nnc_status_t nncCudaRun(nnc_model_t *model,
                                   const nnc_entry_desc_t *e, const char *fn);
/** CUDA target: copies inputs, labels and scalars in, runs the entry's
 *  kernel on `model->args`, reports launch errors, copies the loss and the
 *  requested outputs back. */
NNC_HIDDEN nnc_status_t nncDeviceCall(nnc_model_t *model,
                                      const nnc_entry_desc_t *e, NncCall *call);

/** Profile.c: one loop nest's counters (NNC_PROFILE, docs/performance.md).
 *  nnc-profile-loops emits one per outlined loop function as an internal
 *  global of the kernel object, laid out as the LLVM struct
 *  {ptr, ptr, ptr, ptr, i64, i64, i64, i64, i64}: keep the two in step. */
typedef struct NncProfileRecord {
  struct NncProfileRecord *next; /**< the list of records called so far */
  const char *name;              /**< the loop function */
  const char *locations;         /**< "file:line:col line:col ..." */
  const char *entry;  /**< the entry point calling it: "train_step", ... */
  int64_t registered; /**< 1 once in the list */
  int64_t calls;
  int64_t nanoseconds;
  int64_t flops;        /**< sum over the calls whose count was known */
  int64_t unknownCalls; /**< calls whose FLOPs were unknown (-1) */
} NncProfileRecord;
/** A start time when profiling is on (NNC_PROFILE set and not "0" at the
 *  first call), else 0. Called by the kernels and by Exec.c. */
NNC_HIDDEN int64_t nnc_rt_profile_begin(void);
/** Adds one call started at `t0` (no-op when 0) with `flops` (-1: unknown)
 *  to `record`. */
NNC_HIDDEN void nnc_rt_profile_end(NncProfileRecord *record, int64_t t0,
                                   int64_t flops);
/** Adds one call of entry point `entry` (0 predict, 1 train_step, 2 grads,
 *  3 apply) started at `t0` (no-op when 0). */
NNC_HIDDEN void nncProfileEntry(int entry, int64_t t0);

/* Parallel.c: the instance's thread pool (docs/abi.md, "Threads"). */
/** The default thread count: NNC_NUM_THREADS when set (INVALID_ARGUMENT
 *  naming it unless it is an integer in 1..NNC_MAX_THREADS), else the CPUs
 *  in this process's affinity mask. `fn` prefixes the message. */
NNC_HIDDEN nnc_status_t nncDefaultThreads(const char *fn, int32_t *out);
/** A pool of `threads` threads, the caller included (threads >= 2); its
 *  workers start at the first parallel loop that needs them. NULL when out
 *  of memory. */
NNC_HIDDEN NncPool *nncPoolCreate(int32_t threads);
/** Stops and joins the workers and frees the pool; NULL is a no-op. */
NNC_HIDDEN void nncPoolDestroy(NncPool *pool);
/** Calls task(ctx, b, e) on disjoint ranges covering [0, count) once, on
 *  the pool of the current allocation scope (inline without one, inside a
 *  task, or for count 1) and returns when all are done. Called by the
 *  kernels; a task's failed allocation leaves the kernel through the
 *  caller's scope once every thread has stopped. */
NNC_HIDDEN void nnc_rt_parallel_for(void (*task)(void *ctx, int64_t begin,
                                                 int64_t end),
                                    void *ctx, int64_t count);

/** Replicas.c: nn.replica_sum's call (lowered in NNToLinalg/Replicas.cpp):
 *  sums data[0..size) over the replicas through the callback of the
 *  instance at address `instance` (NNC_ARG_REPLICAS), in place; without a
 *  callback it returns. A failing callback leaves data as it is and marks
 *  the instance (allreduceFailed). The arguments are those of a
 *  memref<?xf32> passed to an external function. */
NNC_HIDDEN void nnc_rt_replica_sum(int64_t instance, float *allocated,
                                   float *aligned, int64_t offset, int64_t size,
                                   int64_t stride);

/** Checkpoint I/O (Safetensors.c). */
NNC_HIDDEN nnc_status_t nncSave(const nnc_model_t *model, const char *path);
NNC_HIDDEN nnc_status_t nncLoad(nnc_model_t *model, const char *path,
                                uint32_t flags);

#endif /* NNC_LIB_MODELRT_INTERNAL_H */
