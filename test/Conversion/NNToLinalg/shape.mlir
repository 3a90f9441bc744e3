// Shape ops lowered by nnc-convert-nn-to-linalg: flatten and reshape are
// tensor.collapse_shape / expand_shape (no copy; the batch of an expand is
// the collapsed size divided by the static rest), transpose is
// linalg.transpose, concat writes its operands with tensor.insert_slice at
// running offsets, slice and last are tensor.extract_slice.
// RUN: nnc-opt %s --nnc-convert-nn-to-linalg -split-input-file | FileCheck %s

// CHECK-LABEL: func.func @flatten_reshape(
// CHECK-SAME: %[[IMG:[a-z0-9]+]]: tensor<?x64x7x7xf32>, %[[FLAT:[a-z0-9]+]]: tensor<?x784xf32>
// CHECK-NOT: linalg.generic
// CHECK: %[[F:.*]] = tensor.collapse_shape %[[IMG]] {{\[}}[0], [1, 2, 3]] : tensor<?x64x7x7xf32> into tensor<?x3136xf32>
// CHECK: %[[C:.*]] = tensor.collapse_shape %[[FLAT]] {{\[}}[0, 1]] : tensor<?x784xf32> into tensor<?xf32>
// CHECK: %[[SZ:.*]] = tensor.dim %[[C]], %{{.*}} : tensor<?xf32>
// CHECK: %[[C784:.*]] = arith.constant 784 : index
// CHECK: %[[N:.*]] = arith.divui %[[SZ]], %[[C784]] : index
// CHECK: %[[R:.*]] = tensor.expand_shape %[[C]] {{\[}}[0, 1, 2, 3]] output_shape [%[[N]], 1, 28, 28] : tensor<?xf32> into tensor<?x1x28x28xf32>
// CHECK: return %[[F]], %[[R]]
func.func @flatten_reshape(%img: tensor<?x64x7x7xf32>, %flat: tensor<?x784xf32>) -> (tensor<?x3136xf32>, tensor<?x1x28x28xf32>) {
  %0 = nn.flatten %img : (tensor<?x64x7x7xf32>) -> tensor<?x3136xf32>
  %1 = nn.reshape %flat {shape = array<i64: -1, 1, 28, 28>} : (tensor<?x784xf32>) -> tensor<?x1x28x28xf32>
  return %0, %1 : tensor<?x3136xf32>, tensor<?x1x28x28xf32>
}

// -----

// CHECK-LABEL: func.func @transpose(
// CHECK-SAME: %[[SEQ:[a-z0-9]+]]: tensor<?x16x64xf32>
// CHECK: %[[N:.*]] = tensor.dim %[[SEQ]], %{{.*}} : tensor<?x16x64xf32>
// CHECK: %[[E:.*]] = tensor.empty(%[[N]]) : tensor<?x64x16xf32>
// CHECK: %[[T:.*]] = linalg.transpose ins(%[[SEQ]] : tensor<?x16x64xf32>) outs(%[[E]] : tensor<?x64x16xf32>) permutation = [0, 2, 1]
// CHECK: return %[[T]]
func.func @transpose(%seq: tensor<?x16x64xf32>) -> tensor<?x64x16xf32> {
  %0 = nn.transpose %seq {perm = array<i64: 0, 2, 1>} : (tensor<?x16x64xf32>) -> tensor<?x64x16xf32>
  return %0 : tensor<?x64x16xf32>
}

// -----

