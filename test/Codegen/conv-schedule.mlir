// A conv2d with a dynamic batch through the CPU pipeline's linalg stages
// (lowering, fusion, destination passing, matmul schedule): its ONE matmul
// ([N*28*28, 9] x [9, 32]) must be tiled into 8 x 32 register tiles reduced
// with vector.contract, the dynamic rows peeled into 1 x 32 tiles, and no
// linalg.matmul (nor any linalg convolution) may be left: a convolution that
// falls back to a scalar loop nest is several times slower (fashion_cnn
// predict 87 ms instead of 580 ms). The bias and the fused relu stay in the
// generic back to NCHW. The weight gradient's matmul (a dynamic reduction
// over N*28*28) is scheduled the same way.
// RUN: nnc-opt %s --nnc-convert-nn-to-linalg --nnc-cpu-fuse --nnc-destination-passing --nnc-matmul-schedule -split-input-file | FileCheck %s

// CHECK-LABEL: func.func @nnc_impl_conv(
// CHECK-NOT: linalg.matmul
// CHECK-NOT: linalg.conv
// CHECK: %[[COL:.*]] = linalg.generic {{.*}} outs(%{{.*}} : tensor<?x9xf32>)
// CHECK: %[[WT:.*]] = linalg.generic {{.*}} outs(%{{.*}} : tensor<9x32xf32>)
// CHECK: %[[ACC:.*]] = linalg.fill {{.*}} -> tensor<?x32xf32>
// Main part: 8-row tiles, K = 9 reduced by vector.contract.
// CHECK: %[[MAIN:.*]] = scf.for %[[I:[a-z0-9]+]] = %{{.*}} step %{{.*}} iter_args(%{{.*}} = %[[ACC]]) -> (tensor<?x32xf32>)
// CHECK: scf.for %[[K:[a-z0-9]+]] = {{.*}} -> (vector<8x32xf32>)
// CHECK: %[[LA:.*]] = vector.transfer_read %[[COL]][%[[I]], %[[K]]]{{.*}} : tensor<?x9xf32>, vector<8x1xf32>
// CHECK: %[[LB:.*]] = vector.transfer_read %[[WT]][%[[K]], %{{.*}}]{{.*}} : tensor<9x32xf32>, vector<1x32xf32>
// CHECK: vector.contract {{.*}} %[[LA]], %[[LB]], %{{.*}} : vector<8x1xf32>, vector<1x32xf32> into vector<8x32xf32>
// Remainder rows: 1 x 32 tiles.
// CHECK: %[[REST:.*]] = scf.for {{.*}} iter_args(%{{.*}} = %[[MAIN]]) -> (tensor<?x32xf32>)
// CHECK: vector.contract {{.*}} : vector<1x1xf32>, vector<1x32xf32> into vector<1x32xf32>
// CHECK: %[[OUT:.*]] = linalg.generic {{.*}} ins(%[[REST]], %{{.*}} : tensor<?x32xf32>, tensor<32xf32>) outs(%{{.*}} : tensor<?x32x28x28xf32>)
// CHECK: arith.addf
// CHECK: arith.maximumf
// CHECK-NOT: linalg.matmul
// CHECK: bufferization.materialize_in_destination %[[OUT]]
func.func @conv(%x: tensor<?x1x28x28xf32>, %w: tensor<32x1x3x3xf32>, %b: tensor<32xf32>) -> tensor<?x32x28x28xf32> {
  %0 = nn.conv2d %x, %w, %b {padding = array<i64: 1, 1, 1, 1>} : (tensor<?x1x28x28xf32>, tensor<32x1x3x3xf32>, tensor<32xf32>) -> tensor<?x32x28x28xf32>
  %1 = nn.relu %0 : tensor<?x32x28x28xf32>
  return %1 : tensor<?x32x28x28xf32>
}

// -----

// CHECK-LABEL: func.func @nnc_impl_conv_dw(
// CHECK-NOT: linalg.matmul
// CHECK: vector.contract {{.*}} : vector<8x1xf32>, vector<1x9xf32> into vector<8x9xf32>
// CHECK-NOT: linalg.matmul
// CHECK: return
func.func @conv_dw(%g: tensor<?x32x28x28xf32>, %x: tensor<?x1x28x28xf32>, %w: tensor<32x1x3x3xf32>) -> tensor<32x1x3x3xf32> {
  %0 = nn.conv2d_backward_weight %g, %x, %w {padding = array<i64: 1, 1, 1, 1>} : tensor<?x32x28x28xf32>, tensor<?x1x28x28xf32>, tensor<32x1x3x3xf32>
  return %0 : tensor<32x1x3x3xf32>
}
