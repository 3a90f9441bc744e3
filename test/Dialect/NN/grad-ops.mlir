// RUN: nnc-opt %s | nnc-opt | FileCheck %s
// RUN: nnc-opt -split-input-file -verify-diagnostics %S/Inputs/grad-ops-invalid.mlir

// Round trip of the backward ops (NNGradOps.td) and the optimizer updates
// (NNOptimizerOps.td): their result types follow from the operands.

// CHECK-LABEL: func.func @backward
func.func @backward(%x: tensor<?x3xf32>, %y: tensor<?x3xf32>, %c: tensor<?xi32>, %g: tensor<f32>) -> tensor<?x3xf32> {
  // CHECK: nn.gelu_backward %{{.*}}, %{{.*}} {approximate = true} : tensor<?x3xf32>
  %0 = nn.gelu_backward %x, %y {approximate = true} : tensor<?x3xf32>
  // CHECK: nn.gelu_with_slope %{{.*}} {approximate = true} : tensor<?x3xf32>
  %gelu, %slope = nn.gelu_with_slope %x {approximate = true} : tensor<?x3xf32>
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
                   %lr: tensor<f64>, %step: tensor<i64>, %h: tensor<f64>, %sq: tensor<f32>) -> (tensor<4x2xf32>, tensor<f32>) {
  // CHECK: nn.sgd_update %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} : tensor<4x2xf32>
  %0 = nn.sgd_update %p, %g, %lr, %h : tensor<4x2xf32>
  // CHECK: nn.momentum_update %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} : tensor<4x2xf32>
  %1:2 = nn.momentum_update %p, %g, %s, %lr, %step, %h, %h, %h : tensor<4x2xf32>
  // CHECK: nn.rmsprop_update %{{.*}} : tensor<4x2xf32>
  %2:2 = nn.rmsprop_update %p, %g, %s, %lr, %h, %h, %h : tensor<4x2xf32>
  // CHECK: nn.adam_update %{{.*}} {decoupled = true} : tensor<4x2xf32>
  %3:3 = nn.adam_update %p, %g, %s, %s2, %lr, %step, %h, %h, %h, %h {decoupled = true} : tensor<4x2xf32>
  // CHECK: nn.clip_coef %{{.*}}, %{{.*}} : tensor<f32>
  %4 = nn.clip_coef %sq, %h : tensor<f32>
  return %3#0, %4 : tensor<4x2xf32>, tensor<f32>
}
