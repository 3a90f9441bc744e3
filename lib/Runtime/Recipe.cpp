//===- Recipe.cpp - Train recipes, data specs and their loading
//------------===//
//
// Reads the recipe JSON of a model.so into a TrainConfig with the front end's
// defaults (lib/Frontend/Builtins.cpp), parses the `--data` mini-syntax (the
// .nn call syntax of data sources) into the same JSON shape, and loads data
// specs with the runtime's sources.
//
//===----------------------------------------------------------------------===//

#include "nnc/Runtime/Recipe.h"

#include "Internal.h"
#include "nnc/Runtime/Sources.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <sys/stat.h>

using namespace nnc::rt;
using namespace nnc::rt::detail;
using json = nlohmann::json;

//===----------------------------------------------------------------------===//
// Typed access with clear errors
//===----------------------------------------------------------------------===//

static const char *typeName(const json &v) { return v.type_name(); }

static double getNumber(const json &obj, const char *key, double dflt,
                        const std::string &where) {
  auto it = obj.find(key);
  if (it == obj.end())
    return dflt;
  if (!it->is_number())
    fail(ErrorCode::InvalidArgument, "recipe: {}{} must be a number, got {} {}",
         where, key, typeName(*it), it->dump());
  return it->get<double>();
}

static int64_t getInt(const json &obj, const char *key, int64_t dflt,
                      const std::string &where, int64_t min) {
  auto it = obj.find(key);
  if (it == obj.end())
    return dflt;
  if (!it->is_number_integer() &&
      !(it->is_number_float() &&
        it->get<double>() == double(int64_t(it->get<double>()))))
    fail(ErrorCode::InvalidArgument,
         "recipe: {}{} must be an integer, got {} {}", where, key,
         typeName(*it), it->dump());
  int64_t v = it->is_number_unsigned() ? int64_t(it->get<uint64_t>())
                                       : it->get<int64_t>();
  if (v < min)
    fail(ErrorCode::InvalidArgument, "recipe: {}{} must be >= {}, got {}",
         where, key, min, v);
  return v;
}

static bool getBool(const json &obj, const char *key, bool dflt,
                    const std::string &where) {
  auto it = obj.find(key);
  if (it == obj.end())
    return dflt;
  if (!it->is_boolean())
    fail(ErrorCode::InvalidArgument,
         "recipe: {}{} must be true or false, got {}", where, key, it->dump());
  return it->get<bool>();
}

/// A call-valued option: an object with "kind", or a bare string kind.
static json callValue(const json &v, const char *key) {
  if (v.is_string())
    return json{{"kind", v.get<std::string>()}};
  if (!v.is_object() || !v.contains("kind") || !v["kind"].is_string())
    fail(ErrorCode::InvalidArgument,
         "recipe: {} must be an object with a \"kind\", got {}", key, v.dump());
  return v;
}

static void warnUnknown(const json &obj,
                        std::initializer_list<const char *> known,
                        const std::string &where,
                        std::vector<std::string> &warnings) {
  for (auto it = obj.begin(); it != obj.end(); ++it) {
    bool ok = false;
    for (const char *k : known)
      ok |= it.key() == k;
    if (!ok)
      warnings.push_back(
          fmt::format("recipe: unknown key '{}{}' ignored", where, it.key()));
  }
}

/// The LossKind named `name` (the spelling of #nn.loss_kind).
static LossKind parseLossKind(const std::string &name) {
  static const std::pair<const char *, LossKind> kinds[] = {
      {"mse", LossKind::Mse},
      {"mae", LossKind::Mae},
      {"huber", LossKind::Huber},
      {"bce", LossKind::Bce},
      {"bce_logits", LossKind::BceLogits},
      {"cross_entropy", LossKind::CrossEntropy},
      {"perceptron", LossKind::Perceptron}};
  for (const auto &[spelling, kind] : kinds)
    if (name == spelling)
      return kind;
  fail(ErrorCode::InvalidArgument,
       "recipe: unknown loss '{}' (expected mse, mae, huber, bce, bce_logits, "
       "cross_entropy or perceptron)",
       name);
}

