//===- Random.cpp - Portable pseudo-random numbers ------------------------===//
//
// SplitMix64, Lemire's bounded integers, Fisher-Yates and Box-Muller, written
// out so that every platform produces the same streams (see Random.h).
//
//===----------------------------------------------------------------------===//

#include "nnc/Runtime/Random.h"

#include <cmath>

using namespace nnc::rt;

uint64_t nnc::rt::splitmix64Mix(uint64_t x) {
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

uint64_t nnc::rt::deriveSeed(uint64_t seed, uint64_t stream) {
  return splitmix64Mix(splitmix64Mix(seed) ^ (stream * 0x9E3779B97F4A7C15ULL +
                                              0x632BE59BD9B4E019ULL));
}

uint64_t Rng::next() {
  state += 0x9E3779B97F4A7C15ULL;
  return splitmix64Mix(state);
}

uint64_t Rng::below(uint64_t bound) {
  if (bound == 0)
    return 0;
  // Lemire's nearly divisionless method with 128-bit products.
  unsigned __int128 m = static_cast<unsigned __int128>(next()) * bound;
  uint64_t low = static_cast<uint64_t>(m);
  if (low < bound) {
    uint64_t threshold = (0 - bound) % bound;
    while (low < threshold) {
      m = static_cast<unsigned __int128>(next()) * bound;
      low = static_cast<uint64_t>(m);
    }
  }
  return static_cast<uint64_t>(m >> 64);
}

double Rng::uniform() { return (next() >> 11) * 0x1.0p-53; }

double Rng::normal() {
  // 1 - uniform() lies in (0, 1], so the log is finite.
  double u1 = 1.0 - uniform();
  double u2 = uniform();
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * M_PI * u2);
}

std::vector<int64_t> nnc::rt::randomPermutation(int64_t n, Rng &rng) {
  std::vector<int64_t> perm(n > 0 ? n : 0);
  for (int64_t i = 0; i < n; ++i)
    perm[i] = i;
  for (int64_t i = n - 1; i > 0; --i) {
    int64_t j = static_cast<int64_t>(rng.below(static_cast<uint64_t>(i) + 1));
    std::swap(perm[i], perm[j]);
  }
  return perm;
}
