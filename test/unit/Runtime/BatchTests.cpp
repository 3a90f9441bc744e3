//===- BatchTests.cpp - Randomness, preprocessing and batching ------------===//
//
// The PRNG against reference values computed independently (SplitMix64's
// published outputs, a Python transcription of the shuffle), scaling and
// splitting on hand-computed data, and batch iteration: coverage, partial
// batches, determinism and resume equivalence.
//
//===----------------------------------------------------------------------===//

#include "nnc/Runtime/Batcher.h"
#include "nnc/Runtime/Preprocess.h"
#include "nnc/Runtime/Random.h"
#include "nnc/Runtime/Sources.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>

using namespace nnc::rt;

TEST(Random, SplitMix64ReferenceOutputs) {
  // The first outputs of SplitMix64 seeded with 0 (Vigna's reference code).
  Rng rng(0);
  EXPECT_EQ(rng.next(), 0xE220A8397B1DCDAFULL);
  EXPECT_EQ(rng.next(), 0x6E789E6AA1B965F4ULL);
  EXPECT_EQ(rng.next(), 0x06C45D188009454FULL);
}

TEST(Random, EpochOrderIsPlatformIndependent) {
  // Computed by a separate Python transcription of deriveSeed, SplitMix64,
  // Lemire's bounded integers and Fisher-Yates.
  EXPECT_EQ(epochOrder(10, 42, 0),
            (std::vector<int64_t>{3, 8, 5, 4, 1, 9, 7, 6, 0, 2}));
  EXPECT_EQ(epochOrder(10, 42, 1),
            (std::vector<int64_t>{9, 8, 5, 0, 4, 3, 1, 7, 2, 6}));
}

TEST(Random, BoundedAndUniformRanges) {
  Rng rng(5);
  std::vector<int> counts(7, 0);
  for (int i = 0; i < 70000; ++i) {
    uint64_t v = rng.below(7);
    ASSERT_LT(v, 7u);
    ++counts[v];
  }
  for (int c : counts)
    EXPECT_NEAR(c, 10000, 400);
  double sum = 0, sq = 0;
  for (int i = 0; i < 20000; ++i) {
    double z = rng.normal();
    sum += z;
    sq += z * z;
  }
  EXPECT_NEAR(sum / 20000, 0.0, 0.03);
  EXPECT_NEAR(sq / 20000, 1.0, 0.04);
}

static Dataset table(int64_t n) {
  Dataset ds;
  ds.name = "table";
  ds.featureShape = {2};
  ds.numClasses = 3;
  for (int64_t i = 0; i < n; ++i) {
    ds.features.push_back(float(i));
    ds.features.push_back(float(-i));
    ds.labels.push_back(int32_t(i % 3));
  }
  return ds;
}

TEST(Preprocess, MinMaxFittedOnTrainOnly) {
  Dataset train = table(5); // column 0: 0..4, column 1: 0..-4
  Dataset test = table(3);
  test.features = {8, 2, -4, -2};
  test.labels = {0, 1};
  auto s = Scaler::fit(train, ScalingKind::MinMax);
  ASSERT_TRUE(s);
  ASSERT_TRUE(s->apply(train));
  ASSERT_TRUE(s->apply(test));
  EXPECT_FLOAT_EQ(train.features[2 * 4], 1.0f);
  EXPECT_FLOAT_EQ(train.features[2 * 4 + 1], 0.0f);
  EXPECT_FLOAT_EQ(train.features[2 * 2], 0.5f);
  // (8 - 0) / 4 = 2 and (2 - -4) / 4 = 1.5: the test set is not refitted.
  EXPECT_FLOAT_EQ(test.features[0], 2.0f);
  EXPECT_FLOAT_EQ(test.features[1], 1.5f);
}

TEST(Preprocess, StandardAndConstantColumns) {
  Dataset ds;
  ds.featureShape = {2};
  ds.numClasses = 1;
  ds.features = {1, 7, 3, 7, 5, 7, 7, 7};
  ds.labels = {0, 0, 0, 0};
  auto s = Scaler::fit(ds, ScalingKind::Standard);
  ASSERT_TRUE(s);
  // mean 4, population std sqrt(5); the constant column maps to 0.
  ASSERT_TRUE(s->apply(ds));
  EXPECT_NEAR(ds.features[0], (1 - 4) / std::sqrt(5.0), 1e-6);
  EXPECT_NEAR(ds.features[6], (7 - 4) / std::sqrt(5.0), 1e-6);
  EXPECT_EQ(ds.features[1], 0.0f);
  auto back = Scaler::fromJson(s->toJson());
  ASSERT_TRUE(back);
  EXPECT_EQ(back->offset, s->offset);
  EXPECT_EQ(back->scale, s->scale);
  EXPECT_FALSE(Scaler::fromJson("{\"kind\": 3}").hasValue());
  // A statistic beyond float32 is refused, not turned into infinity.
  auto huge = Scaler::fromJson("{\"kind\": \"standard\", \"offset\": [0, "
                               "1e39], \"scale\": [1, 1]}");
  ASSERT_FALSE(huge);
  EXPECT_NE(huge.status().message().find(
                "scaler JSON: offset[1] is not a finite float32 value: 1e+39"),
            std::string::npos)
      << huge.status().message();
  Dataset wrong = table(2);
  wrong.featureShape = {1};
  wrong.features.resize(2);
  EXPECT_FALSE(s->apply(wrong).isOk());
}

