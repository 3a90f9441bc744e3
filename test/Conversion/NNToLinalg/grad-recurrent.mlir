// Backpropagation through time lowered by nnc-convert-nn-to-linalg
// (GradRecurrent.cpp): hprev is the forward's hs shifted one step (zero at
// t = 0, no replay of the recurrence); a reverse scf.for over the static T
// carries dh (LSTM: and dc), one generic per step writes the gate
// pre-activation gradients into a [N, T, G*H] tensor (whose rows another
// adds to the carried bias gradients), and
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
// dh starts at zero; the gradient sequence is the second carried tensor,
// the bias gradient (summed step by step, from zero) the third.
// CHECK: %[[E0:.*]] = tensor.empty(%[[N]]) : tensor<?x4xf32>
// CHECK-NEXT: %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK-NEXT: %[[DH0:.*]] = linalg.fill ins(%[[ZERO]] : f32) outs(%[[E0]] : tensor<?x4xf32>)
// CHECK-NEXT: %[[DA0:.*]] = tensor.empty(%[[N]]) : tensor<?x5x4xf32>
// CHECK-NEXT: %[[DB:.*]] = bufferization.alloc_tensor() : tensor<4xf32>
// CHECK: %[[DB0:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%[[DB]] : tensor<4xf32>)
// CHECK: %[[C5:.*]] = arith.constant 5 : index
// CHECK-NEXT: %[[STEP1:.*]] = arith.constant 1 : index
// CHECK-NEXT: %[[LOOP:.*]]:3 = scf.for %[[I:[a-z0-9_]+]] = %{{.*}} to %[[C5]] step %[[STEP1]] iter_args(%[[DH:.*]] = %[[DH0]], %[[DA:.*]] = %[[DA0]], %[[DBA:.*]] = %[[DB0]]) -> (tensor<?x4xf32>, tensor<?x5x4xf32>, tensor<4xf32>)
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
// The bias gradient adds the step's rows: db[j] += sum_n dA[n, t, j].
// CHECK-NEXT: %[[ROWS:.*]] = tensor.extract_slice %[[DA1]][0, %[[TT]], 0] [%[[N]], 1, 4]
// CHECK-NEXT: %[[DB1:.*]] = linalg.generic {{.*}}iterator_types = ["reduction", "parallel"]} ins(%[[ROWS]] : tensor<?x4xf32>) outs(%[[DBA]] : tensor<4xf32>)
// CHECK-NEXT: ^bb0(%[[RI:.*]]: f32, %[[RO:.*]]: f32):
// CHECK-NEXT: %[[RS:.*]] = arith.addf %[[RI]], %[[RO]]
// CHECK-NEXT: linalg.yield %[[RS]]
// CHECK: scf.yield %[[DHP]], %[[DA1]], %[[DB1]]
// After the loop: dx = dA W_ih, dW_ih = dA^T X (here, with 3 input features
// for 4 gate rows, as (X^T dA)^T: the wider dim is the product's columns),
// dW_hh = dA^T Hprev.
// CHECK: %[[DAF:.*]] = tensor.collapse_shape %[[LOOP]]#1 {{\[}}[0, 1], [2]] : tensor<?x5x4xf32> into tensor<?x4xf32>
// CHECK: %[[DXF:.*]] = linalg.matmul ins(%[[DAF]], %[[WI]] : tensor<?x4xf32>, tensor<4x3xf32>)
// CHECK: %[[DX:.*]] = tensor.expand_shape %[[DXF]] {{\[}}[0, 1], [2]] output_shape [%{{.*}}, 5, 3]
// CHECK: %[[XF:.*]] = tensor.collapse_shape %[[X]] {{\[}}[0, 1], [2]]
// CHECK: %[[XT:.*]] = linalg.transpose ins(%[[XF]] : tensor<?x3xf32>) outs(%{{.*}} : tensor<3x?xf32>)
// CHECK: %[[DWIT:.*]] = linalg.matmul ins(%[[XT]], %[[DAF]] : tensor<3x?xf32>, tensor<?x4xf32>) outs(%{{.*}} : tensor<3x4xf32>)
// CHECK: %[[DWI:.*]] = linalg.transpose ins(%[[DWIT]] : tensor<3x4xf32>) outs(%{{.*}} : tensor<4x3xf32>)
// CHECK: %[[DAT2:.*]] = linalg.transpose ins(%{{.*}} : tensor<?x4xf32>) outs(%{{.*}} : tensor<4x?xf32>)
// CHECK: %[[HPF:.*]] = tensor.collapse_shape %[[HPREV]] {{\[}}[0, 1], [2]]
// CHECK: %[[DWH:.*]] = linalg.matmul ins(%[[DAT2]], %[[HPF]] : tensor<4x?xf32>, tensor<?x4xf32>) outs(%{{.*}} : tensor<4x4xf32>)
// Both bias gradients are the loop's sum of dA over (N, T).
// CHECK-NOT: iterator_types = ["reduction", "reduction", "parallel"]
// CHECK: return %[[DX]], %[[DWI]], %[[DWH]], %[[LOOP]]#2, %[[LOOP]]#2
// Exactly one loop: the reverse sweep.
// LOOPS-LABEL: func.func @rnn_backward(
// LOOPS-COUNT-1: scf.for
// LOOPS-NOT: scf.for
func.func @rnn_backward(%g: tensor<?x5x4xf32>, %x: tensor<?x5x3xf32>, %h: tensor<?x5x4xf32>, %wi: tensor<4x3xf32>, %wh: tensor<4x4xf32>, %bi: tensor<4xf32>, %bh: tensor<4xf32>) -> (tensor<?x5x3xf32>, tensor<4x3xf32>, tensor<4x4xf32>, tensor<4xf32>, tensor<4xf32>) {
  %dx, %dwi, %dwh, %dbi, %dbh = nn.rnn_backward %g, %x, %h, %wi, %wh, %bi, %bh : tensor<?x5x4xf32>, tensor<?x5x3xf32>, tensor<4x3xf32>, tensor<4x4xf32>, tensor<4xf32>
  return %dx, %dwi, %dwh, %dbi, %dbh : tensor<?x5x3xf32>, tensor<4x3xf32>, tensor<4x4xf32>, tensor<4xf32>, tensor<4xf32>
}

