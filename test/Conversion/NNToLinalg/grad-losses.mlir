// Loss backward ops lowered by nnc-convert-nn-to-linalg (GradLosses.cpp):
// each is ONE elementwise generic derivative(x, y) * scale, where
// scale = grad / numel(x) (numel read at run time with tensor.dim) is
// computed once outside the generic; cross_entropy_backward divides by the
// batch N only and recomputes the stable softmax (exp(x - max) once per
// element, times 1 / sum per row).
// RUN: nnc-opt %s --nnc-convert-nn-to-linalg -split-input-file | FileCheck %s

// mse: 2 (x - y) * grad / (N * 2).
// CHECK-LABEL: func.func @mse_backward(
// CHECK-SAME: %[[X:[a-z0-9]+]]: tensor<?x2xf32>, %[[Y:[a-z0-9]+]]: tensor<?x2xf32>, %[[G:[a-z0-9]+]]: tensor<f32>
// CHECK: %[[GV:.*]] = tensor.extract %[[G]][] : tensor<f32>
// CHECK: %[[N:.*]] = tensor.dim %[[X]], %{{.*}} : tensor<?x2xf32>
// CHECK-NEXT: %[[C1:.*]] = arith.constant 1 : index
// CHECK-NEXT: %[[N1:.*]] = arith.muli %[[C1]], %[[N]] : index
// CHECK-NEXT: %[[TWO:.*]] = arith.constant 2 : index
// CHECK-NEXT: %[[NUMEL:.*]] = arith.muli %[[N1]], %[[TWO]] : index
// CHECK-NEXT: %[[NI:.*]] = arith.index_cast %[[NUMEL]] : index to i64
// CHECK-NEXT: %[[CNT:.*]] = arith.sitofp %[[NI]] : i64 to f32
// CHECK-NEXT: %[[SCALE:.*]] = arith.divf %[[GV]], %[[CNT]] : f32
// CHECK: %[[R:.*]] = linalg.generic {{.*}}iterator_types = ["parallel", "parallel"]} ins(%[[X]], %[[Y]] : tensor<?x2xf32>, tensor<?x2xf32>) outs(%{{.*}} : tensor<?x2xf32>)
// CHECK-NEXT: ^bb0(%[[A:.*]]: f32, %[[B:.*]]: f32, %{{.*}}: f32):
// CHECK-NEXT: %[[D:.*]] = arith.subf %[[A]], %[[B]]
// CHECK-NEXT: %[[K:.*]] = arith.constant 2.000000e+00 : f32
// CHECK-NEXT: %[[D2:.*]] = arith.mulf %[[D]], %[[K]]
// CHECK-NEXT: %[[O:.*]] = arith.mulf %[[D2]], %[[SCALE]]
// CHECK-NEXT: linalg.yield %[[O]]
// CHECK: return %[[R]]
func.func @mse_backward(%x: tensor<?x2xf32>, %y: tensor<?x2xf32>, %g: tensor<f32>) -> tensor<?x2xf32> {
  %0 = nn.mse_loss_backward %x, %y, %g : tensor<?x2xf32>, tensor<?x2xf32>, tensor<f32>
  return %0 : tensor<?x2xf32>
}

// -----

