// The CPU's form of conv2d and its gradients (ConvPerImage.cpp): an
// scf.forall over the images (their threads) whose body is one static
// linalg.matmul in the NCHW orientation. The whole-batch form (the default, the GPU's) is conv.mlir.
// RUN: nnc-opt %s --nnc-convert-nn-to-linalg=per-image-convolutions=1 -split-input-file | FileCheck %s

// Forward: the image padded into a zero-filled 3x7x7 buffer, colT through the
// shifted window (c, oh + kh, ow + kw), collapsed to [27, 25], the bias
// broadcast into image n's [4, 25] slice of the result as the accumulator,
// w as [4, 27] x colT, inserted back in parallel; the result expanded to
// NCHW.
// CHECK-DAG: #[[WINDOW:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d3 + d1, d4 + d2)>
// CHECK-LABEL: func.func @conv(
// CHECK-SAME: %[[X:[a-z0-9]+]]: tensor<?x3x5x5xf32>, %[[W:[a-z0-9]+]]: tensor<4x3x3x3xf32>, %[[B:[a-z0-9]+]]: tensor<4xf32>
// CHECK: %[[W2:.*]] = tensor.collapse_shape %[[W]] {{\[}}[0], [1, 2, 3]] : tensor<4x3x3x3xf32> into tensor<4x27xf32>
// CHECK: %[[Y:.*]] = scf.forall (%[[N:.*]]) in (%{{.*}}) shared_outs(%[[ACC:.*]] = %{{.*}}) -> (tensor<?x4x25xf32>)
// CHECK: %[[OUT:.*]] = tensor.extract_slice %[[ACC]][%[[N]], 0, 0] [1, 4, 25] [1, 1, 1] : tensor<?x4x25xf32> to tensor<4x25xf32>
// CHECK: %[[XN:.*]] = tensor.extract_slice %[[X]][%[[N]], 0, 0, 0] [1, 3, 5, 5] [1, 1, 1, 1] : tensor<?x3x5x5xf32> to tensor<3x5x5xf32>
// CHECK: %[[Z:.*]] = linalg.fill {{.*}} -> tensor<3x7x7xf32>
// CHECK: %[[XP:.*]] = tensor.insert_slice %[[XN]] into %[[Z]][0, 1, 1] [3, 5, 5] [1, 1, 1]
// CHECK: %[[COL:.*]] = linalg.generic {indexing_maps = [#[[WINDOW]], #{{.*}}], {{.*}}} ins(%[[XP]] : tensor<3x7x7xf32>) outs(%{{.*}} : tensor<3x3x3x5x5xf32>)
// CHECK: %[[COLT:.*]] = tensor.collapse_shape %[[COL]] {{\[}}[0, 1, 2], [3, 4]] : tensor<3x3x3x5x5xf32> into tensor<27x25xf32>
// CHECK: %[[BIAS:.*]] = linalg.broadcast ins(%[[B]] : tensor<4xf32>) outs(%[[OUT]] : tensor<4x25xf32>) dimensions = [1]
// CHECK: %[[MM:.*]] = linalg.matmul ins(%[[W2]], %[[COLT]] : tensor<4x27xf32>, tensor<27x25xf32>) outs(%[[BIAS]] : tensor<4x25xf32>)
// CHECK: scf.forall.in_parallel
// CHECK-NEXT: tensor.parallel_insert_slice %[[MM]] into %[[ACC]][%[[N]], 0, 0] [1, 4, 25] [1, 1, 1]
// CHECK: %[[R:.*]] = tensor.expand_shape %[[Y]] {{\[}}[0], [1], [2, 3]] {{.*}} into tensor<?x4x5x5xf32>
// CHECK: return %[[R]]
func.func @conv(%x: tensor<?x3x5x5xf32>, %w: tensor<4x3x3x3xf32>, %b: tensor<4xf32>) -> tensor<?x4x5x5xf32> {
  %y = nn.conv2d %x, %w, %b {strides = array<i64: 1, 1>, padding = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>} : (tensor<?x3x5x5xf32>, tensor<4x3x3x3xf32>, tensor<4xf32>) -> tensor<?x4x5x5xf32>
  return %y : tensor<?x4x5x5xf32>
}

// -----