// -----

// LSTM: the recomputed pre-activations are activated as nn.lstm_with_gates
// stores them (sigmoid of i, f and o, tanh of g), a forward scan recomputes
// the cell states c_t (the only other loop), then the reverse sweep carries
// dh and dc; the step generic writes the four
// gate gradients (i, f, g, o at columns 0, 4, 8, 12) and dc_prev = dc f into
// dc's own buffer; dh_{t-1} = dA_t W_hh over all 16 gate columns.
// CHECK-LABEL: func.func @lstm_backward(
// CHECK-SAME: %[[G:[a-z0-9]+]]: tensor<?x5x4xf32>, %[[X:[a-z0-9]+]]: tensor<?x5x3xf32>, %[[HS:[a-z0-9]+]]: tensor<?x5x4xf32>, %[[WI:[a-z0-9]+]]: tensor<16x3xf32>, %[[WH:[a-z0-9]+]]: tensor<16x4xf32>
// CHECK: %[[N:.*]] = tensor.dim %[[X]], %{{.*}} : tensor<?x5x3xf32>
// CHECK: %[[A:.*]] = linalg.generic {{.*}} ins(%{{.*}}, %{{.*}} : tensor<?x5x16xf32>, tensor<?x5x16xf32>) outs(%{{.*}} : tensor<?x5x16xf32>)
// CHECK: tensor.extract_slice %[[A]][0, 0, 0] [%{{.*}}, 5, 4]
// CHECK: math.exp
// CHECK: arith.divf
// CHECK: %[[AG8:.*]] = tensor.extract_slice %[[A]][0, 0, 8] [%{{.*}}, 5, 4]
// CHECK: linalg.generic {{.*}} ins(%[[AG8]] : tensor<?x5x4xf32>)
// CHECK-NEXT: ^bb0
// CHECK-NEXT: math.tanh
// CHECK: %[[ACT:.*]] = tensor.insert_slice %{{.*}} into %{{.*}}[0, 0, 12] [%{{.*}}, 5, 4]
// The cell-state scan: c = f c_prev + i g, forward in t.
// CHECK: %[[SCAN:.*]]:2 = scf.for %[[S:[a-z0-9_]+]] = {{.*}} -> (tensor<?x4xf32>, tensor<?x5x4xf32>)
// CHECK-NEXT: %[[SI:.*]] = tensor.extract_slice %[[ACT]][0, %[[S]], 0] [%[[N]], 1, 4]
// CHECK-NEXT: %[[SF:.*]] = tensor.extract_slice %[[ACT]][0, %[[S]], 4] [%[[N]], 1, 4]
// CHECK-NEXT: %[[SG:.*]] = tensor.extract_slice %[[ACT]][0, %[[S]], 8] [%[[N]], 1, 4]
// CHECK: linalg.generic {{.*}} ins(%[[SI]], %[[SF]], %[[SG]], %{{.*}} : {{.*}})
// CHECK-NEXT: ^bb0(%[[VI:[a-z0-9_]+]]: f32, %[[VF:[a-z0-9_]+]]: f32, %[[VG:[a-z0-9_]+]]: f32, %[[VC:[a-z0-9_]+]]: f32,
// CHECK-NEXT: %[[FC0:.*]] = arith.mulf %[[VF]], %[[VC]]
// CHECK-NEXT: %[[IG0:.*]] = arith.mulf %[[VI]], %[[VG]]
// CHECK-NEXT: arith.addf %[[FC0]], %[[IG0]]
// CHECK: scf.yield
// CHECK: %[[CPREV:.*]] = linalg.generic {{.*}} outs(%{{.*}} : tensor<?x5x4xf32>)
// CHECK: tensor.extract %[[SCAN]]#1[
// CHECK: %[[DA0:.*]] = tensor.empty(%[[N]]) : tensor<?x5x16xf32>
// CHECK: %[[LOOP:.*]]:4 = scf.for %[[I:[a-z0-9_]+]] = {{.*}} iter_args(%[[DH:[a-z0-9_]+]] = %{{.*}}, %[[DA:[a-z0-9_]+]] = %[[DA0]], %[[DC:[a-z0-9_]+]] = %{{.*}}, %{{[a-z0-9_]+}} = %{{.*}}) -> (tensor<?x4xf32>, tensor<?x5x16xf32>, tensor<?x4xf32>, tensor<16xf32>)
// CHECK-NEXT: %[[LAST:.*]] = arith.constant 4 : index
// CHECK-NEXT: %[[TT:.*]] = arith.subi %[[LAST]], %[[I]] : index
// CHECK-NEXT: %[[GT:.*]] = tensor.extract_slice %[[G]][0, %[[TT]], 0]
// CHECK: %[[CT:.*]] = tensor.extract_slice %[[SCAN]]#1[0, %[[TT]], 0] [%[[N]], 1, 4]
// CHECK-NEXT: %[[CPT:.*]] = tensor.extract_slice %[[CPREV]][0, %[[TT]], 0] [%[[N]], 1, 4]
// CHECK-NEXT: %[[STEP:.*]]:5 = linalg.generic {{.*}} ins(%[[GT]], %[[DH]], {{.*}}, %[[DC]], %[[CT]], %[[CPT]] : {{.*}}) outs({{.*}}, %[[DC]] : {{.*}})
// CHECK-NEXT: ^bb0(%[[GI:[a-z0-9_]+]]: f32, %[[DHI:[a-z0-9_]+]]: f32, %[[AI:[a-z0-9_]+]]: f32, %[[AF:[a-z0-9_]+]]: f32, %[[AG:[a-z0-9_]+]]: f32, %[[AO:[a-z0-9_]+]]: f32, %[[DCN:[a-z0-9_]+]]: f32, %[[CI:[a-z0-9_]+]]: f32, %[[CPI:[a-z0-9_]+]]: f32, %{{.*}}: f32, %{{.*}}: f32, %{{.*}}: f32, %{{.*}}: f32, %{{.*}}: f32):
// CHECK-NEXT: %[[D:.*]] = arith.addf %[[GI]], %[[DHI]]
// The gates are read activated (i, f, g, o), nothing recomputes them:
// dc = dc_next + d o (1 - tanh^2 c)
// CHECK-NEXT: %[[TC:.*]] = math.tanh %[[CI]]
// CHECK-NEXT: %[[DO:.*]] = arith.mulf %[[D]], %[[AO]]
// CHECK-NEXT: %[[ONE:.*]] = arith.constant 1.000000e+00 : f32
// CHECK-NEXT: %[[TC2:.*]] = arith.mulf %[[TC]], %[[TC]]
// CHECK-NEXT: %[[DTC:.*]] = arith.subf %[[ONE]], %[[TC2]]
// CHECK-NEXT: %[[DCT:.*]] = arith.mulf %[[DO]], %[[DTC]]
// CHECK-NEXT: %[[DCV:.*]] = arith.addf %[[DCN]], %[[DCT]]
// di = dc g sigmoid'(i), df = dc c_prev sigmoid'(f), dc_prev = dc f
// CHECK-NEXT: arith.mulf %[[DCV]], %[[AG]]
// CHECK: arith.mulf %[[DCV]], %[[CPI]]
// CHECK: %[[DCP:.*]] = arith.mulf %[[DCV]], %[[AF]] : f32
// CHECK-NEXT: linalg.yield %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %[[DCP]] : f32, f32, f32, f32, f32
// CHECK: %[[I0:.*]] = tensor.insert_slice %[[STEP]]#0 into %[[DA]][0, %[[TT]], 0] [%[[N]], 1, 4]
// CHECK-NEXT: %[[I1:.*]] = tensor.insert_slice %[[STEP]]#1 into %[[I0]][0, %[[TT]], 4] [%[[N]], 1, 4]
// CHECK-NEXT: %[[I2:.*]] = tensor.insert_slice %[[STEP]]#2 into %[[I1]][0, %[[TT]], 8] [%[[N]], 1, 4]
// CHECK-NEXT: %[[I3:.*]] = tensor.insert_slice %[[STEP]]#3 into %[[I2]][0, %[[TT]], 12] [%[[N]], 1, 4]
// CHECK: %[[ACC:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%[[DH]] : tensor<?x4xf32>)
// CHECK-NEXT: %[[DAS:.*]] = tensor.extract_slice %[[I3]][0, %[[TT]], 0] [%[[N]], 1, 16]
// CHECK-NEXT: %[[DHP:.*]] = linalg.matmul ins(%[[DAS]], %[[WH]] : tensor<?x16xf32>, tensor<16x4xf32>) outs(%[[ACC]] : tensor<?x4xf32>)
// CHECK: scf.yield %[[DHP]], %[[I3]], %[[STEP]]#4, %{{.*}}
// CHECK: %[[DAF:.*]] = tensor.collapse_shape %[[LOOP]]#1 {{\[}}[0, 1], [2]] : tensor<?x5x16xf32> into tensor<?x16xf32>
// CHECK: linalg.matmul ins(%[[DAF]], %[[WI]] : tensor<?x16xf32>, tensor<16x3xf32>)
// CHECK: linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<3x?xf32>, tensor<?x16xf32>) outs(%{{.*}} : tensor<3x16xf32>)
// CHECK: linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<16x?xf32>, tensor<?x4xf32>) outs(%{{.*}} : tensor<16x4xf32>)
// Two loops: the cell-state scan and the reverse sweep.
// LOOPS-LABEL: func.func @lstm_backward(
// LOOPS-COUNT-2: scf.for
// LOOPS-NOT: scf.for
func.func @lstm_backward(%g: tensor<?x5x4xf32>, %x: tensor<?x5x3xf32>, %h: tensor<?x5x4xf32>, %wi: tensor<16x3xf32>, %wh: tensor<16x4xf32>, %bi: tensor<16xf32>, %bh: tensor<16xf32>) -> (tensor<?x5x3xf32>, tensor<16x3xf32>, tensor<16x4xf32>, tensor<16xf32>, tensor<16xf32>) {
  %dx, %dwi, %dwh, %dbi, %dbh = nn.lstm_backward %g, %x, %h, %wi, %wh, %bi, %bh : tensor<?x5x4xf32>, tensor<?x5x3xf32>, tensor<16x3xf32>, tensor<16x4xf32>, tensor<16xf32>
  return %dx, %dwi, %dwh, %dbi, %dbh : tensor<?x5x3xf32>, tensor<16x3xf32>, tensor<16x4xf32>, tensor<16xf32>, tensor<16xf32>
}

