// nnc-flatten-vector-transfers: an n-D tile transfer over contiguous memory
// becomes one 1-D transfer. A tile [1, 1, 1, 10, 10] of a view whose outer
// dims are padded (im2col rows of 100 floats in a [150, 112] buffer,
// nnc-align-matmul-rows) first drops its leading unit dims through a
// rank-reduced subview (they are not unit in the view), then its [10, 10]
// rows, contiguous, are one vector<100>. A single row keeps its rank (the
// widening of row stores needs the whole view).
// RUN: nnc-opt %s --pass-pipeline='builtin.module(func.func(nnc-flatten-vector-transfers{register-bits=512}))' | FileCheck %s

// CHECK-LABEL: func.func @padded_tile(
// CHECK: %[[SUB:.*]] = memref.subview %{{.*}}[%[[I:.*]], %[[I]], %[[I]], 0, 0] [1, 1, 1, 10, 10] [1, 1, 1, 1, 1] : memref<6x5x5x10x10xf32, strided<[2800, 560, 112, 10, 1]>> to memref<10x10xf32, strided<[10, 1], offset: ?>>
// CHECK: %[[FLAT:.*]] = memref.collapse_shape %[[SUB]] {{\[\[}}0, 1]]
// CHECK: %[[V:.*]] = vector.shape_cast %{{.*}} : vector<1x1x1x10x10xf32> to vector<100xf32>
// CHECK: vector.transfer_write %[[V]], %[[FLAT]][%{{.*}}] {in_bounds = [true]} : vector<100xf32>
func.func @padded_tile(%v: vector<1x1x1x10x10xf32>, %m: memref<6x5x5x10x10xf32, strided<[2800, 560, 112, 10, 1]>>, %i: index) {
  %c0 = arith.constant 0 : index
  vector.transfer_write %v, %m[%i, %i, %i, %c0, %c0] {in_bounds = [true, true, true, true, true]} : vector<1x1x1x10x10xf32>, memref<6x5x5x10x10xf32, strided<[2800, 560, 112, 10, 1]>>
  return
}

// CHECK-LABEL: func.func @padded_row(
// CHECK-NOT: memref.subview
// CHECK: vector.transfer_write %{{.*}} : vector<1x1x1x1x14xf32>, memref<32x3x3x14x14xf32, strided<[1872, 624, 208, 14, 1]>>
func.func @padded_row(%v: vector<1x1x1x1x14xf32>, %m: memref<32x3x3x14x14xf32, strided<[1872, 624, 208, 14, 1]>>, %i: index) {
  %c0 = arith.constant 0 : index
  vector.transfer_write %v, %m[%i, %i, %i, %i, %c0] {in_bounds = [true, true, true, true, true]} : vector<1x1x1x1x14xf32>, memref<32x3x3x14x14xf32, strided<[1872, 624, 208, 14, 1]>>
  return
}