// Weight gradient: the images are cut into at most 32 groups of
// ceil(N / 32) (PER); group g's partial [27, 4] accumulates colT [27, 9] x
// dy[n]^T [9, 4] over its images n in [g * PER, min(N, g * PER + PER)) (the
// matmul's init is the loop's carried tensor), the groups in parallel; the
// partials are then summed in group order, expanded and transposed to
// [F, C, KH, KW].
// CHECK-LABEL: func.func @conv_backward_weight(
// CHECK-SAME: %[[DY:[a-z0-9]+]]: tensor<?x4x3x3xf32>, %[[X:[a-z0-9]+]]: tensor<?x3x5x5xf32>
// CHECK: %[[BATCH:.*]] = tensor.dim %[[X]]
// CHECK: %[[ROUND:.*]] = arith.addi %[[BATCH]], %{{.*}}
// CHECK: %[[C32:.*]] = arith.constant 32 : index
// CHECK: %[[PER0:.*]] = arith.divsi %[[ROUND]], %[[C32]]
// CHECK: %[[PER:.*]] = arith.maxsi %{{.*}}, %[[PER0]]
// CHECK: %[[PARTS:.*]] = tensor.empty(%{{.*}}) : tensor<?x27x4xf32>
// CHECK: %[[ALL:.*]] = scf.forall (%[[GROUP:.*]]) in (%{{.*}}) shared_outs(%[[SHARED:.*]] = %[[PARTS]]) -> (tensor<?x27x4xf32>)
// CHECK: %[[PART:.*]] = tensor.extract_slice %[[SHARED]][%[[GROUP]], 0, 0] [1, 27, 4] [1, 1, 1]
// CHECK: %[[FIRST:.*]] = arith.muli %[[GROUP]], %[[PER]]
// CHECK: %[[END:.*]] = arith.addi %[[FIRST]], %[[PER]]
// CHECK: %[[LAST:.*]] = arith.minsi %[[BATCH]], %[[END]]
// CHECK: %[[INIT:.*]] = linalg.fill {{.*}} outs(%[[PART]] : tensor<27x4xf32>)
// CHECK: %[[DW0:.*]] = scf.for %[[N:.*]] = %[[FIRST]] to %[[LAST]] step %{{.*}} iter_args(%[[ACC:.*]] = %[[INIT]]) -> (tensor<27x4xf32>)
// CHECK: %[[COLT:.*]] = tensor.collapse_shape %{{.*}} {{\[}}[0, 1, 2], [3, 4]] : tensor<3x3x3x3x3xf32> into tensor<27x9xf32>
// CHECK: %[[G:.*]] = tensor.extract_slice %[[DY]][%[[N]], 0, 0, 0] [1, 4, 3, 3]
// CHECK: %[[G2:.*]] = tensor.collapse_shape %[[G]] {{\[}}[0], [1, 2]] : tensor<4x3x3xf32> into tensor<4x9xf32>
// CHECK: %[[GT:.*]] = linalg.transpose ins(%[[G2]] : tensor<4x9xf32>) outs(%{{.*}} : tensor<9x4xf32>) permutation = [1, 0]
// CHECK: %[[MM:.*]] = linalg.matmul ins(%[[COLT]], %[[GT]] : tensor<27x9xf32>, tensor<9x4xf32>) outs(%[[ACC]] : tensor<27x4xf32>)
// CHECK: scf.yield %[[MM]]
// CHECK: tensor.parallel_insert_slice %[[DW0]] into %[[SHARED]][%[[GROUP]], 0, 0] [1, 27, 4]
// CHECK: %[[DW:.*]] = linalg.generic {{.*}} iterator_types = ["reduction", "parallel", "parallel"]} ins(%[[ALL]] : tensor<?x27x4xf32>)
// CHECK: arith.addf
// CHECK: %[[E:.*]] = tensor.expand_shape %[[DW]] {{\[}}[0, 1, 2], [3]] {{.*}} into tensor<3x3x3x4xf32>
// CHECK: %[[R:.*]] = linalg.transpose ins(%[[E]] : tensor<3x3x3x4xf32>) outs(%{{.*}} : tensor<4x3x3x3xf32>) permutation = [3, 0, 1, 2]
// CHECK: return %[[R]]
func.func @conv_backward_weight(%g: tensor<?x4x3x3xf32>, %x: tensor<?x3x5x5xf32>, %w: tensor<4x3x3x3xf32>) -> tensor<4x3x3x3xf32> {
  %0 = nn.conv2d_backward_weight %g, %x, %w : tensor<?x4x3x3xf32>, tensor<?x3x5x5xf32>, tensor<4x3x3x3xf32>
  return %0 : tensor<4x3x3x3xf32>
}

// -----

