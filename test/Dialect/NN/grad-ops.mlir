// RUN: nnc-opt %s | nnc-opt | FileCheck %s
// RUN: nnc-opt -split-input-file -verify-diagnostics %S/Inputs/grad-ops-invalid.mlir

// Round trip of the backward ops (NNGradOps.td) and the optimizer updates
// (NNOptimizerOps.td): their result types follow from the operands.

// CHECK-LABEL: func.func @backward
func.func @backward(%x: tensor<?x3xf32>, %y: tensor<?x3xf32>, %c: tensor<?xi32>, %g: tensor<f32>) -> tensor<?x3xf32> {
  // CHECK: nn.gelu_backward %{{.*}}, %{{.*}} {approximate = true} : tensor<?x3xf32>
  %0 = nn.gelu_backward %x, %y {approximate = true} : tensor<?x3xf32>
  // CHECK: nn.mse_loss_backward %{{.*}}, %{{.*}}, %{{.*}} : tensor<?x3xf32>, tensor<?x3xf32>, tensor<f32>
  %1 = nn.mse_loss_backward %x, %y, %g : tensor<?x3xf32>, tensor<?x3xf32>, tensor<f32>
  // CHECK: nn.mae_loss_backward
  %2 = nn.mae_loss_backward %x, %y, %g : tensor<?x3xf32>, tensor<?x3xf32>, tensor<f32>
  // CHECK: nn.huber_loss_backward %{{.*}} {delta = 5.000000e-01 : f32}
  %3 = nn.huber_loss_backward %x, %y, %g {delta = 0.5 : f32} : tensor<?x3xf32>, tensor<?x3xf32>, tensor<f32>
  // CHECK: nn.bce_loss_backward
  %4 = nn.bce_loss_backward %x, %y, %g : tensor<?x3xf32>, tensor<?x3xf32>, tensor<f32>
  // CHECK: nn.bce_logits_loss_backward
  %5 = nn.bce_logits_loss_backward %x, %y, %g : tensor<?x3xf32>, tensor<?x3xf32>, tensor<f32>
  // CHECK: nn.perceptron_loss_backward
  %6 = nn.perceptron_loss_backward %x, %y, %g : tensor<?x3xf32>, tensor<?x3xf32>, tensor<f32>
  // CHECK: nn.cross_entropy_backward %{{.*}}, %{{.*}}, %{{.*}} : tensor<?x3xf32>, tensor<?xi32>, tensor<f32>
  %7 = nn.cross_entropy_backward %x, %c, %g : tensor<?x3xf32>, tensor<?xi32>, tensor<f32>
  // CHECK: nn.cross_entropy_backward %{{.*}}, %{{.*}}, %{{.*}} : tensor<?x3xf32>, tensor<?x3xf32>, tensor<f32>
  %8 = nn.cross_entropy_backward %x, %y, %g : tensor<?x3xf32>, tensor<?x3xf32>, tensor<f32>
  return %8 : tensor<?x3xf32>
}

// CHECK-LABEL: func.func @updates
func.func @updates(%p: tensor<4x2xf32>, %g: tensor<4x2xf32>, %s: tensor<4x2xf32>, %s2: tensor<4x2xf32>,
                   %lr: tensor<f32>, %step: tensor<i64>) -> (tensor<4x2xf32>, tensor<f32>) {
  // CHECK: nn.sgd_update %{{.*}}, %{{.*}}, %{{.*}} {weight_decay = 1.000000e-01 : f32} : tensor<4x2xf32>
  %0 = nn.sgd_update %p, %g, %lr {weight_decay = 0.1 : f32} : tensor<4x2xf32>
  // CHECK: nn.momentum_update %{{.*}} {momentum = 0.899999976 : f32, nesterov = true} : tensor<4x2xf32>
  %1:2 = nn.momentum_update %p, %g, %s, %lr, %step {momentum = 0.9 : f32, nesterov = true} : tensor<4x2xf32>
  // CHECK: nn.rmsprop_update %{{.*}} : tensor<4x2xf32>
  %2:2 = nn.rmsprop_update %p, %g, %s, %lr : tensor<4x2xf32>
  // CHECK: nn.adam_update %{{.*}} {decoupled = true, weight_decay = 0.00999999977 : f32} : tensor<4x2xf32>
  %3:3 = nn.adam_update %p, %g, %s, %s2, %lr, %step {decoupled = true, weight_decay = 0.01 : f32} : tensor<4x2xf32>
  // CHECK: nn.clip_coef %{{.*}} {max_norm = 1.000000e+00 : f32} : tensor<f32>
  %4 = nn.clip_coef %lr {max_norm = 1.0 : f32} : tensor<f32>
  return %3#0, %4 : tensor<4x2xf32>, tensor<f32>
}
