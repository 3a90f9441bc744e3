//===- Dataset.cpp - In-memory data sets ----------------------------------===//
//
// Size queries, consistency checks and row selection for Dataset.
//
//===----------------------------------------------------------------------===//

#include "nnc/Runtime/Dataset.h"
#include "Internal.h"

#include <algorithm>

using namespace nnc::rt;
using namespace nnc::rt::detail;

int64_t Dataset::sampleSize() const {
  int64_t size = 1;
  for (int64_t d : featureShape)
    size *= d;
  return size;
}

int64_t Dataset::size() const {
  int64_t per = sampleSize();
  return per > 0 ? static_cast<int64_t>(features.size()) / per : 0;
}

Status Dataset::validate() const {
  for (int64_t d : featureShape)
    if (d <= 0)
      return Status(
          ErrorCode::InvalidArgument,
          fmt::format("{}: feature dimension {} is not positive", name, d));
  int64_t per = sampleSize();
  if (per <= 0 || static_cast<int64_t>(features.size()) % per != 0)
    return Status(ErrorCode::InvalidArgument,
                  fmt::format("{}: {} feature values are not a multiple of "
                              "the sample size {}",
                              name, features.size(), per));
  int64_t n = size();
  if (isRegression()) {
    if (static_cast<int64_t>(targets.size()) != n * targetDim)
      return Status(ErrorCode::InvalidArgument,
                    fmt::format("{}: expected {} targets ({} x {}), got {}",
                                name, n * targetDim, n, targetDim,
                                targets.size()));
    return Status::ok();
  }
  if (static_cast<int64_t>(labels.size()) != n)
    return Status(
        ErrorCode::InvalidArgument,
        fmt::format("{}: expected {} labels, got {}", name, n, labels.size()));
  for (size_t i = 0; i < labels.size(); ++i)
    if (labels[i] < 0 || labels[i] >= numClasses)
      return Status(ErrorCode::OutOfRange,
                    fmt::format("{}: label {} of sample {} is outside [0, {})",
                                name, labels[i], i, numClasses));
  return Status::ok();
}

Dataset Dataset::subset(const std::vector<int64_t> &indices) const {
  Dataset out;
  out.name = name;
  out.featureShape = featureShape;
  out.targetDim = targetDim;
  out.numClasses = numClasses;
  out.featureNames = featureNames;
  out.classNames = classNames;
  int64_t per = sampleSize();
  out.features.reserve(indices.size() * per);
  for (int64_t i : indices) {
    auto begin = features.begin() + i * per;
    out.features.insert(out.features.end(), begin, begin + per);
    if (isRegression()) {
      auto t = targets.begin() + i * targetDim;
      out.targets.insert(out.targets.end(), t, t + targetDim);
    } else if (!labels.empty()) {
      out.labels.push_back(labels[i]);
    }
  }
  return out;
}
