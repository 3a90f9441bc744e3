//===- Summary.cpp - nnc summary ------------------------------------------===//
//
// `nnc summary FILE.nn [--batch N]`: a Keras-style table of the model,
// computed at compile time from the nn dialect (no model.so is built): one
// row per layer call with its output shape, parameter count and forward
// FLOPs per sample, then the totals and the memory one instance needs at a
// batch, the CPU kernels' workspace included (nnc/Pipelines/KernelWorkspace.h).
// The figures come from nnc/Pipelines/ModelSummary.h, which the `--header`
// comment block shares; this file parses the arguments.
//
//===----------------------------------------------------------------------===//

#include "Commands.h"

#ifdef NNC_HAVE_COMPILER
#include "nnc/Pipelines/Compilation.h"
#include "nnc/Pipelines/ModelSummary.h"
#endif

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/raw_ostream.h"

#include <string>

using namespace nnc::driver;

#ifdef NNC_HAVE_COMPILER

int nnc::driver::summaryMain(int argc, char **argv) {
  ArgList args;
  if (!args.parse("summary", argc, argv, {"batch"}, {"help", "bytes"}))
    return 1;
  if (args.has("help")) {
    llvm::outs() << "usage: nnc summary FILE.nn [--batch N] [--bytes]\n"
                    "  layers, output shapes, parameters, FLOPs per sample "
                    "and the memory of one\n  instance at a batch (default: "
                    "the train section's batch, else 32)\n"
                    "  --bytes: the memory figures in bytes\n";
    return 0;
  }
  if (args.positional().size() != 1)
    return reportError("summary", "expected one FILE.nn");
  int64_t batch = 0;
  if (auto b = args.get("batch")) {
    if (llvm::StringRef(*b).getAsInteger(10, batch) || batch < 1)
      return reportError("summary",
                         "--batch expects an integer >= 1, got '" + *b + "'");
  }
  CompileOptions options;
  Compilation c(options, llvm::errs(), 20);
  if (!c.load(args.positional()[0]) || !c.generateNN())
    return 1;
  CPUCodegenOptions cpu = cpuCodegenOptions(options);
  std::optional<ModelSummary> summary =
      summarizeModel(c.getModule(), batch, &cpu);
  if (!summary)
    return reportError("summary", "the module has no @predict");
  writeSummary(*summary, llvm::outs(), "", args.has("bytes"));
  return 0;
}

#else

int nnc::driver::summaryMain(int, char **) {
  return reportError("summary", "this nnc was built without the compiler");
}

#endif
