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

#include <new>
#include <string>

namespace nnc::rt::detail {

/// Throws a RuntimeError with a formatted message.
template <typename... Args>
[[noreturn]] void fail(ErrorCode code, fmt::format_string<Args...> format,
                       Args &&...args) {
  throw RuntimeError(code, fmt::format(format, std::forward<Args>(args)...));
}

/// Runs `body`, turning any exception into a failed Status/Expected.
template <typename F> auto guard(F &&body) -> Expected<decltype(body())> {
  try {
    return body();
  } catch (const RuntimeError &e) {
    return Status(e.code, e.what());
  } catch (const std::bad_alloc &) {
    return Status(ErrorCode::Internal, "out of memory");
  } catch (const std::exception &e) {
    return Status(ErrorCode::Internal, e.what());
  }
}

/// Like guard, for bodies that return nothing.
template <typename F> Status guardStatus(F &&body) {
  try {
    body();
    return Status::ok();
  } catch (const RuntimeError &e) {
    return Status(e.code, e.what());
  } catch (const std::bad_alloc &) {
    return Status(ErrorCode::Internal, "out of memory");
  } catch (const std::exception &e) {
    return Status(ErrorCode::Internal, e.what());
  }
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