static ScheduleConfig parseSchedule(const json &s,
                                    std::vector<std::string> &warnings) {
  ScheduleConfig c;
  std::string kind = s["kind"].get<std::string>();
  std::string where = "schedule.";
  if (kind == "constant") {
    c.kind = ScheduleKind::Constant;
    warnUnknown(s, {"kind"}, where, warnings);
  } else if (kind == "step") {
    c.kind = ScheduleKind::Step;
    c.drop = getNumber(s, "drop", 0.1, where);
    c.every = getInt(s, "every", 30, where, 1);
    warnUnknown(s, {"kind", "drop", "every"}, where, warnings);
  } else if (kind == "exponential") {
    c.kind = ScheduleKind::Exponential;
    c.rate = getNumber(s, "rate", 0.95, where);
    warnUnknown(s, {"kind", "rate"}, where, warnings);
  } else if (kind == "cosine") {
    c.kind = ScheduleKind::Cosine;
    c.tMax = getInt(s, "T_max", 100, where, 1);
    c.etaMin = getNumber(s, "min_lr", 0.0, where);
    warnUnknown(s, {"kind", "T_max", "min_lr"}, where, warnings);
  } else if (kind == "plateau") {
    c.kind = ScheduleKind::Plateau;
    c.patience = getInt(s, "patience", 10, where, 0);
    c.factor = getNumber(s, "factor", 0.1, where);
    warnUnknown(s, {"kind", "patience", "factor"}, where, warnings);
  } else {
    fail(ErrorCode::InvalidArgument,
         "recipe: unknown schedule '{}' (expected constant, step, exponential, "
         "cosine or plateau)",
         kind);
  }
  return c;
}

Expected<TrainConfig> nnc::rt::parseRecipe(const std::string &text,
                                           std::vector<std::string> &warnings) {
  return guard([&] {
    json r = json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (r.is_discarded())
      fail(ErrorCode::InvalidArgument, "recipe: not valid JSON: {}",
           text.substr(0, 80));
    if (!r.is_object())
      fail(ErrorCode::InvalidArgument, "recipe: expected a JSON object, got {}",
           typeName(r));
    TrainConfig c;
    if (r.contains("data"))
      c.data.json = callValue(r["data"], "data").dump();
    if (r.contains("test") && !r["test"].is_null())
      c.test.json = callValue(r["test"], "test").dump();
    c.batch = getInt(r, "batch", 32, "", 1);
    c.epochs = getInt(r, "epochs", 10, "", 0);
    if (r.contains("optimizer")) {
      json o = callValue(r["optimizer"], "optimizer");
      c.optimizer = o["kind"].get<std::string>();
      c.lr = getNumber(o, "lr", 0.0, "optimizer.");
      if (c.lr < 0)
        fail(ErrorCode::InvalidArgument, "recipe: optimizer.lr must be >= 0");
    }
    if (r.contains("schedule"))
      c.schedule =
          parseSchedule(callValue(r["schedule"], "schedule"), warnings);
    if (r.contains("early_stop") && !r["early_stop"].is_null()) {
      json e = callValue(r["early_stop"], "early_stop");
      c.earlyStop = true;
      c.patience = getInt(e, "patience", 5, "early_stop.", 0);
      c.minDelta = getNumber(e, "min_delta", 0.0, "early_stop.");
      c.restoreBest = getBool(e, "restore_best", true, "early_stop.");
      warnUnknown(e, {"kind", "patience", "min_delta", "restore_best"},
                  "early_stop.", warnings);
    }
    c.validation = getNumber(r, "validation", 0.0, "");
    if (!(c.validation >= 0 && c.validation < 1)) // NaN fails too
      fail(ErrorCode::InvalidArgument,
           "recipe: validation must lie in [0, 1), got {}", c.validation);
    c.shuffle = getBool(r, "shuffle", true, "");
    c.syncBatchnorm = getBool(r, "sync_batchnorm", false, "");
    c.seed = uint64_t(getInt(r, "seed", 0, "", 0));
    c.clipNorm = getNumber(r, "clip_norm", 0.0, "");
    c.saveEvery = getInt(r, "save_every", 0, "", 0);
    if (r.contains("metrics")) {
      // A list of names, or one name (`metrics = f1`).
      json m =
          r["metrics"].is_array() ? r["metrics"] : json::array({r["metrics"]});
      static const char *const known[] = {
          "accuracy", "precision", "recall", "f1", "confusion", "mae", "rmse"};
      for (const json &name : m) {
        if (!name.is_string() ||
            std::find(std::begin(known), std::end(known),
                      name.get<std::string>()) == std::end(known))
          fail(ErrorCode::InvalidArgument,
               "recipe: metrics: unknown metric {} (expected accuracy, "
               "precision, recall, f1, confusion, mae or rmse)",
               name.dump());
        c.metrics.push_back(name.get<std::string>());
      }
    }
    if (r.contains("scaling")) {
      if (!r["scaling"].is_string())
        fail(ErrorCode::InvalidArgument, "recipe: scaling must be a string");
      auto kind = parseScalingKind(r["scaling"].get<std::string>());
      if (!kind)
        fail(ErrorCode::InvalidArgument, "recipe: {}", kind.status().message());
      c.scaling = *kind;
    }
    // csv(..., standardize = true): standardisation fitted on the training
    // rows (an explicit `scaling` key wins).
    if (!r.contains("scaling") && r.contains("data") && r["data"].is_object() &&
        r["data"].contains("standardize") &&
        r["data"]["standardize"].is_boolean() &&
        r["data"]["standardize"].get<bool>())
      c.scaling = ScalingKind::Standard;
    if (r.contains("loss") && r["loss"].is_string())
      c.loss = parseLossKind(r["loss"].get<std::string>());
    else if (r.contains("loss") && r["loss"].is_object() &&
             r["loss"].contains("kind") && r["loss"]["kind"].is_string())
      c.loss = parseLossKind(r["loss"]["kind"].get<std::string>());
    warnUnknown(r,
                {"data", "test", "batch", "epochs", "optimizer", "schedule",
                 "early_stop", "validation", "shuffle", "sync_batchnorm",
                 "seed", "clip_norm", "scaling", "loss", "loss_terms",
                 "mode_dependent", "target", "save_every", "metrics"},
                "", warnings);
    return c;
  });
}

