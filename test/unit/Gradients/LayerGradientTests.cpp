//===- LayerGradientTests.cpp - gradients of windowed and table layers ----===//
//
// Finite-difference checks (GradCheck.h) of conv2d over several
// stride/padding/dilation combinations, max and average pooling with
// padding, embedding, layer and batch normalisation, and a small CNN
// classifier with cross-entropy, each against an f64 reference written in
// plain C++ (RefLayers.h). Where a layer's input gradient is under test the
// input is itself a weight argument (static batch), so that its gradient is
// returned and checked too.
//
//===----------------------------------------------------------------------===//

#include "GradCheck.h"
#include "RefLayers.h"

#include <gtest/gtest.h>

#include <numeric>
#include <sstream>

using namespace nnc::test;
using ref::Vec;

namespace {

std::mt19937 rng(7);

/// Distinct values (a shuffled ramp with steps of 0.05): no ties in a
/// max-pooling window, and every pair farther apart than any perturbation.
Buffer distinct(std::vector<int64_t> shape) {
  std::vector<float> v(numel(shape));
  for (size_t i = 0; i < v.size(); ++i)
    v[i] = -1.0f + 0.05f * float(i);
  std::shuffle(v.begin(), v.end(), rng);
  return Buffer::floats(shape, v);
}

/// "tensor<2x3x5x5xf32>" from a shape (-1 for the dynamic batch).
std::string tensorOf(const std::vector<int64_t> &shape) {
  std::ostringstream os;
  os << "tensor<";
  for (int64_t d : shape) {
    if (d < 0)
      os << "?";
    else
      os << d;
    os << "x";
  }
  os << "f32>";
  return os.str();
}

std::string i64Array(const std::vector<size_t> &v) {
  std::ostringstream os;
  os << "array<i64: ";
  for (size_t i = 0; i < v.size(); ++i)
    os << (i ? ", " : "") << v[i];
  os << ">";
  return os.str();
}

ref::Image image(const Vec &data, const std::vector<int64_t> &shape) {
  return {size_t(shape[0]), size_t(shape[1]), size_t(shape[2]),
          size_t(shape[3]), data};
}

struct ConvConfig {
  std::vector<int64_t> x; // [N, C, H, W]
  size_t o;
  ref::Window win;
  bool bias;
};

TEST(LayerGradients, Conv2D) {
  std::vector<ConvConfig> configs = {
      {{2, 3, 5, 5}, 4, {3, 3, 1, 1, 1, 1, 1, 1}, true}, // same
      {{2, 2, 7, 6},
       3,
       {3, 3, 2, 2, 1, 0, 0, 1},
       true}, // stride 2, asymmetric pad
      {{1, 2, 7, 7}, 2, {2, 3, 2, 1, 0, 0, 0, 0, 2, 2}, false}, // dilation 2
      {{2, 2, 6, 5},
       3,
       {3, 2, 3, 2, 2, 1, 1, 2, 1, 2},
       true}, // stride 3, dil (1, 2)
      {{1, 3, 4, 4},
       2,
       {1, 1, 2, 2, 1, 1, 1, 1},
       false}, // 1x1, pad > dil (k - 1)
  };
  for (const ConvConfig &cfg : configs) {
    const ref::Window &w = cfg.win;
    std::vector<int64_t> wShape = {int64_t(cfg.o), cfg.x[1], int64_t(w.kh),
                                   int64_t(w.kw)};
    std::vector<int64_t> yShape = {cfg.x[0], int64_t(cfg.o),
                                   int64_t(w.outH(cfg.x[2])),
                                   int64_t(w.outW(cfg.x[3]))};
    std::string bArg =
        cfg.bias
            ? ", %b: tensor<" + std::to_string(cfg.o) +
                  "xf32> {nn.param = #nn.param<\"conv.bias\", bias, zeros>}"
            : "";
    std::string ir =
        "func.func @loss(%x: " + tensorOf(cfg.x) +
        " {nn.param = #nn.param<\"x\", weight, zeros>}, %t: " +
        tensorOf(yShape) + " {nn.label = \"t\"}, %w: " + tensorOf(wShape) +
        " {nn.param = #nn.param<\"conv.weight\", weight, he>}" + bArg +
        ") -> (tensor<f32> {nn.loss}) {\n  %y = nn.conv2d %x, %w" +
        (cfg.bias ? ", %b" : "") + " {strides = " + i64Array({w.sh, w.sw}) +
        ", padding = " + i64Array({w.pt, w.pl, w.pb, w.pr}) +
        ", dilations = " + i64Array({w.dh, w.dw}) + "} : (" + tensorOf(cfg.x) +
        ", " + tensorOf(wShape) +
        (cfg.bias ? ", tensor<" + std::to_string(cfg.o) + "xf32>" : "") +
        ") -> " + tensorOf(yShape) +
        "\n  %l = nn.mse_loss %y, %t : " + tensorOf(yShape) + ", " +
        tensorOf(yShape) + "\n  return %l : tensor<f32>\n}\n";
    // Both lowerings: one matmul per image (CPU) and one over the batch.
    for (bool perImage : {true, false}) {
      GradCase c{"conv2d x" + tensorOf(cfg.x) + " w" + tensorOf(wShape) +
                     (perImage ? " per image" : " whole batch"),
                 ir,
                 {},
                 {0, 2},
                 nullptr};
      c.perImageConvolutions = perImage;
      c.args = {randomBuffer(rng, cfg.x), randomBuffer(rng, yShape),
                randomBuffer(rng, wShape)};
      if (cfg.bias) {
        c.args.push_back(randomBuffer(rng, {int64_t(cfg.o)}));
        c.params.push_back(3);
      }
      c.reference = [cfg](const Values &v) {
        const Vec *b = cfg.bias ? &v[3] : nullptr;
        ref::Image y = ref::conv2d(image(v[0], cfg.x), v[2], cfg.o, b, cfg.win);
        return ref::mse(y.data, v[1]);
      };
      checkGradients(c);
    }
  }
}

struct PoolConfig {
  std::vector<int64_t> x;
  ref::Window win;
  bool isMax;
  /// avgpool's divisor_padding (count_include_pad: the declared padding).
  std::array<size_t, 4> counted = {0, 0, 0, 0};
};

TEST(LayerGradients, Pooling) {
  std::vector<PoolConfig> configs = {
      {{2, 2, 6, 6}, {2, 2, 2, 2}, true},
      {{2, 2, 5, 5}, {3, 3, 2, 2, 1, 1, 1, 1}, true},
      {{1, 3, 5, 4}, {2, 3, 1, 2, 1, 0, 0, 1}, true},
      // Windows that leave the last row uncovered (4 rows, kernel 3, stride
      // 2): its gradient is 0 (fuzz seed 116233).
      {{2, 19, 4, 7}, {3, 3, 2, 2}, true},
      {{2, 2, 6, 6}, {2, 2, 2, 2}, false},
      {{2, 2, 5, 5}, {3, 3, 2, 2, 1, 1, 1, 1}, false},
      {{1, 3, 5, 4}, {2, 3, 1, 2, 1, 0, 0, 1}, false},
      // Dilated max windows (2, 3), with padding.
      {{1, 2, 7, 7}, {3, 2, 1, 2, 1, 0, 1, 1, 2, 3}, true},
      // ceil_mode as the front end writes it: 7 rows, kernel 2, stride 2
      // -> 4 windows, the bottom/right one padded by a cell.
      {{2, 2, 7, 7}, {2, 2, 2, 2, 0, 0, 1, 1}, true},
      {{2, 2, 7, 7}, {2, 2, 2, 2, 0, 0, 1, 1}, false},
      // count_include_pad: the declared padding counts, the ceil cell not.
      {{2, 2, 6, 6}, {3, 3, 2, 2, 1, 1, 2, 2}, false, {1, 1, 1, 1}},
      {{1, 3, 5, 4}, {2, 3, 1, 2, 1, 0, 0, 1}, false, {1, 0, 0, 1}},
  };
  for (const PoolConfig &cfg : configs) {
    const ref::Window &w = cfg.win;
    std::vector<int64_t> yShape = {cfg.x[0], cfg.x[1],
                                   int64_t(w.outH(cfg.x[2])),
                                   int64_t(w.outW(cfg.x[3]))};
    std::string ir =
        "func.func @loss(%x: " + tensorOf(cfg.x) +
        " {nn.param = #nn.param<\"x\", weight, zeros>}, %t: " +
        tensorOf(yShape) +
        " {nn.label = \"t\"}) -> (tensor<f32> {nn.loss}) {\n  %y = " +
        (cfg.isMax ? "nn.maxpool2d" : "nn.avgpool2d") +
        " %x {kernel = " + i64Array({w.kh, w.kw}) +
        ", strides = " + i64Array({w.sh, w.sw}) +
        ", padding = " + i64Array({w.pt, w.pl, w.pb, w.pr}) +
        (cfg.isMax ? ", dilations = " + i64Array({w.dh, w.dw})
                   : ", divisor_padding = " +
                         i64Array({cfg.counted[0], cfg.counted[1],
                                   cfg.counted[2], cfg.counted[3]})) +
        "} : (" + tensorOf(cfg.x) + ") -> " + tensorOf(yShape) +
        "\n  %l = nn.mse_loss %y, %t : " + tensorOf(yShape) + ", " +
        tensorOf(yShape) + "\n  return %l : tensor<f32>\n}\n";
    GradCase c{std::string(cfg.isMax ? "maxpool " : "avgpool ") +
                   i64Array({w.kh, w.kw, w.sh, w.sw, w.pt, w.pl, w.pb, w.pr,
                             w.dh, w.dw, cfg.counted[0], cfg.counted[1],
                             cfg.counted[2], cfg.counted[3]}),
               ir,
               {},
               {0},
               nullptr};
    c.args = {distinct(cfg.x), randomBuffer(rng, yShape)};
    c.reference = [cfg](const Values &v) {
      return ref::mse(
          ref::pool2d(image(v[0], cfg.x), cfg.win, cfg.isMax, cfg.counted).data,
          v[1]);
    };
    checkGradients(c);
  }
}

const char *kEmbedding = R"mlir(
func.func @loss(%ids: tensor<?x4xi32> {nn.input = "ids"}, %t: tensor<?x4x2xf32> {nn.label = "t"},
                %table: tensor<6x3xf32> {nn.param = #nn.param<"emb.weight", weight, normal>},
                %w: tensor<2x3xf32> {nn.param = #nn.param<"fc.weight", weight, he>},
                %b: tensor<2xf32> {nn.param = #nn.param<"fc.bias", bias, zeros>})
    -> (tensor<f32> {nn.loss}) {
  %e = nn.embedding %ids, %table : (tensor<?x4xi32>, tensor<6x3xf32>) -> tensor<?x4x3xf32>
  %y = nn.dense %e, %w, %b : (tensor<?x4x3xf32>, tensor<2x3xf32>, tensor<2xf32>) -> tensor<?x4x2xf32>
  %a = nn.tanh %y : tensor<?x4x2xf32>
  %l = nn.mse_loss %a, %t : tensor<?x4x2xf32>, tensor<?x4x2xf32>
  return %l : tensor<f32>
}
)mlir";

TEST(LayerGradients, Embedding) {
  // Repeated ids (1, 4), an unused row (2, 5), and out-of-range ids that
  // the forward clamps to rows 0 and 5.
  GradCase c{"embedding", kEmbedding, {}, {2, 3, 4}, nullptr};
  c.args = {Buffer::ints({3, 4}, {1, 4, 1, 0, 3, 4, 4, 1, -2, 9, 0, 3}),
            randomBuffer(rng, {3, 4, 2}), randomBuffer(rng, {6, 3}),
            randomBuffer(rng, {2, 3}), randomBuffer(rng, {2})};
  c.reference = [](const Values &v) {
    Vec e = ref::embedding(v[0], v[2], 6, 3);
    Vec y = ref::map(ref::dense(e, 12, 3, v[3], 2, &v[4]),
                     [](double x) { return std::tanh(x); });
    return ref::mse(y, v[1]);
  };
  checkGradients(c);
}

TEST(LayerGradients, EmbeddingNegativeFromEnd) {
  // ONNX's negative indices: -1 is row 5, -6 row 0, -3 row 3; -9 and 8
  // still clamp (to rows 0 and 5); row 4 is read only through -2.
  std::string ir =
      replaceAll(kEmbedding, "nn.embedding %ids, %table :",
                 "nn.embedding %ids, %table {negative_from_end = true} :");
  GradCase c{"embedding negative_from_end", ir, {}, {2, 3, 4}, nullptr};
  c.args = {Buffer::ints({3, 4}, {-1, -6, 1, -3, -2, 8, -9, 1, 0, -1, 2, -2}),
            randomBuffer(rng, {3, 4, 2}), randomBuffer(rng, {6, 3}),
            randomBuffer(rng, {2, 3}), randomBuffer(rng, {2})};
  c.reference = [](const Values &v) {
    Vec e = ref::embedding(v[0], v[2], 6, 3, /*fromEnd=*/true);
    Vec y = ref::map(ref::dense(e, 12, 3, v[3], 2, &v[4]),
                     [](double x) { return std::tanh(x); });
    return ref::mse(y, v[1]);
  };
  checkGradients(c);
}

const char *kLayerNorm = R"mlir(
func.func @loss(%x: tensor<?x3x4xf32> {nn.input = "x"}, %t: tensor<?x3x4xf32> {nn.label = "t"},
                %w: tensor<4x4xf32> {nn.param = #nn.param<"fc.weight", weight, he>},
                %g: tensor<4xf32> {nn.param = #nn.param<"ln.weight", weight, ones>},
                %b: tensor<4xf32> {nn.param = #nn.param<"ln.bias", bias, zeros>})
    -> (tensor<f32> {nn.loss}) {
  %h = nn.dense %x, %w : (tensor<?x3x4xf32>, tensor<4x4xf32>) -> tensor<?x3x4xf32>
  %y = nn.layernorm %h, %g, %b : (tensor<?x3x4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<?x3x4xf32>
  %l = nn.mse_loss %y, %t : tensor<?x3x4xf32>, tensor<?x3x4xf32>
  return %l : tensor<f32>
}
)mlir";

TEST(LayerGradients, LayerNorm) {
  GradCase c{"layernorm", kLayerNorm, {}, {2, 3, 4}, nullptr};
  c.args = {randomBuffer(rng, {2, 3, 4}), randomBuffer(rng, {2, 3, 4}),
            randomBuffer(rng, {4, 4}), randomBuffer(rng, {4}, 0.5, 1.5),
            randomBuffer(rng, {4})};
  c.reference = [](const Values &v) {
    Vec h = ref::dense(v[0], 6, 4, v[2], 4, nullptr);
    return ref::mse(ref::layerNorm(h, 4, v[3], v[4]), v[1]);
  };
  checkGradients(c);
}

// A layer norm on the model's input feeding a dense layer: no input
// gradient, so nnc-layernorm-param-grads derives the gamma, beta and weight
// gradients from sum_rows G^T xhat instead of the product G W (rows of
// [N, 3, 4] and of [N, 4]).
const char *kLayerNormOnInput = R"mlir(
func.func @loss(%x: tensor<?x3x4xf32> {nn.input = "x"}, %t: tensor<?x3x5xf32> {nn.label = "t"},
                %g: tensor<4xf32> {nn.param = #nn.param<"ln.weight", weight, ones>},
                %b: tensor<4xf32> {nn.param = #nn.param<"ln.bias", bias, zeros>},
                %w: tensor<5x4xf32> {nn.param = #nn.param<"fc.weight", weight, he>},
                %c: tensor<5xf32> {nn.param = #nn.param<"fc.bias", bias, zeros>})
    -> (tensor<f32> {nn.loss}) {
  %n = nn.layernorm %x, %g, %b : (tensor<?x3x4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<?x3x4xf32>
  %y = nn.dense %n, %w, %c : (tensor<?x3x4xf32>, tensor<5x4xf32>, tensor<5xf32>) -> tensor<?x3x5xf32>
  %l = nn.mse_loss %y, %t : tensor<?x3x5xf32>, tensor<?x3x5xf32>
  return %l : tensor<f32>
}
)mlir";

TEST(LayerGradients, LayerNormOnInput) {
  for (bool rows3 : {true, false}) {
    std::string ir = kLayerNormOnInput;
    if (!rows3)
      ir = replaceAll(replaceAll(ir, "?x3x4", "?x4"), "?x3x5", "?x5");
    GradCase c{rows3 ? "layernorm on input [N, 3, 4]"
                     : "layernorm on input [N, 4]",
               ir,
               {},
               {2, 3, 4, 5},
               nullptr};
    std::vector<int64_t> x{2, 3, 4}, t{2, 3, 5};
    if (!rows3)
      x = {6, 4}, t = {6, 5};
    c.args = {randomBuffer(rng, x),
              randomBuffer(rng, t),
              randomBuffer(rng, {4}, 0.5, 1.5),
              randomBuffer(rng, {4}),
              randomBuffer(rng, {5, 4}),
              randomBuffer(rng, {5})};
    c.reference = [](const Values &v) {
      Vec n = ref::layerNorm(v[0], 4, v[2], v[3]);
      return ref::mse(ref::dense(n, 6, 4, v[4], 5, &v[5]), v[1]);
    };
    checkGradients(c);
  }
}

// conv -> batchnorm_train -> relu -> maxpool -> flatten -> dense -> CE.
const char *kCnn = R"mlir(
func.func @loss(%x: tensor<?x1x6x6xf32> {nn.input = "image"}, %y: tensor<?xi32> {nn.label = "y"},
                %cw: tensor<4x1x3x3xf32> {nn.param = #nn.param<"conv1.weight", weight, he>},
                %cb: tensor<4xf32> {nn.param = #nn.param<"conv1.bias", bias, zeros>},
                %g: tensor<4xf32> {nn.param = #nn.param<"bn1.weight", weight, ones>},
                %be: tensor<4xf32> {nn.param = #nn.param<"bn1.bias", bias, zeros>},
                %rm: tensor<4xf32> {nn.param = #nn.param<"bn1.running_mean", buffer, zeros>},
                %rv: tensor<4xf32> {nn.param = #nn.param<"bn1.running_var", buffer, ones>},
                %fw: tensor<3x36xf32> {nn.param = #nn.param<"fc.weight", weight, he>},
                %fb: tensor<3xf32> {nn.param = #nn.param<"fc.bias", bias, zeros>})
    -> (tensor<f32> {nn.loss}) {
  %c = nn.conv2d %x, %cw, %cb {padding = array<i64: 1, 1, 1, 1>} : (tensor<?x1x6x6xf32>, tensor<4x1x3x3xf32>, tensor<4xf32>) -> tensor<?x4x6x6xf32>
  %n, %m1, %v1 = nn.batchnorm_train %c, %g, %be, %rm, %rv : (tensor<?x4x6x6xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) -> (tensor<?x4x6x6xf32>, tensor<4xf32>, tensor<4xf32>)
  %r = nn.relu %n : tensor<?x4x6x6xf32>
  %p = nn.maxpool2d %r {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>} : (tensor<?x4x6x6xf32>) -> tensor<?x4x3x3xf32>
  %f = nn.flatten %p : (tensor<?x4x3x3xf32>) -> tensor<?x36xf32>
  %o = nn.dense %f, %fw, %fb : (tensor<?x36xf32>, tensor<3x36xf32>, tensor<3xf32>) -> tensor<?x3xf32>
  %l = nn.cross_entropy_loss %o, %y : tensor<?x3xf32>, tensor<?xi32>
  return %l : tensor<f32>
}
)mlir";

TEST(LayerGradients, SmallCnnCrossEntropy) {
  GradCase c{"cnn", kCnn, {}, {2, 3, 4, 5, 8, 9}, nullptr};
  c.args = {distinct({3, 1, 6, 6}),           Buffer::ints({3}, {2, 0, 1}),
            randomBuffer(rng, {4, 1, 3, 3}),  randomBuffer(rng, {4}),
            randomBuffer(rng, {4}, 0.5, 1.5), randomBuffer(rng, {4}),
            randomBuffer(rng, {4}, 0, 0),     randomBuffer(rng, {4}, 1, 1),
            randomBuffer(rng, {3, 36}),       randomBuffer(rng, {3})};
  c.reference = [](const Values &v) {
    ref::Image h = ref::conv2d(image(v[0], {3, 1, 6, 6}), v[2], 4, &v[3],
                               {3, 3, 1, 1, 1, 1, 1, 1});
    h = ref::batchNormTrain(h, v[4], v[5]);
    h.data = ref::map(h.data, [](double x) { return std::max(x, 0.0); });
    ref::Image p = ref::pool2d(h, {2, 2, 2, 2}, true);
    return ref::crossEntropy(ref::dense(p.data, 3, 36, v[8], 3, &v[9]), 3, 3,
                             v[1]);
  };
  checkGradients(c);
}

// conv (1x1, padded) -> sigmoid -> max pooling whose windows overlap and
// leave the last row uncovered (fuzz seed 116233): the sigmoid, fused into
// the pooling's chunks, was computed for the 3 rows the windows read only,
// and its gradient read the 4th row unwritten (NaN gradients). Also without
// the sigmoid (the pooling reads the convolution's output).
const char *kConvSigmoidPool = R"mlir(
func.func @loss(%x: tensor<?x1x2x5xf32> {nn.input = "image"}, %t: tensor<?x19x1x3xf32> {nn.label = "t"},
                %cw: tensor<19x1x1x1xf32> {nn.param = #nn.param<"conv1.weight", weight, he>},
                %cb: tensor<19xf32> {nn.param = #nn.param<"conv1.bias", bias, zeros>})
    -> (tensor<f32> {nn.loss}) {
  %c = nn.conv2d %x, %cw, %cb {padding = array<i64: 1, 1, 1, 1>} : (tensor<?x1x2x5xf32>, tensor<19x1x1x1xf32>, tensor<19xf32>) -> tensor<?x19x4x7xf32>
  %s = nn.sigmoid %c : tensor<?x19x4x7xf32>
  %p = nn.maxpool2d %s {kernel = array<i64: 3, 3>, strides = array<i64: 2, 2>} : (tensor<?x19x4x7xf32>) -> tensor<?x19x1x3xf32>
  %l = nn.mse_loss %p, %t : tensor<?x19x1x3xf32>, tensor<?x19x1x3xf32>
  return %l : tensor<f32>
}
)mlir";

TEST(LayerGradients, ConvSigmoidOverlappingMaxPool) {
  for (bool sigmoid : {true, false}) {
    std::string ir = kConvSigmoidPool;
    if (!sigmoid)
      ir = replaceAll(
          replaceAll(ir, "  %s = nn.sigmoid %c : tensor<?x19x4x7xf32>\n", ""),
          "nn.maxpool2d %s", "nn.maxpool2d %c");
    GradCase c{sigmoid ? "conv sigmoid maxpool" : "conv maxpool",
               ir,
               {},
               {2, 3},
               nullptr};
    c.args = {randomBuffer(rng, {2, 1, 2, 5}), randomBuffer(rng, {2, 19, 1, 3}),
              randomBuffer(rng, {19, 1, 1, 1}), randomBuffer(rng, {19})};
    c.reference = [sigmoid](const Values &v) {
      ref::Image h = ref::conv2d(image(v[0], {2, 1, 2, 5}), v[2], 19, &v[3],
                                 {1, 1, 1, 1, 1, 1, 1, 1});
      if (sigmoid)
        h.data =
            ref::map(h.data, [](double x) { return 1 / (1 + std::exp(-x)); });
      ref::Image p = ref::pool2d(h, {3, 3, 2, 2}, true);
      return ref::mse(p.data, v[1]);
    };
    checkGradients(c);
  }
}

} // namespace

// maxpool with tied maxima: finite differences cannot see a tie, so this
// checks the compiled gradient exactly. Each 2x2 window's gradient goes to
// its first maximum in row-major order (as PyTorch), never to every tied
// cell (which would multiply it by the number of ties).
const char *kPoolTies = R"mlir(
func.func @loss(%x: tensor<1x1x4x4xf32> {nn.param = #nn.param<"x", weight, zeros>},
                %t: tensor<1x1x2x2xf32> {nn.label = "t"})
    -> (tensor<f32> {nn.loss}) {
  %y = nn.maxpool2d %x {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>, padding = array<i64: 0, 0, 0, 0>} : (tensor<1x1x4x4xf32>) -> tensor<1x1x2x2xf32>
  %l = nn.mse_loss %y, %t : tensor<1x1x2x2xf32>, tensor<1x1x2x2xf32>
  return %l : tensor<f32>
}
)mlir";

TEST(LayerGradients, MaxPoolTiesGoToTheFirstMaximum) {
  std::unique_ptr<Compiled> k = compile(kPoolTies);
  ASSERT_NE(k, nullptr);
  // Windows (row-major): all four equal; tie on the 2nd and 4th cell; a
  // single maximum at the 3rd; tie on the 1st and 3rd.
  Buffer x = Buffer::floats({1, 1, 4, 4}, {1, 1, 0, 5, //
                                           1, 1, 2, 5, //
                                           0, 1, 3, 0, //
                                           9, 1, 3, 1});
  Buffer t = Buffer::floats({1, 1, 2, 2}, {0, 0, 0, 0});
  Buffer loss = Buffer::floats({}, {0.f});
  Buffer g = Buffer::floats({1, 1, 4, 4}, std::vector<float>(16, -7.f));
  ASSERT_TRUE(k->call("grads", {&x, &t, &loss, &g}));
  // y = [1, 5, 9, 3]; dL/dy = 2 y / 4.
  std::vector<float> expected(16, 0.f);
  expected[0] = 0.5f;         // window (0,0): first of four ones
  expected[3] = 2.5f;         // window (0,1): 5 at (0,3) before (1,3)
  expected[12] = 4.5f;        // window (1,0): 9 at (3,0)
  expected[2 * 4 + 2] = 1.5f; // window (1,1): 3 at (2,2) before (3,2)
  EXPECT_EQ(g.f32, expected);
  EXPECT_FLOAT_EQ(loss.f32[0], (1.f + 25.f + 81.f + 9.f) / 4.f);
}
