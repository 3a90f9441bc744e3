//===- GPUAsync.cpp - one stream per host function, no waits between kernels //
//
// Implements nnc-gpu-async on the host functions of a CUDA model, after
// kernel outlining:
//  - the function takes one stream at its start (`gpu.wait async`, which the
//    shim answers with the instance's stream) and every gpu.launch_func runs
//    asynchronously on it; ordering on one stream is all the kernels need;
//  - a temporary that only kernels touch (every alias of it, through views,
//    loop-carried values and selects, goes to launches, deallocations or
//    memref.dim) becomes gpu.alloc/gpu.dealloc ordered on the stream: the
//    shim serves them from the instance's memory pool without waiting;
//    temporaries the host reads stay managed memory (memref.alloc);
//  - memory only the host touches (the ownership-based deallocation's
//    arrays of addresses and flags, passed to its private helper function)
//    stays host memory, on the stack when small, static and made once;
//  - the host waits for the stream (`gpu.wait`) only right before it touches
//    memory a kernel may use (a load, a store, freeing a managed temporary,
//    a call), when a kernel may still be running, and at every return.
// A function whose host code touches no memory at all (after
// nnc-gpu-sink-scalars, the usual case) gets `nn.graph_safe`: its launches
// depend on shapes and addresses only, so the shim may capture a call as a
// CUDA graph and replay it.
//
//===----------------------------------------------------------------------===//

#include "MemrefQueries.h"
#include "nnc/Dialect/NN/NNConventions.h"
#include "nnc/Target/CUDA/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Interfaces/ViewLikeInterface.h"

#include "llvm/ADT/EquivalenceClasses.h"

namespace nnc {
#define GEN_PASS_DEF_GPUASYNC
#include "nnc/Target/CUDA/Passes.h.inc"
} // namespace nnc

using namespace mlir;

namespace {

/// Memref values of a host function grouped by aliasing, and whether a
/// group may live in stream-ordered device memory.
class DeviceTemporaries {
public:
  explicit DeviceTemporaries(func::FuncOp func) {
    func.walk([&](Operation *op) {
      for (Value result : op->getResults())
        classify(result, isa<memref::AllocOp>(op) || isDerived(op));
      for (Region &region : op->getRegions())
        for (Block &block : region)
          for (BlockArgument arg : block.getArguments())
            classify(arg, isa<scf::ForOp>(op));
      for (OpOperand &use : op->getOpOperands()) {
        if (!isa<MemRefType>(use.get().getType()))
          continue;
        if (!linkUse(use))
          hostTouched.insert(use.get().getAsOpaquePointer());
        if (isa<gpu::LaunchFuncOp>(op))
          launched.insert(use.get().getAsOpaquePointer());
      }
    });
  }

  /// Whether `memref` (an alloc or an alias of one) is only used by kernels.
  bool onDevice(Value memref) {
    return !anyMember(memref, [&](void *m) {
      return hostTouched.contains(m) || foreign.contains(m);
    });
  }

  /// Whether `memref` (an alloc or an alias of one) is only used by the
  /// host: the ownership-based deallocation's bookkeeping (pointers and
  /// flags it passes to its helper function).
  bool onHostOnly(Value memref) {
    return classes.findValue(memref.getAsOpaquePointer()) != classes.end() &&
           !anyMember(memref, [&](void *m) {
             return launched.contains(m) || foreign.contains(m);
           });
  }

private:
  bool anyMember(Value memref, function_ref<bool(void *)> pred) {
    auto member = classes.findLeader(memref.getAsOpaquePointer());
    for (; member != classes.member_end(); ++member)
      if (pred(*member))
        return true;
    return false;
  }

  /// Ops whose memref results alias their memref operands.
  static bool isDerived(Operation *op) {
    return isa<ViewLikeOpInterface, scf::ForOp, scf::IfOp, arith::SelectOp>(op);
  }

  void classify(Value value, bool fromAlloc) {
    if (!isa<MemRefType>(value.getType()))
      return;
    classes.insert(value.getAsOpaquePointer());
    if (!fromAlloc)
      foreign.insert(value.getAsOpaquePointer());
  }

  void join(Value a, Value b) {
    classes.unionSets(a.getAsOpaquePointer(), b.getAsOpaquePointer());
  }

