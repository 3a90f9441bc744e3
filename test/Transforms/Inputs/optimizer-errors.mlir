// Diagnostics of nnc-optimizer (run from ../optimizer.mlir).

// An untyped optimizer: the pass defaults nothing, it reads #nn.optimizer.
// expected-error @+1 {{expects the module's nn.recipe to hold 'optimizer = #nn.optimizer<...>', got {kind = "adam"}}}
module attributes {nn.recipe = {optimizer = {kind = "adam"}}} {
  func.func @grads(%w: tensor<2xf32> {nn.param = #nn.param<"w", weight, zeros>})
      -> (tensor<f32> {nn.loss}, tensor<2xf32> {nn.grad = "w"}) {
    %z = nn.fill 0.0 : tensor<f32>
    return %z, %w : tensor<f32>, tensor<2xf32>
  }
}

// -----

// No recipe at all.
// expected-error @+1 {{expects the module's nn.recipe to hold 'optimizer = #nn.optimizer<...>', got <<NULL ATTRIBUTE>>}}
module {
  func.func @grads(%w: tensor<2xf32> {nn.param = #nn.param<"w", weight, zeros>})
      -> (tensor<f32> {nn.loss}, tensor<2xf32> {nn.grad = "w"}) {
    %z = nn.fill 0.0 : tensor<f32>
    return %z, %w : tensor<f32>, tensor<2xf32>
  }
}

// -----

module {
  // expected-error @+1 {{expects @grads (run nnc-autodiff before nnc-optimizer)}}
  func.func @loss(%w: tensor<2xf32> {nn.param = #nn.param<"w", weight, zeros>}) -> (tensor<f32> {nn.loss}) {
    %z = nn.fill 0.0 : tensor<f32>
    return %z : tensor<f32>
  }
}
