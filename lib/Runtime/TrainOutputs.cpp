//===- TrainOutputs.cpp - The end of a training run
//------------------------===//
//
// After the last epoch: restore the best weights when early stopping asks for
// it, measure the final model on the validation and test sets, and write
// what a person looks at: summary.json, history.csv, model.safetensors and
// the loss, accuracy and (for 2-D inputs) decision-boundary pictures.
//
//===----------------------------------------------------------------------===//

#include "TrainRun.h"
#include "nnc/Runtime/Plot.h"

#include <nlohmann/json.hpp>

#include <cerrno>
#include <cstring>
#include <sys/stat.h>

using namespace nnc::rt;
using namespace nnc::rt::detail;
using json = nlohmann::json;

Status nnc::rt::detail::makeDirectories(const std::string &dir) {
  std::string partial;
  size_t pos = 0;
  while (pos != std::string::npos) {
    pos = dir.find('/', pos + 1);
    partial = dir.substr(0, pos);
    if (partial.empty())
      continue;
    if (::mkdir(partial.c_str(), 0777) != 0 && errno != EEXIST)
      return Status(ErrorCode::Io, fmt::format("cannot create directory {}: {}",
                                               partial, std::strerror(errno)));
  }
  struct stat st;
  if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
    return Status(ErrorCode::Io, dir + ": not a directory");
  return Status::ok();
}

/// `m` without mae and rmse unless the recipe selects them.
static EvalMetrics selected(EvalMetrics m, const TrainConfig &cfg) {
  if (!cfg.wants("mae"))
    m.mae = NAN;
  if (!cfg.wants("rmse"))
    m.rmse = NAN;
  return m;
}

/// Adds `prefix`_loss/_accuracy/_mae/_rmse for the measured values.
static void addMetrics(json &s, const std::string &prefix,
                       const EvalMetrics &m) {
  auto put = [&](const char *name, double v) {
    if (!std::isnan(v))
      s[prefix + "_" + name] = v;
  };
  put("loss", m.loss);
  put("accuracy", m.accuracy);
  put("mae", m.mae);
  put("rmse", m.rmse);
}

/// The confusion matrix of `model` on `data`.
static ConfusionMatrix confusionOf(ModelInstance &model, const Dataset &data,
                                   const TaskInfo &task, int64_t batch) {
  int64_t classes = task.outputElements == 1 ? 2 : task.outputElements;
  ConfusionMatrix m(std::max<int64_t>(classes, data.numClasses));
  std::vector<float> out =
      need(predictAll(model, data.features, data.size(), batch));
  m.add(out.data(), data.size(), task.outputElements, data.labels.data(),
        task.outputKind);
  return m;
}

