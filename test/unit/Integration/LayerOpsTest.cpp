//===- LayerOpsTest.cpp - dense, matmul, conv, pooling, norms run ---------===//
//
// Runs the lowered layers on several batch sizes against C++ loop
// references accumulated in double: dense (rank 2 and 3), matmul with
// transpose flags, conv2d with strides, padding, dilation and groups, max
// and average pooling with padding, the three normalisations (including
// batchnorm_train's running statistics), embedding and sinusoidal positions.
//
//===----------------------------------------------------------------------===//

#include "KernelHarness.h"

#include <limits>

#include <gtest/gtest.h>

#include <cmath>

using namespace nnc::test;

namespace {

/// The f32 tensor type `dims`, with a leading dynamic batch when `batch`.
std::string tensorType(const std::vector<int64_t> &dims, bool batch) {
  std::string s = batch ? "tensor<?x" : "tensor<";
  for (int64_t d : dims)
    s += std::to_string(d) + "x";
  return s + "f32>";
}

TEST(LayerOps, DenseAndMatmul) {
  const char *src = R"mlir(
func.func @dense(%x: tensor<?x3x20xf32>, %w: tensor<9x20xf32>, %b: tensor<9xf32>) -> tensor<?x3x9xf32> {
  %y = nn.dense %x, %w, %b : (tensor<?x3x20xf32>, tensor<9x20xf32>, tensor<9xf32>) -> tensor<?x3x9xf32>
  return %y : tensor<?x3x9xf32>
}
func.func @matmul(%a: tensor<?x6x5xf32>, %b: tensor<?x7x6xf32>) -> tensor<?x5x7xf32> {
  %y = nn.matmul %a, %b {transpose_lhs = true, transpose_rhs = true} : (tensor<?x6x5xf32>, tensor<?x7x6xf32>) -> tensor<?x5x7xf32>
  return %y : tensor<?x5x7xf32>
}
func.func @shared(%a: tensor<?x2x5x6xf32>, %b: tensor<6x7xf32>) -> tensor<?x2x5x7xf32> {
  %y = nn.matmul %a, %b : (tensor<?x2x5x6xf32>, tensor<6x7xf32>) -> tensor<?x2x5x7xf32>
  return %y : tensor<?x2x5x7xf32>
}
)mlir";
  auto lib = Library::compile(src);
  ASSERT_TRUE(lib);
  for (int64_t n : kBatches) {
    std::vector<float> x = randomData(n * 60, 1), w = randomData(180, 2),
                       b = randomData(9, 3), y(n * 27);
    lib->call("dense", {Arg::f32(x, {n, 3, 20}), Arg::f32(w, {9, 20}),
                        Arg::f32(b, {9}), Arg::f32(y, {n, 3, 9})});
    std::vector<double> ref(n * 27);
    for (int64_t r = 0; r < n * 3; ++r)
      for (int64_t o = 0; o < 9; ++o) {
        double acc = b[o];
        for (int64_t k = 0; k < 20; ++k)
          acc += double(x[r * 20 + k]) * w[o * 20 + k];
        ref[r * 9 + o] = acc;
      }
    expectClose(y, ref, "dense n=" + std::to_string(n), 1e-5, 2e-6);

    std::vector<float> a = randomData(n * 30, 4), bt = randomData(n * 42, 5),
                       mm(n * 35);
    lib->call("matmul", {Arg::f32(a, {n, 6, 5}), Arg::f32(bt, {n, 7, 6}),
                         Arg::f32(mm, {n, 5, 7})});
    std::vector<double> refMM(n * 35);
    for (int64_t q = 0; q < n; ++q)
      for (int64_t i = 0; i < 5; ++i)
        for (int64_t j = 0; j < 7; ++j) {
          double acc = 0;
          for (int64_t k = 0; k < 6; ++k)
            acc += double(a[q * 30 + k * 5 + i]) * bt[q * 42 + j * 6 + k];
          refMM[(q * 5 + i) * 7 + j] = acc;
        }
    expectClose(mm, refMM, "matmul transposed", 1e-5, 2e-6);

    std::vector<float> a4 = randomData(n * 60, 6), r2 = randomData(42, 7),
                       out(n * 70);
    lib->call("shared", {Arg::f32(a4, {n, 2, 5, 6}), Arg::f32(r2, {6, 7}),
                         Arg::f32(out, {n, 2, 5, 7})});
    std::vector<double> refS(n * 70);
    for (int64_t r = 0; r < n * 10; ++r)
      for (int64_t j = 0; j < 7; ++j) {
        double acc = 0;
        for (int64_t k = 0; k < 6; ++k)
          acc += double(a4[r * 6 + k]) * r2[k * 7 + j];
        refS[r * 7 + j] = acc;
      }
    expectClose(out, refS, "matmul shared rhs", 1e-5, 2e-6);
  }
}

