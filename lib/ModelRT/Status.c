/*===- lib/ModelRT/Status.c - nnc_status_t ------------------------*- C -*-===*
 *
 * Status objects of the C APIs: a code plus a message, in one malloc'd
 * block. When it cannot be allocated, a static out-of-memory status is
 * returned instead, marked as such in the object itself, so that
 * nnc_status_free leaves it alone whichever library made it. Every model.so
 * and libnnc_runtime.so compile this file (Status.h).
 *
 *===----------------------------------------------------------------------===*/
#include "Status.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct nnc_status_s {
  nnc_status_code_t code;
  int32_t isStatic; /* 1: not allocated, never freed */
  char message[];   /* NUL-terminated */
};

static struct {
  nnc_status_code_t code;
  int32_t isStatic;
  char message[40];
} outOfMemory = {NNC_STATUS_RESOURCE_EXHAUSTED, 1, "nnc: out of memory"};

nnc_status_t nncMakeStatus(nnc_status_code_t code, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int len = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  if (len < 0)
    len = 0;
  struct nnc_status_s *s = malloc(sizeof(*s) + (size_t)len + 1);
  if (!s)
    return (nnc_status_t)(void *)&outOfMemory;
  s->code = code;
  s->isStatic = 0;
  va_start(ap, fmt);
  vsnprintf(s->message, (size_t)len + 1, fmt, ap);
  va_end(ap);
  return s;
}

nnc_status_t nncCheckInstance(const char *fn, const void *instance) {
  if (instance)
    return NULL;
  return nncMakeStatus(NNC_STATUS_INVALID_ARGUMENT,
                       "%s: model: expected an instance, got NULL", fn);
}

nnc_status_code_t nnc_status_code(nnc_status_t status) {
  return status ? status->code : NNC_STATUS_OK;
}

const char *nnc_status_message(nnc_status_t status) {
  return status ? status->message : "";
}

const char *nnc_status_code_name(nnc_status_code_t code) {
  switch (code) {
  case NNC_STATUS_OK:
    return "OK";
  case NNC_STATUS_INVALID_ARGUMENT:
    return "INVALID_ARGUMENT";
  case NNC_STATUS_OUT_OF_RANGE:
    return "OUT_OF_RANGE";
  case NNC_STATUS_NOT_FOUND:
    return "NOT_FOUND";
  case NNC_STATUS_UNIMPLEMENTED:
    return "UNIMPLEMENTED";
  case NNC_STATUS_RESOURCE_EXHAUSTED:
    return "RESOURCE_EXHAUSTED";
  case NNC_STATUS_IO_ERROR:
    return "IO_ERROR";
  case NNC_STATUS_DATA_LOSS:
    return "DATA_LOSS";
  case NNC_STATUS_INTERNAL:
    return "INTERNAL";
  }
  return "UNKNOWN";
}

void nnc_status_free(nnc_status_t status) {
  if (status && !status->isStatic)
    free(status);
}
