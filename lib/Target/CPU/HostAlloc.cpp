//===- HostAlloc.cpp - kernel heap buffers through the shim's cache -------===//
//
// Implements nnc-host-alloc on the LLVM dialect of a CPU build: the memref
// lowering declares `malloc`/`aligned_alloc`/`free` for the temporaries of
// every kernel; this pass renames those declarations (and so every call) to
// the model shim's `nnc_host_alloc`/`nnc_host_aligned_alloc`/
// `nnc_host_free`, which keep freed blocks for the next call
// (lib/ModelRT/HostAlloc.c). Kernels never hand a buffer to the caller, so
// every pointer they allocate is freed by them, through the same functions.
//
//===----------------------------------------------------------------------===//

#include "nnc/Target/CPU/Passes.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/SymbolTable.h"

namespace nnc {
#define GEN_PASS_DEF_HOSTALLOC
#include "nnc/Target/CPU/Passes.h.inc"
} // namespace nnc

using namespace mlir;

namespace {

struct HostAllocPass : nnc::impl::HostAllocBase<HostAllocPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    static constexpr std::pair<llvm::StringLiteral, llvm::StringLiteral>
        kRenames[] = {{"malloc", "nnc_host_alloc"},
                      {"aligned_alloc", "nnc_host_aligned_alloc"},
                      {"free", "nnc_host_free"}};
    llvm::DenseMap<StringAttr, StringAttr> renamed;
    for (auto [from, to] : kRenames) {
      auto decl = module.lookupSymbol<LLVM::LLVMFuncOp>(from);
      if (!decl)
        continue;
      if (!decl.isExternal() || module.lookupSymbol(to)) {
        decl.emitError() << "nnc-host-alloc: cannot rename '" << from
                         << "' to '" << to << "'";
        return signalPassFailure();
      }
      StringAttr name = StringAttr::get(&getContext(), to);
      renamed[decl.getSymNameAttr()] = name;
      SymbolTable::setSymbolName(decl, name);
    }
    if (renamed.empty())
      return;
    // One walk for the three (SymbolTable::replaceAllSymbolUses walks the
    // module once per symbol). The memref lowering only calls them; any
    // other use would be left dangling, which the verifier reports.
    module.walk([&](LLVM::CallOp call) {
      if (FlatSymbolRefAttr callee = call.getCalleeAttr())
        if (StringAttr to = renamed.lookup(callee.getAttr()))
          call.setCalleeAttr(FlatSymbolRefAttr::get(to));
    });
  }
};

} // namespace