struct ConvCase {
  int64_t c, h, w, o, k, groups, sh, sw, dh, dw;
  int64_t pad[4]; // top, left, bottom, right
  bool bias;
};

TEST(LayerOps, Conv2DVariants) {
  std::vector<ConvCase> cases = {
      {3, 7, 7, 4, 3, 1, 1, 1, 1, 1, {0, 0, 0, 0}, true},
      {3, 8, 9, 5, 3, 1, 2, 2, 1, 1, {1, 1, 1, 1}, true},
      {2, 9, 9, 3, 3, 1, 1, 2, 2, 1, {2, 0, 1, 2}, false},
      {4, 6, 6, 6, 3, 2, 1, 1, 1, 1, {1, 1, 1, 1}, true},
      // Stride 1: the CPU's im2col is written by whole-vector shuffles
      // (nnc-vectorize-im2col); a dilated width with asymmetric padding,
      // and rows of 4 pixels whose last source reads pass the image's end
      // (masked).
      {2, 9, 11, 3, 3, 1, 1, 1, 1, 2, {1, 2, 0, 1}, true},
      {1, 5, 5, 2, 2, 1, 1, 1, 1, 1, {0, 0, 0, 0}, false},
  };
  for (size_t ci = 0; ci < cases.size(); ++ci) {
    const ConvCase &cc = cases[ci];
    int64_t oh =
        (cc.h + cc.pad[0] + cc.pad[2] - cc.dh * (cc.k - 1) - 1) / cc.sh + 1;
    int64_t ow =
        (cc.w + cc.pad[1] + cc.pad[3] - cc.dw * (cc.k - 1) - 1) / cc.sw + 1;
    int64_t cg = cc.c / cc.groups, og = cc.o / cc.groups;
    std::string in = tensorType({cc.c, cc.h, cc.w}, true),
                out = tensorType({cc.o, oh, ow}, true),
                wt = tensorType({cc.o, cg, cc.k, cc.k}, false),
                bt = tensorType({cc.o}, false);
    std::string attrs = "{strides = array<i64: " + std::to_string(cc.sh) +
                        ", " + std::to_string(cc.sw) +
                        ">, dilations = array<i64: " + std::to_string(cc.dh) +
                        ", " + std::to_string(cc.dw) +
                        ">, padding = array<i64: " + std::to_string(cc.pad[0]) +
                        ", " + std::to_string(cc.pad[1]) + ", " +
                        std::to_string(cc.pad[2]) + ", " +
                        std::to_string(cc.pad[3]) +
                        ">, groups = " + std::to_string(cc.groups) + " : i64}";
    std::string src = "func.func @conv(%x: " + in + ", %w: " + wt +
                      (cc.bias ? ", %b: " + bt : "") + ") -> " + out +
                      " {\n  %y = nn.conv2d %x, %w" +
                      (cc.bias ? ", %b " : " ") + attrs + " : (" + in + ", " +
                      wt + (cc.bias ? ", " + bt : "") + ") -> " + out +
                      "\n  return %y : " + out + "\n}\n";
    auto lib = Library::compile(src);
    ASSERT_TRUE(lib) << src;
    for (int64_t n : kBatches) {
      std::vector<float> x = randomData(n * cc.c * cc.h * cc.w, 20 + n),
                         w = randomData(cc.o * cg * cc.k * cc.k, 21),
                         b = randomData(cc.o, 22), y(n * cc.o * oh * ow);
      std::vector<Arg> args = {Arg::f32(x, {n, cc.c, cc.h, cc.w}),
                               Arg::f32(w, {cc.o, cg, cc.k, cc.k})};
      if (cc.bias)
        args.push_back(Arg::f32(b, {cc.o}));
      args.push_back(Arg::f32(y, {n, cc.o, oh, ow}));
      lib->call("conv", args);
      std::vector<double> ref(y.size());
      for (int64_t q = 0; q < n; ++q)
        for (int64_t o = 0; o < cc.o; ++o)
          for (int64_t i = 0; i < oh; ++i)
            for (int64_t j = 0; j < ow; ++j) {
              double acc = cc.bias ? b[o] : 0;
              int64_t g = o / og;
              for (int64_t c = 0; c < cg; ++c)
                for (int64_t u = 0; u < cc.k; ++u)
                  for (int64_t v = 0; v < cc.k; ++v) {
                    int64_t r = i * cc.sh - cc.pad[0] + u * cc.dh;
                    int64_t s = j * cc.sw - cc.pad[1] + v * cc.dw;
                    if (r < 0 || r >= cc.h || s < 0 || s >= cc.w)
                      continue;
                    acc +=
                        double(x[((q * cc.c + g * cg + c) * cc.h + r) * cc.w +
                                 s]) *
                        w[((o * cg + c) * cc.k + u) * cc.k + v];
                  }
              ref[((q * cc.o + o) * oh + i) * ow + j] = acc;
            }
      expectClose(y, ref,
                  "conv case " + std::to_string(ci) + " n=" + std::to_string(n),
                  1e-5, 2e-6);
    }
  }
}

