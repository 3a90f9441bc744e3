// Losses lowered by nnc-convert-nn-to-linalg: a pair loss is one full
// reduction generic of the per-element term into a rank-0 accumulator, then
// a scale by 1 / count (count from tensor.dim of the batch); cross entropy
// with class ids is log_softmax, then a reduction over the batch that gathers
// the (clamped) target column, scaled by -1 / batch; penalties sum |w| (or
// w^2) of every weight and scale by the weight.
// RUN: nnc-opt %s --nnc-convert-nn-to-linalg -split-input-file | FileCheck %s

// CHECK-LABEL: func.func @mse(
// CHECK-SAME: %[[P:[a-z0-9]+]]: tensor<?x1xf32>, %[[Y:[a-z0-9]+]]: tensor<?x1xf32>
// CHECK: %[[N:.*]] = tensor.dim %[[P]], %{{.*}} : tensor<?x1xf32>
// CHECK: %[[CNT:.*]] = arith.sitofp %{{.*}} : i64 to f32
// CHECK: %[[INV:.*]] = arith.divf %{{.*}}, %[[CNT]] : f32
// CHECK: %[[ACC:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%{{.*}} : tensor<f32>)
// CHECK: %[[SUM:.*]] = linalg.generic {{.*}}iterator_types = ["reduction", "reduction"]} ins(%[[P]], %[[Y]] : tensor<?x1xf32>, tensor<?x1xf32>) outs(%[[ACC]] : tensor<f32>)
// CHECK-NEXT: ^bb0(%[[A:.*]]: f32, %[[B:.*]]: f32, %[[O:.*]]: f32):
// CHECK-NEXT: %[[D:.*]] = arith.subf %[[A]], %[[B]]
// CHECK-NEXT: %[[D2:.*]] = arith.mulf %[[D]], %[[D]]
// CHECK-NEXT: arith.addf %[[D2]], %[[O]]
// CHECK: %[[L:.*]] = linalg.generic {{.*}}iterator_types = []} ins(%[[SUM]] : tensor<f32>)
// CHECK: arith.mulf %{{.*}}, %[[INV]]
// CHECK: return %[[L]]
func.func @mse(%p: tensor<?x1xf32>, %y: tensor<?x1xf32>) -> tensor<f32> {
  %0 = nn.mse_loss %p, %y : tensor<?x1xf32>, tensor<?x1xf32>
  return %0 : tensor<f32>
}

// -----

// CHECK-LABEL: func.func @cross_entropy(
// CHECK-SAME: %[[X:[a-z0-9]+]]: tensor<?x3xf32>, %[[C:[a-z0-9]+]]: tensor<?xi32>
// CHECK: %[[MAX:.*]] = linalg.generic {{.*}}iterator_types = ["parallel", "reduction"]} ins(%[[X]] :
// CHECK: %[[SUM:.*]] = linalg.generic {{.*}}iterator_types = ["parallel", "reduction"]} ins(%[[X]], %[[MAX]] :
// CHECK: %[[LOG:.*]] = linalg.generic {{.*}} ins(%[[SUM]] :
// CHECK: math.log
// CHECK: %[[LSM:.*]] = linalg.generic {{.*}} ins(%[[X]], %[[MAX]], %[[LOG]] :
// CHECK: %[[NEG:.*]] = arith.constant -1.000000e+00 : f32
// CHECK: %[[SCALE:.*]] = arith.divf %[[NEG]], %{{.*}} : f32
// CHECK: %[[PICK:.*]] = linalg.generic {{.*}}iterator_types = ["reduction"]} ins(%[[C]] : tensor<?xi32>) outs(%{{.*}} : tensor<f32>)
// CHECK-NEXT: ^bb0(%[[ID:.*]]: i32, %[[O:.*]]: f32):
// CHECK: %[[LO:.*]] = arith.maxsi %[[ID]]
// CHECK: %[[C2:.*]] = arith.constant 2 : i32
// CHECK: %[[HI:.*]] = arith.minsi %[[LO]], %[[C2]]
// CHECK: %[[ROW:.*]] = linalg.index 0 : index
// CHECK: %[[COL:.*]] = arith.index_cast %[[HI]] : i32 to index
// CHECK: %[[V:.*]] = tensor.extract %[[LSM]][%[[ROW]], %[[COL]]] : tensor<?x3xf32>
// CHECK: arith.addf %[[V]], %[[O]]
// CHECK: %[[L:.*]] = linalg.generic {{.*}} ins(%[[PICK]] : tensor<f32>)
// CHECK: arith.mulf %{{.*}}, %[[SCALE]]
// CHECK: return %[[L]]
func.func @cross_entropy(%logits: tensor<?x3xf32>, %cls: tensor<?xi32>) -> tensor<f32> {
  %0 = nn.cross_entropy_loss %logits, %cls : tensor<?x3xf32>, tensor<?xi32>
  return %0 : tensor<f32>
}