// Input gradient (pad 1): dcolT = w^T [27, 4] x dy[n] [4, 25], viewed as
// [3, 3, 3, 5, 5]; image n's dx slice is zeroed, then tap (i, j) adds the
// rectangle of outputs whose cell (oh + i - 1, ow + j - 1) is inside the
// image: tap (0, 0) adds dcol[:, 0, 0, 1:5, 1:5] to dx[:, 0:4, 0:4], tap
// (1, 1) the whole 5x5 plane, tap (2, 2) dcol[:, 2, 2, 0:4, 0:4] to
// dx[:, 1:5, 1:5]; nine adds in all.
// CHECK-LABEL: func.func @conv_backward_input(
// CHECK-SAME: %[[DY:[a-z0-9]+]]: tensor<?x4x5x5xf32>
// CHECK: %[[WT:.*]] = linalg.transpose {{.*}} permutation = [1, 2, 3, 0]
// CHECK: %[[W2:.*]] = tensor.collapse_shape %[[WT]] {{\[}}[0, 1, 2], [3]] : tensor<3x3x3x4xf32> into tensor<27x4xf32>
// CHECK: scf.forall (%[[N:.*]]) in (%{{.*}}) shared_outs(%[[ACC:.*]] = %{{.*}}) -> (tensor<?x3x5x5xf32>)
// CHECK: %[[DX0:.*]] = tensor.extract_slice %[[ACC]][%[[N]], 0, 0, 0] [1, 3, 5, 5]
// CHECK: %[[MM:.*]] = linalg.matmul ins(%[[W2]], %{{.*}} : tensor<27x4xf32>, tensor<4x25xf32>)
// CHECK: %[[TAPS:.*]] = tensor.expand_shape %[[MM]] {{\[}}[0, 1, 2], [3, 4]] {{.*}} into tensor<3x3x3x5x5xf32>
// CHECK: %[[DX:.*]] = linalg.fill {{.*}} outs(%[[DX0]] : tensor<3x5x5xf32>)
// CHECK: tensor.extract_slice %[[TAPS]][0, 0, 0, 1, 1] [3, 1, 1, 4, 4] [1, 1, 1, 1, 1]
// CHECK: tensor.extract_slice %[[DX]][0, 0, 0] [3, 4, 4] [1, 1, 1]
// CHECK: linalg.generic
// CHECK: arith.addf
// CHECK-COUNT-3: tensor.insert_slice {{.*}} into tensor<3x5x5xf32>
// CHECK: tensor.extract_slice %[[TAPS]][0, 1, 1, 0, 0] [3, 1, 1, 5, 5] [1, 1, 1, 1, 1]
// CHECK-COUNT-4: tensor.insert_slice {{.*}} into tensor<3x5x5xf32>
// CHECK: tensor.extract_slice %[[TAPS]][0, 2, 2, 0, 0] [3, 1, 1, 4, 4] [1, 1, 1, 1, 1]
// CHECK: tensor.extract_slice %{{.*}}[0, 1, 1] [3, 4, 4] [1, 1, 1]
// CHECK: %[[LAST:.*]] = tensor.insert_slice {{.*}} into %{{.*}}[0, 1, 1] [3, 4, 4] [1, 1, 1] : tensor<3x4x4xf32> into tensor<3x5x5xf32>
// CHECK: scf.forall.in_parallel
// CHECK-NEXT: tensor.parallel_insert_slice %[[LAST]] into %[[ACC]][%[[N]], 0, 0, 0] [1, 3, 5, 5]
func.func @conv_backward_input(%g: tensor<?x4x5x5xf32>, %x: tensor<?x3x5x5xf32>, %w: tensor<4x3x3x3xf32>) -> tensor<?x3x5x5xf32> {
  %0 = nn.conv2d_backward_input %g, %x, %w {padding = array<i64: 1, 1, 1, 1>} : tensor<?x4x5x5xf32>, tensor<?x3x5x5xf32>, tensor<4x3x3x3xf32>
  return %0 : tensor<?x3x5x5xf32>
}

// -----

// Strided input gradients keep the whole-batch form (its col2im gathers).
// CHECK-LABEL: func.func @conv_backward_input_strided(
// CHECK-NOT: scf.for
// CHECK: linalg.matmul ins({{.*}} : tensor<?x4xf32>, tensor<4x27xf32>)
// CHECK: tensor.extract
// CHECK: return
func.func @conv_backward_input_strided(%g: tensor<?x4x2x2xf32>, %x: tensor<?x3x5x5xf32>, %w: tensor<4x3x3x3xf32>) -> tensor<?x3x5x5xf32> {
  %0 = nn.conv2d_backward_input %g, %x, %w {strides = array<i64: 2, 2>} : tensor<?x4x2x2xf32>, tensor<?x3x5x5xf32>, tensor<4x3x3x3xf32>
  return %0 : tensor<?x3x5x5xf32>
}
