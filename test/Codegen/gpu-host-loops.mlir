// nnc-gpu-host-loops: host loops that read tensor data move onto the GPU.
// RUN: nnc-opt %s --split-input-file --pass-pipeline="builtin.module(func.func(nnc-gpu-host-loops))" | FileCheck %s
// Through the whole pipeline, an embedding model's host code reads no
// tensor data: test/Codegen/model-descriptor.nn (its CUDA entries are
// graph-safe).

// The embedding gradient (after nnc-gpu-linalg-to-parallel): for each token
// t, row idx[t] of the table gets row t of the gradient. The column loop
// goes outside, each column walks the tokens in order.
// CHECK-LABEL: func.func @scatter_add
// CHECK: scf.parallel (%[[D:.*]]) = (%{{.*}}) to (%c3{{.*}})
// CHECK-NEXT: scf.for %[[T:.*]] = %c0 to %{{.*}} step %c1 {
// CHECK-NEXT: %[[I:.*]] = memref.load %arg0[%[[T]]] : memref<?xi32>
// CHECK: %[[ROW:.*]] = memref.subview %arg2[%{{.*}}, 0] [1, 3] [1, 1]
// CHECK: %[[G:.*]] = memref.subview %arg1[%[[T]], 0] [1, 3] [1, 1]
// CHECK: memref.load %[[G]][%[[D]]]
// CHECK: memref.load %[[ROW]][%[[D]]]
// CHECK: memref.store %{{.*}}, %[[ROW]][%[[D]]]
// CHECK-NOT: scf.parallel
func.func @scatter_add(%idx: memref<?xi32>, %grad: memref<?x3xf32>, %table: memref<7x3xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = memref.dim %idx, %c0 : memref<?xi32>
  scf.for %t = %c0 to %n step %c1 {
    %i32 = memref.load %idx[%t] : memref<?xi32>
    %i = arith.index_cast %i32 : i32 to index
    %row = memref.subview %table[%i, 0] [1, 3] [1, 1] : memref<7x3xf32> to memref<3xf32, strided<[1], offset: ?>>
    %g = memref.subview %grad[%t, 0] [1, 3] [1, 1] : memref<?x3xf32> to memref<3xf32, strided<[1], offset: ?>>
    %lo = arith.constant 0 : index
    %hi = arith.constant 3 : index
    %one = arith.constant 1 : index
    scf.parallel (%d) = (%lo) to (%hi) step (%one) {
      %x = memref.load %g[%d] : memref<3xf32, strided<[1], offset: ?>>
      %y = memref.load %row[%d] : memref<3xf32, strided<[1], offset: ?>>
      %s = arith.addf %x, %y : f32
      memref.store %s, %row[%d] : memref<3xf32, strided<[1], offset: ?>>
      scf.reduce
    }
  }
  return
}

// -----

// Not of that form (the update shifts by one column, so columns are not
// independent): the loop runs on one GPU thread, its parallel loop
// sequential.
// CHECK-LABEL: func.func @shifted
// CHECK: scf.parallel (%{{.*}}) = (%c0{{.*}}) to (%c1{{.*}}) step (%c1{{.*}})
// CHECK-NEXT: scf.for
// CHECK: scf.for
// CHECK-NOT: scf.parallel
// CHECK: return
func.func @shifted(%idx: memref<?xi32>, %table: memref<7x4xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c3 = arith.constant 3 : index
  %n = memref.dim %idx, %c0 : memref<?xi32>
  scf.for %t = %c0 to %n step %c1 {
    %i32 = memref.load %idx[%t] : memref<?xi32>
    %i = arith.index_cast %i32 : i32 to index
    scf.parallel (%d) = (%c0) to (%c3) step (%c1) {
      %d1 = arith.addi %d, %c1 : index
      %x = memref.load %table[%i, %d1] : memref<7x4xf32>
      memref.store %x, %table[%i, %d] : memref<7x4xf32>
      scf.reduce
    }
  }
  return
}

// -----

// A loop that reads only read-only scalar arguments stays on the host.
// CHECK-LABEL: func.func @host_scalars
// CHECK-NOT: scf.parallel
// CHECK: scf.for
func.func @host_scalars(%steps: memref<i64>, %out: memref<f32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  scf.for %t = %c0 to %c4 step %c1 {
    %s = memref.load %steps[] : memref<i64>
  }
  return
}
