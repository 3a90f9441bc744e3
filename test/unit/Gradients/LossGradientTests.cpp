//===- LossGradientTests.cpp - gradients of every loss and penalty --------===//
//
// Each loss of the dialect (besides cross_entropy and mse, covered in
// GradientTests.cpp) sits after a dense layer so that its adjoint reaches
// parameters; the compiled gradient is compared with central differences of
// an independent f64 evaluation written here from the PyTorch definitions
// (mean over all elements). l1/l2 penalties are added to an mse loss.
//
//===----------------------------------------------------------------------===//

#include "GradCheck.h"
#include "Reference.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace nnc::test;

namespace {

std::mt19937 lossRng(7);

/// Targets in {0, 1}.
Buffer binaryTargets(std::vector<int64_t> shape) {
  Buffer b = randomBuffer(lossRng, shape, 0, 1);
  for (float &v : b.f32)
    v = v < 0.5f ? 0.f : 1.f;
  return b;
}

const char *kLoss = R"mlir(
func.func @loss(%x: tensor<?x3xf32> {nn.input = "x"}, %t: tensor<?xOxf32> {nn.label = "t"},
                %w: tensor<Ox3xf32> {nn.param = #nn.param<"fc.weight", weight, he>},
                %b: tensor<Oxf32> {nn.param = #nn.param<"fc.bias", bias, zeros>})
    -> (tensor<f32> {nn.loss}) {
  %h = nn.dense %x, %w, %b : (tensor<?x3xf32>, tensor<Ox3xf32>, tensor<Oxf32>) -> tensor<?xOxf32>
  PRED
  %l = LOSS %p, %t ATTRS : tensor<?xOxf32>, tensor<?xOxf32>
  return %l : tensor<f32>
}
)mlir";

struct LossCase {
  const char *op, *attrs;
  bool probabilities; ///< the loss takes sigmoid(h), not h
  bool binary;        ///< targets in {0, 1}
  int outputs;        ///< units of the dense layer (perceptron: one score)
  std::function<double(double p, double t)> element;
};

TEST(LossGradients, EveryPairLoss) {
  auto sigmoid = [](double s) { return 1 / (1 + std::exp(-s)); };
  std::vector<LossCase> cases = {
      {"nn.mae_loss", "", false, false, 5,
       [](double p, double t) { return std::fabs(p - t); }},
      {"nn.huber_loss", "{delta = 0.5 : f32}", false, false, 5,
       [](double p, double t) {
         double d = std::fabs(p - t);
         return d < 0.5 ? 0.5 * d * d : 0.5 * (d - 0.25);
       }},
      {"nn.bce_loss", "", true, true, 5,
       [](double p, double t) {
         return -(t * std::max(std::log(p), -100.0) +
                  (1 - t) * std::max(std::log(1 - p), -100.0));
       }},
      {"nn.bce_logits_loss", "", false, true, 5,
       [](double s, double t) {
         return std::max(s, 0.0) - s * t + std::log1p(std::exp(-std::fabs(s)));
       }},
      {"nn.perceptron_loss", "", false, true, 1,
       [](double s, double y) { return std::max(0.0, -(2 * y - 1) * s); }},
  };
  for (const LossCase &lc : cases) {
    std::string pred = lc.probabilities
                           ? "%p = nn.sigmoid %h : tensor<?xOxf32>"
                           : "%p = nn.scale %h {factor = 1.0 : f32} : "
                             "tensor<?xOxf32>";
    std::string ir = replaceAll(
        replaceAll(replaceAll(replaceAll(kLoss, "PRED", pred), "LOSS", lc.op),
                   "ATTRS", lc.attrs),
        "xO", "x" + std::to_string(lc.outputs));
    ir = replaceAll(ir, "<O", "<" + std::to_string(lc.outputs));
    int o = lc.outputs;
    GradCase c{std::string(lc.op) + lc.attrs, ir, {}, {2, 3}, nullptr};
    c.args = {randomBuffer(lossRng, {4, 3}, -1, 1),
              lc.binary ? binaryTargets({4, o})
                        : randomBuffer(lossRng, {4, o}, -1, 1),
              randomBuffer(lossRng, {o, 3}, -1, 1),
              randomBuffer(lossRng, {o}, -0.5, 0.5)};
    auto element = lc.element;
    bool probabilities = lc.probabilities;
    c.reference = [=](const Values &v) {
      ref::Vec h = ref::dense(v[0], 4, 3, v[2], o, &v[3]);
      double sum = 0;
      for (size_t i = 0; i < h.size(); ++i)
        sum += element(probabilities ? sigmoid(h[i]) : h[i], v[1][i]);
      return sum / h.size();
    };
    checkGradients(c);
  }
}

const char *kPenalty = R"mlir(
func.func @loss(%x: tensor<?x3xf32> {nn.input = "x"}, %t: tensor<?x5xf32> {nn.label = "t"},
                %w: tensor<5x3xf32> {nn.param = #nn.param<"fc.weight", weight, he>},
                %b: tensor<5xf32> {nn.param = #nn.param<"fc.bias", bias, zeros>})
    -> (tensor<f32> {nn.loss}) {
  %h = nn.dense %x, %w, %b : (tensor<?x3xf32>, tensor<5x3xf32>, tensor<5xf32>) -> tensor<?x5xf32>
  %m = nn.mse_loss %h, %t : tensor<?x5xf32>, tensor<?x5xf32>
  %p = PENALTY %w, %b {weight = 0.3 : f32} : tensor<5x3xf32>, tensor<5xf32>
  %l = nn.add %m, %p : (tensor<f32>, tensor<f32>) -> tensor<f32>
  return %l : tensor<f32>
}
)mlir";

TEST(LossGradients, Penalties) {
  for (bool l1 : {true, false}) {
    std::string ir =
        replaceAll(kPenalty, "PENALTY", l1 ? "nn.l1_penalty" : "nn.l2_penalty");
    GradCase c{l1 ? "l1_penalty" : "l2_penalty", ir, {}, {2, 3}, nullptr};
    c.args = {randomBuffer(lossRng, {4, 3}, -1, 1),
              randomBuffer(lossRng, {4, 5}, -1, 1),
              randomBuffer(lossRng, {5, 3}, -1, 1),
              randomBuffer(lossRng, {5}, -0.5, 0.5)};
    c.reference = [=](const Values &v) {
      double loss = ref::mse(ref::dense(v[0], 4, 3, v[2], 5, &v[3]), v[1]);
      double penalty = 0;
      for (size_t k : {2, 3})
        for (double p : v[k])
          penalty += l1 ? std::fabs(p) : 0.5 * p * p;
      return loss + 0.3 * penalty;
    };
    checkGradients(c);
  }
}

} // namespace
