// nnc-fold-lhs-transpose: a matmul whose lhs is a transposed [K, M] matrix,
// or the collapse of a [B, T, C] tensor moved to [C, B, T], reads that
// tensor in place as linalg.matmul_transpose_a (the batch dims collapsed
// into K); the transpose is gone. A weight gradient on sequences with long
// rhs rows and short lhs rows is computed transposed. Other transposes and a
// transposed rhs are left alone.
// RUN: nnc-opt %s --nnc-fold-lhs-transpose -split-input-file | FileCheck %s

// CHECK-LABEL: func.func @weight_gradient(
// CHECK-SAME: %[[X:[a-z0-9]+]]: tensor<?x784xf32>, %[[DY:[a-z0-9]+]]: tensor<?x256xf32>
// CHECK-NOT: linalg.transpose
// CHECK: %[[R:.*]] = linalg.matmul_transpose_a ins(%[[X]], %[[DY]] : tensor<?x784xf32>, tensor<?x256xf32>)
// CHECK-SAME: -> tensor<784x256xf32>
// CHECK: return %[[R]]
func.func @weight_gradient(%x: tensor<?x784xf32>, %dy: tensor<?x256xf32>) -> tensor<784x256xf32> {
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0.0 : f32
  %n = tensor.dim %x, %c0 : tensor<?x784xf32>
  %e = tensor.empty(%n) : tensor<784x?xf32>
  %xt = linalg.transpose ins(%x : tensor<?x784xf32>) outs(%e : tensor<784x?xf32>) permutation = [1, 0]
  %acc0 = tensor.empty() : tensor<784x256xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%acc0 : tensor<784x256xf32>) -> tensor<784x256xf32>
  %r = linalg.matmul ins(%xt, %dy : tensor<784x?xf32>, tensor<?x256xf32>) outs(%acc : tensor<784x256xf32>) -> tensor<784x256xf32>
  return %r : tensor<784x256xf32>
}

// -----

// CHECK-LABEL: func.func @sequence_weight_gradient(
// CHECK-SAME: %[[DY:[a-z0-9]+]]: tensor<?x64x512xf32>, %[[X:[a-z0-9]+]]: tensor<?x128xf32>
// CHECK-NOT: linalg.transpose
// CHECK: %[[ROWS:.*]] = tensor.collapse_shape %[[DY]] {{\[\[}}0, 1], [2]] : tensor<?x64x512xf32> into tensor<?x512xf32>
// CHECK: linalg.matmul_transpose_a ins(%[[ROWS]], %[[X]] : tensor<?x512xf32>, tensor<?x128xf32>)
func.func @sequence_weight_gradient(%dy: tensor<?x64x512xf32>, %x: tensor<?x128xf32>) -> tensor<512x128xf32> {
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0.0 : f32
  %n = tensor.dim %dy, %c0 : tensor<?x64x512xf32>
  %e = tensor.empty(%n) : tensor<512x?x64xf32>
  %t = linalg.transpose ins(%dy : tensor<?x64x512xf32>) outs(%e : tensor<512x?x64xf32>) permutation = [2, 0, 1]
  %dyt = tensor.collapse_shape %t [[0], [1, 2]] : tensor<512x?x64xf32> into tensor<512x?xf32>
  %acc0 = tensor.empty() : tensor<512x128xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%acc0 : tensor<512x128xf32>) -> tensor<512x128xf32>
  %r = linalg.matmul ins(%dyt, %x : tensor<512x?xf32>, tensor<?x128xf32>) outs(%acc : tensor<512x128xf32>) -> tensor<512x128xf32>
  return %r : tensor<512x128xf32>
}

// -----

// A weight gradient on sequences whose rhs rows are 2 KB or longer and whose
// lhs rows are shorter is computed transposed (rows of g broadcast, rows of
// dy streamed) and transposed back; the same with short rhs rows, or on
// rank-2 operands (one batch, K small), is not.
// CHECK-LABEL: func.func @long_rhs_rows(
// CHECK-SAME: %[[DY:[a-z0-9]+]]: tensor<?x64x128xf32>, %[[G:[a-z0-9]+]]: tensor<?x512xf32>
// CHECK: %[[ROWS:.*]] = tensor.collapse_shape %[[DY]] {{\[\[}}0, 1], [2]] : tensor<?x64x128xf32> into tensor<?x128xf32>
// CHECK: %[[ACC:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%{{.*}} : tensor<512x128xf32>)
// CHECK: %[[P:.*]] = linalg.matmul_transpose_a ins(%[[G]], %[[ROWS]] : tensor<?x512xf32>, tensor<?x128xf32>) outs(%[[ACC]] : tensor<512x128xf32>)
// CHECK: %[[R:.*]] = linalg.transpose ins(%[[P]] : tensor<512x128xf32>) outs(%{{.*}} : tensor<128x512xf32>) permutation = [1, 0]
// CHECK: return %[[R]]
func.func @long_rhs_rows(%dy: tensor<?x64x128xf32>, %g: tensor<?x512xf32>) -> tensor<128x512xf32> {
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0.0 : f32
  %n = tensor.dim %dy, %c0 : tensor<?x64x128xf32>
  %e = tensor.empty(%n) : tensor<128x?x64xf32>
  %t = linalg.transpose ins(%dy : tensor<?x64x128xf32>) outs(%e : tensor<128x?x64xf32>) permutation = [2, 0, 1]
  %dyt = tensor.collapse_shape %t [[0], [1, 2]] : tensor<128x?x64xf32> into tensor<128x?xf32>
  %acc0 = tensor.empty() : tensor<128x512xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%acc0 : tensor<128x512xf32>) -> tensor<128x512xf32>
  %r = linalg.matmul ins(%dyt, %g : tensor<128x?xf32>, tensor<?x512xf32>) outs(%acc : tensor<128x512xf32>) -> tensor<128x512xf32>
  return %r : tensor<128x512xf32>
}

