//===- Passes.td - passes of the CUDA back end -------------*- tablegen -*-===//
//
// Passes of the CUDA back end (lib/Target/CUDA): kernels for matrix products
// and parallel loop nests, and the merge of the outlined GPU modules.
//
//===----------------------------------------------------------------------===//

#ifndef NNC_TARGET_CUDA_PASSES
#define NNC_TARGET_CUDA_PASSES

include "mlir/Pass/PassBase.td"

def GPUMatmul : Pass<"nnc-gpu-matmul", "mlir::func::FuncOp"> {
  let summary = "Lower f32 linalg.matmul/batch_matmul on memrefs to shared-memory tiled gpu.launch";
  let description = [{
    Runs after bufferization on host functions. Each `linalg.matmul`
    (`C += A * B`) and `linalg.batch_matmul` on f32 memrefs becomes one
    `gpu.launch`: a block computes a 32 x 32 tile of C with 32 x 8 threads
    (4 rows per thread, accumulators in registers), and the K loop walks
    32-wide slabs of A and B staged in two workgroup-memory tiles
    (`#gpu.address_space<workgroup>`) between `gpu.barrier`s. Loads and
    stores are guarded, so any M, N, K (static or dynamic) is handled; the
    batch of batch_matmul is the grid's z dimension.
  }];
  let dependentDialects = ["mlir::arith::ArithDialect",
                           "mlir::gpu::GPUDialect",
                           "mlir::memref::MemRefDialect",
                           "mlir::scf::SCFDialect"];
}

def GPUBlockReduce : Pass<"nnc-gpu-block-reduce", "mlir::func::FuncOp"> {
  let summary = "Lower reductions into few outputs to one block-level GPU reduction per output";
  let description = [{
    Runs after nnc-gpu-matmul on host functions. A `linalg.generic` with one
    f32 output whose body folds with addf, mulf or a min/max, that reduces
    everything (a mean loss, a gradient norm) or folds many elements into a
    few static outputs (bias gradients and batchnorm statistics over the
    batch), becomes one `gpu.launch`: a block of 256 threads per output,
    each thread folding a strided share of the reduction space, combined by
    `gpu.all_reduce`, then folded into the output by thread 0. Rows of 32
    or more (static) elements get a warp per output the same way; shorter
    rows keep one thread per output (nnc-gpu-linalg-to-parallel).
  }];
  let dependentDialects = ["mlir::affine::AffineDialect",
                           "mlir::arith::ArithDialect",
                           "mlir::gpu::GPUDialect",
                           "mlir::memref::MemRefDialect",
                           "mlir::scf::SCFDialect"];
}

def GPULinalgToParallel : Pass<"nnc-gpu-linalg-to-parallel", "mlir::func::FuncOp"> {
  let summary = "Lower the remaining linalg ops on memrefs to scf.parallel for the GPU";
  let description = [{
    Every linalg op outside a `gpu.launch` becomes an `scf.parallel` over its
    parallel dimensions with sequential loops over its reductions inside, so
    that each op turns into one kernel. Generic ops are first interchanged so
    that their parallel dimensions come first (no reduction loop is left on
    the host); ops without any parallel dimension (full reductions, rank-0
    fills) are wrapped in a one-iteration `scf.parallel` and run on one GPU
    thread. Host-level `memref.copy` becomes `linalg.copy` first, and a
    host `memref.store` into an allocation a one-element `linalg.fill`, so
    the host neither copies nor writes device memory.
  }];
  let dependentDialects = ["mlir::linalg::LinalgDialect",
                           "mlir::scf::SCFDialect",
                           "mlir::memref::MemRefDialect"];
}

