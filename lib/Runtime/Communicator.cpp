//===- Communicator.cpp - One process, or MPI ranks through the plugin ----===//
//
// The local communicator (one process) and the MPI communicator: a thin C++
// face over the function table of libnnc_mpi.so (MpiPlugin.h), which is
// dlopen'ed here. RTLD_GLOBAL because Open MPI loads its own components with
// dlopen and they resolve libmpi's symbols globally.
//
//===----------------------------------------------------------------------===//

#include "nnc/Runtime/Communicator.h"
#include "Internal.h"
#include "nnc/Runtime/MpiPlugin.h"

#include <cstdlib>
#include <cstring>
#include <dlfcn.h>
#include <unistd.h>
#include <vector>

using namespace nnc::rt;
using namespace nnc::rt::detail;

namespace {

class LocalCommunicator final : public Communicator {
public:
  int rank() const override { return 0; }
  int size() const override { return 1; }
  int localRank() const override { return 0; }
  Status allreduceSum(float *, int64_t) override { return Status::ok(); }
  Status allreduceSum(double *, int64_t) override { return Status::ok(); }
  Status allgather(const void *data, size_t bytes, void *out) override {
    if (bytes)
      std::memcpy(out, data, bytes);
    return Status::ok();
  }
  Status broadcast(void *, size_t, int) override { return Status::ok(); }
  [[noreturn]] void abort(int code) override { std::_Exit(code); }
  std::string describe() const override { return "1 process"; }
};

class MpiCommunicator final : public Communicator {
public:
  explicit MpiCommunicator(const nnc_mpi_plugin_t *plugin)
      : mpi(plugin), myRank(plugin->rank()), numRanks(plugin->size()),
        myLocalRank(plugin->local_rank()) {}
  ~MpiCommunicator() override {
    char err[512] = "";
    mpi->finalize(err, sizeof err);
    // The plugin stays loaded: Open MPI does not support unloading.
  }
  int rank() const override { return myRank; }
  int size() const override { return numRanks; }
  int localRank() const override { return myLocalRank; }
  Status allreduceSum(float *data, int64_t count) override {
    return check(mpi->allreduce_sum_f32(data, count, err, sizeof err));
  }
  Status allreduceSum(double *data, int64_t count) override {
    return check(mpi->allreduce_sum_f64(data, count, err, sizeof err));
  }
  Status allgather(const void *data, size_t bytes, void *out) override {
    return check(mpi->allgather(data, bytes, out, err, sizeof err));
  }
  Status broadcast(void *data, size_t bytes, int root) override {
    return check(mpi->broadcast(data, bytes, root, err, sizeof err));
  }
  [[noreturn]] void abort(int code) override {
    mpi->abort(code);
    std::_Exit(code); // MPI_Abort does not return; in case it does
  }
  std::string describe() const override {
    return fmt::format("{} MPI rank{} ({})", numRanks, numRanks == 1 ? "" : "s",
                       mpi->library_version());
  }

private:
  Status check(int rc) const {
    if (rc == 0)
      return Status::ok();
    return Status(ErrorCode::Internal, fmt::format("rank {}: {}", myRank, err));
  }
  const nnc_mpi_plugin_t *mpi;
  int myRank, numRanks, myLocalRank;
  char err[512] = "";
};

/// The directory of the running executable ("" when unknown).
std::string executableDir() {
  char path[4096];
  ssize_t n = readlink("/proc/self/exe", path, sizeof path - 1);
  if (n <= 0)
    return "";
  path[n] = '\0';
  std::string p(path);
  size_t slash = p.rfind('/');
  return slash == std::string::npos ? "" : p.substr(0, slash);
}

/// Where the plugin is looked for, in order.
std::vector<std::string> pluginCandidates() {
  if (const char *env = std::getenv("NNC_MPI_PLUGIN"); env && *env)
    return {env};
  std::string dir = executableDir();
  if (dir.empty())
    return {"libnnc_mpi.so"};
  return {dir + "/../lib/libnnc_mpi.so", dir + "/libnnc_mpi.so"};
}

} // namespace

std::unique_ptr<Communicator> nnc::rt::localCommunicator() {
  return std::make_unique<LocalCommunicator>();
}

bool nnc::rt::launchedByMpi() {
  for (const char *var : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK"})
    if (const char *v = std::getenv(var); v && *v)
      return true;
  return false;
}

Expected<std::unique_ptr<Communicator>> nnc::rt::openMpiCommunicator() {
  std::string tried;
  void *handle = nullptr;
  for (const std::string &path : pluginCandidates()) {
    if (path.find('/') != std::string::npos && !fileExists(path)) {
      tried += fmt::format("\n  {}: no such file", path);
      continue;
    }
    handle = dlopen(path.c_str(), RTLD_NOW | RTLD_GLOBAL);
    if (handle)
      break;
    tried += fmt::format("\n  {}: {}", path, dlerror());
  }
  if (!handle)
    return Status(ErrorCode::NotFound,
                  "distributed training needs the MPI plugin libnnc_mpi.so "
                  "(built when CMake finds libopenmpi-dev; set NNC_MPI_PLUGIN "
                  "to its path), tried:" +
                      tried);
  auto *plugin = static_cast<const nnc_mpi_plugin_t *>(
      dlsym(handle, NNC_MPI_PLUGIN_SYMBOL));
  if (!plugin || plugin->version != NNC_MPI_PLUGIN_VERSION)
    return Status(ErrorCode::InvalidArgument,
                  fmt::format("the MPI plugin has no {} of version {}",
                              NNC_MPI_PLUGIN_SYMBOL, NNC_MPI_PLUGIN_VERSION));
  char err[512] = "";
  if (plugin->init(err, sizeof err) != 0)
    return Status(ErrorCode::Internal,
                  fmt::format("MPI did not start: {}", err));
  return std::unique_ptr<Communicator>(
      std::make_unique<MpiCommunicator>(plugin));
}