//===----------------------------------------------------------------------===//
// Data sources given as text
//===----------------------------------------------------------------------===//

static bool isDirectory(const std::string &path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

static bool endsWith(const std::string &s, const std::string &suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

Expected<DataSpec> nnc::rt::parseDataSpec(const std::string &text) {
  return guard([&] {
    size_t first = text.find_first_not_of(" \t\n");
    if (first == std::string::npos)
      fail(ErrorCode::InvalidArgument, "--data: empty data source");
    if (text[first] == '{') {
      json v = json::parse(text, nullptr, false);
      if (v.is_discarded())
        fail(ErrorCode::InvalidArgument, "--data: not valid JSON: {}", text);
      return DataSpec{callValue(v, "--data").dump()};
    }
    if (text.find('(') == std::string::npos &&
        (text.find('/') != std::string::npos ||
         text.find('.') != std::string::npos)) {
      if (endsWith(text, ".csv") || endsWith(text, ".csv.gz") ||
          endsWith(text, ".txt") || endsWith(text, ".tsv"))
        return DataSpec{json{{"kind", "csv"}, {"path", text}}.dump()};
      if (isDirectory(text))
        return DataSpec{json{{"kind", "idx"}, {"dir", text}}.dump()};
    }
    // The .nn call syntax is the front end's to read (it checks and
    // normalises it as in a train section): `nnc train --data` and the
    // Python package pass it through `nnc data-source` as JSON.
    fail(ErrorCode::InvalidArgument,
         "--data: '{}' is neither JSON nor a path; a data source written as "
         "in a .nn file is read by nnc (`nnc data-source '{}'` prints the JSON "
         "this takes)",
         text, text);
  });
}

//===----------------------------------------------------------------------===//
// Loading
//===----------------------------------------------------------------------===//

static std::string resolvePath(const std::string &path,
                               const LoadContext &ctx) {
  if (path.empty() || path[0] == '/' || ctx.baseDir.empty())
    return path;
  std::string joined = ctx.baseDir + "/" + path;
  // Beside the .nn file first, else relative to the working directory.
  if (!fileExists(joined) && !isDirectory(joined) &&
      (fileExists(path) || isDirectory(path)))
    return path;
  return joined;
}

static std::string getString(const json &spec, const char *key,
                             const std::string &dflt) {
  auto it = spec.find(key);
  if (it == spec.end())
    return dflt;
  if (it->is_string())
    return it->get<std::string>();
  if (it->is_number_integer())
    return std::to_string(it->get<int64_t>());
  fail(ErrorCode::InvalidArgument, "data: {} must be a string, got {}", key,
       it->dump());
}

static Dataset unwrap(Expected<Dataset> d) {
  if (!d)
    throw RuntimeError(d.status().code(), d.status().message());
  return d.take();
}

static Dataset loadJsonSpec(const json &spec, const LoadContext &ctx) {
  std::string kind = spec["kind"].get<std::string>();
  if (kind == "spiral") {
    return unwrap(makeSpiral(getInt(spec, "classes", 3, "data.", 2),
                             getInt(spec, "points", 100, "data.", 1),
                             getNumber(spec, "noise", 0.2, "data."), ctx.seed));
  }
  if (kind == "logic") {
    std::string gate = getString(spec, "gate", "");
    if (gate.empty())
      fail(ErrorCode::InvalidArgument,
           "data: logic needs a gate (and, or, xor, "
           "nand, nor, xnor)");
    bool invert = gate == "nor" || gate == "xnor";
    Dataset d = unwrap(makeLogic(invert ? gate.substr(1) : gate));
    if (invert) {
      for (int32_t &l : d.labels)
        l = 1 - l;
      d.name = "logic(" + gate + ")";
    }
    return d;
  }
  if (kind == "csv") {
    CsvOptions o;
    o.labelColumn = getString(spec, "label", "last");
    o.header = getBool(spec, "header", true, "data.") ? CsvHeader::Auto
                                                      : CsvHeader::Absent;
    o.regression = ctx.regression;
    std::string targets = getString(spec, "targets", "");
    Dataset d =
        targets.empty()
            ? unwrap(loadCsv(resolvePath(getString(spec, "path", ""), ctx), o))
            : unwrap(loadCsvRegression(
                  resolvePath(getString(spec, "path", ""), ctx),
                  resolvePath(targets, ctx), o));
    double scale = getNumber(spec, "scale", 1.0, "data.");
    if (scale != 1.0)
      for (float &x : d.features)
        x = float(x * scale);
    return d;
  }
  if (kind == "idx") {
    std::string split =
        getString(spec, "split", ctx.testSplit ? "test" : "training");
    if (split != "training" && split != "test" && split != "train")
      fail(ErrorCode::InvalidArgument,
           "data: idx split must be training or test, got '{}'", split);
    Dataset d =
        unwrap(loadIdxDir(resolvePath(getString(spec, "dir", ""), ctx),
                          split == "test" ? IdxSplit::Test : IdxSplit::Train));
    if (!getBool(spec, "normalize", true, "data."))
      for (float &x : d.features)
        x *= 255.0f;
    return d;
  }
  if (kind == "npy")
    return unwrap(
        loadNpyDataset(resolvePath(getString(spec, "inputs", ""), ctx),
                       resolvePath(getString(spec, "labels", ""), ctx)));
  fail(ErrorCode::InvalidArgument,
       "data: unknown data source '{}' (expected spiral, logic, csv, idx or "
       "npy)",
       kind);
}

Expected<Dataset> nnc::rt::loadDataSpec(const DataSpec &spec,
                                        const LoadContext &ctx) {
  return guard([&] {
    if (spec.empty())
      fail(ErrorCode::InvalidArgument,
           "no training data: the train section has no `data` and no --data "
           "was given");
    json v = json::parse(spec.json, nullptr, false);
    if (v.is_discarded() || !v.is_object() || !v.contains("kind"))
      fail(ErrorCode::InvalidArgument, "data: bad data spec {}", spec.json);
    return loadJsonSpec(v, ctx);
  });
}
