//===- ShapeGradientTests.cpp - gradients through shape ops and math ------===//
//
// Shape ops (reshape, transpose, flatten, slice, concat, broadcast_to) only
// move values, and log/sqrt/div are the elementwise ops the activation test
// does not reach; here each sits on the way to an mse loss, and the
// compiled gradient is compared with central differences of an f64
// evaluation written with plain index arithmetic.
//
//===----------------------------------------------------------------------===//

#include "GradCheck.h"
#include "Reference.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace nnc::test;

namespace {

std::mt19937 shapeRng(11);

// x[4,3] -> dense(6) -> reshape [N,2,3] -> transpose [N,3,2] -> flatten
// [N,6] -> concat with a slice of itself (columns 1..3) -> [N,9] -> mse.
const char *kShapes = R"mlir(
func.func @loss(%x: tensor<?x3xf32> {nn.input = "x"}, %t: tensor<?x9xf32> {nn.label = "t"},
                %w: tensor<6x3xf32> {nn.param = #nn.param<"fc.weight", weight, he>},
                %b: tensor<6xf32> {nn.param = #nn.param<"fc.bias", bias, zeros>})
    -> (tensor<f32> {nn.loss}) {
  %h = nn.dense %x, %w, %b : (tensor<?x3xf32>, tensor<6x3xf32>, tensor<6xf32>) -> tensor<?x6xf32>
  %r = nn.reshape %h {shape = array<i64: -1, 2, 3>} : (tensor<?x6xf32>) -> tensor<?x2x3xf32>
  %p = nn.transpose %r {perm = array<i64: 0, 2, 1>} : (tensor<?x2x3xf32>) -> tensor<?x3x2xf32>
  %f = nn.flatten %p : (tensor<?x3x2xf32>) -> tensor<?x6xf32>
  %s = nn.slice %f {axis = 1 : i64, start = 1 : i64, size = 3 : i64} : (tensor<?x6xf32>) -> tensor<?x3xf32>
  %c = nn.concat %f, %s {axis = 1 : i64} : (tensor<?x6xf32>, tensor<?x3xf32>) -> tensor<?x9xf32>
  %l = nn.mse_loss %c, %t : tensor<?x9xf32>, tensor<?x9xf32>
  return %l : tensor<f32>
}
)mlir";

TEST(ShapeGradients, ReshapeTransposeFlattenSliceConcat) {
  GradCase c{"shape ops", kShapes, {}, {2, 3}, nullptr};
  c.args = {randomBuffer(shapeRng, {4, 3}, -1, 1),
            randomBuffer(shapeRng, {4, 9}, -1, 1),
            randomBuffer(shapeRng, {6, 3}, -1, 1),
            randomBuffer(shapeRng, {6}, -0.5, 0.5)};
  c.reference = [](const Values &v) {
    ref::Vec h = ref::dense(v[0], 4, 3, v[2], 6, &v[3]);
    ref::Vec out(4 * 9);
    for (int n = 0; n < 4; ++n) {
      // reshape row n to r[i][j] = h[n][3i + j] (i < 2, j < 3); transpose to
      // p[j][i]; flatten: f[2j + i] = r[i][j].
      double f[6];
      for (int i = 0; i < 2; ++i)
        for (int j = 0; j < 3; ++j)
          f[2 * j + i] = h[n * 6 + 3 * i + j];
      for (int k = 0; k < 6; ++k)
        out[n * 9 + k] = f[k];
      for (int k = 0; k < 3; ++k)
        out[n * 9 + 6 + k] = f[1 + k];
    }
    return ref::mse(out, v[1]);
  };
  checkGradients(c);
}

// log, sqrt and div on positive values: sigmoid keeps them in (0, 1).
const char *kMath = R"mlir(
func.func @loss(%x: tensor<?x3xf32> {nn.input = "x"}, %t: tensor<?x4xf32> {nn.label = "t"},
                %w: tensor<4x3xf32> {nn.param = #nn.param<"fc.weight", weight, he>},
                %b: tensor<4xf32> {nn.param = #nn.param<"fc.bias", bias, zeros>})
    -> (tensor<f32> {nn.loss}) {
  %h = nn.dense %x, %w, %b : (tensor<?x3xf32>, tensor<4x3xf32>, tensor<4xf32>) -> tensor<?x4xf32>
  %s = nn.sigmoid %h : tensor<?x4xf32>
  %g = nn.log %s : tensor<?x4xf32>
  %q = nn.sqrt %s : tensor<?x4xf32>
  %d = nn.div %g, %q : (tensor<?x4xf32>, tensor<?x4xf32>) -> tensor<?x4xf32>
  %l = nn.mse_loss %d, %t : tensor<?x4xf32>, tensor<?x4xf32>
  return %l : tensor<f32>
}
)mlir";

TEST(ShapeGradients, LogSqrtDiv) {
  GradCase c{"log/sqrt/div", kMath, {}, {2, 3}, nullptr};
  c.args = {randomBuffer(shapeRng, {4, 3}, -1, 1),
            randomBuffer(shapeRng, {4, 4}, -1, 1),
            randomBuffer(shapeRng, {4, 3}, -1, 1),
            randomBuffer(shapeRng, {4}, -0.5, 0.5)};
  c.reference = [](const Values &v) {
    ref::Vec d = ref::map(ref::dense(v[0], 4, 3, v[2], 4, &v[3]), [](double h) {
      double s = 1 / (1 + std::exp(-h));
      return std::log(s) / std::sqrt(s);
    });
    return ref::mse(d, v[1]);
  };
  checkGradients(c);
}

// nn.broadcast_to in the forward pass. MLIRGen never emits it (`+ - *`
// broadcast implicitly inside nn.add/sub/mul, and learned positions are an
// nn.add); only adjoints build it, so it is written here by hand: w [4, 3]
// gains leading dims [N, 2] (N from the batch_ref x), v [4, 1] also
// stretches its size-1 dim, and u [3] goes to a static [2, 4, 3] without
// batch_ref and meets the rest through nn.add's implicit broadcasting.
// Gradient: the sum over every broadcast dim.
const char *kBroadcast = R"mlir(
func.func @loss(%x: tensor<?x1x1x3xf32> {nn.input = "x"}, %t: tensor<?x2x4x3xf32> {nn.label = "t"},
                %w: tensor<4x3xf32> {nn.param = #nn.param<"w", weight, he>},
                %v: tensor<4x1xf32> {nn.param = #nn.param<"v", weight, he>},
                %u: tensor<3xf32> {nn.param = #nn.param<"u", bias, zeros>})
    -> (tensor<f32> {nn.loss}) {
  %bw = nn.broadcast_to %w, %x {shape = array<i64: -1, 2, 4, 3>} : (tensor<4x3xf32>, tensor<?x1x1x3xf32>) -> tensor<?x2x4x3xf32>
  %bv = nn.broadcast_to %v, %x {shape = array<i64: -1, 2, 4, 3>} : (tensor<4x1xf32>, tensor<?x1x1x3xf32>) -> tensor<?x2x4x3xf32>
  %bx = nn.broadcast_to %x, %x {shape = array<i64: -1, 2, 4, 3>} : (tensor<?x1x1x3xf32>, tensor<?x1x1x3xf32>) -> tensor<?x2x4x3xf32>
  %bu = nn.broadcast_to %u {shape = array<i64: 2, 4, 3>} : (tensor<3xf32>) -> tensor<2x4x3xf32>
  %m = nn.mul %bw, %bv : (tensor<?x2x4x3xf32>, tensor<?x2x4x3xf32>) -> tensor<?x2x4x3xf32>
  %s = nn.add %m, %bx : (tensor<?x2x4x3xf32>, tensor<?x2x4x3xf32>) -> tensor<?x2x4x3xf32>
  %y = nn.add %s, %bu : (tensor<?x2x4x3xf32>, tensor<2x4x3xf32>) -> tensor<?x2x4x3xf32>
  %a = nn.tanh %y : tensor<?x2x4x3xf32>
  %l = nn.mse_loss %a, %t : tensor<?x2x4x3xf32>, tensor<?x2x4x3xf32>
  return %l : tensor<f32>
}
)mlir";

TEST(ShapeGradients, BroadcastTo) {
  GradCase c{"broadcast_to", kBroadcast, {}, {2, 3, 4}, nullptr};
  c.args = {randomBuffer(shapeRng, {3, 1, 1, 3}),
            randomBuffer(shapeRng, {3, 2, 4, 3}),
            randomBuffer(shapeRng, {4, 3}), randomBuffer(shapeRng, {4, 1}),
            randomBuffer(shapeRng, {3}, -0.5, 0.5)};
  c.reference = [](const Values &v) {
    ref::Vec y(3 * 2 * 4 * 3);
    for (int n = 0; n < 3; ++n)
      for (int r = 0; r < 2; ++r)
        for (int i = 0; i < 4; ++i)
          for (int j = 0; j < 3; ++j)
            y[((n * 2 + r) * 4 + i) * 3 + j] = std::tanh(
                v[2][i * 3 + j] * v[3][i] + v[0][n * 3 + j] + v[4][j]);
    return ref::mse(y, v[1]);
  };
  checkGradients(c);
}

} // namespace
