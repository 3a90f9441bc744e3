//===- Eval.cpp - nnc eval
//-------------------------------------------------===//
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

int nnc::driver::evalMain(int argc, char **argv) {
  ArgList args;
  if (!args.parse("eval", argc, argv,
                  {"checkpoint", "data", "model-lib", "threads"},
                  {"allow-nonfinite", "help"}))
    return 1;
  if (args.has("help")) {
    llvm::outs() << "usage: nnc eval FILE.nn --checkpoint CKPT [--data SPEC] "
                    "[--model-lib SO] [--threads N] [--allow-nonfinite]\n"
                 << kThreadsHelp;
    return 0;
  }
  EvalOptions o;
  if (auto c = args.get("checkpoint"))
    o.checkpoint = *c;
  else
    return reportError("eval", "--checkpoint CKPT is required");
  o.modelLib = obtainModelLibrary("eval", args);
  if (o.modelLib.empty())
    return 1;
  o.data = args.get("data").value_or("");
  o.allowNonFinite = args.has("allow-nonfinite");
  if (!threadsOption("eval", args, o.threads))
    return 1;
  if (!args.positional().empty())
    o.baseDir = parentDir(args.positional()[0]);
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
