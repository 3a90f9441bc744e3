// nn.dense and nn.matmul lowered by nnc-convert-nn-to-linalg: the weight is
// transposed once with linalg.transpose, the product is a linalg.matmul into a
// zero-filled accumulator whose dynamic batch size comes from tensor.dim, the
// bias is a separate broadcasting generic; rank-3 operands are collapsed to
// rank 2 (dense, matmul with a 2-D rhs) or use linalg.batch_matmul.
// RUN: nnc-opt %s --nnc-convert-nn-to-linalg -split-input-file | FileCheck %s

// CHECK-DAG: #[[ID:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[ROW:.*]] = affine_map<(d0, d1) -> (d1)>
// CHECK-LABEL: func.func @dense_bias(
// CHECK-SAME: %[[X:[a-z0-9]+]]: tensor<?x2xf32>, %[[W:[a-z0-9]+]]: tensor<64x2xf32>, %[[B:[a-z0-9]+]]: tensor<64xf32>)
// CHECK: %[[WT:.*]] = linalg.transpose ins(%[[W]] : tensor<64x2xf32>) outs(%{{.*}} : tensor<2x64xf32>) permutation = [1, 0]
// CHECK: %[[N:.*]] = tensor.dim %[[X]], %{{.*}} : tensor<?x2xf32>
// CHECK: %[[E:.*]] = tensor.empty(%[[N]]) : tensor<?x64xf32>
// CHECK: %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK: %[[ACC:.*]] = linalg.fill ins(%[[ZERO]] : f32) outs(%[[E]] : tensor<?x64xf32>)
// CHECK: %[[MM:.*]] = linalg.matmul ins(%[[X]], %[[WT]] : tensor<?x2xf32>, tensor<2x64xf32>) outs(%[[ACC]] : tensor<?x64xf32>)
// CHECK: %[[Y:.*]] = linalg.generic {indexing_maps = [#[[ID]], #[[ROW]], #[[ID]]], iterator_types = ["parallel", "parallel"]} ins(%[[MM]], %[[B]] : tensor<?x64xf32>, tensor<64xf32>)
// CHECK: arith.addf
// CHECK: return %[[Y]]
func.func @dense_bias(%x: tensor<?x2xf32>, %w: tensor<64x2xf32>, %b: tensor<64xf32>) -> tensor<?x64xf32> {
  %0 = nn.dense %x, %w, %b : (tensor<?x2xf32>, tensor<64x2xf32>, tensor<64xf32>) -> tensor<?x64xf32>
  return %0 : tensor<?x64xf32>
}

// -----

// A rank-3 input: the leading dims are collapsed for one 2-D matmul and
// expanded back (batch = rows / 16); no bias, so no generic.
// CHECK-LABEL: func.func @dense_seq(
// CHECK-SAME: %[[X:[a-z0-9]+]]: tensor<?x16x2xf32>
// CHECK: %[[C:.*]] = tensor.collapse_shape %[[X]] {{\[}}[0, 1], [2]] : tensor<?x16x2xf32> into tensor<?x2xf32>
// CHECK: linalg.transpose
// CHECK: %[[MM:.*]] = linalg.matmul ins(%[[C]], %{{.*}} : tensor<?x2xf32>, tensor<2x64xf32>) outs(%{{.*}} : tensor<?x64xf32>)
// CHECK: %[[ROWS:.*]] = tensor.dim %[[MM]]
// CHECK: %[[B:.*]] = arith.divui %[[ROWS]], %c16
// CHECK: %[[R:.*]] = tensor.expand_shape %[[MM]] {{\[}}[0, 1], [2]] output_shape [%[[B]], 16, 64] : tensor<?x64xf32> into tensor<?x16x64xf32>
// CHECK-NOT: linalg.generic
// CHECK: return %[[R]]
func.func @dense_seq(%seq: tensor<?x16x2xf32>, %w: tensor<64x2xf32>) -> tensor<?x16x64xf32> {
  %0 = nn.dense %seq, %w : (tensor<?x16x2xf32>, tensor<64x2xf32>) -> tensor<?x16x64xf32>
  return %0 : tensor<?x16x64xf32>
}