// -----

// A static batch: the recomputed gates are activated into a static tensor.
// CHECK-LABEL: func.func @lstm_backward_static_batch(
// CHECK: math.exp
// CHECK: tensor.insert_slice %{{.*}} into %{{.*}}[0, 0, 0] [2, 5, 4] [1, 1, 1] : tensor<2x5x4xf32> into tensor<2x5x16xf32>
// CHECK: scf.for
// CHECK: return
// LOOPS-LABEL: func.func @lstm_backward_static_batch(
// LOOPS-COUNT-2: scf.for
// LOOPS-NOT: scf.for
func.func @lstm_backward_static_batch(%g: tensor<2x5x4xf32>, %x: tensor<2x5x3xf32>, %h: tensor<2x5x4xf32>, %wi: tensor<16x3xf32>, %wh: tensor<16x4xf32>, %bi: tensor<16xf32>, %bh: tensor<16xf32>) -> (tensor<2x5x3xf32>, tensor<16x3xf32>, tensor<16x4xf32>, tensor<16xf32>, tensor<16xf32>) {
  %dx, %dwi, %dwh, %dbi, %dbh = nn.lstm_backward %g, %x, %h, %wi, %wh, %bi, %bh : tensor<2x5x4xf32>, tensor<2x5x3xf32>, tensor<16x3xf32>, tensor<16x4xf32>, tensor<16xf32>
  return %dx, %dwi, %dwh, %dbi, %dbh : tensor<2x5x3xf32>, tensor<16x3xf32>, tensor<16x4xf32>, tensor<16xf32>, tensor<16xf32>
}

