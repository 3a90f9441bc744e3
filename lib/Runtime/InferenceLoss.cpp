//===- InferenceLoss.cpp - The training objective in inference mode -------===//
//
// Parses the recipe's `loss_terms`, resolves each argument to a model output,
// the input or the label, and evaluates the terms on predict's outputs with
// the formulas of lib/Conversion/NNToLinalg/Losses.cpp: every loss is the
// mean over all elements (cross-entropy: over rows, logits [N, C] against
// class ids clamped to [0, C) or one-hot rows); bce clamps its logs at -100;
// l1 is lambda * sum |w|, l2 is lambda / 2 * sum w^2, not averaged.
// Accumulation is in double.
//
//===----------------------------------------------------------------------===//

#include "InferenceLoss.h"
#include "TrainInternal.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>

using namespace nnc::rt;
using namespace nnc::rt::detail;
using json = nlohmann::json;

namespace {

const char *const kSupported[] = {"mse",        "mae",           "huber", "bce",
                                  "bce_logits", "cross_entropy", "l1",    "l2"};

bool isPenalty(const std::string &kind) { return kind == "l1" || kind == "l2"; }

/// `name` as a loss operand of `lib`, or false.
bool resolve(const ModelLibrary &lib, const std::string &name,
             LossOperand &out) {
  auto perRow = [](const ModelTensor &t) {
    std::vector<int64_t> d;
    for (int64_t x : t.dims)
      if (x >= 0)
        d.push_back(x);
    return d;
  };
  const auto &outputs = lib.tensors(NNC_KIND_OUTPUT);
  for (size_t i = 0; i < outputs.size(); ++i)
    if (outputs[i].name == name && outputs[i].dtype == NNC_DTYPE_F32 &&
        outputs[i].hasBatch) {
      out = {LossOperand::Output, int(i), outputs[i].itemElements,
             perRow(outputs[i]), false};
      return true;
    }
  const auto &inputs = lib.tensors(NNC_KIND_INPUT);
  if (inputs.size() == 1 && inputs[0].name == name &&
      inputs[0].dtype == NNC_DTYPE_F32) {
    out = {LossOperand::Input, 0, inputs[0].itemElements, perRow(inputs[0]),
           false};
    return true;
  }
  const auto &labels = lib.tensors(NNC_KIND_LABEL);
  if (labels.size() == 1 && labels[0].name == name) {
    out = {LossOperand::Label, 0, labels[0].itemElements, perRow(labels[0]),
           labels[0].dtype == NNC_DTYPE_I32};
    return true;
  }
  return false;
}

} // namespace

InferenceLoss::InferenceLoss(const ModelLibrary &lib) {
  json r = json::parse(lib.recipeJson(), nullptr, false);
  if (!r.is_object()) {
    why = "the model has no recipe";
    return;
  }
  // Without the key (a library from an older nnc, or written by hand) the
  // grads entry is all there is: keep using it.
  dependent = r.contains("mode_dependent") &&
              r["mode_dependent"].is_boolean() &&
              r["mode_dependent"].get<bool>();
  if (!r.contains("loss_terms") || !r["loss_terms"].is_array() ||
      r["loss_terms"].empty()) {
    why = "the model's recipe does not describe its loss (compiled by an "
          "older nnc?)";
    return;
  }
  for (const json &t : r["loss_terms"]) {
    if (!t.is_object() || !t.contains("kind") || !t["kind"].is_string()) {
      why = "malformed loss_terms in the recipe";
      return;
    }
    Resolved res;
    LossTerm &term = res.term;
    term.kind = t["kind"].get<std::string>();
    auto number = [&](const char *key, double fallback) {
      return t.contains(key) && t[key].is_number() ? t[key].get<double>()
                                                   : fallback;
    };
    term.scale = number("scale", 1.0);
    if (std::find(std::begin(kSupported), std::end(kSupported), term.kind) ==
        std::end(kSupported)) {
      why = "the loss '" + term.kind +
            "' is not evaluated on predict's "
            "outputs";
      return;
    }
    if (isPenalty(term.kind)) {
      term.lambda = number("lambda", 0.0);
      if (t.contains("weights") && t["weights"].is_array())
        for (const json &w : t["weights"])
          if (w.is_string())
            term.weights.push_back(w.get<std::string>());
      terms.push_back(std::move(res));
      continue;
    }
    term.delta = number("delta", 1.0);
    if (number("label_smoothing", 0.0) != 0.0) {
      why = "label smoothing is not evaluated on predict's outputs";
      return;
    }
    auto name = [&](const char *key) {
      return t.contains(key) && t[key].is_string() ? t[key].get<std::string>()
                                                   : std::string();
    };
    term.pred = name(term.kind == "cross_entropy" ? "logits" : "pred");
    term.target = name("target");
    if (!resolve(lib, term.pred, res.pred) ||
        !resolve(lib, term.target, res.target)) {
      why = "the loss '" + term.kind + "' names '" + term.pred + "' and '" +
            term.target + "', not outputs, the input or the label";
      return;
    }
    bool sameSize = res.pred.rowElements == res.target.rowElements;
    bool classIds = term.kind == "cross_entropy" && res.target.isInt &&
                    res.target.rowElements == 1 && res.pred.dims.size() == 1;
    if ((!sameSize && !classIds) || (res.pred.isInt && !classIds) ||
        (term.kind == "cross_entropy" && res.pred.dims.size() != 1) ||
        (res.target.isInt && !classIds)) {
      why = "the operands of '" + term.kind +
            "' have shapes the host "
            "evaluation does not handle";
      return;
    }
    terms.push_back(std::move(res));
  }
  ok = true;
}

