//===- FuzzTests.cpp - Mutation fuzzing of the file parsers ---------------===//
//
// Feeds thousands of mutated CSV, IDX and .npy files (bit flips, byte
// overwrites, insertions, deletions, truncations; plain and gzip) to the
// loaders. Each must return either a data set that passes validate() or a
// failure whose message names the file: never crash, hang or throw.
//
//===----------------------------------------------------------------------===//

#include "TestUtil.h"
#include "nnc/Runtime/Random.h"
#include "nnc/Runtime/Sources.h"

#include <gtest/gtest.h>

#include <functional>

using namespace nnc::rt;
using namespace nnc::rt::test;

/// One random mutation of `input`.
static std::string mutate(const std::string &input, Rng &rng) {
  std::string s = input;
  int edits = 1 + static_cast<int>(rng.below(4));
  static const char kInteresting[] = {'\0', '\xff', '\x80', ',', '\n', '-',
                                      '.',  'e',    '9',    ' ', '\'', ')'};
  for (int e = 0; e < edits; ++e) {
    size_t pos = s.empty() ? 0 : rng.below(s.size());
    switch (rng.below(6)) {
    case 0: // bit flip
      if (!s.empty())
        s[pos] ^= static_cast<char>(1 << rng.below(8));
      break;
    case 1: // interesting byte
      if (!s.empty())
        s[pos] = kInteresting[rng.below(sizeof(kInteresting))];
      break;
    case 2: // insertion
      s.insert(s.begin() + pos, kInteresting[rng.below(sizeof(kInteresting))]);
      break;
    case 3: // deletion
      if (!s.empty())
        s.erase(pos, 1 + rng.below(4));
      break;
    case 4: // truncation
      s.resize(rng.below(s.size() + 1));
      break;
    default: // duplicate a chunk
      if (!s.empty())
        s.insert(pos, s.substr(rng.below(s.size()), 1 + rng.below(8)));
    }
  }
  return s;
}

/// Runs `load` on mutations of `seedBytes` (and their gzip) written to
/// `path`.
template <typename Load>
static void fuzz(const std::string &path, const std::string &seedBytes,
                 Load load, int iterations, uint64_t seed) {
  Rng rng(seed);
  int failures = 0, successes = 0;
  for (int i = 0; i < iterations; ++i) {
    std::string bytes = mutate(seedBytes, rng);
    if (i % 4 == 3)
      bytes = gzip(bytes);
    if (i % 8 == 7) // corrupt the compressed stream itself
      bytes = mutate(gzip(seedBytes), rng);
    writeBytes(path, bytes);
    auto result = load();
    if (result.hasValue()) {
      ++successes;
      ASSERT_TRUE(result->validate().isOk())
          << result->validate().message() << " (iteration " << i << ")";
    } else {
      ++failures;
      ASSERT_NE(result.status().message().find("fz"), std::string::npos)
          << "the message should name the file: " << result.status().message();
    }
  }
  // The mutations must actually exercise the error paths.
  EXPECT_GT(failures, iterations / 10);
  (void)successes;
}

TEST(Fuzz, Csv) {
  TempDir dir;
  std::string path = dir.file("fz.csv");
  std::string seed = "3,2,no,yes\n1.5,2,0\n-3e2,0.25,1\n7,8,1\n";
  fuzz(path, seed, [&] { return loadCsv(path, {}); }, 3000, 1);
  std::string named = "a,b,label\n1,2,x\n3,4,y\n";
  CsvOptions opts;
  opts.labelColumn = "label";
  fuzz(path, named, [&] { return loadCsv(path, opts); }, 1500, 2);
}

TEST(Fuzz, Idx) {
  TempDir dir;
  std::string images = dir.file("fz-images"), labels = dir.file("fz-labels");
  std::string pixels;
  for (int i = 0; i < 4 * 3 * 3; ++i)
    pixels += static_cast<char>(i * 7);
  std::string imageBytes = idxBytes(0x08, {4, 3, 3}, pixels);
  std::string labelBytes =
      idxBytes(0x08, {4}, std::string("\x01\x00\x03\x02", 4));
  writeBytes(labels, labelBytes);
  fuzz(images, imageBytes, [&] { return loadIdx(images, labels); }, 2000, 3);
  writeBytes(images, imageBytes);
  fuzz(labels, labelBytes, [&] { return loadIdx(images, labels); }, 1500, 4);
  std::string floats = idxBytes(0x0D, {2, 2}, std::string(16, '\x3f'));
  fuzz(images, floats, [&] { return loadIdx(images, labels); }, 1000, 5);
}

TEST(Fuzz, Npy) {
  TempDir dir;
  std::string x = dir.file("fz-x.npy"), y = dir.file("fz-y.npy");
  ASSERT_TRUE(writeNpy(x, {3, 2}, std::vector<float>{1, 2, 3, 4, 5, 6}));
  ASSERT_TRUE(writeNpy(y, {3}, std::vector<int32_t>{0, 1, 2}));
  std::string xBytes = readBytes(x), yBytes = readBytes(y);
  fuzz(x, xBytes, [&] { return loadNpyDataset(x, y); }, 2500, 6);
  writeBytes(x, xBytes);
  fuzz(y, yBytes, [&] { return loadNpyDataset(x, y); }, 1500, 7);
}
