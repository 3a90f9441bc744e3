//===- DataParallel.h - One training step over several processes -*- C++
//-*-===//
//
// Private to lib/Runtime: what the training loop does differently when
// several processes train one model (docs/distributed.md). Every process
// holds the same parameters and computes the gradients of its shard of the
// global batch; the gradients, weighted by each shard's share of the batch,
// and the loss are summed by one all-reduce over a flat buffer; every
// process then applies the same optimizer update and takes rank 0's buffers
// (running statistics), as PyTorch's DistributedDataParallel does. Failures
// inside a step are agreed on, so that every process reports the same one.
//
//===----------------------------------------------------------------------===//
#ifndef NNC_LIB_RUNTIME_DATAPARALLEL_H
#define NNC_LIB_RUNTIME_DATAPARALLEL_H

#include "nnc/Runtime/Batcher.h"
#include "nnc/Runtime/Communicator.h"
#include "nnc/Runtime/Metrics.h"
#include "nnc/Runtime/ModelLibrary.h"

#include <string>
#include <vector>

namespace nnc::rt::detail {

/// Shares the failure of any process: every process gets an error naming
/// the first failed rank and its message (and how many others failed) when
/// one of them passes a failed `local`; ok when none did. Collective.
Status agree(Communicator &comm, const Status &local);

/// Fails on every process, naming the rank and both texts, when a
/// process's `fingerprint` (what it is about to train) differs from rank
/// 0's. Collective.
Status agreeOnRun(Communicator &comm, const std::string &fingerprint);

/// Fails on every process when the processes' parameters are not
/// bit-identical (compares a hash). Collective.
Status checkInSync(Communicator &comm, const ModelInstance &model);

/// The all-reduce callback (nnc_model_set_allreduce) of a model compiled
/// with sync_batchnorm: sums the kernel's f32 data over the processes in
/// f64 (comm's allreduceSum, MPI_Allreduce in the plugin), rounded to f32
/// once. A process without rows of the batch takes part with zeros.
struct ReplicaSums {
  Communicator *comm = nullptr;
  bool contribute = true;
  Status error;             ///< the first failed all-reduce of the step
  std::vector<double> wide; ///< the data in f64
  static int callback(void *context, float *data, int64_t count);
};

/// The data-parallel training step of one process.
class DataParallel {
public:
  /// `syncBatchnorm`: the model was compiled with sync_batchnorm, so its
  /// grads entry calls back for replica sums (docs/distributed.md).
  DataParallel(ModelInstance &model, Communicator &comm, bool syncBatchnorm)
      : model(model), comm(comm), sync(syncBatchnorm) {
    sums.comm = &comm;
  }
  /// One step on `shard` (this process's rows of a global batch of
  /// shard.globalRows rows; none is fine): compute_gradients on the shard,
  /// weight by shard.rows / shard.globalRows, all-reduce, apply with `lr`,
  /// then rank 0's buffers everywhere. `outputs` receives this shard's
  /// forward outputs. Returns the loss of the global batch (the
  /// row-weighted mean of the shards' losses).
  float step(const Batch &shard, const std::vector<char> &labels, double lr,
             std::vector<std::vector<float>> &outputs);
  /// Sums the epoch's meters over every process.
  void reduceMeters(AccuracyMeter &accuracy, RegressionMeter &regression);

private:
  /// sync_batchnorm on a process without rows of the batch: runs the grads
  /// entry on one row of zeros so that its replica sums meet the other
  /// processes' (contributing zeros); the results are dropped.
  void stepWithoutRows();

  ModelInstance &model;
  Communicator &comm;
  bool sync;
  ReplicaSums sums;
  std::vector<std::vector<char>> dummyInputs, dummyLabels;
  std::vector<std::vector<float>> dummyOutputs;
  std::vector<float> flat; ///< every gradient, then loss and failure slots
  std::vector<std::vector<char>> buffers;
};

/// A fault the environment asks a process to simulate, for tests of the
/// failure paths: NNC_FAULT_INJECT=RANK:kill@STEP (the process kills itself
/// with SIGKILL before step STEP, 1-based) or RANK:error@STEP (the step
/// fails with an error). Other ranks and steps run normally.
void injectFault(int rank, int64_t step);

} // namespace nnc::rt::detail

#endif // NNC_LIB_RUNTIME_DATAPARALLEL_H
