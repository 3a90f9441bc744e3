//===- Harness.h - compile nn modules through autodiff and run them -*- C++
//-*-===//
//
// The test harness of the gradient and optimizer tests: parses an nn module,
// runs nnc-autodiff (and optionally nnc-optimizer), lowers it with
// nnc-convert-nn-to-linalg and the CPU pipeline, links a shared library,
// loads it with dlopen and calls `nnc_kernel_<name>` with memref
// descriptors built from plain host buffers.
//
//===----------------------------------------------------------------------===//

#ifndef NNC_TEST_UNIT_GRADIENTS_HARNESS_H
#define NNC_TEST_UNIT_GRADIENTS_HARNESS_H

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace nnc::test {

/// A host tensor: f32 data, or i32/i64/f64 held as raw bytes, with a shape.
struct Buffer {
  std::vector<int64_t> shape;
  std::vector<float> f32;
  std::vector<int32_t> i32;
  std::vector<int64_t> i64;
  std::vector<double> f64;

  static Buffer floats(std::vector<int64_t> shape, std::vector<float> data) {
    Buffer b;
    b.shape = std::move(shape);
    b.f32 = std::move(data);
    return b;
  }
  static Buffer ints(std::vector<int64_t> shape, std::vector<int32_t> data) {
    Buffer b;
    b.shape = std::move(shape);
    b.i32 = std::move(data);
    return b;
  }
  static Buffer scalarI64(int64_t v) {
    Buffer b;
    b.i64 = {v};
    return b;
  }
  static Buffer scalarF64(double v) {
    Buffer b;
    b.f64 = {v};
    return b;
  }
  void *data() {
    if (!f64.empty())
      return f64.data();
    if (!f32.empty())
      return f32.data();
    if (!i32.empty())
      return i32.data();
    return i64.data();
  }
};

/// Which passes run before the lowering.
struct CompileOptions {
  bool optimizer = false;
  /// Functions erased before lowering (e.g. @train_step when a test only
  /// needs @apply).
  std::vector<std::string> drop;
  /// ConvertNNToLinalg's per-image-convolutions (the CPU form by default).
  bool perImageConvolutions = true;
};

/// A compiled module loaded in the process.
class Compiled {
public:
  ~Compiled();
  /// Calls `nnc_kernel_<entry>` with one descriptor per buffer (arguments,
  /// then outputs); returns false (with a gtest failure) when it is absent.
  bool call(const std::string &entry, std::vector<Buffer *> args);

  void *handle = nullptr;
};

/// Compiles `source` (nn IR with @loss); null with a gtest failure and the
/// diagnostics on error.
std::unique_ptr<Compiled> compile(const std::string &source,
                                  const CompileOptions &options = {});

} // namespace nnc::test

#endif // NNC_TEST_UNIT_GRADIENTS_HARNESS_H
