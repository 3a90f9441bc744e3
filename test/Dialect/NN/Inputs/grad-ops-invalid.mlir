// Verifier errors of the backward ops (run from ../grad-ops.mlir).

func.func @pair_target(%x: tensor<?x3xf32>, %y: tensor<?x4xf32>, %g: tensor<f32>) {
  // expected-error @+1 {{'nn.mse_loss_backward' op expects a target of the input's shape [?, 3] in f32, got f32[N, 4]}}
  %0 = nn.mse_loss_backward %x, %y, %g : tensor<?x3xf32>, tensor<?x4xf32>, tensor<f32>
  return
}

// -----

func.func @ce_classes(%x: tensor<8x3xf32>, %c: tensor<5xi32>, %g: tensor<f32>) {
  // expected-error @+1 {{'nn.cross_entropy_backward' op expects class indices i32[N] with N = [8] (the logits' batch), got i32[5]}}
  %0 = nn.cross_entropy_backward %x, %c, %g : tensor<8x3xf32>, tensor<5xi32>, tensor<f32>
  return
}

// -----

func.func @update_types(%p: tensor<4xf32>, %g: tensor<3xf32>, %lr: tensor<f64>) {
  // expected-error @+1 {{'nn.sgd_update' op failed to verify that all of {param, grad, new_param} have same type}}
  %0 = "nn.sgd_update"(%p, %g, %lr, %lr) : (tensor<4xf32>, tensor<3xf32>, tensor<f64>, tensor<f64>) -> tensor<4xf32>
  return
}

// -----

// Hyperparameters are f64 scalars (docs/abi.md, "Hyperparameters").
func.func @hyper_type(%p: tensor<4xf32>, %lr: tensor<f32>) {
  // expected-error @+1 {{'nn.sgd_update' op operand #2 must be 0D tensor of 64-bit float values, but got 'tensor<f32>'}}
  %0 = "nn.sgd_update"(%p, %p, %lr, %lr) : (tensor<4xf32>, tensor<4xf32>, tensor<f32>, tensor<f32>) -> tensor<4xf32>
  return
}
