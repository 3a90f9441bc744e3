// Errors of nnc-model-abi (run by model-abi.mlir).

// expected-error @+1 {{the module has no @predict entry point}}
module {
  func.func @grads(%x: tensor<?x4xf32> {nn.input = "x"}) -> (tensor<?x4xf32> {nn.output = "y"}) {
    return %x : tensor<?x4xf32>
  }
}

// -----

module {
  // expected-error @+1 {{argument #0 of @predict has no nn role attribute}}
  func.func @predict(%x: tensor<?x4xf32>) -> (tensor<?x4xf32> {nn.output = "y"}) {
    return %x : tensor<?x4xf32>
  }
}

// -----

module {
  // expected-error @+1 {{result #0 of @predict has no nn role attribute}}
  func.func @predict(%x: tensor<?x4xf32> {nn.input = "x"}) -> tensor<?x4xf32> {
    return %x : tensor<?x4xf32>
  }
}

// -----

// One input name with two types.
module {
  func.func @predict(%x: tensor<?x4xf32> {nn.input = "x"}) -> (tensor<?x4xf32> {nn.output = "y"}) {
    return %x : tensor<?x4xf32>
  }
  // expected-error @+1 {{tensor 'x' is declared with two different types}}
  func.func @grads(%x: tensor<?x5xf32> {nn.input = "x"}) -> (tensor<f32> {nn.loss}) {
    %z = arith.constant dense<0.0> : tensor<f32>
    return %z : tensor<f32>
  }
}

// -----

// A gradient of a parameter the model does not have.
module {
  func.func @predict(%x: tensor<?x4xf32> {nn.input = "x"}) -> (tensor<?x4xf32> {nn.output = "y"}) {
    return %x : tensor<?x4xf32>
  }
  // expected-error @+1 {{'w' refers to an unknown trainable parameter}}
  func.func @grads(%x: tensor<?x4xf32> {nn.input = "x"}) -> (tensor<f32> {nn.loss}, tensor<4xf32> {nn.grad = "w"}) {
    %z = arith.constant dense<0.0> : tensor<f32>
    %g = arith.constant dense<0.0> : tensor<4xf32>
    return %z, %g : tensor<f32>, tensor<4xf32>
  }
}

// -----

// A hyperparameter with an unknown range, and one declared twice.
module {
  func.func @predict(%x: tensor<?x4xf32> {nn.input = "x"}) -> (tensor<?x4xf32> {nn.output = "y"}) {
    return %x : tensor<?x4xf32>
  }
  // expected-error @+1 {{nn.hyperparameter must be {name, default, range} with a known range}}
  func.func @apply(%lr: tensor<f64> {nn.hyperparameter = {name = "lr", default = 0.1 : f64, range = "huge"}}) {
    return
  }
}

// -----

module {
  func.func @predict(%x: tensor<?x4xf32> {nn.input = "x"}) -> (tensor<?x4xf32> {nn.output = "y"}) {
    return %x : tensor<?x4xf32>
  }
  func.func @train_step(%lr: tensor<f64> {nn.hyperparameter = {name = "lr", default = 0.1 : f64, range = "nonneg"}}) {
    return
  }
  // expected-error @+1 {{hyperparameter 'lr' is declared twice, differently}}
  func.func @apply(%lr: tensor<f64> {nn.hyperparameter = {name = "lr", default = 0.2 : f64, range = "nonneg"}}) {
    return
  }
}
