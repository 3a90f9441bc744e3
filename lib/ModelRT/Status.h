/*===- lib/ModelRT/Status.h - Making nnc_status_t objects ---------*- C -*-===*
 *
 * The one status type of the nnc C APIs (include/nnc-c/status.h) is made
 * here, for a model.so (lib/ModelRT) and for the runtime library
 * (lib/Runtime, which compiles Status.c too). Both use the same layout and
 * malloc/free, so that a status of either may be released with the
 * nnc_status_free of either.
 *
 *===----------------------------------------------------------------------===*/
#ifndef NNC_LIB_MODELRT_STATUS_H
#define NNC_LIB_MODELRT_STATUS_H

#include "nnc-c/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/** A new status with a printf-style message; never NULL for code != OK
 *  (a static out-of-memory status when the message cannot be allocated). */
nnc_status_t nncMakeStatus(nnc_status_code_t code, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/** NULL when `instance` is set, else the INVALID_ARGUMENT status
 *  "<fn>: model: expected an instance, got NULL" of every entry point that
 *  takes a model instance. */
nnc_status_t nncCheckInstance(const char *fn, const void *instance);

#ifdef __cplusplus
}
#endif

#endif /* NNC_LIB_MODELRT_STATUS_H */
