// RUN: nnc-opt --nnc-autodiff="input-grads=true" -split-input-file -verify-diagnostics %s | FileCheck %s
// RUN: nnc-opt --nnc-autodiff -split-input-file %s | FileCheck %s --check-prefix=OFF

// With input-grads, @input_grads keeps @loss's arguments and returns the
// loss and d loss / d x, from a sweep over the ops that depend on x: the
// gradient flows back through the weights (matmul with W2, then W1) and no
// parameter gradient is computed. Without the option it is not built.
// CHECK-LABEL: func.func @input_grads(
// CHECK-SAME: %[[X:[a-z0-9]+]]: tensor<?x2xf32> {nn.input = "x"}, %[[Y:[a-z0-9]+]]: tensor<?xi32> {nn.label = "y"},
// CHECK-SAME: %[[W1:[a-z0-9]+]]: tensor<4x2xf32> {nn.param = #nn.param<"fc1.weight", weight, he>}, %[[B1:[a-z0-9]+]]: tensor<4xf32> {nn.param = #nn.param<"fc1.bias", bias, zeros>},
// CHECK-SAME: %[[W2:[a-z0-9]+]]: tensor<3x4xf32> {nn.param = #nn.param<"fc2.weight", weight, he>}, %[[B2:[a-z0-9]+]]: tensor<3xf32> {nn.param = #nn.param<"fc2.bias", bias, zeros>})
// CHECK-SAME: -> (tensor<f32> {nn.loss}, tensor<?x2xf32> {nn.input_grad = "x"})
// CHECK: %[[H:.*]] = nn.dense %[[X]], %[[W1]], %[[B1]]
// CHECK: %[[O:.*]] = nn.dense %{{.*}}, %[[W2]], %[[B2]]
// CHECK: %[[L:.*]] = nn.cross_entropy_loss %[[O]], %[[Y]]
// CHECK: %[[DO:.*]] = nn.cross_entropy_backward %[[O]], %[[Y]]
// CHECK: %[[DA:.*]] = nn.matmul %[[DO]], %[[W2]] :
// CHECK-NOT: {{transpose_lhs|reduce_sum}}
// CHECK: %[[MASK:.*]] = nn.step %[[H]]
// CHECK: %[[DH:.*]] = nn.mul %[[DA]], %[[MASK]]
// CHECK-NOT: {{transpose_lhs|reduce_sum}}
// CHECK: %[[DX:.*]] = nn.matmul %[[DH]], %[[W1]] :
// CHECK-NOT: {{transpose_lhs|reduce_sum}}
// CHECK: return %[[L]], %[[DX]] : tensor<f32>, tensor<?x2xf32>
// CHECK-LABEL: func.func @grads(
// OFF-NOT: @input_grads
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

// A loss that does not depend on the input has no input gradient to build.
module {
  // expected-error @+1 {{cannot build @input_grads: the loss does not depend on input "x"}}
  func.func @loss(%x: tensor<?x2xf32> {nn.input = "x"}, %y: tensor<3xf32> {nn.label = "y"},
                  %b: tensor<3xf32> {nn.param = #nn.param<"b", bias, zeros>})
      -> (tensor<f32> {nn.loss}) {
    %l = nn.mse_loss %b, %y : tensor<3xf32>, tensor<3xf32>
    return %l : tensor<f32>
  }
}