// mae: sign(x - y) (0 at d = 0) * grad / (N * 2).
// CHECK-LABEL: func.func @mae_backward(
// CHECK-SAME: %[[X:[a-z0-9]+]]: tensor<?x2xf32>, %[[Y:[a-z0-9]+]]: tensor<?x2xf32>, %[[G:[a-z0-9]+]]: tensor<f32>
// CHECK: %[[GV:.*]] = tensor.extract %[[G]][] : tensor<f32>
// CHECK: %[[TWO:.*]] = arith.constant 2 : index
// CHECK-NEXT: %[[NUMEL:.*]] = arith.muli %{{.*}}, %[[TWO]] : index
// CHECK: %[[SCALE:.*]] = arith.divf %[[GV]], %{{.*}} : f32
// CHECK: linalg.generic {{.*}} ins(%[[X]], %[[Y]] : tensor<?x2xf32>, tensor<?x2xf32>)
// CHECK-NEXT: ^bb0(%[[A:.*]]: f32, %[[B:.*]]: f32, %{{.*}}: f32):
// CHECK-NEXT: %[[D:.*]] = arith.subf %[[A]], %[[B]]
// CHECK-NEXT: %[[Z:.*]] = arith.constant 0.000000e+00 : f32
// CHECK-NEXT: %[[M1:.*]] = arith.constant -1.000000e+00 : f32
// CHECK-NEXT: %[[LT:.*]] = arith.cmpf olt, %[[D]], %[[Z]]
// CHECK-NEXT: %[[NEG:.*]] = arith.select %[[LT]], %[[M1]], %[[Z]]
// CHECK-NEXT: %[[P1:.*]] = arith.constant 1.000000e+00 : f32
// CHECK-NEXT: %[[GT:.*]] = arith.cmpf ogt, %[[D]], %[[Z]]
// CHECK-NEXT: %[[SIGN:.*]] = arith.select %[[GT]], %[[P1]], %[[NEG]]
// CHECK-NEXT: %[[O:.*]] = arith.mulf %[[SIGN]], %[[SCALE]]
// CHECK-NEXT: linalg.yield %[[O]]
func.func @mae_backward(%x: tensor<?x2xf32>, %y: tensor<?x2xf32>, %g: tensor<f32>) -> tensor<?x2xf32> {
  %0 = nn.mae_loss_backward %x, %y, %g : tensor<?x2xf32>, tensor<?x2xf32>, tensor<f32>
  return %0 : tensor<?x2xf32>
}

// -----

// huber (delta 2.5): clamp(x - y, -delta, delta) * grad / (N * 2).
// CHECK-LABEL: func.func @huber_backward(
// CHECK-SAME: %[[X:[a-z0-9]+]]: tensor<?x2xf32>, %[[Y:[a-z0-9]+]]: tensor<?x2xf32>, %[[G:[a-z0-9]+]]: tensor<f32>
// CHECK: %[[TWO:.*]] = arith.constant 2 : index
// CHECK-NEXT: arith.muli %{{.*}}, %[[TWO]] : index
// CHECK: %[[SCALE:.*]] = arith.divf %{{.*}}, %{{.*}} : f32
// CHECK: linalg.generic {{.*}} ins(%[[X]], %[[Y]] : tensor<?x2xf32>, tensor<?x2xf32>)
// CHECK-NEXT: ^bb0(%[[A:.*]]: f32, %[[B:.*]]: f32, %{{.*}}: f32):
// CHECK-NEXT: %[[D:.*]] = arith.subf %[[A]], %[[B]]
// CHECK-NEXT: %[[LO:.*]] = arith.constant -2.500000e+00 : f32
// CHECK-NEXT: %[[DL:.*]] = arith.maximumf %[[D]], %[[LO]]
// CHECK-NEXT: %[[HI:.*]] = arith.constant 2.500000e+00 : f32
// CHECK-NEXT: %[[DC:.*]] = arith.minimumf %[[DL]], %[[HI]]
// CHECK-NEXT: %[[O:.*]] = arith.mulf %[[DC]], %[[SCALE]]
// CHECK-NEXT: linalg.yield %[[O]]
func.func @huber_backward(%x: tensor<?x2xf32>, %y: tensor<?x2xf32>, %g: tensor<f32>) -> tensor<?x2xf32> {
  %0 = nn.huber_loss_backward %x, %y, %g {delta = 2.5 : f32} : tensor<?x2xf32>, tensor<?x2xf32>, tensor<f32>
  return %0 : tensor<?x2xf32>
}

// -----

