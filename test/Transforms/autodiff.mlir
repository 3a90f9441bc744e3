// RUN: nnc-opt --nnc-autodiff -split-input-file %s | FileCheck %s

// A 2-4-3 MLP with cross-entropy: @grads keeps @loss's arguments and returns
// the loss, then one gradient per parameter in argument order.
// CHECK-LABEL: func.func @grads(
// CHECK-SAME: %[[X:[a-z0-9]+]]: tensor<?x2xf32> {nn.input = "x"}, %[[Y:[a-z0-9]+]]: tensor<?xi32> {nn.label = "y"},
// CHECK-SAME: %[[W1:[a-z0-9]+]]: tensor<4x2xf32> {nn.param = #nn.param<"fc1.weight", weight, he>}, %[[B1:[a-z0-9]+]]: tensor<4xf32> {nn.param = #nn.param<"fc1.bias", bias, zeros>},
// CHECK-SAME: %[[W2:[a-z0-9]+]]: tensor<3x4xf32> {nn.param = #nn.param<"fc2.weight", weight, he>}, %[[B2:[a-z0-9]+]]: tensor<3xf32> {nn.param = #nn.param<"fc2.bias", bias, zeros>})
// CHECK-SAME: -> (tensor<f32> {nn.loss}, tensor<4x2xf32> {nn.grad = "fc1.weight"}, tensor<4xf32> {nn.grad = "fc1.bias"}, tensor<3x4xf32> {nn.grad = "fc2.weight"}, tensor<3xf32> {nn.grad = "fc2.bias"})
// CHECK: %[[H:.*]] = nn.dense %[[X]], %[[W1]], %[[B1]]
// CHECK: %[[A:.*]] = nn.relu %[[H]]
// CHECK: %[[O:.*]] = nn.dense %[[A]], %[[W2]], %[[B2]]
// CHECK: %[[L:.*]] = nn.cross_entropy_loss %[[O]], %[[Y]]
// CHECK: %[[ONE:.*]] = nn.constant dense<1.000000e+00> : tensor<f32>
// CHECK: %[[DO:.*]] = nn.cross_entropy_backward %[[O]], %[[Y]], %[[ONE]]
// CHECK: %[[DA:.*]] = nn.matmul %[[DO]], %[[W2]] :
// CHECK: %[[DW2:.*]] = nn.matmul %[[DO]], %[[A]] {transpose_lhs = true}
// CHECK: %[[DB2:.*]] = nn.reduce_sum %[[DO]] {axes = array<i64: 0>}
// CHECK: %[[MASK:.*]] = nn.step %[[H]]
// CHECK: %[[DH:.*]] = nn.mul %[[DA]], %[[MASK]]
// CHECK: %[[DW1:.*]] = nn.matmul %[[DH]], %[[X]] {transpose_lhs = true}
// CHECK: %[[DB1:.*]] = nn.reduce_sum %[[DH]] {axes = array<i64: 0>}
// CHECK-NOT: nn.matmul %[[DH]], %[[W1]]
// CHECK: return %[[L]], %[[DW1]], %[[DB1]], %[[DW2]], %[[DB2]]
module {
  func.func @loss(%x: tensor<?x2xf32> {nn.input = "x"}, %y: tensor<?xi32> {nn.label = "y"},
                  %w1: tensor<4x2xf32> {nn.param = #nn.param<"fc1.weight", weight, he>},
                  %b1: tensor<4xf32> {nn.param = #nn.param<"fc1.bias", bias, zeros>},
                  %w2: tensor<3x4xf32> {nn.param = #nn.param<"fc2.weight", weight, he>},
                  %b2: tensor<3xf32> {nn.param = #nn.param<"fc2.bias", bias, zeros>})
      -> (tensor<f32> {nn.loss}, tensor<?x3xf32> {nn.output = "logits"}) {
    %h = nn.dense %x, %w1, %b1 : (tensor<?x2xf32>, tensor<4x2xf32>, tensor<4xf32>) -> tensor<?x4xf32>
    %a = nn.relu %h : tensor<?x4xf32>
    %o = nn.dense %a, %w2, %b2 : (tensor<?x4xf32>, tensor<3x4xf32>, tensor<3xf32>) -> tensor<?x3xf32>
    %l = nn.cross_entropy_loss %o, %y : tensor<?x3xf32>, tensor<?xi32>
    return %l, %o : tensor<f32>, tensor<?x3xf32>
  }
}

// -----

// Fan-out (x used twice) is summed with nn.add; a parameter the loss does not
// reach gets zeros; a buffer update is passed through after the gradients.
// CHECK-LABEL: func.func @grads(
// CHECK-SAME: -> (tensor<f32> {nn.loss}, tensor<3xf32> {nn.grad = "a"}, tensor<2xf32> {nn.grad = "unused"}, tensor<3xf32> {nn.update_of = 3 : i64})
// CHECK-DAG: %[[ZERO:.*]] = nn.fill 0.000000e+00 : tensor<2xf32>
// CHECK-DAG: %[[SUM:.*]] = nn.add %{{[0-9]+}}, %{{[0-9]+}} : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
// CHECK: return %{{.*}}, %[[SUM]], %[[ZERO]], %{{.*}} :
module {
  func.func @loss(%t: tensor<3xf32> {nn.label = "t"},
                  %a: tensor<3xf32> {nn.param = #nn.param<"a", weight, zeros>},
                  %u: tensor<2xf32> {nn.param = #nn.param<"unused", bias, zeros>},
                  %m: tensor<3xf32> {nn.param = #nn.param<"m", buffer, zeros>})
      -> (tensor<f32> {nn.loss}, tensor<3xf32> {nn.update_of = 3 : i64}) {
    %sq = nn.mul %a, %a : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
    %l = nn.mse_loss %sq, %t : tensor<3xf32>, tensor<3xf32>
    %m1 = nn.add %m, %a : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
    return %l, %m1 : tensor<f32>, tensor<3xf32>
  }
}

// -----

// A bias broadcast over [N, T, D] gets its gradient summed over N and T.
// CHECK-LABEL: func.func @grads(
// CHECK: %[[G:.*]] = nn.mae_loss_backward
// CHECK: %[[R:.*]] = nn.reduce_sum %[[G]] {axes = array<i64: 0, 1>, keepdim = true} : (tensor<?x4x8xf32>) -> tensor<1x1x8xf32>
// CHECK: %[[DB:.*]] = nn.reshape %[[R]] {shape = array<i64: 8>} : (tensor<1x1x8xf32>) -> tensor<8xf32>
// CHECK: return %{{.*}}, %[[DB]]
module {
  func.func @loss(%x: tensor<?x4x8xf32> {nn.input = "x"}, %t: tensor<?x4x8xf32> {nn.label = "t"},
                  %b: tensor<8xf32> {nn.param = #nn.param<"b", bias, zeros>})
      -> (tensor<f32> {nn.loss}) {
    %y = nn.add %x, %b : (tensor<?x4x8xf32>, tensor<8xf32>) -> tensor<?x4x8xf32>
    %l = nn.mae_loss %y, %t : tensor<?x4x8xf32>, tensor<?x4x8xf32>
    return %l : tensor<f32>
  }
}
