//===- nnc/Runtime/Random.h - Portable pseudo-random numbers ----*- C++ -*-===//
//
// The runtime's only source of randomness, specified bit for bit so that a
// seed gives the same data, splits and batch orders on every platform and
// standard library: SplitMix64 (Steele, Lea, Flood 2014) both to derive
// seeds and as the generator, Lemire's unbiased bounded integers, a
// Fisher-Yates shuffle drawn from the end, and Box-Muller normals. Never
// std::shuffle or std::*_distribution, whose outputs are implementation
// defined.
//
//===----------------------------------------------------------------------===//
#ifndef NNC_RUNTIME_RANDOM_H
#define NNC_RUNTIME_RANDOM_H

#include <cstdint>
#include <vector>

namespace nnc::rt {

/// One step of SplitMix64 applied to `x`: a bijective 64-bit mixer.
uint64_t splitmix64Mix(uint64_t x);

/// Combines a seed and a stream index (e.g. an epoch) into a new seed.
uint64_t deriveSeed(uint64_t seed, uint64_t stream);

/// SplitMix64 generator: state += 0x9E3779B97F4A7C15, output = mix(state).
class Rng {
public:
  /// Starts the generator at `seed`.
  explicit Rng(uint64_t seed) : state(seed) {}
  /// Next 64 random bits.
  uint64_t next();
  /// Uniform integer in [0, bound) without modulo bias (Lemire 2019);
  /// returns 0 when bound is 0.
  uint64_t below(uint64_t bound);
  /// Uniform double in [0, 1) with 53 random bits.
  double uniform();
  /// Standard normal by Box-Muller (uses two uniforms per call).
  double normal();
  /// The raw state, to save and restore the generator.
  uint64_t getState() const { return state; }

private:
  uint64_t state;
};

/// A permutation of 0..n-1 from `rng` (Fisher-Yates: for i = n-1 down to 1,
/// swap i with below(i + 1)).
std::vector<int64_t> randomPermutation(int64_t n, Rng &rng);

} // namespace nnc::rt

#endif // NNC_RUNTIME_RANDOM_H
