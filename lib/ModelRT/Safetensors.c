/*===- lib/ModelRT/Safetensors.c - Checkpoints in safetensors -----*- C -*-===*
 *
 * Saving and loading an instance as a safetensors file: 8-byte little-endian
 * header length N, N bytes of JSON padded with spaces so that the data starts
 * at a multiple of 8, then the tensors back to back (offsets relative to the
 * end of the header). Saved: PARAMs and BUFFERs under their state_dict names,
 * optimizer STATE under its descriptor name (`optimizer.<param>.<state>`),
 * and `__metadata__` {format: pt, nnc.model, nnc.abi, nnc.step, nnc.seed}.
 * Saving writes `path`.tmp and renames it; loading validates the whole file
 * against the model before touching the instance.
 *
 *===----------------------------------------------------------------------===*/
#define _POSIX_C_SOURCE 200809L
#include "SafetensorsHeader.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/** Largest header accepted (the Python implementation's limit). */
#define NNC_MAX_HEADER (100u * 1000u * 1000u)

static int isSaved(int32_t role) {
  return role == NNC_ROLE_PARAM || role == NNC_ROLE_BUFFER ||
         role == NNC_ROLE_STATE;
}

/*===--- Saving -----------------------------------------------------------===*/

typedef struct {
  char *s;
  size_t len, cap;
  int oom;
} Str;

static void put(Str *b, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  if (n < 0 || b->oom)
    return;
  if (b->len + (size_t)n + 1 > b->cap) {
    size_t cap = (b->cap ? 2 * b->cap : 256) + (size_t)n;
    char *p = realloc(b->s, cap);
    if (!p) {
      b->oom = 1;
      return;
    }
    b->s = p;
    b->cap = cap;
  }
  va_start(ap, fmt);
  vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
  va_end(ap);
  b->len += (size_t)n;
}

static void putJsonString(Str *b, const char *s) {
  put(b, "\"");
  for (; *s; ++s) {
    unsigned char c = (unsigned char)*s;
    if (c == '"' || c == '\\')
      put(b, "\\%c", c);
    else if (c < 0x20)
      put(b, "\\u%04x", c);
    else
      put(b, "%c", c);
  }
  put(b, "\"");
}

static void putLe64(unsigned char *out, uint64_t v) {
  for (int i = 0; i < 8; ++i)
    out[i] = (unsigned char)(v >> (8 * i));
}

nnc_status_t nncSave(const nnc_model_t *m, const char *path) {
  const nnc_model_desc_t *desc = m->desc;
  Str h = {0};
  put(&h,
      "{\"__metadata__\":{\"format\":\"pt\",\"nnc.abi\":\"%d\",\"nnc.model\":",
      NNC_ABI_VERSION);
  putJsonString(&h, nnc_model_name());
  put(&h, ",\"nnc.seed\":\"%llu\",\"nnc.step\":\"%lld\"}",
      (unsigned long long)m->seed, (long long)m->step);
  uint64_t offset = 0;
  for (int32_t t = 0; t < desc->num_tensors; ++t) {
    const nnc_tensor_desc_t *d = &desc->tensors[t];
    if (!isSaved(d->role))
      continue;
    put(&h, ",");
    putJsonString(&h, d->name);
    put(&h, ":{\"dtype\":\"%s\",\"shape\":[", nncDtypeName(d->dtype));
    for (int32_t i = 0; i < d->rank; ++i)
      put(&h, "%s%lld", i ? "," : "", (long long)d->dims[i]);
    put(&h, "],\"data_offsets\":[%llu,%llu]}", (unsigned long long)offset,
        (unsigned long long)(offset + m->bytes[t]));
    offset += m->bytes[t];
  }
  put(&h, "}");
  while (!h.oom && h.len % 8)
    put(&h, " ");
  if (h.oom) {
    free(h.s);
    return nncMakeStatus(NNC_STATUS_RESOURCE_EXHAUSTED,
                         "nnc_model_save: out of memory");
  }

  size_t plen = strlen(path);
  char *tmp = malloc(plen + 5);
  if (!tmp) {
    free(h.s);
    return nncMakeStatus(NNC_STATUS_RESOURCE_EXHAUSTED,
                         "nnc_model_save: out of memory");
  }
  memcpy(tmp, path, plen);
  memcpy(tmp + plen, ".tmp", 5);
  FILE *f = fopen(tmp, "wb");
  if (!f) {
    nnc_status_t s = nncMakeStatus(NNC_STATUS_IO_ERROR,
                                   "nnc_model_save: cannot create '%s': %s",
                                   tmp, strerror(errno));
    free(h.s);
    free(tmp);
    return s;
  }
  unsigned char len8[8];
  putLe64(len8, h.len);
  int ok = fwrite(len8, 1, 8, f) == 8 && fwrite(h.s, 1, h.len, f) == h.len;
  nnc_status_t copyError = NULL;
  for (int32_t t = 0; ok && t < desc->num_tensors; ++t)
    if (isSaved(desc->tensors[t].role) && m->bytes[t]) {
      if (m->device->hostMemory) {
        ok = fwrite(m->data[t], 1, m->bytes[t], f) == m->bytes[t];
        continue;
      }
      void *host = malloc(m->bytes[t]); /* CUDA: stage through the host */
      copyError = host ? nncTensorToHost(m, "nnc_model_save", t, host)
                       : nncMakeStatus(NNC_STATUS_RESOURCE_EXHAUSTED,
                                       "nnc_model_save: out of memory");
      ok = !copyError && fwrite(host, 1, m->bytes[t], f) == m->bytes[t];
      free(host);
    }
  ok = ok && fflush(f) == 0 && fsync(fileno(f)) == 0;
  int err = errno;
  ok = (fclose(f) == 0) && ok;
  if (ok && rename(tmp, path) != 0) {
    err = errno;
    ok = 0;
  }
  if (copyError)
    remove(tmp);
  nnc_status_t s = copyError;
  if (!ok && !s) {
    remove(tmp);
    s = nncMakeStatus(NNC_STATUS_IO_ERROR,
                      "nnc_model_save: cannot write '%s': %s", path,
                      strerror(err));
  }
  free(h.s);
  free(tmp);
  return s;
}

