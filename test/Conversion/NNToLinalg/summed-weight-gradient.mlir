// A sum over the batch dims of a batched product with a transposed lhs (the
// weight gradient of a dense layer on [N, T, D] inputs) lowered by
// nnc-convert-nn-to-linalg to one linalg.matmul over the collapsed rows. The
// per-batch lowering of the nn.matmul is left dead for the CPU pipeline's
// canonicalizer to erase (the canonicalizer would also move the transpose
// after the collapse here, where g is an argument, so it is not run).
// RUN: nnc-opt %s --nnc-convert-nn-to-linalg -split-input-file | FileCheck %s

// The weight gradient of a dense layer on [N, T, D] inputs, the sum over the
// batch of g[n]^T x[n], is one product over the N*T rows: g transposed to
// [out, N, T] (static T innermost) and collapsed to [out, N*T], x collapsed
// to [N*T, in]; the function returns that product, not a reduction of
// per-sample products.
// CHECK-LABEL: func.func @summed_weight_gradient(
// CHECK-SAME: %[[G:[a-z0-9]+]]: tensor<?x16x64xf32>, %[[X:[a-z0-9]+]]: tensor<?x16x8xf32>
// CHECK: %[[GT:.*]] = linalg.transpose ins(%[[G]] : tensor<?x16x64xf32>) outs(%{{.*}} : tensor<64x?x16xf32>) permutation = [2, 0, 1]
// CHECK: %[[GC:.*]] = tensor.collapse_shape %[[GT]] {{\[}}[0], [1, 2]] : tensor<64x?x16xf32> into tensor<64x?xf32>
// CHECK: %[[XC:.*]] = tensor.collapse_shape %[[X]] {{\[}}[0, 1], [2]] : tensor<?x16x8xf32> into tensor<?x8xf32>
// CHECK: %[[ACC:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%{{.*}} : tensor<64x8xf32>)
// CHECK: %[[DW:.*]] = linalg.matmul ins(%[[GC]], %[[XC]] : tensor<64x?xf32>, tensor<?x8xf32>) outs(%[[ACC]] : tensor<64x8xf32>)
// CHECK-NEXT: return %[[DW]]
func.func @summed_weight_gradient(%g: tensor<?x16x64xf32>, %x: tensor<?x16x8xf32>) -> tensor<64x8xf32> {
  %0 = nn.matmul %g, %x {transpose_lhs = true} : (tensor<?x16x64xf32>, tensor<?x16x8xf32>) -> tensor<?x64x8xf32>
  %1 = nn.reduce_sum %0 {axes = array<i64: 0>} : (tensor<?x64x8xf32>) -> tensor<64x8xf32>
  return %1 : tensor<64x8xf32>
}

// -----

// Summed over the sequence only (axis 1, not the batch dims): the per-batch
// product is kept.
// CHECK-LABEL: func.func @sum_not_over_batches(
// CHECK: %[[B:.*]] = linalg.batch_matmul
// CHECK: %[[S:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "reduction", "parallel"]} ins(%[[B]] :
// CHECK-NOT: linalg.matmul
// CHECK: return %[[S]]
func.func @sum_not_over_batches(%g: tensor<?x16x64xf32>, %x: tensor<?x16x8xf32>) -> tensor<?x8xf32> {
  %0 = nn.matmul %g, %x {transpose_lhs = true} : (tensor<?x16x64xf32>, tensor<?x16x8xf32>) -> tensor<?x64x8xf32>
  %1 = nn.reduce_sum %0 {axes = array<i64: 1>} : (tensor<?x64x8xf32>) -> tensor<?x8xf32>
  return %1 : tensor<?x8xf32>
}