// -----

// LSTM with its gates' activations and cell states stored by the forward
// pass (nn.lstm_with_gates, [N, T, 20]): no product recomputes the gates, no
// exp recomputes a sigmoid (only tanh(c_t) is), and no scan the cell states,
// whose block [16, 20) is shifted one step for c_{t-1}. The products left are
// the reverse sweep's dh_{t-1} = dA_t W_hh and, after it, dx, dW_ih and
// dW_hh.
// CHECK-LABEL: func.func @lstm_backward_stored_gates(
// CHECK-SAME: %{{[a-z0-9]+}}: tensor<?x5x4xf32>, %{{[a-z0-9]+}}: tensor<?x5x3xf32>, %{{[a-z0-9]+}}: tensor<?x5x4xf32>, %{{[a-z0-9]+}}: tensor<16x3xf32>, %{{[a-z0-9]+}}: tensor<16x4xf32>, %{{[a-z0-9]+}}: tensor<16xf32>, %{{[a-z0-9]+}}: tensor<16xf32>, %[[SA:[a-z0-9]+]]: tensor<?x5x20xf32>
// CHECK-NOT: linalg.matmul
// CHECK: %[[CS:.*]] = tensor.extract_slice %[[SA]][0, 0, 16] [%{{.*}}, 5, 4] [1, 1, 1] : tensor<?x5x20xf32> to tensor<?x5x4xf32>
// CHECK: tensor.extract %[[CS]][
// CHECK-NOT: linalg.matmul
// CHECK: scf.for
// CHECK-NOT: math.exp
// CHECK: math.tanh
// CHECK-NOT: math.exp
// CHECK-NOT: math.tanh
// CHECK: linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<?x16xf32>, tensor<16x4xf32>)
// CHECK: scf.yield
// CHECK-COUNT-3: linalg.matmul
// CHECK-NOT: linalg.matmul
// CHECK: return
// LOOPS-LABEL: func.func @lstm_backward_stored_gates(
// LOOPS-COUNT-1: scf.for
// LOOPS-NOT: scf.for
func.func @lstm_backward_stored_gates(%g: tensor<?x5x4xf32>, %x: tensor<?x5x3xf32>, %h: tensor<?x5x4xf32>, %wi: tensor<16x3xf32>, %wh: tensor<16x4xf32>, %bi: tensor<16xf32>, %bh: tensor<16xf32>, %a: tensor<?x5x20xf32>) -> (tensor<?x5x3xf32>, tensor<16x3xf32>, tensor<16x4xf32>, tensor<16xf32>, tensor<16xf32>) {
  %dx, %dwi, %dwh, %dbi, %dbh = nn.lstm_backward %g, %x, %h, %wi, %wh, %bi, %bh preactivations %a : tensor<?x5x20xf32> : tensor<?x5x4xf32>, tensor<?x5x3xf32>, tensor<16x3xf32>, tensor<16x4xf32>, tensor<16xf32>
  return %dx, %dwi, %dwh, %dbi, %dbh : tensor<?x5x3xf32>, tensor<16x3xf32>, tensor<16x4xf32>, tensor<16xf32>, tensor<16xf32>
}

