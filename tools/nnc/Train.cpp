//===- Train.cpp - nnc train ----------------------------------------------===//
//
// `nnc train FILE.nn [options]` (`nnc train --help` lists them): compile
// (cached), then run the runtime's training loop with a progress bar on a
// terminal and one line per epoch otherwise, write the run's files to DIR
// (default out/<model name>) and print the final metrics from the run's
// TrainResult.
//
//===----------------------------------------------------------------------===//

#include "Commands.h"

#include "nnc/Runtime/Trainer.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>

using namespace nnc::driver;
using namespace nnc::rt;
namespace cl = llvm::cl;

cl::SubCommand &nnc::driver::trainCommand() {
  static cl::SubCommand command(
      "train", "Train a model as its train section says (docs/runtime.md)");
  return command;
}

namespace {
/// An option of `nnc train` alone.
template <typename T> struct TrainOpt : cl::opt<T> {
  TrainOpt(const char *name, const char *valueDesc, const char *desc)
      : cl::opt<T>(llvm::StringRef(name), cl::desc(desc),
                   cl::value_desc(valueDesc), cl::sub(trainCommand()),
                   cl::cat(nncCategory())) {}
};
struct TrainFlag : cl::opt<bool> {
  TrainFlag(const char *name, const char *desc)
      : cl::opt<bool>(llvm::StringRef(name), cl::desc(desc),
                      cl::sub(trainCommand()), cl::cat(nncCategory())) {}
};
} // namespace

static TrainOpt<std::string> testSpec("test", "SPEC",
                                      "Test set (the --data syntax)");
static TrainOpt<int64_t> epochs("epochs", "N", "Epochs to train");
static TrainOpt<int64_t> batch("batch", "N", "Batch size");
static TrainOpt<double> lr("lr", "X", "Learning rate");
static TrainOpt<int64_t> seed("seed", "S", "Random seed");
static TrainOpt<double>
    validation("validation", "F",
               "Hold out a fraction of the data for validation");
static TrainOpt<std::string>
    scaling("scaling", "KIND",
            "none | minmax | standard (fitted on the training set)");
static TrainOpt<std::string>
    outDir("out", "DIR", "Output directory (default out/<model name>)");
static TrainOpt<std::string> resume("resume", "CKPT",
                                    "Continue from DIR/checkpoint.safetensors");
static TrainOpt<int64_t>
    saveEvery("save-every", "N",
              "Checkpoint every N epochs (default: the recipe's save_every; "
              "0 = after 60 s of training) and at the end");
static TrainOpt<double>
    logEvery("log-every", "S",
             "Not on a terminal: an epoch line at most every S seconds, with "
             "the run's ETA (default 10; 0: every epoch)");
static TrainFlag noPlots("no-plots", "Skip the SVG pictures");
static TrainFlag quiet("quiet", "No progress output");
static TrainFlag
    distributed("distributed",
                "Train data-parallel over MPI ranks (implied under "
                "mpirun; docs/distributed.md)");

/// `v` as the user would write it (-1, 0.5).
static std::string numberText(double v) {
  std::string text;
  llvm::raw_string_ostream(text) << llvm::format("%g", v);
  return text;
}

/// Copies an integer option into `out` when given; false (error printed)
/// when it is below `min`.
template <typename T>
static bool intOption(const cl::opt<int64_t> &option, std::optional<T> &out,
                      int64_t min) {
  if (!option.getNumOccurrences())
    return true;
  if (option < min) {
    reportError("train", "--" + option.ArgStr.str() +
                             " expects an integer >= " + std::to_string(min) +
                             ", got '" + std::to_string(option) + "'");
    return false;
  }
  out = T(option);
  return true;
}

static void floatOption(const cl::opt<double> &option,
                        std::optional<double> &out) {
  if (option.getNumOccurrences())
    out = option;
}

/// obtainModelLibrary on every rank: rank 0 compiles (or finds the cache
/// entry) first, so that ranks sharing a cache do not compile in parallel.
static std::string obtainModelLibraryOnRanks(Communicator *comm) {
  if (!comm || comm->size() == 1)
    return obtainModelLibrary("train");
  std::string lib;
  if (comm->rank() == 0)
    lib = obtainModelLibrary("train");
  int32_t ok = comm->rank() == 0 ? !lib.empty() : 0;
  if (Status st = comm->broadcast(&ok, sizeof ok, 0); !st) {
    reportError("train", st.message());
    comm->abort(1);
  }
  if (!ok) {
    if (comm->rank() != 0)
      reportError("train", "rank " + std::to_string(comm->rank()) +
                               ": rank 0 could not compile the model (its "
                               "error says why)");
    return "";
  }
  return comm->rank() == 0 ? lib : obtainModelLibrary("train");
}

/// One GPU per rank on each machine for CUDA models (CPU models ignore it):
/// NNC_CUDA_DEVICE = the rank among those of this machine, unless the user
/// or the launcher chose (NNC_CUDA_DEVICE set, or CUDA_VISIBLE_DEVICES
/// naming a single device, which is then device 0).
static void selectCudaDevice(const Communicator &comm) {
  const char *visible = std::getenv("CUDA_VISIBLE_DEVICES");
  if (std::getenv("NNC_CUDA_DEVICE") || (visible && !std::strchr(visible, ',')))
    return;
  ::setenv("NNC_CUDA_DEVICE", std::to_string(comm.localRank()).c_str(), 0);
}

