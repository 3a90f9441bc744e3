//===- Generators.cpp - Built-in data sets --------------------------------===//
//
// The spiral and logic-gate generators of the .nn language's `data = ...`
// built-ins, deterministic for a seed through the runtime's portable Rng.
//
//===----------------------------------------------------------------------===//

#include "Internal.h"
#include "nnc/Runtime/Random.h"
#include "nnc/Runtime/Sources.h"

#include <cctype>
#include <cmath>

using namespace nnc::rt;
using namespace nnc::rt::detail;

/// Largest number of samples a generator produces.
static constexpr int64_t kMaxGenerated = int64_t(1) << 26;

Expected<Dataset> nnc::rt::makeSpiral(int64_t classes, int64_t points,
                                      double noise, uint64_t seed) {
  return guard([&] {
    if (classes < 1 || classes > 1000)
      fail(ErrorCode::InvalidArgument,
           "spiral: classes must be in [1, 1000], got {}", classes);
    if (points < 1 || points > kMaxGenerated / classes)
      fail(ErrorCode::InvalidArgument,
           "spiral: points must be in [1, {}], got {}", kMaxGenerated / classes,
           points);
    if (!std::isfinite(noise) || noise < 0)
      fail(ErrorCode::InvalidArgument,
           "spiral: noise must be finite and >= 0, got {}", noise);
    Dataset ds;
    ds.name = "spiral";
    ds.featureShape = {2};
    ds.numClasses = classes;
    ds.featureNames = {"x0", "x1"};
    ds.features.reserve(classes * points * 2);
    Rng rng(seed);
    for (int64_t j = 0; j < classes; ++j) {
      for (int64_t i = 0; i < points; ++i) {
        // numpy.linspace(a, b, n): a + i * (b - a) / (n - 1), exact ends.
        double frac = points > 1 ? static_cast<double>(i) / (points - 1) : 0;
        double r = frac;
        // t = linspace(4j, 4j + 4) + noise * randn; point r (sin 2.5t,
        // cos 2.5t): the tutorial's spiral, `noise` the std of t.
        double t = 4.0 * j + 4.0 * frac + noise * rng.normal();
        ds.features.push_back(static_cast<float>(r * std::sin(2.5 * t)));
        ds.features.push_back(static_cast<float>(r * std::cos(2.5 * t)));
        ds.labels.push_back(static_cast<int32_t>(j));
      }
    }
    return ds;
  });
}

Expected<Dataset> nnc::rt::makeLogic(const std::string &op) {
  return guard([&] {
    std::string lower;
    for (char c : op)
      lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    int (*gate)(int, int) = nullptr;
    if (lower == "and")
      gate = [](int a, int b) { return a & b; };
    else if (lower == "or")
      gate = [](int a, int b) { return a | b; };
    else if (lower == "xor")
      gate = [](int a, int b) { return a ^ b; };
    else if (lower == "nand")
      gate = [](int a, int b) { return 1 - (a & b); };
    else
      fail(ErrorCode::InvalidArgument,
           "logic: unknown operation '{}' (expected and, or, xor or nand)", op);
    Dataset ds;
    ds.name = "logic(" + lower + ")";
    ds.featureShape = {2};
    ds.numClasses = 2;
    ds.featureNames = {"a", "b"};
    ds.classNames = {"0", "1"};
    for (int a = 0; a < 2; ++a)
      for (int b = 0; b < 2; ++b) {
        ds.features.push_back(static_cast<float>(a));
        ds.features.push_back(static_cast<float>(b));
        ds.labels.push_back(gate(a, b));
      }
    return ds;
  });
}
