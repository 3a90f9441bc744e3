//===- nnc/Runtime/Error.h - Errors of the runtime library ------*- C++ -*-===//
//
// How the runtime reports failures. Inside lib/Runtime, code throws
// `RuntimeError` (the library opts into exceptions); every public entry point
// catches it and returns a `Status` or an `Expected<T>`, so neither the C++ nor
// the C API lets an exception escape, and callers built with -fno-exceptions
// (as LLVM-based tools are) can use the library.
//
//===----------------------------------------------------------------------===//
#ifndef NNC_RUNTIME_ERROR_H
#define NNC_RUNTIME_ERROR_H

#include <optional>
#include <stdexcept>
#include <string>
#include <utility>

namespace nnc::rt {

/// What kind of failure happened; the values are those of the C APIs'
/// nnc_status_code_t (nnc-c/status.h), which the C facade returns as is.
enum class ErrorCode {
  Ok = 0,
  InvalidArgument = 1, ///< a caller passed a bad value (option, size, name)
  OutOfRange = 2,      ///< an index or a label is out of range
  NotFound = 3,        ///< a file or a named column does not exist
  Io = 6,              ///< reading or writing a file failed
  DataLoss = 7,        ///< a file is malformed (bad magic, ragged row, ...)
  Internal = 8,        ///< a bug or an exhausted resource
};

/// The exception thrown inside lib/Runtime; never crosses a public API.
class RuntimeError : public std::runtime_error {
public:
  RuntimeError(ErrorCode code, const std::string &message)
      : std::runtime_error(message), code(code) {}
  /// The category of the failure.
  ErrorCode code;
};

/// Success, or a failure with a code and a human-readable message.
class Status {
public:
  Status() = default;
  Status(ErrorCode code, std::string message)
      : errCode(code), msg(std::move(message)) {}
  /// A successful status.
  static Status ok() { return Status(); }
  /// True on success.
  bool isOk() const { return errCode == ErrorCode::Ok; }
  explicit operator bool() const { return isOk(); }
  /// The failure category (Ok on success).
  ErrorCode code() const { return errCode; }
  /// The failure message ("" on success).
  const std::string &message() const { return msg; }

private:
  ErrorCode errCode = ErrorCode::Ok;
  std::string msg;
};

/// A value or a failure `Status`.
template <typename T> class Expected {
public:
  Expected(T value) : val(std::move(value)) {}
  Expected(Status status) : st(std::move(status)) {}
  /// True when a value is held.
  bool hasValue() const { return val.has_value(); }
  explicit operator bool() const { return hasValue(); }
  /// The failure (Ok when a value is held).
  const Status &status() const { return st; }
  /// The held value; only valid when hasValue().
  T &operator*() { return *val; }
  const T &operator*() const { return *val; }
  T *operator->() { return &*val; }
  const T *operator->() const { return &*val; }
  /// Moves the value out.
  T take() { return std::move(*val); }

private:
  std::optional<T> val;
  Status st;
};

} // namespace nnc::rt

#endif // NNC_RUNTIME_ERROR_H
