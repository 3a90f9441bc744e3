//===- nnc/Runtime/Dataset.h - In-memory data sets --------------*- C++ -*-===//
//
// The one data representation every source produces and every consumer
// (preprocessing, batching, plots, the training loop) reads: a dense float
// feature tensor [n, ...shape] in row-major order plus either int32 class
// labels [n] (classification) or float targets [n, k] (regression), with
// names for features and classes where the source provides them.
//
//===----------------------------------------------------------------------===//
#ifndef NNC_RUNTIME_DATASET_H
#define NNC_RUNTIME_DATASET_H

#include "nnc/Runtime/Error.h"

#include <cstdint>
#include <string>
#include <vector>

namespace nnc::rt {

/// A labelled data set held in memory.
struct Dataset {
  /// Short name for messages and reports ("spiral", "iris.csv", ...).
  std::string name;
  /// Features, row-major [n, featureShape...].
  std::vector<float> features;
  /// Shape of one sample (without the leading n), e.g. {2} or {1, 28, 28}.
  std::vector<int64_t> featureShape;
  /// Class indices in [0, numClasses) for classification; empty otherwise.
  std::vector<int32_t> labels;
  /// Regression targets, row-major [n, targetDim]; empty for classification.
  std::vector<float> targets;
  /// Number of regression outputs per sample (0 for classification).
  int64_t targetDim = 0;
  /// Number of classes (0 for regression).
  int64_t numClasses = 0;
  /// Optional feature (column) names.
  std::vector<std::string> featureNames;
  /// Optional class names, numClasses of them when present.
  std::vector<std::string> classNames;

  /// Number of samples.
  int64_t size() const;
  /// Number of floats in one sample (product of featureShape).
  int64_t sampleSize() const;
  /// True for regression targets, false for class labels.
  bool isRegression() const { return targetDim > 0; }
  /// Checks the internal consistency (sizes, label range); throws nothing.
  Status validate() const;
  /// The samples at `indices`, in that order (features and labels/targets).
  Dataset subset(const std::vector<int64_t> &indices) const;
};

} // namespace nnc::rt

#endif // NNC_RUNTIME_DATASET_H
