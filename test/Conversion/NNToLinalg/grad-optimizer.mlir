// Optimizer updates lowered by nnc-convert-nn-to-linalg: the hyperparameters
// are run-time f64 scalars (the model instance holds them), read once with
// tensor.extract; every factor derived from them (1 - beta, the bias
// corrections, 1 - lr * wd) is computed in f64 outside the loop and rounded
// to f32 once, as PyTorch computes them on Python floats. Each update is ONE
// generic that reads the gradient and writes the parameter and its state in
// place (the parameter and state are the generic's outs, read as %out).
// The per-element adds, subs and muls allow contraction (LLVM fuses them
// into FMAs); the f64 scalars outside the generic do not.
// RUN: nnc-opt %s --nnc-convert-nn-to-linalg -split-input-file | FileCheck %s

// p - lr * (g + wd * p), lr and wd rounded to f32 outside the generic.
// CHECK-LABEL: func.func @sgd(
// CHECK-SAME: %[[P:[a-z0-9]+]]: tensor<4x2xf32>, %[[G:[a-z0-9]+]]: tensor<4x2xf32>, %[[LR:[a-z0-9]+]]: tensor<f64>, %[[WD:[a-z0-9]+]]: tensor<f64>
// CHECK: %[[L64:.*]] = tensor.extract %[[LR]][] : tensor<f64>
// CHECK-NEXT: %[[L:.*]] = arith.truncf %[[L64]] : f64 to f32
// CHECK-NEXT: %[[WD64:.*]] = tensor.extract %[[WD]][] : tensor<f64>
// CHECK-NEXT: %[[W:.*]] = arith.truncf %[[WD64]] : f64 to f32
// CHECK-NEXT: %[[R:.*]] = linalg.generic {{.*}} ins(%[[G]] : tensor<4x2xf32>) outs(%[[P]] : tensor<4x2xf32>)
// CHECK-NEXT: ^bb0(%[[GI:.*]]: f32, %[[PI:.*]]: f32):
// CHECK-NEXT: %[[D:.*]] = arith.mulf %[[W]], %[[PI]] fastmath<contract> : f32
// CHECK-NEXT: %[[GD:.*]] = arith.addf %[[GI]], %[[D]] fastmath<contract> : f32
// CHECK-NEXT: %[[S:.*]] = arith.mulf %[[L]], %[[GD]] fastmath<contract> : f32
// CHECK-NEXT: %[[NP:.*]] = arith.subf %[[PI]], %[[S]] fastmath<contract> : f32
// CHECK-NEXT: linalg.yield %[[NP]]
// CHECK: return %[[R]]
func.func @sgd(%p: tensor<4x2xf32>, %g: tensor<4x2xf32>, %lr: tensor<f64>, %wd: tensor<f64>) -> tensor<4x2xf32> {
  %0 = nn.sgd_update %p, %g, %lr, %wd : tensor<4x2xf32>
  return %0 : tensor<4x2xf32>
}

// -----

