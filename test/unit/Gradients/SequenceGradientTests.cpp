//===- SequenceGradientTests.cpp - gradients of recurrent and attention ---===//
//
// Finite-difference checks (GradCheck.h) of backpropagation through time:
// rnn (tanh and relu), lstm and gru (PyTorch's, and ONNX's
// linear_before_reset = 0) over whole sequences of T = 4 steps and
// through `last`, each behind a dense input projection so that the layer's
// input gradient is checked as well; multi-head self-attention with and
// without the causal mask; and a small LSTM classifier with cross-entropy.
// References are the f64 layers of RefLayers.h.
//
//===----------------------------------------------------------------------===//

#include "GradCheck.h"
#include "RefLayers.h"

#include <gtest/gtest.h>

using namespace nnc::test;
using ref::Vec;

namespace {

std::mt19937 rng(11);

// x [N, 4, 3] -> dense(3) -> CELL(5) -> mse against every hidden state.
// GH is G * 5.
const char *kSequence = R"mlir(
func.func @loss(%x: tensor<?x4x3xf32> {nn.input = "x"}, %t: tensor<?x4x5xf32> {nn.label = "t"},
                %w0: tensor<3x3xf32> {nn.param = #nn.param<"proj.weight", weight, he>},
                %wi: tensor<GHx3xf32> {nn.param = #nn.param<"rnn.weight_ih_l0", weight, uniform>},
                %wh: tensor<GHx5xf32> {nn.param = #nn.param<"rnn.weight_hh_l0", weight, uniform>},
                %bi: tensor<GHxf32> {nn.param = #nn.param<"rnn.bias_ih_l0", bias, uniform>},
                %bh: tensor<GHxf32> {nn.param = #nn.param<"rnn.bias_hh_l0", bias, uniform>})
    -> (tensor<f32> {nn.loss}) {
  %p = nn.dense %x, %w0 : (tensor<?x4x3xf32>, tensor<3x3xf32>) -> tensor<?x4x3xf32>
  %h = CELL %p, %wi, %wh, %bi, %bh ATTRS : (tensor<?x4x3xf32>, tensor<GHx3xf32>, tensor<GHx5xf32>, tensor<GHxf32>, tensor<GHxf32>) -> tensor<?x4x5xf32>
  %l = nn.mse_loss %h, %t : tensor<?x4x5xf32>, tensor<?x4x5xf32>
  return %l : tensor<f32>
}
)mlir";

// x [N, 4, 3] -> dense(3) -> CELL(5) -> last -> dense(3) -> cross-entropy.
const char *kLast = R"mlir(
func.func @loss(%x: tensor<?x4x3xf32> {nn.input = "x"}, %y: tensor<?xi32> {nn.label = "y"},
                %w0: tensor<3x3xf32> {nn.param = #nn.param<"proj.weight", weight, he>},
                %wi: tensor<GHx3xf32> {nn.param = #nn.param<"rnn.weight_ih_l0", weight, uniform>},
                %wh: tensor<GHx5xf32> {nn.param = #nn.param<"rnn.weight_hh_l0", weight, uniform>},
                %bi: tensor<GHxf32> {nn.param = #nn.param<"rnn.bias_ih_l0", bias, uniform>},
                %bh: tensor<GHxf32> {nn.param = #nn.param<"rnn.bias_hh_l0", bias, uniform>},
                %fw: tensor<3x5xf32> {nn.param = #nn.param<"fc.weight", weight, he>},
                %fb: tensor<3xf32> {nn.param = #nn.param<"fc.bias", bias, zeros>})
    -> (tensor<f32> {nn.loss}) {
  %p = nn.dense %x, %w0 : (tensor<?x4x3xf32>, tensor<3x3xf32>) -> tensor<?x4x3xf32>
  %h = CELL %p, %wi, %wh, %bi, %bh ATTRS : (tensor<?x4x3xf32>, tensor<GHx3xf32>, tensor<GHx5xf32>, tensor<GHxf32>, tensor<GHxf32>) -> tensor<?x4x5xf32>
  %z = nn.last %h : (tensor<?x4x5xf32>) -> tensor<?x5xf32>
  %o = nn.dense %z, %fw, %fb : (tensor<?x5xf32>, tensor<3x5xf32>, tensor<3xf32>) -> tensor<?x3xf32>
  %l = nn.cross_entropy_loss %o, %y : tensor<?x3xf32>, tensor<?xi32>
  return %l : tensor<f32>
}
)mlir";

struct CellCase {
  const char *name, *op, *attrs;
  ref::CellKind kind;
  size_t gates;
};

const CellCase kCells[] = {
    {"rnn_tanh", "nn.rnn", "", ref::CellKind::RnnTanh, 1},
    {"rnn_relu", "nn.rnn", "{nonlinearity = #nn<nonlinearity relu>}",
     ref::CellKind::RnnRelu, 1},
    {"lstm", "nn.lstm", "", ref::CellKind::Lstm, 4},
    {"gru", "nn.gru", "", ref::CellKind::Gru, 3},
    {"gru_reset_first", "nn.gru", "{linear_before_reset = false}",
     ref::CellKind::GruResetFirst, 3},
};

std::string instantiate(const char *text, const CellCase &cell) {
  return replaceAll(
      replaceAll(replaceAll(text, "CELL", cell.op), "ATTRS", cell.attrs), "GH",
      std::to_string(cell.gates * 5));
}

/// The hidden states of the projected input, from the argument values.
Vec hiddenStates(const CellCase &cell, const Values &v, size_t n) {
  Vec p = ref::dense(v[0], n * 4, 3, v[2], 3, nullptr);
  return ref::recurrent(cell.kind, p, n, 4, 3, 5, v[3], v[4], v[5], v[6]);
}

std::vector<Buffer> cellArgs(const CellCase &cell, Buffer label) {
  int64_t gh = cell.gates * 5;
  return {randomBuffer(rng, {3, 4, 3}),
          std::move(label),
          randomBuffer(rng, {3, 3}),
          randomBuffer(rng, {gh, 3}, -0.6, 0.6),
          randomBuffer(rng, {gh, 5}, -0.6, 0.6),
          randomBuffer(rng, {gh}, -0.3, 0.3),
          randomBuffer(rng, {gh}, -0.3, 0.3)};
}

TEST(SequenceGradients, WholeSequence) {
  for (const CellCase &cell : kCells) {
    GradCase c{std::string(cell.name) + " sequence",
               instantiate(kSequence, cell),
               {},
               {2, 3, 4, 5, 6},
               nullptr};
    c.args = cellArgs(cell, randomBuffer(rng, {3, 4, 5}));
    c.reference = [cell](const Values &v) {
      return ref::mse(hiddenStates(cell, v, 3), v[1]);
    };
    checkGradients(c);
  }
}

TEST(SequenceGradients, LastStepClassifier) {
  // The LSTM case is the small LSTM classifier end to end.
  for (const CellCase &cell : kCells) {
    GradCase c{std::string(cell.name) + " last",
               instantiate(kLast, cell),
               {},
               {2, 3, 4, 5, 6, 7, 8},
               nullptr};
    c.args = cellArgs(cell, Buffer::ints({3}, {1, 0, 2}));
    c.args.push_back(randomBuffer(rng, {3, 5}));
    c.args.push_back(randomBuffer(rng, {3}));
    c.reference = [cell](const Values &v) {
      Vec last = ref::lastStep(hiddenStates(cell, v, 3), 3, 4, 5);
      return ref::crossEntropy(ref::dense(last, 3, 5, v[7], 3, &v[8]), 3, 3,
                               v[1]);
    };
    checkGradients(c);
  }
}

// x [N, 4, 4] -> dense(4) -> self_attention(2 heads) -> mse.
const char *kAttention = R"mlir(
func.func @loss(%x: tensor<?x4x4xf32> {nn.input = "x"}, %t: tensor<?x4x4xf32> {nn.label = "t"},
                %w0: tensor<4x4xf32> {nn.param = #nn.param<"proj.weight", weight, he>},
                %wi: tensor<12x4xf32> {nn.param = #nn.param<"attn.in_proj_weight", weight, xavier>},
                %bi: tensor<12xf32> {nn.param = #nn.param<"attn.in_proj_bias", bias, zeros>},
                %wo: tensor<4x4xf32> {nn.param = #nn.param<"attn.out_proj.weight", weight, xavier>},
                %bo: tensor<4xf32> {nn.param = #nn.param<"attn.out_proj.bias", bias, zeros>})
    -> (tensor<f32> {nn.loss}) {
  %p = nn.dense %x, %w0 : (tensor<?x4x4xf32>, tensor<4x4xf32>) -> tensor<?x4x4xf32>
  %a = nn.self_attention %p, %wi, %bi, %wo, %bo {heads = 2 : i64, causal = CAUSAL} : (tensor<?x4x4xf32>, tensor<12x4xf32>, tensor<12xf32>, tensor<4x4xf32>, tensor<4xf32>) -> tensor<?x4x4xf32>
  %l = nn.mse_loss %a, %t : tensor<?x4x4xf32>, tensor<?x4x4xf32>
  return %l : tensor<f32>
}
)mlir";

TEST(SequenceGradients, SelfAttention) {
  for (bool causal : {false, true}) {
    GradCase c{causal ? "causal attention" : "attention",
               replaceAll(kAttention, "CAUSAL", causal ? "true" : "false"),
               {},
               {2, 3, 4, 5, 6},
               nullptr};
    c.args = {randomBuffer(rng, {2, 4, 4}), randomBuffer(rng, {2, 4, 4}),
              randomBuffer(rng, {4, 4}),    randomBuffer(rng, {12, 4}),
              randomBuffer(rng, {12}),      randomBuffer(rng, {4, 4}),
              randomBuffer(rng, {4})};
    c.reference = [causal](const Values &v) {
      Vec p = ref::dense(v[0], 8, 4, v[2], 4, nullptr);
      return ref::mse(
          ref::selfAttention(p, 2, 4, 4, 2, causal, v[3], v[4], v[5], v[6]),
          v[1]);
    };
    checkGradients(c);
  }
}

} // namespace
