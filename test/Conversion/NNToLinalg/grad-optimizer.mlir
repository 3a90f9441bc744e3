// Optimizer updates lowered by nnc-convert-nn-to-linalg: the scalar lr (and
// step) are read once with tensor.extract, the bias corrections computed on
// scalars outside the loop, and each update is ONE generic that reads the
// gradient and writes the parameter and its state in place (the parameter
// and state are the generic's outs, so they are read as %out).
// RUN: nnc-opt %s --nnc-convert-nn-to-linalg -split-input-file | FileCheck %s

// p - lr * (g + wd * p)
// CHECK-LABEL: func.func @sgd(
// CHECK-SAME: %[[P:[a-z0-9]+]]: tensor<4x2xf32>, %[[G:[a-z0-9]+]]: tensor<4x2xf32>, %[[LR:[a-z0-9]+]]: tensor<f32>
// CHECK: %[[L:.*]] = tensor.extract %[[LR]][] : tensor<f32>
// CHECK: %[[R:.*]] = linalg.generic {{.*}} ins(%[[G]] : tensor<4x2xf32>) outs(%[[P]] : tensor<4x2xf32>)
// CHECK-NEXT: ^bb0(%[[GI:.*]]: f32, %[[PI:.*]]: f32):
// CHECK-NEXT: %[[WD:.*]] = arith.constant 1.000000e-01 : f32
// CHECK-NEXT: %[[D:.*]] = arith.mulf %[[WD]], %[[PI]]
// CHECK-NEXT: %[[GD:.*]] = arith.addf %[[GI]], %[[D]]
// CHECK-NEXT: %[[S:.*]] = arith.mulf %[[L]], %[[GD]]
// CHECK-NEXT: %[[NP:.*]] = arith.subf %[[PI]], %[[S]]
// CHECK-NEXT: linalg.yield %[[NP]]
// CHECK: return %[[R]]
func.func @sgd(%p: tensor<4x2xf32>, %g: tensor<4x2xf32>, %lr: tensor<f32>) -> tensor<4x2xf32> {
  %0 = nn.sgd_update %p, %g, %lr {weight_decay = 0.1 : f32} : tensor<4x2xf32>
  return %0 : tensor<4x2xf32>
}

// -----

