//===- RuntimePasses.td - buffers, kernels and the shim ----*- tablegen -*-===//
//
// Bufferization and buffers, kernels outlined for the thread pool and
// the packed ABI, the shim's allocator and profiler.
// Included by Passes.td.
//
//===----------------------------------------------------------------------===//

#ifndef NNC_TARGET_CPU_RUNTIME_PASSES
#define NNC_TARGET_CPU_RUNTIME_PASSES

include "mlir/Pass/PassBase.td"

def HostAlloc : Pass<"nnc-host-alloc", "mlir::ModuleOp"> {
  let summary = "Route the CPU kernels' heap buffers through the shim's cache";
  let description = [{
    Runs on the LLVM dialect of a CPU build. Renames the `malloc`, `aligned_alloc`
    and `free` that the memref lowering declares to `nnc_host_alloc`,
    `nnc_host_aligned_alloc` and `nnc_host_free`, which the model shim
    (lib/ModelRT/HostAlloc.c) implements with a bounded cache of freed
    blocks: a kernel allocates the same temporaries on every call, and
    reusing them avoids fresh pages (and their faults) each time.
  }];
  let dependentDialects = ["mlir::LLVM::LLVMDialect"];
}

def BufferizeFunctions : Pass<"nnc-bufferize-functions", "mlir::ModuleOp"> {
  let summary = "One-Shot Bufferize the module's functions side by side (CPU settings)";
  let description = [{
    CPU, on linalg, tensor, vector and scf ops on tensors after the
    vectorization schedules: One-Shot Bufferize of every function with the
    CPU pipeline's settings (function boundaries are already memrefs:
    nnc-destination-passing; loops may return fresh allocations; identity
    layouts at function boundaries). Nothing it decides crosses a function,
    so the functions are bufferized in parallel on the context's threads;
    only a tensor constant adds to the module (its `memref.global`), and
    the functions holding one are bufferized first, one at a time. The
    module-level `one-shot-bufferize` took every function in turn.
  }];
  let dependentDialects = ["mlir::bufferization::BufferizationDialect",
                           "mlir::memref::MemRefDialect"];
}

def OutlineParallel : Pass<"nnc-outline-parallel", "mlir::ModuleOp"> {
  let summary = "Move each outermost scf.forall on buffers into a thread-pool task";
  let description = [{
    After bufferization, before nnc-outline-loops: each outermost
    `scf.forall` of a function becomes a call of a private function
    `nnc_loop_<func>_par<N>(%begin: index, %end: index, <captured values>)`
    marked `nnc.parallel_task`, which runs the forall's iterations [begin,
    end) (linearized, in order) in an scf.for; the call passes the whole
    range. nnc-parallel-task-calls hands those calls to the model shim's
    thread pool. Foralls nested in another run serially (scf.for), and with
    `threads=false` (kernels linked without the shim) every forall does.
  }];
  let options = [
    Option<"threads", "threads", "bool", /*default=*/"true",
           "Make tasks of the outermost foralls (else all become scf.for)">
  ];
  let dependentDialects = ["mlir::affine::AffineDialect", "mlir::arith::ArithDialect",
                           "mlir::func::FuncDialect", "mlir::scf::SCFDialect"];
}

def ParallelTaskCalls : Pass<"nnc-parallel-task-calls", "mlir::ModuleOp"> {
  let summary = "Call nnc-outline-parallel's tasks through nnc_rt_parallel_for";
  let description = [{
    On the LLVM dialect: for each function `F(i64 begin, i64 end, args...)`
    marked `nnc.parallel_task`, adds an internal `F_thunk(ptr ctx, i64 begin,
    i64 end)` that reads the range's base and `args` from the struct at
    `ctx`, and an internal, no_inline `F_launch` of F's type that stores
    `{b, args...}` into a stack slot and calls the model shim's
    `nnc_rt_parallel_for(F_thunk, slot, e - b)` (lib/ModelRT/Parallel.c),
    which runs disjoint ranges of [0, e - b) on the instance's threads; calls
    of F call F_launch instead.
  }];
  let dependentDialects = ["mlir::LLVM::LLVMDialect"];
}

def OutlineLoops : Pass<"nnc-outline-loops", "mlir::ModuleOp"> {
  let summary = "Move each top-level loop nest of a kernel into its own function";
  let description = [{
    After bufferization a kernel (`predict`, `train_step`, ...) is one
    function holding every layer's loop nests; LLVM's code generation
    (instruction selection, loop strength reduction, register allocation)
    grows faster than linearly with the size of a function, so a deep model
    took minutes to compile. Each `scf.for`/`scf.parallel`/`scf.while` in the
    body of a public function becomes a call to a private, internal,
    `no_inline` function `<kernel>_loop<N>` whose arguments are the values
    the loop uses from outside (constants are copied in) and whose results
    are the loop's. The call costs a few nanoseconds next to a layer.
  }];
  let dependentDialects = ["mlir::func::FuncDialect", "mlir::LLVM::LLVMDialect"];
}