// -----

// CHECK-LABEL: func.func @l1_penalty(
// CHECK-SAME: %[[W1:[a-z0-9]+]]: tensor<64x2xf32>, %[[W2:[a-z0-9]+]]: tensor<3x64xf32>
// CHECK: %[[S1:.*]] = linalg.generic {{.*}}iterator_types = ["reduction", "reduction"]} ins(%[[W1]] : tensor<64x2xf32>)
// CHECK-NEXT: ^bb0
// CHECK-NEXT: math.absf
// CHECK: %[[S2:.*]] = linalg.generic {{.*}}iterator_types = ["reduction", "reduction"]} ins(%[[W2]] : tensor<3x64xf32>)
// CHECK-NEXT: ^bb0
// CHECK-NEXT: math.absf
// CHECK: %[[T:.*]] = linalg.generic {{.*}} ins(%[[S1]], %[[S2]] : tensor<f32>, tensor<f32>)
// CHECK: arith.addf
// CHECK: %[[WT:.*]] = arith.constant 9.99999974E-5 : f32
// CHECK: %[[L:.*]] = linalg.generic {{.*}} ins(%[[T]] : tensor<f32>)
// CHECK: arith.mulf %{{.*}}, %[[WT]]
// CHECK: return %[[L]]
func.func @l1_penalty(%w1: tensor<64x2xf32>, %w2: tensor<3x64xf32>) -> tensor<f32> {
  %0 = nn.l1_penalty %w1, %w2 {weight = 1.000000e-04 : f32} : tensor<64x2xf32>, tensor<3x64xf32>
  return %0 : tensor<f32>
}

// -----

// mae: mean of |x - y| over every element; the divisor is numel = N * 2
// (both dims), read at run time.
// CHECK-LABEL: func.func @mae(
// CHECK-SAME: %[[P:[a-z0-9]+]]: tensor<?x2xf32>, %[[Y:[a-z0-9]+]]: tensor<?x2xf32>
// CHECK: %[[N:.*]] = tensor.dim %[[P]], %{{.*}} : tensor<?x2xf32>
// CHECK: %[[N1:.*]] = arith.muli %{{.*}}, %[[N]] : index
// CHECK: %[[TWO:.*]] = arith.constant 2 : index
// CHECK: %[[NUMEL:.*]] = arith.muli %[[N1]], %[[TWO]] : index
// CHECK: %[[NI:.*]] = arith.index_cast %[[NUMEL]] : index to i64
// CHECK: %[[CNT:.*]] = arith.sitofp %[[NI]] : i64 to f32
// CHECK: %[[ONE:.*]] = arith.constant 1.000000e+00 : f32
// CHECK: %[[INV:.*]] = arith.divf %[[ONE]], %[[CNT]] : f32
// CHECK: %[[SUM:.*]] = linalg.generic {{.*}}iterator_types = ["reduction", "reduction"]} ins(%[[P]], %[[Y]] : tensor<?x2xf32>, tensor<?x2xf32>) outs(%{{.*}} : tensor<f32>)
// CHECK-NEXT: ^bb0(%[[A:.*]]: f32, %[[B:.*]]: f32, %[[O:.*]]: f32):
// CHECK-NEXT: %[[D:.*]] = arith.subf %[[A]], %[[B]]
// CHECK-NEXT: %[[AD:.*]] = math.absf %[[D]]
// CHECK-NEXT: %[[ACC:.*]] = arith.addf %[[AD]], %[[O]]
// CHECK-NEXT: linalg.yield %[[ACC]]
// CHECK: %[[L:.*]] = linalg.generic {{.*}}iterator_types = []} ins(%[[SUM]] : tensor<f32>)
// CHECK-NEXT: ^bb0(%[[S:.*]]: f32, %{{.*}}: f32):
// CHECK-NEXT: arith.mulf %[[S]], %[[INV]]
// CHECK: return %[[L]]
func.func @mae(%p: tensor<?x2xf32>, %y: tensor<?x2xf32>) -> tensor<f32> {
  %0 = nn.mae_loss %p, %y : tensor<?x2xf32>, tensor<?x2xf32>
  return %0 : tensor<f32>
}

