/*===- lib/ModelRT/Status.c - nnc_status_t ------------------------*- C -*-===*
 *
 * Status objects of the C ABI: a code plus a heap-allocated message. When the
 * message cannot be allocated, a static out-of-memory status is returned
 * instead, which nnc_status_free recognises and leaves alone.
 *
 *===----------------------------------------------------------------------===*/
#include "Internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct nnc_status_s {
  nnc_status_code_t code;
  char message[]; /* NUL-terminated */
};

static struct {
  nnc_status_code_t code;
  char message[40];
} outOfMemory = {NNC_STATUS_RESOURCE_EXHAUSTED, "nnc: out of memory"};

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
  va_start(ap, fmt);
  vsnprintf(s->message, (size_t)len + 1, fmt, ap);
  va_end(ap);
  return s;
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
  if (status && (void *)status != (void *)&outOfMemory)
    free(status);
}