// Adam: bias corrections 1 - beta^step with math.powf on the step, in f64
// (as PyTorch computes them on Python floats), each per-step scalar rounded
// to f32 once; then one generic with three results (param, exp_avg,
// exp_avg_sq). 1 - beta is computed in double from the written beta: 0.1
// and 1e-3 exactly rounded, not 1 - 0.9f = 0.100000024 and
// 1 - 0.999f = 9.99987125E-4.
// CHECK-LABEL: func.func @adam(
// CHECK-SAME: %[[P:[a-z0-9]+]]: tensor<4x2xf32>, %[[G:[a-z0-9]+]]: tensor<4x2xf32>, %[[M:[a-z0-9]+]]: tensor<4x2xf32>, %[[V:[a-z0-9]+]]: tensor<4x2xf32>, %[[LR:[a-z0-9]+]]: tensor<f32>, %[[STEP:[a-z0-9]+]]: tensor<i64>
// CHECK: %[[L:.*]] = tensor.extract %[[LR]][] : tensor<f32>
// CHECK: %[[L64:.*]] = arith.extf %[[L]] : f32 to f64
// CHECK: %[[T:.*]] = tensor.extract %[[STEP]][] : tensor<i64>
// CHECK: %[[TF:.*]] = arith.sitofp %[[T]] : i64 to f64
// CHECK: %[[B1:.*]] = arith.constant 9.000000e-01 : f64
// CHECK: %[[B1T:.*]] = math.powf %[[B1]], %[[TF]] : f64
// CHECK: %[[C1:.*]] = arith.subf %{{.*}}, %[[B1T]] : f64
// CHECK: %[[B2:.*]] = arith.constant 0.99899999999999999 : f64
// CHECK: %[[B2T:.*]] = math.powf %[[B2]], %[[TF]] : f64
// CHECK: %[[C2:.*]] = arith.subf %{{.*}}, %[[B2T]] : f64
// CHECK: %[[SS64:.*]] = arith.divf %[[L64]], %[[C1]] : f64
// CHECK: %[[STEPSIZE:.*]] = arith.truncf %[[SS64]] : f64 to f32
// CHECK: %[[SQC64:.*]] = math.sqrt %[[C2]] : f64
// CHECK: %[[SQC2:.*]] = arith.truncf %[[SQC64]] : f64 to f32
// CHECK: %[[R:.*]]:3 = linalg.generic {{.*}} ins(%[[G]] : tensor<4x2xf32>) outs(%[[P]], %[[M]], %[[V]] : tensor<4x2xf32>, tensor<4x2xf32>, tensor<4x2xf32>)
// CHECK-NEXT: ^bb0(%[[GI:.*]]: f32, %[[PI:.*]]: f32, %[[MI:.*]]: f32, %[[VI:.*]]: f32):
// CHECK: %[[OMB1:.*]] = arith.constant 1.000000e-01 : f32
// CHECK-NEXT: %{{.*}} = arith.mulf %[[OMB1]], %[[GI]]
// CHECK-NEXT: %[[NM:.*]] = arith.addf
// CHECK: %[[OMB2:.*]] = arith.constant 1.000000e-03 : f32
// CHECK-NEXT: %[[G2:.*]] = arith.mulf %[[GI]], %[[GI]]
// CHECK-NEXT: %{{.*}} = arith.mulf %[[OMB2]], %[[G2]]
// CHECK-NEXT: %[[NV:.*]] = arith.addf
// CHECK-NEXT: %[[SV:.*]] = math.sqrt %[[NV]]
// CHECK-NEXT: %[[DEN:.*]] = arith.divf %[[SV]], %[[SQC2]]
// CHECK-NEXT: %[[EPS:.*]] = arith.constant 9.99999993E-9 : f32
// CHECK-NEXT: %[[DE:.*]] = arith.addf %[[DEN]], %[[EPS]]
// CHECK-NEXT: %[[U:.*]] = arith.divf %[[NM]], %[[DE]]
// CHECK-NEXT: %[[SU:.*]] = arith.mulf %[[STEPSIZE]], %[[U]]
// CHECK-NEXT: %[[NP:.*]] = arith.subf %[[PI]], %[[SU]]
// CHECK-NEXT: linalg.yield %[[NP]], %[[NM]], %[[NV]] : f32, f32, f32
// CHECK: return %[[R]]#0, %[[R]]#1, %[[R]]#2
func.func @adam(%p: tensor<4x2xf32>, %g: tensor<4x2xf32>, %m: tensor<4x2xf32>, %v: tensor<4x2xf32>, %lr: tensor<f32>, %step: tensor<i64>) -> (tensor<4x2xf32>, tensor<4x2xf32>, tensor<4x2xf32>) {
  %0:3 = nn.adam_update %p, %g, %m, %v, %lr, %step : tensor<4x2xf32>
  return %0#0, %0#1, %0#2 : tensor<4x2xf32>, tensor<4x2xf32>, tensor<4x2xf32>
}

// -----