// -----

// Batched x batched (transpose_rhs): batch_matmul against the transposed rhs.
// CHECK-LABEL: func.func @matmul_batched(
// CHECK-SAME: %[[Q:[a-z0-9]+]]: tensor<?x16x8xf32>
// CHECK: %[[QT:.*]] = linalg.transpose ins(%[[Q]] : tensor<?x16x8xf32>) outs(%{{.*}} : tensor<?x8x16xf32>) permutation = [0, 2, 1]
// CHECK: %[[ACC:.*]] = linalg.fill {{.*}} -> tensor<?x16x16xf32>
// CHECK: %[[R:.*]] = linalg.batch_matmul ins(%[[Q]], %[[QT]] : tensor<?x16x8xf32>, tensor<?x8x16xf32>) outs(%[[ACC]] : tensor<?x16x16xf32>)
// CHECK: return %[[R]]
func.func @matmul_batched(%q: tensor<?x16x8xf32>) -> tensor<?x16x16xf32> {
  %0 = nn.matmul %q, %q {transpose_rhs = true} : (tensor<?x16x8xf32>, tensor<?x16x8xf32>) -> tensor<?x16x16xf32>
  return %0 : tensor<?x16x16xf32>
}

// -----

// Batched x 2-D: collapsed to one matmul, no batch_matmul.
// CHECK-LABEL: func.func @matmul_shared_rhs(
// CHECK-SAME: %[[Q:[a-z0-9]+]]: tensor<?x16x8xf32>, %[[M:[a-z0-9]+]]: tensor<8x4xf32>
// CHECK-NOT: linalg.batch_matmul
// CHECK: %[[C:.*]] = tensor.collapse_shape %[[Q]] {{\[}}[0, 1], [2]]
// CHECK: %[[MM:.*]] = linalg.matmul ins(%[[C]], %[[M]] : tensor<?x8xf32>, tensor<8x4xf32>)
// CHECK: tensor.expand_shape %[[MM]] {{\[}}[0, 1], [2]] output_shape [%{{.*}}, 16, 4]
func.func @matmul_shared_rhs(%q: tensor<?x16x8xf32>, %m: tensor<8x4xf32>) -> tensor<?x16x4xf32> {
  %0 = nn.matmul %q, %m : (tensor<?x16x8xf32>, tensor<8x4xf32>) -> tensor<?x16x4xf32>
  return %0 : tensor<?x16x4xf32>
}

// -----

// transpose_lhs (a weight gradient): the dynamic batch becomes the reduction
// dim K; the result is static.
// CHECK-LABEL: func.func @matmul_transpose_lhs(
// CHECK-SAME: %[[A:[a-z0-9]+]]: tensor<?x64xf32>, %[[X:[a-z0-9]+]]: tensor<?x2xf32>
// CHECK: %[[AT:.*]] = linalg.transpose ins(%[[A]] : tensor<?x64xf32>) outs(%{{.*}} : tensor<64x?xf32>) permutation = [1, 0]
// CHECK: %[[E:.*]] = tensor.empty() : tensor<64x2xf32>
// CHECK: %[[ACC:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%[[E]] : tensor<64x2xf32>)
// CHECK: linalg.matmul ins(%[[AT]], %[[X]] : tensor<64x?xf32>, tensor<?x2xf32>) outs(%[[ACC]] : tensor<64x2xf32>)
func.func @matmul_transpose_lhs(%a: tensor<?x64xf32>, %x: tensor<?x2xf32>) -> tensor<64x2xf32> {
  %0 = nn.matmul %a, %x {transpose_lhs = true} : (tensor<?x64xf32>, tensor<?x2xf32>) -> tensor<64x2xf32>
  return %0 : tensor<64x2xf32>
}
