// RUN: nnc-opt --nnc-autodiff --nnc-optimizer -split-input-file %s | FileCheck %s
// RUN: nnc-opt --nnc-optimizer -split-input-file -verify-diagnostics %S/Inputs/optimizer-errors.mlir

// Adam with two parameters: @apply takes params, gradients, the per-param
// state (PyTorch names), the hyperparameters (f64, the recipe's values as
// defaults, lr first) and step; each parameter gets one nn.adam_update and
// every result names the argument it updates. @loss is erased.
// CHECK-NOT: func.func @loss
// CHECK-LABEL: func.func @apply(
// CHECK-SAME: %[[W:[a-z0-9]+]]: tensor<3xf32> {nn.param = #nn.param<"w", weight, zeros>}, %[[B:[a-z0-9]+]]: tensor<1xf32> {nn.param = #nn.param<"b", bias, zeros>},
// CHECK-SAME: %[[GW:[a-z0-9]+]]: tensor<3xf32> {nn.grad = "w"}, %[[GB:[a-z0-9]+]]: tensor<1xf32> {nn.grad = "b"},
// CHECK-SAME: %[[MW:[a-z0-9]+]]: tensor<3xf32> {nn.state = ["w", "exp_avg"]}, %[[VW:[a-z0-9]+]]: tensor<3xf32> {nn.state = ["w", "exp_avg_sq"]},
// CHECK-SAME: %[[MB:[a-z0-9]+]]: tensor<1xf32> {nn.state = ["b", "exp_avg"]}, %[[VB:[a-z0-9]+]]: tensor<1xf32> {nn.state = ["b", "exp_avg_sq"]},
// CHECK-SAME: %[[LR:[a-z0-9]+]]: tensor<f64> {nn.hyperparameter = {default = 1.000000e-03 : f64, name = "lr", range = "nonneg"}},
// CHECK-SAME: %[[B1:[a-z0-9]+]]: tensor<f64> {nn.hyperparameter = {default = 9.000000e-01 : f64, name = "beta1", range = "unit"}},
// CHECK-SAME: %[[B2:[a-z0-9]+]]: tensor<f64> {nn.hyperparameter = {default = 0.97999999999999998 : f64, name = "beta2", range = "unit"}},
// CHECK-SAME: %[[EPS:[a-z0-9]+]]: tensor<f64> {nn.hyperparameter = {default = 1.000000e-08 : f64, name = "eps", range = "positive"}},
// CHECK-SAME: %[[WD:[a-z0-9]+]]: tensor<f64> {nn.hyperparameter = {default = 1.000000e-02 : f64, name = "weight_decay", range = "nonneg"}},
// CHECK-SAME: %[[STEP:[a-z0-9]+]]: tensor<i64> {nn.step})
// CHECK-SAME: -> (tensor<3xf32> {nn.update_of = 0 : i64}, tensor<1xf32> {nn.update_of = 1 : i64}, tensor<3xf32> {nn.update_of = 4 : i64}, tensor<3xf32> {nn.update_of = 5 : i64}, tensor<1xf32> {nn.update_of = 6 : i64}, tensor<1xf32> {nn.update_of = 7 : i64})
// CHECK: %[[P0:.*]], %[[M0:.*]], %[[V0:.*]] = nn.adam_update %[[W]], %[[GW]], %[[MW]], %[[VW]], %[[LR]], %[[STEP]], %[[B1]], %[[B2]], %[[EPS]], %[[WD]] : tensor<3xf32>
// CHECK: %[[P1:.*]], %[[M1:.*]], %[[V1:.*]] = nn.adam_update %[[B]], %[[GB]], %[[MB]], %[[VB]], %[[LR]], %[[STEP]], %[[B1]], %[[B2]], %[[EPS]], %[[WD]]
// CHECK: return %[[P0]], %[[P1]], %[[M0]], %[[V0]], %[[M1]], %[[V1]]

