// Malformed recipe attributes (run from ../recipe-attrs.mlir): every value
// of the schema is required, in order, and in its range.

// expected-error @+1 {{unknown optimizer 'lbfgs' (expected sgd, momentum, rmsprop, adam or adamw)}}
module attributes {o = #nn.optimizer<lbfgs, lr = 0.1>} {}

// -----

// A missing value is an error, not a default.
// expected-error @+1 {{expected 'weight_decay'}}
module attributes {o = #nn.optimizer<sgd, lr = 0.1>} {}

// -----

// expected-error @+1 {{expected 'beta1'}}
module attributes {o = #nn.optimizer<adam, lr = 0.1, beta2 = 0.9, beta1 = 0.9, eps = 1.0e-8, weight_decay = 0.0>} {}

// -----

// expected-error @+1 {{optimizer adam: beta2 must be unit, got 1.5}}
module attributes {o = #nn.optimizer<adam, lr = 0.1, beta1 = 0.9, beta2 = 1.5, eps = 1.0e-8, weight_decay = 0.0>} {}

// -----

// expected-error @+1 {{optimizer momentum: nesterov must be flag, got 5.000000e-01}}
module attributes {o = #nn.optimizer<momentum, lr = 0.1, momentum = 0.9, nesterov = 0.5, weight_decay = 0.0>} {}

// -----

// expected-error @+1 {{unknown schedule 'linear' (expected constant, step, exponential, cosine or plateau)}}
module attributes {s = #nn.schedule<linear>} {}

// -----

// expected-error @+1 {{schedule step: every must be positive, got 0}}
module attributes {s = #nn.schedule<step, drop = 0.5, every = 0>} {}

// -----

// expected-error @+2 {{expected ::mlir::nn::LossKind to be one of: mse, mae, huber, bce, bce_logits, cross_entropy, perceptron}}
// expected-error @+1 {{failed to parse NN_LossKindAttr parameter 'value'}}
module attributes {l = #nn.loss_kind<hinge>} {}
