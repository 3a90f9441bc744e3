/*===- nnc-c/runtime.h - C API of the nnc runtime library ----------*- C -*-===*
 *
 * The runtime's C99 facade, for applications that drive training without
 * C++: data sets (built-in generators, CSV, IDX, .npy), validation splits
 * and scaling, seeded batch iteration, learning-rate schedules, early
 * stopping and the accuracy rule. Style of IREE's runtime API: opaque handles
 * created by `_create`/`_load` functions into `out_` parameters and released
 * by `_destroy`; every call that can fail returns an nnc_status_t (the one
 * status type of nnc's C APIs, nnc-c/status.h), which is NULL on success and
 * otherwise owns a code and a message that the caller frees with
 * nnc_status_free. Buffers are supplied by the caller.
 *
 * Thread safety: distinct handles may be used from different threads at
 * once; one handle must not be used by two threads at the same time. Data
 * sets are only read by batchers, so several batchers may share one.
 *
 *===----------------------------------------------------------------------===*/
#ifndef NNC_C_RUNTIME_H
#define NNC_C_RUNTIME_H

#include "nnc-c/status.h"

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/*===-- Status ------------------------------------------------------------===*/

/* The runtime returns the nnc_status_t of nnc-c/status.h, as a model.so
 * does: NULL on success, else a code and a message, read with
 * nnc_status_code/nnc_status_message and released with nnc_status_free.
 * libnnc_runtime.so exports those functions; a status of the runtime and
 * one of a model.so have the same representation, so either library's
 * nnc_status_free releases either. */

/* Deprecated: the runtime's former status names, kept for source
 * compatibility (the numeric codes are now nnc_status_code_t's). */
typedef nnc_status_t nnc_rt_status_t;
typedef nnc_status_code_t nnc_rt_status_code_t;
#define NNC_RT_OK NNC_STATUS_OK
#define NNC_RT_INVALID_ARGUMENT NNC_STATUS_INVALID_ARGUMENT
#define NNC_RT_NOT_FOUND NNC_STATUS_NOT_FOUND
#define NNC_RT_DATA_LOSS NNC_STATUS_DATA_LOSS
#define NNC_RT_OUT_OF_RANGE NNC_STATUS_OUT_OF_RANGE
#define NNC_RT_IO NNC_STATUS_IO_ERROR
#define NNC_RT_INTERNAL NNC_STATUS_INTERNAL
#define nnc_rt_status_code nnc_status_code
#define nnc_rt_status_message nnc_status_message
#define nnc_rt_status_free nnc_status_free

/*===-- Data sets ---------------------------------------------------------===*/

/** An immutable in-memory data set. */
typedef struct nnc_rt_dataset_s nnc_rt_dataset_t;

/** The classic spiral, `noise` the std of the angle parameter (see
 *  docs/runtime.md). */
nnc_status_t nnc_rt_dataset_spiral(int64_t classes, int64_t points,
                                   double noise, uint64_t seed,
                                   nnc_rt_dataset_t **out_dataset);
/** A truth table: `op` is "and", "or", "xor" or "nand". */
nnc_status_t nnc_rt_dataset_logic(const char *op,
                                  nnc_rt_dataset_t **out_dataset);

/** Header handling of CSV files. */
typedef enum {
  NNC_RT_CSV_HEADER_AUTO = 0,
  NNC_RT_CSV_HEADER_PRESENT = 1,
  NNC_RT_CSV_HEADER_ABSENT = 2,
} nnc_rt_csv_header_t;

/** CSV options; initialise with nnc_rt_csv_options_init. */
typedef struct {
  char delimiter;           /**< '\0': detect; ' ': runs of blanks */
  int32_t header;           /**< nnc_rt_csv_header_t */
  const char *label_column; /**< "last", "first", "none", index or name */
  int32_t regression;       /**< nonzero: the label column is a float target */
  int64_t num_classes;      /**< 0: derive */
} nnc_rt_csv_options_t;