// RMSprop: 1 - alpha computed in double from the written 0.99 and rounded
// once (0.00999999977, the f32 nearest 0.01; 1 - 0.99f would give
// 0.00999999046).
// CHECK-LABEL: func.func @rmsprop(
// CHECK-SAME: %[[P:[a-z0-9]+]]: tensor<4x2xf32>, %[[G:[a-z0-9]+]]: tensor<4x2xf32>, %[[S:[a-z0-9]+]]: tensor<4x2xf32>, %[[LR:[a-z0-9]+]]: tensor<f32>
// CHECK: %[[L:.*]] = tensor.extract %[[LR]][] : tensor<f32>
// CHECK: %[[R:.*]]:2 = linalg.generic {{.*}} ins(%[[G]] : tensor<4x2xf32>) outs(%[[P]], %[[S]] : tensor<4x2xf32>, tensor<4x2xf32>)
// CHECK-NEXT: ^bb0(%[[GI:.*]]: f32, %[[PI:.*]]: f32, %[[SI:.*]]: f32):
// CHECK-NEXT: %[[A:.*]] = arith.constant 9.900000e-01 : f32
// CHECK-NEXT: %[[AS:.*]] = arith.mulf %[[A]], %[[SI]]
// CHECK-NEXT: %[[OMA:.*]] = arith.constant 0.00999999977 : f32
// CHECK-NEXT: %[[G2:.*]] = arith.mulf %[[GI]], %[[GI]]
// CHECK-NEXT: %[[AG:.*]] = arith.mulf %[[OMA]], %[[G2]]
// CHECK-NEXT: %[[NS:.*]] = arith.addf %[[AS]], %[[AG]]
// CHECK-NEXT: %[[RT:.*]] = math.sqrt %[[NS]]
// CHECK-NEXT: %[[EPS:.*]] = arith.constant 9.99999993E-9 : f32
// CHECK-NEXT: %[[DEN:.*]] = arith.addf %[[RT]], %[[EPS]]
// CHECK-NEXT: %[[LG:.*]] = arith.mulf %[[L]], %[[GI]]
// CHECK-NEXT: %[[U:.*]] = arith.divf %[[LG]], %[[DEN]]
// CHECK-NEXT: %[[NP:.*]] = arith.subf %[[PI]], %[[U]]
// CHECK-NEXT: linalg.yield %[[NP]], %[[NS]] : f32, f32
// CHECK: return %[[R]]#0, %[[R]]#1
func.func @rmsprop(%p: tensor<4x2xf32>, %g: tensor<4x2xf32>, %s: tensor<4x2xf32>, %lr: tensor<f32>) -> (tensor<4x2xf32>, tensor<4x2xf32>) {
  %0:2 = nn.rmsprop_update %p, %g, %s, %lr {alpha = 0.99 : f32, eps = 1.0e-8 : f32} : tensor<4x2xf32>
  return %0#0, %0#1 : tensor<4x2xf32>, tensor<4x2xf32>
}

// -----

// AdamW (decoupled): the parameter first shrinks by 1 - lr * wd, computed
// once in f64 and rounded to f32; the gradient is not decayed.
// CHECK-LABEL: func.func @adamw(
// CHECK: %[[L:.*]] = tensor.extract %{{.*}}[] : tensor<f32>
// CHECK: %[[L64:.*]] = arith.extf %[[L]] : f32 to f64
// CHECK: math.sqrt
// CHECK: %[[ONE:.*]] = arith.constant 1.000000e+00 : f64
// CHECK-NEXT: %[[WD:.*]] = arith.constant 1.000000e-02 : f64
// CHECK-NEXT: %[[LWD:.*]] = arith.mulf %[[L64]], %[[WD]] : f64
// CHECK-NEXT: %[[SH64:.*]] = arith.subf %[[ONE]], %[[LWD]] : f64
// CHECK-NEXT: %[[SHRINK:.*]] = arith.truncf %[[SH64]] : f64 to f32
// CHECK: linalg.generic
// CHECK-NEXT: ^bb0(%[[GI:.*]]: f32, %[[PI:.*]]: f32, %{{.*}}: f32, %{{.*}}: f32):
// CHECK-NEXT: %[[PS:.*]] = arith.mulf %[[PI]], %[[SHRINK]] : f32
// CHECK-NOT: arith.constant 1.000000e-02
// CHECK: %[[NP:.*]] = arith.subf %[[PS]], %{{.*}} : f32
// CHECK-NEXT: linalg.yield %[[NP]]
func.func @adamw(%p: tensor<4x2xf32>, %g: tensor<4x2xf32>, %m: tensor<4x2xf32>, %v: tensor<4x2xf32>, %lr: tensor<f32>, %step: tensor<i64>) -> (tensor<4x2xf32>, tensor<4x2xf32>, tensor<4x2xf32>) {
  %0:3 = nn.adam_update %p, %g, %m, %v, %lr, %step {decoupled = true, weight_decay = 0.01 : f32} : tensor<4x2xf32>
  return %0#0, %0#1, %0#2 : tensor<4x2xf32>, tensor<4x2xf32>, tensor<4x2xf32>
}

// -----

