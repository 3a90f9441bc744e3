//===- Predict.cpp - nnc predict
//-------------------------------------------===//
//
// `nnc predict FILE.nn --checkpoint CKPT --input FILE(.csv|.npy)
// [--output FILE(.csv|.npy)] [--model-lib SO] [--threads N]`: runs the trained model over
// every row of the input (scaled like in training) and writes the outputs
// (CSV adds the predicted class for classifiers) to the file or stdout.
//
//===----------------------------------------------------------------------===//

#include "Commands.h"

#include "nnc/Runtime/Trainer.h"

#include "llvm/Support/raw_ostream.h"

using namespace nnc::driver;
using namespace nnc::rt;

int nnc::driver::predictMain(int argc, char **argv) {
  ArgList args;
  if (!args.parse("predict", argc, argv,
                  {"checkpoint", "input", "output", "model-lib", "threads"},
                  {"allow-nonfinite", "help"}))
    return 1;
  if (args.has("help")) {
    llvm::outs() << "usage: nnc predict FILE.nn --checkpoint CKPT --input "
                    "FILE(.csv|.npy) [--output FILE(.csv|.npy)] "
                    "[--model-lib SO] [--threads N] [--allow-nonfinite]\n"
                 << kThreadsHelp;
    return 0;
  }
  PredictOptions o;
  if (auto c = args.get("checkpoint"))
    o.checkpoint = *c;
  else
    return reportError("predict", "--checkpoint CKPT is required");
  if (auto in = args.get("input"))
    o.input = *in;
  else
    return reportError("predict", "--input FILE is required");
  o.output = args.get("output").value_or("");
  o.allowNonFinite = args.has("allow-nonfinite");
  if (!threadsOption("predict", args, o.threads))
    return 1;
  o.modelLib = obtainModelLibrary("predict", args);
  if (o.modelLib.empty())
    return 1;
  std::string csv;
  Status st = [&] {
    RuntimeAllocationScope scope;
    return predictFile(o, csv);
  }();
  if (!st)
    return reportError("predict", st.message());
  llvm::outs() << csv;
  return 0;
}