// -----

// huber (delta 2.5): |d| < delta ? 0.5 d^2 : delta (|d| - delta / 2), the
// strict comparison as PyTorch's; mean over N * 2 elements.
// CHECK-LABEL: func.func @huber(
// CHECK-SAME: %[[P:[a-z0-9]+]]: tensor<?x2xf32>, %[[Y:[a-z0-9]+]]: tensor<?x2xf32>
// CHECK: %[[TWO:.*]] = arith.constant 2 : index
// CHECK: %[[NUMEL:.*]] = arith.muli %{{.*}}, %[[TWO]] : index
// CHECK: %[[INV:.*]] = arith.divf %{{.*}}, %{{.*}} : f32
// CHECK: %[[SUM:.*]] = linalg.generic {{.*}}iterator_types = ["reduction", "reduction"]} ins(%[[P]], %[[Y]] : tensor<?x2xf32>, tensor<?x2xf32>) outs(%{{.*}} : tensor<f32>)
// CHECK-NEXT: ^bb0(%[[A:.*]]: f32, %[[B:.*]]: f32, %[[O:.*]]: f32):
// CHECK-NEXT: %[[D:.*]] = arith.subf %[[A]], %[[B]]
// CHECK-NEXT: %[[AD:.*]] = math.absf %[[D]]
// CHECK-NEXT: %[[HALF:.*]] = arith.constant 5.000000e-01 : f32
// CHECK-NEXT: %[[D2:.*]] = arith.mulf %[[AD]], %[[AD]]
// CHECK-NEXT: %[[QUAD:.*]] = arith.mulf %[[HALF]], %[[D2]]
// CHECK-NEXT: %[[DELTA:.*]] = arith.constant 2.500000e+00 : f32
// CHECK-NEXT: %[[HD:.*]] = arith.constant 1.250000e+00 : f32
// CHECK-NEXT: %[[SH:.*]] = arith.subf %[[AD]], %[[HD]]
// CHECK-NEXT: %[[LIN:.*]] = arith.mulf %[[DELTA]], %[[SH]]
// CHECK-NEXT: %[[DELTA2:.*]] = arith.constant 2.500000e+00 : f32
// CHECK-NEXT: %[[SMALL:.*]] = arith.cmpf olt, %[[AD]], %[[DELTA2]]
// CHECK-NEXT: %[[E:.*]] = arith.select %[[SMALL]], %[[QUAD]], %[[LIN]]
// CHECK-NEXT: %[[ACC:.*]] = arith.addf %[[E]], %[[O]]
// CHECK-NEXT: linalg.yield %[[ACC]]
// CHECK: %[[L:.*]] = linalg.generic {{.*}}iterator_types = []} ins(%[[SUM]] : tensor<f32>)
// CHECK: arith.mulf %{{.*}}, %[[INV]]
// CHECK: return %[[L]]
func.func @huber(%p: tensor<?x2xf32>, %y: tensor<?x2xf32>) -> tensor<f32> {
  %0 = nn.huber_loss %p, %y {delta = 2.5 : f32} : tensor<?x2xf32>, tensor<?x2xf32>
  return %0 : tensor<f32>
}

// -----