TrainResult TrainRun::finish() {
  TrainResult result;
  int64_t lastEpoch = int64_t(history.rows.size());
  const HistoryRow *reported =
      history.rows.empty() ? nullptr : &history.rows.back();
  if (earlyStop && cfg.restoreBest && earlyStop->bestEpoch() > 0 &&
      earlyStop->bestEpoch() != lastEpoch && !bestParams.empty()) {
    need(model->writeAll(NNC_KIND_PARAM, bestParams));
    need(model->writeAll(NNC_KIND_BUFFER, bestBuffers));
    result.bestEpoch = earlyStop->bestEpoch();
    reported = &history.rows[size_t(result.bestEpoch - 1)];
    if (opts.progress)
      opts.progress->message(
          fmt::format("restored the weights of epoch {}", result.bestEpoch));
  }
  json s;
  s["model"] = lib->name();
  s["epochs"] = lastEpoch;
  s["epochs_run"] = epochsRun;
  double seconds = 0;
  for (const HistoryRow &r : history.rows)
    seconds += std::isnan(r.seconds) ? 0 : r.seconds;
  s["seconds"] = seconds;
  s["steps"] = steps;
  s["steps_per_second"] = trainSeconds > 0 ? double(steps) / trainSeconds : 0.0;
  s["samples_per_epoch"] = trainSet.size();
  s["batch"] = cfg.batch;
  s["seed"] = cfg.seed;
  s["learning_rate"] = baseLr;
  s["final_lr"] = schedule->lr();
  s["stopped_early"] = stoppedEarly;
  if (EarlyStopping *t = tracker(); t && t->bestEpoch() > 0) {
    result.monitoredBestEpoch = t->bestEpoch();
    s["best_epoch"] = t->bestEpoch();
  }
  s["checkpoints"] = checkpointsWritten;
  if (comm.size() > 1)
    s["processes"] = comm.size();
  if (reported) {
    result.trainMetrics.loss = reported->trainLoss;
    result.trainMetrics.accuracy = reported->trainAccuracy;
  }
  if (!task.classification && !std::isnan(trainMae)) {
    result.trainMetrics.mae = trainMae;
    result.trainMetrics.rmse = trainRmse;
  }
  result.trainMetrics = selected(result.trainMetrics, cfg);
  addMetrics(s, "train", result.trainMetrics);
  if (reported) // recorded even when NaN (as null): the run diverged
    s["train_loss"] = reported->trainLoss;
  if (valSet) {
    say(fmt::format("evaluating the final model on the validation set ({} "
                    "samples)",
                    valSet->size()));
    result.valMetrics =
        selected(need(evaluate(*model, *valSet, task, cfg.batch)), cfg);
    addMetrics(s, "val", result.valMetrics);
  }
  if (testSet) {
    say(fmt::format("evaluating the final model on the test set ({} samples)",
                    testSet->size()));
    result.testMetrics =
        selected(need(evaluate(*model, *testSet, task, cfg.batch)), cfg);
    addMetrics(s, "test", result.testMetrics);
  }
  // Classification report of the final model on the validation set, else
  // the test set, else the training rows: macro precision, recall and F1,
  // and the confusion matrix (summary.json and confusion.svg).
  std::optional<ConfusionMatrix> confusion;
  std::string reportSet;
  if (task.classification && (cfg.wants("precision") || cfg.wants("recall") ||
                              cfg.wants("f1") || cfg.wants("confusion"))) {
    const Dataset &d = valSet ? *valSet : testSet ? *testSet : trainSet;
    reportSet = valSet ? "val" : testSet ? "test" : "train";
    confusion = confusionOf(*model, d, task, cfg.batch);
    if (cfg.wants("precision"))
      s[reportSet + "_precision"] = confusion->macroPrecision();
    if (cfg.wants("recall"))
      s[reportSet + "_recall"] = confusion->macroRecall();
    if (cfg.wants("f1"))
      s[reportSet + "_f1"] = confusion->macroF1();
    if (cfg.wants("confusion")) {
      json rows = json::array();
      for (int64_t t = 0; t < confusion->numClasses(); ++t) {
        json row = json::array();
        for (int64_t p = 0; p < confusion->numClasses(); ++p)
          row.push_back(confusion->at(t, p));
        rows.push_back(row);
      }
      s["confusion"] = json{{"set", reportSet}, {"matrix", rows}};
    } else {
      confusion.reset();
    }
  }
  result.summaryJson = s.dump(2);
  result.history = history;
  result.epochsRun = epochsRun;
  result.stoppedEarly = stoppedEarly;
  result.steps = steps;
  if (opts.outDir.empty())
    return result;

  const std::string &dir = opts.outDir;
  need(model->save(joinPath(dir, "model.safetensors")));
  need(history.writeCsv(joinPath(dir, "history.csv")));
  need(writeSummary(joinPath(dir, "summary.json"), s));
  if (!opts.plots)
    return result;
  int64_t best = -1;
  if (EarlyStopping *t = tracker())
    best = t->bestEpoch();
  need(plotLoss(history, joinPath(dir, "loss.svg"), best));
  if (task.classification)
    need(plotAccuracy(history, joinPath(dir, "accuracy.svg"), best));
  if (confusion) {
    const Dataset &d = valSet ? *valSet : testSet ? *testSet : trainSet;
    need(plotConfusion(*confusion, d.classNames, joinPath(dir, "confusion.svg"),
                       fmt::format("Confusion matrix ({} set)", reportSet)));
  }
  if (task.classification && trainSet.sampleSize() == 2) {
    Status inner;
    ClassifyFn classify = [&](const float *points, int64_t n,
                              int32_t *classes) {
      std::vector<float> pts(points, points + 2 * n);
      auto out = predictAll(*model, pts, n, 4096);
      if (!out) {
        inner = out.status();
        std::fill(classes, classes + n, 0);
        return;
      }
      for (int64_t i = 0; i < n; ++i)
        classes[i] =
            int32_t(predictClass(out->data() + i * task.outputElements,
                                 task.outputElements, task.outputKind));
    };
    Dataset all = trainSet;
    need(plotDecisionBoundary(all, classify,
                              joinPath(dir, "decision_boundary.svg")));
    need(inner);
  }
  return result;
}
