//===- Predict.cpp - nnc predict ------------------------------------------===//
//
// `nnc predict FILE.nn --checkpoint CKPT --input FILE(.csv|.npy)
// [--output FILE(.csv|.npy)] [--model-lib SO] [--threads N]`: runs the trained
// model over every row of the input (scaled like in training) and writes the
// outputs (CSV adds the predicted class for classifiers) to the file or stdout.
//
//===----------------------------------------------------------------------===//

#include "Commands.h"

#include "nnc/Runtime/Trainer.h"

#include "llvm/Support/raw_ostream.h"

using namespace nnc::driver;
using namespace nnc::rt;
namespace cl = llvm::cl;

cl::SubCommand &nnc::driver::predictCommand() {
  static cl::SubCommand command(
      "predict", "Run trained weights on rows (--input CSV or .npy)");
  return command;
}

static cl::opt<std::string> input("input", cl::desc("The rows (required)"),
                                  cl::value_desc("FILE(.csv|.npy)"),
                                  cl::sub(predictCommand()),
                                  cl::cat(nncCategory()));
static cl::opt<std::string>
    output("output", cl::desc("Write the outputs here (default: stdout)"),
           cl::value_desc("FILE(.csv|.npy)"), cl::sub(predictCommand()),
           cl::cat(nncCategory()));

int nnc::driver::predictMain() {
  if (!checkNonEmpty("predict",
                     {&shared::checkpoint, &input, &output, &shared::modelLib}))
    return 1;
  PredictOptions o;
  if (!shared::checkpoint.getNumOccurrences())
    return reportError("predict", "--checkpoint CKPT is required");
  o.checkpoint = shared::checkpoint;
  if (!input.getNumOccurrences())
    return reportError("predict", "--input FILE is required");
  o.input = input;
  o.output = output;
  o.allowNonFinite = shared::allowNonFinite;
  if (!checkThreads("predict"))
    return 1;
  o.threads = shared::threads;
  o.modelLib = obtainModelLibrary("predict");
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
