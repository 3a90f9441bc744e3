//===- OutOfMemory.cpp - Running out of memory is an error, not an abort --===//
//
// The documented error for every subcommand is one line and exit code 1.
// InitLLVM installs a new-handler that turns a failed `new` into "LLVM ERROR:
// out of memory" and abort(). The runtime library is built with exceptions
// and reports std::bad_alloc as a Status, so calls into it run with no
// new-handler (RuntimeAllocationScope); LLVM code (the compiler) keeps
// LLVM's handler, which ends in the bad-alloc handler installed here: the
// same one line, then _exit(1).
//
//===----------------------------------------------------------------------===//

#include "Commands.h"

#include "llvm/Support/ErrorHandling.h"

#include <cstring>
#include <new>
#include <unistd.h>

using namespace nnc::driver;

static const char *oomCommand = "";

/// LLVM's bad-alloc handler: must not allocate, must not return.
static void onOutOfMemory(void *, const char *reason, bool) {
  const char *parts[] = {"nnc",      *oomCommand ? " " : "",
                         oomCommand, ": error: out of memory (",
                         reason,     ")\n"};
  for (const char *p : parts)
    if (::write(2, p, std::strlen(p)) < 0)
      break;
  ::_exit(1);
}

void nnc::driver::installOutOfMemoryHandler(const char *command) {
  oomCommand = command;
  llvm::install_bad_alloc_error_handler(onOutOfMemory);
}

RuntimeAllocationScope::RuntimeAllocationScope()
    : saved(std::set_new_handler(nullptr)) {}

RuntimeAllocationScope::~RuntimeAllocationScope() {
  std::set_new_handler(saved);
}
