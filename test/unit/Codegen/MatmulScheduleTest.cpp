//===- MatmulScheduleTest.cpp - nnc-matmul-schedule, structure and numbers ===//
//
// Checks the matmul schedule two ways. Structurally: after
// nnc-destination-passing and nnc-matmul-schedule, the big dense layers have
// no linalg.matmul left, their products are vector.contract ops with the
// 8-row register tile, and the dynamic batch has a peeled one-row remainder.
// Numerically: dense layers over a grid of shapes (M x N x K, with and without
// a bias + ReLU epilogue) are compiled, run and compared with a double
// precision reference, with a tolerance of 1e-5 relative to the sum of the
// absolute products (the dot product's condition).
//
//===----------------------------------------------------------------------===//

#include "MatmulKernels.h"

#include "nnc/Target/CPU/Passes.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <random>
#include <set>

using namespace mlir;
using nnc::test::denseLayer;

namespace {

/// Counts of what the schedule left in a module.
struct ScheduleStats {
  int matmuls = 0;
  /// vector.contract ops by the row count of their accumulator.
  std::map<int64_t, int> contractsByRows;
  /// Widths (N) of the 8-row contracts.
  std::set<int64_t> fullTileWidths;
};

/// Runs destination passing and the schedule on `source`.
ScheduleStats schedule(const std::string &source) {
  DialectRegistry registry;
  nnc::registerTargetDialects(registry);
  MLIRContext ctx(registry);
  OwningOpRef<ModuleOp> module = parseSourceString<ModuleOp>(source, &ctx);
  ScheduleStats stats;
  if (!module) {
    ADD_FAILURE() << "parse failed";
    return stats;
  }
  PassManager pm(&ctx);
  pm.addPass(nnc::createDestinationPassing());
  pm.addPass(nnc::createMatmulSchedule());
  if (failed(pm.run(*module))) {
    ADD_FAILURE() << "schedule failed";
    return stats;
  }
  module->walk([&](linalg::MatmulOp) { ++stats.matmuls; });
  module->walk([&](vector::ContractionOp op) {
    auto acc = cast<VectorType>(op.getAccType());
    ++stats.contractsByRows[acc.getDimSize(0)];
    if (acc.getDimSize(0) == 8)
      stats.fullTileWidths.insert(acc.getDimSize(1));
  });
  return stats;
}

TEST(MatmulSchedule, BigLayersAreVectorizedWithPeeledBatch) {
  // The layers of a 784-256-128-64-10 MLP, as one chain.
  std::string source = denseLayer("l1", -1, 256, 784, true) +
                       denseLayer("l2", -1, 128, 256, true) +
                       denseLayer("l3", -1, 64, 128, false) +
                       denseLayer("l4", -1, 10, 64, false);
  ScheduleStats stats = schedule(source);
  EXPECT_EQ(stats.matmuls, 0) << "a matmul was left to the scalar path";
  // Main path: 8 x 32 tiles (8 x 10 for the last layer), one per layer.
  EXPECT_EQ(stats.contractsByRows[8], 4);
  EXPECT_EQ(stats.fullTileWidths, (std::set<int64_t>{10, 32}));
  // Peeled batch remainder, computed one row at a time, still vectorized.
  EXPECT_EQ(stats.contractsByRows[1], 4);
}

TEST(MatmulSchedule, RaggedNIsPeeledIntoStaticTiles) {
  ScheduleStats stats = schedule(denseLayer("l", -1, 100, 20, true));
  EXPECT_EQ(stats.matmuls, 0);
  // 100 = 3 x 32 + 4: a 32-wide and a 4-wide contract, for 8 rows and 1 row.
  EXPECT_EQ(stats.fullTileWidths, (std::set<int64_t>{4, 32}));
  EXPECT_EQ(stats.contractsByRows[1], 2);
}

TEST(MatmulSchedule, StaticRaggedMIsPeeledWithoutRowLoop) {
  // A weight-gradient-like product with a static M of 37 = 4 x 8 + 5.
  ScheduleStats stats = schedule(denseLayer("l", 37, 64, 20, false));
  EXPECT_EQ(stats.matmuls, 0);
  EXPECT_EQ(stats.contractsByRows[8], 1);
  EXPECT_EQ(stats.contractsByRows[5], 1);
}

// Two layers in one function: the second layer's schedule must not fuse (and
// recompute) the first layer, which is already a loop nest.
const char *kTwoLayers = R"mlir(
#id = affine_map<(i, j) -> (i, j)>
#row = affine_map<(i, j) -> (j)>
func.func @mlp(%x: tensor<?x20xf32>, %w1: tensor<20x40xf32>, %b1: tensor<40xf32>,
               %w2: tensor<40x10xf32>) -> tensor<?x10xf32> {
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0.0 : f32
  %m = tensor.dim %x, %c0 : tensor<?x20xf32>
  %e1 = tensor.empty(%m) : tensor<?x40xf32>
  %f1 = linalg.fill ins(%zero : f32) outs(%e1 : tensor<?x40xf32>) -> tensor<?x40xf32>
  %mm1 = linalg.matmul ins(%x, %w1 : tensor<?x20xf32>, tensor<20x40xf32>)
                       outs(%f1 : tensor<?x40xf32>) -> tensor<?x40xf32>
  %h = linalg.generic {indexing_maps = [#id, #row, #id],
                       iterator_types = ["parallel", "parallel"]}
      ins(%mm1, %b1 : tensor<?x40xf32>, tensor<40xf32>) outs(%e1 : tensor<?x40xf32>) {
  ^bb0(%a: f32, %c: f32, %o: f32):
    %s = arith.addf %a, %c : f32
    %r = arith.maximumf %s, %zero : f32
    linalg.yield %r : f32
  } -> tensor<?x40xf32>
  %e2 = tensor.empty(%m) : tensor<?x10xf32>
  %f2 = linalg.fill ins(%zero : f32) outs(%e2 : tensor<?x10xf32>) -> tensor<?x10xf32>
  %y = linalg.matmul ins(%h, %w2 : tensor<?x40xf32>, tensor<40x10xf32>)
                     outs(%f2 : tensor<?x10xf32>) -> tensor<?x10xf32>
  return %y : tensor<?x10xf32>
}
)mlir";

TEST(MatmulSchedule, TwoLayerChainMatchesReference) {
  ScheduleStats stats = schedule(kTwoLayers);
  EXPECT_EQ(stats.matmuls, 0);
  // Layer 1 (N = 40 = 32 + 8 peeled) has two tiles, layer 2 (N = 10) one,
  // each with 8-row and 1-row versions: nothing duplicated by fusion.
  EXPECT_EQ(stats.contractsByRows[8], 3);
  EXPECT_EQ(stats.contractsByRows[1], 3);

  nnc::CPUCodegenOptions opts;
  opts.hideSymbols = false;
  std::string error;
  void *handle = nnc::test::compileAndLoad(kTwoLayers, opts, error);
  ASSERT_NE(handle, nullptr) << error;
  auto kernel =
      reinterpret_cast<void (*)(void **)>(dlsym(handle, "nnc_kernel_mlp"));
  ASSERT_NE(kernel, nullptr);
  std::mt19937 rng(3);
  std::uniform_real_distribution<float> dist(-1, 1);
  for (int64_t m : {1, 13, 24}) {
    std::vector<float> x(m * 20), w1(20 * 40), b1(40), w2(40 * 10),
        y(m * 10, NAN);
    for (auto *v : {&x, &w1, &b1, &w2})
      for (float &f : *v)
        f = dist(rng);
    auto dx = nnc::test::desc2(x, m, 20), dw1 = nnc::test::desc2(w1, 20, 40),
         dw2 = nnc::test::desc2(w2, 40, 10), dy = nnc::test::desc2(y, m, 10);
    auto db1 = nnc::test::desc1(b1);
    void *args[] = {&dx, &dw1, &db1, &dw2, &dy};
    kernel(args);
    for (int64_t i = 0; i < m; ++i) {
      double h[40];
      for (int64_t j = 0; j < 40; ++j) {
        h[j] = b1[j];
        for (int64_t l = 0; l < 20; ++l)
          h[j] += double(x[i * 20 + l]) * w1[l * 40 + j];
        h[j] = std::max(h[j], 0.0);
      }
      for (int64_t j = 0; j < 10; ++j) {
        double ref = 0, scale = 0;
        for (int64_t l = 0; l < 40; ++l) {
          ref += h[l] * w2[l * 10 + j];
          scale += std::fabs(h[l] * w2[l * 10 + j]);
        }
        // Layer 1's rounding propagates: allow 1e-5 of the magnitudes.
        EXPECT_NEAR(y[i * 10 + j], ref, 1e-5 * (scale + 20))
            << "m=" << m << " (" << i << ", " << j << ")";
      }
    }
  }
  dlclose(handle);
}

/// One (N, K) point of the numeric grid.
struct Shape {
  int64_t n, k;
};

class MatmulScheduleNumerics : public ::testing::TestWithParam<Shape> {};

TEST_P(MatmulScheduleNumerics, MatchesDoubleReference) {
  auto [n, k] = GetParam();
  std::string source = denseLayer("plain", -1, n, k, false) +
                       denseLayer("fused", -1, n, k, true);
  nnc::CPUCodegenOptions opts;
  opts.hideSymbols = false;
  std::string error;
  void *handle = nnc::test::compileAndLoad(source, opts, error);
  ASSERT_NE(handle, nullptr) << error;
  std::mt19937 rng(n * 1000 + k);
  std::uniform_real_distribution<float> dist(-1, 1);
  for (bool fused : {false, true}) {
    auto kernel = reinterpret_cast<void (*)(void **)>(
        dlsym(handle, fused ? "nnc_kernel_fused" : "nnc_kernel_plain"));
    ASSERT_NE(kernel, nullptr);
    for (int64_t m : {1, 7, 8, 37, 128}) {
      std::vector<float> x(m * k), w(n * k), b(n), y(m * n, NAN);
      for (auto *v : {&x, &w, &b})
        for (float &f : *v)
          f = dist(rng);
      auto dx = nnc::test::desc2(x, m, k), dw = nnc::test::desc2(w, n, k),
           dy = nnc::test::desc2(y, m, n);
      auto db = nnc::test::desc1(b);
      void *args[] = {&dx, &dw, &db, &dy};
      kernel(args);
      int64_t bad = 0;
      for (int64_t i = 0; i < m; ++i)
        for (int64_t j = 0; j < n; ++j) {
          double ref = fused ? b[j] : 0.0, scale = std::fabs(ref);
          for (int64_t l = 0; l < k; ++l) {
            double p = double(x[i * k + l]) * w[j * k + l];
            ref += p;
            scale += std::fabs(p);
          }
          if (fused)
            ref = std::max(ref, 0.0);
          double got = y[i * n + j];
          if (!(std::fabs(got - ref) <= 1e-5 * scale + 1e-30) && bad++ < 3)
            ADD_FAILURE() << (fused ? "fused" : "plain") << " M=" << m
                          << " N=" << n << " K=" << k << " at (" << i << ", "
                          << j << "): got " << got << ", expected " << ref;
        }
      EXPECT_EQ(bad, 0) << "mismatches for M=" << m;
    }
  }
  dlclose(handle);
}

std::vector<Shape> grid() {
  std::vector<Shape> shapes;
  for (int64_t n : {10, 32, 64, 100, 256})
    for (int64_t k : {2, 20, 64, 784})
      shapes.push_back({n, k});
  return shapes;
}

INSTANTIATE_TEST_SUITE_P(Grid, MatmulScheduleNumerics,
                         ::testing::ValuesIn(grid()),
                         [](const ::testing::TestParamInfo<Shape> &info) {
                           return "N" + std::to_string(info.param.n) + "_K" +
                                  std::to_string(info.param.k);
                         });

} // namespace
