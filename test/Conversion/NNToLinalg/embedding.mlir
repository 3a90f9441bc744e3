// nn.embedding and nn.embedding_backward lowered by nnc-convert-nn-to-linalg:
// the forward is a gather, one generic over [batch, seq, dim] that clamps the
// id into the table and reads the row with tensor.extract; the backward is a
// scatter-add, an scf.for over the flattened ids that adds each gradient row
// into the clamped table row of a zero-filled accumulator.
// RUN: nnc-opt %s --nnc-convert-nn-to-linalg -split-input-file | FileCheck %s

// CHECK-DAG: #[[IDS:.*]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-DAG: #[[ID3:.*]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-LABEL: func.func @embedding(
// CHECK-SAME: %[[IDV:[a-z0-9]+]]: tensor<?x16xi32>, %[[TABLE:[a-z0-9]+]]: tensor<100x64xf32>
// CHECK: %[[N:.*]] = tensor.dim %[[IDV]], %{{.*}} : tensor<?x16xi32>
// CHECK: %[[E:.*]] = tensor.empty(%[[N]]) : tensor<?x16x64xf32>
// CHECK: %[[R:.*]] = linalg.generic {indexing_maps = [#[[IDS]], #[[ID3]]], iterator_types = ["parallel", "parallel", "parallel"]} ins(%[[IDV]] : tensor<?x16xi32>) outs(%[[E]] : tensor<?x16x64xf32>)
// CHECK-NEXT: ^bb0(%[[ID:.*]]: i32, %{{.*}}: f32):
// CHECK: %[[LO:.*]] = arith.maxsi %[[ID]], %{{.*}} : i32
// CHECK: %[[C99:.*]] = arith.constant 99 : i32
// CHECK: %[[HI:.*]] = arith.minsi %[[LO]], %[[C99]] : i32
// CHECK: %[[ROW:.*]] = arith.index_cast %[[HI]] : i32 to index
// CHECK: %[[COL:.*]] = linalg.index 2 : index
// CHECK: %[[V:.*]] = tensor.extract %[[TABLE]][%[[ROW]], %[[COL]]] : tensor<100x64xf32>
// CHECK: linalg.yield %[[V]] : f32
// CHECK: return %[[R]]
func.func @embedding(%ids: tensor<?x16xi32>, %table: tensor<100x64xf32>) -> tensor<?x16x64xf32> {
  %0 = nn.embedding %ids, %table : (tensor<?x16xi32>, tensor<100x64xf32>) -> tensor<?x16x64xf32>
  return %0 : tensor<?x16x64xf32>
}

// -----

// CHECK-LABEL: func.func @embedding_backward(
// CHECK-SAME: %[[G:[a-z0-9]+]]: tensor<?x8x16xf32>, %[[IDV:[a-z0-9]+]]: tensor<?x8xi32>, %[[T:[a-z0-9]+]]: tensor<100x16xf32>
// CHECK: %[[FIDS:.*]] = tensor.collapse_shape %[[IDV]] {{\[}}[0, 1]] : tensor<?x8xi32> into tensor<?xi32>
// CHECK: %[[FG:.*]] = tensor.collapse_shape %[[G]] {{\[}}[0, 1], [2]] : tensor<?x8x16xf32> into tensor<?x16xf32>
// CHECK: %[[N:.*]] = tensor.dim %[[FIDS]], %{{.*}} : tensor<?xi32>
// CHECK: %[[ACC:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%{{.*}} : tensor<100x16xf32>)
// CHECK: %[[R:.*]] = scf.for %[[I:[a-z0-9]+]] = %{{.*}} to %[[N]] step %{{.*}} iter_args(%[[CUR:.*]] = %[[ACC]]) -> (tensor<100x16xf32>)
// CHECK: %[[ID:.*]] = tensor.extract %[[FIDS]][%[[I]]] : tensor<?xi32>
// CHECK: arith.maxsi %[[ID]]
// CHECK: arith.minsi
// CHECK: %[[ROW:.*]] = arith.index_cast
// CHECK: %[[DST:.*]] = tensor.extract_slice %[[CUR]][%[[ROW]], 0] [1, 16] [1, 1] : tensor<100x16xf32> to tensor<16xf32>
// CHECK: %[[SRC:.*]] = tensor.extract_slice %[[FG]][%[[I]], 0] [1, 16] [1, 1] : tensor<?x16xf32> to tensor<16xf32>
// CHECK: %[[SUM:.*]] = linalg.generic {{.*}} ins(%[[SRC]] : tensor<16xf32>) outs(%[[DST]] : tensor<16xf32>)
// CHECK: arith.addf
// CHECK: %[[UPD:.*]] = tensor.insert_slice %[[SUM]] into %[[CUR]][%[[ROW]], 0] [1, 16] [1, 1]
// CHECK: scf.yield %[[UPD]]
// CHECK: return %[[R]]
func.func @embedding_backward(%g: tensor<?x8x16xf32>, %ids: tensor<?x8xi32>, %t: tensor<100x16xf32>) -> tensor<100x16xf32> {
  %0 = nn.embedding_backward %g, %ids, %t : tensor<?x8x16xf32>, tensor<?x8xi32>, tensor<100x16xf32>
  return %0 : tensor<100x16xf32>
}
