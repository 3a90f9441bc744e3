/*===- lib/ModelRT/SafetensorsHeader.c - safetensors header -------*- C -*-===*
 *
 * A strict recursive-descent JSON reader for the safetensors header:
 * `{"__metadata__": {str: str, ...}, "<name>": {"dtype": str, "shape": [int],
 * "data_offsets": [int, int]}, ...}` followed only by whitespace padding.
 * Strings are decoded (escapes, \u with surrogate pairs to UTF-8), integers
 * are checked for overflow, nesting is bounded, duplicate names and unknown
 * value types are rejected. Unknown fields inside a tensor are skipped.
 *
 *===----------------------------------------------------------------------===*/
#include "SafetensorsHeader.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
  const char *begin, *p, *end;
  const char *path;
  nnc_status_t err;
} Parser;

static int fail(Parser *ps, const char *what) {
  if (!ps->err)
    ps->err = nncMakeStatus(NNC_STATUS_DATA_LOSS,
                            "nnc_model_load: '%s': header byte %zu: %s",
                            ps->path, (size_t)(ps->p - ps->begin), what);
  return 0;
}

static void skipWs(Parser *ps) {
  while (ps->p < ps->end &&
         (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r'))
    ++ps->p;
}

static int expect(Parser *ps, char c, const char *what) {
  skipWs(ps);
  if (ps->p < ps->end && *ps->p == c) {
    ++ps->p;
    return 1;
  }
  return fail(ps, what);
}

static int peek(Parser *ps, char c) {
  skipWs(ps);
  return ps->p < ps->end && *ps->p == c;
}

static int hex4(Parser *ps, unsigned *out) {
  if (ps->end - ps->p < 4)
    return fail(ps, "truncated \\u escape");
  unsigned v = 0;
  for (int i = 0; i < 4; ++i) {
    char c = *ps->p++;
    v <<= 4;
    if (c >= '0' && c <= '9')
      v |= (unsigned)(c - '0');
    else if (c >= 'a' && c <= 'f')
      v |= (unsigned)(c - 'a' + 10);
    else if (c >= 'A' && c <= 'F')
      v |= (unsigned)(c - 'A' + 10);
    else
      return fail(ps, "bad hex digit in \\u escape");
  }
  *out = v;
  return 1;
}

static void putUtf8(char **o, unsigned cp) {
  if (cp < 0x80) {
    *(*o)++ = (char)cp;
  } else if (cp < 0x800) {
    *(*o)++ = (char)(0xC0 | (cp >> 6));
    *(*o)++ = (char)(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    *(*o)++ = (char)(0xE0 | (cp >> 12));
    *(*o)++ = (char)(0x80 | ((cp >> 6) & 0x3F));
    *(*o)++ = (char)(0x80 | (cp & 0x3F));
  } else {
    *(*o)++ = (char)(0xF0 | (cp >> 18));
    *(*o)++ = (char)(0x80 | ((cp >> 12) & 0x3F));
    *(*o)++ = (char)(0x80 | ((cp >> 6) & 0x3F));
    *(*o)++ = (char)(0x80 | (cp & 0x3F));
  }
}

/* Parses a string; `*out` (may be NULL to discard) receives a malloc'd copy.
 * Decoded text is never longer than the escaped text, so the raw length is
 * enough space. */
static int parseString(Parser *ps, char **out) {
  if (!expect(ps, '"', "expected a string"))
    return 0;
  const char *start = ps->p;
  while (ps->p < ps->end && *ps->p != '"')
    ps->p += *ps->p == '\\' && ps->p + 1 < ps->end ? 2 : 1;
  if (ps->p >= ps->end)
    return fail(ps, "unterminated string");
  char *buf = malloc((size_t)(ps->p - start) + 1), *o = buf;
  if (!buf)
    return fail(ps, "out of memory");
  ps->p = start;
  while (*ps->p != '"') {
    unsigned char c = (unsigned char)*ps->p++;
    if (c < 0x20) {
      free(buf);
      return fail(ps, "control character in string");
    }
    if (c != '\\') {
      *o++ = (char)c;
      continue;
    }
    char e = *ps->p++;
    unsigned cp = 0, lo = 0;
    switch (e) {
    case '"':
    case '\\':
    case '/':
      *o++ = e;
      break;
    case 'b':
      *o++ = '\b';
      break;
    case 'f':
      *o++ = '\f';
      break;
    case 'n':
      *o++ = '\n';
      break;
    case 'r':
      *o++ = '\r';
      break;
    case 't':
      *o++ = '\t';
      break;
    case 'u':
      if (!hex4(ps, &cp)) {
        free(buf);
        return 0;
      }
      if (cp >= 0xD800 && cp < 0xDC00) {
        if (ps->end - ps->p < 6 || ps->p[0] != '\\' || ps->p[1] != 'u') {
          free(buf);
          return fail(ps, "unpaired surrogate in \\u escape");
        }
        ps->p += 2;
        if (!hex4(ps, &lo) || lo < 0xDC00 || lo >= 0xE000) {
          free(buf);
          return fail(ps, "bad low surrogate in \\u escape");
        }
        cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
      } else if (cp >= 0xDC00 && cp < 0xE000) {
        free(buf);
        return fail(ps, "unpaired surrogate in \\u escape");
      }
      if (cp == 0) {
        free(buf);
        return fail(ps, "NUL character in string");
      }
      putUtf8(&o, cp);
      break;
    default:
      free(buf);
      return fail(ps, "bad escape in string");
    }
  }
  ++ps->p; /* closing quote */
  *o = '\0';
  if (out)
    *out = buf;
  else
    free(buf);
  return 1;
}

/* A non-negative integer without sign, fraction or exponent. */
static int parseUint(Parser *ps, uint64_t *out) {
  skipWs(ps);
  if (ps->p >= ps->end || *ps->p < '0' || *ps->p > '9')
    return fail(ps, "expected a non-negative integer");
  uint64_t v = 0;
  while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9') {
    unsigned d = (unsigned)(*ps->p++ - '0');
    if (v > (UINT64_MAX - d) / 10)
      return fail(ps, "integer overflows 64 bits");
    v = v * 10 + d;
  }
  if (ps->p < ps->end && (*ps->p == '.' || *ps->p == 'e' || *ps->p == 'E'))
    return fail(ps, "expected an integer, got a fraction");
  *out = v;
  return 1;
}

/* Skips any JSON value (unknown tensor fields), with bounded nesting. */
static int skipValue(Parser *ps, int depth) {
  if (depth > 32)
    return fail(ps, "nesting too deep");
  skipWs(ps);
  if (ps->p >= ps->end)
    return fail(ps, "expected a value");
  char c = *ps->p;
  if (c == '"')
    return parseString(ps, NULL);
  if (c == '{' || c == '[') {
    char close = c == '{' ? '}' : ']';
    ++ps->p;
    if (peek(ps, close))
      return ++ps->p, 1;
    do {
      if (c == '{' &&
          (!parseString(ps, NULL) || !expect(ps, ':', "expected ':'")))
        return 0;
      if (!skipValue(ps, depth + 1))
        return 0;
    } while (peek(ps, ',') && ++ps->p);
    return expect(ps, close,
                  c == '{' ? "expected ',' or '}'" : "expected ',' or ']'");
  }
  static const char *words[] = {"true", "false", "null"};
  for (int i = 0; i < 3; ++i) {
    size_t n = strlen(words[i]);
    if ((size_t)(ps->end - ps->p) >= n && memcmp(ps->p, words[i], n) == 0)
      return ps->p += n, 1;
  }
  const char *start = ps->p;
  while (ps->p < ps->end && strchr("+-0123456789.eE", *ps->p))
    ++ps->p;
  return ps->p > start ? 1 : fail(ps, "expected a value");
}

static int parseMetaNumber(Parser *ps, const char *s, uint64_t *out) {
  if (!*s)
    return fail(ps, "__metadata__: empty number");
  uint64_t v = 0;
  for (; *s; ++s) {
    if (*s < '0' || *s > '9')
      return fail(ps, "__metadata__: nnc.step/nnc.seed must be decimal");
    unsigned d = (unsigned)(*s - '0');
    if (v > (UINT64_MAX - d) / 10)
      return fail(ps, "__metadata__: number overflows 64 bits");
    v = v * 10 + d;
  }
  *out = v;
  return 1;
}

static int parseMetadata(Parser *ps, nncStHeader *h) {
  if (!expect(ps, '{', "__metadata__: expected an object"))
    return 0;
  if (peek(ps, '}'))
    return ++ps->p, 1;
  do {
    char *key = NULL, *value = NULL;
    if (!parseString(ps, &key))
      return 0;
    if (!expect(ps, ':', "expected ':'") || !peek(ps, '"')) {
      free(key);
      return fail(ps, "__metadata__: values must be strings");
    }
    if (!parseString(ps, &value)) {
      free(key);
      return 0;
    }
    uint64_t v = 0;
    int ok = 1;
    if (strcmp(key, "nnc.step") == 0) {
      ok = parseMetaNumber(ps, value, &v) &&
           (v <= INT64_MAX || fail(ps, "__metadata__: nnc.step too large"));
      h->hasStep = 1;
      h->step = (int64_t)v;
    } else if (strcmp(key, "nnc.seed") == 0) {
      ok = parseMetaNumber(ps, value, &v);
      h->hasSeed = 1;
      h->seed = v;
    }
    free(key);
    free(value);
    if (!ok)
      return 0;
  } while (peek(ps, ',') && ++ps->p);
  return expect(ps, '}', "__metadata__: expected ',' or '}'");
}

static int parseTensor(Parser *ps, nncStEntry *e) {
  int haveDtype = 0, haveShape = 0, haveOffsets = 0;
  if (!expect(ps, '{', "expected a tensor object"))
    return 0;
  if (!peek(ps, '}')) {
    do {
      char *key = NULL;
      if (!parseString(ps, &key))
        return 0;
      int ok = expect(ps, ':', "expected ':'");
      if (ok && strcmp(key, "dtype") == 0) {
        char *dt = NULL;
        ok = parseString(ps, &dt);
        if (ok) {
          strncpy(e->dtype, dt, sizeof(e->dtype) - 1);
          if (strlen(dt) >= sizeof(e->dtype))
            e->dtype[sizeof(e->dtype) - 2] = '?';
          free(dt);
        }
        haveDtype = 1;
      } else if (ok && strcmp(key, "shape") == 0) {
        ok = expect(ps, '[', "shape: expected an array");
        e->rank = 0;
        if (ok && !peek(ps, ']')) {
          do {
            uint64_t d = 0;
            if (e->rank >= NNC_MAX_RANK) {
              ok = fail(ps, "shape: more than 8 dimensions");
              break;
            }
            ok = parseUint(ps, &d) &&
                 (d <= INT64_MAX || fail(ps, "shape: dimension too large"));
            e->shape[e->rank++] = (int64_t)d;
          } while (ok && peek(ps, ',') && ++ps->p);
        }
        ok = ok && expect(ps, ']', "shape: expected ',' or ']'");
        haveShape = 1;
      } else if (ok && strcmp(key, "data_offsets") == 0) {
        ok = expect(ps, '[', "data_offsets: expected an array") &&
             parseUint(ps, &e->begin) &&
             expect(ps, ',', "data_offsets: expected two integers") &&
             parseUint(ps, &e->end) &&
             expect(ps, ']', "data_offsets: expected exactly two integers");
        haveOffsets = 1;
      } else if (ok) {
        ok = skipValue(ps, 0);
      }
      free(key);
      if (!ok)
        return 0;
    } while (peek(ps, ',') && ++ps->p);
  }
  if (!expect(ps, '}', "expected ',' or '}' in a tensor"))
    return 0;
  if (!haveDtype || !haveShape || !haveOffsets)
    return fail(ps, "tensor lacks dtype, shape or data_offsets");
  return 1;
}

void nncFreeStHeader(nncStHeader *h) {
  for (int32_t i = 0; i < h->count; ++i)
    free(h->entries[i].name);
  free(h->entries);
  memset(h, 0, sizeof(*h));
}

static int parseTop(Parser *ps, nncStHeader *h) {
  int sawMeta = 0;
  if (!expect(ps, '{', "expected '{' at the start of the header"))
    return 0;
  if (peek(ps, '}'))
    return ++ps->p, 1;
  do {
    char *key = NULL;
    if (!parseString(ps, &key))
      return 0;
    if (!expect(ps, ':', "expected ':'")) {
      free(key);
      return 0;
    }
    if (strcmp(key, "__metadata__") == 0) {
      free(key);
      if (sawMeta++)
        return fail(ps, "duplicate __metadata__");
      if (!parseMetadata(ps, h))
        return 0;
      continue;
    }
    for (int32_t i = 0; i < h->count; ++i)
      if (strcmp(h->entries[i].name, key) == 0) {
        free(key);
        return fail(ps, "duplicate tensor name");
      }
    if (h->count == h->capacity) {
      int32_t cap = h->capacity ? 2 * h->capacity : 16;
      nncStEntry *n = realloc(h->entries, (size_t)cap * sizeof(*n));
      if (!n) {
        free(key);
        return fail(ps, "out of memory");
      }
      h->entries = n;
      h->capacity = cap;
    }
    nncStEntry *e = &h->entries[h->count++];
    memset(e, 0, sizeof(*e));
    e->name = key;
    if (!parseTensor(ps, e))
      return 0;
  } while (peek(ps, ',') && ++ps->p);
  if (!expect(ps, '}', "expected ',' or '}' at the top level"))
    return 0;
  skipWs(ps);
  if (ps->p != ps->end)
    return fail(ps, "unexpected text after the header object");
  return 1;
}

nnc_status_t nncParseStHeader(const char *text, size_t len, const char *path,
                              nncStHeader *out) {
  Parser ps = {text, text, text + len, path, NULL};
  memset(out, 0, sizeof(*out));
  if (!parseTop(&ps, out)) {
    nncFreeStHeader(out);
    return ps.err;
  }
  return NULL;
}
