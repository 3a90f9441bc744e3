// nnc-prefetch-strided-rows: in a register tile's reduction loop (step 1,
// vector accumulators carried), the load of a row segment of a memref whose
// rows are 512 floats apart (the left operand [K, M] of a weight gradient,
// read at [kb + k, m:m+8]) is preceded by a prefetch 8 rows ahead, clamped to
// the last row. Rows closer together, a column index that moves with the
// loop, a loop that carries no vectors and a step other than 1 get none.
// RUN: nnc-opt %s --pass-pipeline='builtin.module(func.func(nnc-prefetch-strided-rows))' | FileCheck %s

// CHECK-LABEL: func.func @weight_gradient(
// CHECK-SAME: %[[A:.*]]: memref<?x512xf32>, %[[B:.*]]: memref<?x32xf32>, %[[KB:.*]]: index, %[[M:.*]]: index
// CHECK: %[[DIM:.*]] = memref.dim %[[A]], %{{.*}} : memref<?x512xf32>
// CHECK: %[[LAST:.*]] = arith.subi %[[DIM]], %{{.*}} : index
// CHECK: %[[C8:.*]] = arith.constant 8 : index
// CHECK: scf.for %[[K:.*]] = %{{.*}} to %{{.*}} step %{{.*}} iter_args
// CHECK-NEXT: %[[ROW:.*]] = affine.apply #{{.*}}()[%[[KB]], %[[K]]]
// CHECK-NEXT: %[[NEXT:.*]] = arith.addi %[[ROW]], %[[C8]] : index
// CHECK-NEXT: %[[AHEAD:.*]] = arith.minsi %[[NEXT]], %[[LAST]] : index
// CHECK-NEXT: memref.prefetch %[[A]][%[[AHEAD]], %[[M]]], read, locality<3>, data : memref<?x512xf32>
// CHECK-NEXT: vector.load %[[A]][%[[ROW]], %[[M]]] : memref<?x512xf32>, vector<8xf32>
// CHECK-NEXT: vector.load %[[B]]
// CHECK-NOT: memref.prefetch
// CHECK: return
func.func @weight_gradient(%a: memref<?x512xf32>, %b: memref<?x32xf32>, %kb: index, %m: index) -> vector<32xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c128 = arith.constant 128 : index
  %zero = arith.constant dense<0.0> : vector<32xf32>
  %r = scf.for %k = %c0 to %c128 step %c1 iter_args(%acc = %zero) -> (vector<32xf32>) {
    %row = affine.apply affine_map<()[s0, s1] -> (s0 + s1)>()[%kb, %k]
    %lhs = vector.load %a[%row, %m] : memref<?x512xf32>, vector<8xf32>
    %rhs = vector.load %b[%row, %c0] : memref<?x32xf32>, vector<32xf32>
    %x = vector.extract %lhs[0] : f32 from vector<8xf32>
    %s = vector.broadcast %x : f32 to vector<32xf32>
    %f = vector.fma %s, %rhs, %acc : vector<32xf32>
    scf.yield %f : vector<32xf32>
  }
  return %r : vector<32xf32>
}

// CHECK-LABEL: func.func @not_these(
// CHECK-NOT: memref.prefetch
// CHECK: return
func.func @not_these(%a: memref<?x512xf32>, %near: memref<?x64xf32>, %m: index) -> vector<8xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c64 = arith.constant 64 : index
  %zero = arith.constant dense<0.0> : vector<8xf32>
  // Rows 64 floats apart.
  %r0 = scf.for %k = %c0 to %c64 step %c1 iter_args(%acc = %zero) -> (vector<8xf32>) {
    %v = vector.load %near[%k, %m] : memref<?x64xf32>, vector<8xf32>
    %s = arith.addf %v, %acc : vector<8xf32>
    scf.yield %s : vector<8xf32>
  }
  // The column moves with the loop.
  %r1 = scf.for %k = %c0 to %c64 step %c1 iter_args(%acc = %r0) -> (vector<8xf32>) {
    %v = vector.load %a[%k, %k] : memref<?x512xf32>, vector<8xf32>
    %s = arith.addf %v, %acc : vector<8xf32>
    scf.yield %s : vector<8xf32>
  }
  // Step 2.
  %r2 = scf.for %k = %c0 to %c64 step %c2 iter_args(%acc = %r1) -> (vector<8xf32>) {
    %v = vector.load %a[%k, %m] : memref<?x512xf32>, vector<8xf32>
    %s = arith.addf %v, %acc : vector<8xf32>
    scf.yield %s : vector<8xf32>
  }
  // No vector carried.
  scf.for %k = %c0 to %c64 step %c1 {
    %v = vector.load %a[%k, %m] : memref<?x512xf32>, vector<8xf32>
    vector.store %v, %a[%k, %c0] : memref<?x512xf32>, vector<8xf32>
  }
  return %r2 : vector<8xf32>
}