/// Reports a failed run. With several ranks, a failure the ranks agreed on
/// is reported by each; any other ends every rank now (MPI_Abort), since
/// the others would wait for this one forever.
static int reportTrainError(const Status &status, Communicator *comm) {
  if (!comm || comm->size() == 1 || comm->failedTogether())
    return reportError("train", status.message());
  reportError("train", "rank " + std::to_string(comm->rank()) + " of " +
                           std::to_string(comm->size()) + ": " +
                           status.message() + " (ending every rank)");
  comm->abort(1);
}

int nnc::driver::trainMain() {
  if (!checkNonEmpty("train", {&shared::data, &testSpec, &scaling, &outDir,
                               &resume, &shared::modelLib}))
    return 1;
  TrainOptions o;
  if (logEvery.getNumOccurrences() && !(logEvery >= 0))
    return reportError("train", "--log-every expects a number of seconds "
                                ">= 0, got '" +
                                    numberText(logEvery) + "'");
  if (!intOption(epochs, o.epochs, 0) || !intOption(batch, o.batch, 1) ||
      !intOption(seed, o.seed, 0) || !intOption(saveEvery, o.saveEvery, 0) ||
      !checkThreads("train"))
    return 1;
  floatOption(lr, o.lr);
  floatOption(validation, o.validation);
  o.threads = shared::threads;
  std::optional<std::string> data = dataSourceArgument("--data", shared::data);
  std::optional<std::string> test = dataSourceArgument("--test", testSpec);
  if (!data || !test)
    return 1;
  o.data = *data;
  o.test = *test;
  if (scaling.getNumOccurrences()) {
    auto kind = parseScalingKind(scaling);
    if (!kind)
      return reportError("train", kind.status().message());
    o.scaling = *kind;
  }
  // Under mpirun every rank runs this command; they train together.
  std::unique_ptr<Communicator> comm;
  if (distributed || launchedByMpi()) {
    auto c = [] {
      RuntimeAllocationScope scope;
      return openMpiCommunicator();
    }();
    if (!c)
      return reportError("train", c.status().message());
    comm = c.take();
    selectCudaDevice(*comm);
  }
  int rank = comm ? comm->rank() : 0;
  o.comm = comm.get();
  o.modelLib = obtainModelLibraryOnRanks(comm.get());
  if (o.modelLib.empty())
    return 1;
  o.resume = resume;
  if (!shared::modelFile.empty())
    o.baseDir = parentDir(shared::modelFile);
  if (outDir.getNumOccurrences()) {
    o.outDir = outDir;
  } else if (!o.resume.empty()) {
    o.outDir = parentDir(o.resume);
  } else {
    auto lib = ModelLibrary::open(o.modelLib);
    if (!lib)
      return reportError("train", lib.status().message());
    o.outDir = "out/" + (*lib)->name();
  }
  o.plots = !noPlots;
  o.allowNonFinite = shared::allowNonFinite;
  std::optional<Progress> progress;
  if (!quiet && rank == 0) {
    progress.emplace(Progress::forFile(stdout, /*allowInteractive=*/!comm));
    progress->setLogEvery(logEvery.getNumOccurrences() ? double(logEvery)
                                                       : 10.0);
    o.progress = &*progress;
  }
  o.warn = [](const std::string &w) {
    llvm::errs() << "nnc train: warning: " << w << "\n";
  };
  Expected<TrainResult> r = [&] {
    RuntimeAllocationScope scope;
    return train(o);
  }();
  if (!r)
    return reportTrainError(r.status(), comm.get());
  if (rank != 0)
    return 0;
  // One line of final metrics, in the order of summary.json's keys.
  llvm::raw_ostream &os = llvm::outs();
  os << "done:";
  for (auto [set, m] :
       {std::pair{"train", &r->trainMetrics}, std::pair{"val", &r->valMetrics},
        std::pair{"test", &r->testMetrics}}) {
    for (auto [name, v] :
         {std::pair{"loss", m->loss}, std::pair{"accuracy", m->accuracy},
          std::pair{"mae", m->mae}, std::pair{"rmse", m->rmse}})
      if (!std::isnan(v))
        os << "  " << set << "_" << name << " " << llvm::format("%.4f", v);
  }
  if (r->bestEpoch > 0)
    os << "  (weights of epoch " << r->bestEpoch << ")";
  // The best epoch by the monitored validation metric, when there is one.
  int64_t best = r->monitoredBestEpoch;
  if (best >= 1 && size_t(best) <= r->history.rows.size()) {
    const HistoryRow &row = r->history.rows[size_t(best - 1)];
    os << "\nbest epoch " << best;
    if (!std::isnan(row.valLoss))
      os << ": val_loss " << llvm::format("%.4f", row.valLoss);
    if (!std::isnan(row.valAccuracy))
      os << (std::isnan(row.valLoss) ? ": " : "  ") << "val_accuracy "
         << llvm::format("%.4f", row.valAccuracy);
  }
  os << "\nwrote " << o.outDir
     << "/summary.json, history.csv, model.safetensors\n";
  return 0;
}