TEST(Preprocess, OneHot) {
  auto v = oneHot({2, 0}, 3);
  ASSERT_TRUE(v);
  EXPECT_EQ(*v, (std::vector<float>{0, 0, 1, 1, 0, 0}));
  auto bad = oneHot({3}, 3);
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.status().message().find("label 3 of row 0"), std::string::npos);
}

TEST(Preprocess, ValidationSplit) {
  Dataset ds = table(100);
  auto parts = splitValidation(ds, 0.2, 9);
  ASSERT_TRUE(parts);
  auto &[train, val] = *parts;
  EXPECT_EQ(train.size(), 80);
  EXPECT_EQ(val.size(), 20);
  std::set<float> seen;
  for (const Dataset *d : {&train, &val}) {
    for (int64_t i = 0; i < d->size(); ++i) {
      float id = d->features[2 * i];
      EXPECT_TRUE(seen.insert(id).second) << "sample in both parts";
      EXPECT_EQ(d->labels[i], int32_t(id) % 3) << "labels follow samples";
      if (i > 0)
        EXPECT_LT(d->features[2 * (i - 1)], id) << "order kept";
    }
  }
  EXPECT_EQ(seen.size(), 100u);
  auto again = splitValidation(ds, 0.2, 9);
  EXPECT_EQ(again->second.features, val.features);
  auto other = splitValidation(ds, 0.2, 10);
  EXPECT_NE(other->second.features, val.features);
  EXPECT_FALSE(splitValidation(ds, 1.0, 0));
  EXPECT_FALSE(splitValidation(ds, std::nan(""), 0));
  // One sample cannot be split: it would leave nothing to train on.
  auto one = splitValidation(table(1), 0.5, 0);
  ASSERT_FALSE(one);
  EXPECT_NE(one.status().message().find(
                "a validation fraction of 0.5 needs at least 2 samples"),
            std::string::npos)
      << one.status().message();
  EXPECT_TRUE(splitValidation(table(1), 0.0, 0)); // no split asked
  auto two = splitValidation(table(2), 0.99, 0);
  ASSERT_TRUE(two);
  EXPECT_EQ(two->first.size(), 1);
  EXPECT_EQ(two->second.size(), 1);
}

TEST(Batcher, ShardsSplitEveryBatchInRankOrder) {
  // Shards of 3 ranks, concatenated in rank order, are the unsharded
  // batches: 10 rows in batches of 4 are 4 = 2+1+1, 4 = 2+1+1, 2 = 1+1+0.
  Dataset ds = table(10);
  auto whole = Batcher::create(ds, {4, true, false, 7});
  ASSERT_TRUE(whole);
  std::vector<Batcher> shards;
  for (int r = 0; r < 3; ++r) {
    auto s = Batcher::create(ds, {4, true, false, 7, r, 3});
    ASSERT_TRUE(s);
    shards.push_back(std::move(*s));
  }
  std::vector<std::vector<int64_t>> sizes(3);
  Batch all, part;
  while (whole->next(all)) {
    std::vector<int64_t> indices;
    std::vector<float> features;
    for (int r = 0; r < 3; ++r) {
      ASSERT_TRUE(shards[size_t(r)].next(part));
      EXPECT_EQ(part.index, all.index);
      EXPECT_EQ(part.globalRows, all.rows);
      sizes[size_t(r)].push_back(part.rows);
      indices.insert(indices.end(), part.indices.begin(), part.indices.end());
      features.insert(features.end(), part.features.begin(),
                      part.features.end());
    }
    EXPECT_EQ(indices, all.indices);
    EXPECT_EQ(features, all.features);
  }
  for (Batcher &s : shards)
    EXPECT_FALSE(s.next(part));
  EXPECT_EQ(sizes[0], (std::vector<int64_t>{2, 2, 1}));
  EXPECT_EQ(sizes[1], (std::vector<int64_t>{1, 1, 1}));
  EXPECT_EQ(sizes[2], (std::vector<int64_t>{1, 1, 0}));
  EXPECT_FALSE(Batcher::create(ds, {4, true, false, 7, 3, 3}));
  EXPECT_FALSE(Batcher::create(ds, {4, true, false, 7, 0, 0}));
}

