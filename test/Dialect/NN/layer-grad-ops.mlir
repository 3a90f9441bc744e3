// RUN: nnc-opt %s | nnc-opt | FileCheck %s
// RUN: nnc-opt -split-input-file -verify-diagnostics %S/Inputs/layer-grad-ops-invalid.mlir

// Round trip of the layer backward ops (NNLayerGradOps.td): the result
// types follow from the operands (the input, weight or table they are the
// gradient of), attributes survive.

// CHECK-LABEL: func.func @conv
func.func @conv(%g: tensor<?x4x3x3xf32>, %x: tensor<?x3x6x6xf32>, %w: tensor<4x3x3x3xf32>)
    -> (tensor<?x3x6x6xf32>, tensor<4x3x3x3xf32>) {
  // CHECK: %[[DX:.*]] = nn.conv2d_backward_input %{{.*}}, %{{.*}}, %{{.*}} {padding = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>} : tensor<?x4x3x3xf32>, tensor<?x3x6x6xf32>, tensor<4x3x3x3xf32>
  %dx = nn.conv2d_backward_input %g, %x, %w {strides = array<i64: 2, 2>, padding = array<i64: 1, 1, 1, 1>} : tensor<?x4x3x3xf32>, tensor<?x3x6x6xf32>, tensor<4x3x3x3xf32>
  // CHECK: %[[DW:.*]] = nn.conv2d_backward_weight %{{.*}} {padding = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>} : tensor<?x4x3x3xf32>, tensor<?x3x6x6xf32>, tensor<4x3x3x3xf32>
  %dw = nn.conv2d_backward_weight %g, %x, %w {strides = array<i64: 2, 2>, padding = array<i64: 1, 1, 1, 1>} : tensor<?x4x3x3xf32>, tensor<?x3x6x6xf32>, tensor<4x3x3x3xf32>
  // CHECK: return %[[DX]], %[[DW]] : tensor<?x3x6x6xf32>, tensor<4x3x3x3xf32>
  return %dx, %dw : tensor<?x3x6x6xf32>, tensor<4x3x3x3xf32>
}

// CHECK-LABEL: func.func @dilated
func.func @dilated(%g: tensor<?x2x3x3xf32>, %x: tensor<?x1x7x7xf32>, %w: tensor<2x1x3x3xf32>) -> tensor<?x1x7x7xf32> {
  // CHECK: nn.conv2d_backward_input {{.*}} {dilations = array<i64: 2, 2>}
  %dx = nn.conv2d_backward_input %g, %x, %w {dilations = array<i64: 2, 2>} : tensor<?x2x3x3xf32>, tensor<?x1x7x7xf32>, tensor<2x1x3x3xf32>
  return %dx : tensor<?x1x7x7xf32>
}

// CHECK-LABEL: func.func @pools
func.func @pools(%g: tensor<?x8x3x3xf32>, %x: tensor<?x8x6x6xf32>, %y: tensor<?x8x3x3xf32>)
    -> (tensor<?x8x6x6xf32>, tensor<?x8x6x6xf32>) {
  // CHECK: nn.maxpool2d_backward %{{.*}}, %{{.*}}, %{{.*}} {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>} : tensor<?x8x3x3xf32>, tensor<?x8x6x6xf32>
  %0 = nn.maxpool2d_backward %g, %x, %y {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>} : tensor<?x8x3x3xf32>, tensor<?x8x6x6xf32>
  // CHECK: nn.avgpool2d_backward %{{.*}}, %{{.*}} {kernel = array<i64: 3, 3>, padding = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>} : tensor<?x8x3x3xf32>, tensor<?x8x6x6xf32>
  %1 = nn.avgpool2d_backward %g, %x {kernel = array<i64: 3, 3>, strides = array<i64: 2, 2>, padding = array<i64: 1, 1, 1, 1>} : tensor<?x8x3x3xf32>, tensor<?x8x6x6xf32>
  return %0, %1 : tensor<?x8x6x6xf32>, tensor<?x8x6x6xf32>
}

// CHECK-LABEL: func.func @embedding
func.func @embedding(%g: tensor<?x8x16xf32>, %ids: tensor<?x8xi32>, %t: tensor<100x16xf32>) -> tensor<100x16xf32> {
  // CHECK: nn.embedding_backward %{{.*}}, %{{.*}}, %{{.*}} : tensor<?x8x16xf32>, tensor<?x8xi32>, tensor<100x16xf32>
  %0 = nn.embedding_backward %g, %ids, %t : tensor<?x8x16xf32>, tensor<?x8xi32>, tensor<100x16xf32>
  return %0 : tensor<100x16xf32>
}

// CHECK-LABEL: func.func @recurrent
func.func @recurrent(%g: tensor<?x5x4xf32>, %x: tensor<?x5x3xf32>, %h: tensor<?x5x4xf32>,
                     %wi: tensor<16x3xf32>, %wh: tensor<16x4xf32>, %b: tensor<16xf32>,
                     %gwi: tensor<12x3xf32>, %gwh: tensor<12x4xf32>, %gb: tensor<12xf32>,
                     %rwi: tensor<4x3xf32>, %rwh: tensor<4x4xf32>, %rb: tensor<4xf32>)
    -> (tensor<?x5x3xf32>, tensor<16x3xf32>, tensor<12x4xf32>, tensor<4xf32>) {
  // CHECK: %[[LX:[a-z_0-9]+]], %[[LWI:[a-z_0-9]+]], {{.*}} = nn.lstm_backward {{.*}} : tensor<?x5x4xf32>, tensor<?x5x3xf32>, tensor<16x3xf32>, tensor<16x4xf32>, tensor<16xf32>
  %l:5 = nn.lstm_backward %g, %x, %h, %wi, %wh, %b, %b : tensor<?x5x4xf32>, tensor<?x5x3xf32>, tensor<16x3xf32>, tensor<16x4xf32>, tensor<16xf32>
  // CHECK: %{{[a-z_0-9]+}}, %{{[a-z_0-9]+}}, %[[GWH:[a-z_0-9]+]], {{.*}} = nn.gru_backward
  %gr:5 = nn.gru_backward %g, %x, %h, %gwi, %gwh, %gb, %gb : tensor<?x5x4xf32>, tensor<?x5x3xf32>, tensor<12x3xf32>, tensor<12x4xf32>, tensor<12xf32>
  // CHECK: nn.gru_backward {{.*}} {linear_before_reset = false} : tensor<?x5x4xf32>, tensor<?x5x3xf32>, tensor<12x3xf32>, tensor<12x4xf32>, tensor<12xf32>
  %gr0:5 = nn.gru_backward %g, %x, %h, %gwi, %gwh, %gb, %gb {linear_before_reset = false} : tensor<?x5x4xf32>, tensor<?x5x3xf32>, tensor<12x3xf32>, tensor<12x4xf32>, tensor<12xf32>
  // CHECK: %{{.*}}, %[[RBH:[a-z_0-9]+]] = nn.rnn_backward {{.*}} {nonlinearity = #nn<nonlinearity relu>}
  %r:5 = nn.rnn_backward %g, %x, %h, %rwi, %rwh, %rb, %rb {nonlinearity = #nn<nonlinearity relu>} : tensor<?x5x4xf32>, tensor<?x5x3xf32>, tensor<4x3xf32>, tensor<4x4xf32>, tensor<4xf32>
  // CHECK: return %[[LX]], %[[LWI]], %[[GWH]], %[[RBH]]
  return %l#0, %l#1, %gr#2, %r#4 : tensor<?x5x3xf32>, tensor<16x3xf32>, tensor<12x4xf32>, tensor<4xf32>
}
