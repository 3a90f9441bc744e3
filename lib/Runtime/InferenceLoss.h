//===- InferenceLoss.h - The training objective in inference mode -*- C++
//-*-===//
//
// Private to lib/Runtime. Validation and `nnc eval` report the loss of the
// train section on the outputs of the model's predict entry, which runs in
// inference mode (dropout off, batchnorm with its running statistics), like
// PyTorch's `model.eval()`. The compiled `grads` entry would run the forward
// pass in training mode, so the loss is evaluated here, on the host, from the
// terms MLIRGen records in the recipe (`loss_terms`), with the formulas of
// the nn dialect's losses and penalties (dialects/NN/README.md).
//
//===----------------------------------------------------------------------===//
#ifndef NNC_LIB_RUNTIME_INFERENCELOSS_H
#define NNC_LIB_RUNTIME_INFERENCELOSS_H

#include "nnc/Runtime/ModelLibrary.h"

#include <string>
#include <vector>

namespace nnc::rt::detail {

/// One term of the objective: `scale * kind(pred, target)` or
/// `scale * penalty(lambda)` over the named weights.
struct LossTerm {
  std::string kind;
  double scale = 1.0;
  std::string pred, target;         ///< names of outputs, inputs or targets
  double delta = 1.0;               ///< huber
  double lambda = 0.0;              ///< l1, l2
  std::vector<std::string> weights; ///< l1, l2: penalised parameters
};

/// Where a loss argument comes from.
struct LossOperand {
  enum Source { Output, Input, Label } source = Output;
  int index = 0;             ///< output index (Output)
  int64_t rowElements = 0;   ///< elements per batch row
  std::vector<int64_t> dims; ///< per-row shape
  bool isInt = false;        ///< i32 class ids (Label only)
};

/// The objective of a model's train section, evaluated on predict's outputs.
class InferenceLoss {
public:
  /// Reads `loss_terms` from the model's recipe and resolves the names.
  /// When the terms are missing or one cannot be evaluated on the host
  /// (perceptron: it is defined on the scores before a final step),
  /// `available()` is false and `reason()` says why.
  explicit InferenceLoss(const ModelLibrary &lib);

  bool available() const { return ok; }
  const std::string &reason() const { return why; }
  /// True when training mode differs from inference mode (dropout or
  /// batchnorm): then `grads` cannot stand in for an unavailable loss.
  bool modeDependent() const { return dependent; }

  /// True when evaluate() can report a loss for `lib`: on the host, or
  /// through `grads` when training and inference modes agree.
  bool measurable(const ModelLibrary &lib) const {
    return !lib.tensors(NNC_KIND_LABEL).empty() &&
           (ok || (!dependent && lib.hasEntry(NNC_ENTRY_GRADS)));
  }

  /// Sums the penalties on `model`'s current parameters (once per
  /// evaluation; they do not depend on the batch).
  double penalty(const ModelInstance &model) const;

  /// The mean data terms on one batch of `rows` rows: `features` (the one
  /// input), `labels` (the label tensor's bytes) and predict's `outputs`.
  double batchLoss(int64_t rows, const float *features, const void *labels,
                   const std::vector<std::vector<float>> &outputs) const;

private:
  struct Resolved {
    LossTerm term;
    LossOperand pred, target;
  };
  std::vector<Resolved> terms;
  bool ok = false;
  bool dependent = false;
  std::string why;
};

} // namespace nnc::rt::detail

#endif // NNC_LIB_RUNTIME_INFERENCELOSS_H
