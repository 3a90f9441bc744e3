//===- CAPI.cpp - C API of the runtime library ----------------------------===//
//
// Implements include/nnc-c/runtime.h over the C++ runtime: opaque handles
// wrap the C++ objects, every failure becomes a heap-allocated status, and
// no exception ever crosses the C boundary.
//
//===----------------------------------------------------------------------===//

#include "Internal.h"
#include "ModelRT/Status.h"
#include "nnc-c/runtime.h"
#include "nnc/Runtime/Batcher.h"
#include "nnc/Runtime/Metrics.h"
#include "nnc/Runtime/Preprocess.h"
#include "nnc/Runtime/Schedule.h"
#include "nnc/Runtime/Sources.h"

#include <cstring>
#include <memory>

using namespace nnc::rt;
using namespace nnc::rt::detail;

namespace nnc::rt::detail {
nnc_status_t toCStatus(const Status &st);
} // namespace nnc::rt::detail

static_assert(int(ErrorCode::InvalidArgument) == NNC_STATUS_INVALID_ARGUMENT &&
                  int(ErrorCode::OutOfRange) == NNC_STATUS_OUT_OF_RANGE &&
                  int(ErrorCode::NotFound) == NNC_STATUS_NOT_FOUND &&
                  int(ErrorCode::Io) == NNC_STATUS_IO_ERROR &&
                  int(ErrorCode::DataLoss) == NNC_STATUS_DATA_LOSS &&
                  int(ErrorCode::Internal) == NNC_STATUS_INTERNAL,
              "ErrorCode must mirror nnc_status_code_t");
struct nnc_rt_dataset_s {
  Dataset data;
};
struct nnc_rt_batcher_s {
  Batcher batcher;
  Batch batch;
};
struct nnc_rt_schedule_s {
  LrSchedule schedule;
};
struct nnc_rt_early_stop_s {
  EarlyStopping early;
};

/// The C status of `st` (the one status type, lib/ModelRT/Status.c).
static nnc_status_t makeStatus(const Status &st) {
  if (st.isOk())
    return nullptr;
  return nncMakeStatus(static_cast<nnc_status_code_t>(st.code()), "%s",
                       st.message().c_str());
}

static nnc_status_t nullArgument(const char *function, const char *name) {
  return makeStatus(
      Status(ErrorCode::InvalidArgument,
             fmt::format("{}: argument '{}' is NULL", function, name)));
}

/// Runs `body` (which returns a Status) and converts any escape.
template <typename F> static nnc_status_t run(F &&body) {
  Status st = guardStatus([&] {
    Status inner = body();
    if (!inner)
      throw RuntimeError(inner.code(), inner.message());
  });
  return makeStatus(st);
}