/** Fills `options` with the defaults (auto delimiter/header, label last). */
void nnc_rt_csv_options_init(nnc_rt_csv_options_t *options);

/** Loads a CSV file (plain or gzip); `options` may be NULL for defaults. */
nnc_status_t nnc_rt_dataset_load_csv(const char *path,
                                     const nnc_rt_csv_options_t *options,
                                     nnc_rt_dataset_t **out_dataset);
/** Loads features and regression targets from two delimited files. */
nnc_status_t nnc_rt_dataset_load_csv_regression(
    const char *features_path, const char *targets_path,
    const nnc_rt_csv_options_t *options, nnc_rt_dataset_t **out_dataset);
/** Loads the train (`test` = 0) or t10k (`test` != 0) half of an MNIST-layout
 *  directory. */
nnc_status_t nnc_rt_dataset_load_idx(const char *dir, int32_t test,
                                     nnc_rt_dataset_t **out_dataset);
/** Loads features [n, ...] and labels [n] (or targets [n, k]) .npy files. */
nnc_status_t nnc_rt_dataset_load_npy(const char *features_path,
                                     const char *labels_path,
                                     nnc_rt_dataset_t **out_dataset);
/** Releases a data set (NULL is allowed). */
void nnc_rt_dataset_destroy(nnc_rt_dataset_t *dataset);

/** Number of samples (0 for NULL). */
int64_t nnc_rt_dataset_size(const nnc_rt_dataset_t *dataset);
/** Floats per sample (0 for NULL). */
int64_t nnc_rt_dataset_sample_size(const nnc_rt_dataset_t *dataset);
/** Number of classes (0 for regression or NULL). */
int64_t nnc_rt_dataset_num_classes(const nnc_rt_dataset_t *dataset);
/** Targets per sample (0 for classification or NULL). */
int64_t nnc_rt_dataset_target_dim(const nnc_rt_dataset_t *dataset);
/** Copies the sample shape into `out_dims` (`capacity` entries). */
nnc_status_t nnc_rt_dataset_feature_shape(const nnc_rt_dataset_t *dataset,
                                          int64_t *out_dims, int32_t capacity,
                                          int32_t *out_rank);

/** Splits into new train and validation sets (seeded, see docs). */
nnc_status_t nnc_rt_dataset_split(const nnc_rt_dataset_t *dataset,
                                  double fraction, uint64_t seed,
                                  nnc_rt_dataset_t **out_train,
                                  nnc_rt_dataset_t **out_validation);

/** Feature scalings. */
typedef enum {
  NNC_RT_SCALE_NONE = 0,
  NNC_RT_SCALE_MINMAX = 1,   /**< (x - min) / (max - min), per feature */
  NNC_RT_SCALE_STANDARD = 2, /**< (x - mean) / std, per feature */
} nnc_rt_scaling_t;

/** Fits `scaling` on `train` and applies it to `train` and to the
 *  `num_others` data sets in `others` (validation, test). */
nnc_status_t nnc_rt_dataset_scale(nnc_rt_dataset_t *train, int32_t scaling,
                                  nnc_rt_dataset_t *const *others,
                                  int32_t num_others);

/*===-- Batches -----------------------------------------------------------===*/

/** Iterates a data set (which must outlive it) in seeded mini-batches. */
typedef struct nnc_rt_batcher_s nnc_rt_batcher_t;

/** Batch options; initialise with nnc_rt_batch_options_init. */
typedef struct {
  int64_t batch_size; /**< rows per batch, >= 1 */
  int32_t shuffle;    /**< nonzero: a new seeded order every epoch */
  int32_t drop_last;  /**< nonzero: drop a last partial batch */
  uint64_t seed;
} nnc_rt_batch_options_t;

/** Defaults: batch 32, shuffle, keep the last batch, seed 0. */
void nnc_rt_batch_options_init(nnc_rt_batch_options_t *options);

/** Creates a batcher positioned at the start of epoch 0. */
nnc_status_t nnc_rt_batcher_create(const nnc_rt_dataset_t *dataset,
                                   const nnc_rt_batch_options_t *options,
                                   nnc_rt_batcher_t **out_batcher);
