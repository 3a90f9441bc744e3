//===- Batcher.cpp - Seeded mini-batch iteration --------------------------===//
//
// Per-epoch permutations derived from (seed, epoch) and batch copies.
//
//===----------------------------------------------------------------------===//

#include "nnc/Runtime/Batcher.h"
#include "Internal.h"
#include "nnc/Runtime/Random.h"

#include <algorithm>

using namespace nnc::rt;
using namespace nnc::rt::detail;

std::vector<int64_t> nnc::rt::epochOrder(int64_t n, uint64_t seed,
                                         int64_t epoch) {
  Rng rng(deriveSeed(seed, static_cast<uint64_t>(epoch)));
  return randomPermutation(n, rng);
}

std::pair<int64_t, int64_t> nnc::rt::shardRange(int64_t rows, int shard,
                                                int count) {
  int64_t base = rows / count, extra = rows % count;
  int64_t first = shard * base + std::min<int64_t>(shard, extra);
  return {first, base + (shard < extra ? 1 : 0)};
}

Expected<Batcher> Batcher::create(const Dataset &data,
                                  const BatchOptions &options) {
  if (options.batchSize < 1)
    return Status(
        ErrorCode::InvalidArgument,
        fmt::format("batch size must be >= 1, got {}", options.batchSize));
  if (options.shardCount < 1 || options.shardIndex < 0 ||
      options.shardIndex >= options.shardCount)
    return Status(ErrorCode::InvalidArgument,
                  fmt::format("shard {} of {}: expected 0 <= shard < count",
                              options.shardIndex, options.shardCount));
  Status valid = data.validate();
  if (!valid)
    return valid;
  Batcher batcher(data, options);
  batcher.beginEpoch(0);
  return batcher;
}

int64_t Batcher::numBatches() const {
  int64_t n = data->size();
  // ceil(n / batch) without forming n + batch - 1, which overflows for a
  // batch near INT64_MAX.
  int64_t full = n / options.batchSize;
  return options.dropLast || n % options.batchSize == 0 ? full : full + 1;
}

void Batcher::beginEpoch(int64_t epoch, int64_t startBatch) {
  currentEpoch = epoch;
  nextBatch = std::max<int64_t>(0, startBatch);
  int64_t n = data->size();
  if (options.shuffle) {
    perm = epochOrder(n, options.seed, epoch);
  } else {
    perm.resize(n);
    for (int64_t i = 0; i < n; ++i)
      perm[i] = i;
  }
}

bool Batcher::next(Batch &batch) {
  if (nextBatch >= numBatches())
    return false;
  int64_t n = data->size();
  int64_t globalBegin = nextBatch * options.batchSize;
  int64_t globalRows = std::min(options.batchSize, n - globalBegin);
  auto [first, rows] =
      shardRange(globalRows, options.shardIndex, options.shardCount);
  int64_t begin = globalBegin + first;
  int64_t per = data->sampleSize();
  batch.index = nextBatch++;
  batch.rows = rows;
  batch.globalRows = globalRows;
  batch.firstRow = first;
  batch.indices.assign(perm.begin() + begin, perm.begin() + begin + rows);
  batch.features.resize(rows * per);
  batch.labels.clear();
  batch.targets.clear();
  for (int64_t r = 0; r < rows; ++r) {
    int64_t i = batch.indices[r];
    std::copy_n(data->features.begin() + i * per, per,
                batch.features.begin() + r * per);
    if (data->isRegression())
      batch.targets.insert(batch.targets.end(),
                           data->targets.begin() + i * data->targetDim,
                           data->targets.begin() + (i + 1) * data->targetDim);
    else
      batch.labels.push_back(data->labels[i]);
  }
  return true;
}
