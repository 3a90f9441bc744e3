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

#include "nnc/Pipelines/Compilation.h"
#include "nnc/Pipelines/ModelSummary.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/raw_ostream.h"

#include <string>

using namespace nnc::driver;

namespace cl = llvm::cl;

cl::SubCommand &nnc::driver::summaryCommand() {
  static cl::SubCommand command(
      "summary", "Layers, output shapes, parameters, FLOPs and memory "
                 "of a model (no model.so is built)");
  return command;
}

static cl::opt<int64_t>
    batch("batch",
          cl::desc("The batch of the memory figures (default: the train "
                   "section's batch, else 32)"),
          cl::value_desc("N"), cl::sub(summaryCommand()),
          cl::cat(nncCategory()));
static cl::opt<bool> bytes("bytes", cl::desc("The memory figures in bytes"),
                           cl::sub(summaryCommand()), cl::cat(nncCategory()));

int nnc::driver::summaryMain() {
  if (shared::modelFile.empty())
    return reportError("summary", "expected one FILE.nn");
  if (batch.getNumOccurrences() && batch < 1)
    return reportError("summary", "--batch expects an integer >= 1, got '" +
                                      std::to_string(batch) + "'");
  CompileOptions options;
  Compilation c(options, llvm::errs(), 20);
  if (!c.load(shared::modelFile) || !c.generateNN())
    return 1;
  CPUCodegenOptions cpu = cpuCodegenOptions(options);
  std::optional<ModelSummary> summary = summarizeModel(
      c.getModule(), batch.getNumOccurrences() ? batch : 0, &cpu);
  if (!summary)
    return reportError("summary", "the module has no @predict");
  writeSummary(*summary, llvm::outs(), "", bytes);
  return 0;
}