/** Releases a batcher (NULL is allowed). */
void nnc_rt_batcher_destroy(nnc_rt_batcher_t *batcher);
/** Batches per epoch. */
int64_t nnc_rt_batcher_num_batches(const nnc_rt_batcher_t *batcher);
/** Starts `epoch` (0-based) at batch `start_batch`; the order depends only on
 *  (seed, epoch), so resumed runs see the same batches. */
nnc_status_t nnc_rt_batcher_begin_epoch(nnc_rt_batcher_t *batcher,
                                        int64_t epoch, int64_t start_batch);
/** Copies the next batch: `features` holds capacity_rows * sample_size
 *  floats; `labels` capacity_rows int32 (classification, else may be NULL);
 *  `targets` capacity_rows * target_dim floats (regression, else may be
 *  NULL). Sets *out_rows (0 at the end of the epoch). */
nnc_status_t nnc_rt_batcher_next(nnc_rt_batcher_t *batcher,
                                 int64_t capacity_rows, float *features,
                                 int32_t *labels, float *targets,
                                 int64_t *out_rows);

/*===-- Metrics -----------------------------------------------------------===*/

/** Counts rows of `k` outputs whose predicted class equals the label: argmax
 *  for k > 1; for k == 1 class 1 when the output is > 0 (logits,
 *  `probabilities` = 0) or > 0.5 (`probabilities` != 0). */
nnc_status_t nnc_rt_count_correct(const float *outputs, int64_t rows, int64_t k,
                                  const int32_t *labels, int32_t probabilities,
                                  int64_t *out_correct);

/*===-- Schedules and early stopping --------------------------------------===*/

/** Learning-rate schedule kinds (formulas in docs/runtime.md). */
typedef enum {
  NNC_RT_SCHEDULE_CONSTANT = 0,
  NNC_RT_SCHEDULE_STEP = 1,
  NNC_RT_SCHEDULE_EXPONENTIAL = 2,
  NNC_RT_SCHEDULE_COSINE = 3,
  NNC_RT_SCHEDULE_PLATEAU = 4,
} nnc_rt_schedule_kind_t;

/** Whether a monitored metric should decrease or increase. */
typedef enum { NNC_RT_MODE_MIN = 0, NNC_RT_MODE_MAX = 1 } nnc_rt_mode_t;

/** Schedule parameters; only those of `kind` are used. */
typedef struct {
  int32_t kind; /**< nnc_rt_schedule_kind_t */
  double base_lr;
  double drop;      /**< step */
  int64_t every;    /**< step */
  double rate;      /**< exponential */
  int64_t t_max;    /**< cosine */
  double eta_min;   /**< cosine */
  int64_t patience; /**< plateau */
  double factor;    /**< plateau */
  double min_lr;    /**< plateau */
  double threshold; /**< plateau, relative */
  int64_t cooldown; /**< plateau */
  int32_t mode;     /**< plateau: nnc_rt_mode_t */
} nnc_rt_schedule_config_t;

/** Fills PyTorch's defaults for `kind` and `base_lr`. */
void nnc_rt_schedule_config_init(nnc_rt_schedule_config_t *config, int32_t kind,
                                 double base_lr);

/** A learning-rate schedule. */
typedef struct nnc_rt_schedule_s nnc_rt_schedule_t;

nnc_status_t nnc_rt_schedule_create(const nnc_rt_schedule_config_t *config,
                                    nnc_rt_schedule_t **out_schedule);
void nnc_rt_schedule_destroy(nnc_rt_schedule_t *schedule);
/** The learning rate of the current epoch (0 for NULL). */
double nnc_rt_schedule_lr(const nnc_rt_schedule_t *schedule);
/** Ends the epoch; `metric` (e.g. validation loss) feeds plateau. */
nnc_status_t nnc_rt_schedule_end_epoch(nnc_rt_schedule_t *schedule,
                                       double metric);