// gelu_backward (dy, x): dy * (Phi(x) + x * phi(x)) in one generic.
// CHECK-LABEL: func.func @gelu_backward(
// CHECK-SAME: %[[DY:[a-z0-9]+]]: tensor<?x3xf32>, %[[X:[a-z0-9]+]]: tensor<?x3xf32>
// CHECK: %[[N:.*]] = tensor.dim %[[DY]], %{{.*}} : tensor<?x3xf32>
// CHECK: %[[R:.*]] = linalg.generic {{.*}} ins(%[[DY]], %[[X]] : tensor<?x3xf32>, tensor<?x3xf32>)
// CHECK-NEXT: ^bb0(%[[D:.*]]: f32, %[[XI:.*]]: f32, %{{.*}}: f32):
// CHECK: math.erf
// CHECK: %[[X2:.*]] = arith.mulf %[[XI]], %[[XI]]
// CHECK: math.exp
// CHECK: %[[DG:.*]] = arith.addf
// CHECK-NEXT: %[[OUT:.*]] = arith.mulf %[[D]], %[[DG]]
// CHECK-NEXT: linalg.yield %[[OUT]]
// CHECK: return %[[R]]
func.func @gelu_backward(%dy: tensor<?x3xf32>, %x: tensor<?x3xf32>) -> tensor<?x3xf32> {
  %0 = nn.gelu_backward %dy, %x : tensor<?x3xf32>
  return %0 : tensor<?x3xf32>
}

// -----

// Momentum with Nesterov and weight decay (torch.optim.SGD, dampening 0):
// d = g + wd p; buf = step <= 1 ? d : mu buf + d (the first step is decided
// once, outside the generic); p -= lr (d + mu buf). One generic updates the
// parameter and the buffer in place.
// CHECK-LABEL: func.func @momentum_nesterov(
// CHECK-SAME: %[[P:[a-z0-9]+]]: tensor<4x2xf32>, %[[G:[a-z0-9]+]]: tensor<4x2xf32>, %[[B:[a-z0-9]+]]: tensor<4x2xf32>, %[[LR:[a-z0-9]+]]: tensor<f32>, %[[STEP:[a-z0-9]+]]: tensor<i64>
// CHECK: %[[L:.*]] = tensor.extract %[[LR]][] : tensor<f32>
// CHECK-NEXT: %[[T:.*]] = tensor.extract %[[STEP]][] : tensor<i64>
// CHECK-NEXT: %[[ONE:.*]] = arith.constant 1 : i64
// CHECK-NEXT: %[[FIRST:.*]] = arith.cmpi sle, %[[T]], %[[ONE]] : i64
// CHECK-NEXT: %[[R:.*]]:2 = linalg.generic {{.*}} ins(%[[G]] : tensor<4x2xf32>) outs(%[[P]], %[[B]] : tensor<4x2xf32>, tensor<4x2xf32>)
// CHECK-NEXT: ^bb0(%[[GI:.*]]: f32, %[[PI:.*]]: f32, %[[BI:.*]]: f32):
// CHECK-NEXT: %[[WD:.*]] = arith.constant 0.00999999977 : f32
// CHECK-NEXT: %[[WP:.*]] = arith.mulf %[[WD]], %[[PI]]
// CHECK-NEXT: %[[D:.*]] = arith.addf %[[GI]], %[[WP]]
// CHECK-NEXT: %[[MU:.*]] = arith.constant 0.899999976 : f32
// CHECK-NEXT: %[[MB:.*]] = arith.mulf %[[MU]], %[[BI]]
// CHECK-NEXT: %[[LATER:.*]] = arith.addf %[[MB]], %[[D]]
// CHECK-NEXT: %[[BUF:.*]] = arith.select %[[FIRST]], %[[D]], %[[LATER]] : f32
// CHECK-NEXT: %[[MU2:.*]] = arith.constant 0.899999976 : f32
// CHECK-NEXT: %[[MBUF:.*]] = arith.mulf %[[MU2]], %[[BUF]]
// CHECK-NEXT: %[[DIR:.*]] = arith.addf %[[D]], %[[MBUF]]
// CHECK-NEXT: %[[U:.*]] = arith.mulf %[[L]], %[[DIR]]
// CHECK-NEXT: %[[NP:.*]] = arith.subf %[[PI]], %[[U]]
// CHECK-NEXT: linalg.yield %[[NP]], %[[BUF]] : f32, f32
// CHECK: return %[[R]]#0, %[[R]]#1
func.func @momentum_nesterov(%p: tensor<4x2xf32>, %g: tensor<4x2xf32>, %b: tensor<4x2xf32>, %lr: tensor<f32>, %step: tensor<i64>) -> (tensor<4x2xf32>, tensor<4x2xf32>) {
  %0:2 = nn.momentum_update %p, %g, %b, %lr, %step {momentum = 0.9 : f32, weight_decay = 0.01 : f32, nesterov = true} : tensor<4x2xf32>
  return %0#0, %0#1 : tensor<4x2xf32>, tensor<4x2xf32>
}

