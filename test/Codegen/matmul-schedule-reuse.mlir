// nnc-matmul-schedule reuses the schedule of a layer for a later layer whose
// ops print the same (equal layers of a deep network), with the later
// layer's locations: both layers are tiled and vectorized alike, and the
// reads of each carry their own layer's location (profiles name the layer).
// RUN: nnc-opt %s --nnc-matmul-schedule --mlir-print-debuginfo | FileCheck %s

#first = loc("deep.nn":3:20)
#second = loc("deep.nn":3:40)

// CHECK-LABEL: func.func @two_layers(
// CHECK-NOT: linalg.matmul
// CHECK: scf.for
// CHECK: vector.transfer_read {{.*}} loc(#[[FIRST:loc[0-9]+]])
// CHECK: vector.contract
// CHECK: scf.for
// CHECK: vector.transfer_read {{.*}} loc(#[[SECOND:loc[0-9]+]])
// CHECK: vector.contract
// CHECK-NOT: linalg.matmul
// CHECK-DAG: #[[FIRST]] = loc("deep.nn":3:20)
// CHECK-DAG: #[[SECOND]] = loc("deep.nn":3:40)
func.func @two_layers(%x: tensor<16x64xf32>, %w1: tensor<64x64xf32>, %w2: tensor<64x64xf32>) -> tensor<16x64xf32> {
  %zero = arith.constant 0.0 : f32
  %e1 = tensor.empty() : tensor<16x64xf32>
  %f1 = linalg.fill ins(%zero : f32) outs(%e1 : tensor<16x64xf32>) -> tensor<16x64xf32> loc(#first)
  %h1 = linalg.matmul ins(%x, %w1 : tensor<16x64xf32>, tensor<64x64xf32>) outs(%f1 : tensor<16x64xf32>) -> tensor<16x64xf32> loc(#first)
  %e2 = tensor.empty() : tensor<16x64xf32>
  %f2 = linalg.fill ins(%zero : f32) outs(%e2 : tensor<16x64xf32>) -> tensor<16x64xf32> loc(#second)
  %h2 = linalg.matmul ins(%h1, %w2 : tensor<16x64xf32>, tensor<64x64xf32>) outs(%f2 : tensor<16x64xf32>) -> tensor<16x64xf32> loc(#second)
  return %h2 : tensor<16x64xf32>
}
