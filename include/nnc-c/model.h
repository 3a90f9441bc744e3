/*===- nnc-c/model.h - The C ABI of a compiled nnc model ----------*- C -*-===*
 *
 * Every model.so produced by `nnc model.nn -o model.so` exports exactly this
 * API (and nothing else). Static queries describe the model (name, inputs,
 * outputs, labels, parameters, buffers, gradients, optimizer state); an
 * instance (`nnc_model_t`) owns one copy of the parameters, gradients,
 * buffers and optimizer state, initialised from a seed, and runs inference,
 * the fused training step, gradients and their application, and saves/loads
 * safetensors checkpoints. Data always travels through caller-supplied
 * buffers whose byte sizes are checked. See docs/abi.md for the full story.
 *
 * Thread-safety: the static queries (nnc_abi_version .. nnc_model_tensor_*)
 * and the status functions are thread-safe. Distinct instances may be used
 * concurrently from different threads. One instance must not be used by two
 * threads at the same time (not even for reads while another call runs):
 * the calls of one instance must be serialised by the caller. Each instance
 * of a CPU model owns a pool of threads (nnc_model_options_t.num_threads,
 * the calling thread included) on which its kernels run parallel loops
 * during a call; the pool's workers start at the first call that needs them
 * and end in nnc_model_destroy. Results do not depend on the thread count.
 *
 *===----------------------------------------------------------------------===*/
#ifndef NNC_C_MODEL_H
#define NNC_C_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "nnc-c/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Version of this ABI; bumped on any incompatible change. */
#define NNC_ABI_VERSION 1
/** Largest tensor rank. */
#define NNC_MAX_DIMS 8
/** Largest batch accepted by predict/train_step/compute_gradients. */
#define NNC_MAX_BATCH (1 << 24)

/** One instance of the model: parameters, buffers, gradients, optimizer
 *  state, step count and seed. Opaque. */
typedef struct nnc_model_s nnc_model_t;

/** Element types. */
typedef enum nnc_dtype_e {
  NNC_DTYPE_F32 = 0,
  NNC_DTYPE_I32 = 1,
  NNC_DTYPE_I64 = 2,
} nnc_dtype_t;

/** The groups of tensors of a model. Within a kind, tensors are numbered
 *  0..nnc_model_tensor_count(kind)-1 in declaration order; buffer arrays
 *  passed to predict/train_step follow that order. */
typedef enum nnc_tensor_kind_e {
  NNC_KIND_INPUT = 0,  /**< data fed to predict and training */
  NNC_KIND_LABEL = 1,  /**< training targets */
  NNC_KIND_OUTPUT = 2, /**< results of predict */
  NNC_KIND_PARAM = 3,  /**< trainable parameters (instance data) */
  NNC_KIND_BUFFER = 4, /**< non-trained state, e.g. running stats */
  NNC_KIND_GRAD = 5,   /**< gradient of PARAM `of`, named "<param>.grad" */
  NNC_KIND_STATE = 6,  /**< optimizer state of PARAM `of` */
} nnc_tensor_kind_t;
#define NNC_KIND_COUNT 7

/** The entry points a model may have. */
typedef enum nnc_entry_e {
  NNC_ENTRY_PREDICT = 0,
  NNC_ENTRY_TRAIN_STEP = 1,  /**< forward + loss + backward + update */
  NNC_ENTRY_GRADS = 2,       /**< forward + loss + backward */
  NNC_ENTRY_APPLY = 3,       /**< optimizer update from the gradients */
  NNC_ENTRY_INPUT_GRADS = 4, /**< d loss / d input (nnc --input-grads) */
} nnc_entry_t;

/** Where caller buffers of inputs and labels live (CUDA models). */
typedef enum nnc_location_e {
  NNC_LOCATION_HOST = 0,   /**< host memory (the default) */
  NNC_LOCATION_DEVICE = 1, /**< device memory of the model's GPU */
} nnc_location_t;