double InferenceLoss::penalty(const ModelInstance &model) const {
  double total = 0;
  const auto &params = model.library().tensors(NNC_KIND_PARAM);
  std::vector<std::vector<char>> values;
  for (const Resolved &r : terms) {
    if (!isPenalty(r.term.kind))
      continue;
    if (values.empty())
      values = need(model.readAll(NNC_KIND_PARAM));
    double sum = 0;
    for (const std::string &w : r.term.weights)
      for (size_t i = 0; i < params.size(); ++i) {
        if (params[i].name != w || params[i].dtype != NNC_DTYPE_F32)
          continue;
        size_t n = values[i].size() / sizeof(float);
        std::vector<float> v(n);
        std::memcpy(v.data(), values[i].data(), n * sizeof(float));
        for (float x : v)
          sum += r.term.kind == "l2" ? double(x) * x : std::fabs(double(x));
      }
    double weight = r.term.kind == "l2" ? r.term.lambda / 2 : r.term.lambda;
    total += r.term.scale * weight * sum;
  }
  return total;
}

double
InferenceLoss::batchLoss(int64_t rows, const float *features,
                         const void *labels,
                         const std::vector<std::vector<float>> &outputs) const {
  auto floats = [&](const LossOperand &o) -> const float * {
    switch (o.source) {
    case LossOperand::Output:
      return outputs[size_t(o.index)].data();
    case LossOperand::Input:
      return features;
    case LossOperand::Label:
      return static_cast<const float *>(labels);
    }
    return nullptr;
  };
  double total = 0;
  for (const Resolved &r : terms) {
    const std::string &kind = r.term.kind;
    if (isPenalty(kind))
      continue;
    const float *x = floats(r.pred);
    double sum = 0;
    double count = double(rows) * double(r.pred.rowElements);
    if (kind == "cross_entropy") {
      int64_t c = r.pred.rowElements;
      for (int64_t n = 0; n < rows; ++n) {
        const float *row = x + n * c;
        double m = *std::max_element(row, row + c);
        double s = 0;
        for (int64_t j = 0; j < c; ++j)
          s += std::exp(double(row[j]) - m);
        double lse = m + std::log(s);
        if (r.target.isInt) {
          int32_t y = static_cast<const int32_t *>(labels)[n];
          y = std::min<int32_t>(std::max<int32_t>(y, 0), int32_t(c - 1));
          sum += lse - row[y];
        } else {
          const float *t = floats(r.target) + n * c;
          for (int64_t j = 0; j < c; ++j)
            sum += double(t[j]) * (lse - row[j]);
        }
      }
      count = double(rows);
    } else {
      const float *y = floats(r.target);
      int64_t n = rows * r.pred.rowElements;
      double delta = r.term.delta;
      for (int64_t i = 0; i < n; ++i) {
        double p = x[i], t = y[i], d = p - t;
        if (kind == "mse")
          sum += d * d;
        else if (kind == "mae")
          sum += std::fabs(d);
        else if (kind == "huber")
          sum += std::fabs(d) < delta ? 0.5 * d * d
                                      : delta * (std::fabs(d) - 0.5 * delta);
        else if (kind == "bce")
          sum -= t * std::max(std::log(p), -100.0) +
                 (1 - t) * std::max(std::log(1 - p), -100.0);
        else if (kind == "bce_logits")
          sum += std::max(p, 0.0) - p * t + std::log1p(std::exp(-std::fabs(p)));
      }
    }
    total += r.term.scale * sum / count;
  }
  return total;
}
