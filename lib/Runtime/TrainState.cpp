//===- TrainState.cpp - The training loop's state and resume -------------===//
//
// What `nnc train` saves beside a checkpoint so that `--resume` continues
// exactly like an uninterrupted run (checkpoint.json: the history, schedule
// and early-stopping state, the step, seed and batch), and resume itself:
// checking that state against the checkpoint and restoring it. Split from
// Trainer.cpp, which runs the loop.
//
//===----------------------------------------------------------------------===//

#include "TrainInternal.h"
#include "TrainRun.h"

#include <nlohmann/json.hpp>

using namespace nnc::rt;
using namespace nnc::rt::detail;
using json = nlohmann::json;

static json rowToJson(const HistoryRow &r) {
  auto v = [](double d) { return std::isnan(d) ? json(nullptr) : json(d); };
  return json{{"epoch", r.epoch},
              {"lr", v(r.lr)},
              {"train_loss", v(r.trainLoss)},
              {"train_accuracy", v(r.trainAccuracy)},
              {"val_loss", v(r.valLoss)},
              {"val_accuracy", v(r.valAccuracy)},
              {"seconds", v(r.seconds)},
              {"train_mae", v(r.trainMae)},
              {"train_rmse", v(r.trainRmse)},
              {"val_mae", v(r.valMae)},
              {"val_rmse", v(r.valRmse)}};
}

std::string nnc::rt::detail::historyRowJson(const HistoryRow &row) {
  return rowToJson(row).dump();
}

/// History row `index` (0-based) of a training state; its `epoch` must be
/// index + 1.
static HistoryRow rowFromJson(const json &j, size_t index,
                              const std::string &statePath) {
  if (!j.is_object() || !j.contains("epoch") ||
      !j["epoch"].is_number_integer() ||
      j["epoch"].get<int64_t>() != int64_t(index) + 1)
    fail(ErrorCode::DataLoss,
         "{}: corrupted training state: history row {}: expected \"epoch\": "
         "{}, got {}",
         statePath, index + 1, index + 1,
         j.is_object() && j.contains("epoch") ? j["epoch"].dump()
                                              : std::string("none"));
  auto v = [&](const char *k) {
    return j.contains(k) && j[k].is_number() ? j[k].get<double>() : NAN;
  };
  HistoryRow r;
  r.epoch = j["epoch"].get<int64_t>();
  r.lr = v("lr");
  r.trainLoss = v("train_loss");
  r.trainAccuracy = v("train_accuracy");
  r.valLoss = v("val_loss");
  r.valAccuracy = v("val_accuracy");
  r.seconds = v("seconds");
  r.trainMae = v("train_mae");
  r.trainRmse = v("train_rmse");
  r.valMae = v("val_mae");
  r.valRmse = v("val_rmse");
  return r;
}

std::string TrainRun::stateJson(int64_t step) const {
  json rows = json::array();
  for (const HistoryRow &r : history.rows)
    rows.push_back(rowToJson(r));
  json s{{"version", 1},
         {"model", lib->name()},
         {"epochs_done", int64_t(history.rows.size())},
         {"step", step},
         {"seed", cfg.seed},
         {"batch", cfg.batch},
         {"schedule", json::parse(schedule->saveState())},
         {"history", rows}};
  if (earlyStop)
    s["early_stop"] = json::parse(earlyStop->saveState());
  if (bestTracker)
    s["best"] = json::parse(bestTracker->saveState());
  return s.dump(1);
}

std::string nnc::rt::detail::statePathFor(const std::string &ckpt) {
  const std::string ext = ".safetensors";
  if (ckpt.size() > ext.size() &&
      ckpt.compare(ckpt.size() - ext.size(), ext.size(), ext) == 0)
    return ckpt.substr(0, ckpt.size() - ext.size()) + ".json";
  return ckpt + ".json";
}

void TrainRun::resume() {
  const std::string &ckpt = opts.resume;
  std::string statePath = statePathFor(ckpt);
  if (!fileExists(statePath))
    fail(ErrorCode::NotFound,
         "{}: cannot resume: the training state {} is missing", ckpt,
         statePath);
  json s = json::parse(readFileMaybeGzip(statePath), nullptr, false);
  if (s.is_discarded() || !s.is_object() || !s.contains("history") ||
      !s["history"].is_array() || !s.contains("schedule") ||
      !s.contains("step") || !s["step"].is_number_integer())
    fail(ErrorCode::DataLoss, "{}: corrupted training state", statePath);
  // The epochs done and the step: integers that agree with the history (a
  // negative, huge or textual count would resume at a wrong epoch).
  size_t rows = s["history"].size();
  if (!s.contains("epochs_done") || !s["epochs_done"].is_number_integer() ||
      s["epochs_done"].get<int64_t>() != int64_t(rows))
    fail(ErrorCode::DataLoss,
         "{}: corrupted training state: expected \"epochs_done\": {} (the "
         "history has {} rows), got {}",
         statePath, rows, rows,
         s.contains("epochs_done") ? s["epochs_done"].dump()
                                   : std::string("none"));
  if (s["step"].get<int64_t>() < 0)
    fail(ErrorCode::DataLoss,
         "{}: corrupted training state: expected \"step\" >= 0, got {}",
         statePath, s["step"].dump());
  // Typed fields (a wrong type would otherwise surface as a JSON library
  // exception).
  if (!s.contains("model") || !s["model"].is_string() || !s.contains("seed") ||
      !s["seed"].is_number_unsigned() || !s.contains("batch") ||
      !s["batch"].is_number_integer())
    fail(ErrorCode::DataLoss,
         "{}: corrupted training state: expected \"model\" (a string), "
         "\"seed\" and \"batch\" (integers >= 0)",
         statePath);
  if (s.value("model", "") != lib->name())
    fail(ErrorCode::InvalidArgument,
         "{}: the state belongs to model '{}', not '{}'", statePath,
         s.value("model", ""), lib->name());
  if (s.value("seed", uint64_t(0)) != cfg.seed ||
      s.value("batch", int64_t(0)) != cfg.batch)
    warn(fmt::format("{}: resuming with seed {} and batch {} (the run used "
                     "seed {} and batch {}); the history will differ from an "
                     "uninterrupted run",
                     statePath, cfg.seed, cfg.batch,
                     s.value("seed", uint64_t(0)),
                     s.value("batch", int64_t(0))));
  need(model->load(ckpt, opts.allowNonFinite));
  if (need(model->step()) != s["step"].get<int64_t>())
    fail(ErrorCode::DataLoss,
         "{}: the checkpoint is at step {} but its state {} says {}", ckpt,
         need(model->step()), statePath, s["step"].get<int64_t>());
  for (size_t i = 0; i < rows; ++i)
    history.rows.push_back(rowFromJson(s["history"][i], i, statePath));
  need(schedule->loadState(s["schedule"].dump()));
  if (earlyStop && s.contains("early_stop"))
    need(earlyStop->loadState(s["early_stop"].dump()));
  if (bestTracker && s.contains("best"))
    need(bestTracker->loadState(s["best"].dump()));
  if (EarlyStopping *t = tracker()) {
    std::string best = joinPath(dirName(ckpt), "best.safetensors");
    if (t->bestEpoch() > 0 && fileExists(best)) {
      // Only reads a checkpoint: runs no kernel, needs no threads.
      auto other = need(ModelInstance::create(lib, cfg.seed, 1));
      need(other->load(best, opts.allowNonFinite));
      bestParams = need(other->readAll(NNC_KIND_PARAM));
      bestBuffers = need(other->readAll(NNC_KIND_BUFFER));
    }
  }
}