// bce: (x - y) / max(x (1 - x), 1e-12) * grad / N.
// CHECK-LABEL: func.func @bce_backward(
// CHECK-SAME: %[[X:[a-z0-9]+]]: tensor<?x1xf32>, %[[Y:[a-z0-9]+]]: tensor<?x1xf32>, %[[G:[a-z0-9]+]]: tensor<f32>
// CHECK: %[[SCALE:.*]] = arith.divf %{{.*}}, %{{.*}} : f32
// CHECK: linalg.generic {{.*}} ins(%[[X]], %[[Y]] : tensor<?x1xf32>, tensor<?x1xf32>)
// CHECK-NEXT: ^bb0(%[[A:.*]]: f32, %[[B:.*]]: f32, %{{.*}}: f32):
// CHECK-NEXT: %[[ONE:.*]] = arith.constant 1.000000e+00 : f32
// CHECK-NEXT: %[[OMX:.*]] = arith.subf %[[ONE]], %[[A]]
// CHECK-NEXT: %[[V:.*]] = arith.mulf %[[A]], %[[OMX]]
// CHECK-NEXT: %[[EPS:.*]] = arith.constant 9.99999996E-13 : f32
// CHECK-NEXT: %[[DEN:.*]] = arith.maximumf %[[V]], %[[EPS]]
// CHECK-NEXT: %[[D:.*]] = arith.subf %[[A]], %[[B]]
// CHECK-NEXT: %[[Q:.*]] = arith.divf %[[D]], %[[DEN]]
// CHECK-NEXT: %[[O:.*]] = arith.mulf %[[Q]], %[[SCALE]]
// CHECK-NEXT: linalg.yield %[[O]]
func.func @bce_backward(%x: tensor<?x1xf32>, %y: tensor<?x1xf32>, %g: tensor<f32>) -> tensor<?x1xf32> {
  %0 = nn.bce_loss_backward %x, %y, %g : tensor<?x1xf32>, tensor<?x1xf32>, tensor<f32>
  return %0 : tensor<?x1xf32>
}

// -----

// bce_logits: (sigmoid(x) - y) * grad / N, sigmoid = 1 / (1 + exp(-x)).
// CHECK-LABEL: func.func @bce_logits_backward(
// CHECK-SAME: %[[X:[a-z0-9]+]]: tensor<?x1xf32>, %[[Y:[a-z0-9]+]]: tensor<?x1xf32>, %[[G:[a-z0-9]+]]: tensor<f32>
// CHECK: %[[SCALE:.*]] = arith.divf %{{.*}}, %{{.*}} : f32
// CHECK: linalg.generic {{.*}} ins(%[[X]], %[[Y]] : tensor<?x1xf32>, tensor<?x1xf32>)
// CHECK-NEXT: ^bb0(%[[A:.*]]: f32, %[[B:.*]]: f32, %{{.*}}: f32):
// CHECK-NEXT: %[[NX:.*]] = arith.negf %[[A]]
// CHECK-NEXT: %[[E:.*]] = math.exp %[[NX]]
// CHECK-NEXT: %[[ONE:.*]] = arith.constant 1.000000e+00 : f32
// CHECK-NEXT: %[[ONE2:.*]] = arith.constant 1.000000e+00 : f32
// CHECK-NEXT: %[[DEN:.*]] = arith.addf %[[ONE2]], %[[E]]
// CHECK-NEXT: %[[SIG:.*]] = arith.divf %[[ONE]], %[[DEN]]
// CHECK-NEXT: %[[D:.*]] = arith.subf %[[SIG]], %[[B]]
// CHECK-NEXT: %[[O:.*]] = arith.mulf %[[D]], %[[SCALE]]
// CHECK-NEXT: linalg.yield %[[O]]
func.func @bce_logits_backward(%x: tensor<?x1xf32>, %y: tensor<?x1xf32>, %g: tensor<f32>) -> tensor<?x1xf32> {
  %0 = nn.bce_logits_loss_backward %x, %y, %g : tensor<?x1xf32>, tensor<?x1xf32>, tensor<f32>
  return %0 : tensor<?x1xf32>
}

// -----

