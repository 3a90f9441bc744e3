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

def GPULinalgToParallel : Pass<"nnc-gpu-linalg-to-parallel", "mlir::func::FuncOp"> {
  let summary = "Lower the remaining linalg ops on memrefs to scf.parallel for the GPU";
  let description = [{
    Every linalg op outside a `gpu.launch` becomes an `scf.parallel` over its
    parallel dimensions with sequential loops over its reductions inside, so
    that each op turns into one kernel. Generic ops are first interchanged so
    that their parallel dimensions come first (no reduction loop is left on
    the host); ops without any parallel dimension (full reductions, rank-0
    fills) are wrapped in a one-iteration `scf.parallel` and run on one GPU
    thread. Host-level `memref.copy` becomes `linalg.copy` first, so no copy
    touches device memory from the host.
  }];
  let dependentDialects = ["mlir::linalg::LinalgDialect",
                           "mlir::scf::SCFDialect",
                           "mlir::memref::MemRefDialect"];
}

def GPUMapParallel : Pass<"nnc-gpu-map-parallel", "mlir::func::FuncOp"> {
  let summary = "Tile outermost scf.parallel loops and map them to GPU blocks and threads";
  let description = [{
    Each outermost `scf.parallel` outside a `gpu.launch` is tiled so that a
    block has up to 256 threads, spent from the innermost dimension outwards
    (so consecutive threads touch consecutive elements), then annotated for
    `convert-parallel-loops-to-gpu`: the tile loop's last three dimensions go
    to block x, y, z, the in-tile loop's to thread x, y, z, anything else and
    any nested `scf.parallel` runs sequentially. One thread per element.
  }];
  let dependentDialects = ["mlir::arith::ArithDialect",
                           "mlir::gpu::GPUDialect",
                           "mlir::scf::SCFDialect"];
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
