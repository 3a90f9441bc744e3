// Reductions, softmax and log_softmax lowered by nnc-convert-nn-to-linalg:
// a reduction is one linalg.generic with "reduction" iterators on the reduced
// axes into a linalg.fill'ed accumulator (keepdim reads index 0 of the size-1
// dim); reduce_mean divides by the element count afterwards; softmax is
// max, e = exp(x - max) kept, the sum of e, 1 / sum per row and e times it;
// log_softmax is max, the sum of exp(x - max), its logarithm per row, then
// x - max - log(sum). No exponential, logarithm or division is computed
// twice per element.
// RUN: nnc-opt %s --nnc-convert-nn-to-linalg -split-input-file | FileCheck %s

// CHECK-DAG: #[[ID3:.*]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-DAG: #[[LAST:.*]] = affine_map<(d0, d1, d2) -> (d2)>
// CHECK-DAG: #[[KEEP:.*]] = affine_map<(d0, d1, d2) -> (d0, 0, d2)>
// CHECK-DAG: #[[ID2:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[SCALAR:.*]] = affine_map<(d0, d1) -> ()>
// CHECK-LABEL: func.func @reduce(
// CHECK-SAME: %[[SEQ:[a-z0-9]+]]: tensor<?x16x64xf32>, %[[A:[a-z0-9]+]]: tensor<?x3xf32>
// Sum over the batch and the sequence: a static result.
// CHECK: %[[E0:.*]] = tensor.empty() : tensor<64xf32>
// CHECK: %[[Z0:.*]] = arith.constant 0.000000e+00 : f32
// CHECK: %[[F0:.*]] = linalg.fill ins(%[[Z0]] : f32) outs(%[[E0]] : tensor<64xf32>)
// CHECK: %[[SUM:.*]] = linalg.generic {indexing_maps = [#[[ID3]], #[[LAST]]], iterator_types = ["reduction", "reduction", "parallel"]} ins(%[[SEQ]] : tensor<?x16x64xf32>) outs(%[[F0]] : tensor<64xf32>)
// CHECK-NEXT: ^bb0(%[[IN:.*]]: f32, %[[OUT:.*]]: f32):
// CHECK-NEXT: %[[ADD:.*]] = arith.addf %[[IN]], %[[OUT]] : f32
// CHECK-NEXT: linalg.yield %[[ADD]]
// Mean over axis 1 with keepdim: sum (batch from tensor.dim), then / 16.
// CHECK: %[[N:.*]] = tensor.dim %[[SEQ]], %{{.*}} : tensor<?x16x64xf32>
// CHECK: %[[E1:.*]] = tensor.empty(%[[N]]) : tensor<?x1x64xf32>
// CHECK: %[[F1:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%[[E1]] : tensor<?x1x64xf32>)
// CHECK: %[[S1:.*]] = linalg.generic {indexing_maps = [#[[ID3]], #[[KEEP]]], iterator_types = ["parallel", "reduction", "parallel"]} ins(%[[SEQ]] : tensor<?x16x64xf32>) outs(%[[F1]] : tensor<?x1x64xf32>)
// CHECK: arith.addf
// CHECK: %[[C16:.*]] = arith.constant 16 : index
// CHECK: %[[CNT:.*]] = arith.sitofp %{{.*}} : i64 to f32
// CHECK: %[[MEAN:.*]] = linalg.generic {indexing_maps = [#[[ID3]], #[[ID3]]], iterator_types = ["parallel", "parallel", "parallel"]} ins(%[[S1]] : tensor<?x1x64xf32>)
// CHECK-NEXT: ^bb0(%[[IN:.*]]: f32, %{{.*}}: f32):
// CHECK-NEXT: arith.divf %[[IN]], %[[CNT]] : f32
// Full reduction to a rank-0 tensor.
// CHECK: %[[E2:.*]] = tensor.empty() : tensor<f32>
// CHECK: %[[F2:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%[[E2]] : tensor<f32>)
// CHECK: %[[TOT:.*]] = linalg.generic {indexing_maps = [#[[ID2]], #[[SCALAR]]], iterator_types = ["reduction", "reduction"]} ins(%[[A]] : tensor<?x3xf32>) outs(%[[F2]] : tensor<f32>)
// CHECK: return %[[SUM]], %[[MEAN]], %[[TOT]]
func.func @reduce(%seq: tensor<?x16x64xf32>, %a: tensor<?x3xf32>) -> (tensor<64xf32>, tensor<?x1x64xf32>, tensor<f32>) {
  %0 = nn.reduce_sum %seq {axes = array<i64: 0, 1>} : (tensor<?x16x64xf32>) -> tensor<64xf32>
  %1 = nn.reduce_mean %seq {axes = array<i64: 1>, keepdim = true} : (tensor<?x16x64xf32>) -> tensor<?x1x64xf32>
  %2 = nn.reduce_sum %a {axes = array<i64: 0, 1>} : (tensor<?x3xf32>) -> tensor<f32>
  return %0, %1, %2 : tensor<64xf32>, tensor<?x1x64xf32>, tensor<f32>
}