// -----

// CHECK-LABEL: func.func @kept_orientation(
// CHECK-NOT: linalg.transpose
// CHECK: linalg.matmul_transpose_a {{.*}} -> tensor<128x256xf32>
// CHECK-NOT: linalg.transpose
// CHECK: linalg.matmul_transpose_a {{.*}} -> tensor<128x512xf32>
// CHECK-NOT: linalg.transpose
func.func @kept_orientation(%dy: tensor<?x64x128xf32>, %h: tensor<?x256xf32>, %dz: tensor<?x128xf32>, %x: tensor<?x512xf32>) -> (tensor<128x256xf32>, tensor<128x512xf32>) {
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0.0 : f32
  %n = tensor.dim %dy, %c0 : tensor<?x64x128xf32>
  %e = tensor.empty(%n) : tensor<128x?x64xf32>
  %t = linalg.transpose ins(%dy : tensor<?x64x128xf32>) outs(%e : tensor<128x?x64xf32>) permutation = [2, 0, 1]
  %dyt = tensor.collapse_shape %t [[0], [1, 2]] : tensor<128x?x64xf32> into tensor<128x?xf32>
  %acc0 = tensor.empty() : tensor<128x256xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%acc0 : tensor<128x256xf32>) -> tensor<128x256xf32>
  %r = linalg.matmul ins(%dyt, %h : tensor<128x?xf32>, tensor<?x256xf32>) outs(%acc : tensor<128x256xf32>) -> tensor<128x256xf32>
  %m = tensor.dim %dz, %c0 : tensor<?x128xf32>
  %e2 = tensor.empty(%m) : tensor<128x?xf32>
  %dzt = linalg.transpose ins(%dz : tensor<?x128xf32>) outs(%e2 : tensor<128x?xf32>) permutation = [1, 0]
  %acc1 = tensor.empty() : tensor<128x512xf32>
  %accf = linalg.fill ins(%zero : f32) outs(%acc1 : tensor<128x512xf32>) -> tensor<128x512xf32>
  %s = linalg.matmul ins(%dzt, %x : tensor<128x?xf32>, tensor<?x512xf32>) outs(%accf : tensor<128x512xf32>) -> tensor<128x512xf32>
  return %r, %s : tensor<128x256xf32>, tensor<128x512xf32>
}

// -----

// A permutation that does not move the last dim to the front, and a
// transposed rhs (a dense layer's weight), keep their transposes.
// CHECK-LABEL: func.func @kept(
// CHECK: linalg.transpose {{.*}} permutation = [1, 2, 0]
// CHECK: linalg.matmul ins
// CHECK: linalg.transpose {{.*}} permutation = [1, 0]
// CHECK: linalg.matmul ins
// CHECK-NOT: matmul_transpose_a
func.func @kept(%a: tensor<8x4x16xf32>, %b: tensor<32x16xf32>, %x: tensor<8x32xf32>, %w: tensor<16x32xf32>) -> (tensor<4x32xf32>, tensor<8x16xf32>) {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4x16x8xf32>
  %t = linalg.transpose ins(%a : tensor<8x4x16xf32>) outs(%e : tensor<4x16x8xf32>) permutation = [1, 2, 0]
  %tl = tensor.collapse_shape %t [[0], [1, 2]] : tensor<4x16x8xf32> into tensor<4x128xf32>
  %acc0 = tensor.empty() : tensor<4x32xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%acc0 : tensor<4x32xf32>) -> tensor<4x32xf32>
  %bb = tensor.empty() : tensor<128x32xf32>
  %bf = linalg.fill ins(%zero : f32) outs(%bb : tensor<128x32xf32>) -> tensor<128x32xf32>
  %r = linalg.matmul ins(%tl, %bf : tensor<4x128xf32>, tensor<128x32xf32>) outs(%acc : tensor<4x32xf32>) -> tensor<4x32xf32>
  %we = tensor.empty() : tensor<32x16xf32>
  %wt = linalg.transpose ins(%w : tensor<16x32xf32>) outs(%we : tensor<32x16xf32>) permutation = [1, 0]
  %acc1 = tensor.empty() : tensor<8x16xf32>
  %accf = linalg.fill ins(%zero : f32) outs(%acc1 : tensor<8x16xf32>) -> tensor<8x16xf32>
  %y = linalg.matmul ins(%x, %wt : tensor<8x32xf32>, tensor<32x16xf32>) outs(%accf : tensor<8x16xf32>) -> tensor<8x16xf32>
  return %r, %y : tensor<4x32xf32>, tensor<8x16xf32>
}