// bce: -(y max(log x, -100) + (1 - y) max(log(1 - x), -100)), as PyTorch
// clamps the logs; mean over N.
// CHECK-LABEL: func.func @bce(
// CHECK-SAME: %[[P:[a-z0-9]+]]: tensor<?x1xf32>, %[[Y:[a-z0-9]+]]: tensor<?x1xf32>
// CHECK: %[[INV:.*]] = arith.divf %{{.*}}, %{{.*}} : f32
// CHECK: %[[SUM:.*]] = linalg.generic {{.*}}iterator_types = ["reduction", "reduction"]} ins(%[[P]], %[[Y]] : tensor<?x1xf32>, tensor<?x1xf32>) outs(%{{.*}} : tensor<f32>)
// CHECK-NEXT: ^bb0(%[[X:.*]]: f32, %[[T:.*]]: f32, %[[O:.*]]: f32):
// CHECK-NEXT: %[[FLOOR:.*]] = arith.constant -1.000000e+02 : f32
// CHECK-NEXT: %[[ONE:.*]] = arith.constant 1.000000e+00 : f32
// CHECK-NEXT: %[[LX:.*]] = math.log %[[X]]
// CHECK-NEXT: %[[CLX:.*]] = arith.maximumf %[[LX]], %[[FLOOR]]
// CHECK-NEXT: %[[OMX:.*]] = arith.subf %[[ONE]], %[[X]]
// CHECK-NEXT: %[[L1X:.*]] = math.log %[[OMX]]
// CHECK-NEXT: %[[CL1X:.*]] = arith.maximumf %[[L1X]], %[[FLOOR]]
// CHECK-NEXT: %[[POS:.*]] = arith.mulf %[[T]], %[[CLX]]
// CHECK-NEXT: %[[OMY:.*]] = arith.subf %[[ONE]], %[[T]]
// CHECK-NEXT: %[[NEG:.*]] = arith.mulf %[[OMY]], %[[CL1X]]
// CHECK-NEXT: %[[S:.*]] = arith.addf %[[POS]], %[[NEG]]
// CHECK-NEXT: %[[E:.*]] = arith.negf %[[S]]
// CHECK-NEXT: %[[ACC:.*]] = arith.addf %[[E]], %[[O]]
// CHECK-NEXT: linalg.yield %[[ACC]]
// CHECK: %[[L:.*]] = linalg.generic {{.*}}iterator_types = []} ins(%[[SUM]] : tensor<f32>)
// CHECK: arith.mulf %{{.*}}, %[[INV]]
// CHECK: return %[[L]]
func.func @bce(%p: tensor<?x1xf32>, %y: tensor<?x1xf32>) -> tensor<f32> {
  %0 = nn.bce_loss %p, %y : tensor<?x1xf32>, tensor<?x1xf32>
  return %0 : tensor<f32>
}

// -----

// bce_logits, the stable form: max(x, 0) - x y + log1p(exp(-|x|)).
// CHECK-LABEL: func.func @bce_logits(
// CHECK-SAME: %[[P:[a-z0-9]+]]: tensor<?x1xf32>, %[[Y:[a-z0-9]+]]: tensor<?x1xf32>
// CHECK: %[[INV:.*]] = arith.divf %{{.*}}, %{{.*}} : f32
// CHECK: %[[SUM:.*]] = linalg.generic {{.*}}iterator_types = ["reduction", "reduction"]} ins(%[[P]], %[[Y]] : tensor<?x1xf32>, tensor<?x1xf32>) outs(%{{.*}} : tensor<f32>)
// CHECK-NEXT: ^bb0(%[[X:.*]]: f32, %[[T:.*]]: f32, %[[O:.*]]: f32):
// CHECK-NEXT: %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK-NEXT: %[[RELU:.*]] = arith.maximumf %[[X]], %[[ZERO]]
// CHECK-NEXT: %[[AX:.*]] = math.absf %[[X]]
// CHECK-NEXT: %[[NAX:.*]] = arith.negf %[[AX]]
// CHECK-NEXT: %[[E:.*]] = math.exp %[[NAX]]
// CHECK-NEXT: %[[SOFT:.*]] = math.log1p %[[E]]
// CHECK-NEXT: %[[XY:.*]] = arith.mulf %[[X]], %[[T]]
// CHECK-NEXT: %[[R:.*]] = arith.subf %[[RELU]], %[[XY]]
// CHECK-NEXT: %[[V:.*]] = arith.addf %[[R]], %[[SOFT]]
// CHECK-NEXT: %[[ACC:.*]] = arith.addf %[[V]], %[[O]]
// CHECK-NEXT: linalg.yield %[[ACC]]
// CHECK: %[[L:.*]] = linalg.generic {{.*}}iterator_types = []} ins(%[[SUM]] : tensor<f32>)
// CHECK: arith.mulf %{{.*}}, %[[INV]]
// CHECK: return %[[L]]
func.func @bce_logits(%p: tensor<?x1xf32>, %y: tensor<?x1xf32>) -> tensor<f32> {
  %0 = nn.bce_logits_loss %p, %y : tensor<?x1xf32>, tensor<?x1xf32>
  return %0 : tensor<f32>
}

