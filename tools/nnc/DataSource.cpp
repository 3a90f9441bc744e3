//===- DataSource.cpp - nnc data-source and the --data options ------------===//
//
// `--data`/`--test` of train and eval take a data source as written in a
// .nn file (`csv("f.csv", label = first)`); the front end reads and checks
// it (nnc/Frontend/DataSource.h) and the runtime receives its JSON. JSON and
// a bare path are passed to the runtime as they are. `nnc data-source SPEC`
// prints what the runtime receives (that JSON, or a path or JSON unchanged):
// a check of a data source, and how the Python package hands every data
// override to the runtime library, with no second copy of the rule.
//
//===----------------------------------------------------------------------===//

#include "Commands.h"

#include "nnc/Frontend/DataSource.h"

#include "llvm/Support/raw_ostream.h"

using namespace nnc;
using namespace nnc::driver;

namespace cl = llvm::cl;

cl::SubCommand &nnc::driver::dataSourceCommand() {
  static cl::SubCommand command(
      "data-source", "Check a data source (csv(\"f.csv\"), spiral(), ...) "
                     "and print it as the JSON the runtime reads");
  return command;
}

static cl::opt<std::string> spec(cl::Positional, cl::desc("SPEC"),
                                 cl::sub(dataSourceCommand()));

std::optional<std::string>
nnc::driver::dataSourceArgument(llvm::StringRef option,
                                const std::string &text) {
  if (!isDataSourceSyntax(text))
    return text;
  DiagnosticEngine diags(llvm::errs());
  return dataSourceJson(option, text, diags);
}

int nnc::driver::dataSourceMain() {
  if (!spec.getNumOccurrences() || llvm::StringRef(spec).trim().empty())
    return reportError("data-source", "expected one data source, such as "
                                      "'csv(\"f.csv\")'");
  std::optional<std::string> json = dataSourceArgument("SPEC", spec);
  if (!json)
    return 1;
  llvm::outs() << *json << "\n";
  return 0;
}
