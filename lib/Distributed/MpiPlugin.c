/*===- MpiPlugin.c - libnnc_mpi.so: MPI behind a C function table ---------===*
 *
 * The only code of nnc that calls MPI. `nnc train` dlopens this plugin when
 * it runs under mpirun (or with --distributed) and reaches MPI through the
 * table `nnc_mpi_plugin_v1` (include/nnc/Runtime/MpiPlugin.h). Errors on
 * MPI_COMM_WORLD are returned (MPI_ERRORS_RETURN) with MPI's own message,
 * so that the trainer reports them; counts above INT_MAX are sent in chunks.
 *
 *===----------------------------------------------------------------------===*/

#include "nnc/Runtime/MpiPlugin.h"

#include <limits.h>
#include <mpi.h>
#include <stdio.h>
#include <string.h>

/* Writes "what: MPI's message for rc" into err. */
static int report(int rc, const char *what, char *err, size_t cap) {
  if (rc == MPI_SUCCESS)
    return 0;
  char text[MPI_MAX_ERROR_STRING + 1] = {0};
  int len = 0;
  if (MPI_Error_string(rc, text, &len) != MPI_SUCCESS)
    snprintf(text, sizeof text, "MPI error %d", rc);
  if (err && cap)
    snprintf(err, cap, "%s: %s", what, text);
  return rc;
}

static int init(char *err, size_t cap) {
  int done = 0;
  MPI_Initialized(&done);
  if (done)
    return 0;
  int provided = 0;
  int rc = MPI_Init_thread(NULL, NULL, MPI_THREAD_FUNNELED, &provided);
  if (rc != MPI_SUCCESS)
    return report(rc, "MPI_Init_thread", err, cap);
  return report(MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN),
                "MPI_Comm_set_errhandler", err, cap);
}

static int rank(void) {
  int r = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &r);
  return r;
}

static int size(void) {
  int s = 1;
  MPI_Comm_size(MPI_COMM_WORLD, &s);
  return s;
}

static int localRank(void) {
  MPI_Comm local;
  if (MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, 0,
                          MPI_INFO_NULL, &local) != MPI_SUCCESS)
    return 0;
  int r = 0;
  MPI_Comm_rank(local, &r);
  MPI_Comm_free(&local);
  return r;
}

/* The largest chunk of one MPI call, in elements. */
#define CHUNK (1 << 30)

/* In-place sum of `count` elements of `type` (`size` bytes each), in
 * chunks of at most CHUNK elements. */
static int allreduceSum(void *data, int64_t count, MPI_Datatype type,
                        size_t size, char *err, size_t cap) {
  for (int64_t at = 0; at < count; at += CHUNK) {
    int n = (int)(count - at < CHUNK ? count - at : CHUNK);
    int rc = MPI_Allreduce(MPI_IN_PLACE, (char *)data + (size_t)at * size, n,
                           type, MPI_SUM, MPI_COMM_WORLD);
    if (rc != MPI_SUCCESS)
      return report(rc, "MPI_Allreduce", err, cap);
  }
  return 0;
}

static int allreduceSumF32(float *data, int64_t count, char *err, size_t cap) {
  return allreduceSum(data, count, MPI_FLOAT, sizeof(float), err, cap);
}

static int allreduceSumF64(double *data, int64_t count, char *err, size_t cap) {
  return allreduceSum(data, count, MPI_DOUBLE, sizeof(double), err, cap);
}

static int allgather(const void *data, size_t bytes, void *out, char *err,
                     size_t cap) {
  if (bytes > INT_MAX)
    return report(MPI_ERR_COUNT, "MPI_Allgather", err, cap);
  return report(MPI_Allgather(data, (int)bytes, MPI_BYTE, out, (int)bytes,
                              MPI_BYTE, MPI_COMM_WORLD),
                "MPI_Allgather", err, cap);
}

static int broadcast(void *data, size_t bytes, int root, char *err,
                     size_t cap) {
  char *p = (char *)data;
  for (size_t at = 0; at < bytes; at += CHUNK) {
    int n = (int)(bytes - at < CHUNK ? bytes - at : CHUNK);
    int rc = MPI_Bcast(p + at, n, MPI_BYTE, root, MPI_COMM_WORLD);
    if (rc != MPI_SUCCESS)
      return report(rc, "MPI_Bcast", err, cap);
  }
  return 0;
}

static void abortAll(int code) { MPI_Abort(MPI_COMM_WORLD, code); }

static int finalize(char *err, size_t cap) {
  int done = 0;
  MPI_Finalized(&done);
  if (done)
    return 0;
  return report(MPI_Finalize(), "MPI_Finalize", err, cap);
}

static const char *libraryVersion(void) {
  static char text[MPI_MAX_LIBRARY_VERSION_STRING];
  int len = 0;
  if (MPI_Get_library_version(text, &len) != MPI_SUCCESS)
    return "unknown MPI";
  char *nl = strchr(text, '\n');
  if (nl)
    *nl = '\0';
  return text;
}

__attribute__((visibility("default")))
const nnc_mpi_plugin_t nnc_mpi_plugin_v1 = {NNC_MPI_PLUGIN_VERSION,
                                            init,
                                            rank,
                                            size,
                                            localRank,
                                            allreduceSumF32,
                                            allreduceSumF64,
                                            allgather,
                                            broadcast,
                                            abortAll,
                                            finalize,
                                            libraryVersion};
