// Losses lowered by nnc-convert-nn-to-linalg: a pair loss is one full
// reduction generic of the per-element term into a rank-0 accumulator, then
// a scale by 1 / count (count from tensor.dim of the batch); cross entropy
// with class ids is log_softmax, then a reduction over the batch that gathers
// the (clamped) target column, scaled by -1 / batch; penalties sum |w| (or
// w^2) of every weight and scale by the weight.
// RUN: nnc-opt %s --nnc-convert-nn-to-linalg -split-input-file | FileCheck %s

// CHECK-LABEL: func.func @mse(
// CHECK-SAME: %[[P:[a-z0-9]+]]: tensor<?x1xf32>, %[[Y:[a-z0-9]+]]: tensor<?x1xf32>
// CHECK: %[[N:.*]] = tensor.dim %[[P]], %{{.*}} : tensor<?x1xf32>
// CHECK: %[[CNT:.*]] = arith.sitofp %{{.*}} : i64 to f32
// CHECK: %[[INV:.*]] = arith.divf %{{.*}}, %[[CNT]] : f32
// CHECK: %[[ACC:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%{{.*}} : tensor<f32>)
// CHECK: %[[SUM:.*]] = linalg.generic {{.*}}iterator_types = ["reduction", "reduction"]} ins(%[[P]], %[[Y]] : tensor<?x1xf32>, tensor<?x1xf32>) outs(%[[ACC]] : tensor<f32>)
// CHECK-NEXT: ^bb0(%[[A:.*]]: f32, %[[B:.*]]: f32, %[[O:.*]]: f32):
// CHECK-NEXT: %[[D:.*]] = arith.subf %[[A]], %[[B]]
// CHECK-NEXT: %[[D2:.*]] = arith.mulf %[[D]], %[[D]]
// CHECK-NEXT: arith.addf %[[D2]], %[[O]]
// CHECK: %[[L:.*]] = linalg.generic {{.*}}iterator_types = []} ins(%[[SUM]] : tensor<f32>)
// CHECK: arith.mulf %{{.*}}, %[[INV]]
// CHECK: return %[[L]]
func.func @mse(%p: tensor<?x1xf32>, %y: tensor<?x1xf32>) -> tensor<f32> {
  %0 = nn.mse_loss %p, %y : tensor<?x1xf32>, tensor<?x1xf32>
  return %0 : tensor<f32>
}

// -----

// CHECK-LABEL: func.func @cross_entropy(
// CHECK-SAME: %[[X:[a-z0-9]+]]: tensor<?x3xf32>, %[[C:[a-z0-9]+]]: tensor<?xi32>
// CHECK: %[[MAX:.*]] = linalg.generic {{.*}}iterator_types = ["parallel", "reduction"]} ins(%[[X]] :
// CHECK: %[[SUM:.*]] = linalg.generic {{.*}}iterator_types = ["parallel", "reduction"]} ins(%[[X]], %[[MAX]] :
// CHECK: %[[LSM:.*]] = linalg.generic {{.*}} ins(%[[X]], %[[MAX]], %[[SUM]] :
// CHECK: math.log
// CHECK: %[[NEG:.*]] = arith.constant -1.000000e+00 : f32
// CHECK: %[[SCALE:.*]] = arith.divf %[[NEG]], %{{.*}} : f32
// CHECK: %[[PICK:.*]] = linalg.generic {{.*}}iterator_types = ["reduction"]} ins(%[[C]] : tensor<?xi32>) outs(%{{.*}} : tensor<f32>)
// CHECK-NEXT: ^bb0(%[[ID:.*]]: i32, %[[O:.*]]: f32):
// CHECK: %[[LO:.*]] = arith.maxsi %[[ID]]
// CHECK: %[[C2:.*]] = arith.constant 2 : i32
// CHECK: %[[HI:.*]] = arith.minsi %[[LO]], %[[C2]]
// CHECK: %[[ROW:.*]] = linalg.index 0 : index
// CHECK: %[[COL:.*]] = arith.index_cast %[[HI]] : i32 to index
// CHECK: %[[V:.*]] = tensor.extract %[[LSM]][%[[ROW]], %[[COL]]] : tensor<?x3xf32>
// CHECK: arith.addf %[[V]], %[[O]]
// CHECK: %[[L:.*]] = linalg.generic {{.*}} ins(%[[PICK]] : tensor<f32>)
// CHECK: arith.mulf %{{.*}}, %[[SCALE]]
// CHECK: return %[[L]]
func.func @cross_entropy(%logits: tensor<?x3xf32>, %cls: tensor<?xi32>) -> tensor<f32> {
  %0 = nn.cross_entropy_loss %logits, %cls : tensor<?x3xf32>, tensor<?xi32>
  return %0 : tensor<f32>
}

// -----

// CHECK-LABEL: func.func @l1_penalty(
// CHECK-SAME: %[[W1:[a-z0-9]+]]: tensor<64x2xf32>, %[[W2:[a-z0-9]+]]: tensor<3x64xf32>
// CHECK: %[[S1:.*]] = linalg.generic {{.*}}iterator_types = ["reduction", "reduction"]} ins(%[[W1]] : tensor<64x2xf32>)
// CHECK-NEXT: ^bb0
// CHECK-NEXT: math.absf
// CHECK: %[[S2:.*]] = linalg.generic {{.*}}iterator_types = ["reduction", "reduction"]} ins(%[[W2]] : tensor<3x64xf32>)
// CHECK-NEXT: ^bb0
// CHECK-NEXT: math.absf
// CHECK: %[[T:.*]] = linalg.generic {{.*}} ins(%[[S1]], %[[S2]] : tensor<f32>, tensor<f32>)
// CHECK: arith.addf
// CHECK: %[[WT:.*]] = arith.constant 9.99999974E-5 : f32
// CHECK: %[[L:.*]] = linalg.generic {{.*}} ins(%[[T]] : tensor<f32>)
// CHECK: arith.mulf %{{.*}}, %[[WT]]
// CHECK: return %[[L]]
func.func @l1_penalty(%w1: tensor<64x2xf32>, %w2: tensor<3x64xf32>) -> tensor<f32> {
  %0 = nn.l1_penalty %w1, %w2 {weight = 1.000000e-04 : f32} : tensor<64x2xf32>, tensor<3x64xf32>
  return %0 : tensor<f32>
}
