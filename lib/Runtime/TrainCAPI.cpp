//===- TrainCAPI.cpp - C API of the training loop
//--------------------------===//
//
// nnc_rt_train (include/nnc-c/runtime.h): the `nnc train` loop for C
// applications, over nnc::rt::train.
//
//===----------------------------------------------------------------------===//

#include "Internal.h"
#include "TrainInternal.h"
#include "nnc-c/runtime.h"
#include "nnc/Runtime/Trainer.h"

#include <cstdio>
#include <cstring>

using namespace nnc::rt;

namespace nnc::rt::detail {
nnc_status_t toCStatus(const Status &st);
} // namespace nnc::rt::detail

void nnc_rt_train_options_init(nnc_rt_train_options_t *options) {
  if (!options)
    return;
  std::memset(options, 0, sizeof *options);
  options->epochs = -1;
  options->batch = -1;
  options->learning_rate = -1;
  options->validation = -1;
  options->seed = -1;
  options->plots = 1;
}

nnc_status_t nnc_rt_train(const char *model_lib,
                          const nnc_rt_train_options_t *options,
                          char *summary_json, size_t capacity,
                          size_t *out_length) {
  using detail::toCStatus;
  if (!model_lib)
    return toCStatus(Status(ErrorCode::InvalidArgument,
                            "nnc_rt_train: argument 'model_lib' is NULL"));
  nnc_rt_train_options_t defaults;
  nnc_rt_train_options_init(&defaults);
  const nnc_rt_train_options_t &o = options ? *options : defaults;
  TrainOptions t;
  t.modelLib = model_lib;
  t.data = o.data ? o.data : "";
  t.test = o.test ? o.test : "";
  if (o.epochs >= 0)
    t.epochs = o.epochs;
  if (o.batch > 0)
    t.batch = o.batch;
  if (o.learning_rate >= 0)
    t.lr = o.learning_rate;
  if (o.validation >= 0)
    t.validation = o.validation;
  if (o.seed >= 0)
    t.seed = uint64_t(o.seed);
  t.baseDir = o.base_dir ? o.base_dir : "";
  t.outDir = o.out_dir ? o.out_dir : "";
  t.resume = o.resume ? o.resume : "";
  t.plots = o.plots != 0;
  if (o.on_epoch)
    t.onEpoch = [&o](const HistoryRow &row) {
      return o.on_epoch(o.user_data, row.epoch,
                        detail::historyRowJson(row).c_str()) != 0;
    };
  std::optional<Progress> progress;
  if (o.progress) {
    progress.emplace(Progress::forFile(stderr));
    t.progress = &*progress;
    t.warn = [](const std::string &w) {
      std::fprintf(stderr, "warning: %s\n", w.c_str());
    };
  }
  Expected<TrainResult> r = train(t);
  if (!r)
    return toCStatus(r.status());
  if (out_length)
    *out_length = r->summaryJson.size();
  if (summary_json && capacity > r->summaryJson.size())
    std::memcpy(summary_json, r->summaryJson.c_str(),
                r->summaryJson.size() + 1);
  return nullptr;
}
