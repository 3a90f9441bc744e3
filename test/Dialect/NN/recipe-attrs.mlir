// The typed recipe attributes (dialects/NN/NNRecipe.td) print and parse back:
// an optimizer or schedule lists every value of its kind's schema in order
// (integer fields as integers), clip_norm only when set; the loss kind and
// metrics are enums.
// RUN: nnc-opt %s | FileCheck %s
// RUN: nnc-opt %s | nnc-opt | FileCheck %s
// RUN: nnc-opt %S/Inputs/recipe-attrs-errors.mlir -split-input-file -verify-diagnostics

// CHECK-LABEL: module attributes
// CHECK-SAME: nn.recipe = {
// CHECK-SAME: loss = #nn.loss_kind<bce_logits>,
// CHECK-SAME: metrics = #nn.metrics<[precision, f1]>,
// CHECK-SAME: optimizer = #nn.optimizer<adamw, lr = 3.000000e-03, beta1 = 9.000000e-01, beta2 = 0.99899999999999999, eps = 1.000000e-08, weight_decay = 1.000000e-02>,
// CHECK-SAME: schedule = #nn.schedule<cosine, T_max = 50, min_lr = 1.000000e-05>}
// CHECK-SAME: test.other = [#nn.optimizer<sgd, lr = 1.000000e-01, weight_decay = 0.000000e+00, clip_norm = 1.000000e+00>,
// CHECK-SAME: #nn.optimizer<momentum, lr = 1.000000e-02, momentum = 9.000000e-01, nesterov = 1.000000e+00, weight_decay = 0.000000e+00>,
// CHECK-SAME: #nn.optimizer<rmsprop, lr = 1.000000e-02, alpha = 0.98999999999999999, eps = 1.000000e-08, weight_decay = 0.000000e+00>,
// CHECK-SAME: #nn.schedule<constant>, #nn.schedule<step, drop = 1.000000e-01, every = 30>,
// CHECK-SAME: #nn.schedule<exponential, rate = 0.94999999999999996>, #nn.schedule<plateau, patience = 10, factor = 1.000000e-01>]
module attributes {
  nn.recipe = {
    loss = #nn.loss_kind<bce_logits>,
    metrics = #nn.metrics<[precision, f1]>,
    optimizer = #nn.optimizer<adamw, lr = 0.003, beta1 = 0.9, beta2 = 0.999, eps = 1.0e-8, weight_decay = 0.01>,
    schedule = #nn.schedule<cosine, T_max = 50, min_lr = 1.0e-5>},
  test.other = [#nn.optimizer<sgd, lr = 0.1, weight_decay = 0.0, clip_norm = 1.0>,
           #nn.optimizer<momentum, lr = 0.01, momentum = 0.9, nesterov = 1.0, weight_decay = 0.0>,
           #nn.optimizer<rmsprop, lr = 0.01, alpha = 0.99, eps = 1.0e-8, weight_decay = 0.0>,
           #nn.schedule<constant>, #nn.schedule<step, drop = 0.1, every = 30>,
           #nn.schedule<exponential, rate = 0.95>, #nn.schedule<plateau, patience = 10, factor = 0.1>]
} {
}