// -----

// GRU: two [N, T, 12] gradient tensors are carried, dA_x for W_ih and dA_h
// for W_hh (they differ in the n gate: dA_h,n = r dA_n); dh_{t-1} is the
// matmul dA_h,t W_hh accumulated onto the direct term dh z (the step
// generic's last result, written into dh's buffer).
// CHECK-LABEL: func.func @gru_backward(
// CHECK-SAME: %[[G:[a-z0-9]+]]: tensor<?x5x4xf32>, %[[X:[a-z0-9]+]]: tensor<?x5x3xf32>, %[[HS:[a-z0-9]+]]: tensor<?x5x4xf32>, %[[WI:[a-z0-9]+]]: tensor<12x3xf32>, %[[WH:[a-z0-9]+]]: tensor<12x4xf32>
// CHECK: %[[N:.*]] = tensor.dim %[[X]], %{{.*}} : tensor<?x5x3xf32>
// CHECK: %[[LOOP:.*]]:5 = scf.for %[[I:[a-z0-9_]+]] = {{.*}} iter_args(%[[DH:[a-z0-9_]+]] = %{{.*}}, %[[DAX:[a-z0-9_]+]] = %{{.*}}, %[[DAH:[a-z0-9_]+]] = %{{.*}}, %[[DBX:[a-z0-9_]+]] = %{{.*}}, %[[DBH:[a-z0-9_]+]] = %{{.*}}) -> (tensor<?x4xf32>, tensor<?x5x12xf32>, tensor<?x5x12xf32>, tensor<12xf32>, tensor<12xf32>)
// CHECK-NEXT: %[[LAST:.*]] = arith.constant 4 : index
// CHECK-NEXT: %[[TT:.*]] = arith.subi %[[LAST]], %[[I]] : index
// CHECK: %[[STEP:.*]]:7 = linalg.generic {{.*}} ins(%{{.*}}, %[[DH]], {{.*}}) outs({{.*}}, %[[DH]] : {{.*}})
// CHECK-NEXT: ^bb0(%[[GI:[a-z0-9_]+]]: f32, %[[DHI:[a-z0-9_]+]]: f32, %[[XR:[a-z0-9_]+]]: f32, %[[HR:[a-z0-9_]+]]: f32, %[[XZ:[a-z0-9_]+]]: f32, %[[HZ:[a-z0-9_]+]]: f32, %[[XN:[a-z0-9_]+]]: f32, %[[HN:[a-z0-9_]+]]: f32, %[[HP:[a-z0-9_]+]]: f32,
// CHECK-NEXT: %[[D:.*]] = arith.addf %[[GI]], %[[DHI]]
// CHECK-NEXT: %[[RP:.*]] = arith.addf %[[XR]], %[[HR]]
// CHECK: %[[R:.*]] = arith.divf
// CHECK-NEXT: %[[ZP:.*]] = arith.addf %[[XZ]], %[[HZ]]
// CHECK: %[[Z:.*]] = arith.divf
// n = tanh(x_n + r h_n)
// CHECK-NEXT: %[[RHN:.*]] = arith.mulf %[[R]], %[[HN]]
// CHECK-NEXT: %[[NP:.*]] = arith.addf %[[XN]], %[[RHN]]
// CHECK-NEXT: %[[NG:.*]] = math.tanh %[[NP]]
// dA_n = d (1 - z) (1 - n^2), dA_r = dA_n h_n sigmoid'(r),
// dA_z = d (h_prev - n) sigmoid'(z)
// CHECK-NEXT: %[[ONE:.*]] = arith.constant 1.000000e+00 : f32
// CHECK-NEXT: %[[OMZ:.*]] = arith.subf %[[ONE]], %[[Z]]
// CHECK-NEXT: %[[DOMZ:.*]] = arith.mulf %[[D]], %[[OMZ]]
// CHECK-NEXT: %[[ONE2:.*]] = arith.constant 1.000000e+00 : f32
// CHECK-NEXT: %[[N2:.*]] = arith.mulf %[[NG]], %[[NG]]
// CHECK-NEXT: %[[DTN:.*]] = arith.subf %[[ONE2]], %[[N2]]
// CHECK-NEXT: %[[DAN:.*]] = arith.mulf %[[DOMZ]], %[[DTN]]
// CHECK-NEXT: arith.mulf %[[DAN]], %[[HN]]
// CHECK: %[[HPN:.*]] = arith.subf %[[HP]], %[[NG]]
// CHECK-NEXT: arith.mulf %[[D]], %[[HPN]]
// CHECK: %[[DANR:.*]] = arith.mulf %[[DAN]], %[[R]]
// CHECK-NEXT: %[[DIRECT:.*]] = arith.mulf %[[D]], %[[Z]]
// CHECK-NEXT: linalg.yield %[[DAR:.*]], %[[DAZ:.*]], %[[DAN]], %[[DAR]], %[[DAZ]], %[[DANR]], %[[DIRECT]] : f32, f32, f32, f32, f32, f32, f32
// CHECK: tensor.insert_slice %[[STEP]]#0 into %[[DAX]][0, %[[TT]], 0]
// CHECK-NEXT: tensor.insert_slice %[[STEP]]#3 into %[[DAH]][0, %[[TT]], 0]
// CHECK: %[[DX2:.*]] = tensor.insert_slice %[[STEP]]#2 into %{{.*}}[0, %[[TT]], 8]
// CHECK-NEXT: %[[DH2:.*]] = tensor.insert_slice %[[STEP]]#5 into %{{.*}}[0, %[[TT]], 8]
// CHECK-NEXT: %[[DAS:.*]] = tensor.extract_slice %[[DH2]][0, %[[TT]], 0] [%[[N]], 1, 12]
// CHECK-NEXT: %[[DHP:.*]] = linalg.matmul ins(%[[DAS]], %[[WH]] : tensor<?x12xf32>, tensor<12x4xf32>) outs(%[[STEP]]#6 : tensor<?x4xf32>)
// The bias gradients add the step's rows of dA_x and of dA_h.
// CHECK: linalg.generic {{.*}} ins(%{{.*}} : tensor<?x12xf32>) outs(%[[DBX]] : tensor<12xf32>)
// CHECK: linalg.generic {{.*}} ins(%{{.*}} : tensor<?x12xf32>) outs(%[[DBH]] : tensor<12xf32>)
// CHECK: scf.yield %[[DHP]], %[[DX2]], %[[DH2]], %{{.*}}, %{{.*}}
// dx and dW_ih from dA_x, dW_hh from dA_h.
// CHECK: %[[DAXF:.*]] = tensor.collapse_shape %[[LOOP]]#1 {{\[}}[0, 1], [2]]
// CHECK-NEXT: %[[DAHF:.*]] = tensor.collapse_shape %[[LOOP]]#2 {{\[}}[0, 1], [2]]
// CHECK: linalg.matmul ins(%[[DAXF]], %[[WI]] : tensor<?x12xf32>, tensor<12x3xf32>)
// CHECK: linalg.matmul ins(%{{.*}}, %[[DAXF]] : tensor<3x?xf32>, tensor<?x12xf32>) outs(%{{.*}} : tensor<3x12xf32>)
// CHECK: linalg.transpose ins(%[[DAHF]] : tensor<?x12xf32>)
// CHECK: linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<12x?xf32>, tensor<?x4xf32>) outs(%{{.*}} : tensor<12x4xf32>)
// CHECK: return %{{.*}}, %{{.*}}, %{{.*}}, %[[LOOP]]#3, %[[LOOP]]#4
// LOOPS-LABEL: func.func @gru_backward(
// LOOPS-COUNT-1: scf.for
// LOOPS-NOT: scf.for
func.func @gru_backward(%g: tensor<?x5x4xf32>, %x: tensor<?x5x3xf32>, %h: tensor<?x5x4xf32>, %wi: tensor<12x3xf32>, %wh: tensor<12x4xf32>, %bi: tensor<12xf32>, %bh: tensor<12xf32>) -> (tensor<?x5x3xf32>, tensor<12x3xf32>, tensor<12x4xf32>, tensor<12xf32>, tensor<12xf32>) {
  %dx, %dwi, %dwh, %dbi, %dbh = nn.gru_backward %g, %x, %h, %wi, %wh, %bi, %bh : tensor<?x5x4xf32>, tensor<?x5x3xf32>, tensor<12x3xf32>, tensor<12x4xf32>, tensor<12xf32>
  return %dx, %dwi, %dwh, %dbi, %dbh : tensor<?x5x3xf32>, tensor<12x3xf32>, tensor<12x4xf32>, tensor<12xf32>, tensor<12xf32>
}

