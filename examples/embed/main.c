/*===- examples/embed/main.c - Using a compiled nnc model from C --*- C -*-===*
 *
 * A small application that embeds an nnc model.so through its public C ABI
 * only: it dlopens the library given on the command line, prints its inputs
 * and outputs, optionally loads a safetensors checkpoint, reads the input as
 * whitespace-separated floats from a file or stdin (rows of the first
 * input), runs predict on all rows as one batch and prints the argmax class
 * and the scores of each row. See README.md beside this file.
 *
 *===----------------------------------------------------------------------===*/
#define _POSIX_C_SOURCE 200809L
#include "nnc-c/model.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The functions of the model ABI this program uses, resolved by dlsym. */
typedef struct {
  void *handle;
  __typeof__(&nnc_model_name) name;
  __typeof__(&nnc_model_tensor_count) tensorCount;
  __typeof__(&nnc_model_tensor_info) tensorInfo;
  __typeof__(&nnc_model_tensor_byte_size) byteSize;
  __typeof__(&nnc_model_create) create;
  __typeof__(&nnc_model_destroy) destroy;
  __typeof__(&nnc_model_load) load;
  __typeof__(&nnc_model_predict) predict;
  __typeof__(&nnc_status_message) statusMessage;
  __typeof__(&nnc_status_free) statusFree;
} Model;

static int resolve(Model *m, const char *path) {
  /* The argument is a file: dlopen searches the library path for a name
     without a slash, so `spiral.so` becomes `./spiral.so`. */
  char local[4096];
  if (!strchr(path, '/') && strlen(path) + 3 <= sizeof(local)) {
    snprintf(local, sizeof(local), "./%s", path);
    path = local;
  }
  m->handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (!m->handle) {
    fprintf(stderr, "error: cannot load '%s': %s\n", path, dlerror());
    return 0;
  }
  struct {
    void **slot;
    const char *name;
  } fns[] = {
      {(void **)&m->name, "nnc_model_name"},
      {(void **)&m->tensorCount, "nnc_model_tensor_count"},
      {(void **)&m->tensorInfo, "nnc_model_tensor_info"},
      {(void **)&m->byteSize, "nnc_model_tensor_byte_size"},
      {(void **)&m->create, "nnc_model_create"},
      {(void **)&m->destroy, "nnc_model_destroy"},
      {(void **)&m->load, "nnc_model_load"},
      {(void **)&m->predict, "nnc_model_predict"},
      {(void **)&m->statusMessage, "nnc_status_message"},
      {(void **)&m->statusFree, "nnc_status_free"},
  };
  for (size_t i = 0; i < sizeof(fns) / sizeof(fns[0]); ++i) {
    *fns[i].slot = dlsym(m->handle, fns[i].name);
    if (!*fns[i].slot) {
      fprintf(stderr, "error: '%s' is not an nnc model (no %s)\n", path,
              fns[i].name);
      return 0;
    }
  }
  return 1;
}

/* Prints and frees a failed status; returns 1 when `s` was success. */
static int ok(const Model *m, nnc_status_t s) {
  if (!s)
    return 1;
  fprintf(stderr, "error: %s\n", m->statusMessage(s));
  m->statusFree(s);
  return 0;
}

static void printTensor(const char *what, const nnc_tensor_info_t *info) {
  static const char *dtypes[] = {"f32", "i32", "i64"};
  printf("%s %s: %s[", what, info->name,
         info->dtype <= NNC_DTYPE_I64 ? dtypes[info->dtype] : "?");
  for (int32_t d = 0; d < info->rank; ++d) {
    if (info->dims[d] < 0)
      printf("%sN", d ? ", " : "");
    else
      printf("%s%lld", d ? ", " : "", (long long)info->dims[d]);
  }
  printf("]\n");
}

/* Reads all floats of `f` into a growing array. */
static float *readFloats(FILE *f, size_t *out_count) {
  size_t n = 0, cap = 64;
  float *v = malloc(cap * sizeof(float));
  float x;
  while (v && fscanf(f, "%f", &x) == 1) {
    if (n == cap) {
      float *grown = realloc(v, 2 * cap * sizeof(float));
      if (!grown) {
        free(v);
        return NULL;
      }
      v = grown;
      cap *= 2;
    }
    v[n++] = x;
  }
  if (v && !feof(f)) {
    fprintf(stderr, "error: the input holds something that is not a number\n");
    free(v);
    return NULL;
  }
  *out_count = n;
  return v;
}