// Adam: 1 - beta1 and 1 - beta2 in f64 from the run-time betas, rounded to
// f32 once (0.1 and 1e-3 exactly rounded, not 1 - 0.9f); bias corrections
// 1 - beta^step with math.powf on the step in f64; step_size =
// lr * sqrt(bc2) / bc1 and eps * sqrt(bc2) in f64 from the f64 learning rate
// and eps (PyTorch's m / (sqrt(v) / sqrt(bc2) + eps) with one division per
// element, marked arcp nnan ninf contract so that LLVM may refine a
// reciprocal estimate instead of dividing); then one generic with three
// results (param, exp_avg, exp_avg_sq). L2 weight decay: d = g + wd * p.
// CHECK-LABEL: func.func @adam(
// CHECK-SAME: %[[P:[a-z0-9]+]]: tensor<4x2xf32>, %[[G:[a-z0-9]+]]: tensor<4x2xf32>, %[[M:[a-z0-9]+]]: tensor<4x2xf32>, %[[V:[a-z0-9]+]]: tensor<4x2xf32>, %[[LR:[a-z0-9]+]]: tensor<f64>, %[[STEP:[a-z0-9]+]]: tensor<i64>, %[[B1:[a-z0-9]+]]: tensor<f64>, %[[B2:[a-z0-9]+]]: tensor<f64>, %[[EPS:[a-z0-9]+]]: tensor<f64>, %[[WD:[a-z0-9]+]]: tensor<f64>
// CHECK: %[[L64:.*]] = tensor.extract %[[LR]][] : tensor<f64>
// CHECK-NEXT: %[[B164:.*]] = tensor.extract %[[B1]][] : tensor<f64>
// CHECK-NEXT: %[[B264:.*]] = tensor.extract %[[B2]][] : tensor<f64>
// CHECK-NEXT: %[[WD64:.*]] = tensor.extract %[[WD]][] : tensor<f64>
// CHECK-NEXT: %[[B1F:.*]] = arith.truncf %[[B164]] : f64 to f32
// CHECK-NEXT: %[[B2F:.*]] = arith.truncf %[[B264]] : f64 to f32
// CHECK-NEXT: %[[ONE:.*]] = arith.constant 1.000000e+00 : f64
// CHECK-NEXT: %[[OMB164:.*]] = arith.subf %[[ONE]], %[[B164]] : f64
// CHECK-NEXT: %[[OMB1:.*]] = arith.truncf %[[OMB164]] : f64 to f32
// CHECK: %[[OMB264:.*]] = arith.subf %{{.*}}, %[[B264]] : f64
// CHECK-NEXT: %[[OMB2:.*]] = arith.truncf %[[OMB264]] : f64 to f32
// CHECK-NEXT: %[[E64:.*]] = tensor.extract %[[EPS]][] : tensor<f64>
// CHECK-NEXT: %[[W:.*]] = arith.truncf %[[WD64]] : f64 to f32
// CHECK-NEXT: %[[T:.*]] = tensor.extract %[[STEP]][] : tensor<i64>
// CHECK-NEXT: %[[TF:.*]] = arith.sitofp %[[T]] : i64 to f64
// CHECK: %[[B1T:.*]] = math.powf %[[B164]], %[[TF]] : f64
// CHECK-NEXT: %[[C1:.*]] = arith.subf %{{.*}}, %[[B1T]] : f64
// CHECK: %[[B2T:.*]] = math.powf %[[B264]], %[[TF]] : f64
// CHECK-NEXT: %[[C2:.*]] = arith.subf %{{.*}}, %[[B2T]] : f64
// CHECK-NEXT: %[[SQC2:.*]] = math.sqrt %[[C2]] : f64
// CHECK-NEXT: %[[LSQ:.*]] = arith.mulf %[[L64]], %[[SQC2]] : f64
// CHECK-NEXT: %[[SS64:.*]] = arith.divf %[[LSQ]], %[[C1]] : f64
// CHECK-NEXT: %[[STEPSIZE:.*]] = arith.truncf %[[SS64]] : f64 to f32
// CHECK-NEXT: %[[ESQ:.*]] = arith.mulf %[[E64]], %[[SQC2]] : f64
// CHECK-NEXT: %[[E:.*]] = arith.truncf %[[ESQ]] : f64 to f32
// CHECK: %[[R:.*]]:3 = linalg.generic {{.*}} ins(%[[G]] : tensor<4x2xf32>) outs(%[[P]], %[[M]], %[[V]] : tensor<4x2xf32>, tensor<4x2xf32>, tensor<4x2xf32>)
// CHECK-NEXT: ^bb0(%[[GI:.*]]: f32, %[[PI:.*]]: f32, %[[MI:.*]]: f32, %[[VI:.*]]: f32):
// CHECK-NEXT: %[[WP:.*]] = arith.mulf %[[W]], %[[PI]]
// CHECK-NEXT: %[[D:.*]] = arith.addf %[[GI]], %[[WP]]
// CHECK-NEXT: %[[BM:.*]] = arith.mulf %[[B1F]], %[[MI]]
// CHECK-NEXT: %[[OD:.*]] = arith.mulf %[[OMB1]], %[[D]]
// CHECK-NEXT: %[[NM:.*]] = arith.addf %[[BM]], %[[OD]]
// CHECK-NEXT: %[[BV:.*]] = arith.mulf %[[B2F]], %[[VI]]
// CHECK-NEXT: %[[D2:.*]] = arith.mulf %[[D]], %[[D]]
// CHECK-NEXT: %[[OD2:.*]] = arith.mulf %[[OMB2]], %[[D2]]
// CHECK-NEXT: %[[NV:.*]] = arith.addf %[[BV]], %[[OD2]]
// CHECK-NEXT: %[[SV:.*]] = math.sqrt %[[NV]]
// CHECK-NEXT: %[[DE:.*]] = arith.addf %[[SV]], %[[E]]
// CHECK-NEXT: %[[U:.*]] = arith.divf %[[NM]], %[[DE]] fastmath<nnan,ninf,arcp,contract> : f32
// CHECK-NEXT: %[[SU:.*]] = arith.mulf %[[STEPSIZE]], %[[U]]
// CHECK-NEXT: %[[NP:.*]] = arith.subf %[[PI]], %[[SU]]
// CHECK-NEXT: linalg.yield %[[NP]], %[[NM]], %[[NV]] : f32, f32, f32
// CHECK: return %[[R]]#0, %[[R]]#1, %[[R]]#2
func.func @adam(%p: tensor<4x2xf32>, %g: tensor<4x2xf32>, %m: tensor<4x2xf32>, %v: tensor<4x2xf32>, %lr: tensor<f64>, %step: tensor<i64>, %b1: tensor<f64>, %b2: tensor<f64>, %eps: tensor<f64>, %wd: tensor<f64>) -> (tensor<4x2xf32>, tensor<4x2xf32>, tensor<4x2xf32>) {
  %0:3 = nn.adam_update %p, %g, %m, %v, %lr, %step, %b1, %b2, %eps, %wd : tensor<4x2xf32>
  return %0#0, %0#1, %0#2 : tensor<4x2xf32>, tensor<4x2xf32>, tensor<4x2xf32>
}

