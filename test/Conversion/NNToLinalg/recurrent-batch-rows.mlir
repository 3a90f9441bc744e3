// The CPU's form of recurrent layers (nnc-convert-nn-to-linalg
// recurrent-batch-rows=8): the rows of the batch are independent through
// time, so an scf.forall over chunks of 8 rows (the last one shorter,
// affine.min) runs the whole time loop on each chunk's rows of the input
// projection, with states of those rows, and inserts the chunk's [rows, T, H]
// output; the input projection stays one product over the whole batch. The
// chunks depend on the batch only (the same bits for any thread count).
// GRU's broadcast b_hn is sliced to the chunk's rows too.
// RUN: nnc-opt %s --nnc-convert-nn-to-linalg=recurrent-batch-rows=8 -split-input-file | FileCheck %s

// CHECK-LABEL: func.func @lstm(
// CHECK-SAME: %[[X:[a-z0-9]+]]: tensor<?x5x3xf32>
// CHECK: %[[XP:.*]] = linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<?x3xf32>, tensor<3x16xf32>)
// CHECK: %[[XS:.*]] = tensor.expand_shape %{{.*}} output_shape [%{{.*}}, 5, 16]
// CHECK: %[[N:.*]] = tensor.dim %[[X]], %{{.*}} : tensor<?x5x3xf32>
// CHECK: %[[OUT:.*]] = scf.forall (%[[R:.*]]) = (0) to (%[[N]]) step (8) shared_outs(%[[SH:.*]] = %{{.*}}) -> (tensor<?x5x4xf32>)
// CHECK: %[[ROWS:.*]] = affine.min #{{.*}}(%[[R]])[%[[N]]]
// CHECK: %[[OR:.*]] = tensor.extract_slice %[[SH]][%[[R]], 0, 0] [%[[ROWS]], 5, 4] [1, 1, 1]
// CHECK: %[[XR:.*]] = tensor.extract_slice %[[XS]][%[[R]], 0, 0] [%[[ROWS]], 5, 16] [1, 1, 1]
// CHECK: %[[H0:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%{{.*}} : tensor<?x4xf32>)
// CHECK: %[[LOOP:.*]]:3 = scf.for %[[T:[a-z0-9]+]] = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%[[H:.*]] = %[[H0]], %{{.*}} = %[[OR]], %{{.*}} = %{{.*}})
// CHECK: tensor.extract_slice %[[XR]][0, %[[T]], 0] [%[[ROWS]], 1, 16]
// CHECK: linalg.matmul ins(%[[H]], %{{.*}} : tensor<?x4xf32>, tensor<4x16xf32>)
// CHECK: scf.forall.in_parallel
// CHECK-NEXT: tensor.parallel_insert_slice %[[LOOP]]#1 into %[[SH]][%[[R]], 0, 0] [%[[ROWS]], 5, 4] [1, 1, 1]
// CHECK: return %[[OUT]]
func.func @lstm(%x: tensor<?x5x3xf32>, %wi: tensor<16x3xf32>, %wh: tensor<16x4xf32>, %bi: tensor<16xf32>, %bh: tensor<16xf32>) -> tensor<?x5x4xf32> {
  %0 = nn.lstm %x, %wi, %wh, %bi, %bh : (tensor<?x5x3xf32>, tensor<16x3xf32>, tensor<16x4xf32>, tensor<16xf32>, tensor<16xf32>) -> tensor<?x5x4xf32>
  return %0 : tensor<?x5x4xf32>
}

// -----

// CHECK-LABEL: func.func @gru(
// CHECK: %[[NB:.*]] = linalg.generic {{.*}} ins(%{{.*}} : tensor<4xf32>) outs(%{{.*}} : tensor<?x4xf32>)
// CHECK: scf.forall (%[[R:.*]]) = (0) to (%{{.*}}) step (8)
// CHECK: %[[ROWS:.*]] = affine.min
// CHECK: %[[NBR:.*]] = tensor.extract_slice %[[NB]][%[[R]], 0] [%[[ROWS]], 4] [1, 1]
// CHECK: scf.for
// CHECK: linalg.generic {{.*}} ins({{.*}}%[[NBR]]{{.*}})
func.func @gru(%x: tensor<?x5x3xf32>, %wi: tensor<12x3xf32>, %wh: tensor<12x4xf32>, %bi: tensor<12xf32>, %bh: tensor<12xf32>) -> tensor<?x5x4xf32> {
  %0 = nn.gru %x, %wi, %wh, %bi, %bh : (tensor<?x5x3xf32>, tensor<12x3xf32>, tensor<12x4xf32>, tensor<12xf32>, tensor<12xf32>) -> tensor<?x5x4xf32>
  return %0 : tensor<?x5x4xf32>
}
