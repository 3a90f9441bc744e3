// RUN: nnc-opt --nnc-autodiff -split-input-file -verify-diagnostics %s

// A backward op has no adjoint (no second derivatives): on the path from a
// parameter to the loss it is an error at its location, never a silent
// zero gradient.
func.func @loss(%x: tensor<?x3xf32> {nn.input = "x"}, %t: tensor<?x3xf32> {nn.label = "t"},
                %s: tensor<3xf32> {nn.param = #nn.param<"s", weight, ones>})
    -> (tensor<f32> {nn.loss}) {
  %y = nn.mul %x, %s : (tensor<?x3xf32>, tensor<3xf32>) -> tensor<?x3xf32>
  // expected-error @+1 {{'nn.gelu_backward' has no adjoint; cannot differentiate}}
  %d = nn.gelu_backward %y, %y : tensor<?x3xf32>
  %l = nn.mse_loss %d, %t : tensor<?x3xf32>, tensor<?x3xf32>
  return %l : tensor<f32>
}

// -----

// Grouped convolutions have no adjoint yet.
func.func @loss(%x: tensor<?x2x4x4xf32> {nn.input = "x"}, %t: tensor<?x2x2x2xf32> {nn.label = "t"},
                %w: tensor<2x1x3x3xf32> {nn.param = #nn.param<"conv.weight", weight, he>})
    -> (tensor<f32> {nn.loss}) {
  // expected-error @+1 {{'nn.conv2d' op cannot differentiate a grouped convolution (groups = 2); only groups = 1 has an adjoint}}
  %y = nn.conv2d %x, %w {groups = 2 : i64} : (tensor<?x2x4x4xf32>, tensor<2x1x3x3xf32>) -> tensor<?x2x2x2xf32>
  %l = nn.mse_loss %y, %t : tensor<?x2x2x2xf32>, tensor<?x2x2x2xf32>
  return %l : tensor<f32>
}

// -----

// An op without an adjoint off the path (applied to data only) is fine.
func.func @loss(%x: tensor<?x3xf32> {nn.input = "x"}, %t: tensor<?x3xf32> {nn.label = "t"},
                %s: tensor<3xf32> {nn.param = #nn.param<"s", weight, ones>})
    -> (tensor<f32> {nn.loss}) {
  %d = nn.gelu_backward %x, %x : tensor<?x3xf32>
  %y = nn.mul %d, %s : (tensor<?x3xf32>, tensor<3xf32>) -> tensor<?x3xf32>
  %l = nn.mse_loss %y, %t : tensor<?x3xf32>, tensor<?x3xf32>
  return %l : tensor<f32>
}

// -----

// expected-error @+1 {{expects @loss to return the loss as a tensor<f32> result (nn.loss)}}
func.func @loss(%x: tensor<4xf32> {nn.param = #nn.param<"x", weight, ones>}) -> tensor<4xf32> {
  return %x : tensor<4xf32>
}
