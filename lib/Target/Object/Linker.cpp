//===- Linker.cpp - link model.so -----------------------------------------===//
//
// Runs the system C compiler driver (`cc`, or clang-19 where there is none
// or for the sanitizer build; `NNC_CC` to override) to link the kernels'
// objects (which hold the descriptor) and the model shim into a shared library.
// A version script keeps every symbol but the public `nnc_*` API local, so
// several models load into one process without clashes. The driver's own
// messages are attached to the diagnostic when it fails.
//
//===----------------------------------------------------------------------===//

#include "nnc/Target/Object/Object.h"

#include "mlir/IR/Diagnostics.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FileUtilities.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/raw_ostream.h"

#include <array>

using namespace mlir;

namespace {

/// Finds the C compiler driver: $NNC_CC, then cc, clang-19, clang. GCC's
/// driver starts in a tenth of the time of clang's (0.07 s of a 3 s
/// compile); both link with the system linker. The sanitizer build takes
/// clang-19 first, whose sanitizer runtime the model shim was built for.
FailureOr<std::string> findCompiler(Location loc, bool sanitized) {
  if (const char *env = std::getenv("NNC_CC"); env && *env) {
    if (auto path = llvm::sys::findProgramByName(env))
      return *path;
    return emitError(loc) << "NNC_CC names '" << env
                          << "', which is not an executable on PATH";
  }
  std::array<const char *, 3> names = {"cc", "clang-19", "clang"};
  if (sanitized)
    names = {"clang-19", "clang", "cc"};
  for (const char *name : names)
    if (auto path = llvm::sys::findProgramByName(name))
      return *path;
  return emitError(loc) << "no C compiler found (tried cc, clang-19, clang); "
                           "run scripts/setup.sh or set NNC_CC";
}

/// Runs the driver `compiler` with `args`; returns what went wrong (its
/// stderr included), empty on success.
std::string runDriver(const std::string &compiler, llvm::StringRef what,
                      std::vector<std::string> args) {
  args.insert(args.begin(), compiler);
  llvm::SmallString<128> errPath;
  if (llvm::sys::fs::createTemporaryFile("nnc-cc", "txt", errPath))
    return "cannot create a temporary file";
  llvm::FileRemover remover(errPath);
  std::optional<llvm::StringRef> redirects[] = {std::nullopt, errPath.str(),
                                                errPath.str()};
  llvm::SmallVector<llvm::StringRef> argRefs(args.begin(), args.end());
  std::string message;
  int rc = llvm::sys::ExecuteAndWait(compiler, argRefs, std::nullopt, redirects,
                                     0, 0, &message);
  if (rc == 0)
    return "";
  std::string error = what.str() + " failed";
  if (!message.empty())
    error += ": " + message;
  if (auto buffer = llvm::MemoryBuffer::getFile(errPath))
    error += "\n" + (*buffer)->getBuffer().rtrim().str();
  return error;
}

/// Runs `args` and turns a failure into a diagnostic with its stderr.
LogicalResult run(Location loc, llvm::StringRef what,
                  std::vector<std::string> args, bool sanitized) {
  FailureOr<std::string> compiler = findCompiler(loc, sanitized);
  if (failed(compiler))
    return failure();
  std::string error = runDriver(*compiler, what, std::move(args));
  if (error.empty())
    return success();
  return emitError(loc) << error;
}

} // namespace

LogicalResult nnc::linkSharedLibrary(Location loc, const LinkInputs &inputs,
                                     llvm::StringRef output) {
  llvm::SmallString<128> mapPath;
  std::optional<llvm::FileRemover> remover;
  if (inputs.versionScript.empty()) {
    if (llvm::sys::fs::createTemporaryFile("nnc-exports", "map", mapPath))
      return emitError(loc) << "cannot create a temporary file";
    remover.emplace(mapPath);
    std::error_code ec;
    llvm::raw_fd_ostream map(mapPath, ec);
    if (ec)
      return emitError(loc)
             << "cannot write " << mapPath << ": " << ec.message();
    map << "{\n  global: nnc_*;\n  local: *;\n};\n";
  } else {
    mapPath = inputs.versionScript;
  }
  std::vector<std::string> args = {"-shared", "-o", output.str()};
  args.insert(args.end(), inputs.objects.begin(), inputs.objects.end());
  if (!inputs.wholeArchives.empty()) {
    args.push_back("-Wl,--whole-archive");
    args.insert(args.end(), inputs.wholeArchives.begin(),
                inputs.wholeArchives.end());
    args.push_back("-Wl,--no-whole-archive");
  }
  args.push_back("-Wl,--version-script=" + mapPath.str().str());
  args.push_back("-Wl,-Bsymbolic");
  if (inputs.sanitize.empty())
    args.push_back("-Wl,-z,defs");
  else
    args.push_back("-fsanitize=" + inputs.sanitize);
  args.push_back("-Wl,--as-needed");
  args.push_back("-lm");
  args.push_back("-lpthread");
  return run(loc, "linking " + output.str(), args, !inputs.sanitize.empty());
}
