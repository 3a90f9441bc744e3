//===- Passes.td - target-neutral code generation passes -------------*- tablegen -*-===//
//
// Passes shared by every back end: the entry points' calling convention
// (docs/architecture.md section 2), the model descriptor, and the shared
// pipeline prefix (fusion, destination passing).
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
    carries `llvm.emit_c_interface` and, when the entry point has
    `nn.abi_slot`s (nnc-model-abi), `nn.abi_args`: the slot of the argument
    or result each kernel argument stands for, in kernel order.
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
    symbol per entry point the model shim calls. The kernel keeps the
    `nn.abi_args` of `nnc_impl_E`.
  }];
  let dependentDialects = ["mlir::LLVM::LLVMDialect"];
}

def EmitModelDescriptor : Pass<"nnc-emit-model-descriptor", "mlir::ModuleOp"> {
  let summary = "Write the model's ABI as the `nnc_model_desc` LLVM global";
  let description = [{
    Runs on the LLVM dialect, after nnc-pack-kernel-args. From the module's
    `nn.abi` (nnc-model-abi) and the `nn.abi_args` of each
    `nnc_kernel_E`, it defines the hidden constant `nnc_model_desc` of
    `include/nnc/ModelDesc.h` with its tensor table, entry argument arrays,
    hyperparameters and strings as private constants. The descriptor is
    thus compiled into the kernels' object. `nn.abi` and `nn.abi_args` are
    removed once written. Fails without `nn.abi`, or when a kernel has no
    `nn.abi_args`.
  }];
  let dependentDialects = ["mlir::LLVM::LLVMDialect"];
}

def FuseElementwise : Pass<"nnc-fuse-elementwise"> {
  let summary = "Elementwise fusion on tensors that never reshapes a contraction";
  let description = [{
    The patterns of `linalg-fuse-elementwise-ops`, except that reshape
    propagation by expansion is not applied across a linalg op with a
    reduction loop: `linalg.matmul` followed by `tensor.expand_shape` stays a
    matmul (for nnc-matmul-schedule) instead of becoming a higher-rank
    generic contraction.
  }];
  let dependentDialects = ["mlir::linalg::LinalgDialect",
                           "mlir::tensor::TensorDialect",
                           "mlir::affine::AffineDialect"];
}

def SplitEmptyTensors : Pass<"nnc-split-empty-tensors", "mlir::func::FuncOp"> {
  let summary = "Bound the number of uses of each tensor.empty";
  let description = [{
    CSE merges equal `tensor.empty` ops, so one of them can be the init of
    hundreds of ops (500 in the train step of a 100-layer MLP). One-Shot
    Bufferize then puts every result written into it in one alias set, and
    its in-place analysis, which compares the reads and writes of a set for
    each write it considers, became cubic in the depth of the network. An
    empty tensor has no contents, so clones mean the same program. The uses
    are dealt out in program order in groups of `uses-per-empty`, so that
    neighbouring ops may still share a buffer. Runs right before
    bufferization.
  }];
  let options = [
    Option<"usesPerEmpty", "uses-per-empty", "unsigned", /*default=*/"16",
           "Uses that share one tensor.empty">
  ];
  let dependentDialects = ["mlir::tensor::TensorDialect"];
}

#endif // NNC_CODEGEN_PASSES
