//===- TestUtil.h - Helpers of the front-end unit tests ---------*- C++ -*-===//
//
// Runs the front end on a string with diagnostics recorded (not printed) and
// reads the example files from the source tree.
//
//===----------------------------------------------------------------------===//
#ifndef NNC_TEST_UNIT_FRONTEND_TESTUTIL_H
#define NNC_TEST_UNIT_FRONTEND_TESTUTIL_H

#include "nnc/Frontend/Parser.h"
#include "nnc/Frontend/Sema.h"

#include <fstream>
#include <sstream>

namespace nnc::test {

/// The front end run on one buffer; `ok` is true when no error was reported.
struct Result {
  std::string text; // owns the buffer the diagnostics refer to
  std::unique_ptr<DiagnosticEngine> diags;
  std::unique_ptr<ModuleAST> module;
  bool ok = false;

  /// The first error, or a default diagnostic when there is none.
  Diagnostic firstError() const {
    for (const Diagnostic &d : diags->getDiagnostics())
      if (d.severity == Severity::Error)
        return d;
    return {Severity::Note, {}, "<no error>"};
  }
};

/// Parses `text` as "test.nn" and, when `sema` and parsing succeeded, runs
/// Sema.
inline Result runFrontend(std::string text, bool sema = true,
                          unsigned maxErrors = 20) {
  Result r;
  r.text = std::move(text);
  r.diags = std::make_unique<DiagnosticEngine>(llvm::nulls(), maxErrors);
  r.module = parseBuffer(r.text, "test.nn", *r.diags);
  if (sema && !r.diags->hasErrors())
    runSema(*r.module, *r.diags);
  r.ok = !r.diags->hasErrors();
  return r;
}

inline std::string sourceDir() {
  if (const char *dir = std::getenv("NNC_SOURCE_DIR"))
    return dir;
  return NNC_SOURCE_DIR;
}

inline std::string readFile(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

/// The example files every test must accept.
inline std::vector<std::string> exampleNames() {
  return {"perceptron",   "xor",         "spiral",
          "digits_mlp",   "fashion_mlp", "fashion_cnn",
          "fashion_lstm", "fashion_gru", "fashion_transformer"};
}

} // namespace nnc::test

#endif // NNC_TEST_UNIT_FRONTEND_TESTUTIL_H