/*===--- Loading ----------------------------------------------------------===*/

/* Reads a whole file; DATA/IO errors as statuses. */
static nnc_status_t readFile(const char *path, unsigned char **out,
                             size_t *out_size) {
  FILE *f = fopen(path, "rb");
  if (!f)
    return nncMakeStatus(NNC_STATUS_IO_ERROR,
                         "nnc_model_load: cannot open '%s': %s", path,
                         strerror(errno));
  size_t cap = 1 << 16, len = 0;
  unsigned char *buf = malloc(cap);
  while (buf) {
    if (len == cap) {
      unsigned char *n = cap < SIZE_MAX / 2 ? realloc(buf, cap * 2) : NULL;
      if (!n) {
        free(buf);
        buf = NULL;
        break;
      }
      buf = n;
      cap *= 2;
    }
    size_t got = fread(buf + len, 1, cap - len, f);
    len += got;
    if (got == 0)
      break;
  }
  int bad = ferror(f);
  fclose(f);
  if (!buf)
    return nncMakeStatus(NNC_STATUS_RESOURCE_EXHAUSTED,
                         "nnc_model_load: out of memory reading '%s'", path);
  if (bad) {
    free(buf);
    return nncMakeStatus(NNC_STATUS_IO_ERROR,
                         "nnc_model_load: read error on '%s'", path);
  }
  *out = buf;
  *out_size = len;
  return NULL;
}

static int32_t findEntry(const nncStHeader *h, const char *name) {
  for (int32_t i = 0; i < h->count; ++i)
    if (strcmp(h->entries[i].name, name) == 0)
      return i;
  return -1;
}

static const char *dtypeSizeName(const char *dt, size_t *out_size) {
  static const struct {
    const char *name;
    size_t size;
  } known[] = {{"F64", 8},  {"F32", 4},     {"F16", 2},    {"BF16", 2},
               {"I64", 8},  {"I32", 4},     {"I16", 2},    {"I8", 1},
               {"U64", 8},  {"U32", 4},     {"U16", 2},    {"U8", 1},
               {"BOOL", 1}, {"F8_E4M3", 1}, {"F8_E5M2", 1}};
  for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); ++i)
    if (strcmp(known[i].name, dt) == 0) {
      *out_size = known[i].size;
      return known[i].name;
    }
  return NULL;
}

static int byBegin(const void *a, const void *b) {
  const nncStEntry *x = *(const nncStEntry *const *)a;
  const nncStEntry *y = *(const nncStEntry *const *)b;
  return x->begin < y->begin   ? -1
         : x->begin > y->begin ? 1
         : x->end < y->end     ? -1
         : x->end > y->end     ? 1
                               : 0;
}

static void shapeText(char *out, size_t n, const int64_t *dims, int32_t rank) {
  size_t at = (size_t)snprintf(out, n, "[");
  for (int32_t i = 0; i < rank && at < n; ++i)
    at += (size_t)snprintf(out + at, n - at, "%s%lld", i ? ", " : "",
                           (long long)dims[i]);
  if (at < n)
    snprintf(out + at, n - at, "]");
}

#define LOADERR(...) nncMakeStatus(NNC_STATUS_DATA_LOSS, __VA_ARGS__)

