//===- ModelCache.cpp - Compile .nn files into a cache, shared options ----===//
//
// The options train, eval and predict share, and the compiler cache:
// `nnc train/eval/predict FILE.nn` compile the model once and reuse it: the
// cache lives in $NNC_CACHE_DIR, else $XDG_CACHE_HOME/nnc, else
// ~/.cache/nnc; an entry is named after the model file and the SHA-256 of
// its content, the compiler options and the nnc version, and is compiled to
// a temporary name then renamed, so concurrent runs never see half a file.
//
//===----------------------------------------------------------------------===//

#include "Commands.h"

#include "nnc/Pipelines/Compiler.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/SHA256.h"
#include "llvm/Support/raw_ostream.h"

#include "nnc-c/model.h"
#include "nnc/Version.h"

#include <unistd.h>

using namespace nnc::driver;
namespace cl = llvm::cl;

int nnc::driver::reportError(const char *command, const std::string &message) {
  // One write, so that the lines of MPI ranks sharing a terminal stay whole.
  llvm::errs() << ("nnc " + std::string(command) + ": error: " + message +
                   "\n");
  return 1;
}

std::string nnc::driver::parentDir(const std::string &path) {
  llvm::StringRef parent = llvm::sys::path::parent_path(path);
  return parent.empty() ? std::string(".") : parent.str();
}

cl::OptionCategory &nnc::driver::nncCategory() {
  static cl::OptionCategory category("nnc options");
  return category;
}

/// The commands that run a model: train, eval and predict.
static cl::SubCommandGroup &runCommands() {
  static cl::SubCommandGroup group(
      {&trainCommand(), &evalCommand(), &predictCommand()});
  return group;
}

static cl::SubCommandGroup &modelFileCommands() {
  static cl::SubCommandGroup group(
      {&trainCommand(), &evalCommand(), &predictCommand(), &summaryCommand()});
  return group;
}

static cl::SubCommandGroup &checkpointCommands() {
  static cl::SubCommandGroup group({&evalCommand(), &predictCommand()});
  return group;
}

static cl::SubCommandGroup &dataCommands() {
  static cl::SubCommandGroup group({&trainCommand(), &evalCommand()});
  return group;
}

cl::opt<std::string> shared::modelFile(cl::Positional, cl::desc("<FILE.nn>"),
                                       cl::sub(modelFileCommands()),
                                       cl::cat(nncCategory()));
cl::opt<std::string>
    shared::modelLib("model-lib",
                     cl::desc("Use a prebuilt model.so (FILE.nn is then "
                              "optional)"),
                     cl::value_desc("SO"), cl::sub(runCommands()),
                     cl::cat(nncCategory()));
cl::opt<int32_t> shared::threads(
    "threads",
    cl::desc("Threads of the model's kernels (default: NNC_NUM_THREADS, else "
             "every core the process may use; results do not depend on it)"),
    cl::value_desc("N"), cl::sub(runCommands()), cl::cat(nncCategory()));
cl::opt<std::string>
    shared::checkpoint("checkpoint", cl::desc("The trained weights (required)"),
                       cl::value_desc("CKPT"), cl::sub(checkpointCommands()),
                       cl::cat(nncCategory()));
cl::opt<std::string> shared::data(
    "data",
    cl::desc("Data, as in the .nn file: csv(\"f.csv\"), idx(\"dir\"), "
             "npy(\"x.npy\", \"y.npy\"), spiral(), logic(xor)"),
    cl::value_desc("SPEC"), cl::sub(dataCommands()), cl::cat(nncCategory()));
cl::opt<bool> shared::allowNonFinite(
    "allow-nonfinite", cl::desc("Accept a checkpoint holding NaN or infinity"),
    cl::sub(runCommands()), cl::cat(nncCategory()));