// -----

// RMSprop: 1 - alpha computed in f64 from the run-time alpha and rounded
// once.
// CHECK-LABEL: func.func @rmsprop(
// CHECK-SAME: %[[P:[a-z0-9]+]]: tensor<4x2xf32>, %[[G:[a-z0-9]+]]: tensor<4x2xf32>, %[[S:[a-z0-9]+]]: tensor<4x2xf32>, %[[LR:[a-z0-9]+]]: tensor<f64>, %[[AL:[a-z0-9]+]]: tensor<f64>, %[[EPS:[a-z0-9]+]]: tensor<f64>, %[[WD:[a-z0-9]+]]: tensor<f64>
// CHECK: %[[L64:.*]] = tensor.extract %[[LR]][] : tensor<f64>
// CHECK-NEXT: %[[L:.*]] = arith.truncf %[[L64]] : f64 to f32
// CHECK-NEXT: %[[A64:.*]] = tensor.extract %[[AL]][] : tensor<f64>
// CHECK-NEXT: %[[A:.*]] = arith.truncf %[[A64]] : f64 to f32
// CHECK-NEXT: %[[ONE:.*]] = arith.constant 1.000000e+00 : f64
// CHECK-NEXT: %[[OMA64:.*]] = arith.subf %[[ONE]], %[[A64]] : f64
// CHECK-NEXT: %[[OMA:.*]] = arith.truncf %[[OMA64]] : f64 to f32
// CHECK-NEXT: %[[E64:.*]] = tensor.extract %[[EPS]][] : tensor<f64>
// CHECK-NEXT: %[[E:.*]] = arith.truncf %[[E64]] : f64 to f32
// CHECK-NEXT: %[[WD64:.*]] = tensor.extract %[[WD]][] : tensor<f64>
// CHECK-NEXT: %[[W:.*]] = arith.truncf %[[WD64]] : f64 to f32
// CHECK-NEXT: %[[R:.*]]:2 = linalg.generic {{.*}} ins(%[[G]] : tensor<4x2xf32>) outs(%[[P]], %[[S]] : tensor<4x2xf32>, tensor<4x2xf32>)
// CHECK-NEXT: ^bb0(%[[GI:.*]]: f32, %[[PI:.*]]: f32, %[[SI:.*]]: f32):
// CHECK-NEXT: %[[WP:.*]] = arith.mulf %[[W]], %[[PI]]
// CHECK-NEXT: %[[D:.*]] = arith.addf %[[GI]], %[[WP]]
// CHECK-NEXT: %[[AS:.*]] = arith.mulf %[[A]], %[[SI]]
// CHECK-NEXT: %[[D2:.*]] = arith.mulf %[[D]], %[[D]]
// CHECK-NEXT: %[[AG:.*]] = arith.mulf %[[OMA]], %[[D2]]
// CHECK-NEXT: %[[NS:.*]] = arith.addf %[[AS]], %[[AG]]
// CHECK-NEXT: %[[RT:.*]] = math.sqrt %[[NS]]
// CHECK-NEXT: %[[DEN:.*]] = arith.addf %[[RT]], %[[E]]
// CHECK-NEXT: %[[LG:.*]] = arith.mulf %[[L]], %[[D]]
// CHECK-NEXT: %[[U:.*]] = arith.divf %[[LG]], %[[DEN]] fastmath<nnan,ninf,arcp,contract> : f32
// CHECK-NEXT: %[[NP:.*]] = arith.subf %[[PI]], %[[U]]
// CHECK-NEXT: linalg.yield %[[NP]], %[[NS]] : f32, f32
// CHECK: return %[[R]]#0, %[[R]]#1
func.func @rmsprop(%p: tensor<4x2xf32>, %g: tensor<4x2xf32>, %s: tensor<4x2xf32>, %lr: tensor<f64>, %alpha: tensor<f64>, %eps: tensor<f64>, %wd: tensor<f64>) -> (tensor<4x2xf32>, tensor<4x2xf32>) {
  %0:2 = nn.rmsprop_update %p, %g, %s, %lr, %alpha, %eps, %wd : tensor<4x2xf32>
  return %0#0, %0#1 : tensor<4x2xf32>, tensor<4x2xf32>
}