// -----

// GRU with what its forward stored (nn.gru_with_gates, [N, T, 16]: the r and
// z sums, n's input and hidden terms): the step generic reads the four
// blocks, and no product recomputes them. The products left are the reverse
// sweep's dh_{t-1} = dA_h,t W_hh and, after it, dx, dW_ih and dW_hh.
// CHECK-LABEL: func.func @gru_backward_stored_gates(
// CHECK-SAME: %[[SA:[a-z0-9]+]]: tensor<?x5x16xf32>
// CHECK-NOT: linalg.matmul
// CHECK: scf.for
// CHECK: %[[AR:.*]] = tensor.extract_slice %[[SA]][0, %{{.*}}, 0] [%{{.*}}, 1, 4]
// CHECK-NEXT: %[[AZ:.*]] = tensor.extract_slice %[[SA]][0, %{{.*}}, 4] [%{{.*}}, 1, 4]
// CHECK-NEXT: %[[XN:.*]] = tensor.extract_slice %[[SA]][0, %{{.*}}, 8] [%{{.*}}, 1, 4]
// CHECK-NEXT: %[[HN:.*]] = tensor.extract_slice %[[SA]][0, %{{.*}}, 12] [%{{.*}}, 1, 4]
// CHECK: linalg.generic {{.*}} ins(%{{.*}}, %{{.*}}, %[[AR]], %[[AZ]], %[[XN]], %[[HN]], %{{.*}} : {{.*}})
// CHECK: linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<?x12xf32>, tensor<12x4xf32>)
// CHECK: scf.yield
// CHECK-COUNT-3: linalg.matmul
// CHECK-NOT: linalg.matmul
// CHECK: return
// LOOPS-LABEL: func.func @gru_backward_stored_gates(
// LOOPS-COUNT-1: scf.for
// LOOPS-NOT: scf.for
func.func @gru_backward_stored_gates(%g: tensor<?x5x4xf32>, %x: tensor<?x5x3xf32>, %h: tensor<?x5x4xf32>, %wi: tensor<12x3xf32>, %wh: tensor<12x4xf32>, %bi: tensor<12xf32>, %bh: tensor<12xf32>, %a: tensor<?x5x16xf32>) -> (tensor<?x5x3xf32>, tensor<12x3xf32>, tensor<12x4xf32>, tensor<12xf32>, tensor<12xf32>) {
  %dx, %dwi, %dwh, %dbi, %dbh = nn.gru_backward %g, %x, %h, %wi, %wh, %bi, %bh preactivations %a : tensor<?x5x16xf32> : tensor<?x5x4xf32>, tensor<?x5x3xf32>, tensor<12x3xf32>, tensor<12x4xf32>, tensor<12xf32>
  return %dx, %dwi, %dwh, %dbi, %dbh : tensor<?x5x3xf32>, tensor<12x3xf32>, tensor<12x4xf32>, tensor<12xf32>, tensor<12xf32>
}

