//===- Eval.cpp - nnc eval ------------------------------------------------===//
//
// `nnc eval FILE.nn --checkpoint CKPT [--data SPEC] [--model-lib SO]
// [--threads N]`:
// loads a trained checkpoint (and the preprocess.json saved beside it) and
// prints the loss in inference mode (when it can be measured), accuracy or
// MAE/RMSE on the data given, else the recipe's test set, else the rows the
// run held out for validation, else the training rows (named as such).
//
//===----------------------------------------------------------------------===//

#include "Commands.h"

#include "nnc/Runtime/Trainer.h"

#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"

using namespace nnc::driver;
using namespace nnc::rt;
namespace cl = llvm::cl;

cl::SubCommand &nnc::driver::evalCommand() {
  static cl::SubCommand command("eval",
                                "Evaluate trained weights (--checkpoint CKPT)");
  return command;
}

int nnc::driver::evalMain() {
  if (!checkNonEmpty("eval",
                     {&shared::checkpoint, &shared::data, &shared::modelLib}) ||
      !checkThreads("eval"))
    return 1;
  EvalOptions o;
  if (!shared::checkpoint.getNumOccurrences())
    return reportError("eval", "--checkpoint CKPT is required");
  o.checkpoint = shared::checkpoint;
  o.modelLib = obtainModelLibrary("eval");
  if (o.modelLib.empty())
    return 1;
  std::optional<std::string> data = dataSourceArgument("--data", shared::data);
  if (!data)
    return 1;
  o.data = *data;
  o.allowNonFinite = shared::allowNonFinite;
  o.threads = shared::threads;
  if (!shared::modelFile.empty())
    o.baseDir = parentDir(shared::modelFile);
  std::string name;
  Expected<EvalMetrics> m = [&] {
    RuntimeAllocationScope scope;
    return evaluateCheckpoint(o, name);
  }();
  if (!m)
    return reportError("eval", m.status().message());
  llvm::raw_ostream &os = llvm::outs();
  os << name << ": " << m->samples << " samples";
  auto put = [&](const char *key, double v) {
    if (!std::isnan(v))
      os << "  " << key << " " << llvm::format("%.4f", v);
  };
  // A measured loss is printed even when NaN (a diverged checkpoint loaded
  // with --allow-nonfinite): dropping it would hide the problem.
  if (m->lossMeasured && std::isnan(m->loss))
    os << "  loss nan";
  else
    put("loss", m->loss);
  put("accuracy", m->accuracy);
  put("mae", m->mae);
  put("rmse", m->rmse);
  os << "\n";
  return 0;
}
