//===- TrainTestUtil.h - Helpers of the training loop tests -----*- C++ -*-===//
//
// Temporary directories removed recursively, small synthetic data sets that
// fit the fixture models (Classifier: 4 features, 3 classes; Dense: 3
// features, 2 regression targets), and readers for the files a run writes.
//
//===----------------------------------------------------------------------===//
#ifndef NNC_TEST_UNIT_TRAIN_TRAINTESTUTIL_H
#define NNC_TEST_UNIT_TRAIN_TRAINTESTUTIL_H

#include "nnc/Runtime/Dataset.h"
#include "nnc/Runtime/ModelLibrary.h"

#include <string>
#include <vector>

namespace nnc::rt::test {

/// A fresh directory under /tmp, removed recursively on destruction.
class ScratchDir {
public:
  ScratchDir();
  ~ScratchDir();
  /// `name` inside the directory.
  std::string file(const std::string &name) const { return dir + "/" + name; }

private:
  std::string dir;
};

/// `n` samples of 4 features in 3 classes (class c centred at 2 * e_c).
Dataset classifierData(int64_t n, uint64_t seed);

/// `n` samples of 3 features with targets t = A x + b (2 per sample);
/// `sign` = -1 negates the targets.
Dataset denseData(int64_t n, uint64_t seed, float sign = 1.0f);

/// Reads a whole file ("" when missing).
std::string slurp(const std::string &path);

/// The PARAM tensors of the checkpoint `ckpt` of the model `lib`.
std::vector<std::vector<char>> paramsOf(const std::string &lib,
                                        const std::string &ckpt);

} // namespace nnc::rt::test

#endif // NNC_TEST_UNIT_TRAIN_TRAINTESTUTIL_H
