/*===- nnc/Runtime/MpiPlugin.h - The MPI plugin's C interface --------*- C
 *-*-===*
 *
 * The table of functions that libnnc_mpi.so (lib/Distributed) exports and
 * the runtime's MPI communicator (lib/Runtime/MpiCommunicator.cpp) calls.
 * Only the plugin links MPI; nnc, the runtime library and every model.so
 * stay free of it, so `nnc train` runs on machines without OpenMPI. Plain C,
 * so that the runtime and the plugin share no C++ types.
 *
 * Every call that can fail returns 0 on success, else an MPI error code,
 * and then writes a message into `err` (`cap` bytes, NUL-terminated).
 * Internal to nnc.
 *
 *===----------------------------------------------------------------------===*/
#ifndef NNC_RUNTIME_MPIPLUGIN_H
#define NNC_RUNTIME_MPIPLUGIN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define NNC_MPI_PLUGIN_VERSION 1
/** The symbol the runtime looks up with dlsym. */
#define NNC_MPI_PLUGIN_SYMBOL "nnc_mpi_plugin_v1"

typedef struct nnc_mpi_plugin_s {
  uint32_t version; /**< NNC_MPI_PLUGIN_VERSION */
  /** MPI_Init_thread (FUNNELED); errors are returned, not fatal. */
  int (*init)(char *err, size_t cap);
  /** The rank and size of MPI_COMM_WORLD (valid after init). */
  int (*rank)(void);
  int (*size)(void);
  /** The rank among the processes on this machine (MPI_COMM_TYPE_SHARED). */
  int (*local_rank)(void);
  /** In-place sums over every rank, `count` elements (any size). */
  int (*allreduce_sum_f32)(float *data, int64_t count, char *err, size_t cap);
  int (*allreduce_sum_f64)(double *data, int64_t count, char *err, size_t cap);
  /** `bytes` from every rank into `out` (size * bytes), rank order. */
  int (*allgather)(const void *data, size_t bytes, void *out, char *err,
                   size_t cap);
  /** `bytes` of rank `root`'s `data` into every rank's `data`. */
  int (*broadcast)(void *data, size_t bytes, int root, char *err, size_t cap);
  /** MPI_Abort(MPI_COMM_WORLD, code): ends every rank; does not return. */
  void (*abort)(int code);
  /** MPI_Finalize. */
  int (*finalize)(char *err, size_t cap);
  /** The MPI library's version text (MPI_Get_library_version). */
  const char *(*library_version)(void);
} nnc_mpi_plugin_t;

/** Defined by libnnc_mpi.so. */
extern const nnc_mpi_plugin_t nnc_mpi_plugin_v1;

#ifdef __cplusplus
}
#endif

#endif /* NNC_RUNTIME_MPIPLUGIN_H */
