//===- Commands.h - The nnc subcommands -------------------------*- C++ -*-===//
//
// The subcommands of `nnc` (`train`, `eval`, `predict`, `summary`, `import`;
// one file each), declared as `llvm::cl::SubCommand`s whose options carry
// `cl::sub`, the options several of them share (the model file,
// `--model-lib`, `--threads`, ...), and `obtainModelLibrary`, which compiles
// a .nn file through the compiler cache or takes `--model-lib`. The
// subcommands and the option category are function-local statics, so that
// options in any file may name them whatever the order of static
// initialisation.
//
//===----------------------------------------------------------------------===//
#ifndef NNC_TOOLS_NNC_COMMANDS_H
#define NNC_TOOLS_NNC_COMMANDS_H

#include "llvm/Support/CommandLine.h"

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>

namespace nnc::driver {

/// nnc's own options: the only ones `--help` shows (LLVM's and MLIR's are
/// behind `--help-hidden` of the compile command).
llvm::cl::OptionCategory &nncCategory();

/// The subcommands.
llvm::cl::SubCommand &trainCommand();
llvm::cl::SubCommand &evalCommand();
llvm::cl::SubCommand &predictCommand();
llvm::cl::SubCommand &summaryCommand();
llvm::cl::SubCommand &importCommand();
llvm::cl::SubCommand &dataSourceCommand();

/// The options `train`, `eval` and `predict` share (ModelCache.cpp).
namespace shared {
/// The positional FILE.nn of train, eval, predict and summary.
extern llvm::cl::opt<std::string> modelFile;
/// `--model-lib SO`: a prebuilt model.so instead of compiling FILE.nn.
extern llvm::cl::opt<std::string> modelLib;
/// `--threads N`: the threads of the model's kernels.
extern llvm::cl::opt<int32_t> threads;
/// `--checkpoint CKPT` of eval and predict.
extern llvm::cl::opt<std::string> checkpoint;
/// `--data SPEC` of train and eval.
extern llvm::cl::opt<std::string> data;
/// `--allow-nonfinite`.
extern llvm::cl::opt<bool> allowNonFinite;
} // namespace shared

/// The model library to use: `--model-lib` if given, else FILE.nn compiled
/// into the cache. Empty (error printed) on failure.
std::string obtainModelLibrary(const char *command);

/// Checks `--threads` (when given): 1..NNC_MAX_THREADS. False (error
/// printed) when out of range.
bool checkThreads(const char *command);

/// False (error printed) when one of `options` was given an empty value
/// (`--data ''`, usually an unset shell variable), which must not be
/// mistaken for "not given".
bool checkNonEmpty(
    const char *command,
    std::initializer_list<const llvm::cl::opt<std::string> *> options);

/// The value of `--data`/`--test` (`option`) as the runtime takes it: a
/// data source in .nn syntax read and checked by the front end and written
/// as JSON; JSON or a path unchanged. nullopt after printing the error at
/// `option:1:col`.
std::optional<std::string> dataSourceArgument(llvm::StringRef option,
                                              const std::string &text);

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

/// The subcommands, run after the command line was parsed.
int trainMain();
int evalMain();
int predictMain();
int summaryMain();
/// `nnc import` (docs/import.md).
int importMain();
int dataSourceMain();

} // namespace nnc::driver

#endif // NNC_TOOLS_NNC_COMMANDS_H
