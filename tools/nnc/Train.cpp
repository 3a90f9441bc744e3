//===- Train.cpp - nnc train
//-----------------------------------------------===//
//
// `nnc train FILE.nn [--data SPEC] [--test SPEC] [--epochs N] [--batch N]
// [--lr X] [--seed S] [--validation F] [--scaling KIND] [--out DIR]
// [--resume CKPT] [--save-every N] [--threads N] [--model-lib SO]
// [--no-plots] [--quiet]`: compile (cached),
// then run the runtime's training loop with a progress bar on a terminal and
// one line per epoch otherwise, and write the run's files to DIR (default
// out/<model name>).
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

static const char *const kTrainHelp =
    "usage: nnc train FILE.nn [options]\n"
    "  --data SPEC       training data, as in the .nn file: csv(\"f.csv\"),\n"
    "                    idx(\"dir\"), npy(\"x.npy\", \"y.npy\"), spiral(), "
    "logic(xor)\n"
    "  --test SPEC       test set (same syntax)\n"
    "  --epochs N  --batch N  --lr X  --seed S\n"
    "  --validation F    hold out a fraction of the data for validation\n"
    "  --scaling KIND    none | minmax | standard (fitted on the training "
    "set)\n"
    "  --out DIR         output directory (default out/<model name>)\n"
    "  --resume CKPT     continue from DIR/checkpoint.safetensors\n"
    "  --save-every N    checkpoint every N epochs (default: the recipe's\n"
    "                    save_every; 0 = after 60 s of training) and at the "
    "end\n"
    "  --allow-nonfinite resume from a checkpoint holding NaN or infinity\n"
    "  --model-lib SO    train a prebuilt model.so (FILE.nn is then optional)\n"
    "  --no-plots        skip the SVG pictures\n"
    "  --quiet           no progress output\n"
    "  --log-every S     not on a terminal: an epoch line at most every S\n"
    "                    seconds, with the run's ETA (default 10; 0: every "
    "epoch)\n"
    "  --distributed     train data-parallel over MPI ranks (implied under\n"
    "                    mpirun; docs/distributed.md)\n";

/// Parses an integer option into `out`; false (error printed) when bad.
template <typename T>
static bool intOption(const ArgList &args, const char *name,
                      std::optional<T> &out, long long min) {
  auto v = args.get(name);
  if (!v)
    return true;
  long long n;
  if (llvm::StringRef(*v).getAsInteger(10, n) || n < min) {
    reportError("train", "--" + std::string(name) + " expects an integer >= " +
                             std::to_string(min) + ", got '" + *v + "'");
    return false;
  }
  out = T(n);
  return true;
}

static bool floatOption(const ArgList &args, const char *name,
                        std::optional<double> &out) {
  auto v = args.get(name);
  if (!v)
    return true;
  double d;
  if (llvm::StringRef(*v).getAsDouble(d)) {
    reportError("train", "--" + std::string(name) + " expects a number, got '" +
                             *v + "'");
    return false;
  }
  out = d;
  return true;
}

/// obtainModelLibrary on every rank: rank 0 compiles (or finds the cache
/// entry) first, so that ranks sharing a cache do not compile in parallel.
static std::string obtainModelLibraryOnRanks(const ArgList &args,
                                             Communicator *comm) {
  if (!comm || comm->size() == 1)
    return obtainModelLibrary("train", args);
  std::string lib;
  if (comm->rank() == 0)
    lib = obtainModelLibrary("train", args);
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
  return comm->rank() == 0 ? lib : obtainModelLibrary("train", args);
}

