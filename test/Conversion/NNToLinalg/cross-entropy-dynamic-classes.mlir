// Cross entropy with class ids needs a static class count C (the bound of
// the label clamp, forward and backward alike); with a dynamic C the
// patterns decline and the pass fails at the op instead of clamping to a
// wrong bound.
// RUN: nnc-opt %s --nnc-convert-nn-to-linalg -split-input-file -verify-diagnostics

func.func @forward(%x: tensor<?x?xf32>, %y: tensor<?xi32>) -> tensor<f32> {
  // expected-error @+1 {{failed to legalize operation 'nn.cross_entropy_loss'}}
  %0 = nn.cross_entropy_loss %x, %y : tensor<?x?xf32>, tensor<?xi32>
  return %0 : tensor<f32>
}

// -----

func.func @backward(%x: tensor<?x?xf32>, %y: tensor<?xi32>, %g: tensor<f32>) -> tensor<?x?xf32> {
  // expected-error @+1 {{failed to legalize operation 'nn.cross_entropy_backward'}}
  %0 = nn.cross_entropy_backward %x, %y, %g : tensor<?x?xf32>, tensor<?xi32>, tensor<f32>
  return %0 : tensor<?x?xf32>
}
