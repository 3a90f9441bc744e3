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

#endif // NNC_CODEGEN_PASSES