/** Writes the state as a NUL-terminated JSON string into `buffer`;
 *  *out_length receives the length needed (without the NUL). */
nnc_status_t nnc_rt_schedule_save_state(const nnc_rt_schedule_t *schedule,
                                        char *buffer, size_t capacity,
                                        size_t *out_length);
/** Restores a state written by nnc_rt_schedule_save_state. */
nnc_status_t nnc_rt_schedule_load_state(nnc_rt_schedule_t *schedule,
                                        const char *json);

/** Early stopping (Keras semantics). */
typedef struct nnc_rt_early_stop_s nnc_rt_early_stop_t;

nnc_status_t nnc_rt_early_stop_create(int64_t patience, double min_delta,
                                      int32_t mode,
                                      nnc_rt_early_stop_t **out_early_stop);
void nnc_rt_early_stop_destroy(nnc_rt_early_stop_t *early_stop);
/** Records `value` for `epoch`; *out_stop is nonzero when training should
 *  stop, *out_improved (may be NULL) when this epoch is the new best. */
nnc_status_t nnc_rt_early_stop_update(nnc_rt_early_stop_t *early_stop,
                                      int64_t epoch, double value,
                                      int32_t *out_stop, int32_t *out_improved);
/** The best epoch so far (-1 before any update or for NULL). */
int64_t nnc_rt_early_stop_best_epoch(const nnc_rt_early_stop_t *early_stop);

/*===-- Training a compiled model -----------------------------------------===*/

/** Options of nnc_rt_train; initialise with nnc_rt_train_options_init. Unset
 *  values (NULL strings, negative numbers) take the model's recipe values. */
typedef struct {
  /** data source as JSON (`{"kind":"csv","path":"f.csv"}`; `nnc data-source
   *  'csv("f.csv")'` prints it) or a path (.csv, IDX directory); NULL: recipe
   */
  const char *data;
  const char *test;     /**< test set source, as `data`; NULL: recipe */
  int64_t epochs;       /**< < 0: recipe */
  int64_t batch;        /**< <= 0: recipe */
  double learning_rate; /**< < 0: recipe */
  double validation;    /**< < 0: recipe; else the held-out fraction */
  int64_t seed;         /**< < 0: recipe */
  const char *base_dir; /**< directory for the recipe's relative paths */
  const char *out_dir;  /**< outputs (summary.json, ...); NULL: none */
  const char *resume;   /**< checkpoint to resume from; NULL: fresh run */
  int32_t progress;     /**< nonzero: progress bar / epoch lines on stderr */
  int32_t plots;        /**< nonzero: write the SVG plots */
  /** Called after every epoch (NULL: never) with `user_data`, the epoch
   *  (1-based) and its metrics as a JSON object, the row of history.csv
   *  (`{"epoch": 3, "lr": 0.2, "train_loss": 0.41, "train_accuracy": 0.83,
   *  "val_loss": null, ...}`, null for what was not measured; valid during
   *  the call). Returning 0 stops training after that epoch, which then
   *  ends as if it were the last (checkpoint, final metrics, outputs). */
  int32_t (*on_epoch)(void *user_data, int64_t epoch, const char *metrics);
  void *user_data; /**< passed to on_epoch */
} nnc_rt_train_options_t;

/** Fills `options` with "use the recipe" values, no output, no progress,
 *  plots on. */
void nnc_rt_train_options_init(nnc_rt_train_options_t *options);

/** Trains the model.so at `model_lib` as its recipe and `options` say (the
 *  loop of `nnc train`, docs/runtime.md). On success the summary (the JSON
 *  of summary.json) is copied into `summary_json` when it holds
 *  `capacity` bytes; *out_length (may be NULL) receives its length without
 *  the NUL. A too small buffer is not an error: check *out_length. */
nnc_status_t nnc_rt_train(const char *model_lib,
                          const nnc_rt_train_options_t *options,
                          char *summary_json, size_t capacity,
                          size_t *out_length);

#ifdef __cplusplus
}
#endif

#endif /* NNC_C_RUNTIME_H */