bool nnc::driver::checkNonEmpty(
    const char *command,
    std::initializer_list<const cl::opt<std::string> *> options) {
  for (const cl::opt<std::string> *o : options) {
    if (o->getNumOccurrences() && o->getValue().empty()) {
      reportError(command,
                  "option '--" + o->ArgStr.str() + "' needs a value, got ''");
      return false;
    }
  }
  return true;
}

bool nnc::driver::checkThreads(const char *command) {
  if (!shared::threads.getNumOccurrences())
    return true;
  int32_t n = shared::threads;
  if (n < 1 || n > NNC_MAX_THREADS) {
    reportError(command, "--threads expects an integer in 1.." +
                             std::to_string(NNC_MAX_THREADS) + ", got '" +
                             std::to_string(n) + "'");
    return false;
  }
  return true;
}

/// The cache directory (created).
static std::string cacheDir() {
  llvm::SmallString<256> dir;
  if (auto env = llvm::sys::Process::GetEnv("NNC_CACHE_DIR")) {
    dir = *env;
  } else if (auto xdg = llvm::sys::Process::GetEnv("XDG_CACHE_HOME")) {
    dir = *xdg;
    llvm::sys::path::append(dir, "nnc");
  } else if (auto home = llvm::sys::Process::GetEnv("HOME")) {
    dir = *home;
    llvm::sys::path::append(dir, ".cache", "nnc");
  } else {
    dir = "/tmp/nnc-cache";
  }
  llvm::sys::fs::create_directories(dir);
  return std::string(dir);
}

/// Identifies the compiler build (size and modification time of this
/// executable), so that a rebuilt nnc never reuses libraries compiled by an
/// older one.
static std::string compilerIdentity() {
  std::string exe = llvm::sys::fs::getMainExecutable(
      nullptr, reinterpret_cast<void *>(&compilerIdentity));
  llvm::sys::fs::file_status status;
  if (exe.empty() || llvm::sys::fs::status(exe, status))
    return "unknown-build";
  return exe + '\0' + std::to_string(status.getSize()) + '\0' +
         std::to_string(
             status.getLastModificationTime().time_since_epoch().count());
}

std::string nnc::driver::obtainModelLibrary(const char *command) {
  if (shared::modelLib.getNumOccurrences())
    return shared::modelLib;
  if (shared::modelFile.empty()) {
    reportError(command, "expected a model file (nnc " + std::string(command) +
                             " FILE.nn ...) or --model-lib model.so");
    return "";
  }
  const std::string &input = shared::modelFile;
  auto buffer = llvm::MemoryBuffer::getFile(input);
  if (!buffer) {
    reportError(command,
                "cannot open '" + input + "': " + buffer.getError().message());
    return "";
  }
  // The key: the model, nnc's version and build, and the (default) compile
  // options, which the subcommands do not change.
  llvm::SHA256 sha;
  sha.update((*buffer)->getBuffer());
  sha.update(llvm::StringRef(std::string(1, '\0') + "cpu=host" + '\0' +
                             "nnc=" + NNC_VERSION_STRING));
  sha.update(compilerIdentity());
  std::array<uint8_t, 32> digest = sha.final();
  std::string key = llvm::toHex(llvm::ArrayRef<uint8_t>(digest).take_front(12),
                                /*LowerCase=*/true);
  std::string stem = llvm::sys::path::stem(input).str();
  llvm::SmallString<256> path(cacheDir());
  llvm::sys::path::append(path, stem + "-" + key + ".so");
  if (llvm::sys::fs::exists(path))
    return std::string(path);
  std::string tmp = std::string(path) + ".tmp." + std::to_string(::getpid());
  nnc::CompileOptions options;
  if (!nnc::compileModelFile(input, tmp, options, llvm::errs())) {
    llvm::sys::fs::remove(tmp);
    return "";
  }
  if (std::error_code ec = llvm::sys::fs::rename(tmp, path)) {
    llvm::sys::fs::remove(tmp);
    reportError(command, "cannot store the compiled model in " +
                             std::string(path) + ": " + ec.message());
    return "";
  }
  return std::string(path);
}