/** Description of one tensor. `name` points to static storage of model.so. */
typedef struct nnc_tensor_info_s {
  const char *name; /**< "fc1.weight", "x", "optimizer.fc1.weight.exp_avg" */
  nnc_dtype_t dtype;
  int32_t rank;
  int64_t dims[NNC_MAX_DIMS]; /**< -1 marks the batch dimension */
  int32_t batch_axis;         /**< index of the -1 dimension, or -1 when none */
  int32_t of;            /**< GRAD/STATE: PARAM index it belongs to; else -1 */
  int64_t item_elements; /**< elements of one batch item (all if no batch) */
  size_t item_bytes;     /**< bytes of one batch item (all if no batch) */
} nnc_tensor_info_t;

/** A caller-owned read-only buffer and its size in bytes. */
typedef struct nnc_const_buffer_s {
  const void *data;
  size_t size;
} nnc_const_buffer_t;

/** A caller-owned writable buffer and its size in bytes. */
typedef struct nnc_buffer_s {
  void *data;
  size_t size;
} nnc_buffer_t;

/*===--- Static queries (no instance needed; thread-safe) -----------------===*/

/** NNC_ABI_VERSION of the model.so. */
NNC_API uint32_t nnc_abi_version(void);

/** The model name from the .nn file. */
NNC_API const char *nnc_model_name(void);

/** The train section as JSON ("{}" when the model has none). */
NNC_API const char *nnc_model_recipe_json(void);

/** Optimizer of the train section: "none", "sgd", "momentum", "rmsprop",
 *  "adam" or "adamw". */
NNC_API const char *nnc_model_optimizer(void);

/** Learning rate of the train section (0 when absent), as an f32. The
 *  instance's learning rate is the hyperparameter "lr" (a double, below). */
NNC_API float nnc_model_default_learning_rate(void);

/** One run-time optimizer hyperparameter. `name` and `range` point to
 *  static storage of model.so. */
typedef struct nnc_hyperparameter_info_s {
  const char *name;     /**< PyTorch's name: "lr", "beta1", "weight_decay" */
  double default_value; /**< the train section's value (or the default) */
  const char *range;    /**< the values it accepts: "[0, inf)", "(0, inf)",
                             "[0, 1)" or "{0, 1}" (all finite) */
} nnc_hyperparameter_info_t;

/** Number of hyperparameters of the model's optimizer (0 without a train
 *  section). Every one is a run-time argument of the update kernels whose
 *  value the instance holds, starting at its default; "lr" is always the
 *  first. sgd: lr, weight_decay; momentum: lr, momentum, nesterov,
 *  weight_decay; rmsprop: lr, alpha, eps, weight_decay; adam and adamw: lr,
 *  beta1, beta2, eps, weight_decay; plus clip_norm when the train section
 *  clips gradients. */
NNC_API int32_t nnc_model_hyperparameter_count(void);

/** Fills `out_info` for hyperparameter `index` (OUT_OF_RANGE beyond the
 *  count). */
NNC_API nnc_status_t nnc_model_hyperparameter_info(
    int32_t index, nnc_hyperparameter_info_t *out_info);

/** Where the model's kernels run: "cpu", or "cuda" for a model compiled
 *  with --target=cuda (instance tensors live in GPU memory; data is copied
 *  across around each call; needs an NVIDIA driver at run time). */
NNC_API const char *nnc_model_target(void);

/** 1 when the model has entry point `entry`, else 0. */
NNC_API int nnc_model_has_entry(nnc_entry_t entry);

/** Number of tensors of `kind`; 0 for an unknown kind. */
NNC_API int32_t nnc_model_tensor_count(nnc_tensor_kind_t kind);

/** Fills `out_info` for tensor `index` of `kind`. */
NNC_API nnc_status_t nnc_model_tensor_info(nnc_tensor_kind_t kind,
                                           int32_t index,
                                           nnc_tensor_info_t *out_info);

/** Index of the tensor of `kind` called `name`: the name that
 *  nnc_model_tensor_info reports, for every kind ("fc1.weight.grad" for a
 *  GRAD). NNC_STATUS_NOT_FOUND when there is none. */
NNC_API nnc_status_t nnc_model_find_tensor(nnc_tensor_kind_t kind,
                                           const char *name,
                                           int32_t *out_index);

/** Byte size of tensor `index` of `kind` for `batch` items (`batch` is
 *  ignored for tensors without a batch dimension). */
