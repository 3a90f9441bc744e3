// nnc-layernorm-param-grads: a layer norm on the model's input feeding a
// dense layer. After autodiff its result gradient dxn = G W is read only by
// the gamma and beta gradients; the pass computes M = sum_rows G^T xhat and
// dW = M * gamma + db beta^T, dgamma = sum_k W * M, dbeta = sum_k W * db, so
// the product G W and the weight gradient's product on xn are gone.
// RUN: nnc-opt %s --nnc-autodiff --canonicalize --cse --nnc-layernorm-param-grads --canonicalize --cse -split-input-file | FileCheck %s

// CHECK-LABEL: func.func @grads(
// CHECK-SAME: %[[X:[^:]*]]: tensor<?x3x4xf32> {nn.input = "x"}
// CHECK-SAME: %[[GAMMA:[^:]*]]: tensor<4xf32> {nn.param = #nn.param<"ln.weight"
// CHECK-SAME: %[[BETA:[^:]*]]: tensor<4xf32> {nn.param = #nn.param<"ln.bias"
// CHECK-SAME: %[[W:[^:]*]]: tensor<5x4xf32> {nn.param = #nn.param<"fc.weight"
// CHECK: %[[G:.*]] = nn.mse_loss_backward
// CHECK: %[[DB:.*]] = nn.reduce_sum %[[G]] {axes = array<i64: 0, 1>} : (tensor<?x3x5xf32>) -> tensor<5xf32>
// CHECK: %[[XHAT:.*]] = nn.mul %{{.*}}, %{{.*}} : (tensor<?x3x4xf32>, tensor<?x3x1xf32>) -> tensor<?x3x4xf32>
// CHECK: %[[MB:.*]] = nn.matmul %[[G]], %[[XHAT]] {transpose_lhs = true}
// CHECK: %[[M:.*]] = nn.reduce_sum %[[MB]] {axes = array<i64: 0>} : (tensor<?x5x4xf32>) -> tensor<5x4xf32>
// CHECK: %[[DBC:.*]] = nn.reshape %[[DB]] {shape = array<i64: 5, 1>}
// CHECK: %[[MG:.*]] = nn.mul %[[M]], %[[GAMMA]]
// CHECK: %[[DBB:.*]] = nn.mul %[[DBC]], %[[BETA]]
// CHECK: %[[DW:.*]] = nn.add %[[MG]], %[[DBB]]
// CHECK: %[[WM:.*]] = nn.mul %[[W]], %[[M]]
// CHECK: %[[DGAMMA:.*]] = nn.reduce_sum %[[WM]] {axes = array<i64: 0>}
// CHECK: %[[WDB:.*]] = nn.mul %[[W]], %[[DBC]]
// CHECK: %[[DBETA:.*]] = nn.reduce_sum %[[WDB]] {axes = array<i64: 0>}
// CHECK-NOT: nn.matmul
// CHECK: return %{{.*}}, %[[DGAMMA]], %[[DBETA]], %[[DW]], %[[DB]]
func.func @loss(%x: tensor<?x3x4xf32> {nn.input = "x"}, %t: tensor<?x3x5xf32> {nn.label = "t"},
                %g: tensor<4xf32> {nn.param = #nn.param<"ln.weight", weight, ones>},
                %b: tensor<4xf32> {nn.param = #nn.param<"ln.bias", bias, zeros>},
                %w: tensor<5x4xf32> {nn.param = #nn.param<"fc.weight", weight, he>},
                %c: tensor<5xf32> {nn.param = #nn.param<"fc.bias", bias, zeros>})
    -> (tensor<f32> {nn.loss}) {
  %n = nn.layernorm %x, %g, %b : (tensor<?x3x4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<?x3x4xf32>
  %y = nn.dense %n, %w, %c : (tensor<?x3x4xf32>, tensor<5x4xf32>, tensor<5xf32>) -> tensor<?x3x5xf32>
  %l = nn.mse_loss %y, %t : tensor<?x3x5xf32>, tensor<?x3x5xf32>
  return %l : tensor<f32>
}

// -----

// The layer norm's input comes from a trained layer: its gradient needs
// dxn, which stays a product (and the weight gradient reads xn).
// CHECK-LABEL: func.func @grads(
// CHECK: %[[N:.*]] = nn.layernorm
// CHECK: %[[G:.*]] = nn.mse_loss_backward
// CHECK-DAG: nn.matmul %[[G]], %{{.*}} : (tensor<?x3x5xf32>, tensor<5x4xf32>) -> tensor<?x3x4xf32>
// CHECK-DAG: nn.matmul %[[G]], %[[N]] {transpose_lhs = true}
func.func @loss(%x: tensor<?x3x4xf32> {nn.input = "x"}, %t: tensor<?x3x5xf32> {nn.label = "t"},
                %v: tensor<4x4xf32> {nn.param = #nn.param<"fc0.weight", weight, he>},
                %g: tensor<4xf32> {nn.param = #nn.param<"ln.weight", weight, ones>},
                %b: tensor<4xf32> {nn.param = #nn.param<"ln.bias", bias, zeros>},
                %w: tensor<5x4xf32> {nn.param = #nn.param<"fc.weight", weight, he>})
    -> (tensor<f32> {nn.loss}) {
  %h = nn.dense %x, %v : (tensor<?x3x4xf32>, tensor<4x4xf32>) -> tensor<?x3x4xf32>
  %n = nn.layernorm %h, %g, %b : (tensor<?x3x4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<?x3x4xf32>
  %y = nn.dense %n, %w : (tensor<?x3x4xf32>, tensor<5x4xf32>) -> tensor<?x3x5xf32>
  %l = nn.mse_loss %y, %t : tensor<?x3x5xf32>, tensor<?x3x5xf32>
  return %l : tensor<f32>
}

// -----

// The normalised value also feeds a residual sum: dxn is G W plus the
// residual's gradient, so it is needed and nothing changes.
// CHECK-LABEL: func.func @grads(
// CHECK: %[[N:.*]] = nn.layernorm
// CHECK-DAG: nn.matmul %{{.*}}, %{{.*}} : (tensor<?x3x4xf32>, tensor<4x4xf32>) -> tensor<?x3x4xf32>
// CHECK-DAG: nn.matmul %{{.*}}, %[[N]] {transpose_lhs = true}
func.func @loss(%x: tensor<?x3x4xf32> {nn.input = "x"}, %t: tensor<?x3x4xf32> {nn.label = "t"},
                %g: tensor<4xf32> {nn.param = #nn.param<"ln.weight", weight, ones>},
                %b: tensor<4xf32> {nn.param = #nn.param<"ln.bias", bias, zeros>},
                %w: tensor<4x4xf32> {nn.param = #nn.param<"fc.weight", weight, he>})
    -> (tensor<f32> {nn.loss}) {
  %n = nn.layernorm %x, %g, %b : (tensor<?x3x4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<?x3x4xf32>
  %y = nn.dense %n, %w : (tensor<?x3x4xf32>, tensor<4x4xf32>) -> tensor<?x3x4xf32>
  %r = nn.add %n, %y : (tensor<?x3x4xf32>, tensor<?x3x4xf32>) -> tensor<?x3x4xf32>
  %l = nn.mse_loss %r, %t : tensor<?x3x4xf32>, tensor<?x3x4xf32>
  return %l : tensor<f32>
}