// -----

// The same without linear_before_reset: r * hprev (for dW_hh's n rows) is
// computed from the stored r sums, W_hn (r h) + b_hn is read, not
// recomputed; the loop keeps its two products (d(r h) and dh_{t-1}).
// CHECK-LABEL: func.func @gru_reset_first_stored_gates(
// CHECK-SAME: %[[SA:[a-z0-9]+]]: tensor<?x5x16xf32>
// CHECK-NOT: linalg.matmul
// CHECK: tensor.extract_slice %[[SA]][0, 0, 0] [%{{.*}}, 5, 4]
// CHECK-NOT: linalg.matmul
// CHECK: scf.for
// CHECK: tensor.extract_slice %[[SA]][0, %{{.*}}, 4]
// CHECK-NEXT: tensor.extract_slice %[[SA]][0, %{{.*}}, 8]
// CHECK-NEXT: tensor.extract_slice %[[SA]][0, %{{.*}}, 12]
// CHECK-COUNT-2: linalg.matmul
// CHECK: scf.yield
// CHECK-COUNT-4: linalg.matmul
// CHECK-NOT: linalg.matmul
// CHECK: return
// LOOPS-LABEL: func.func @gru_reset_first_stored_gates(
// LOOPS-COUNT-1: scf.for
// LOOPS-NOT: scf.for
func.func @gru_reset_first_stored_gates(%g: tensor<?x5x4xf32>, %x: tensor<?x5x3xf32>, %h: tensor<?x5x4xf32>, %wi: tensor<12x3xf32>, %wh: tensor<12x4xf32>, %bi: tensor<12xf32>, %bh: tensor<12xf32>, %a: tensor<?x5x16xf32>) -> (tensor<?x5x3xf32>, tensor<12x3xf32>, tensor<12x4xf32>, tensor<12xf32>, tensor<12xf32>) {
  %dx, %dwi, %dwh, %dbi, %dbh = nn.gru_backward %g, %x, %h, %wi, %wh, %bi, %bh preactivations %a : tensor<?x5x16xf32> {linear_before_reset = false} : tensor<?x5x4xf32>, tensor<?x5x3xf32>, tensor<12x3xf32>, tensor<12x4xf32>, tensor<12xf32>
  return %dx, %dwi, %dwh, %dbi, %dbh : tensor<?x5x3xf32>, tensor<12x3xf32>, tensor<12x4xf32>, tensor<12xf32>, tensor<12xf32>
}

// -----