NNC_API nnc_status_t nnc_model_tensor_byte_size(nnc_tensor_kind_t kind,
                                                int32_t index, int64_t batch,
                                                size_t *out_size);

/*===--- Instances --------------------------------------------------------===*/

/** Creates an instance whose parameters and buffers are initialised from
 *  `seed` as the .nn file says (docs/abi.md gives the exact PRNG), with
 *  zero gradients and optimizer state and a step count of 0. The same seed
 *  gives bit-identical parameters. Release with nnc_model_destroy. Uses the
 *  default options (nnc_model_create_with_options with NULL). */
NNC_API nnc_status_t nnc_model_create(uint64_t seed, nnc_model_t **out_model);

/** The largest nnc_model_options_t.num_threads. */
#define NNC_MAX_THREADS 1024

/** Options of nnc_model_create_with_options. Zero-initialise, then set
 *  `struct_size` to sizeof(nnc_model_options_t). */
typedef struct nnc_model_options_s {
  uint32_t struct_size; /**< sizeof(nnc_model_options_t) */
  /** Threads that run the kernels' parallel loops, the calling thread
   *  included (1..NNC_MAX_THREADS). 0: the default, NNC_NUM_THREADS when
   *  set and not empty (create fails with INVALID_ARGUMENT unless it is an
   *  integer in 1..NNC_MAX_THREADS), else the number of CPUs in the
   *  process's affinity mask. CUDA models keep the count but their kernels
   *  run on the device. */
  int32_t num_threads;
} nnc_model_options_t;

/** nnc_model_create with `options` (NULL: the defaults). INVALID_ARGUMENT
 *  for a wrong struct_size or a num_threads out of range. */
NNC_API nnc_status_t nnc_model_create_with_options(
    uint64_t seed, const nnc_model_options_t *options, nnc_model_t **out_model);

/** The number of threads of `model` (the calling thread included), as
 *  chosen at creation; 0 for NULL. */
NNC_API int32_t nnc_model_num_threads(const nnc_model_t *model);

/** Releases `model` and everything it owns; NULL is a no-op. */
NNC_API void nnc_model_destroy(nnc_model_t *model);

/** Runs inference on `batch` items (1 <= batch <= NNC_MAX_BATCH).
 *  `inputs` has one buffer per INPUT and `outputs` one per OUTPUT, in index
 *  order, each of exactly nnc_model_tensor_byte_size(kind, i, batch) bytes,
 *  row-major. Does not change the instance. */
NNC_API nnc_status_t nnc_model_predict(nnc_model_t *model, int64_t batch,
                                       const nnc_const_buffer_t *inputs,
                                       int32_t num_inputs,
                                       nnc_buffer_t *outputs,
                                       int32_t num_outputs);

/** One fused training step on `batch` items with learning rate
 *  `learning_rate` (finite, >= 0): updates parameters, buffers and
 *  optimizer state, increments the step count and stores the batch-mean
 *  loss in `*out_loss`. `outputs` (may be NULL with num_outputs 0; else one
 *  buffer per OUTPUT, as for nnc_model_predict) receives every model output
 *  of this step's forward pass: in training mode (dropout applied,
 *  batchnorm on the batch's statistics) and before the update, whether or
 *  not the loss reads it. */
NNC_API nnc_status_t nnc_model_train_step(
    nnc_model_t *model, int64_t batch, const nnc_const_buffer_t *inputs,
    int32_t num_inputs, const nnc_const_buffer_t *labels, int32_t num_labels,
    float learning_rate, nnc_buffer_t *outputs, int32_t num_outputs,
    float *out_loss);

/** nnc_model_train_step with the instance's hyperparameters, the learning
 *  rate included: its "lr", a double (nnc_model_set_hyperparameter), which
 *  the update computes with in double where PyTorch does (Adam's step size
 *  lr / (1 - beta1^t), AdamW's 1 - lr * weight_decay) and rounds to f32
 *  elsewhere. nnc_model_train_step(..., lr, ...) is this call with "lr"
 *  replaced by (double)lr for this call only. */
