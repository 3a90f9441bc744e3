//===- Diagnostics.cpp - Front-end diagnostics ----------------------------===//
//
// Prints diagnostics clang style: the `file:line:col: error: message` header,
// the quoted source line and a caret under the column. Lines longer than a
// terminal are shown as a window around the column; control characters and
// invalid UTF-8 are replaced so the quote never garbles the terminal.
//
//===----------------------------------------------------------------------===//

#include "nnc/Frontend/Diagnostics.h"

#include "llvm/Support/ConvertUTF.h"

using namespace nnc;

std::string Location::str() const {
  if (!isValid())
    return "<unknown>";
  return *file + ":" + std::to_string(line) + ":" + std::to_string(col);
}

DiagnosticEngine::DiagnosticEngine(llvm::raw_ostream &os, unsigned maxErrors)
    : os(os), maxErrors(maxErrors == 0 ? 1 : maxErrors) {}

void DiagnosticEngine::addSource(llvm::StringRef fileName,
                                 llvm::StringRef buffer) {
  sources[fileName.str()] = buffer;
}

void DiagnosticEngine::error(const Location &loc, const llvm::Twine &message) {
  ++numErrors;
  if (numErrors > maxErrors) {
    if (numErrors == maxErrors + 1)
      os << "nnc: error: too many errors emitted, stopping now\n";
    lastDropped = true;
    return;
  }
  lastDropped = false;
  emit(Severity::Error, loc, message);
}

void DiagnosticEngine::note(const Location &loc, const llvm::Twine &message) {
  if (lastDropped)
    return;
  emit(Severity::Note, loc, message);
}

void DiagnosticEngine::error(const llvm::Twine &message) {
  error(Location(), message);
}

void DiagnosticEngine::emit(Severity severity, const Location &loc,
                            const llvm::Twine &message) {
  diags.push_back({severity, loc, message.str()});
  const char *word = severity == Severity::Error     ? "error"
                     : severity == Severity::Warning ? "warning"
                                                     : "note";
  if (loc.isValid())
    os << loc.str() << ": " << word << ": " << message << "\n";
  else
    os << "nnc: " << word << ": " << message << "\n";
  if (loc.isValid())
    printSourceLine(loc);
}

/// Returns the text of line `line` (1-based) of `buffer`, or an empty ref.
static bool findLine(llvm::StringRef buffer, int line, llvm::StringRef &out) {
  size_t pos = 0;
  for (int l = 1; l < line; ++l) {
    size_t nl = buffer.find('\n', pos);
    if (nl == llvm::StringRef::npos)
      return false;
    pos = nl + 1;
  }
  size_t end = buffer.find('\n', pos);
  out = buffer.slice(pos, end == llvm::StringRef::npos ? buffer.size() : end);
  if (out.ends_with("\r"))
    out = out.drop_back();
  return true;
}

void DiagnosticEngine::printSourceLine(const Location &loc) {
  auto it = sources.find(*loc.file);
  if (it == sources.end())
    return;
  llvm::StringRef text;
  if (!findLine(it->second, loc.line, text))
    return;
  // Show at most ~160 bytes around the column of long lines.
  size_t col = static_cast<size_t>(loc.col - 1);
  if (col > text.size())
    col = text.size();
  size_t begin = 0, end = text.size();
  bool cutFront = false, cutBack = false;
  if (text.size() > 160) {
    begin = col > 80 ? col - 80 : 0;
    // Do not start in the middle of a UTF-8 sequence.
    while (begin > 0 &&
           (static_cast<unsigned char>(text[begin]) & 0xC0) == 0x80)
      --begin;
    end = std::min(text.size(), begin + 160);
    cutFront = begin > 0;
    cutBack = end < text.size();
  }
  llvm::StringRef shown = text.slice(begin, end);
  const auto *data = reinterpret_cast<const llvm::UTF8 *>(shown.data());
  bool validUTF8 = llvm::isLegalUTF8String(&data, data + shown.size());

  std::string quote, caret;
  if (cutFront) {
    quote += "...";
    caret += "   ";
  }
  for (size_t i = 0; i < shown.size(); ++i) {
    unsigned char c = shown[i];
    bool beforeCol = begin + i < col;
    if (c == '\t') {
      quote += '\t';
      if (beforeCol)
        caret += '\t';
      continue;
    }
    if (c < 0x20 || c == 0x7F) {
      quote += ' ';
    } else if (c >= 0x80 && !validUTF8) {
      quote += '?';
    } else {
      quote += static_cast<char>(c);
      // Continuation bytes of a valid sequence take no column on screen.
      if (c >= 0x80 && (c & 0xC0) == 0x80)
        continue;
    }
    if (beforeCol)
      caret += ' ';
  }
  if (cutBack)
    quote += "...";
  os << quote << "\n" << caret << "^\n";
}