// GRU with linear_before_reset = false: r * hprev and its product with W_hn
// are recomputed over all steps; each reverse step takes dA_z, dA_n and
// d z in one generic, d(r h) = dA_n W_hn into the loop's scratch buffer,
// then dA_r = d(r h) hprev sigmoid'(r) and the direct term d z + d(r h) r,
// and dh_{t-1} from the r and z rows of W_hh only. dW_hh stacks the r, z
// rows (from hprev) over the n rows (from r * hprev).
// CHECK-LABEL: func.func @gru_reset_first_backward(
// CHECK-SAME: %[[G:[a-z0-9]+]]: tensor<?x5x4xf32>, %[[X:[a-z0-9]+]]: tensor<?x5x3xf32>, %[[HS:[a-z0-9]+]]: tensor<?x5x4xf32>, %[[WI:[a-z0-9]+]]: tensor<12x3xf32>, %[[WH:[a-z0-9]+]]: tensor<12x4xf32>
// CHECK: %[[WRZ:.*]] = tensor.extract_slice %[[WH]][0, 0] [8, 4] [1, 1] : tensor<12x4xf32> to tensor<8x4xf32>
// CHECK: %[[WN:.*]] = tensor.extract_slice %[[WH]][8, 0] [4, 4] [1, 1] : tensor<12x4xf32> to tensor<4x4xf32>
// CHECK: %[[RH:.*]] = linalg.generic {{.*}} outs(%{{.*}} : tensor<?x5x4xf32>)
// CHECK: linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<?x4xf32>, tensor<4x4xf32>)
// CHECK: %[[LOOP:.*]]:4 = scf.for %[[I:[a-z0-9_]+]] = {{.*}} iter_args(%[[DH:[a-z0-9_]+]] = %{{.*}}, %[[DAX:[a-z0-9_]+]] = %{{.*}}, %[[SCR:[a-z0-9_]+]] = %{{.*}}, %{{[a-z0-9_]+}} = %{{.*}}) -> (tensor<?x4xf32>, tensor<?x5x12xf32>, tensor<?x4xf32>, tensor<12xf32>)
// CHECK: %[[ZN:.*]]:3 = linalg.generic {{.*}} ins(%{{.*}}, %[[DH]], {{.*}}) outs({{.*}}, %[[DH]] : {{.*}})
// CHECK: linalg.yield %{{.*}}, %{{.*}}, %{{.*}} : f32, f32, f32
// CHECK: %[[FILL:.*]] = linalg.fill {{.*}} outs(%[[SCR]] : tensor<?x4xf32>)
// CHECK-NEXT: %[[DRH:.*]] = linalg.matmul ins(%[[ZN]]#1, %[[WN]] : tensor<?x4xf32>, tensor<4x4xf32>) outs(%[[FILL]] : tensor<?x4xf32>)
// CHECK: %[[RD:.*]]:2 = linalg.generic {{.*}} ins(%[[DRH]], {{.*}}) outs(%{{.*}}, %[[ZN]]#2 : tensor<?x4xf32>, tensor<?x4xf32>)
// CHECK-NEXT: ^bb0(%[[DRHI:[a-z0-9_]+]]: f32, %[[HP:[a-z0-9_]+]]: f32, %{{.*}}: f32, %{{.*}}: f32, %{{.*}}: f32, %[[DIRI:[a-z0-9_]+]]: f32):
// CHECK: %[[R:.*]] = arith.divf
// CHECK-NEXT: arith.mulf %[[DRHI]], %[[HP]]
// CHECK: %[[DRR:.*]] = arith.mulf %[[DRHI]], %[[R]]
// CHECK-NEXT: %[[DIR2:.*]] = arith.addf %[[DIRI]], %[[DRR]]
// CHECK: tensor.insert_slice %[[RD]]#0 into %[[DAX]][0, %{{.*}}, 0]
// CHECK-NEXT: tensor.insert_slice %[[ZN]]#0 into %{{.*}}[0, %{{.*}}, 4]
// CHECK-NEXT: %[[DX2:.*]] = tensor.insert_slice %[[ZN]]#1 into %{{.*}}[0, %{{.*}}, 8]
// CHECK-NEXT: %[[DAS:.*]] = tensor.extract_slice %[[DX2]][0, %{{.*}}, 0] [%{{.*}}, 1, 8]
// CHECK-NEXT: %[[DHP:.*]] = linalg.matmul ins(%[[DAS]], %[[WRZ]] : tensor<?x8xf32>, tensor<8x4xf32>) outs(%[[RD]]#1 : tensor<?x4xf32>)
// CHECK: scf.yield %[[DHP]], %[[DX2]], %[[DRH]], %{{.*}}
// CHECK: %[[TOP:.*]] = linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<8x?xf32>, tensor<?x4xf32>) outs(%{{.*}} : tensor<8x4xf32>)
// CHECK-NEXT: %[[DW1:.*]] = tensor.insert_slice %[[TOP]] into %{{.*}}[0, 0] [8, 4]
// CHECK: %[[RHF:.*]] = tensor.collapse_shape %[[RH]] {{\[}}[0, 1], [2]]
// CHECK: %[[BOT:.*]] = linalg.matmul ins(%{{.*}}, %[[RHF]] : tensor<4x?xf32>, tensor<?x4xf32>) outs(%{{.*}} : tensor<4x4xf32>)
// CHECK-NEXT: %[[DW:.*]] = tensor.insert_slice %[[BOT]] into %[[DW1]][8, 0] [4, 4]
// CHECK: return %{{.*}}, %{{.*}}, %[[DW]],
// LOOPS-LABEL: func.func @gru_reset_first_backward(
// LOOPS-COUNT-1: scf.for
// LOOPS-NOT: scf.for
func.func @gru_reset_first_backward(%g: tensor<?x5x4xf32>, %x: tensor<?x5x3xf32>, %h: tensor<?x5x4xf32>, %wi: tensor<12x3xf32>, %wh: tensor<12x4xf32>, %bi: tensor<12xf32>, %bh: tensor<12xf32>) -> (tensor<?x5x3xf32>, tensor<12x3xf32>, tensor<12x4xf32>, tensor<12xf32>, tensor<12xf32>) {
  %dx, %dwi, %dwh, %dbi, %dbh = nn.gru_backward %g, %x, %h, %wi, %wh, %bi, %bh {linear_before_reset = false} : tensor<?x5x4xf32>, tensor<?x5x3xf32>, tensor<12x3xf32>, tensor<12x4xf32>, tensor<12xf32>
  return %dx, %dwi, %dwh, %dbi, %dbh : tensor<?x5x3xf32>, tensor<12x3xf32>, tensor<12x4xf32>, tensor<12xf32>, tensor<12xf32>
}
