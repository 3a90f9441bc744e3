//===- KernelWorkspace.cpp - peak of the CPU kernels' temporaries ---------===//
//
// Estimates at compile time what the model shim's allocator
// (lib/ModelRT/HostAlloc.c) sees at run time: a copy of the nn module goes
// through the nn passes, NNToLinalg and the CPU pipeline up to bufferization
// (buildCPUBufferizePipeline) and the ownership-based buffer deallocation
// passes (and nnc-dealloc-after-last-use), stopping before
// bufferization.dealloc is lowered. From there on no
// pass adds or removes a heap buffer of the kernels (the lowering of
// bufferization.dealloc adds a few index arrays of a handful of words each):
// every memref.alloc is a kernel temporary, since kernels write their
// outputs into the caller's buffers. peakOfAllocations (AllocationPeak.cpp)
// then runs the allocations of each entry point at the batch.
//
//===----------------------------------------------------------------------===//

#include "nnc/Pipelines/KernelWorkspace.h"
#include "nnc/Pipelines/Pipelines.h"

#include "AllocationPeak.h"

#include "nnc/Codegen/Passes.h"
#include "nnc/Dialect/NN/NNConventions.h"
#include "nnc/Target/CPU/Passes.h"

#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;
using namespace nnc;

const EntryWorkspace *KernelWorkspace::largest() const {
  const EntryWorkspace *best = nullptr;
  for (const EntryWorkspace &e : entries)
    if (!best || e.peakBytes > best->peakBytes)
      best = &e;
  return best;
}

KernelWorkspace nnc::estimateKernelWorkspace(ModuleOp nnModule, int64_t batch,
                                             const CPUCodegenOptions &options) {
  KernelWorkspace ws;
  OwningOpRef<ModuleOp> module(nnModule.clone());
  PassManager pm(nnModule.getContext());
  NNPipelineOptions nn;
  nn.training =
      static_cast<bool>(nnModule.lookupSymbol<func::FuncOp>(attrs::kLoss));
  buildNNPipeline(pm, nn);
  buildNNToLinalgPipeline(pm, /*perImageConvolutions=*/true,
                          kRecurrentBatchRows);
  buildCPUBufferizePipeline(pm, options);
  // buildBufferDeallocationPipeline up to (not including) the lowering of
  // bufferization.dealloc, whose conditions the Executor evaluates itself.
  pm.addPass(memref::createExpandReallocPass(/*emitDeallocs=*/false));
  pm.addPass(createCanonicalizerPass());
  pm.addPass(bufferization::createOwnershipBasedBufferDeallocationPass());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(bufferization::createBufferDeallocationSimplificationPass());
  pm.addPass(nnc::createDeallocAfterLastUse());
  // The compilation proper reports the pipeline's errors; here they only
  // say that there is no estimate.
  std::string error;
  ScopedDiagnosticHandler quiet(nnModule.getContext(), [&](Diagnostic &d) {
    if (d.getSeverity() == DiagnosticSeverity::Error && error.empty())
      error = d.str();
    return success();
  });
  if (failed(pm.run(*module))) {
    ws.unknown =
        "the CPU pipeline failed" + (error.empty() ? "" : ": " + error);
    return ws;
  }
  for (auto f : module->getOps<func::FuncOp>()) {
    if (!f.isPublic() || f.isExternal())
      continue;
    StringRef name = f.getSymName();
    name.consume_front(kImplPrefix);
    EntryWorkspace e;
    e.entry = name.str();
    std::string why;
    if (failed(peakOfAllocations(f, batch, e, why))) {
      ws.unknown = "@" + e.entry + ": " + why;
      ws.entries.clear();
      return ws;
    }
    ws.entries.push_back(e);
  }
  return ws;
}
