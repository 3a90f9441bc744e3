// nnc-pack-kernel-args: each C-interface kernel `_mlir_ciface_nnc_impl_E`
// (one descriptor pointer per argument) gets an entry `nnc_kernel_E(ptr)`
// that loads the pointers from the array in order and forwards them; the
// wrapper and the body become internal and always inlined. Functions without
// the prefix are left alone (pack-kernel-args-invalid.mlir: a wrapper taking
// anything but pointers is an error).
// RUN: nnc-opt %s --nnc-pack-kernel-args | FileCheck %s

module {
  llvm.func @nnc_impl_step(%a: !llvm.ptr, %n: i64) {
    llvm.return
  }
  llvm.func @_mlir_ciface_nnc_impl_step(%x: !llvm.ptr, %y: !llvm.ptr) {
    llvm.return
  }
  llvm.func @_mlir_ciface_other(%x: !llvm.ptr) {
    llvm.return
  }
}

// CHECK: llvm.func internal @nnc_impl_step({{.*}}) attributes {always_inline}
// CHECK: llvm.func internal @_mlir_ciface_nnc_impl_step({{.*}}) attributes {always_inline}
// CHECK: llvm.func @_mlir_ciface_other(
// CHECK-NOT: always_inline
// CHECK-LABEL: llvm.func @nnc_kernel_step(
// CHECK-SAME: %[[ARGS:.*]]: !llvm.ptr)
// CHECK: %[[S0:.*]] = llvm.getelementptr %[[ARGS]][0] : (!llvm.ptr) -> !llvm.ptr, !llvm.ptr
// CHECK-NEXT: %[[P0:.*]] = llvm.load %[[S0]] : !llvm.ptr -> !llvm.ptr
// CHECK-NEXT: %[[S1:.*]] = llvm.getelementptr %[[ARGS]][1] : (!llvm.ptr) -> !llvm.ptr, !llvm.ptr
// CHECK-NEXT: %[[P1:.*]] = llvm.load %[[S1]] : !llvm.ptr -> !llvm.ptr
// CHECK-NEXT: llvm.call @_mlir_ciface_nnc_impl_step(%[[P0]], %[[P1]])
// CHECK-NEXT: llvm.return
// CHECK-NOT: nnc_kernel_other
