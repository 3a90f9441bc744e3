// Backpropagation through time lowered by nnc-convert-nn-to-linalg
// (GradRecurrent.cpp): hprev is the forward's hs shifted one step (zero at
// t = 0, no replay of the recurrence); a reverse scf.for over the static T
// carries dh (LSTM: and dc), one generic per step writes the gate
// pre-activation gradients into a [N, T, G*H] tensor, and
// dh_{t-1} = dA_t W_hh is a linalg.matmul accumulating into dh's own buffer.
// dx, dW_ih and dW_hh are linalg.matmuls over all N*T rows after the loop;
// no scalar loop (no other scf.for) anywhere.
// RUN: nnc-opt %s --nnc-convert-nn-to-linalg -split-input-file | FileCheck %s
// RUN: nnc-opt %s --nnc-convert-nn-to-linalg -split-input-file | FileCheck %s --check-prefix=LOOPS

// Elman RNN (tanh), T = 5, I = 3, H = 4.
// CHECK-LABEL: func.func @rnn_backward(
// CHECK-SAME: %[[G:[a-z0-9]+]]: tensor<?x5x4xf32>, %[[X:[a-z0-9]+]]: tensor<?x5x3xf32>, %[[HS:[a-z0-9]+]]: tensor<?x5x4xf32>, %[[WI:[a-z0-9]+]]: tensor<4x3xf32>, %[[WH:[a-z0-9]+]]: tensor<4x4xf32>, %{{[a-z0-9]+}}: tensor<4xf32>, %{{[a-z0-9]+}}: tensor<4xf32>
// CHECK: %[[N:.*]] = tensor.dim %[[X]], %{{.*}} : tensor<?x5x3xf32>
// hprev[n, t] = t == 0 ? 0 : hs[n, t - 1]
// CHECK: %[[HPREV:.*]] = linalg.generic {{.*}} outs(%{{.*}} : tensor<?x5x4xf32>)
// CHECK-NEXT: ^bb0
// CHECK-NEXT: %[[T:.*]] = linalg.index 1 : index
// CHECK-NEXT: %[[ONE:.*]] = arith.constant 1 : index
// CHECK-NEXT: %[[TM1:.*]] = arith.subi %[[T]], %[[ONE]] : index
// CHECK: %[[PREV:.*]] = arith.maxsi %[[TM1]]
// CHECK: %[[HV:.*]] = tensor.extract %[[HS]][%{{.*}}, %[[PREV]], %{{.*}}] : tensor<?x5x4xf32>
// CHECK: %[[FIRST:.*]] = arith.cmpi eq, %[[T]]
// CHECK-NEXT: %[[Z:.*]] = arith.constant 0.000000e+00 : f32
// CHECK-NEXT: arith.select %[[FIRST]], %[[Z]], %[[HV]] : f32
// dh starts at zero; the gradient sequence is the second carried tensor.
// CHECK: %[[E0:.*]] = tensor.empty(%[[N]]) : tensor<?x4xf32>
// CHECK-NEXT: %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK-NEXT: %[[DH0:.*]] = linalg.fill ins(%[[ZERO]] : f32) outs(%[[E0]] : tensor<?x4xf32>)
// CHECK-NEXT: %[[DA0:.*]] = tensor.empty(%[[N]]) : tensor<?x5x4xf32>
// CHECK: %[[C5:.*]] = arith.constant 5 : index
// CHECK-NEXT: %[[STEP1:.*]] = arith.constant 1 : index
// CHECK-NEXT: %[[LOOP:.*]]:2 = scf.for %[[I:[a-z0-9_]+]] = %{{.*}} to %[[C5]] step %[[STEP1]] iter_args(%[[DH:.*]] = %[[DH0]], %[[DA:.*]] = %[[DA0]]) -> (tensor<?x4xf32>, tensor<?x5x4xf32>)
// Reverse: t = T - 1 - i.
// CHECK: %[[C4:.*]] = arith.constant 4 : index
// CHECK-NEXT: %[[TT:.*]] = arith.subi %[[C4]], %[[I]] : index
// CHECK-NEXT: %[[GT:.*]] = tensor.extract_slice %[[G]][0, %[[TT]], 0] [%[[N]], 1, 4]
// CHECK-NEXT: %[[DAT:.*]] = tensor.extract_slice %[[DA]][0, %[[TT]], 0] [%[[N]], 1, 4]
// CHECK-NEXT: %[[HT:.*]] = tensor.extract_slice %[[HS]][0, %[[TT]], 0] [%[[N]], 1, 4]
// dA = (g_t + dh) * (1 - h_t^2), written into the step's slice.
// CHECK-NEXT: %[[STEP:.*]] = linalg.generic {{.*}} ins(%[[GT]], %[[DH]], %[[HT]] : tensor<?x4xf32>, tensor<?x4xf32>, tensor<?x4xf32>) outs(%[[DAT]] : tensor<?x4xf32>)
// CHECK-NEXT: ^bb0(%[[GI:.*]]: f32, %[[DHI:.*]]: f32, %[[HI:.*]]: f32, %{{.*}}: f32):
// CHECK-NEXT: %[[D:.*]] = arith.addf %[[GI]], %[[DHI]]
// CHECK-NEXT: %[[ONEF:.*]] = arith.constant 1.000000e+00 : f32
// CHECK-NEXT: %[[H2:.*]] = arith.mulf %[[HI]], %[[HI]]
// CHECK-NEXT: %[[DT:.*]] = arith.subf %[[ONEF]], %[[H2]]
// CHECK-NEXT: %[[DAV:.*]] = arith.mulf %[[D]], %[[DT]]
// CHECK-NEXT: linalg.yield %[[DAV]]
// CHECK: %[[DA1:.*]] = tensor.insert_slice %[[STEP]] into %[[DA]][0, %[[TT]], 0] [%[[N]], 1, 4]
// dh_{t-1} = dA_t W_hh, a matmul accumulating into dh's own (zeroed) buffer.
// CHECK: %[[ACC:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%[[DH]] : tensor<?x4xf32>)
// CHECK-NEXT: %[[DAS:.*]] = tensor.extract_slice %[[DA1]][0, %[[TT]], 0] [%[[N]], 1, 4]
// CHECK-NEXT: %[[DHP:.*]] = linalg.matmul ins(%[[DAS]], %[[WH]] : tensor<?x4xf32>, tensor<4x4xf32>) outs(%[[ACC]] : tensor<?x4xf32>)
// CHECK-NEXT: scf.yield %[[DHP]], %[[DA1]]
// After the loop: dx = dA W_ih, dW_ih = dA^T X, dW_hh = dA^T Hprev.
// CHECK: %[[DAF:.*]] = tensor.collapse_shape %[[LOOP]]#1 {{\[}}[0, 1], [2]] : tensor<?x5x4xf32> into tensor<?x4xf32>
// CHECK: %[[DXF:.*]] = linalg.matmul ins(%[[DAF]], %[[WI]] : tensor<?x4xf32>, tensor<4x3xf32>)
// CHECK: %[[DX:.*]] = tensor.expand_shape %[[DXF]] {{\[}}[0, 1], [2]] output_shape [%{{.*}}, 5, 3]
// CHECK: %[[DAT1:.*]] = linalg.transpose ins(%[[DAF]] : tensor<?x4xf32>) outs(%{{.*}} : tensor<4x?xf32>)
// CHECK: %[[XF:.*]] = tensor.collapse_shape %[[X]] {{\[}}[0, 1], [2]]
// CHECK: %[[DWI:.*]] = linalg.matmul ins(%[[DAT1]], %[[XF]] : tensor<4x?xf32>, tensor<?x3xf32>) outs(%{{.*}} : tensor<4x3xf32>)
// CHECK: %[[DAT2:.*]] = linalg.transpose ins(%{{.*}} : tensor<?x4xf32>) outs(%{{.*}} : tensor<4x?xf32>)
// CHECK: %[[HPF:.*]] = tensor.collapse_shape %[[HPREV]] {{\[}}[0, 1], [2]]
// CHECK: %[[DWH:.*]] = linalg.matmul ins(%[[DAT2]], %[[HPF]] : tensor<4x?xf32>, tensor<?x4xf32>) outs(%{{.*}} : tensor<4x4xf32>)
// Bias gradients: sums of dA over (N, T).
// CHECK: %[[DBI:.*]] = linalg.generic {{.*}}iterator_types = ["reduction", "reduction", "parallel"]} ins(%[[LOOP]]#1 : tensor<?x5x4xf32>) outs(%{{.*}} : tensor<4xf32>)
// CHECK: %[[DBH:.*]] = linalg.generic {{.*}}iterator_types = ["reduction", "reduction", "parallel"]} ins(%[[LOOP]]#1 : tensor<?x5x4xf32>) outs(%{{.*}} : tensor<4xf32>)
// CHECK: return %[[DX]], %[[DWI]], %[[DWH]], %[[DBI]], %[[DBH]]
// Exactly one loop: the reverse sweep.
// LOOPS-LABEL: func.func @rnn_backward(
// LOOPS-COUNT-1: scf.for
// LOOPS-NOT: scf.for
func.func @rnn_backward(%g: tensor<?x5x4xf32>, %x: tensor<?x5x3xf32>, %h: tensor<?x5x4xf32>, %wi: tensor<4x3xf32>, %wh: tensor<4x4xf32>, %bi: tensor<4xf32>, %bh: tensor<4xf32>) -> (tensor<?x5x3xf32>, tensor<4x3xf32>, tensor<4x4xf32>, tensor<4xf32>, tensor<4xf32>) {
  %dx, %dwi, %dwh, %dbi, %dbh = nn.rnn_backward %g, %x, %h, %wi, %wh, %bi, %bh : tensor<?x5x4xf32>, tensor<?x5x3xf32>, tensor<4x3xf32>, tensor<4x4xf32>, tensor<4xf32>
  return %dx, %dwi, %dwh, %dbi, %dbh : tensor<?x5x3xf32>, tensor<4x3xf32>, tensor<4x4xf32>, tensor<4xf32>, tensor<4xf32>
}