/// One GPU per rank on each machine for CUDA models (CPU models ignore it):
/// NNC_CUDA_DEVICE = the rank among those of this machine, unless the user
/// or the launcher chose (NNC_CUDA_DEVICE set, or CUDA_VISIBLE_DEVICES
/// naming a single device, which is then device 0).
static void selectCudaDevice(const Communicator &comm) {
  const char *visible = std::getenv("CUDA_VISIBLE_DEVICES");
  if (std::getenv("NNC_CUDA_DEVICE") ||
      (visible && !std::strchr(visible, ',')))
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

int nnc::driver::trainMain(int argc, char **argv) {
  ArgList args;
  if (!args.parse("train", argc, argv,
                  {"data", "test", "epochs", "batch", "lr", "seed",
                   "validation", "scaling", "out", "resume", "model-lib",
                   "save-every", "log-every", "threads"},
                  {"no-plots", "quiet", "allow-nonfinite", "distributed",
                   "help"}))
    return 1;
  if (args.has("help")) {
    llvm::outs() << kTrainHelp << kThreadsHelp;
    return 0;
  }
  TrainOptions o;
  std::optional<double> logEvery;
  if (!floatOption(args, "log-every", logEvery))
    return 1;
  if (logEvery && !(*logEvery >= 0))
    return reportError("train", "--log-every expects a number of seconds "
                                ">= 0, got '" +
                                    *args.get("log-every") + "'");
  if (!intOption(args, "epochs", o.epochs, 0) ||
      !intOption(args, "batch", o.batch, 1) ||
      !intOption(args, "seed", o.seed, 0) ||
      !intOption(args, "save-every", o.saveEvery, 0) ||
      !floatOption(args, "lr", o.lr) ||
      !floatOption(args, "validation", o.validation) ||
      !threadsOption("train", args, o.threads))
    return 1;
  if (auto s = args.get("scaling")) {
    auto kind = parseScalingKind(*s);
    if (!kind)
      return reportError("train", kind.status().message());
    o.scaling = *kind;
  }
  // Under mpirun every rank runs this command; they train together.
  std::unique_ptr<Communicator> comm;
  if (args.has("distributed") || launchedByMpi()) {
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
  o.modelLib = obtainModelLibraryOnRanks(args, comm.get());
  if (o.modelLib.empty())
    return 1;
  o.data = args.get("data").value_or("");
  o.test = args.get("test").value_or("");
  o.resume = args.get("resume").value_or("");
  if (!args.positional().empty())
    o.baseDir = parentDir(args.positional()[0]);
  if (auto out = args.get("out")) {
    o.outDir = *out;
  } else if (!o.resume.empty()) {
    o.outDir = parentDir(o.resume);
  } else {
    auto lib = ModelLibrary::open(o.modelLib);
    if (!lib)
      return reportError("train", lib.status().message());
    o.outDir = "out/" + (*lib)->name();
  }
  o.plots = !args.has("no-plots");
  o.allowNonFinite = args.has("allow-nonfinite");
  std::optional<Progress> progress;
  if (!args.has("quiet") && rank == 0) {
    progress.emplace(Progress::forFile(stdout, /*allowInteractive=*/!comm));
    progress->setLogEvery(logEvery.value_or(10.0));
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
  for (const char *key :
       {"train_loss", "train_accuracy", "train_mae", "train_rmse", "val_loss",
        "val_accuracy", "val_mae", "val_rmse", "test_loss", "test_accuracy",
        "test_mae", "test_rmse"}) {
    std::string k = std::string("\"") + key + "\": ";
    size_t at = r->summaryJson.find(k);
    if (at == std::string::npos)
      continue;
    size_t end = r->summaryJson.find_first_of(",\n}", at + k.size());
    double v = std::atof(
        r->summaryJson.substr(at + k.size(), end - at - k.size()).c_str());
    os << "  " << key << " " << llvm::format("%.4f", v);
  }
  if (r->bestEpoch > 0)
    os << "  (weights of epoch " << r->bestEpoch << ")";
  // The best epoch by the monitored validation metric, when there is one.
  size_t at = r->summaryJson.find("\"best_epoch\": ");
  if (at != std::string::npos) {
    long best = std::atol(r->summaryJson.c_str() + at + 14);
    if (best >= 1 && size_t(best) <= r->history.rows.size()) {
      const HistoryRow &row = r->history.rows[size_t(best - 1)];
      os << "\nbest epoch " << best;
      if (!std::isnan(row.valLoss))
        os << ": val_loss " << llvm::format("%.4f", row.valLoss);
      if (!std::isnan(row.valAccuracy))
        os << (std::isnan(row.valLoss) ? ": " : "  ") << "val_accuracy "
           << llvm::format("%.4f", row.valAccuracy);
    }
  }
  os << "\nwrote " << o.outDir
     << "/summary.json, history.csv, model.safetensors\n";
  return 0;
}
