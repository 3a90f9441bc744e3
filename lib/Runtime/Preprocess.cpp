//===- Preprocess.cpp - Feature scaling and splits ------------------------===//
//
// Fitting and applying min-max and standard scaling, one-hot encoding and
// the seeded validation split.
//
//===----------------------------------------------------------------------===//

#include "nnc/Runtime/Preprocess.h"
#include "Internal.h"
#include "nnc/Runtime/Random.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>

using namespace nnc::rt;
using namespace nnc::rt::detail;

Expected<Scaler> Scaler::fit(const Dataset &train, ScalingKind kind,
                             bool global) {
  return guard([&] {
    Scaler s;
    s.kind = kind;
    s.global = global;
    int64_t per = train.sampleSize();
    int64_t n = train.size();
    int64_t width = global ? 1 : per;
    s.offset.assign(width, 0.0f);
    s.scale.assign(width, 1.0f);
    if (kind == ScalingKind::None)
      return s;
    if (n == 0)
      fail(ErrorCode::InvalidArgument,
           "{}: cannot fit a scaler on an empty data set", train.name);
    auto column = [&](int64_t c, auto &&visit) {
      if (global) {
        for (float v : train.features)
          visit(v);
      } else {
        for (int64_t i = 0; i < n; ++i)
          visit(train.features[i * per + c]);
      }
    };
    for (int64_t c = 0; c < width; ++c) {
      if (kind == ScalingKind::MinMax) {
        float lo = INFINITY, hi = -INFINITY;
        column(c, [&](float v) {
          lo = std::min(lo, v);
          hi = std::max(hi, v);
        });
        s.offset[c] = lo;
        s.scale[c] = hi > lo ? static_cast<float>(1.0 / (double(hi) - lo)) : 0;
      } else {
        double sum = 0, sq = 0;
        int64_t count = 0;
        column(c, [&](float v) {
          sum += v;
          ++count;
        });
        double mean = sum / count;
        column(c, [&](float v) { sq += (v - mean) * (v - mean); });
        double sd = std::sqrt(sq / count);
        s.offset[c] = static_cast<float>(mean);
        s.scale[c] = sd > 0 ? static_cast<float>(1.0 / sd) : 0.0f;
      }
    }
    return s;
  });
}

Status Scaler::apply(Dataset &data) const {
  return guardStatus([&] {
    if (kind == ScalingKind::None)
      return;
    int64_t per = data.sampleSize();
    if (!global && per != static_cast<int64_t>(offset.size()))
      fail(ErrorCode::InvalidArgument,
           "{}: the scaler was fitted on samples of {} values, got {}",
           data.name, offset.size(), per);
    if (offset.empty() || offset.size() != scale.size())
      fail(ErrorCode::InvalidArgument, "the scaler is not fitted");
    for (size_t i = 0; i < data.features.size(); ++i) {
      size_t c = global ? 0 : i % per;
      data.features[i] = (data.features[i] - offset[c]) * scale[c];
    }
  });
}

/// Each scaling kind with its name in options and scaler JSON, one table for
/// both directions.
static const std::pair<ScalingKind, const char *> kScalingNames[] = {
    {ScalingKind::None, "none"},
    {ScalingKind::MinMax, "minmax"},
    {ScalingKind::Standard, "standard"},
};

static const char *kindName(ScalingKind kind) {
  for (const auto &[k, name] : kScalingNames)
    if (k == kind)
      return name;
  return "none";
}

Expected<ScalingKind> nnc::rt::parseScalingKind(const std::string &name) {
  for (const auto &[k, n] : kScalingNames)
    if (name == n)
      return k;
  return Status(ErrorCode::InvalidArgument,
                fmt::format("unknown scaling '{}' (expected none, minmax or "
                            "standard)",
                            name));
}

std::string Scaler::toJson() const {
  nlohmann::json j;
  j["kind"] = kindName(kind);
  j["global"] = global;
  j["offset"] = offset;
  j["scale"] = scale;
  return j.dump();
}

Expected<Scaler> Scaler::fromJson(const std::string &json) {
  return guard([&] {
    auto j = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded() || !j.is_object() || !j.contains("kind") ||
        !j["kind"].is_string() || !j.contains("offset") || !j.contains("scale"))
      fail(ErrorCode::DataLoss, "scaler JSON: expected an object with kind, "
                                "offset and scale");
    auto kind = parseScalingKind(j["kind"].get<std::string>());
    if (!kind)
      fail(ErrorCode::DataLoss, "scaler JSON: {}", kind.status().message());
    Scaler s;
    s.kind = *kind;
    s.global = j.value("global", false);
    try {
      s.offset = j["offset"].get<std::vector<float>>();
      s.scale = j["scale"].get<std::vector<float>>();
    } catch (const nlohmann::json::exception &e) {
      fail(ErrorCode::DataLoss, "scaler JSON: {}", e.what());
    }
    if (s.offset.size() != s.scale.size())
      fail(ErrorCode::DataLoss, "scaler JSON: offset and scale differ in size");
    // A value beyond float32 (1e39) would become infinity and every scaled
    // feature NaN or 0 without a word.
    for (const auto &[name, values] :
         {std::pair{"offset", &s.offset}, std::pair{"scale", &s.scale}})
      for (size_t i = 0; i < values->size(); ++i)
        if (!std::isfinite((*values)[i]))
          fail(ErrorCode::DataLoss,
               "scaler JSON: {}[{}] is not a finite float32 value: {}", name, i,
               j[name][i].dump());
    return s;
  });
}

Expected<std::vector<float>> nnc::rt::oneHot(const std::vector<int32_t> &labels,
                                             int64_t numClasses) {
  return guard([&] {
    if (numClasses < 1)
      fail(ErrorCode::InvalidArgument, "one-hot: numClasses must be >= 1");
    std::vector<float> out(labels.size() * numClasses, 0.0f);
    for (size_t i = 0; i < labels.size(); ++i) {
      if (labels[i] < 0 || labels[i] >= numClasses)
        fail(ErrorCode::OutOfRange,
             "one-hot: label {} of row {} is outside [0, {})", labels[i], i,
             numClasses);
      out[i * numClasses + labels[i]] = 1.0f;
    }
    return out;
  });
}

Expected<std::pair<Dataset, Dataset>>
nnc::rt::splitValidation(const Dataset &data, double fraction, uint64_t seed) {
  return guard([&] {
    if (!(fraction >= 0.0 && fraction < 1.0))
      fail(ErrorCode::InvalidArgument,
           "validation fraction must be in [0, 1), got {}", fraction);
    int64_t n = data.size();
    if (fraction > 0 && n < 2)
      fail(ErrorCode::InvalidArgument,
           "{}: a validation fraction of {} needs at least 2 samples (one to "
           "train on, one to validate), got {}",
           data.name, fraction, n);
    int64_t numVal = static_cast<int64_t>(std::llround(fraction * n));
    if (fraction > 0)
      numVal = std::clamp<int64_t>(numVal, 1, n - 1);
    Rng rng(deriveSeed(seed, 0x76616c6964ULL)); // "valid"
    std::vector<int64_t> perm = randomPermutation(n, rng);
    std::vector<int64_t> val(perm.begin(), perm.begin() + numVal);
    std::vector<int64_t> train(perm.begin() + numVal, perm.end());
    std::sort(val.begin(), val.end());
    std::sort(train.begin(), train.end());
    Dataset t = data.subset(train), v = data.subset(val);
    v.name = data.name + " (validation)";
    return std::make_pair(std::move(t), std::move(v));
  });
}
