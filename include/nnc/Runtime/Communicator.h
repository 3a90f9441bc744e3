//===- nnc/Runtime/Communicator.h - Processes of a training run -*- C++ -*-===//
//
// The processes that train one model together (data parallelism,
// docs/distributed.md) and the collective operations the trainer needs
// between them: sums, gathers, broadcasts, and ending every process at once.
// One process is `localCommunicator()`; several are MPI ranks, reached
// through the plugin libnnc_mpi.so, which `openMpiCommunicator()` dlopens,
// so that nothing else in nnc links MPI.
//
//===----------------------------------------------------------------------===//
#ifndef NNC_RUNTIME_COMMUNICATOR_H
#define NNC_RUNTIME_COMMUNICATOR_H

#include "nnc/Runtime/Error.h"

#include <cstdint>
#include <memory>
#include <string>

namespace nnc::rt {

/// The processes of one run. Collective calls must be made by every process
/// in the same order; all of them return the same result on every process.
class Communicator {
public:
  virtual ~Communicator() = default;
  /// This process, 0..size()-1; rank 0 prints and writes the outputs.
  virtual int rank() const = 0;
  /// The number of processes.
  virtual int size() const = 0;
  /// This process among those on the same machine (0 for the first).
  virtual int localRank() const = 0;
  /// In-place element-wise sums over every process.
  virtual Status allreduceSum(float *data, int64_t count) = 0;
  virtual Status allreduceSum(double *data, int64_t count) = 0;
  /// `bytes` bytes from every process into `out` (size() * bytes), in rank
  /// order.
  virtual Status allgather(const void *data, size_t bytes, void *out) = 0;
  /// Overwrites `data` on every process with rank `root`'s.
  virtual Status broadcast(void *data, size_t bytes, int root) = 0;
  /// Ends every process with exit code `code`, now: for a failure the other
  /// processes cannot learn of (they would wait in a collective forever).
  [[noreturn]] virtual void abort(int code) = 0;
  /// "1 process" or "4 MPI ranks (Open MPI v4.1.4, ...)".
  virtual std::string describe() const = 0;

  /// True once the processes agreed on a failure: each of them reports it
  /// and ends normally, none needs abort().
  bool failedTogether() const { return agreedFailure; }
  void setFailedTogether() { agreedFailure = true; }

private:
  bool agreedFailure = false;
};

/// One process: rank 0 of 1, every collective leaves the data as it is.
std::unique_ptr<Communicator> localCommunicator();

/// True when the environment says that an MPI launcher started this process
/// (OMPI_COMM_WORLD_SIZE from Open MPI's mpirun, PMI_SIZE or PMIX_RANK from
/// MPICH's, Slurm's or PMIx launchers).
bool launchedByMpi();

/// Loads the MPI plugin and initialises MPI (MPI_Init_thread). The plugin is
/// $NNC_MPI_PLUGIN when set, else libnnc_mpi.so in the `lib` directory beside
/// the executable's `bin` (the build tree's layout), else beside the
/// executable. Fails with what is missing (a build without MPI, a plugin
/// that does not load, MPI that does not start).
Expected<std::unique_ptr<Communicator>> openMpiCommunicator();

} // namespace nnc::rt

#endif // NNC_RUNTIME_COMMUNICATOR_H