// Concat on the feature axis: [?, 3] at column 0, [?, 5] at column 3.
// CHECK-LABEL: func.func @concat_features(
// CHECK-SAME: %[[A:[a-z0-9]+]]: tensor<?x3xf32>, %[[B:[a-z0-9]+]]: tensor<?x5xf32>
// CHECK: %[[N:.*]] = tensor.dim %[[A]], %{{.*}} : tensor<?x3xf32>
// CHECK: %[[E:.*]] = tensor.empty(%[[N]]) : tensor<?x8xf32>
// CHECK: %[[I0:.*]] = tensor.insert_slice %[[A]] into %[[E]][0, 0] [%{{.*}}, 3] [1, 1] : tensor<?x3xf32> into tensor<?x8xf32>
// CHECK: %[[I1:.*]] = tensor.insert_slice %[[B]] into %[[I0]][0, 3] [%{{.*}}, 5] [1, 1] : tensor<?x5xf32> into tensor<?x8xf32>
// CHECK: return %[[I1]]
func.func @concat_features(%a: tensor<?x3xf32>, %b: tensor<?x5xf32>) -> tensor<?x8xf32> {
  %0 = nn.concat %a, %b {axis = 1 : i64} : (tensor<?x3xf32>, tensor<?x5xf32>) -> tensor<?x8xf32>
  return %0 : tensor<?x8xf32>
}

// -----

// Concat on the (dynamic) batch axis: the size is the sum of the operands'
// batches and the second operand lands at the first one's batch.
// CHECK-LABEL: func.func @concat_batch(
// CHECK-SAME: %[[A:[a-z0-9]+]]: tensor<?x3xf32>, %[[B:[a-z0-9]+]]: tensor<?x3xf32>
// CHECK: %[[OFF:.*]] = arith.addi %{{.*}}, %{{.*}} : index
// CHECK: %[[NB:.*]] = tensor.dim %[[B]], %{{.*}} : tensor<?x3xf32>
// CHECK: %[[TOTAL:.*]] = arith.addi %[[OFF]], %[[NB]] : index
// CHECK: %[[E:.*]] = tensor.empty(%[[TOTAL]]) : tensor<?x3xf32>
// CHECK: %[[I0:.*]] = tensor.insert_slice %[[A]] into %[[E]][0, 0]
// CHECK: %[[I1:.*]] = tensor.insert_slice %[[B]] into %[[I0]][%[[OFF]], 0]
// CHECK: return %[[I1]]
func.func @concat_batch(%a: tensor<?x3xf32>, %b: tensor<?x3xf32>) -> tensor<?x3xf32> {
  %0 = nn.concat %a, %b {axis = 0 : i64} : (tensor<?x3xf32>, tensor<?x3xf32>) -> tensor<?x3xf32>
  return %0 : tensor<?x3xf32>
}

// -----

// slice: offset 16, size 32 on axis 2; last: row 15 of axis 1, dropped.
// CHECK-LABEL: func.func @slices(
// CHECK-SAME: %[[SEQ:[a-z0-9]+]]: tensor<?x16x64xf32>
// CHECK: %[[N:.*]] = tensor.dim %[[SEQ]], %{{.*}} : tensor<?x16x64xf32>
// CHECK: %[[S:.*]] = tensor.extract_slice %[[SEQ]][0, 0, 16] [%[[N]], 16, 32] [1, 1, 1] : tensor<?x16x64xf32> to tensor<?x16x32xf32>
// CHECK: %[[C16:.*]] = arith.constant 16 : index
// CHECK: %[[C1:.*]] = arith.constant 1 : index
// CHECK: %[[I:.*]] = arith.subi %[[C16]], %[[C1]] : index
// CHECK: %[[L:.*]] = tensor.extract_slice %[[SEQ]][0, %[[I]], 0] [%{{.*}}, 1, 64] [1, 1, 1] : tensor<?x16x64xf32> to tensor<?x64xf32>
// CHECK: return %[[S]], %[[L]]
func.func @slices(%seq: tensor<?x16x64xf32>) -> (tensor<?x16x32xf32>, tensor<?x64xf32>) {
  %0 = nn.slice %seq {axis = 2 : i64, start = 16 : i64, size = 32 : i64} : (tensor<?x16x64xf32>) -> tensor<?x16x32xf32>
  %1 = nn.last %seq : (tensor<?x16x64xf32>) -> tensor<?x64xf32>
  return %0, %1 : tensor<?x16x32xf32>, tensor<?x64xf32>
}
