//===- Commands.h - The nnc subcommands train, eval, predict ----*- C++ -*-===//
//
// Entry points of `nnc train`, `nnc eval`, `nnc predict`, `nnc summary` and
// `nnc import` (one file each),
// the small argument parser they share, and `obtainModelLibrary`, which
// compiles a .nn file through the compiler cache or takes `--model-lib`.
//
//===----------------------------------------------------------------------===//
#ifndef NNC_TOOLS_NNC_COMMANDS_H
#define NNC_TOOLS_NNC_COMMANDS_H

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace nnc::driver {

/// `--name VALUE` / `--name=VALUE` options and positional arguments.
class ArgList {
public:
  /// Parses argv[1..] of a subcommand; `valued` lists the options that take
  /// a value, `flags` those that do not. False (error printed) on a bad
  /// or unknown option.
  bool parse(const char *command, int argc, char **argv,
             const std::vector<std::string> &valued,
             const std::vector<std::string> &flags);
  /// The value of `--name`, if given.
  std::optional<std::string> get(const std::string &name) const;
  /// True when the flag `--name` was given.
  bool has(const std::string &name) const { return values.count(name) != 0; }
  /// Positional arguments.
  const std::vector<std::string> &positional() const { return pos; }

private:
  std::map<std::string, std::string> values;
  std::vector<std::string> pos;
};

/// The model library to use: `--model-lib` if given, else the .nn file
/// compiled into the cache. Empty (error printed) on failure.
std::string obtainModelLibrary(const char *command, const ArgList &args);

/// `--threads N` into `out` (left alone when absent): the threads of the
/// model's kernels, 1..NNC_MAX_THREADS. False (error printed) when bad.
bool threadsOption(const char *command, const ArgList &args, int32_t &out);

/// The help line of `--threads`.
extern const char *const kThreadsHelp;

/// The directory holding `path` ("." when it has no slash).
std::string parentDir(const std::string &path);

/// Prints "nnc <command>: error: <message>" and returns 1.
int reportError(const char *command, const std::string &message);

/// Makes running out of memory the documented error: "nnc <command>: error:
/// out of memory" and exit code 1. LLVM's code (the compiler) reports it
/// through LLVM's bad-alloc handler, installed here; call once from main.
void installOutOfMemoryHandler(const char *command);

/// While alive, `new` throws std::bad_alloc instead of calling LLVM's
/// new-handler (which aborts with "LLVM ERROR: out of memory"), so that the
/// runtime library, built with exceptions, unwinds and reports it as a
/// Status. Wrap every call into lib/Runtime in one.
class RuntimeAllocationScope {
public:
  RuntimeAllocationScope();
  ~RuntimeAllocationScope();
  RuntimeAllocationScope(const RuntimeAllocationScope &) = delete;
  RuntimeAllocationScope &operator=(const RuntimeAllocationScope &) = delete;

private:
  void (*saved)();
};

/// `nnc train`.
int trainMain(int argc, char **argv);
/// `nnc eval`.
int evalMain(int argc, char **argv);
/// `nnc predict`.
int predictMain(int argc, char **argv);
/// `nnc summary`.
int summaryMain(int argc, char **argv);
/// `nnc import` (docs/import.md).
int importMain(int argc, char **argv);

} // namespace nnc::driver

#endif // NNC_TOOLS_NNC_COMMANDS_H