#define NNC_RT_CHECK_ARG(arg)                                                  \
  do {                                                                         \
    if (!(arg))                                                                \
      return nullArgument(__func__, #arg);                                     \
  } while (false)

/// Stores a new handle around the value of `made` (a data set, a batcher, a
/// schedule) into *out, its further members initialised from `rest`; or
/// returns the failed Status of `made`.
template <typename T, typename Handle, typename... Rest>
static Status emit(Expected<T> made, Handle **out, Rest... rest) {
  if (!made)
    return made.status();
  *out = new Handle{made.take(), rest...};
  return Status::ok();
}

nnc_status_t nnc_rt_dataset_spiral(int64_t classes, int64_t points,
                                   double noise, uint64_t seed,
                                   nnc_rt_dataset_t **out_dataset) {
  NNC_RT_CHECK_ARG(out_dataset);
  *out_dataset = nullptr;
  return run([&] {
    return emit(makeSpiral(classes, points, noise, seed), out_dataset);
  });
}

nnc_status_t nnc_rt_dataset_logic(const char *op,
                                  nnc_rt_dataset_t **out_dataset) {
  NNC_RT_CHECK_ARG(op);
  NNC_RT_CHECK_ARG(out_dataset);
  *out_dataset = nullptr;
  return run([&] { return emit(makeLogic(op), out_dataset); });
}

void nnc_rt_csv_options_init(nnc_rt_csv_options_t *options) {
  if (!options)
    return;
  options->delimiter = '\0';
  options->header = NNC_RT_CSV_HEADER_AUTO;
  options->label_column = "last";
  options->regression = 0;
  options->num_classes = 0;
}

static Expected<CsvOptions> csvOptions(const nnc_rt_csv_options_t *in) {
  CsvOptions opts;
  if (!in)
    return opts;
  if (in->header < 0 || in->header > 2)
    return Status(ErrorCode::InvalidArgument,
                  fmt::format("csv options: header must be 0, 1 or 2, got {}",
                              in->header));
  opts.delimiter = in->delimiter;
  opts.header = static_cast<CsvHeader>(in->header);
  opts.labelColumn = in->label_column ? in->label_column : "last";
  opts.regression = in->regression != 0;
  opts.numClasses = in->num_classes;
  return opts;
}

nnc_status_t nnc_rt_dataset_load_csv(const char *path,
                                     const nnc_rt_csv_options_t *options,
                                     nnc_rt_dataset_t **out_dataset) {
  NNC_RT_CHECK_ARG(path);
  NNC_RT_CHECK_ARG(out_dataset);
  *out_dataset = nullptr;
  return run([&] {
    auto opts = csvOptions(options);
    if (!opts)
      return opts.status();
    return emit(loadCsv(path, *opts), out_dataset);
  });
}

nnc_status_t nnc_rt_dataset_load_csv_regression(
    const char *features_path, const char *targets_path,
    const nnc_rt_csv_options_t *options, nnc_rt_dataset_t **out_dataset) {
  NNC_RT_CHECK_ARG(features_path);
  NNC_RT_CHECK_ARG(targets_path);
  NNC_RT_CHECK_ARG(out_dataset);
  *out_dataset = nullptr;
  return run([&] {
    auto opts = csvOptions(options);
    if (!opts)
      return opts.status();
    return emit(loadCsvRegression(features_path, targets_path, *opts),
                out_dataset);
  });
}

nnc_status_t nnc_rt_dataset_load_idx(const char *dir, int32_t test,
                                     nnc_rt_dataset_t **out_dataset) {
  NNC_RT_CHECK_ARG(dir);
  NNC_RT_CHECK_ARG(out_dataset);
  *out_dataset = nullptr;
  return run([&] {
    return emit(loadIdxDir(dir, test ? IdxSplit::Test : IdxSplit::Train),
                out_dataset);
  });
}

nnc_status_t nnc_rt_dataset_load_npy(const char *features_path,
                                     const char *labels_path,
                                     nnc_rt_dataset_t **out_dataset) {
  NNC_RT_CHECK_ARG(features_path);
  NNC_RT_CHECK_ARG(labels_path);
  NNC_RT_CHECK_ARG(out_dataset);
  *out_dataset = nullptr;
  return run([&] {
    return emit(loadNpyDataset(features_path, labels_path), out_dataset);
  });
}

void nnc_rt_dataset_destroy(nnc_rt_dataset_t *dataset) { delete dataset; }

int64_t nnc_rt_dataset_size(const nnc_rt_dataset_t *dataset) {
  return dataset ? dataset->data.size() : 0;
}
int64_t nnc_rt_dataset_sample_size(const nnc_rt_dataset_t *dataset) {
  return dataset ? dataset->data.sampleSize() : 0;
}
int64_t nnc_rt_dataset_num_classes(const nnc_rt_dataset_t *dataset) {
  return dataset ? dataset->data.numClasses : 0;
}
int64_t nnc_rt_dataset_target_dim(const nnc_rt_dataset_t *dataset) {
  return dataset ? dataset->data.targetDim : 0;
}

nnc_status_t nnc_rt_dataset_feature_shape(const nnc_rt_dataset_t *dataset,
                                          int64_t *out_dims, int32_t capacity,
                                          int32_t *out_rank) {
  NNC_RT_CHECK_ARG(dataset);
  NNC_RT_CHECK_ARG(out_rank);
  const auto &shape = dataset->data.featureShape;
  *out_rank = static_cast<int32_t>(shape.size());
  if (static_cast<size_t>(capacity < 0 ? 0 : capacity) < shape.size())
    return makeStatus(Status(
        ErrorCode::OutOfRange,
        fmt::format("nnc_rt_dataset_feature_shape: capacity {} < rank {}",
                    capacity, shape.size())));
  NNC_RT_CHECK_ARG(out_dims || shape.empty());
  std::copy(shape.begin(), shape.end(), out_dims);
  return nullptr;
}

nnc_status_t nnc_rt_dataset_split(const nnc_rt_dataset_t *dataset,
                                  double fraction, uint64_t seed,
                                  nnc_rt_dataset_t **out_train,
                                  nnc_rt_dataset_t **out_validation) {
  NNC_RT_CHECK_ARG(dataset);
  NNC_RT_CHECK_ARG(out_train);
  NNC_RT_CHECK_ARG(out_validation);
  *out_train = *out_validation = nullptr;
  return run([&] {
    auto parts = splitValidation(dataset->data, fraction, seed);
    if (!parts)
      return parts.status();
    auto train = std::make_unique<nnc_rt_dataset_s>();
    auto val = std::make_unique<nnc_rt_dataset_s>();
    train->data = std::move(parts->first);
    val->data = std::move(parts->second);
    *out_train = train.release();
    *out_validation = val.release();
    return Status::ok();
  });
}

nnc_status_t nnc_rt_dataset_scale(nnc_rt_dataset_t *train, int32_t scaling,
                                  nnc_rt_dataset_t *const *others,
                                  int32_t num_others) {
  NNC_RT_CHECK_ARG(train);
  NNC_RT_CHECK_ARG(others || num_others == 0);
  return run([&] {
    if (scaling < 0 || scaling > 2)
      return Status(
          ErrorCode::InvalidArgument,
          fmt::format("nnc_rt_dataset_scale: unknown scaling {}", scaling));
    for (int32_t i = 0; i < num_others; ++i)
      if (!others[i])
        return Status(
            ErrorCode::InvalidArgument,
            fmt::format("nnc_rt_dataset_scale: others[{}] is NULL", i));
    auto scaler = Scaler::fit(train->data, static_cast<ScalingKind>(scaling));
    if (!scaler)
      return scaler.status();
    // Check every set before changing any, so a failure changes nothing.
    for (int32_t i = 0; i < num_others; ++i)
      if (others[i]->data.sampleSize() != train->data.sampleSize())
        return Status(ErrorCode::InvalidArgument,
                      fmt::format("nnc_rt_dataset_scale: others[{}] has {} "
                                  "values per sample, train has {}",
                                  i, others[i]->data.sampleSize(),
                                  train->data.sampleSize()));
    Status st = scaler->apply(train->data);
    for (int32_t i = 0; st && i < num_others; ++i)
      st = scaler->apply(others[i]->data);
    return st;
  });
}

void nnc_rt_batch_options_init(nnc_rt_batch_options_t *options) {
  if (!options)
    return;
  options->batch_size = 32;
  options->shuffle = 1;
  options->drop_last = 0;
  options->seed = 0;
}

nnc_status_t nnc_rt_batcher_create(const nnc_rt_dataset_t *dataset,
                                   const nnc_rt_batch_options_t *options,
                                   nnc_rt_batcher_t **out_batcher) {
  NNC_RT_CHECK_ARG(dataset);
  NNC_RT_CHECK_ARG(options);
  NNC_RT_CHECK_ARG(out_batcher);
  *out_batcher = nullptr;
  return run([&] {
    BatchOptions opts;
    opts.batchSize = options->batch_size;
    opts.shuffle = options->shuffle != 0;
    opts.dropLast = options->drop_last != 0;
    opts.seed = options->seed;
    return emit(Batcher::create(dataset->data, opts), out_batcher, Batch());
  });
}

void nnc_rt_batcher_destroy(nnc_rt_batcher_t *batcher) { delete batcher; }

int64_t nnc_rt_batcher_num_batches(const nnc_rt_batcher_t *batcher) {
  return batcher ? batcher->batcher.numBatches() : 0;
}

nnc_status_t nnc_rt_batcher_begin_epoch(nnc_rt_batcher_t *batcher,
                                        int64_t epoch, int64_t start_batch) {
  NNC_RT_CHECK_ARG(batcher);
  if (epoch < 0 || start_batch < 0)
    return makeStatus(Status(
        ErrorCode::InvalidArgument,
        fmt::format("nnc_rt_batcher_begin_epoch: epoch and start_batch must "
                    "be >= 0, got {} and {}",
                    epoch, start_batch)));
  return run([&] {
    batcher->batcher.beginEpoch(epoch, start_batch);
    return Status::ok();
  });
}

nnc_status_t nnc_rt_batcher_next(nnc_rt_batcher_t *batcher,
                                 int64_t capacity_rows, float *features,
                                 int32_t *labels, float *targets,
                                 int64_t *out_rows) {
  NNC_RT_CHECK_ARG(batcher);
  NNC_RT_CHECK_ARG(features);
  NNC_RT_CHECK_ARG(out_rows);
  *out_rows = 0;
  return run([&] {
    Batch &b = batcher->batch;
    int64_t before = batcher->batcher.position();
    if (!batcher->batcher.next(b))
      return Status::ok();
    if (b.rows > capacity_rows) {
      batcher->batcher.beginEpoch(batcher->batcher.epoch(), before);
      return Status(ErrorCode::OutOfRange,
                    fmt::format("nnc_rt_batcher_next: the batch has {} rows "
                                "but capacity_rows is {}",
                                b.rows, capacity_rows));
    }
    bool regression = !b.targets.empty();
    if ((regression && !targets) || (!regression && !labels)) {
      batcher->batcher.beginEpoch(batcher->batcher.epoch(), before);
      return Status(ErrorCode::InvalidArgument,
                    fmt::format("nnc_rt_batcher_next: argument '{}' is NULL",
                                regression ? "targets" : "labels"));
    }
    std::memcpy(features, b.features.data(), b.features.size() * sizeof(float));
    if (regression)
      std::memcpy(targets, b.targets.data(), b.targets.size() * sizeof(float));
    else
      std::memcpy(labels, b.labels.data(), b.labels.size() * sizeof(int32_t));
    *out_rows = b.rows;
    return Status::ok();
  });
}

nnc_status_t nnc_rt_count_correct(const float *outputs, int64_t rows, int64_t k,
                                  const int32_t *labels, int32_t probabilities,
                                  int64_t *out_correct) {
  NNC_RT_CHECK_ARG(out_correct);
  *out_correct = 0;
  if (rows < 0 || k < 1)
    return makeStatus(Status(
        ErrorCode::InvalidArgument,
        fmt::format("nnc_rt_count_correct: need rows >= 0 and k >= 1, got {} "
                    "and {}",
                    rows, k)));
  NNC_RT_CHECK_ARG(outputs || rows == 0);
  NNC_RT_CHECK_ARG(labels || rows == 0);
  AccuracyMeter meter;
  meter.add(outputs, rows, k, labels,
            probabilities ? OutputKind::Probabilities : OutputKind::Logits);
  *out_correct = meter.numCorrect();
  return nullptr;
}

void nnc_rt_schedule_config_init(nnc_rt_schedule_config_t *config, int32_t kind,
                                 double base_lr) {
  if (!config)
    return;
  ScheduleConfig d;
  *config = nnc_rt_schedule_config_t{
      kind,        base_lr,    d.drop,         d.every,  d.rate,
      d.tMax,      d.etaMin,   d.patience,     d.factor, d.minLr,
      d.threshold, d.cooldown, NNC_RT_MODE_MIN};
}

nnc_status_t nnc_rt_schedule_create(const nnc_rt_schedule_config_t *config,
                                    nnc_rt_schedule_t **out_schedule) {
  NNC_RT_CHECK_ARG(config);
  NNC_RT_CHECK_ARG(out_schedule);
  *out_schedule = nullptr;
  return run([&] {
    if (config->kind < 0 || config->kind > 4 || config->mode < 0 ||
        config->mode > 1)
      return Status(ErrorCode::InvalidArgument,
                    fmt::format("nnc_rt_schedule_create: unknown kind {} or "
                                "mode {}",
                                config->kind, config->mode));
    ScheduleConfig c;
    c.kind = static_cast<ScheduleKind>(config->kind);
    c.baseLr = config->base_lr;
    c.drop = config->drop;
    c.every = config->every;
    c.rate = config->rate;
    c.tMax = config->t_max;
    c.etaMin = config->eta_min;
    c.patience = config->patience;
    c.factor = config->factor;
    c.minLr = config->min_lr;
    c.threshold = config->threshold;
    c.cooldown = config->cooldown;
    c.mode = static_cast<MetricMode>(config->mode);
    return emit(LrSchedule::create(c), out_schedule);
  });
}

void nnc_rt_schedule_destroy(nnc_rt_schedule_t *schedule) { delete schedule; }

double nnc_rt_schedule_lr(const nnc_rt_schedule_t *schedule) {
  return schedule ? schedule->schedule.lr() : 0.0;
}

nnc_status_t nnc_rt_schedule_end_epoch(nnc_rt_schedule_t *schedule,
                                       double metric) {
  NNC_RT_CHECK_ARG(schedule);
  schedule->schedule.endEpoch(metric);
  return nullptr;
}

nnc_status_t nnc_rt_schedule_save_state(const nnc_rt_schedule_t *schedule,
                                        char *buffer, size_t capacity,
                                        size_t *out_length) {
  NNC_RT_CHECK_ARG(schedule);
  NNC_RT_CHECK_ARG(out_length);
  return run([&] {
    std::string state = schedule->schedule.saveState();
    *out_length = state.size();
    if (!buffer || capacity < state.size() + 1)
      return Status(ErrorCode::OutOfRange,
                    fmt::format("nnc_rt_schedule_save_state: need a buffer of "
                                "{} bytes, got {}",
                                state.size() + 1, buffer ? capacity : 0));
    std::memcpy(buffer, state.c_str(), state.size() + 1);
    return Status::ok();
  });
}

nnc_status_t nnc_rt_schedule_load_state(nnc_rt_schedule_t *schedule,
                                        const char *json) {
  NNC_RT_CHECK_ARG(schedule);
  NNC_RT_CHECK_ARG(json);
  return run([&] { return schedule->schedule.loadState(json); });
}

nnc_status_t nnc_rt_early_stop_create(int64_t patience, double min_delta,
                                      int32_t mode,
                                      nnc_rt_early_stop_t **out_early_stop) {
  NNC_RT_CHECK_ARG(out_early_stop);
  *out_early_stop = nullptr;
  if (patience < 0 || !(min_delta >= 0) || mode < 0 || mode > 1)
    return makeStatus(
        Status(ErrorCode::InvalidArgument,
               fmt::format("nnc_rt_early_stop_create: need patience >= 0, "
                           "min_delta >= 0 and mode 0 or 1, got {}, {}, {}",
                           patience, min_delta, mode)));
  return run([&] {
    *out_early_stop = new nnc_rt_early_stop_s{
        EarlyStopping(patience, min_delta, static_cast<MetricMode>(mode))};
    return Status::ok();
  });
}

void nnc_rt_early_stop_destroy(nnc_rt_early_stop_t *early_stop) {
  delete early_stop;
}

nnc_status_t nnc_rt_early_stop_update(nnc_rt_early_stop_t *early_stop,
                                      int64_t epoch, double value,
                                      int32_t *out_stop,
                                      int32_t *out_improved) {
  NNC_RT_CHECK_ARG(early_stop);
  NNC_RT_CHECK_ARG(out_stop);
  *out_stop = early_stop->early.update(epoch, value) ? 1 : 0;
  if (out_improved)
    *out_improved = early_stop->early.improved() ? 1 : 0;
  return nullptr;
}

int64_t nnc_rt_early_stop_best_epoch(const nnc_rt_early_stop_t *early_stop) {
  return early_stop ? early_stop->early.bestEpoch() : -1;
}

/// Shared with TrainCAPI.cpp, which cannot see nnc_rt_status_s.
nnc_status_t nnc::rt::detail::toCStatus(const Status &st) {
  return makeStatus(st);
}