def ProfileLoops : Pass<"nnc-profile-loops", "mlir::ModuleOp"> {
  let summary = "Time each outlined loop nest through the model shim's profiler";
  let description = [{
    Runs after nnc-outline-loops. Brackets every call of an `nnc_loop_*`
    function in a public function with `nnc_rt_profile_begin` (0 when
    NNC_PROFILE is off) and, only when that returned non-zero,
    `nnc_rt_profile_end(record, t0, flops)`. `record` is an internal global
    (NncProfileRecord, lib/ModelRT/Internal.h) naming the loop function and
    the `.nn` locations of its ops; `flops` is the float operations of the
    call, computed from the call's operands, or -1 when unknown.
    docs/performance.md explains the report.
  }];
  let dependentDialects = ["mlir::arith::ArithDialect", "mlir::func::FuncDialect",
                           "mlir::LLVM::LLVMDialect", "mlir::scf::SCFDialect"];
}

def MergeFunctions : Pass<"nnc-merge-functions", "mlir::ModuleOp"> {
  let summary = "Keep one copy of identical private functions";
  let description = [{
    Runs after nnc-outline-loops: private functions with the same type,
    attributes and body (locations aside) are merged into the first of them
    and every call points at it, so that the loop nests of repeated layers
    (transformer blocks, the hidden layers of a deep MLP) are compiled once.
  }];
}

def DeallocAfterLastUse : Pass<"nnc-dealloc-after-last-use"> {
  let summary = "Free each heap buffer right after its last use";
  let description = [{
    After the ownership-based deallocation passes, before their lowering
    (they free a buffer at the end of the block that allocated it): a
    `memref.dealloc`, or a `bufferization.dealloc` of one buffer with a
    true condition and nothing retained, of a `memref.alloc` in the same
    block moves up to right after the last op of that block using the
    buffer or a value that may alias it (the memref results and region
    arguments of any op using an alias, the parent's when a region yields
    one). A buffer reaching a return or a branch, or used outside the
    block, is left alone. The shim's allocator then hands the block to
    the next tensor of its size while it is still in cache.
  }];
  let dependentDialects = ["mlir::memref::MemRefDialect"];
}

def HoistChunkAllocs : Pass<"nnc-hoist-chunk-allocs"> {
  let summary = "One buffer for a static temporary of every chunk of a loop";
  let description = [{
    On bufferized kernels: a static-shape temporary that each chunk of a
    static one-dimensional `scf.forall` allocates and frees in its body
    becomes the chunk's slice (`memref.view`, the same type) of one buffer
    freed after the loop, when that buffer is at most `max-bytes`. It is
    allocated at the kernel's start for a loop at the kernel's top level
    (while such buffers add up to at most `max-start-bytes`), else right
    before the loop. Chunks that update parameters in their epilogue then
    allocate nothing, so a failed allocation cannot follow their writes
    (nnc-mark-undo-args), and the chunks stop calling the allocator.
  }];
  let options = [
    Option<"maxBytes", "max-bytes", "int64_t", /*default=*/"8388608",
           "largest buffer for the temporaries of all chunks of a loop">,
    Option<"maxStartBytes", "max-start-bytes", "int64_t",
           /*default=*/"67108864",
           "most bytes of such buffers allocated at the kernel's start (the "
           "rest right before their loops)">,
  ];
  let dependentDialects = ["mlir::affine::AffineDialect",
                           "mlir::memref::MemRefDialect"];
}

def MarkUndoArgs : Pass<"nnc-mark-undo-args", "mlir::func::FuncOp"> {
  let summary = "Mark the arguments a failed kernel call may have changed";
  let description = [{
    On bufferized kernels (functions with `nn.abi_args`), before their loops
    are outlined: a call fails only where it allocates (the shim longjmps out
    of the kernel and restores the instance tensors it may have written from
    a copy made before the call). Sets `nn.undo_args` to the positions of the
    arguments that some write may reach before an allocation, a call or an
    op of unknown effects, in program order or in a shared loop; a tensor
    written only after the kernel's last allocation needs no copy.
    EmitModelDescriptor turns the list into the entry's `undo` flags.
  }];
}

#endif // NNC_TARGET_CPU_RUNTIME_PASSES