NNC_API nnc_status_t nnc_model_train_step_hp(
    nnc_model_t *model, int64_t batch, const nnc_const_buffer_t *inputs,
    int32_t num_inputs, const nnc_const_buffer_t *labels, int32_t num_labels,
    nnc_buffer_t *outputs, int32_t num_outputs, float *out_loss);

/** Forward, loss and backward: overwrites the GRAD tensors (and buffers such
 *  as running statistics) and stores the loss; parameters, optimizer state
 *  and step are unchanged. Arguments as for nnc_model_train_step. */
NNC_API nnc_status_t nnc_model_compute_gradients(
    nnc_model_t *model, int64_t batch, const nnc_const_buffer_t *inputs,
    int32_t num_inputs, const nnc_const_buffer_t *labels, int32_t num_labels,
    nnc_buffer_t *outputs, int32_t num_outputs, float *out_loss);

/** Forward, loss and backward to the inputs: writes d loss / d input of
 *  every f32 INPUT into `input_grads` (one buffer per INPUT, in index
 *  order, each of the input's byte size for `batch`; {NULL, 0} for an input
 *  that is not f32) and stores the loss, in training mode as
 *  nnc_model_compute_gradients (dropout masks of the next step). Changes
 *  nothing in the instance (no GRAD, buffer or step). UNIMPLEMENTED unless
 *  the model was compiled with `nnc --input-grads` (CPU target). */
NNC_API nnc_status_t nnc_model_compute_input_gradients(
    nnc_model_t *model, int64_t batch, const nnc_const_buffer_t *inputs,
    int32_t num_inputs, const nnc_const_buffer_t *labels, int32_t num_labels,
    nnc_buffer_t *input_grads, int32_t num_input_grads, float *out_loss);

/** One optimizer update from the current GRAD tensors (which the caller may
 *  have written, e.g. averaged across processes); increments the step. */
NNC_API nnc_status_t nnc_model_apply_gradients(nnc_model_t *model,
                                               float learning_rate);

/** nnc_model_apply_gradients with the instance's hyperparameters, the
 *  learning rate ("lr", a double) included. */
NNC_API nnc_status_t nnc_model_apply_gradients_hp(nnc_model_t *model);

/** Sets the instance's hyperparameter `name` (nnc_model_hyperparameter_info)
 *  to `value`, used by the following nnc_model_train_step_hp and
 *  nnc_model_apply_gradients_hp calls (and, but for "lr", by
 *  nnc_model_train_step and nnc_model_apply_gradients). NOT_FOUND for a
 *  name the model's optimizer does not have; INVALID_ARGUMENT for a value
 *  outside its range (NaN and infinities always are). Not saved in
 *  checkpoints: an instance starts at the compiled defaults. */
NNC_API nnc_status_t nnc_model_set_hyperparameter(nnc_model_t *model,
                                                  const char *name,
                                                  double value);

/** The instance's current value of hyperparameter `name`. */
NNC_API nnc_status_t nnc_model_get_hyperparameter(const nnc_model_t *model,
                                                  const char *name,
                                                  double *out_value);

/** Copies tensor `index` of `kind` (PARAM, BUFFER, GRAD or STATE) into
 *  `buffer` of exactly its byte size `size`. */
NNC_API nnc_status_t nnc_model_read_tensor(const nnc_model_t *model,
                                           nnc_tensor_kind_t kind,
                                           int32_t index, void *buffer,
                                           size_t size);

/** Overwrites tensor `index` of `kind` (PARAM, BUFFER, GRAD or STATE) from
 *  `data` of exactly its byte size `size`. */
NNC_API nnc_status_t nnc_model_write_tensor(nnc_model_t *model,
                                            nnc_tensor_kind_t kind,
                                            int32_t index, const void *data,
                                            size_t size);

/** nnc_model_read_tensor by name (as nnc_model_find_tensor). */
NNC_API nnc_status_t nnc_model_read_tensor_by_name(const nnc_model_t *model,
                                                   nnc_tensor_kind_t kind,
                                                   const char *name,
                                                   void *buffer, size_t size);

/** nnc_model_write_tensor by name (as nnc_model_find_tensor). */
NNC_API nnc_status_t nnc_model_write_tensor_by_name(nnc_model_t *model,
                                                    nnc_tensor_kind_t kind,
                                                    const char *name,
                                                    const void *data,
                                                    size_t size);

