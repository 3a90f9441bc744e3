//===- Internal.h - Helpers shared inside lib/Runtime -----------*- C++ -*-===//
//
// Private to the runtime library: the exception-to-Status boundary used by
// every public entry point, error construction with fmt, and whole-file
// reading with transparent gzip decompression.
//
//===----------------------------------------------------------------------===//
#ifndef NNC_LIB_RUNTIME_INTERNAL_H
#define NNC_LIB_RUNTIME_INTERNAL_H

#include "nnc/Runtime/Error.h"

#include <fmt/format.h>

#include <cstdint>
#include <new>
#include <string>

namespace nnc::rt::detail {

/// Throws a RuntimeError with a formatted message.
template <typename... Args>
[[noreturn]] void fail(ErrorCode code, fmt::format_string<Args...> format,
                       Args &&...args) {
  throw RuntimeError(code, fmt::format(format, std::forward<Args>(args)...));
}

/// The failed Status of the exception being handled; to be called only from
/// a `catch (...)` handler. An exception that is not a std::exception is
/// rethrown, as if it had not been caught.
inline Status currentExceptionStatus() {
  try {
    throw;
  } catch (const RuntimeError &e) {
    return Status(e.code, e.what());
  } catch (const std::bad_alloc &) {
    return Status(ErrorCode::Internal, "out of memory");
  } catch (const std::exception &e) {
    return Status(ErrorCode::Internal, e.what());
  }
}

/// Runs `body`, turning any exception into a failed Status/Expected.
template <typename F> auto guard(F &&body) -> Expected<decltype(body())> {
  try {
    return body();
  } catch (...) {
    return currentExceptionStatus();
  }
}

/// Like guard, for bodies that return nothing.
template <typename F> Status guardStatus(F &&body) {
  try {
    body();
    return Status::ok();
  } catch (...) {
    return currentExceptionStatus();
  }
}

/// Calls `body(line, lineNo)` for each line of `text`, numbered from 1, without
/// its '\n' nor a '\r' before it; returns the number of lines.
template <typename F> int64_t forEachLine(const std::string &text, F &&body) {
  int64_t lineNo = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string::npos)
      end = text.size();
    std::string line = text.substr(pos, end - pos);
    pos = end + 1;
    if (!line.empty() && line.back() == '\r')
      line.pop_back();
    body(line, ++lineNo);
  }
  return lineNo;
}

/// Reads a whole file; gzip data (magic 1f 8b) is decompressed, including
/// concatenated members. Throws with the path and the offset on failure.
std::string readFileMaybeGzip(const std::string &path);

/// True when the file at `path` exists and is a regular file.
bool fileExists(const std::string &path);

/// The last path component, for dataset names.
std::string baseName(const std::string &path);

} // namespace nnc::rt::detail

#endif // NNC_LIB_RUNTIME_INTERNAL_H