TEST(LayerOps, PoolingWithPadding) {
  const char *src = R"mlir(
func.func @max(%x: tensor<?x2x7x6xf32>) -> tensor<?x2x4x3xf32> {
  %y = nn.maxpool2d %x {kernel = array<i64: 3, 2>, strides = array<i64: 2, 2>, padding = array<i64: 1, 0, 1, 1>} : (tensor<?x2x7x6xf32>) -> tensor<?x2x4x3xf32>
  return %y : tensor<?x2x4x3xf32>
}
func.func @avg(%x: tensor<?x2x7x6xf32>) -> tensor<?x2x4x3xf32> {
  %y = nn.avgpool2d %x {kernel = array<i64: 3, 2>, strides = array<i64: 2, 2>, padding = array<i64: 1, 0, 1, 1>} : (tensor<?x2x7x6xf32>) -> tensor<?x2x4x3xf32>
  return %y : tensor<?x2x4x3xf32>
}
)mlir";
  auto lib = Library::compile(src);
  ASSERT_TRUE(lib);
  for (int64_t n : kBatches) {
    // All-negative data: a max that let padding (0) win would show.
    std::vector<float> x = randomData(n * 84, 30 + n, -5, -1), y(n * 24);
    for (bool isMax : {true, false}) {
      lib->call(isMax ? "max" : "avg",
                {Arg::f32(x, {n, 2, 7, 6}), Arg::f32(y, {n, 2, 4, 3})});
      std::vector<double> ref(n * 24);
      for (int64_t p = 0; p < n * 2; ++p)
        for (int64_t i = 0; i < 4; ++i)
          for (int64_t j = 0; j < 3; ++j) {
            double acc = isMax ? -1e300 : 0;
            int cnt = 0;
            for (int64_t u = 0; u < 3; ++u)
              for (int64_t v = 0; v < 2; ++v) {
                int64_t r = i * 2 - 1 + u, s = j * 2 + v;
                if (r < 0 || r >= 7 || s < 0 || s >= 6)
                  continue;
                double e = x[(p * 7 + r) * 6 + s];
                acc = isMax ? std::max(acc, e) : acc + e;
                ++cnt;
              }
            ref[(p * 4 + i) * 3 + j] = isMax ? acc : acc / cnt;
          }
      expectClose(y, ref, isMax ? "maxpool" : "avgpool");
    }
  }
}

