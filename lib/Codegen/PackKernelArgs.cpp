//===- PackKernelArgs.cpp - void nnc_kernel_E(void **args) entry points ---===//
//
// Implements nnc-pack-kernel-args on the LLVM dialect: for each C-interface
// wrapper `_mlir_ciface_nnc_impl_E(ptr, ptr, ...)` (one pointer to a memref
// descriptor per argument), it adds `nnc_kernel_E(ptr args)` that reads the
// descriptor pointers from the array `args` and forwards them. The model shim
// calls every kernel through this one uniform signature.
//
//===----------------------------------------------------------------------===//

#include "nnc/Codegen/Passes.h"
#include "nnc/Dialect/NN/NNConventions.h"

#include "mlir/IR/Builders.h"

namespace nnc {
#define GEN_PASS_DEF_PACKKERNELARGS
#include "nnc/Codegen/Passes.h.inc"
} // namespace nnc

using namespace mlir;

namespace {

constexpr llvm::StringLiteral kCifacePrefix = "_mlir_ciface_";

/// Makes `func` internal and always inlined.
void internalize(LLVM::LLVMFuncOp func) {
  func.setLinkage(LLVM::Linkage::Internal);
  func.setAlwaysInline(true);
}

struct PackKernelArgsPass : nnc::impl::PackKernelArgsBase<PackKernelArgsPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    MLIRContext *ctx = module.getContext();
    std::string prefix = (kCifacePrefix + nnc::kImplPrefix).str();
    SmallVector<LLVM::LLVMFuncOp> wrappers;
    for (auto func : module.getOps<LLVM::LLVMFuncOp>())
      if (func.getSymName().starts_with(prefix) && !func.isExternal())
        wrappers.push_back(func);

    auto ptrType = LLVM::LLVMPointerType::get(ctx);
    for (LLVM::LLVMFuncOp wrapper : wrappers) {
      LLVM::LLVMFunctionType wrapperType = wrapper.getFunctionType();
      for (Type t : wrapperType.getParams()) {
        if (!isa<LLVM::LLVMPointerType>(t)) {
          wrapper.emitError("expected only descriptor pointers in a "
                            "C-interface kernel, got ")
              << t;
          return signalPassFailure();
        }
      }
      std::string name =
          (nnc::kKernelPrefix + wrapper.getSymName().drop_front(prefix.size()))
              .str();
      OpBuilder b(module.getBodyRegion());
      b.setInsertionPointToEnd(module.getBody());
      Location loc = wrapper.getLoc();
      auto kernel = b.create<LLVM::LLVMFuncOp>(
          loc, name,
          LLVM::LLVMFunctionType::get(LLVM::LLVMVoidType::get(ctx), {ptrType}));
      Block *entry = kernel.addEntryBlock(b);
      b.setInsertionPointToStart(entry);
      SmallVector<Value> descriptors;
      for (unsigned i = 0, e = wrapperType.getNumParams(); i < e; ++i) {
        Value slot = b.create<LLVM::GEPOp>(
            loc, ptrType, ptrType, entry->getArgument(0),
            ArrayRef<LLVM::GEPArg>{static_cast<int32_t>(i)});
        descriptors.push_back(b.create<LLVM::LoadOp>(loc, ptrType, slot));
      }
      b.create<LLVM::CallOp>(loc, wrapper, descriptors);
      // The entry's argument list (nnc-destination-passing), for the
      // descriptor.
      std::string impl =
          wrapper.getSymName().drop_front(kCifacePrefix.size()).str();
      auto body = module.lookupSymbol<LLVM::LLVMFuncOp>(impl);
      for (StringRef name : {nnc::attrs::kABIArgs, nnc::attrs::kUndoArgs,
                             nnc::attrs::kGraphSafe})
        for (Operation *source :
             {wrapper.getOperation(), body ? body.getOperation() : nullptr})
          if (Attribute args = source ? source->getAttr(name) : Attribute()) {
            kernel->setAttr(name, args);
            break;
          }
      b.create<LLVM::ReturnOp>(loc, ValueRange{});
      // Only nnc_kernel_E is an entry point: the wrapper and the kernel body
      // `nnc_impl_E` are internal and inlined into it. Called, the body takes
      // every descriptor as scalars (about 960 arguments for a 25-layer MLP's
      // train step), and LLVM's DAG combiner is quadratic in such a call:
      // 9 of its 13 s on that model.
      internalize(wrapper);
      if (body && !body.isExternal())
        internalize(body);
    }
  }
};

} // namespace