/* Checks the file layout and every entry's bytes; no model knowledge. */
static nnc_status_t checkLayout(const char *path, const nncStHeader *h,
                                uint64_t dataLen) {
  for (int32_t i = 0; i < h->count; ++i) {
    const nncStEntry *e = &h->entries[i];
    size_t esize = 0;
    if (!dtypeSizeName(e->dtype, &esize))
      return LOADERR("nnc_model_load: '%s': tensor '%s': unknown dtype '%s'",
                     path, e->name, e->dtype);
    uint64_t n = esize;
    for (int32_t d = 0; d < e->rank; ++d) {
      if (e->shape[d] && n > UINT64_MAX / (uint64_t)e->shape[d])
        return LOADERR("nnc_model_load: '%s': tensor '%s': shape overflows",
                       path, e->name);
      n *= (uint64_t)e->shape[d];
    }
    if (e->begin > e->end || e->end > dataLen)
      return LOADERR("nnc_model_load: '%s': tensor '%s': data_offsets [%llu, "
                     "%llu] outside the %llu data bytes of the file",
                     path, e->name, (unsigned long long)e->begin,
                     (unsigned long long)e->end, (unsigned long long)dataLen);
    if (e->end - e->begin != n)
      return LOADERR("nnc_model_load: '%s': tensor '%s': data_offsets span "
                     "%llu bytes, expected %llu for %s of its shape",
                     path, e->name, (unsigned long long)(e->end - e->begin),
                     (unsigned long long)n, e->dtype);
  }
  const nncStEntry **sorted = malloc(((size_t)h->count + 1) * sizeof(*sorted));
  if (!sorted)
    return nncMakeStatus(NNC_STATUS_RESOURCE_EXHAUSTED,
                         "nnc_model_load: out of memory");
  for (int32_t i = 0; i < h->count; ++i)
    sorted[i] = &h->entries[i];
  qsort(sorted, (size_t)h->count, sizeof(*sorted), byBegin);
  /* As the reference implementation: the tensors tile the data section,
   * in offset order, without gaps, overlaps or trailing bytes. */
  nnc_status_t s = NULL;
  uint64_t at = 0;
  for (int32_t i = 0; i < h->count && !s; ++i) {
    if (sorted[i]->begin < at)
      s = LOADERR("nnc_model_load: '%s': tensors '%s' and '%s' overlap in "
                  "the data section",
                  path, sorted[i - 1]->name, sorted[i]->name);
    else if (sorted[i]->begin > at)
      s = LOADERR("nnc_model_load: '%s': tensor '%s' starts at data byte "
                  "%llu, expected %llu (a gap in the data section)",
                  path, sorted[i]->name, (unsigned long long)sorted[i]->begin,
                  (unsigned long long)at);
    at = sorted[i]->end;
  }
  if (!s && at != dataLen)
    s = LOADERR("nnc_model_load: '%s': the tensors cover %llu data bytes, "
                "the file has %llu (wrong header length or truncated file)",
                path, (unsigned long long)at, (unsigned long long)dataLen);
  free(sorted);
  return s;
}

/* Checks that the file holds exactly what the model needs. */
static nnc_status_t checkAgainstModel(const char *path, const nnc_model_t *m,
                                      const nncStHeader *h) {
  const nnc_model_desc_t *desc = m->desc;
  int32_t states = 0, missingState = -1;
  for (int32_t t = 0; t < desc->num_tensors; ++t) {
    const nnc_tensor_desc_t *d = &desc->tensors[t];
    if (!isSaved(d->role))
      continue;
    int32_t i = findEntry(h, d->name);
    if (i < 0) {
      if (d->role == NNC_ROLE_STATE) {
        missingState = missingState < 0 ? t : missingState;
        continue;
      }
      return LOADERR("nnc_model_load: '%s': missing tensor '%s' (%s of model "
                     "'%s')",
                     path, d->name,
                     d->role == NNC_ROLE_PARAM ? "parameter" : "buffer",
                     nnc_model_name());
    }
    const nncStEntry *e = &h->entries[i];
    states += d->role == NNC_ROLE_STATE;
    if (strcmp(e->dtype, nncDtypeName(d->dtype)) != 0)
      return LOADERR("nnc_model_load: '%s': tensor '%s': expected dtype %s, "
                     "got %s",
                     path, d->name, nncDtypeName(d->dtype), e->dtype);
    int same = e->rank == d->rank;
    for (int32_t k = 0; same && k < d->rank; ++k)
      same = e->shape[k] == d->dims[k];
    if (!same) {
      char want[160], got[160];
      shapeText(want, sizeof(want), d->dims, d->rank);
      shapeText(got, sizeof(got), e->shape, e->rank);
      return LOADERR("nnc_model_load: '%s': tensor '%s': expected shape %s, "
                     "got %s",
                     path, d->name, want, got);
    }
  }
  if (states > 0 && missingState >= 0)
    return LOADERR("nnc_model_load: '%s': missing optimizer state '%s' (the "
                   "file has %d of the model's optimizer tensors; expected "
                   "all or none)",
                   path, desc->tensors[missingState].name, states);
  for (int32_t i = 0; i < h->count; ++i) {
    const char *name = h->entries[i].name;
    int known = 0;
    for (int32_t t = 0; t < desc->num_tensors && !known; ++t)
      known = isSaved(desc->tensors[t].role) &&
              strcmp(desc->tensors[t].name, name) == 0;
    size_t n = strlen(name), suffix = strlen("num_batches_tracked");
    /* PyTorch's batchnorm counter has no nnc counterpart: ignored. */
    if (!known &&
        !(n >= suffix && strcmp(name + n - suffix, "num_batches_tracked") == 0))
      return LOADERR("nnc_model_load: '%s': unexpected tensor '%s': model "
                     "'%s' has no parameter, buffer or optimizer state of "
                     "that name",
                     path, name, nnc_model_name());
  }
  return NULL;
}