// perceptron: t = 2y - 1; (t s <= 0 ? -t : 0) * grad / N (a point on the
// boundary counts as a mistake: ole, not olt).
// CHECK-LABEL: func.func @perceptron_backward(
// CHECK-SAME: %[[X:[a-z0-9]+]]: tensor<?x1xf32>, %[[Y:[a-z0-9]+]]: tensor<?x1xf32>, %[[G:[a-z0-9]+]]: tensor<f32>
// CHECK: %[[SCALE:.*]] = arith.divf %{{.*}}, %{{.*}} : f32
// CHECK: linalg.generic {{.*}} ins(%[[X]], %[[Y]] : tensor<?x1xf32>, tensor<?x1xf32>)
// CHECK-NEXT: ^bb0(%[[S:.*]]: f32, %[[B:.*]]: f32, %{{.*}}: f32):
// CHECK-NEXT: %[[TWO:.*]] = arith.constant 2.000000e+00 : f32
// CHECK-NEXT: %[[Y2:.*]] = arith.mulf %[[B]], %[[TWO]]
// CHECK-NEXT: %[[ONE:.*]] = arith.constant 1.000000e+00 : f32
// CHECK-NEXT: %[[T:.*]] = arith.subf %[[Y2]], %[[ONE]]
// CHECK-NEXT: %[[TS:.*]] = arith.mulf %[[T]], %[[S]]
// CHECK-NEXT: %[[Z:.*]] = arith.constant 0.000000e+00 : f32
// CHECK-NEXT: %[[NT:.*]] = arith.negf %[[T]]
// CHECK-NEXT: %[[Z2:.*]] = arith.constant 0.000000e+00 : f32
// CHECK-NEXT: %[[MISS:.*]] = arith.cmpf ole, %[[TS]], %[[Z]]
// CHECK-NEXT: %[[V:.*]] = arith.select %[[MISS]], %[[NT]], %[[Z2]]
// CHECK-NEXT: %[[O:.*]] = arith.mulf %[[V]], %[[SCALE]]
// CHECK-NEXT: linalg.yield %[[O]]
func.func @perceptron_backward(%x: tensor<?x1xf32>, %y: tensor<?x1xf32>, %g: tensor<f32>) -> tensor<?x1xf32> {
  %0 = nn.perceptron_loss_backward %x, %y, %g : tensor<?x1xf32>, tensor<?x1xf32>, tensor<f32>
  return %0 : tensor<?x1xf32>
}

// -----

// cross_entropy with class ids: (softmax(x) - onehot(clamp(y, 0, C - 1)))
// * grad / N; the label is clamped exactly as in the forward
// (cross_entropy_loss), so both pick the same class; the divisor is N, not
// N * C.
// CHECK-LABEL: func.func @cross_entropy_backward(
// CHECK-SAME: %[[X:[a-z0-9]+]]: tensor<?x3xf32>, %[[Y:[a-z0-9]+]]: tensor<?xi32>, %[[G:[a-z0-9]+]]: tensor<f32>
// CHECK: %[[GV:.*]] = tensor.extract %[[G]][] : tensor<f32>
// CHECK: %[[N:.*]] = tensor.dim %[[X]], %{{.*}} : tensor<?x3xf32>
// CHECK-NEXT: %[[C1:.*]] = arith.constant 1 : index
// CHECK-NEXT: %[[NN:.*]] = arith.muli %[[C1]], %[[N]] : index
// CHECK-NEXT: %[[NI:.*]] = arith.index_cast %[[NN]] : index to i64
// CHECK-NEXT: %[[CNT:.*]] = arith.sitofp %[[NI]] : i64 to f32
// CHECK-NEXT: %[[SCALE:.*]] = arith.divf %[[GV]], %[[CNT]] : f32
// CHECK: %[[MAX:.*]] = linalg.generic {{.*}}iterator_types = ["parallel", "reduction"]} ins(%[[X]] :
// CHECK: %[[EXP:.*]] = linalg.generic {{.*}} ins(%[[X]], %[[MAX]] :
// CHECK-NEXT: ^bb0(%[[XI:.*]]: f32, %[[MI:.*]]: f32, %{{.*}}: f32):
// CHECK-NEXT: %[[SH:.*]] = arith.subf %[[XI]], %[[MI]]
// CHECK-NEXT: math.exp %[[SH]]
// CHECK: %[[SUM:.*]] = linalg.generic {{.*}}iterator_types = ["parallel", "reduction"]} ins(%[[EXP]] :
// CHECK: %[[INV:.*]] = linalg.generic {{.*}} ins(%[[SUM]] :
// CHECK: %[[P:.*]] = linalg.generic {{.*}} ins(%[[EXP]], %[[INV]] :
// CHECK-NEXT: ^bb0(%[[EI:.*]]: f32, %[[II:.*]]: f32, %{{.*}}: f32):
// CHECK-NEXT: %[[PV:.*]] = arith.mulf %[[EI]], %[[II]]
// CHECK-NEXT: linalg.yield %[[PV]]
// CHECK: %[[R:.*]] = linalg.generic {{.*}}iterator_types = ["parallel", "parallel"]} ins(%[[P]], %[[Y]] : tensor<?x3xf32>, tensor<?xi32>) outs(%{{.*}} : tensor<?x3xf32>)
// CHECK-NEXT: ^bb0(%[[PI:.*]]: f32, %[[YI:.*]]: i32, %{{.*}}: f32):
// CHECK-NEXT: %[[LAST:.*]] = arith.constant 2 : i32
// CHECK-NEXT: %[[ZERO:.*]] = arith.constant 0 : i32
// CHECK-NEXT: %[[LO:.*]] = arith.maxsi %[[YI]], %[[ZERO]] : i32
// CHECK-NEXT: %[[CLS:.*]] = arith.minsi %[[LO]], %[[LAST]] : i32
// CHECK-NEXT: %[[J:.*]] = linalg.index 1 : index
// CHECK-NEXT: %[[J32:.*]] = arith.index_cast %[[J]] : index to i32
// CHECK-NEXT: %[[HIT:.*]] = arith.cmpi eq, %[[J32]], %[[CLS]] : i32
// CHECK-NEXT: %[[ONE:.*]] = arith.constant 1.000000e+00 : f32
// CHECK-NEXT: %[[ZF:.*]] = arith.constant 0.000000e+00 : f32
// CHECK-NEXT: %[[OH:.*]] = arith.select %[[HIT]], %[[ONE]], %[[ZF]] : f32
// CHECK-NEXT: %[[D:.*]] = arith.subf %[[PI]], %[[OH]]
// CHECK-NEXT: %[[O:.*]] = arith.mulf %[[D]], %[[SCALE]]
// CHECK-NEXT: linalg.yield %[[O]]
// CHECK: return %[[R]]
func.func @cross_entropy_backward(%x: tensor<?x3xf32>, %y: tensor<?xi32>, %g: tensor<f32>) -> tensor<?x3xf32> {
  %0 = nn.cross_entropy_backward %x, %y, %g : tensor<?x3xf32>, tensor<?xi32>, tensor<f32>
  return %0 : tensor<?x3xf32>
}

