// nnc-outline-loops: each top-level loop of a public function becomes a call
// of an internal, no_inline function holding it; values from outside become
// arguments (constants are copied in), loop results become call results. A
// function with a single loop is left alone.
// RUN: nnc-opt %s --nnc-outline-loops | FileCheck %s

// CHECK-LABEL: func.func @kernel(
// CHECK-SAME: %[[A:[a-z0-9]+]]: memref<?xf32>, %[[N:[a-z0-9]+]]: index
// CHECK: call @nnc_loop_kernel_0(%[[N]], %[[A]]) : (index, memref<?xf32>) -> ()
// CHECK: %[[S:.*]] = call @nnc_loop_kernel_1(%[[N]], %[[A]]) : (index, memref<?xf32>) -> f32
// CHECK: return %[[S]] : f32
func.func @kernel(%a: memref<?xf32>, %n: index) -> f32 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %one = arith.constant 1.0 : f32
  %zero = arith.constant 0.0 : f32
  scf.for %i = %c0 to %n step %c1 {
    memref.store %one, %a[%i] : memref<?xf32>
  }
  %sum = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %zero) -> (f32) {
    %v = memref.load %a[%i] : memref<?xf32>
    %next = arith.addf %acc, %v : f32
    scf.yield %next : f32
  }
  return %sum : f32
}

// CHECK-LABEL: func.func @single(
// CHECK: scf.for
// CHECK-NOT: call
func.func @single(%a: memref<?xf32>, %n: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %one = arith.constant 1.0 : f32
  scf.for %i = %c0 to %n step %c1 {
    memref.store %one, %a[%i] : memref<?xf32>
  }
  return
}

// CHECK-LABEL: func.func private @nnc_loop_kernel_0(
// CHECK-SAME: %[[N0:[a-z0-9]+]]: index, %[[A0:[a-z0-9]+]]: memref<?xf32>)
// CHECK-SAME: attributes {llvm.linkage = #llvm.linkage<internal>, no_inline}
// CHECK-DAG: arith.constant 0 : index
// CHECK-DAG: arith.constant 1.000000e+00 : f32
// CHECK: scf.for %{{.*}} = %{{.*}} to %[[N0]]
// CHECK: memref.store %{{.*}}, %[[A0]]
// CHECK-LABEL: func.func private @nnc_loop_kernel_1(
// CHECK: %[[R:.*]] = scf.for {{.*}} -> (f32)
// CHECK: return %[[R]] : f32
