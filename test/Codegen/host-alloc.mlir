// RUN: nnc-opt %s --nnc-host-alloc | FileCheck %s
// RUN: nnc-opt %s --nnc-linalg-to-llvm | FileCheck %s --check-prefix=PLAIN

// The CPU kernels' malloc/free become the shim's cached allocator; the
// registered CPU pipeline (no shim) leaves them alone.

// CHECK-NOT: @malloc
// CHECK-NOT: @free
// CHECK-DAG: llvm.func @nnc_host_alloc(i64) -> !llvm.ptr
// CHECK-DAG: llvm.func @nnc_host_free(!llvm.ptr)
// CHECK-LABEL: llvm.func @kernel
// CHECK: llvm.call @nnc_host_alloc
// CHECK: llvm.call @nnc_host_free
module {
  llvm.func @malloc(i64) -> !llvm.ptr
  llvm.func @free(!llvm.ptr)
  llvm.func @kernel(%n: i64) {
    %p = llvm.call @malloc(%n) : (i64) -> !llvm.ptr
    llvm.call @free(%p) : (!llvm.ptr) -> ()
    llvm.return
  }
}
// PLAIN: llvm.call @malloc