/** Says where the `data` of the input and label buffers passed to later
 *  predict/train/gradient calls live. NNC_LOCATION_DEVICE (CUDA models
 *  only) passes device pointers straight to the kernels with no copy;
 *  sizes are still checked. Outputs are always host buffers. */
NNC_API nnc_status_t nnc_model_set_input_location(nnc_model_t *model,
                                                  nnc_location_t location);

/** Number of optimizer updates applied so far. */
NNC_API nnc_status_t nnc_model_get_step(const nnc_model_t *model,
                                        int64_t *out_step);

/** Sets the step count (>= 0), e.g. to resume a schedule. */
NNC_API nnc_status_t nnc_model_set_step(nnc_model_t *model, int64_t step);

/** Data-parallel training: the rows of the following train_step and
 *  compute_gradients calls are rows [row_offset, row_offset + batch) of a
 *  larger batch (0 <= row_offset < NNC_MAX_BATCH), so that their dropout
 *  masks are that batch's (the mask of an element is a function of its
 *  index in the batch, docs/lowering.md). 0 (the default) for a batch of
 *  its own. Has no other effect; not thread-safe with calls on `model`. */
NNC_API nnc_status_t nnc_model_set_row_offset(nnc_model_t *model,
                                              int64_t row_offset);

/** The all-reduce callback of data-parallel training: replaces data[0..count)
 *  (f32) with the element-wise sum of every process's data, in the same
 *  order of calls on every process; returns 0 on success, non-zero on
 *  failure. */
typedef int (*nnc_allreduce_fn_t)(void *context, float *data, int64_t count);

/** Installs `fn` (NULL removes it) on `model`: the kernels of a model
 *  compiled with `sync_batchnorm = true` call it from the calling thread
 *  during train_step, compute_gradients and compute_input_gradients to sum
 *  the batchnorm statistics, and the two per-channel sums of their
 *  gradient, over the processes (docs/distributed.md). Without a callback
 *  (the default) those sums are this process's, i.e. one process's
 *  training. A callback that fails makes the call fail with
 *  NNC_STATUS_INTERNAL and change nothing. Models compiled without the
 *  option never call it. Not thread-safe with calls on `model`. */
NNC_API nnc_status_t nnc_model_set_allreduce(nnc_model_t *model,
                                             nnc_allreduce_fn_t fn,
                                             void *context);

/** The seed the instance was created with (or loaded from a checkpoint). */
NNC_API nnc_status_t nnc_model_get_seed(const nnc_model_t *model,
                                        uint64_t *out_seed);

/** Writes parameters, buffers, optimizer state, step and seed to `path` in
 *  the safetensors format, through `path`.tmp and an atomic rename. */
NNC_API nnc_status_t nnc_model_save(const nnc_model_t *model, const char *path);

/** Loads a safetensors checkpoint written by nnc_model_save or PyTorch. The
 *  whole file is validated before anything changes: on error the instance
 *  is untouched. Parameters and buffers are required; optimizer state is
 *  all-or-nothing (absent: reset to zero). */
NNC_API nnc_status_t nnc_model_load(nnc_model_t *model, const char *path);

/** Flags of nnc_model_load_with_flags (bits, or-ed). */
typedef enum nnc_load_flags_e {
  NNC_LOAD_DEFAULT = 0,
  /** Accept NaN and infinite values in floating-point tensors, which
   *  nnc_model_load refuses (DATA_LOSS naming the tensor): a diverged run's
   *  weights, loaded on purpose to inspect them. */
  NNC_LOAD_ALLOW_NONFINITE = 1,
} nnc_load_flags_t;

/** nnc_model_load with `flags` (nnc_load_flags_t bits; unknown bits are
 *  INVALID_ARGUMENT). nnc_model_load(m, p) is
 *  nnc_model_load_with_flags(m, p, NNC_LOAD_DEFAULT). */
NNC_API nnc_status_t nnc_model_load_with_flags(nnc_model_t *model,
                                               const char *path,
                                               uint32_t flags);

#ifdef __cplusplus
}
#endif

#endif /* NNC_C_MODEL_H */
