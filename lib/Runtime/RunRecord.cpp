//===- RunRecord.cpp - What a training run records for eval/predict -------===//
//
// preprocess.json: {"scale": s, "scaler": <Scaler::toJson> | null,
// "validation": f, "seed": n}. Written by the training loop, read by
// `nnc eval` and `nnc predict` (Evaluate.cpp).
//
//===----------------------------------------------------------------------===//

#include "RunRecord.h"
#include "TrainInternal.h"

#include <nlohmann/json.hpp>

#include <cmath>

using namespace nnc::rt;
using namespace nnc::rt::detail;
using json = nlohmann::json;

std::string RunRecord::toJson() const {
  json j{{"scale", scale},
         {"scaler", scaler ? json::parse(scaler->toJson()) : json(nullptr)},
         {"validation", validation},
         {"seed", seed}};
  return j.dump(1) + "\n";
}

void RunRecord::apply(Dataset &data, bool scaled) const {
  if (!scaled && scale != 1.0)
    for (float &x : data.features)
      x = float(x * scale);
  if (scaler)
    need(scaler->apply(data));
}

std::optional<double> nnc::rt::detail::specScale(const DataSpec &spec) {
  json j = json::parse(spec.json, nullptr, false);
  if (j.is_object() && j.value("kind", "") == "csv" && j.contains("scale") &&
      j["scale"].is_number())
    return j["scale"].get<double>();
  return std::nullopt;
}

DataSpec nnc::rt::detail::withScale(const DataSpec &spec, double scale) {
  json j = json::parse(spec.json, nullptr, false);
  if (!j.is_object() || j.value("kind", "") != "csv" || j.contains("scale"))
    return spec;
  j["scale"] = scale;
  return DataSpec{j.dump()};
}

RunRecord nnc::rt::detail::readRunRecord(const std::string &ckpt,
                                         const TrainConfig &cfg) {
  std::string dir = dirName(ckpt);
  std::string path = joinPath(dir, "preprocess.json");
  RunRecord r;
  if (fileExists(path)) {
    json j = json::parse(readFileMaybeGzip(path), nullptr, false);
    if (!j.is_object() || !j.contains("scale") || !j["scale"].is_number() ||
        !std::isfinite(j["scale"].get<double>()) || !j.contains("validation") ||
        !j["validation"].is_number() || !j.contains("seed") ||
        !j["seed"].is_number_unsigned())
      fail(ErrorCode::DataLoss,
           "{}: corrupted: expected \"scale\", \"validation\" (numbers) and "
           "\"seed\" (an integer >= 0)",
           path);
    r.scale = j["scale"].get<double>();
    r.validation = j["validation"].get<double>();
    r.seed = j["seed"].get<uint64_t>();
    if (j.contains("scaler") && !j["scaler"].is_null())
      r.scaler = need(Scaler::fromJson(j["scaler"].dump()));
    return r;
  }
  // A run of an older nnc: the train section's scale and split, and
  // scaler.json when scaling.
  r.scale = specScale(cfg.data).value_or(1.0);
  r.validation = cfg.validation;
  r.seed = cfg.seed;
  std::string old = joinPath(dir, "scaler.json");
  if (fileExists(old))
    r.scaler = need(Scaler::fromJson(readFileMaybeGzip(old)));
  else if (cfg.scaling != ScalingKind::None)
    fail(ErrorCode::NotFound,
         "{}: the model was trained on {} features, but {} (the statistics "
         "fitted on the training rows) is missing; raw rows would be scored "
         "unscaled",
         ckpt,
         cfg.scaling == ScalingKind::Standard ? "standardized"
                                              : "min-max "
                                                "scaled",
         path);
  return r;
}
