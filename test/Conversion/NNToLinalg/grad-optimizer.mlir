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

// Adam: bias corrections 1 - beta^step with math.powf on the step, then one
// generic with three results (param, exp_avg, exp_avg_sq).
// CHECK-LABEL: func.func @adam(
// CHECK-SAME: %[[P:[a-z0-9]+]]: tensor<4x2xf32>, %[[G:[a-z0-9]+]]: tensor<4x2xf32>, %[[M:[a-z0-9]+]]: tensor<4x2xf32>, %[[V:[a-z0-9]+]]: tensor<4x2xf32>, %[[LR:[a-z0-9]+]]: tensor<f32>, %[[STEP:[a-z0-9]+]]: tensor<i64>
// CHECK: %[[L:.*]] = tensor.extract %[[LR]][] : tensor<f32>
// CHECK: %[[T:.*]] = tensor.extract %[[STEP]][] : tensor<i64>
// CHECK: %[[TF:.*]] = arith.sitofp %[[T]] : i64 to f32
// CHECK: %[[B1:.*]] = arith.constant 0.899999976 : f32
// CHECK: %[[B1T:.*]] = math.powf %[[B1]], %[[TF]]
// CHECK: %[[C1:.*]] = arith.subf %{{.*}}, %[[B1T]]
// CHECK: %[[B2:.*]] = arith.constant 9.990000e-01 : f32
// CHECK: %[[B2T:.*]] = math.powf %[[B2]], %[[TF]]
// CHECK: %[[C2:.*]] = arith.subf %{{.*}}, %[[B2T]]
// CHECK: %[[STEPSIZE:.*]] = arith.divf %[[L]], %[[C1]]
// CHECK: %[[SQC2:.*]] = math.sqrt %[[C2]]
// CHECK: %[[R:.*]]:3 = linalg.generic {{.*}} ins(%[[G]] : tensor<4x2xf32>) outs(%[[P]], %[[M]], %[[V]] : tensor<4x2xf32>, tensor<4x2xf32>, tensor<4x2xf32>)
// CHECK-NEXT: ^bb0(%[[GI:.*]]: f32, %[[PI:.*]]: f32, %[[MI:.*]]: f32, %[[VI:.*]]: f32):
// CHECK: %[[NM:.*]] = arith.addf
// CHECK: %[[G2:.*]] = arith.mulf %[[GI]], %[[GI]]
// CHECK: %[[NV:.*]] = arith.addf
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