// @train_step: @grads' arguments, then state, hyperparameters, step; the
// forward and backward inlined, the same updates; the buffer update goes
// last.
// CHECK-LABEL: func.func @train_step(
// CHECK-SAME: %[[X:[a-z0-9]+]]: tensor<?x3xf32> {nn.input = "x"}, %[[T:[a-z0-9]+]]: tensor<?x1xf32> {nn.label = "t"}, %[[TW:[a-z0-9]+]]: tensor<3xf32> {{{.*}}}, %[[TB:[a-z0-9]+]]: tensor<1xf32> {{{.*}}}, %[[RM:[a-z0-9]+]]: tensor<1xf32> {nn.param = #nn.param<"rm", buffer, zeros>},
// CHECK-SAME: -> (tensor<f32> {nn.loss}, tensor<3xf32> {nn.update_of = 2 : i64}, tensor<1xf32> {nn.update_of = 3 : i64}, tensor<3xf32> {nn.update_of = 5 : i64}, tensor<3xf32> {nn.update_of = 6 : i64}, tensor<1xf32> {nn.update_of = 7 : i64}, tensor<1xf32> {nn.update_of = 8 : i64}, tensor<1xf32> {nn.update_of = 4 : i64})
// CHECK: nn.mul %[[X]], %[[TW]]
// CHECK: nn.mse_loss_backward
// CHECK: nn.adam_update %[[TW]]
// CHECK: nn.adam_update %[[TB]]
// CHECK-NOT: nn.adam_update
// CHECK: return
module attributes {nn.recipe = {optimizer = #nn.optimizer<adam, lr = 1.0e-3, beta1 = 0.9, beta2 = 0.98, eps = 1.0e-8, weight_decay = 0.01>}} {
  func.func @loss(%x: tensor<?x3xf32> {nn.input = "x"}, %t: tensor<?x1xf32> {nn.label = "t"},
                  %w: tensor<3xf32> {nn.param = #nn.param<"w", weight, zeros>},
                  %b: tensor<1xf32> {nn.param = #nn.param<"b", bias, zeros>},
                  %rm: tensor<1xf32> {nn.param = #nn.param<"rm", buffer, zeros>})
      -> (tensor<f32> {nn.loss}, tensor<1xf32> {nn.update_of = 4 : i64}) {
    %xw = nn.mul %x, %w : (tensor<?x3xf32>, tensor<3xf32>) -> tensor<?x3xf32>
    %s = nn.reduce_sum %xw {axes = array<i64: 1>, keepdim = true} : (tensor<?x3xf32>) -> tensor<?x1xf32>
    %y = nn.add %s, %b : (tensor<?x1xf32>, tensor<1xf32>) -> tensor<?x1xf32>
    %l = nn.mse_loss %y, %t : tensor<?x1xf32>, tensor<?x1xf32>
    %rm1 = nn.scale %rm {factor = 0.5 : f32} : tensor<1xf32>
    return %l, %rm1 : tensor<f32>, tensor<1xf32>
  }
}

// -----

// SGD with Nesterov momentum and clipping: the squared norms of all
// gradients are summed, nn.clip_coef scales every gradient by the run-time
// clip_norm, then one nn.momentum_update per parameter with a
// "momentum_buffer" state.
// CHECK-LABEL: func.func @apply(
// CHECK-SAME: %[[W:[a-z0-9]+]]: tensor<2x2xf32> {{{.*}}}, %[[G:[a-z0-9]+]]: tensor<2x2xf32> {nn.grad = "w"}, %[[BUF:[a-z0-9]+]]: tensor<2x2xf32> {nn.state = ["w", "momentum_buffer"]},
// CHECK-SAME: %[[LR:[a-z0-9]+]]: tensor<f64> {nn.hyperparameter = {default = 1.000000e-02 : f64, name = "lr", range = "nonneg"}},
// CHECK-SAME: %[[MU:[a-z0-9]+]]: tensor<f64> {nn.hyperparameter = {default = 8.000000e-01 : f64, name = "momentum", range = "nonneg"}},
// CHECK-SAME: %[[NEST:[a-z0-9]+]]: tensor<f64> {nn.hyperparameter = {default = 1.000000e+00 : f64, name = "nesterov", range = "flag"}},
// CHECK-SAME: %[[WD:[a-z0-9]+]]: tensor<f64> {nn.hyperparameter = {default = 0.000000e+00 : f64, name = "weight_decay", range = "nonneg"}},
// CHECK-SAME: %[[CLIP:[a-z0-9]+]]: tensor<f64> {nn.hyperparameter = {default = 5.000000e-01 : f64, name = "clip_norm", range = "positive"}},
// CHECK-SAME: %[[STEP:[a-z0-9]+]]: tensor<i64> {nn.step})
// CHECK: %[[SQ:.*]] = nn.mul %[[G]], %[[G]]
// CHECK: %[[SUM:.*]] = nn.reduce_sum %[[SQ]] {axes = array<i64: 0, 1>}
// CHECK: %[[COEF:.*]] = nn.clip_coef %[[SUM]], %[[CLIP]] : tensor<f32>
// CHECK: %[[CG:.*]] = nn.mul %[[G]], %[[COEF]]
// CHECK: nn.momentum_update %[[W]], %[[CG]], %[[BUF]], %[[LR]], %[[STEP]], %[[MU]], %[[WD]], %[[NEST]] : tensor<2x2xf32>
module attributes {nn.recipe = {optimizer = #nn.optimizer<momentum, lr = 0.01, momentum = 0.8, nesterov = 1.0, weight_decay = 0.0, clip_norm = 0.5>}} {
  func.func @loss(%t: tensor<2x2xf32> {nn.label = "t"},
                  %w: tensor<2x2xf32> {nn.param = #nn.param<"w", weight, zeros>})
      -> (tensor<f32> {nn.loss}) {
    %l = nn.mse_loss %w, %t : tensor<2x2xf32>, tensor<2x2xf32>
    return %l : tensor<f32>
  }
}