// 2x2 max pooling whose windows tile the image (the vectorized path: a
// reduction over [N, C, OH, KH, OW, KW] lowered with one shuffle per tap,
// its maximum allowed not to order -0 and +0): a NaN anywhere in a window
// makes that output NaN, whichever tap it is on, and the other outputs are
// the exact maxima.
TEST(LayerOps, MaxPoolPropagatesNaN) {
  const char *src = R"mlir(
func.func @max(%x: tensor<?x3x8x28xf32>) -> tensor<?x3x4x14xf32> {
  %y = nn.maxpool2d %x {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>, padding = array<i64: 0, 0, 0, 0>} : (tensor<?x3x8x28xf32>) -> tensor<?x3x4x14xf32>
  return %y : tensor<?x3x4x14xf32>
}
)mlir";
  auto lib = Library::compile(src);
  ASSERT_TRUE(lib);
  const float nan = std::numeric_limits<float>::quiet_NaN();
  for (int64_t n : kBatches) {
    std::vector<float> x = randomData(n * 3 * 8 * 28, 70 + n, -4, 4),
                       y(n * 3 * 4 * 14);
    // A NaN on each of the four taps of some windows, in every image.
    std::vector<bool> poisoned(y.size(), false);
    for (int64_t p = 0; p < n * 3; ++p)
      for (int64_t tap = 0; tap < 4; ++tap) {
        int64_t i = (p + tap) % 4, j = (3 * tap + p) % 14;
        int64_t r = 2 * i + tap / 2, s = 2 * j + tap % 2;
        x[(p * 8 + r) * 28 + s] = nan;
        poisoned[(p * 4 + i) * 14 + j] = true;
      }
    lib->call("max", {Arg::f32(x, {n, 3, 8, 28}), Arg::f32(y, {n, 3, 4, 14})});
    for (int64_t p = 0; p < n * 3; ++p)
      for (int64_t i = 0; i < 4; ++i)
        for (int64_t j = 0; j < 14; ++j) {
          size_t o = (p * 4 + i) * 14 + j;
          if (poisoned[o]) {
            EXPECT_TRUE(std::isnan(y[o])) << "output " << o << " = " << y[o];
            continue;
          }
          float ref = -std::numeric_limits<float>::infinity();
          for (int64_t u = 0; u < 2; ++u)
            for (int64_t v = 0; v < 2; ++v)
              ref = std::max(ref, x[(p * 8 + 2 * i + u) * 28 + 2 * j + v]);
          EXPECT_EQ(y[o], ref) << "output " << o;
        }
  }
}

