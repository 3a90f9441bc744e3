//===- nnc/Runtime/Preprocess.h - Feature scaling and splits ----*- C++ -*-===//
//
// Preprocessing applied between loading and batching: min-max scaling to
// [0, 1] and standardisation (both fitted on the training set only and then
// applied to validation and test sets), one-hot encoding of class labels,
// and a seeded validation split.
//
//===----------------------------------------------------------------------===//
#ifndef NNC_RUNTIME_PREPROCESS_H
#define NNC_RUNTIME_PREPROCESS_H

#include "nnc/Runtime/Dataset.h"

#include <string>
#include <utility>
#include <vector>

namespace nnc::rt {

/// The kinds of feature scaling.
enum class ScalingKind {
  None,     ///< x' = x
  MinMax,   ///< x' = (x - min) / (max - min); constant features map to 0
  Standard, ///< x' = (x - mean) / std (population std); std 0 maps to 0
};

/// A fitted affine map x' = (x - offset) * scale per feature position.
struct Scaler {
  ScalingKind kind = ScalingKind::None;
  /// One statistic for all positions instead of one per feature position
  /// (useful for images).
  bool global = false;
  /// Per-position (or a single, when global) offset and scale.
  std::vector<float> offset, scale;

  /// Fits the statistics on `train`.
  static Expected<Scaler> fit(const Dataset &train, ScalingKind kind,
                              bool global = false);
  /// Scales `data` in place; its sample size must match the fitted one.
  Status apply(Dataset &data) const;
  /// Serialises the fitted statistics as JSON.
  std::string toJson() const;
  /// Restores a Scaler from toJson's output.
  static Expected<Scaler> fromJson(const std::string &json);
};

/// Parses "none", "minmax" or "standard".
Expected<ScalingKind> parseScalingKind(const std::string &name);

/// One-hot rows [labels.size(), numClasses]; labels outside the range fail.
Expected<std::vector<float>> oneHot(const std::vector<int32_t> &labels,
                                    int64_t numClasses);

/// Splits `data` into (train, validation): round(fraction * n) samples drawn
/// without replacement by a seeded permutation go to validation; both parts
/// keep the original sample order. fraction must lie in [0, 1).
Expected<std::pair<Dataset, Dataset>>
splitValidation(const Dataset &data, double fraction, uint64_t seed);

} // namespace nnc::rt

#endif // NNC_RUNTIME_PREPROCESS_H