// -----

// perceptron: max(-(2y - 1) s, 0), mean over N.
// CHECK-LABEL: func.func @perceptron(
// CHECK-SAME: %[[P:[a-z0-9]+]]: tensor<?x1xf32>, %[[Y:[a-z0-9]+]]: tensor<?x1xf32>
// CHECK: %[[INV:.*]] = arith.divf %{{.*}}, %{{.*}} : f32
// CHECK: %[[SUM:.*]] = linalg.generic {{.*}}iterator_types = ["reduction", "reduction"]} ins(%[[P]], %[[Y]] : tensor<?x1xf32>, tensor<?x1xf32>) outs(%{{.*}} : tensor<f32>)
// CHECK-NEXT: ^bb0(%[[S:.*]]: f32, %[[T:.*]]: f32, %[[O:.*]]: f32):
// CHECK-NEXT: %[[TWO:.*]] = arith.constant 2.000000e+00 : f32
// CHECK-NEXT: %[[Y2:.*]] = arith.mulf %[[T]], %[[TWO]]
// CHECK-NEXT: %[[ONE:.*]] = arith.constant 1.000000e+00 : f32
// CHECK-NEXT: %[[SIGN:.*]] = arith.subf %[[Y2]], %[[ONE]]
// CHECK-NEXT: %[[TS:.*]] = arith.mulf %[[SIGN]], %[[S]]
// CHECK-NEXT: %[[M:.*]] = arith.negf %[[TS]]
// CHECK-NEXT: %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK-NEXT: %[[E:.*]] = arith.maximumf %[[M]], %[[ZERO]]
// CHECK-NEXT: %[[ACC:.*]] = arith.addf %[[E]], %[[O]]
// CHECK-NEXT: linalg.yield %[[ACC]]
// CHECK: %[[L:.*]] = linalg.generic {{.*}}iterator_types = []} ins(%[[SUM]] : tensor<f32>)
// CHECK: arith.mulf %{{.*}}, %[[INV]]
// CHECK: return %[[L]]
func.func @perceptron(%p: tensor<?x1xf32>, %y: tensor<?x1xf32>) -> tensor<f32> {
  %0 = nn.perceptron_loss %p, %y : tensor<?x1xf32>, tensor<?x1xf32>
  return %0 : tensor<f32>
}

// -----

// l2_penalty: w/2 * (sum w1^2 + sum w2^2), not averaged (0.01 / 2 = 5e-3).
// CHECK-LABEL: func.func @l2_penalty(
// CHECK-SAME: %[[W1:[a-z0-9]+]]: tensor<64x2xf32>, %[[W2:[a-z0-9]+]]: tensor<3x64xf32>
// CHECK-NOT: tensor.dim
// CHECK: %[[S1:.*]] = linalg.generic {{.*}}iterator_types = ["reduction", "reduction"]} ins(%[[W1]] : tensor<64x2xf32>)
// CHECK-NEXT: ^bb0(%[[A:.*]]: f32, %[[O:.*]]: f32):
// CHECK-NEXT: %[[SQ:.*]] = arith.mulf %[[A]], %[[A]]
// CHECK-NEXT: arith.addf %[[SQ]], %[[O]]
// CHECK: %[[S2:.*]] = linalg.generic {{.*}}iterator_types = ["reduction", "reduction"]} ins(%[[W2]] : tensor<3x64xf32>)
// CHECK-NEXT: ^bb0(%[[A2:.*]]: f32, %[[O2:.*]]: f32):
// CHECK-NEXT: %[[SQ2:.*]] = arith.mulf %[[A2]], %[[A2]]
// CHECK-NEXT: arith.addf %[[SQ2]], %[[O2]]
// CHECK: %[[T:.*]] = linalg.generic {{.*}} ins(%[[S1]], %[[S2]] : tensor<f32>, tensor<f32>)
// CHECK: arith.addf
// CHECK: %[[WT:.*]] = arith.constant 5.000000e-03 : f32
// CHECK: %[[L:.*]] = linalg.generic {{.*}} ins(%[[T]] : tensor<f32>)
// CHECK-NEXT: ^bb0(%[[TS:.*]]: f32, %{{.*}}: f32):
// CHECK-NEXT: arith.mulf %[[TS]], %[[WT]]
// CHECK: return %[[L]]
func.func @l2_penalty(%w1: tensor<64x2xf32>, %w2: tensor<3x64xf32>) -> tensor<f32> {
  %0 = nn.l2_penalty %w1, %w2 {weight = 1.000000e-02 : f32} : tensor<64x2xf32>, tensor<3x64xf32>
  return %0 : tensor<f32>
}

