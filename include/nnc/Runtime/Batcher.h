//===- nnc/Runtime/Batcher.h - Seeded mini-batch iteration ------*- C++ -*-===//
//
// Cuts a Dataset into mini-batches of contiguous copies ready to hand to a
// model. The order of epoch e is a Fisher-Yates permutation drawn from
// Rng(deriveSeed(seed, e)): it depends only on (seed, e), so a run resumed at
// any epoch (and batch) sees exactly the batches of an uninterrupted run.
//
//===----------------------------------------------------------------------===//
#ifndef NNC_RUNTIME_BATCHER_H
#define NNC_RUNTIME_BATCHER_H

#include "nnc/Runtime/Dataset.h"

#include <cstdint>
#include <utility>
#include <vector>

namespace nnc::rt {

/// Options of a Batcher.
struct BatchOptions {
  /// Rows per batch (>= 1).
  int64_t batchSize = 32;
  /// Shuffle each epoch; false keeps the data set order.
  bool shuffle = true;
  /// Drop the last batch when it has fewer than batchSize rows.
  bool dropLast = false;
  /// Seed of the shuffling.
  uint64_t seed = 0;
  /// Data-parallel training: this process copies only shard `shardIndex`
  /// of `shardCount` of every batch (shardRange), the rest belongs to the
  /// other processes. The order and the batches are those of one process.
  int shardIndex = 0;
  int shardCount = 1;
};

/// One mini-batch: row-major copies of its samples.
struct Batch {
  /// Position of the batch in the epoch (0-based).
  int64_t index = 0;
  /// Number of rows copied here: this shard's (may be 0 when a last
  /// partial batch has fewer rows than shards), all of them unsharded.
  int64_t rows = 0;
  /// Number of rows of the whole batch, over every shard (batchSize, or
  /// fewer for a last partial batch).
  int64_t globalRows = 0;
  /// Position of this shard's first row in the whole batch (0 unsharded).
  int64_t firstRow = 0;
  /// Features [rows, featureShape...].
  std::vector<float> features;
  /// Class labels [rows] (classification).
  std::vector<int32_t> labels;
  /// Regression targets [rows, targetDim].
  std::vector<float> targets;
  /// Indices of the rows in the data set.
  std::vector<int64_t> indices;
};

/// Iterates a Dataset (which must outlive it) in seeded mini-batches.
class Batcher {
public:
  /// Checks the options and the data set.
  static Expected<Batcher> create(const Dataset &data,
                                  const BatchOptions &options);
  /// Batches per epoch (counting a partial last batch unless dropLast).
  int64_t numBatches() const;
  /// Starts epoch `epoch` (0-based) at batch `startBatch`.
  void beginEpoch(int64_t epoch, int64_t startBatch = 0);
  /// Fills `batch` with the next batch; false at the end of the epoch.
  bool next(Batch &batch);
  /// The sample order of the current epoch.
  const std::vector<int64_t> &order() const { return perm; }
  /// The current epoch.
  int64_t epoch() const { return currentEpoch; }
  /// The index of the batch next() returns next.
  int64_t position() const { return nextBatch; }

private:
  Batcher(const Dataset &data, const BatchOptions &options)
      : data(&data), options(options) {}
  const Dataset *data;
  BatchOptions options;
  std::vector<int64_t> perm;
  int64_t currentEpoch = 0;
  int64_t nextBatch = 0;
};

/// The rows [first, first + second) of shard `shard` of `count` in a batch
/// of `rows` rows: contiguous, in shard order, sizes differing by at most
/// one (the first `rows % count` shards get one more).
std::pair<int64_t, int64_t> shardRange(int64_t rows, int shard, int count);

/// The sample order of `epoch` for n samples and `seed` (what Batcher uses
/// when shuffling).
std::vector<int64_t> epochOrder(int64_t n, uint64_t seed, int64_t epoch);

} // namespace nnc::rt

#endif // NNC_RUNTIME_BATCHER_H