// -----

// AdamW (decoupled): the parameter first shrinks by 1 - lr * wd, computed
// once in f64 from the f64 lr and wd and rounded to f32; the gradient is not
// decayed.
// CHECK-LABEL: func.func @adamw(
// CHECK-SAME: %[[LR:[a-z0-9]+]]: tensor<f64>, %{{.*}}: tensor<i64>, %{{.*}}: tensor<f64>, %{{.*}}: tensor<f64>, %{{.*}}: tensor<f64>, %[[WD:[a-z0-9]+]]: tensor<f64>)
// CHECK: %[[L64:.*]] = tensor.extract %[[LR]][] : tensor<f64>
// CHECK: %[[WD64:.*]] = tensor.extract %[[WD]][] : tensor<f64>
// CHECK: math.sqrt
// CHECK: %[[ONE:.*]] = arith.constant 1.000000e+00 : f64
// CHECK-NEXT: %[[LWD:.*]] = arith.mulf %[[L64]], %[[WD64]] : f64
// CHECK-NEXT: %[[SH64:.*]] = arith.subf %[[ONE]], %[[LWD]] : f64
// CHECK-NEXT: %[[SHRINK:.*]] = arith.truncf %[[SH64]] : f64 to f32
// CHECK: linalg.generic
// CHECK-NEXT: ^bb0(%[[GI:.*]]: f32, %[[PI:.*]]: f32, %[[MI:.*]]: f32, %{{.*}}: f32):
// CHECK-NEXT: %[[PS:.*]] = arith.mulf %[[PI]], %[[SHRINK]] fastmath<contract> : f32
// CHECK-NEXT: %[[BM:.*]] = arith.mulf %{{.*}}, %[[MI]] fastmath<contract> : f32
// CHECK-NEXT: %{{.*}} = arith.mulf %{{.*}}, %[[GI]] fastmath<contract> : f32
// CHECK: %[[NP:.*]] = arith.subf %[[PS]], %{{.*}} fastmath<contract> : f32
// CHECK-NEXT: linalg.yield %[[NP]]
func.func @adamw(%p: tensor<4x2xf32>, %g: tensor<4x2xf32>, %m: tensor<4x2xf32>, %v: tensor<4x2xf32>, %lr: tensor<f64>, %step: tensor<i64>, %b1: tensor<f64>, %b2: tensor<f64>, %eps: tensor<f64>, %wd: tensor<f64>) -> (tensor<4x2xf32>, tensor<4x2xf32>, tensor<4x2xf32>) {
  %0:3 = nn.adam_update %p, %g, %m, %v, %lr, %step, %b1, %b2, %eps, %wd {decoupled = true} : tensor<4x2xf32>
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

// gelu_with_slope (x): one generic, two results over one erf: gelu(x) =
// 0.5 x (1 + erf) and its slope (1 + erf) / 2 + x phi(x).
// CHECK-LABEL: func.func @gelu_with_slope(
// CHECK-SAME: %[[X:[a-z0-9]+]]: tensor<?x3xf32>
// CHECK: %[[R:.*]]:2 = linalg.generic {{.*}} ins(%[[X]] : tensor<?x3xf32>) outs(%{{.*}}, %{{.*}} : tensor<?x3xf32>, tensor<?x3xf32>)
// CHECK-NEXT: ^bb0(%[[XI:.*]]: f32, %{{.*}}: f32, %{{.*}}: f32):
// CHECK: %[[ERF:.*]] = math.erf
// CHECK-NOT: math.erf
// CHECK: math.exp
// CHECK: linalg.yield %{{.*}}, %{{.*}} : f32, f32
// CHECK: return %[[R]]#0, %[[R]]#1
func.func @gelu_with_slope(%x: tensor<?x3xf32>) -> (tensor<?x3xf32>, tensor<?x3xf32>) {
  %y, %s = nn.gelu_with_slope %x : tensor<?x3xf32>
  return %y, %s : tensor<?x3xf32>, tensor<?x3xf32>
}

// -----

// Momentum (torch.optim.SGD, dampening 0): d = g + wd p; buf = step <= 1 ?
// d : mu buf + d (the first step is decided once, outside the generic);
// the direction is d + mu buf when the run-time nesterov flag is not 0
// (also decided outside), else buf; p -= lr * direction. One generic
// updates the parameter and the buffer in place.
// CHECK-LABEL: func.func @momentum(
// CHECK-SAME: %[[P:[a-z0-9]+]]: tensor<4x2xf32>, %[[G:[a-z0-9]+]]: tensor<4x2xf32>, %[[B:[a-z0-9]+]]: tensor<4x2xf32>, %[[LR:[a-z0-9]+]]: tensor<f64>, %[[STEP:[a-z0-9]+]]: tensor<i64>, %[[MU:[a-z0-9]+]]: tensor<f64>, %[[WD:[a-z0-9]+]]: tensor<f64>, %[[NEST:[a-z0-9]+]]: tensor<f64>
// CHECK: %[[L64:.*]] = tensor.extract %[[LR]][] : tensor<f64>
// CHECK-NEXT: %[[L:.*]] = arith.truncf %[[L64]] : f64 to f32
// CHECK-NEXT: %[[T:.*]] = tensor.extract %[[STEP]][] : tensor<i64>
// CHECK-NEXT: %[[ONE:.*]] = arith.constant 1 : i64
// CHECK-NEXT: %[[FIRST:.*]] = arith.cmpi sle, %[[T]], %[[ONE]] : i64
// CHECK-NEXT: %[[MU64:.*]] = tensor.extract %[[MU]][] : tensor<f64>
// CHECK-NEXT: %[[M:.*]] = arith.truncf %[[MU64]] : f64 to f32
// CHECK-NEXT: %[[WD64:.*]] = tensor.extract %[[WD]][] : tensor<f64>
// CHECK-NEXT: %[[W:.*]] = arith.truncf %[[WD64]] : f64 to f32
// CHECK-NEXT: %[[N64:.*]] = tensor.extract %[[NEST]][] : tensor<f64>
// CHECK-NEXT: %[[ZERO:.*]] = arith.constant 0.000000e+00 : f64
// CHECK-NEXT: %[[ISN:.*]] = arith.cmpf une, %[[N64]], %[[ZERO]] : f64
// CHECK-NEXT: %[[R:.*]]:2 = linalg.generic {{.*}} ins(%[[G]] : tensor<4x2xf32>) outs(%[[P]], %[[B]] : tensor<4x2xf32>, tensor<4x2xf32>)
// CHECK-NEXT: ^bb0(%[[GI:.*]]: f32, %[[PI:.*]]: f32, %[[BI:.*]]: f32):
// CHECK-NEXT: %[[WP:.*]] = arith.mulf %[[W]], %[[PI]]
// CHECK-NEXT: %[[D:.*]] = arith.addf %[[GI]], %[[WP]]
// CHECK-NEXT: %[[MB:.*]] = arith.mulf %[[M]], %[[BI]]
// CHECK-NEXT: %[[LATER:.*]] = arith.addf %[[MB]], %[[D]]
// CHECK-NEXT: %[[BUF:.*]] = arith.select %[[FIRST]], %[[D]], %[[LATER]] : f32
// CHECK-NEXT: %[[MBUF:.*]] = arith.mulf %[[M]], %[[BUF]]
// CHECK-NEXT: %[[NDIR:.*]] = arith.addf %[[D]], %[[MBUF]]
// CHECK-NEXT: %[[DIR:.*]] = arith.select %[[ISN]], %[[NDIR]], %[[BUF]] : f32
// CHECK-NEXT: %[[U:.*]] = arith.mulf %[[L]], %[[DIR]]
// CHECK-NEXT: %[[NP:.*]] = arith.subf %[[PI]], %[[U]]
// CHECK-NEXT: linalg.yield %[[NP]], %[[BUF]] : f32, f32
// CHECK: return %[[R]]#0, %[[R]]#1
func.func @momentum(%p: tensor<4x2xf32>, %g: tensor<4x2xf32>, %b: tensor<4x2xf32>, %lr: tensor<f64>, %step: tensor<i64>, %mu: tensor<f64>, %wd: tensor<f64>, %nest: tensor<f64>) -> (tensor<4x2xf32>, tensor<4x2xf32>) {
  %0:2 = nn.momentum_update %p, %g, %b, %lr, %step, %mu, %wd, %nest : tensor<4x2xf32>
  return %0#0, %0#1 : tensor<4x2xf32>, tensor<4x2xf32>
}

// -----

// clip_coef: min(max_norm / (sqrt(sumsq) + 1e-6), 1) on scalars, returned
// as a rank-0 tensor (torch.nn.utils.clip_grad_norm_); max_norm is a
// run-time f64 hyperparameter rounded to f32.
// CHECK-LABEL: func.func @clip_coef(
// CHECK-SAME: %[[S:[a-z0-9]+]]: tensor<f32>, %[[MAXN:[a-z0-9]+]]: tensor<f64>
// CHECK-NEXT: %[[SS:.*]] = tensor.extract %[[S]][] : tensor<f32>
// CHECK-NEXT: %[[NORM:.*]] = math.sqrt %[[SS]] : f32
// CHECK-NEXT: %[[MAX64:.*]] = tensor.extract %[[MAXN]][] : tensor<f64>
// CHECK-NEXT: %[[MAX:.*]] = arith.truncf %[[MAX64]] : f64 to f32
// CHECK-NEXT: %[[EPS:.*]] = arith.constant 9.99999997E-7 : f32
// CHECK-NEXT: %[[DEN:.*]] = arith.addf %[[NORM]], %[[EPS]] : f32
// CHECK-NEXT: %[[COEF:.*]] = arith.divf %[[MAX]], %[[DEN]] : f32
// CHECK-NEXT: %[[ONE:.*]] = arith.constant 1.000000e+00 : f32
// CHECK-NEXT: %[[C:.*]] = arith.minimumf %[[COEF]], %[[ONE]] : f32
// CHECK-NEXT: %[[R:.*]] = tensor.from_elements %[[C]] : tensor<f32>
// CHECK-NEXT: return %[[R]]
func.func @clip_coef(%s: tensor<f32>, %max: tensor<f64>) -> tensor<f32> {
  %0 = nn.clip_coef %s, %max : tensor<f32>
  return %0 : tensor<f32>
}