int main(int argc, char **argv) {
  const char *modelPath = NULL, *inputPath = "-", *checkpoint = NULL;
  for (int i = 1; i < argc; ++i) {
    if (strcmp(argv[i], "--checkpoint") == 0 && i + 1 < argc)
      checkpoint = argv[++i];
    else if (!modelPath)
      modelPath = argv[i];
    else
      inputPath = argv[i];
  }
  if (!modelPath) {
    fprintf(stderr, "usage: %s MODEL.so [INPUT|-] [--checkpoint FILE]\n",
            argv[0]);
    return 2;
  }
  Model m;
  if (!resolve(&m, modelPath))
    return 1;
  printf("model %s\n", m.name());
  nnc_tensor_info_t in, out;
  for (int32_t i = 0; i < m.tensorCount(NNC_KIND_INPUT); ++i)
    if (ok(&m, m.tensorInfo(NNC_KIND_INPUT, i, &in)))
      printTensor("input", &in);
  for (int32_t i = 0; i < m.tensorCount(NNC_KIND_OUTPUT); ++i)
    if (ok(&m, m.tensorInfo(NNC_KIND_OUTPUT, i, &out)))
      printTensor("output", &out);
  if (m.tensorCount(NNC_KIND_INPUT) != 1 ||
      m.tensorCount(NNC_KIND_OUTPUT) < 1 ||
      !ok(&m, m.tensorInfo(NNC_KIND_INPUT, 0, &in)) ||
      !ok(&m, m.tensorInfo(NNC_KIND_OUTPUT, 0, &out)) ||
      in.dtype != NNC_DTYPE_F32 || out.dtype != NNC_DTYPE_F32) {
    fprintf(stderr, "error: this example handles one f32 input and f32 "
                    "outputs\n");
    return 1;
  }

  FILE *f = strcmp(inputPath, "-") == 0 ? stdin : fopen(inputPath, "r");
  if (!f) {
    fprintf(stderr, "error: cannot open '%s'\n", inputPath);
    return 1;
  }
  size_t count = 0;
  float *x = readFloats(f, &count);
  if (f != stdin)
    fclose(f);
  if (!x)
    return 1;
  if (count == 0 || count % (size_t)in.item_elements) {
    fprintf(stderr,
            "error: read %zu numbers, expected a positive multiple of %lld "
            "(one row of '%s')\n",
            count, (long long)in.item_elements, in.name);
    free(x);
    return 1;
  }
  int64_t batch = (int64_t)(count / (size_t)in.item_elements);

  nnc_model_t *model = NULL;
  int32_t numOut = m.tensorCount(NNC_KIND_OUTPUT);
  nnc_buffer_t *outs = calloc((size_t)numOut, sizeof(nnc_buffer_t));
  int good = outs && ok(&m, m.create(0, &model));
  if (good && checkpoint)
    good = ok(&m, m.load(model, checkpoint));
  for (int32_t i = 0; good && i < numOut; ++i) {
    good = ok(&m, m.byteSize(NNC_KIND_OUTPUT, i, batch, &outs[i].size));
    outs[i].data = good ? malloc(outs[i].size ? outs[i].size : 1) : NULL;
    good = good && outs[i].data;
  }
  nnc_const_buffer_t input = {x, count * sizeof(float)};
  if (good)
    good = ok(&m, m.predict(model, batch, &input, 1, outs, numOut));
  if (good) {
    const float *scores = outs[0].data;
    int64_t width = out.item_elements;
    for (int64_t r = 0; r < batch; ++r) {
      const float *row = scores + r * width;
      int64_t best = 0;
      for (int64_t k = 1; k < width; ++k)
        if (row[k] > row[best])
          best = k;
      printf("row %lld: class %lld scores", (long long)r, (long long)best);
      for (int64_t k = 0; k < width; ++k)
        printf(" %.6g", (double)row[k]);
      printf("\n");
    }
  }
  for (int32_t i = 0; outs && i < numOut; ++i)
    free(outs[i].data);
  free(outs);
  free(x);
  m.destroy(model);
  return good ? 0 : 1;
}