def GPUHostLoops : Pass<"nnc-gpu-host-loops", "mlir::func::FuncOp"> {
  let summary = "Move host loops that read tensor data (embedding gradients) onto the GPU";
  let description = [{
    Runs between nnc-gpu-linalg-to-parallel and nnc-gpu-map-parallel. A
    host `scf.for` that loads tensor data (anything but a read-only scalar
    argument) and launches no kernel becomes device code, so the host never
    reads device memory: when its body is index arithmetic, loads, row views
    and one `scf.parallel` over the row touching each view at exactly its
    own indices (the embedding gradient's scatter-add), the `scf.parallel`
    is hoisted outside and each thread walks the loop for its column;
    otherwise the loop runs on one GPU thread.
  }];
  let dependentDialects = ["mlir::arith::ArithDialect",
                           "mlir::scf::SCFDialect"];
}

def GPUMapParallel : Pass<"nnc-gpu-map-parallel", "mlir::func::FuncOp"> {
  let summary = "Tile outermost scf.parallel loops and map them to GPU blocks and threads";
  let description = [{
    Each outermost `scf.parallel` outside a `gpu.launch` is tiled so that a
    block has up to 256 threads, spent from the innermost dimension outwards
    (so consecutive threads touch consecutive elements), then annotated for
    `convert-parallel-loops-to-gpu`: the in-tile loop's last three
    dimensions go to thread x, y, z; the tile loop's three dimensions with
    the most tiles (dynamic ones first) to block x, y, z, the largest on x
    (y and z allow only 65535 blocks); anything else and any nested
    `scf.parallel` runs sequentially. One thread per element.
  }];
  let dependentDialects = ["mlir::arith::ArithDialect",
                           "mlir::gpu::GPUDialect",
                           "mlir::scf::SCFDialect"];
}

def GPUSinkScalars : Pass<"nnc-gpu-sink-scalars", "mlir::func::FuncOp"> {
  let summary = "Compute host scalars read from the call's scalar arguments inside the kernels that use them";
  let description = [{
    Runs on host functions once their kernels are `gpu.launch` ops. A scalar
    a kernel captures from the host, computed by pure arith/math ops from
    `memref.load`s of read-only arguments (learning rate, step, optimizer
    hyperparameters: the shim's scalar block) or of a temporary that an
    earlier kernel wrote and nothing writes again before the launch (a
    gradient norm), is recomputed at the start of the kernel instead: the loads and the arithmetic are cloned into the
    launch body and the host copies die. The host code then no longer reads
    the values of a call, only its shapes, so the same launches (and a CUDA
    graph captured from them) serve every call of the same shapes.
  }];
  let dependentDialects = ["mlir::gpu::GPUDialect"];
}

def GPUAsync : Pass<"nnc-gpu-async", "mlir::func::FuncOp"> {
  let summary = "Launch every kernel of a host function on one stream, with stream-ordered temporaries";
  let description = [{
    Runs on host functions after kernel outlining. The function takes one
    stream at its start (`gpu.wait async`), every `gpu.launch_func` becomes
    asynchronous on it, and temporaries only kernels touch become
    `gpu.alloc`/`gpu.dealloc` ordered on the stream (the shim's per-instance
    pool); the host's own bookkeeping (never a kernel's argument) stays in
    host memory, on the stack when small and static. The host waits for the
    stream (`gpu.wait`) only before it touches memory a kernel may use (a
    scalar it reads, a temporary it frees, a call) and at each return, never
    between two launches. A function whose host code
    touches no memory at all is marked `nn.graph_safe`: the shim may capture
    a call as a CUDA graph and replay it.
  }];
  let dependentDialects = ["mlir::gpu::GPUDialect"];
}

def GPUMergeModules : Pass<"nnc-gpu-merge-modules", "mlir::ModuleOp"> {
  let summary = "Move every outlined kernel into one gpu.module @nnc_kernels";
  let description = [{
    gpu-kernel-outlining makes one gpu.module per kernel. This pass moves all
    kernels into a single `gpu.module @nnc_kernels` and retargets every
    `gpu.launch_func`, so a model carries one PTX module: it is JIT-compiled
    once, and `--emit=ptx` writes one file that ptxas accepts.
  }];
  let dependentDialects = ["mlir::gpu::GPUDialect"];
}

#endif // NNC_TARGET_CUDA_PASSES
