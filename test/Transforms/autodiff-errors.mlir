// RUN: nnc-opt --nnc-autodiff -split-input-file -verify-diagnostics %s

// nn.maxpool2d has no adjoint yet (not implemented, see docs/autodiff.md):
// on the path from a parameter to the loss it is an error at its location,
// never a silent zero gradient.
func.func @loss(%x: tensor<?x1x4x4xf32> {nn.input = "x"}, %t: tensor<?x1x2x2xf32> {nn.label = "t"},
                %s: tensor<1xf32> {nn.param = #nn.param<"s", weight, ones>})
    -> (tensor<f32> {nn.loss}) {
  %y = nn.mul %x, %s : (tensor<?x1x4x4xf32>, tensor<1xf32>) -> tensor<?x1x4x4xf32>
  // expected-error @+1 {{'nn.maxpool2d' has no adjoint; cannot differentiate}}
  %p = nn.maxpool2d %y {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>} : (tensor<?x1x4x4xf32>) -> tensor<?x1x2x2xf32>
  %l = nn.mse_loss %p, %t : tensor<?x1x2x2xf32>, tensor<?x1x2x2xf32>
  return %l : tensor<f32>
}

// -----

// The same op off the path (applied to data only) is fine.
func.func @loss(%x: tensor<?x1x4x4xf32> {nn.input = "x"}, %t: tensor<?x1x2x2xf32> {nn.label = "t"},
                %s: tensor<1xf32> {nn.param = #nn.param<"s", weight, ones>})
    -> (tensor<f32> {nn.loss}) {
  %p = nn.maxpool2d %x {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>} : (tensor<?x1x4x4xf32>) -> tensor<?x1x2x2xf32>
  %y = nn.mul %p, %s : (tensor<?x1x2x2xf32>, tensor<1xf32>) -> tensor<?x1x2x2xf32>
  %l = nn.mse_loss %y, %t : tensor<?x1x2x2xf32>, tensor<?x1x2x2xf32>
  return %l : tensor<f32>
}

// -----

// expected-error @+1 {{expects @loss to return the loss as a tensor<f32> result (nn.loss)}}
func.func @loss(%x: tensor<4xf32> {nn.param = #nn.param<"x", weight, ones>}) -> tensor<4xf32> {
  return %x : tensor<4xf32>
}
