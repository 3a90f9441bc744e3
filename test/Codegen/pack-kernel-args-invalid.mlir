// nnc-pack-kernel-args: a C-interface kernel must take descriptor pointers
// only (the entry forwards one pointer per slot of its array).
// RUN: nnc-opt %s --nnc-pack-kernel-args --verify-diagnostics

module {
  // expected-error @+1 {{expected only descriptor pointers in a C-interface kernel, got 'i64'}}
  llvm.func @_mlir_ciface_nnc_impl_step(%x: !llvm.ptr, %n: i64) {
    llvm.return
  }
}
