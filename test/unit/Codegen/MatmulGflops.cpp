//===- MatmulGflops.cpp - GFLOP/s of dense layers through the CPU pipeline ===//
//
// A benchmark, not a test: compiles dense layers (x[M, K] * W[N, K]^T, named M
// x K x N as in the recipe, with and without bias + ReLU, dynamic batch)
// through the CPU pipeline with and without nnc-matmul-schedule, runs each
// single-threaded and prints the best of `reps` timings as GFLOP/s (2 M N K per
// call), for comparison with the table in docs/cpu-codegen/README.md. Cases
// marked W^T take W as [N, K] and include the per-call transpose that dense
// layers carry; the others take W as [K, N] like the recipe. Usage:
// matmul-gflops [reps [tile-m tile-n]]
//
//===----------------------------------------------------------------------===//

#include "MatmulKernels.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>

namespace {

struct Case {
  int64_t m, n, k;
  bool epilogue;
  /// W given as [K, N] (no transpose in the kernel), as in the recipe.
  bool weightKN;
};

/// Returns the best GFLOP/s of `reps` calls (each repeated to last >= 20 ms),
/// or a negative value on failure.
int64_t tileM = 0, tileN = 0;

double measure(const Case &c, bool schedule, int reps) {
  nnc::CPUCodegenOptions opts;
  opts.matmulTileM = tileM;
  opts.matmulTileN = tileN;
  opts.hideSymbols = false;
  opts.vectorizeMatmul = schedule;
  std::string error;
  void *handle = nnc::test::compileAndLoad(
      nnc::test::denseLayer("layer", -1, c.n, c.k, c.epilogue, c.weightKN),
      opts, error);
  if (!handle) {
    std::fprintf(stderr, "compile failed: %s\n", error.c_str());
    return -1;
  }
  auto kernel =
      reinterpret_cast<void (*)(void **)>(dlsym(handle, "nnc_kernel_layer"));
  std::mt19937 rng(1);
  std::uniform_real_distribution<float> dist(-1, 1);
  std::vector<float> x(c.m * c.k), w(c.n * c.k), b(c.n), y(c.m * c.n);
  for (auto *v : {&x, &w, &b})
    for (float &f : *v)
      f = dist(rng);
  auto dx = nnc::test::desc2(x, c.m, c.k), dw = nnc::test::desc2(w, c.n, c.k),
       dy = nnc::test::desc2(y, c.m, c.n);
  auto db = nnc::test::desc1(b);
  void *args[] = {&dx, &dw, &db, &dy};
  using clock = std::chrono::steady_clock;
  // Calibrate the inner repetition count to about 20 ms.
  int inner = 1;
  for (;;) {
    auto t0 = clock::now();
    for (int i = 0; i < inner; ++i)
      kernel(args);
    double s = std::chrono::duration<double>(clock::now() - t0).count();
    if (s > 0.02 || inner > (1 << 20))
      break;
    inner *= 2;
  }
  double best = 1e30;
  for (int r = 0; r < reps; ++r) {
    auto t0 = clock::now();
    for (int i = 0; i < inner; ++i)
      kernel(args);
    best = std::min(
        best, std::chrono::duration<double>(clock::now() - t0).count() / inner);
  }
  dlclose(handle);
  return 2.0 * c.m * c.n * c.k / best * 1e-9;
}

} // namespace

int main(int argc, char **argv) {
  int reps = argc > 1 ? std::atoi(argv[1]) : 15;
  if (argc > 3) {
    tileM = std::atoi(argv[2]);
    tileN = std::atoi(argv[3]);
  }
  const Case cases[] = {
      {128, 256, 784, false, true},  {256, 256, 256, false, true},
      {32, 32, 64, false, true},     {128, 256, 784, true, true},
      {128, 256, 784, false, false}, {128, 256, 784, true, false},
      {32, 32, 64, true, false}};
  std::printf("%-26s %12s %12s\n", "M x K x N (dense layer)", "loops GF/s",
              "V1 GF/s");
  for (const Case &c : cases) {
    char name[64];
    std::snprintf(name, sizeof(name), "%lldx%lldx%lld%s%s", (long long)c.m,
                  (long long)c.k, (long long)c.n,
                  c.epilogue ? " +bias+relu" : "", c.weightKN ? "" : " W^T");
    double loops = measure(c, false, reps), v1 = measure(c, true, reps);
    std::printf("%-26s %12.1f %12.1f\n", name, loops, v1);
  }
  return 0;
}