// -----

// Plain momentum, no weight decay: the step direction is the buffer itself.
// CHECK-LABEL: func.func @momentum(
// CHECK: %[[L:.*]] = tensor.extract %{{.*}}[] : tensor<f32>
// CHECK: %[[FIRST:.*]] = arith.cmpi sle
// CHECK: linalg.generic
// CHECK-NEXT: ^bb0(%[[GI:.*]]: f32, %[[PI:.*]]: f32, %[[BI:.*]]: f32):
// CHECK-NEXT: %[[MU:.*]] = arith.constant 0.899999976 : f32
// CHECK-NEXT: %[[MB:.*]] = arith.mulf %[[MU]], %[[BI]]
// CHECK-NEXT: %[[LATER:.*]] = arith.addf %[[MB]], %[[GI]]
// CHECK-NEXT: %[[BUF:.*]] = arith.select %[[FIRST]], %[[GI]], %[[LATER]] : f32
// CHECK-NEXT: %[[U:.*]] = arith.mulf %[[L]], %[[BUF]]
// CHECK-NEXT: %[[NP:.*]] = arith.subf %[[PI]], %[[U]]
// CHECK-NEXT: linalg.yield %[[NP]], %[[BUF]] : f32, f32
func.func @momentum(%p: tensor<4x2xf32>, %g: tensor<4x2xf32>, %b: tensor<4x2xf32>, %lr: tensor<f32>, %step: tensor<i64>) -> (tensor<4x2xf32>, tensor<4x2xf32>) {
  %0:2 = nn.momentum_update %p, %g, %b, %lr, %step {momentum = 0.9 : f32} : tensor<4x2xf32>
  return %0#0, %0#1 : tensor<4x2xf32>, tensor<4x2xf32>
}

// -----

// clip_coef: min(max_norm / (sqrt(sumsq) + 1e-6), 1) on scalars, returned
// as a rank-0 tensor (torch.nn.utils.clip_grad_norm_).
// CHECK-LABEL: func.func @clip_coef(
// CHECK-SAME: %[[S:[a-z0-9]+]]: tensor<f32>
// CHECK-NEXT: %[[SS:.*]] = tensor.extract %[[S]][] : tensor<f32>
// CHECK-NEXT: %[[NORM:.*]] = math.sqrt %[[SS]] : f32
// CHECK-NEXT: %[[MAX:.*]] = arith.constant 2.500000e+00 : f32
// CHECK-NEXT: %[[EPS:.*]] = arith.constant 9.99999997E-7 : f32
// CHECK-NEXT: %[[DEN:.*]] = arith.addf %[[NORM]], %[[EPS]] : f32
// CHECK-NEXT: %[[COEF:.*]] = arith.divf %[[MAX]], %[[DEN]] : f32
// CHECK-NEXT: %[[ONE:.*]] = arith.constant 1.000000e+00 : f32
// CHECK-NEXT: %[[C:.*]] = arith.minimumf %[[COEF]], %[[ONE]] : f32
// CHECK-NEXT: %[[R:.*]] = tensor.from_elements %[[C]] : tensor<f32>
// CHECK-NEXT: return %[[R]]
func.func @clip_coef(%s: tensor<f32>) -> tensor<f32> {
  %0 = nn.clip_coef %s {max_norm = 2.5 : f32} : tensor<f32>
  return %0 : tensor<f32>
}
