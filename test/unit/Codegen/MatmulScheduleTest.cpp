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

#include "nnc/Codegen/Passes.h"

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
  nnc::registerCodegenDialects(registry);
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
