//===- RunRecord.h - What a training run records for eval/predict -*- C++
//-*-===//
//
// Private to lib/Runtime. The preprocessing of the train section (the feature
// scale of `csv(scale = ...)`, the scaler fitted on the training rows by
// `standardize` or `scaling`) and the validation split (fraction and seed)
// are part of the trained model: `nnc train` writes them to
// `preprocess.json` beside the checkpoints, and `nnc eval` / `nnc predict`
// apply them to raw rows and find the held-out rows again.
//
//===----------------------------------------------------------------------===//
#ifndef NNC_LIB_RUNTIME_RUNRECORD_H
#define NNC_LIB_RUNTIME_RUNRECORD_H

#include "nnc/Runtime/Preprocess.h"
#include "nnc/Runtime/Recipe.h"

#include <optional>
#include <string>

namespace nnc::rt::detail {

/// The contents of preprocess.json.
struct RunRecord {
  double scale = 1.0;           ///< features multiplied by it first
  std::optional<Scaler> scaler; ///< then standardised / min-max scaled
  double validation = 0.0;      ///< fraction held out of the data
  uint64_t seed = 0;            ///< seed of the split

  std::string toJson() const;
  /// Applies the scale (unless `scaled`: the rows were loaded through a
  /// spec that already multiplied them) and the scaler to `data`.
  void apply(Dataset &data, bool scaled) const;
};

/// The feature scale a data spec states (`csv(..., scale = s)`), if any.
std::optional<double> specScale(const DataSpec &spec);

/// `spec` with `scale` added when it is a csv spec that states none.
DataSpec withScale(const DataSpec &spec, double scale);

/// The record of the run whose checkpoint is `ckpt`: preprocess.json
/// beside it, else (a run of an older nnc) scaler.json and the train
/// section `cfg`. Throws when the train section fits a scaler but its
/// statistics are missing: raw rows would be scored unscaled.
RunRecord readRunRecord(const std::string &ckpt, const TrainConfig &cfg);

} // namespace nnc::rt::detail

#endif // NNC_LIB_RUNTIME_RUNRECORD_H
