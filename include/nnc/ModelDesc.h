/*===- nnc/ModelDesc.h - Descriptor of a compiled model -------------*- C
 *-*-===*
 *
 * The static description of one compiled model: its tensors (inputs, labels,
 * outputs, parameters, buffers, gradients, optimizer state), the kernels of
 * its entry points and their argument lists. The compiler emits exactly one
 * `nnc_model_desc` per model.so as plain C data; the model shim
 * (lib/ModelRT) implements the public C ABI of include/nnc-c/model.h over it.
 * Internal to nnc: applications never see this header.
 *
 *===----------------------------------------------------------------------===*/
#ifndef NNC_MODELDESC_H
#define NNC_MODELDESC_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define NNC_DESC_VERSION 7
#define NNC_MAX_RANK 8

/** What a tensor is to the model. */
typedef enum {
  NNC_ROLE_INPUT = 0,      /**< data fed to predict and the training step */
  NNC_ROLE_LABEL = 1,      /**< training targets */
  NNC_ROLE_OUTPUT = 2,     /**< predict results */
  NNC_ROLE_LOSS = 3,       /**< scalar loss of the training step */
  NNC_ROLE_PARAM = 4,      /**< trainable parameter */
  NNC_ROLE_BUFFER = 5,     /**< non-trainable state (batchnorm running stats) */
  NNC_ROLE_GRAD = 6,       /**< gradient of the parameter `of` */
  NNC_ROLE_STATE = 7,      /**< optimizer state of the parameter `of` */
  NNC_ROLE_INPUT_GRAD = 8, /**< d loss / d the f32 input `of`, written into
                                a caller buffer (since version 4) */
} nnc_role_t;

typedef enum {
  NNC_DESC_F32 = 0,
  NNC_DESC_I32 = 1,
  NNC_DESC_I64 = 2,
} nnc_desc_dtype_t;

/** Parameter initialisers (PyTorch conventions: fan_in = prod(dims[1:]),
 *  fan_out = dims[0] * prod(dims[2:])). */
typedef enum {
  NNC_INIT_NONE = 0, /**< not a parameter: no initialisation */
  NNC_INIT_ZEROS = 1,
  NNC_INIT_ONES = 2,
  NNC_INIT_HE = 3,      /**< normal(0, sqrt(2 / fan_in)) */
  NNC_INIT_XAVIER = 4,  /**< uniform(+-sqrt(6 / (fan_in + fan_out))) */
  NNC_INIT_NORMAL = 5,  /**< normal(0, scale) */
  NNC_INIT_UNIFORM = 6, /**< uniform(-scale, scale) */
} nnc_init_t;

typedef struct {
  const char *name; /**< PyTorch state_dict style: "fc1.weight" */
  int32_t role;     /**< nnc_role_t */
  int32_t dtype;    /**< nnc_desc_dtype_t */
  int32_t rank;
  int64_t dims[NNC_MAX_RANK]; /**< -1 marks the batch dimension */
  int32_t init;               /**< nnc_init_t */
  float init_scale;           /**< std of NORMAL, bound of UNIFORM */
  int32_t of;                 /**< GRAD/STATE: index of the parameter;
                                   INPUT_GRAD: of the input; else -1 */
  int64_t index_bound;        /**< I32 INPUT/LABEL holding class indices or
                                   embedding ids: every element must lie in
                                   [0, index_bound); 0 = unchecked (since
                                   version 3) */
} nnc_tensor_desc_t;

/** Scalar argument slots, used in place of tensor indices in arg lists. */
#define NNC_ARG_LR (-1)   /**< f32 rank-0: learning rate */
#define NNC_ARG_STEP (-2) /**< i64 rank-0: 1-based optimizer step */
#define NNC_ARG_SEED (-3) /**< i64 rank-0: seed for this step's randomness */
#define NNC_ARG_ROW_OFFSET                                                     \
  (-4) /**< i64 rank-0: index of the batch's first                             \
            row in a larger batch (dropout masks;                              \
            nnc_model_set_row_offset) */
/** f64 rank-0: optimizer hyperparameter `k` of nnc_model_desc_t.hypers
 *  (0 <= k < NNC_MAX_HYPERS), slots -16 .. -16 - (NNC_MAX_HYPERS - 1); the
 *  learning rate is the one named "lr" (since version 5, which passes it
 *  as an f64 hyperparameter; NNC_ARG_LR, f32, is still accepted). */
