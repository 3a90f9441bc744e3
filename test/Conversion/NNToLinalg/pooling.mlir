// Pooling lowered by nnc-convert-nn-to-linalg: windows that tile the image
// reduce a reshaped view (PoolingTiles.cpp); other maxpool2d is
// linalg.pooling_nchw_max into a -inf fill; avgpool2d pads with a
// bounds-checked gather generic (not tensor.pad), sums with
// linalg.pooling_nchw_sum and divides each output by the number of real
// (unpadded) cells of its window (count_include_pad = False).
// The pooling backward ops live with the conv lowering (GradConv.cpp) and are
// tested with it.
// RUN: nnc-opt %s --nnc-convert-nn-to-linalg -split-input-file | FileCheck %s

// Windows that tile the image (kernel == stride, no padding): a reduction
// over the [N, C, OH, KH, OW, KW] view, loops in memory order.
// CHECK-LABEL: func.func @maxpool(
// CHECK-SAME: %[[X:[a-z0-9]+]]: tensor<?x32x28x28xf32>
// CHECK: %[[V1:.*]] = tensor.expand_shape %[[X]] {{\[}}[0], [1], [2, 3], [4]] {{.*}} into tensor<?x32x14x2x28xf32>
// CHECK: %[[V:.*]] = tensor.expand_shape %[[V1]] {{\[}}[0], [1], [2], [3], [4, 5]] {{.*}} into tensor<?x32x14x2x14x2xf32>
// CHECK: %[[NINF:.*]] = arith.constant 0xFF800000 : f32
// CHECK: %[[INIT:.*]] = linalg.fill ins(%[[NINF]] : f32) outs(%{{.*}} : tensor<?x32x14x14xf32>)
// CHECK: %[[R:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "parallel", "reduction", "parallel", "reduction"]} ins(%[[V]] : tensor<?x32x14x2x14x2xf32>) outs(%[[INIT]] : tensor<?x32x14x14xf32>)
// CHECK: arith.maximumf
// CHECK: return %[[R]]
func.func @maxpool(%x: tensor<?x32x28x28xf32>) -> tensor<?x32x14x14xf32> {
  %0 = nn.maxpool2d %x {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>} : (tensor<?x32x28x28xf32>) -> tensor<?x32x14x14xf32>
  return %0 : tensor<?x32x14x14xf32>
}

// -----

// Overlapping windows: linalg.pooling_nchw_max into a -inf fill.
// CHECK-LABEL: func.func @maxpool_overlapping(
// CHECK-SAME: %[[X:[a-z0-9]+]]: tensor<?x32x28x28xf32>
// CHECK: %[[N:.*]] = tensor.dim %[[X]], %{{.*}} : tensor<?x32x28x28xf32>
// CHECK: %[[E:.*]] = tensor.empty(%[[N]]) : tensor<?x32x13x13xf32>
// CHECK: %[[NINF:.*]] = arith.constant 0xFF800000 : f32
// CHECK: %[[INIT:.*]] = linalg.fill ins(%[[NINF]] : f32) outs(%[[E]] : tensor<?x32x13x13xf32>)
// CHECK: %[[WIN:.*]] = tensor.empty() : tensor<3x3xf32>
// CHECK: %[[R:.*]] = linalg.pooling_nchw_max {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>} ins(%[[X]], %[[WIN]] : tensor<?x32x28x28xf32>, tensor<3x3xf32>) outs(%[[INIT]] : tensor<?x32x13x13xf32>)
// CHECK: return %[[R]]
func.func @maxpool_overlapping(%x: tensor<?x32x28x28xf32>) -> tensor<?x32x13x13xf32> {
  %0 = nn.maxpool2d %x {kernel = array<i64: 3, 3>, strides = array<i64: 2, 2>} : (tensor<?x32x28x28xf32>) -> tensor<?x32x13x13xf32>
  return %0 : tensor<?x32x13x13xf32>
}

// -----

// CHECK-LABEL: func.func @avgpool_padded(
// CHECK-SAME: %[[X:[a-z0-9]+]]: tensor<?x32x28x28xf32>
// CHECK-NOT: tensor.pad
// Padding by 1 on each side: a [?, 32, 30, 30] generic reading x at (h-1, w-1)
// clamped into range, 0 outside.
// CHECK: %[[PE:.*]] = tensor.empty(%{{.*}}) : tensor<?x32x30x30xf32>
// CHECK: %[[PAD:.*]] = linalg.generic {{.*}} outs(%[[PE]] : tensor<?x32x30x30xf32>)
// CHECK: arith.cmpi sge
// CHECK: arith.cmpi slt
// CHECK: %[[INH:.*]] = arith.andi
// CHECK: %[[INW:.*]] = arith.andi
// CHECK: %[[IN:.*]] = arith.andi %[[INH]], %[[INW]] : i1
// CHECK: %[[V:.*]] = tensor.extract %[[X]][
// CHECK: arith.select %[[IN]], %[[V]], %{{.*}} : f32
// CHECK: %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK: %[[INIT:.*]] = linalg.fill ins(%[[ZERO]] : f32) outs(%{{.*}} : tensor<?x32x28x28xf32>)
// CHECK: %[[WIN:.*]] = tensor.empty() : tensor<3x3xf32>
// CHECK: %[[SUM:.*]] = linalg.pooling_nchw_sum {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%[[PAD]], %[[WIN]] : tensor<?x32x30x30xf32>, tensor<3x3xf32>) outs(%[[INIT]] : tensor<?x32x28x28xf32>)
// The divisor: (min(h0 + 3, 28) - max(h0, 0)) * (same for w), per output.
// CHECK: %[[AVG:.*]] = linalg.generic {{.*}} ins(%[[SUM]] : tensor<?x32x28x28xf32>)
// CHECK: linalg.index 2
// CHECK: arith.minsi
// CHECK: linalg.index 3
// CHECK: %[[CNTI:.*]] = arith.index_cast %{{.*}} : index to i64
// CHECK: %[[CNTF:.*]] = arith.sitofp %[[CNTI]] : i64 to f32
// CHECK: arith.divf %{{.*}}, %[[CNTF]] : f32
// CHECK: return %[[AVG]]
func.func @avgpool_padded(%x: tensor<?x32x28x28xf32>) -> tensor<?x32x28x28xf32> {
  %0 = nn.avgpool2d %x {kernel = array<i64: 3, 3>, strides = array<i64: 1, 1>, padding = array<i64: 1, 1, 1, 1>} : (tensor<?x32x28x28xf32>) -> tensor<?x32x28x28xf32>
  return %0 : tensor<?x32x28x28xf32>
}
