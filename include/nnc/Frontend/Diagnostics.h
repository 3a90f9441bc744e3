//===- nnc/Frontend/Diagnostics.h - Front-end diagnostics -------*- C++ -*-===//
//
// Source locations and the small diagnostic engine of the front end. Every
// error in a .nn file is printed clang style, `file:line:col: error: message`,
// followed by the source line and a caret under the column. The engine keeps
// the text of every registered buffer so it can print the line, records every
// diagnostic (tests inspect them), and stops reporting after a fixed number of
// errors with a single "too many errors" line.
//
//===----------------------------------------------------------------------===//
#ifndef NNC_FRONTEND_DIAGNOSTICS_H
#define NNC_FRONTEND_DIAGNOSTICS_H

#include "llvm/ADT/StringRef.h"
#include "llvm/ADT/Twine.h"
#include "llvm/Support/raw_ostream.h"

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace nnc {

/// A position in a .nn source file. `line` and `col` are 1-based; `col`
/// counts bytes. A location with a null `file` or line 0 is "unknown".
struct Location {
  std::shared_ptr<std::string> file;
  int line = 0;
  int col = 0;

  /// True when the location points into a file.
  bool isValid() const { return file && line > 0 && col > 0; }
  /// "file:line:col" (or "<unknown>").
  std::string str() const;
};

/// How serious a diagnostic is.
enum class Severity { Error, Warning, Note };

/// One reported diagnostic, as recorded by the engine.
struct Diagnostic {
  Severity severity;
  Location loc;
  std::string message;
};

/// Prints and records diagnostics. Buffers registered with addSource() must
/// outlive the engine; diagnostics in other files print without a source line.
class DiagnosticEngine {
public:
  /// Prints to `os` (use llvm::nulls() to only record). After `maxErrors`
  /// errors, further errors and notes are dropped and one line says so.
  explicit DiagnosticEngine(llvm::raw_ostream &os, unsigned maxErrors = 20);

  /// Registers the text of `fileName` so that diagnostics can quote it.
  void addSource(llvm::StringRef fileName, llvm::StringRef buffer);

  /// Reports an error at `loc`.
  void error(const Location &loc, const llvm::Twine &message);
  /// Reports a note attached to the previous error (dropped if it was).
  void note(const Location &loc, const llvm::Twine &message);
  /// Reports an error without a location ("nnc: error: ...").
  void error(const llvm::Twine &message);

  /// Number of errors reported so far (including dropped ones).
  unsigned getNumErrors() const { return numErrors; }
  bool hasErrors() const { return numErrors != 0; }
  /// True once the error limit was reached: callers may stop early.
  bool reachedLimit() const { return numErrors >= maxErrors; }
  /// Every diagnostic that was reported (not those dropped after the limit).
  const std::vector<Diagnostic> &getDiagnostics() const { return diags; }

private:
  void emit(Severity severity, const Location &loc, const llvm::Twine &message);
  void printSourceLine(const Location &loc);

  llvm::raw_ostream &os;
  unsigned maxErrors;
  unsigned numErrors = 0;
  bool lastDropped = false;
  std::map<std::string, llvm::StringRef> sources;
  std::vector<Diagnostic> diags;
};

} // namespace nnc

#endif // NNC_FRONTEND_DIAGNOSTICS_H
