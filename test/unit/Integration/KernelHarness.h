//===- KernelHarness.h - compile, load and call nn kernels in tests -*- C++
//-*-===//
//
// A small test utility: compiles a module of nn functions with
// nnc-convert-nn-to-linalg and the CPU back end into a shared library,
// dlopens it and calls `nnc_kernel_<name>` with memref descriptors built
// from std::vectors; plus random data and a tolerance check used by the
// integration tests, which compare against plain C++ references.
//
//===----------------------------------------------------------------------===//

#ifndef NNC_TEST_UNIT_INTEGRATION_KERNELHARNESS_H
#define NNC_TEST_UNIT_INTEGRATION_KERNELHARNESS_H

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace nnc::test {

/// One kernel argument: a memref descriptor over caller-owned data.
class Arg {
public:
  /// An f32 tensor of `shape` over `data` (row-major).
  static Arg f32(std::vector<float> &data, std::vector<int64_t> shape);
  /// An i32 tensor of `shape` over `data`.
  static Arg i32(std::vector<int32_t> &data, std::vector<int64_t> shape);
  /// A rank-0 i64 tensor (e.g. the dropout seed).
  static Arg i64(int64_t &value);
  /// A rank-0 f32 tensor (e.g. a loss).
  static Arg scalar(float &value);
  /// The descriptor's address, as `args[i]` of a packed kernel.
  void *descriptor() { return desc.data(); }

private:
  Arg(void *data, std::vector<int64_t> shape);
  std::vector<int64_t> desc;
};

/// A compiled and loaded module.
class Library {
public:
  /// Parses `source` (nn functions, public, on tensors), lowers and compiles
  /// it; returns null after a gtest failure if any step fails.
  static std::unique_ptr<Library> compile(const std::string &source);
  ~Library();
  /// Calls `nnc_kernel_<name>` with the arguments then the results.
  void call(const std::string &name, std::vector<Arg> args);

private:
  void *handle = nullptr;
};

/// `n` values uniform in [lo, hi) from a seeded generator.
std::vector<float> randomData(size_t n, unsigned seed, float lo = -1,
                              float hi = 1);

/// Expects |got - ref| <= atol + rtol |ref| elementwise (gtest failures
/// name `what` and the first few bad indices).
void expectClose(const std::vector<float> &got, const std::vector<double> &ref,
                 const std::string &what, double rtol = 1e-5,
                 double atol = 1e-6);

/// The batch sizes every test runs: 1, a small odd one, and one no tile
/// size divides.
inline const std::vector<int64_t> kBatches = {1, 3, 13};

} // namespace nnc::test

#endif // NNC_TEST_UNIT_INTEGRATION_KERNELHARNESS_H