TEST(Batcher, CoversEveryRowWithAPartialLastBatch) {
  Dataset ds = table(10);
  auto b = Batcher::create(ds, {4, true, false, 1});
  ASSERT_TRUE(b);
  EXPECT_EQ(b->numBatches(), 3);
  std::vector<int64_t> rows, seenIdx;
  Batch batch;
  while (b->next(batch)) {
    rows.push_back(batch.rows);
    for (int64_t r = 0; r < batch.rows; ++r) {
      int64_t i = batch.indices[r];
      seenIdx.push_back(i);
      EXPECT_EQ(batch.features[2 * r], float(i)) << "features copied";
      EXPECT_EQ(batch.features[2 * r + 1], float(-i));
      EXPECT_EQ(batch.labels[r], int32_t(i % 3));
    }
  }
  EXPECT_EQ(rows, (std::vector<int64_t>{4, 4, 2}));
  std::sort(seenIdx.begin(), seenIdx.end());
  for (int64_t i = 0; i < 10; ++i)
    EXPECT_EQ(seenIdx[i], i);
  EXPECT_EQ(b->order(), epochOrder(10, 1, 0));

  auto drop = Batcher::create(ds, {4, false, true, 1});
  ASSERT_TRUE(drop);
  EXPECT_EQ(drop->numBatches(), 2);
  int count = 0;
  while (drop->next(batch)) {
    EXPECT_EQ(batch.rows, 4);
    EXPECT_EQ(batch.indices[0], 4 * count) << "no shuffle keeps the order";
    ++count;
  }
  EXPECT_EQ(count, 2);
  EXPECT_FALSE(Batcher::create(ds, {0, true, false, 1}));
  // A batch larger than the data is one batch (n + batch - 1 used to wrap
  // to a negative count for a batch near INT64_MAX: 0 steps).
  for (int64_t huge : {int64_t(11), std::numeric_limits<int64_t>::max()}) {
    auto whole = Batcher::create(ds, {huge, false, false, 1});
    ASSERT_TRUE(whole);
    EXPECT_EQ(whole->numBatches(), 1) << huge;
    ASSERT_TRUE(whole->next(batch));
    EXPECT_EQ(batch.rows, 10);
    EXPECT_FALSE(whole->next(batch));
    auto dropAll = Batcher::create(ds, {huge, false, true, 1});
    EXPECT_EQ(dropAll->numBatches(), 0);
  }
}

/// Every batch's indices over `epochs` epochs, starting at `from`.
static std::vector<std::vector<int64_t>> run(Batcher &b, int64_t from,
                                             int64_t to) {
  std::vector<std::vector<int64_t>> out;
  Batch batch;
  for (int64_t e = from; e < to; ++e) {
    b.beginEpoch(e);
    while (b.next(batch))
      out.push_back(batch.indices);
  }
  return out;
}

TEST(Batcher, ShufflingIsDeterministicAndResumable) {
  Dataset ds = table(23);
  auto a = Batcher::create(ds, {5, true, false, 77});
  auto c = Batcher::create(ds, {5, true, false, 77});
  ASSERT_TRUE(a && c);
  auto full = run(*a, 0, 6);
  EXPECT_EQ(full, run(*c, 0, 6));
  EXPECT_NE(full[0], full[5]) << "epochs differ";
  // A run resumed at epoch 3 sees the batches of epochs 3..5.
  auto resumed = Batcher::create(ds, {5, true, false, 77});
  auto tail = run(*resumed, 3, 6);
  EXPECT_EQ(tail,
            std::vector<std::vector<int64_t>>(full.begin() + 15, full.end()));
  // Resuming in the middle of epoch 4, at batch 2.
  resumed->beginEpoch(4, 2);
  Batch batch;
  ASSERT_TRUE(resumed->next(batch));
  EXPECT_EQ(batch.indices, full[4 * 5 + 2]);
  EXPECT_EQ(batch.index, 2);
  auto other = Batcher::create(ds, {5, true, false, 78});
  EXPECT_NE(run(*other, 0, 1)[0], full[0]) << "the seed matters";
}

TEST(Batcher, RegressionTargets) {
  Dataset ds;
  ds.featureShape = {1};
  ds.features = {0, 1, 2};
  ds.targetDim = 2;
  ds.targets = {0, 0.5, 1, 1.5, 2, 2.5};
  auto b = Batcher::create(ds, {2, false, false, 0});
  ASSERT_TRUE(b);
  Batch batch;
  ASSERT_TRUE(b->next(batch));
  EXPECT_EQ(batch.targets, (std::vector<float>{0, 0.5, 1, 1.5}));
  ASSERT_TRUE(b->next(batch));
  EXPECT_EQ(batch.targets, (std::vector<float>{2, 2.5}));
  EXPECT_TRUE(batch.labels.empty());
}