// -----

// cross_entropy with one-hot / soft f32 targets: (p sum_c t - t) * grad / N.
// CHECK-LABEL: func.func @cross_entropy_soft_backward(
// CHECK-SAME: %[[X:[a-z0-9]+]]: tensor<?x3xf32>, %[[T:[a-z0-9]+]]: tensor<?x3xf32>, %[[G:[a-z0-9]+]]: tensor<f32>
// CHECK: %[[SCALE:.*]] = arith.divf %{{.*}}, %{{.*}} : f32
// CHECK: %[[EXP:.*]] = linalg.generic {{.*}} ins(%[[X]], %{{.*}} : tensor<?x3xf32>, tensor<?xf32>)
// CHECK: math.exp
// CHECK: %[[P:.*]] = linalg.generic {{.*}} ins(%[[EXP]], %{{.*}} : tensor<?x3xf32>, tensor<?xf32>)
// CHECK: %[[TS:.*]] = linalg.generic {{.*}}iterator_types = ["parallel", "reduction"]} ins(%[[T]] : tensor<?x3xf32>) outs(%{{.*}} : tensor<?x1xf32>)
// CHECK: %[[R:.*]] = linalg.generic {{.*}} ins(%[[P]], %[[T]], %[[TS]] : tensor<?x3xf32>, tensor<?x3xf32>, tensor<?x1xf32>)
// CHECK-NEXT: ^bb0(%[[PI:.*]]: f32, %[[TI:.*]]: f32, %[[SI:.*]]: f32, %{{.*}}: f32):
// CHECK-NEXT: %[[PT:.*]] = arith.mulf %[[PI]], %[[SI]]
// CHECK-NEXT: %[[D:.*]] = arith.subf %[[PT]], %[[TI]]
// CHECK-NEXT: %[[O:.*]] = arith.mulf %[[D]], %[[SCALE]]
// CHECK-NEXT: linalg.yield %[[O]]
// CHECK: return %[[R]]
func.func @cross_entropy_soft_backward(%x: tensor<?x3xf32>, %t: tensor<?x3xf32>, %g: tensor<f32>) -> tensor<?x3xf32> {
  %0 = nn.cross_entropy_backward %x, %t, %g : tensor<?x3xf32>, tensor<?x3xf32>, tensor<f32>
  return %0 : tensor<?x3xf32>
}