/* Refuses NaN and infinities in the F32 tensors the model takes: such a
 * checkpoint (a diverged run) would load, then predict NaN and class 0
 * without a word. Elements are read with memcpy: the file data need not be
 * aligned. */
static nnc_status_t checkFinite(const char *path, const nnc_model_t *m,
                                const nncStHeader *h,
                                const unsigned char *data) {
  const nnc_model_desc_t *desc = m->desc;
  for (int32_t t = 0; t < desc->num_tensors; ++t) {
    const nnc_tensor_desc_t *d = &desc->tensors[t];
    int32_t i = isSaved(d->role) ? findEntry(h, d->name) : -1;
    if (i < 0 || d->dtype != NNC_DESC_F32)
      continue;
    const nncStEntry *e = &h->entries[i];
    uint64_t count = (e->end - e->begin) / sizeof(float);
    for (uint64_t k = 0; k < count; ++k) {
      float v;
      memcpy(&v, data + e->begin + k * sizeof(float), sizeof v);
      if (isfinite(v))
        continue;
      return LOADERR("nnc_model_load: '%s': tensor '%s': element %llu is "
                     "%s; a checkpoint with non-finite values (from a "
                     "diverged run?) is refused unless loaded with "
                     "NNC_LOAD_ALLOW_NONFINITE",
                     path, d->name, (unsigned long long)k,
                     isnan(v) ? "nan"
                     : v > 0  ? "inf"
                              : "-inf");
    }
  }
  return NULL;
}

nnc_status_t nncLoad(nnc_model_t *m, const char *path, uint32_t flags) {
  unsigned char *file = NULL;
  size_t size = 0;
  nnc_status_t s = readFile(path, &file, &size);
  if (s)
    return s;
  if (size < 8) {
    free(file);
    return LOADERR("nnc_model_load: '%s': file is %zu bytes, a safetensors "
                   "file has at least 8 (the header length)",
                   path, size);
  }
  uint64_t n = 0;
  for (int i = 7; i >= 0; --i)
    n = (n << 8) | file[i];
  if (n > size - 8 || n > NNC_MAX_HEADER) {
    free(file);
    return LOADERR("nnc_model_load: '%s': header length %llu exceeds the %zu "
                   "bytes after it (truncated or not safetensors)",
                   path, (unsigned long long)n, size - 8);
  }
  nncStHeader h;
  s = nncParseStHeader((const char *)file + 8, (size_t)n, path, &h);
  if (!s)
    s = checkLayout(path, &h, size - 8 - n);
  if (!s)
    s = checkAgainstModel(path, m, &h);
  if (!s && !(flags & NNC_LOAD_ALLOW_NONFINITE))
    s = checkFinite(path, m, &h, file + 8 + n);
  if (!s) {
    /* Everything is valid: only now is the instance modified. */
    const unsigned char *data = file + 8 + n;
    const nnc_model_desc_t *desc = m->desc;
    for (int32_t t = 0; t < desc->num_tensors; ++t) {
      if (!isSaved(desc->tensors[t].role))
        continue;
      int32_t i = findEntry(&h, desc->tensors[t].name);
      nnc_status_t cs =
          i >= 0 ? nncTensorFromHost(m, "nnc_model_load", t,
                                     data + h.entries[i].begin)
                 : nncTensorZero(m, "nnc_model_load", t); /* state absent */
      if (cs && !s)
        s = cs; /* only a device copy can fail here */
      else
        nnc_status_free(cs);
    }
    m->step = h.hasStep ? h.step : 0;
    if (h.hasSeed)
      m->seed = h.seed;
  }
  nncFreeStHeader(&h); /* zeroed by a failed parse: safe either way */
  free(file);
  return s;
}
