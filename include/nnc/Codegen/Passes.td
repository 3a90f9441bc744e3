//===- Passes.td - nnc code generation passes -------------*- tablegen -*-===//
//
// Passes that turn tensor-level entry points into kernels with the calling
// convention of docs/architecture.md section 2.
//
//===----------------------------------------------------------------------===//

#ifndef NNC_CODEGEN_PASSES
#define NNC_CODEGEN_PASSES

include "mlir/Pass/PassBase.td"

def DestinationPassing : Pass<"nnc-destination-passing", "mlir::ModuleOp"> {
  let summary = "Rewrite public tensor functions into memref kernels with out-params";
  let description = [{
    Every public `func.func @E` on tensors becomes `func.func @nnc_impl_E` whose
    arguments are memrefs: the original arguments in order, then one out-param per
    result. A result marked `nn.update_of = i` is written back into argument `i`
    instead (parameters and optimizer state updated in place) and gets no
    out-param. Arguments enter the body through `bufferization.to_tensor
    restrict` (writable when updated) and results leave through
    `bufferization.materialize_in_destination`, so one-shot bufferization can
    work in place without analysing function boundaries. The new function
    carries `llvm.emit_c_interface`.
  }];
  let dependentDialects = ["mlir::bufferization::BufferizationDialect",
                           "mlir::memref::MemRefDialect"];
}

def PackKernelArgs : Pass<"nnc-pack-kernel-args", "mlir::ModuleOp"> {
  let summary = "Add `void nnc_kernel_E(void **args)` entry points";
  let description = [{
    Runs on the LLVM dialect. For each `_mlir_ciface_nnc_impl_E` wrapper it adds
    `llvm.func @nnc_kernel_E(%args: !llvm.ptr)` that loads the descriptor
    pointer `args[i]` for every argument and calls the wrapper. This is the one
    symbol per entry point the model shim calls.
  }];
  let dependentDialects = ["mlir::LLVM::LLVMDialect"];
}

def MatmulSchedule : Pass<"nnc-matmul-schedule", "mlir::ModuleOp"> {
  let summary = "Tile, fuse and vectorize every linalg.matmul (schedule V1)";
  let description = [{
    Applies the measured "V1" transform-dialect schedule of
    docs/cpu-codegen to every `linalg.matmul` on tensors, before
    bufferization. The root of each schedule is the matmul's single
    elementwise consumer (the bias + activation epilogue) when there is one,
    otherwise the matmul. The root is tiled by an 8 x 32 register tile (32
    replaced by N when N < 32; N > 32 not divisible by 32 is peeled, so the
    remainder columns get a narrower static tile), the matmul and its
    `linalg.fill` are fused into the tile loop, the reduction loop is tiled
    by 1, the ops are vectorized to `vector.contract` and the accumulator is
    hoisted out of the reduction loop. A dynamic M (the batch) is peeled:
    full 8-row tiles take the fast path, the remaining rows are computed one
    row at a time, still vectorized along N. Producers other than the matmul
    and its fill (weight transposes, other layers) are never fused.
    Matmuls with a dynamic N are left alone.
  }];
  let dependentDialects = ["mlir::affine::AffineDialect",
                           "mlir::arith::ArithDialect",
                           "mlir::linalg::LinalgDialect",
                           "mlir::scf::SCFDialect",
                           "mlir::tensor::TensorDialect",
                           "mlir::transform::TransformDialect",
                           "mlir::vector::VectorDialect"];
}

def LowerVectorContract : Pass<"nnc-lower-vector-contract", "mlir::func::FuncOp"> {
  let summary = "Lower vector.contract to outer products and unroll transfers";
  let description = [{
    Runs after bufferization on what nnc-matmul-schedule produced: lowers
    `vector.contract` with the `outerproduct` strategy (one FMA per
    accumulator row per reduction step) and fully unrolls n-D
    `vector.transfer_read/write` into 1-D transfers, so no temporary buffer
    is allocated per tile.
  }];
  let dependentDialects = ["mlir::memref::MemRefDialect",
                           "mlir::scf::SCFDialect",
                           "mlir::vector::VectorDialect"];
}

def StridedCopyToLinalg : Pass<"nnc-strided-copy-to-linalg", "mlir::ModuleOp"> {
  let summary = "Rewrite memref.copy between non-contiguous views as linalg.copy";
  let description = [{
    The LLVM lowering of `memref.copy` calls the `memrefCopy` runtime function
    unless both sides are contiguous; a model.so links no MLIR runtime. This
    pass turns every copy with a non-identity layout into `linalg.copy`, which
    becomes plain loops. Contiguous copies stay `memref.copy` (a memcpy).
  }];
  let dependentDialects = ["mlir::linalg::LinalgDialect"];
}

#endif // NNC_CODEGEN_PASSES
