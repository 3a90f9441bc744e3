/*===- test/unit/ModelRT/Fixtures/Lookup.c - embedding fixture ----*- C -*-===*
 *
 * The model "Lookup": an embedding of i32 ids [N, 2] in a table f32[5, 3]
 * (normal 0.1), predict only. Its descriptor bounds the ids by the table
 * size (index_bound 5), so the shim must refuse ids outside [0, 5) before
 * this kernel runs; the kernel clamps like the compiled lowering does.
 *
 *===----------------------------------------------------------------------===*/
#include "Memref.h"
#include "nnc/ModelDesc.h"

enum { IDS, TABLE, OUT };

/* args: ids, table, out */
void nnc_kernel_predict(void **args) {
  int64_t n = argSize(args, 0, 0);
  const int32_t *ids = argI32(args, 0);
  const float *table = argF32(args, 1);
  float *out = argF32(args, 2);
  for (int64_t p = 0; p < n * 2; ++p) {
    int32_t id = ids[p] < 0 ? 0 : ids[p] > 4 ? 4 : ids[p];
    for (int d = 0; d < 3; ++d)
      out[p * 3 + d] = table[id * 3 + d];
  }
}

static const nnc_tensor_desc_t tensors[] = {
    {"ids", NNC_ROLE_INPUT, NNC_DESC_I32, 2, {-1, 2}, NNC_INIT_NONE, 0, -1, 5},
    {"emb.weight",
     NNC_ROLE_PARAM,
     NNC_DESC_F32,
     2,
     {5, 3},
     NNC_INIT_NORMAL,
     0.1f,
     -1,
     0},
    {"out",
     NNC_ROLE_OUTPUT,
     NNC_DESC_F32,
     3,
     {-1, 2, 3},
     NNC_INIT_NONE,
     0,
     -1,
     0},
};

static const int32_t predictArgs[] = {IDS, TABLE, OUT};

const nnc_model_desc_t nnc_model_desc = {
    NNC_DESC_VERSION,
    "Lookup",
    sizeof(tensors) / sizeof(tensors[0]),
    tensors,
    {nnc_kernel_predict, 3, predictArgs},
    {0, 0, 0},
    {0, 0, 0},
    {0, 0, 0},
    NNC_OPT_NONE,
    0.0f,
    "{}",
    NNC_TARGET_CPU,
};