// conv2d -> relu -> maxpool(2) as in a CNN's inference, written as the NN
// canonicalization leaves it (maxpool then relu, PoolBeforeRelu): on the
// CPU the pooling runs in the convolution's registers, reading the padded
// image in place (nnc-fuse-conv-pool). The row form with rows of 28 (two
// vectors) and of 14 (one vector, 2 lanes unused), the channel form (K = 72
// >= 64) with 32 channels (two windows per block, the last block of a row
// one) and 64 (one window), rows of 6 (too narrow for the row form: the
// unfused path with 4 channels, the channel form with 32), a NaN
// in the input of some images, with and without a bias, against a double
// reference.
TEST(LayerOps, ConvReluMaxPool) {
  struct Case {
    int64_t c, h, o, k, pad;
    bool bias = true;
  };
  const float nan = std::numeric_limits<float>::quiet_NaN();
  for (Case cc : {Case{1, 28, 8, 3, 1}, Case{3, 14, 16, 3, 1},
                  Case{8, 14, 32, 3, 1}, Case{8, 12, 64, 3, 1},
                  Case{2, 10, 4, 5, 0}, Case{1, 28, 8, 3, 1, false},
                  Case{8, 14, 32, 3, 1, false}, Case{8, 6, 32, 3, 1}}) {
    int64_t oh = cc.h + 2 * cc.pad - cc.k + 1, ph = oh / 2;
    std::string in = tensorType({cc.c, cc.h, cc.h}, true),
                mid = tensorType({cc.o, oh, oh}, true),
                out = tensorType({cc.o, ph, ph}, true),
                wt = tensorType({cc.o, cc.c, cc.k, cc.k}, false),
                bt = tensorType({cc.o}, false);
    std::string p = std::to_string(cc.pad);
    std::string src =
        "func.func @f(%x: " + in + ", %w: " + wt +
        (cc.bias ? ", %b: " + bt : "") + ") -> " + out +
        " {\n  %y = nn.conv2d %x, %w" + (cc.bias ? ", %b" : "") +
        " {strides = array<i64: 1, 1>, "
        "dilations = array<i64: 1, 1>, padding = array<i64: " +
        p + ", " + p + ", " + p + ", " + p + ">, groups = 1 : i64} : (" + in +
        ", " + wt + (cc.bias ? ", " + bt : "") + ") -> " + mid +
        "\n  %z = nn.maxpool2d %y {kernel = array<i64: 2, 2>, strides = "
        "array<i64: 2, 2>, padding = array<i64: 0, 0, 0, 0>} : (" +
        mid + ") -> " + out + "\n  %r = nn.relu %z : " + out +
        "\n  return %r : " + out + "\n}\n";
    auto lib = Library::compile(src);
    ASSERT_TRUE(lib) << src;
    for (int64_t n : kBatches) {
      std::vector<float> x = randomData(n * cc.c * cc.h * cc.h, 80 + n),
                         w = randomData(cc.o * cc.c * cc.k * cc.k, 81),
                         b = randomData(cc.o, 82), y(n * cc.o * ph * ph);
      // A NaN in the last image: every output whose window reads it is NaN.
      x[((n - 1) * cc.c) * cc.h * cc.h + 3 * cc.h + 5] = nan;
      std::vector<Arg> args = {Arg::f32(x, {n, cc.c, cc.h, cc.h}),
                               Arg::f32(w, {cc.o, cc.c, cc.k, cc.k})};
      if (cc.bias)
        args.push_back(Arg::f32(b, {cc.o}));
      args.push_back(Arg::f32(y, {n, cc.o, ph, ph}));
      lib->call("f", args);
      std::vector<double> conv(n * cc.o * oh * oh);
      for (int64_t q = 0; q < n; ++q)
        for (int64_t o = 0; o < cc.o; ++o)
          for (int64_t i = 0; i < oh; ++i)
            for (int64_t j = 0; j < oh; ++j) {
              double acc = cc.bias ? b[o] : 0;
              for (int64_t c = 0; c < cc.c; ++c)
                for (int64_t u = 0; u < cc.k; ++u)
                  for (int64_t v = 0; v < cc.k; ++v) {
                    int64_t r = i - cc.pad + u, s = j - cc.pad + v;
                    if (r >= 0 && r < cc.h && s >= 0 && s < cc.h)
                      acc += double(x[((q * cc.c + c) * cc.h + r) * cc.h + s]) *
                             w[((o * cc.c + c) * cc.k + u) * cc.k + v];
                  }
              conv[((q * cc.o + o) * oh + i) * oh + j] = acc;
            }
      std::vector<double> ref(y.size());
      for (int64_t p2 = 0; p2 < n * cc.o; ++p2)
        for (int64_t i = 0; i < ph; ++i)
          for (int64_t j = 0; j < ph; ++j) {
            double m = 0; // the relu
            for (int64_t u = 0; u < 2; ++u)
              for (int64_t v = 0; v < 2; ++v) {
                double e = conv[(p2 * oh + 2 * i + u) * oh + 2 * j + v];
                m = std::isnan(e) || std::isnan(m) ? e + m : std::max(m, e);
              }
            ref[(p2 * ph + i) * ph + j] = m;
          }
      size_t nans = 0;
      for (size_t e = 0; e < y.size(); ++e) {
        EXPECT_EQ(std::isnan(y[e]), std::isnan(ref[e])) << "output " << e;
        if (std::isnan(ref[e])) {
          ++nans;
          y[e] = 0;
          ref[e] = 0;
        }
      }
      EXPECT_GT(nans, 0u);
      expectClose(y, ref,
                  "conv-relu-pool c=" + std::to_string(cc.c) +
                      " n=" + std::to_string(n),
                  1e-5, 2e-6);
    }
  }
}

} // namespace
