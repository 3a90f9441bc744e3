// RUN: nnc-opt %s --split-input-file --pass-pipeline="builtin.module(func.func(nnc-batch-matmul-loop))" | FileCheck %s
// RUN: nnc-opt %s --split-input-file --pass-pipeline="builtin.module(func.func(nnc-batch-matmul-loop),nnc-matmul-schedule)" | FileCheck %s --check-prefix=SCHED

// Attention-shaped: dynamic batch x heads, static matrices. One scf.for over
// the batch, the fill fused into it, a 2-D matmul per iteration.
// CHECK-LABEL: func.func @scores
// CHECK-NOT: linalg.batch_matmul
// CHECK: scf.for
// CHECK: linalg.fill
// CHECK-SAME: tensor<1x16x16xf32>
// CHECK: linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<16x8xf32>, tensor<8x16xf32>) outs(%{{.*}} : tensor<16x16xf32>)
// CHECK: tensor.insert_slice
// CHECK-NOT: linalg.batch_matmul
// SCHED-LABEL: func.func @scores
// SCHED: vector.contract
// SCHED-NOT: linalg.matmul
// SCHED-NOT: linalg.batch_matmul
func.func @scores(%q: tensor<?x16x8xf32>, %k: tensor<?x8x16xf32>) -> tensor<?x16x16xf32> {
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0.0 : f32
  %b = tensor.dim %q, %c0 : tensor<?x16x8xf32>
  %e = tensor.empty(%b) : tensor<?x16x16xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<?x16x16xf32>) -> tensor<?x16x16xf32>
  %r = linalg.batch_matmul ins(%q, %k : tensor<?x16x8xf32>, tensor<?x8x16xf32>) outs(%f : tensor<?x16x16xf32>) -> tensor<?x16x16xf32>
  return %r : tensor<?x16x16xf32>
}

// -----

// A dynamic matrix size: left as it is.
// CHECK-LABEL: func.func @dynamic_rows
// CHECK-NOT: scf.for
// CHECK: linalg.batch_matmul
// SCHED-LABEL: func.func @dynamic_rows
func.func @dynamic_rows(%a: tensor<4x?x8xf32>, %b: tensor<4x8x16xf32>, %acc: tensor<4x?x16xf32>) -> tensor<4x?x16xf32> {
  %r = linalg.batch_matmul ins(%a, %b : tensor<4x?x8xf32>, tensor<4x8x16xf32>) outs(%acc : tensor<4x?x16xf32>) -> tensor<4x?x16xf32>
  return %r : tensor<4x?x16xf32>
}
