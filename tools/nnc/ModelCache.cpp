//===- ModelCache.cpp - Compile .nn files into a cache, argument parsing
//---===//
//
// `nnc train/eval/predict FILE.nn` compile the model once and reuse it: the
// cache lives in $NNC_CACHE_DIR, else $XDG_CACHE_HOME/nnc, else
// ~/.cache/nnc; an entry is named after the model file and the SHA-256 of
// its content, the compiler options and the nnc version, and is compiled to
// a temporary name then renamed, so concurrent runs never see half a file.
//
//===----------------------------------------------------------------------===//

#include "Commands.h"

#ifdef NNC_HAVE_COMPILER
#include "nnc/Pipelines/Compiler.h"
#endif

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

bool ArgList::parse(const char *command, int argc, char **argv,
                    const std::vector<std::string> &valued,
                    const std::vector<std::string> &flags) {
  auto isIn = [](const std::vector<std::string> &v, const std::string &s) {
    return std::find(v.begin(), v.end(), s) != v.end();
  };
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg.size() < 3 || arg.compare(0, 2, "--") != 0) {
      pos.push_back(arg);
      continue;
    }
    std::string name = arg.substr(2), value;
    size_t eq = name.find('=');
    bool inlineValue = eq != std::string::npos;
    if (inlineValue) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
    }
    if (isIn(flags, name) && !inlineValue) {
      values[name] = "";
      continue;
    }
    if (!isIn(valued, name)) {
      reportError(command, "unknown option '--" + name + "' (see nnc " +
                               command + " --help)");
      return false;
    }
    if (!inlineValue) {
      if (i + 1 >= argc) {
        reportError(command, "option '--" + name + "' needs a value");
        return false;
      }
      value = argv[++i];
    }
    // Every valued option names a file, a number or a spec: an empty one
    // (`--data ''`, usually an unset shell variable) must not be mistaken for
    // "not given".
    if (value.empty()) {
      reportError(command, "option '--" + name + "' needs a value, got ''");
      return false;
    }
    values[name] = value;
  }
  return true;
}

std::optional<std::string> ArgList::get(const std::string &name) const {
  auto it = values.find(name);
  if (it == values.end())
    return std::nullopt;
  return it->second;
}

const char *const nnc::driver::kThreadsHelp =
    "  --threads N       threads of the model's kernels (default:\n"
    "                    NNC_NUM_THREADS, else every core the process may\n"
    "                    use; results do not depend on it)\n";

bool nnc::driver::threadsOption(const char *command, const ArgList &args,
                                int32_t &out) {
  auto v = args.get("threads");
  if (!v)
    return true;
  int n = 0;
  if (llvm::StringRef(*v).getAsInteger(10, n) || n < 1 ||
      n > NNC_MAX_THREADS) {
    reportError(command, "--threads expects an integer in 1.." +
                             std::to_string(NNC_MAX_THREADS) + ", got '" + *v +
                             "'");
    return false;
  }
  out = n;
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
  return exe + "\0" + std::to_string(status.getSize()) + "\0" +
         std::to_string(status.getLastModificationTime()
                            .time_since_epoch()
                            .count());
}

std::string nnc::driver::obtainModelLibrary(const char *command,
                                            const ArgList &args) {
  if (auto lib = args.get("model-lib"))
    return *lib;
  if (args.positional().empty()) {
    reportError(command, "expected a model file (nnc " + std::string(command) +
                             " FILE.nn ...) or --model-lib model.so");
    return "";
  }
  const std::string &input = args.positional()[0];
  auto buffer = llvm::MemoryBuffer::getFile(input);
  if (!buffer) {
    reportError(command,
                "cannot open '" + input + "': " + buffer.getError().message());
    return "";
  }
  std::string optLevel = args.get("O").value_or("3");
  llvm::SHA256 sha;
  sha.update((*buffer)->getBuffer());
  sha.update(llvm::StringRef("\0opt=" + optLevel +
                             "\0cpu=host\0nnc=" + NNC_VERSION_STRING));
  sha.update(compilerIdentity());
  std::array<uint8_t, 32> digest = sha.final();
  std::string key = llvm::toHex(llvm::ArrayRef<uint8_t>(digest).take_front(12),
                                /*LowerCase=*/true);
  std::string stem = llvm::sys::path::stem(input).str();
  llvm::SmallString<256> path(cacheDir());
  llvm::sys::path::append(path, stem + "-" + key + ".so");
  if (llvm::sys::fs::exists(path))
    return std::string(path);
#ifdef NNC_HAVE_COMPILER
  std::string tmp = std::string(path) + ".tmp." + std::to_string(::getpid());
  nnc::CompileOptions options;
  if (optLevel.size() == 1 && optLevel[0] >= '0' && optLevel[0] <= '3')
    options.optLevel = unsigned(optLevel[0] - '0');
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
#else
  reportError(command, "this nnc was built without the compiler; compile "
                       "the model elsewhere and pass --model-lib model.so");
  return "";
#endif
}