// -----

// cross_entropy with one-hot / soft f32 targets: -1/N * sum(log_softmax(x)
// * t); the divisor is the batch N only (one tensor.dim, no factor 3).
// CHECK-LABEL: func.func @cross_entropy_soft(
// CHECK-SAME: %[[X:[a-z0-9]+]]: tensor<?x3xf32>, %[[T:[a-z0-9]+]]: tensor<?x3xf32>
// CHECK: %[[MAX:.*]] = linalg.generic {{.*}}iterator_types = ["parallel", "reduction"]} ins(%[[X]] :
// CHECK: %[[SUM:.*]] = linalg.generic {{.*}}iterator_types = ["parallel", "reduction"]} ins(%[[X]], %[[MAX]] :
// CHECK: %[[LOG:.*]] = linalg.generic {{.*}} ins(%[[SUM]] :
// CHECK-NEXT: ^bb0
// CHECK-NEXT: math.log
// CHECK: %[[LSM:.*]] = linalg.generic {{.*}} ins(%[[X]], %[[MAX]], %[[LOG]] :
// CHECK-NEXT: ^bb0(%[[XI:.*]]: f32, %[[MI:.*]]: f32, %[[LS:.*]]: f32, %{{.*}}: f32):
// CHECK-NEXT: %[[SH:.*]] = arith.subf %[[XI]], %[[MI]]
// CHECK-NEXT: %[[LP:.*]] = arith.subf %[[SH]], %[[LS]]
// CHECK-NEXT: linalg.yield %[[LP]]
// CHECK: %[[N:.*]] = tensor.dim %[[X]], %{{.*}} : tensor<?x3xf32>
// CHECK-NEXT: %[[C1:.*]] = arith.constant 1 : index
// CHECK-NEXT: %[[NN:.*]] = arith.muli %[[C1]], %[[N]] : index
// CHECK-NEXT: %[[NI:.*]] = arith.index_cast %[[NN]] : index to i64
// CHECK-NEXT: %[[CNT:.*]] = arith.sitofp %[[NI]] : i64 to f32
// CHECK-NEXT: %[[NEG:.*]] = arith.constant -1.000000e+00 : f32
// CHECK-NEXT: %[[SCALE:.*]] = arith.divf %[[NEG]], %[[CNT]] : f32
// CHECK: %[[DOT:.*]] = linalg.generic {{.*}}iterator_types = ["reduction", "reduction"]} ins(%[[LSM]], %[[T]] : tensor<?x3xf32>, tensor<?x3xf32>) outs(%{{.*}} : tensor<f32>)
// CHECK-NEXT: ^bb0(%[[LPI:.*]]: f32, %[[TI:.*]]: f32, %[[O:.*]]: f32):
// CHECK-NEXT: %[[PT:.*]] = arith.mulf %[[LPI]], %[[TI]]
// CHECK-NEXT: arith.addf %[[PT]], %[[O]]
// CHECK: %[[L:.*]] = linalg.generic {{.*}} ins(%[[DOT]] : tensor<f32>)
// CHECK-NEXT: ^bb0(%[[DI:.*]]: f32, %{{.*}}: f32):
// CHECK-NEXT: arith.mulf %[[DI]], %[[SCALE]]
// CHECK: return %[[L]]
func.func @cross_entropy_soft(%logits: tensor<?x3xf32>, %t: tensor<?x3xf32>) -> tensor<f32> {
  %0 = nn.cross_entropy_loss %logits, %t : tensor<?x3xf32>, tensor<?x3xf32>
  return %0 : tensor<f32>
}