  /// Joins what `use` makes an alias of its value; false when the use is
  /// anything but a kernel argument, a deallocation, a shape query or an
  /// alias (then the host touches the memory).
  bool linkUse(OpOperand &use) {
    Operation *user = use.getOwner();
    Value v = use.get();
    // Kernel arguments, deallocations and metadata (shapes, the address the
    // deallocation's bookkeeping compares) touch no element on the host.
    if (isa<gpu::LaunchFuncOp, memref::DeallocOp, memref::DimOp,
            memref::ExtractAlignedPointerAsIndexOp>(user))
      return true;
    if (auto view = dyn_cast<ViewLikeOpInterface>(user)) {
      if (view.getViewSource() != v)
        return false;
      for (Value r : user->getResults())
        if (isa<MemRefType>(r.getType()))
          join(v, r);
      return true;
    }
    if (auto select = dyn_cast<arith::SelectOp>(user)) {
      if (v == select.getCondition())
        return false;
      join(v, select.getResult());
      return true;
    }
    if (auto loop = dyn_cast<scf::ForOp>(user)) {
      unsigned i = use.getOperandNumber();
      if (i < loop.getNumControlOperands())
        return false;
      i -= loop.getNumControlOperands();
      join(v, loop.getRegionIterArgs()[i]);
      join(v, loop.getResult(i));
      return true;
    }
    if (auto yield = dyn_cast<scf::YieldOp>(user)) {
      Operation *parent = yield->getParentOp();
      unsigned i = use.getOperandNumber();
      if (!isa<scf::ForOp, scf::IfOp>(parent))
        return false;
      join(v, parent->getResult(i));
      if (auto loop = dyn_cast<scf::ForOp>(parent))
        join(v, loop.getRegionIterArgs()[i]);
      return true;
    }
    return false;
  }

  llvm::EquivalenceClasses<void *> classes;
  llvm::DenseSet<void *> hostTouched, foreign, launched;
};

/// What a host op does to memory, for the waits.
enum class HostAccess { None, Allocates, Touches };

HostAccess hostAccess(Operation *op) {
  if (isPure(op))
    return HostAccess::None;
  auto effects = dyn_cast<MemoryEffectOpInterface>(op);
  if (!effects)
    return HostAccess::Touches; // calls, inline assembly: assume the worst
  SmallVector<MemoryEffects::EffectInstance> list;
  effects.getEffects(list);
  if (list.empty())
    return HostAccess::None;
  return llvm::all_of(list,
                      [](const MemoryEffects::EffectInstance &e) {
                        return isa<MemoryEffects::Allocate>(e.getEffect());
                      })
             ? HostAccess::Allocates
             : HostAccess::Touches;
}

bool runsOnStream(Operation *op) {
  return isa<gpu::LaunchFuncOp, gpu::AllocOp, gpu::DeallocOp>(op);
}

bool containsStreamWork(Operation *op) {
  return op
      ->walk([](Operation *inner) {
        return runsOnStream(inner) ? WalkResult::interrupt()
                                   : WalkResult::advance();
      })
      .wasInterrupted();
}

/// At most 4 KiB of static shape: fine on the host's stack.
bool isSmallStatic(MemRefType type) {
  Type element = type.getElementType();
  int64_t bytes =
      element.isIntOrFloat() ? (element.getIntOrFloatBitWidth() + 7) / 8 : 8;
  return type.hasStaticShape() && type.getNumElements() * bytes <= 4096;
}

struct GPUAsyncPass : nnc::impl::GPUAsyncBase<GPUAsyncPass> {
  void runOnOperation() override {
    func::FuncOp func = getOperation();
    if (func.isExternal() || !containsStreamWork(func))
      return;
    hostMemory.clear(); // the pass instance may have run on another function
    auto token = gpu::AsyncTokenType::get(func.getContext());
    OpBuilder b = OpBuilder::atBlockBegin(&func.getBody().front());
    stream = b.create<gpu::WaitOp>(func.getLoc(), token, ValueRange())
                 .getAsyncToken();

    // Kernel-only temporaries: stream-ordered allocations.
    DeviceTemporaries temporaries(func);
    // The host's own bookkeeping stays in host memory: on the stack when
    // small, static and made once (not graph-unsafe managed memory).
    SmallVector<memref::AllocOp> hostAllocs;
    func.walk([&](memref::AllocOp alloc) {
      if (temporaries.onHostOnly(alloc))
        hostAllocs.push_back(alloc);
    });
    for (memref::AllocOp alloc : hostAllocs) {
      Value memory = alloc;
      if (isSmallStatic(alloc.getType()) &&
          alloc->getBlock() == &func.getBody().front()) {
        b.setInsertionPoint(alloc);
        auto onStack = b.create<memref::AllocaOp>(
            alloc.getLoc(), alloc.getType(), alloc.getAlignmentAttr());
        for (Operation *user : llvm::make_early_inc_range(alloc->getUsers()))
          if (isa<memref::DeallocOp>(user))
            user->erase();
        alloc.replaceAllUsesWith(onStack.getMemref());
        alloc.erase();
        memory = onStack;
      }
      hostMemory.insert(memory);
    }
    func.walk([&](Operation *op) {
      b.setInsertionPoint(op);
      if (auto alloc = dyn_cast<memref::AllocOp>(op);
          alloc && temporaries.onDevice(alloc)) {
        auto async = b.create<gpu::AllocOp>(
            alloc.getLoc(), alloc.getType(), token, ValueRange{stream},
            alloc.getDynamicSizes(), alloc.getSymbolOperands());
        alloc.replaceAllUsesWith(async.getMemref());
        alloc.erase();
      } else if (auto dealloc = dyn_cast<memref::DeallocOp>(op);
                 dealloc && temporaries.onDevice(dealloc.getMemref())) {
        b.create<gpu::DeallocOp>(dealloc.getLoc(), token, ValueRange{stream},
                                 dealloc.getMemref());
        dealloc.erase();
      } else if (auto launch = dyn_cast<gpu::LaunchFuncOp>(op);
                 launch && !launch.getAsyncToken()) {
        std::optional<gpu::KernelDim3> cluster;
        if (launch.hasClusterSize())
          cluster = launch.getClusterSizeOperandValues();
        auto async = b.create<gpu::LaunchFuncOp>(
            launch.getLoc(), launch.getKernel(),
            launch.getGridSizeOperandValues(),
            launch.getBlockSizeOperandValues(),
            launch.getDynamicSharedMemorySize(), launch.getKernelOperands(),
            token, ValueRange{stream}, cluster);
        async->setDiscardableAttrs(launch->getDiscardableAttrDictionary());
        launch.erase();
      }
    });

    graphSafe = true;
    placeWaits(func.getBody().front(), /*pending=*/false);
    if (graphSafe)
      func->setAttr(nnc::attrs::kGraphSafe, UnitAttr::get(func.getContext()));
  }