#define NNC_ARG_HYPER(k) (-16 - (k))
#define NNC_MAX_HYPERS 16
/** 1 when `a` is an NNC_ARG_HYPER slot. */
#define NNC_ARG_IS_HYPER(a) ((a) <= -16 && (a) > -16 - NNC_MAX_HYPERS)
#define NNC_ARG_HYPER_INDEX(a) (-16 - (a))

/** The values an optimizer hyperparameter may take (every one finite). */
typedef enum {
  NNC_HYPER_NONNEG = 0,   /**< >= 0: lr, weight_decay, momentum */
  NNC_HYPER_POSITIVE = 1, /**< > 0: eps, clip_norm */
  NNC_HYPER_UNIT = 2,     /**< [0, 1): beta1, beta2, alpha */
  NNC_HYPER_FLAG = 3,     /**< 0 or 1: nesterov */
} nnc_hyper_range_t;

/** One run-time optimizer hyperparameter (since version 5). */
typedef struct {
  const char *name;     /**< PyTorch's name: "lr", "beta1", "weight_decay" */
  double default_value; /**< the train section's value (or the default) */
  int32_t range;        /**< nnc_hyper_range_t */
} nnc_hyper_desc_t;
#define NNC_ARG_REPLICAS                                                       \
  (-5) /**< i64 rank-0: the instance's address, for                            \
            nn.replica_sum's calls of its all-reduce                           \
            callback (nnc_model_set_allreduce;                                 \
            models compiled with sync_batchnorm) */

/** Kernel entry point: args[i] points to an MLIR memref descriptor
 *  {void *allocated; void *aligned; int64_t offset; int64_t sizes[r];
 *   int64_t strides[r];} for the tensor or scalar named by arg_list[i]. */
typedef void (*nnc_kernel_fn_t)(void **args);

typedef struct {
  nnc_kernel_fn_t fn; /**< NULL when the model has no such entry */
  int32_t num_args;
  const int32_t *args; /**< tensor indices or NNC_ARG_* slots */
  /** Since version 6: per argument, 1 when the kernel may write it before
   *  an allocation that can fail (the shim keeps a copy of it to undo a
   *  failed call), 0 when every write comes after the kernel's last
   *  allocation; NULL: every instance tensor the entry may write is kept. */
  const uint8_t *undo;
  /** Since version 7: NNC_ENTRY_* bits. */
  int32_t flags;
} nnc_entry_desc_t;

/** CUDA: the entry's host code touches no memory and waits for the device
 *  only at its end (nnc-gpu-async's nn.graph_safe), so its launches depend
 *  on argument addresses and shapes only: the shim may capture a call as a
 *  CUDA graph and replay it for later calls with the same arguments. */
#define NNC_ENTRY_GRAPH_SAFE 1

typedef enum {
  NNC_OPT_NONE = 0,
  NNC_OPT_SGD = 1,
  NNC_OPT_MOMENTUM = 2,
  NNC_OPT_RMSPROP = 3,
  NNC_OPT_ADAM = 4,
  NNC_OPT_ADAMW = 5,
} nnc_optimizer_kind_t;

/** Where the kernels run and the instance tensors live. */
typedef enum {
  NNC_TARGET_CPU = 0,  /**< host memory, kernels are host functions */
  NNC_TARGET_CUDA = 1, /**< device memory; memref descriptors hold device
                            pointers; kernels launch PTX through mgpu* */
} nnc_target_t;

typedef struct {
  uint32_t desc_version; /**< NNC_DESC_VERSION */
  const char *name;      /**< model name from the .nn file */
  int32_t num_tensors;
  const nnc_tensor_desc_t *tensors;
  nnc_entry_desc_t predict;
  nnc_entry_desc_t train_step; /**< forward + loss + backward + update */
  nnc_entry_desc_t grads;      /**< forward + loss + backward, writes GRADs */
  nnc_entry_desc_t apply;      /**< optimizer update from GRADs */
  int32_t optimizer;           /**< nnc_optimizer_kind_t */
  float learning_rate;         /**< default lr from the train section */
  const char *recipe_json;     /**< train section as JSON ("{}" when absent) */
  int32_t target;              /**< nnc_target_t (since version 2) */
  /** forward + loss + backward to the inputs, writes INPUT_GRADs (only
   *  with `nnc --input-grads`; since version 4) */
  nnc_entry_desc_t input_grads;
  /** The optimizer's hyperparameters, "lr" first; kernels read them
   *  through NNC_ARG_HYPER slots (since version 5). */
  int32_t num_hypers;
  const nnc_hyper_desc_t *hypers;
} nnc_model_desc_t;

#ifdef __cplusplus
}
#endif

#endif /* NNC_MODELDESC_H */