// -----

// CHECK-DAG: #[[ID:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[ROW:.*]] = affine_map<(d0, d1) -> (d0)>
// CHECK-LABEL: func.func @softmax(
// CHECK-SAME: %[[X:[a-z0-9]+]]: tensor<?x10xf32>
// max over the row, from -inf, into a [batch] tensor
// CHECK: %[[N:.*]] = tensor.dim %[[X]], %{{.*}} : tensor<?x10xf32>
// CHECK: %[[E:.*]] = tensor.empty(%[[N]]) : tensor<?xf32>
// CHECK: %[[NINF:.*]] = arith.constant 0xFF800000 : f32
// CHECK: %[[MI:.*]] = linalg.fill ins(%[[NINF]] : f32) outs(%[[E]] : tensor<?xf32>)
// CHECK: %[[MAX:.*]] = linalg.generic {indexing_maps = [#[[ID]], #[[ROW]]], iterator_types = ["parallel", "reduction"]} ins(%[[X]] : tensor<?x10xf32>) outs(%[[MI]] : tensor<?xf32>)
// CHECK: arith.maximumf
// e = exp(x - max), once per element
// CHECK: %[[EXP:.*]] = linalg.generic {indexing_maps = [#[[ID]], #[[ROW]], #[[ID]]], iterator_types = ["parallel", "parallel"]} ins(%[[X]], %[[MAX]] : tensor<?x10xf32>, tensor<?xf32>)
// CHECK: arith.subf
// CHECK-NEXT: math.exp
// CHECK-NEXT: linalg.yield
// CHECK: %[[SUM:.*]] = linalg.generic {indexing_maps = [#[[ID]], #[[ROW]]], iterator_types = ["parallel", "reduction"]} ins(%[[EXP]] : tensor<?x10xf32>)
// CHECK: arith.addf
// 1 / sum per row, then e * (1 / sum)
// CHECK: %[[INV:.*]] = linalg.generic {{.*}} ins(%[[SUM]] : tensor<?xf32>)
// CHECK: arith.divf
// CHECK: %[[SM:.*]] = linalg.generic {indexing_maps = [#[[ID]], #[[ROW]], #[[ID]]], iterator_types = ["parallel", "parallel"]} ins(%[[EXP]], %[[INV]] :
// CHECK-NEXT: ^bb0
// CHECK-NEXT: arith.mulf
// CHECK-NEXT: linalg.yield
// log_softmax: the max, the sum of exp(x - max), log(sum) per row, then
// x - max - log(sum)
// CHECK: %[[MAX2:.*]] = linalg.generic {{.*}}iterator_types = ["parallel", "reduction"]} ins(%[[X]] : tensor<?x10xf32>)
// CHECK: arith.maximumf
// CHECK: %[[SUM2:.*]] = linalg.generic {{.*}}iterator_types = ["parallel", "reduction"]} ins(%[[X]], %[[MAX2]] :
// CHECK: arith.subf
// CHECK-NEXT: math.exp
// CHECK-NEXT: arith.addf
// CHECK: %[[LOG:.*]] = linalg.generic {{.*}} ins(%[[SUM2]] : tensor<?xf32>)
// CHECK-NEXT: ^bb0
// CHECK-NEXT: math.log
// CHECK: %[[LSM:.*]] = linalg.generic {{.*}}iterator_types = ["parallel", "parallel"]} ins(%[[X]], %[[MAX2]], %[[LOG]] :
// CHECK-NEXT: ^bb0(%{{.*}}: f32, %{{.*}}: f32, %[[L:.*]]: f32, %{{.*}}: f32):
// CHECK-NEXT: %[[D2:.*]] = arith.subf
// CHECK-NEXT: arith.subf %[[D2]], %[[L]]
// CHECK: return %[[SM]], %[[LSM]]
func.func @softmax(%x: tensor<?x10xf32>) -> (tensor<?x10xf32>, tensor<?x10xf32>) {
  %0 = nn.softmax %x {axis = 1 : i64} : (tensor<?x10xf32>) -> tensor<?x10xf32>
  %1 = nn.log_softmax %x {axis = 1 : i64} : (tensor<?x10xf32>) -> tensor<?x10xf32>
  return %0, %1 : tensor<?x10xf32>, tensor<?x10xf32>
}