  /// Inserts the host's waits in `block`, where stream work may still be
  /// running on entry when `pending`; returns whether it may be on exit.
  bool placeWaits(Block &block, bool pending) {
    for (Operation &op : llvm::make_early_inc_range(block)) {
      if (runsOnStream(&op)) {
        pending = true;
        continue;
      }
      if (isa<func::ReturnOp>(op)) {
        wait(&op);
        continue;
      }
      if (op.getNumRegions()) {
        // A loop's body may start while its previous iteration's kernels
        // run; a branch starts in the state before it.
        bool inner = pending || containsStreamWork(&op);
        for (Region &region : op.getRegions())
          for (Block &nested : region)
            placeWaits(nested, inner);
        pending = inner;
        continue;
      }
      if (auto wait = dyn_cast<gpu::WaitOp>(op); wait && wait.getAsyncToken())
        continue; // the stream itself
      switch (hostAccess(&op)) {
      case HostAccess::None:
        break;
      case HostAccess::Allocates: // managed memory: not in a graph
        if (!isa<memref::AllocaOp>(op))
          graphSafe = false;
        break;
      case HostAccess::Touches:
        if (touchesHostMemoryOnly(&op))
          break; // no kernel reads or writes it: no wait, graph-safe
        graphSafe = false;
        if (auto load = dyn_cast<memref::LoadOp>(op);
            load && nnc::isReadOnlyArgument(load.getMemRef(),
                                            op.getParentOfType<func::FuncOp>()))
          break; // written before the call, by no kernel
        if (pending)
          wait(&op);
        pending = false;
        break;
      }
    }
    return pending;
  }

  /// Whether `op` touches nothing but host memory: memrefs rooted in the
  /// host's own allocations, and for a call, a private host function of the
  /// module that launches nothing (the deallocation's helper).
  bool touchesHostMemoryOnly(Operation *op) {
    if (auto call = dyn_cast<func::CallOp>(op)) {
      auto callee = SymbolTable::lookupNearestSymbolFrom<func::FuncOp>(
          call, call.getCalleeAttr());
      if (!callee || !callee.isPrivate() || callee.isExternal() ||
          containsStreamWork(callee))
        return false;
    } else if (!isa<memref::LoadOp, memref::StoreOp>(op)) {
      return false;
    }
    return llvm::all_of(op->getOperands(), [&](Value v) {
      return !isa<MemRefType>(v.getType()) ||
             hostMemory.contains(nnc::viewRoot(v));
    });
  }

  void wait(Operation *before) {
    OpBuilder b(before);
    b.create<gpu::WaitOp>(before->getLoc(), Type(), ValueRange{stream});
  }

  Value stream;
  bool graphSafe = true;
  llvm::DenseSet<Value> hostMemory; // the host's own allocations
};

} // namespace
