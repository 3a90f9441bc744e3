//===- Schedule.cpp - Learning-rate schedules and early stopping ----------===//
//
// The closed-form schedules, ReduceLROnPlateau's state machine and Keras'
// early stopping, with JSON state for resume (formulas in Schedule.h).
//
//===----------------------------------------------------------------------===//

#include "nnc/Runtime/Schedule.h"
#include "Internal.h"

#include <nlohmann/json.hpp>

#include <cmath>

using namespace nnc::rt;
using namespace nnc::rt::detail;

static double worst(MetricMode mode) {
  return mode == MetricMode::Min ? INFINITY : -INFINITY;
}

/// JSON has no infinities: they are stored as null.
static nlohmann::json finiteOrNull(double v) {
  return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr);
}

static double readDouble(const nlohmann::json &j, const char *key,
                         double fallback) {
  if (!j.contains(key) || j[key].is_null())
    return fallback;
  if (!j[key].is_number())
    fail(ErrorCode::DataLoss, "state JSON: '{}' is not a number", key);
  return j[key].get<double>();
}

static nlohmann::json parseState(const std::string &json) {
  auto j = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object())
    fail(ErrorCode::DataLoss, "state JSON: not a JSON object");
  return j;
}

Expected<MetricMode> nnc::rt::parseMetricMode(const std::string &name) {
  if (name == "min")
    return MetricMode::Min;
  if (name == "max")
    return MetricMode::Max;
  return Status(ErrorCode::InvalidArgument,
                fmt::format("unknown mode '{}' (expected min or max)", name));
}

LrSchedule::LrSchedule(const ScheduleConfig &config)
    : cfg(config), currentLr(config.baseLr), best(worst(config.mode)) {}

Expected<LrSchedule> LrSchedule::create(const ScheduleConfig &c) {
  auto bad = [](const std::string &what) {
    return Status(ErrorCode::InvalidArgument, "schedule: " + what);
  };
  if (!(std::isfinite(c.baseLr) && c.baseLr > 0))
    return bad(fmt::format("learning rate must be > 0, got {}", c.baseLr));
  switch (c.kind) {
  case ScheduleKind::Step:
    if (c.every < 1)
      return bad(fmt::format("step: every must be >= 1, got {}", c.every));
    if (!(c.drop > 0 && c.drop <= 1))
      return bad(fmt::format("step: drop must be in (0, 1], got {}", c.drop));
    break;
  case ScheduleKind::Exponential:
    if (!(c.rate > 0 && c.rate <= 1))
      return bad(
          fmt::format("exponential: rate must be in (0, 1], got {}", c.rate));
    break;
  case ScheduleKind::Cosine:
    if (c.tMax < 1)
      return bad(fmt::format("cosine: T_max must be >= 1, got {}", c.tMax));
    if (!(c.etaMin >= 0 && c.etaMin <= c.baseLr))
      return bad(
          fmt::format("cosine: eta_min must be in [0, lr], got {}", c.etaMin));
    break;
  case ScheduleKind::Plateau:
    if (c.patience < 0)
      return bad(
          fmt::format("plateau: patience must be >= 0, got {}", c.patience));
    if (!(c.factor > 0 && c.factor < 1))
      return bad(
          fmt::format("plateau: factor must be in (0, 1), got {}", c.factor));
    if (!(c.minLr >= 0) || !(c.threshold >= 0) || c.cooldown < 0)
      return bad("plateau: min_lr, threshold and cooldown must be >= 0");
    break;
  case ScheduleKind::Constant:
    break;
  }
  return LrSchedule(c);
}

double LrSchedule::lrAt(int64_t e) const {
  switch (cfg.kind) {
  case ScheduleKind::Step:
    return cfg.baseLr * std::pow(cfg.drop, double(e / cfg.every));
  case ScheduleKind::Exponential:
    return cfg.baseLr * std::pow(cfg.rate, double(e));
  case ScheduleKind::Cosine:
    return cfg.etaMin + (cfg.baseLr - cfg.etaMin) *
                            (1 + std::cos(M_PI * double(e) / cfg.tMax)) / 2;
  case ScheduleKind::Plateau:
    return currentLr;
  case ScheduleKind::Constant:
    break;
  }
  return cfg.baseLr;
}

void LrSchedule::endEpoch(double metric) {
  ++currentEpoch;
  if (cfg.kind != ScheduleKind::Plateau) {
    currentLr = lrAt(currentEpoch);
    return;
  }
  bool better = cfg.mode == MetricMode::Min
                    ? metric < best * (1 - cfg.threshold)
                    : metric > best * (1 + cfg.threshold);
  if (better) {
    best = metric;
    badEpochs = 0;
  } else {
    ++badEpochs;
  }
  if (cooldownLeft > 0) {
    --cooldownLeft;
    badEpochs = 0;
  }
  if (badEpochs > cfg.patience) {
    double reduced = std::max(currentLr * cfg.factor, cfg.minLr);
    if (currentLr - reduced > 1e-8)
      currentLr = reduced;
    cooldownLeft = cfg.cooldown;
    badEpochs = 0;
  }
}

std::string LrSchedule::saveState() const {
  nlohmann::json j;
  j["epoch"] = currentEpoch;
  j["lr"] = currentLr;
  j["best"] = finiteOrNull(best);
  j["bad_epochs"] = badEpochs;
  j["cooldown_left"] = cooldownLeft;
  return j.dump();
}

Status LrSchedule::loadState(const std::string &json) {
  return guardStatus([&] {
    auto j = parseState(json);
    double epoch = readDouble(j, "epoch", -1);
    double lr = readDouble(j, "lr", -1);
    if (epoch < 0 || !(lr > 0))
      fail(ErrorCode::DataLoss, "schedule state: needs epoch >= 0 and lr > 0");
    currentEpoch = static_cast<int64_t>(epoch);
    currentLr = lr;
    best = readDouble(j, "best", worst(cfg.mode));
    badEpochs = static_cast<int64_t>(readDouble(j, "bad_epochs", 0));
    cooldownLeft = static_cast<int64_t>(readDouble(j, "cooldown_left", 0));
  });
}

EarlyStopping::EarlyStopping(int64_t patience, double minDelta, MetricMode mode)
    : patience(patience < 0 ? 0 : patience),
      minDelta(minDelta < 0 ? -minDelta : minDelta), mode(mode),
      best(worst(mode)) {}

bool EarlyStopping::update(int64_t epoch, double value) {
  lastImproved = mode == MetricMode::Min ? value < best - minDelta
                                         : value > best + minDelta;
  if (lastImproved) {
    best = value;
    bestEp = epoch;
    wait = 0;
  } else if (++wait >= patience) {
    stop = true;
  }
  return stop;
}

std::string EarlyStopping::saveState() const {
  nlohmann::json j;
  j["best"] = finiteOrNull(best);
  j["best_epoch"] = bestEp;
  j["wait"] = wait;
  j["stop"] = stop;
  return j.dump();
}

Status EarlyStopping::loadState(const std::string &json) {
  return guardStatus([&] {
    auto j = parseState(json);
    best = readDouble(j, "best", worst(mode));
    bestEp = static_cast<int64_t>(readDouble(j, "best_epoch", -1));
    wait = static_cast<int64_t>(readDouble(j, "wait", 0));
    stop =
        j.contains("stop") && j["stop"].is_boolean() && j["stop"].get<bool>();
    lastImproved = false;
  });
}
