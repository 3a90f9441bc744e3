// Recurrent layers lowered by nnc-convert-nn-to-linalg: the input projection
// of all time steps is ONE linalg.matmul on the collapsed [batch * seq, in]
// input plus the input bias, hoisted out of the time loop; the loop is an
// scf.for over the (static) sequence whose step is a linalg.matmul of the
// hidden state against the transposed recurrent weight, followed by one gate
// generic. The hidden bias is added to the input bias once, before the
// projection (GRU: b_hr and b_hz only; b_hn, inside the reset product, is a
// broadcast input of the cell), and the step's matmul accumulates into a
// zero fill made in the step (chunked with it for threads). No scalar
// loops: the only scf.for is the time loop.
// RUN: nnc-opt %s --nnc-convert-nn-to-linalg -split-input-file | FileCheck %s

// CHECK-LABEL: func.func @lstm(
// CHECK-SAME: %[[X:[a-z0-9]+]]: tensor<?x5x3xf32>, %[[WI:[a-z0-9]+]]: tensor<16x3xf32>, %[[WH:[a-z0-9]+]]: tensor<16x4xf32>, %[[BI:[a-z0-9]+]]: tensor<16xf32>, %[[BH:[a-z0-9]+]]: tensor<16xf32>
// CHECK: %[[BIH:.*]] = linalg.generic {{.*}} ins(%[[BI]], %[[BH]] : tensor<16xf32>, tensor<16xf32>) outs(%{{.*}} : tensor<16xf32>)
// CHECK-NEXT: ^bb0
// CHECK-NEXT: arith.addf
// CHECK: %[[XC:.*]] = tensor.collapse_shape %[[X]] {{\[}}[0, 1], [2]] : tensor<?x5x3xf32> into tensor<?x3xf32>
// CHECK: %[[WIT:.*]] = linalg.transpose ins(%[[WI]] : tensor<16x3xf32>)
// CHECK: %[[XP:.*]] = linalg.matmul ins(%[[XC]], %[[WIT]] : tensor<?x3xf32>, tensor<3x16xf32>)
// CHECK: %[[XPB:.*]] = linalg.generic {{.*}} ins(%[[XP]], %[[BIH]] : tensor<?x16xf32>, tensor<16xf32>)
// CHECK: arith.addf
// CHECK: %[[XS:.*]] = tensor.expand_shape %[[XPB]] {{\[}}[0, 1], [2]] output_shape [%{{.*}}, 5, 16]
// CHECK: %[[WHT:.*]] = linalg.transpose ins(%[[WH]] : tensor<16x4xf32>) outs(%{{.*}} : tensor<4x16xf32>)
// CHECK: %[[C5:.*]] = arith.constant 5 : index
// CHECK: %[[LOOP:.*]]:3 = scf.for %[[T:[a-z0-9]+]] = %{{.*}} to %[[C5]] step %{{.*}} iter_args(%[[H:.*]] = %{{.*}}, %[[OUT:.*]] = %{{.*}}, %[[C:.*]] = %{{.*}}) -> (tensor<?x4xf32>, tensor<?x5x4xf32>, tensor<?x4xf32>)
// CHECK-NOT: scf.for
// CHECK: %[[XT:.*]] = tensor.extract_slice %[[XS]][0, %[[T]], 0] [%{{.*}}, 1, 16] [1, 1, 1] : tensor<?x5x16xf32> to tensor<?x16xf32>
// CHECK: %[[ACC:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%{{.*}} : tensor<?x16xf32>)
// CHECK: %[[HP:.*]] = linalg.matmul ins(%[[H]], %[[WHT]] : tensor<?x4xf32>, tensor<4x16xf32>) outs(%[[ACC]] : tensor<?x16xf32>)
// Gates i, f, g, o: columns 0, 4, 8, 12 of both projections.
// CHECK: tensor.extract_slice %[[XT]][0, 0] [%{{.*}}, 4]
// CHECK: tensor.extract_slice %[[HP]][0, 0] [%{{.*}}, 4]
// CHECK: tensor.extract_slice %[[XT]][0, 12] [%{{.*}}, 4]
// CHECK: tensor.extract_slice %[[HP]][0, 12] [%{{.*}}, 4]
// One generic computes h and c.
// CHECK: %[[HC:.*]]:2 = linalg.generic {{.*}} iterator_types = ["parallel", "parallel"]} ins({{.*}}, %[[H]], %[[C]] : {{.*}}) outs(%{{.*}}, %{{.*}} : tensor<?x4xf32>, tensor<?x4xf32>)
// CHECK-NEXT: ^bb0({{(%[a-z_0-9]+: f32, )+}}%[[CI:[a-z_0-9]+]]: f32, %{{[a-z_0-9]+}}: f32, %{{[a-z_0-9]+}}: f32):
// CHECK: math.exp
// CHECK: math.exp
// CHECK: math.tanh
// CHECK: math.exp
// c' = f * c + i * g, h' = o * tanh(c')
// CHECK: %[[FC:.*]] = arith.mulf %{{.*}}, %[[CI]] : f32
// CHECK-NEXT: %[[IG:.*]] = arith.mulf
// CHECK-NEXT: %[[NC:.*]] = arith.addf %[[FC]], %[[IG]]
// CHECK-NEXT: %[[TC:.*]] = math.tanh %[[NC]]
// CHECK-NEXT: %[[NH:.*]] = arith.mulf %{{.*}}, %[[TC]]
// CHECK-NEXT: linalg.yield %[[NH]], %[[NC]] : f32, f32
// CHECK: tensor.insert_slice %{{.*}} into %[[OUT]][0, %[[T]], 0] [%{{.*}}, 1, 4]
// CHECK: scf.yield
// CHECK: return %[[LOOP]]#1
func.func @lstm(%x: tensor<?x5x3xf32>, %wi: tensor<16x3xf32>, %wh: tensor<16x4xf32>, %bi: tensor<16xf32>, %bh: tensor<16xf32>) -> tensor<?x5x4xf32> {
  %0 = nn.lstm %x, %wi, %wh, %bi, %bh : (tensor<?x5x3xf32>, tensor<16x3xf32>, tensor<16x4xf32>, tensor<16xf32>, tensor<16xf32>) -> tensor<?x5x4xf32>
  return %0 : tensor<?x5x4xf32>
}

// -----

// GRU (PyTorch): n = tanh(x_n + r * (h_n + b_hn)), h' = (1 - z) * n + z * h;
// b_hr and b_hz join b_ih in the projection, b_hn enters the cell as a
// broadcast input, so r multiplies it.
// CHECK-LABEL: func.func @gru(
// CHECK-SAME: %[[X:[a-z0-9]+]]: tensor<?x5x3xf32>, %[[WI:[a-z0-9]+]]: tensor<12x3xf32>, %[[WH:[a-z0-9]+]]: tensor<12x4xf32>, %[[BI:[a-z0-9]+]]: tensor<12xf32>, %[[BH:[a-z0-9]+]]: tensor<12xf32>
// CHECK: %[[BIRZ:.*]] = tensor.extract_slice %[[BI]][0] [8] [1] : tensor<12xf32> to tensor<8xf32>
// CHECK: %[[BHRZ:.*]] = tensor.extract_slice %[[BH]][0] [8] [1] : tensor<12xf32> to tensor<8xf32>
// CHECK: %[[SUM:.*]] = linalg.generic {{.*}} ins(%[[BIRZ]], %[[BHRZ]] : tensor<8xf32>, tensor<8xf32>)
// CHECK: %[[XB:.*]] = tensor.insert_slice %[[SUM]] into %[[BI]][0] [8] [1] : tensor<8xf32> into tensor<12xf32>
// CHECK: linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<?x3xf32>, tensor<3x12xf32>)
// CHECK: linalg.generic {{.*}} ins(%{{.*}}, %[[XB]] : tensor<?x12xf32>, tensor<12xf32>)
// CHECK: %[[WHT:.*]] = linalg.transpose ins(%[[WH]] : tensor<12x4xf32>)
// CHECK: %[[BN:.*]] = tensor.extract_slice %[[BH]][8] [4] [1] : tensor<12xf32> to tensor<4xf32>
// CHECK: %[[NB:.*]] = linalg.generic {{.*}} ins(%[[BN]] : tensor<4xf32>) outs(%{{.*}} : tensor<?x4xf32>)
// CHECK: scf.for %{{.*}} = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%[[H:.*]] = %{{.*}}, %{{.*}} = %{{.*}}) -> (tensor<?x4xf32>, tensor<?x5x4xf32>)
// CHECK-NOT: scf.for
// CHECK: %[[ACC:.*]] = linalg.fill
// CHECK: linalg.matmul ins(%[[H]], %[[WHT]] : tensor<?x4xf32>, tensor<4x12xf32>) outs(%[[ACC]] : tensor<?x12xf32>)
// CHECK: linalg.generic {{.*}} ins({{.*}}, %[[H]], %[[NB]] :
// CHECK-NEXT: ^bb0(%{{.*}}: f32, %{{.*}}: f32, %{{.*}}: f32, %{{.*}}: f32, %[[XN:.*]]: f32, %[[HN:.*]]: f32, %[[HI:.*]]: f32, %[[BHN:.*]]: f32, %{{.*}}: f32):
// CHECK: %[[R:.*]] = arith.divf
// CHECK: %[[Z:.*]] = arith.divf
// CHECK-NEXT: %[[HNB:.*]] = arith.addf %[[HN]], %[[BHN]]
// CHECK-NEXT: %[[RH:.*]] = arith.mulf %[[R]], %[[HNB]]
// CHECK-NEXT: %[[PRE:.*]] = arith.addf %[[XN]], %[[RH]]
// CHECK-NEXT: %[[N:.*]] = math.tanh %[[PRE]]
// CHECK: %[[OMZ:.*]] = arith.subf %{{.*}}, %[[Z]]
// CHECK-NEXT: %[[A:.*]] = arith.mulf %[[OMZ]], %[[N]]
// CHECK-NEXT: %[[B:.*]] = arith.mulf %[[Z]], %[[HI]]
// CHECK-NEXT: %[[NH:.*]] = arith.addf %[[A]], %[[B]]
// CHECK-NEXT: linalg.yield %[[NH]]
func.func @gru(%x: tensor<?x5x3xf32>, %wi: tensor<12x3xf32>, %wh: tensor<12x4xf32>, %bi: tensor<12xf32>, %bh: tensor<12xf32>) -> tensor<?x5x4xf32> {
  %0 = nn.gru %x, %wi, %wh, %bi, %bh : (tensor<?x5x3xf32>, tensor<12x3xf32>, tensor<12x4xf32>, tensor<12xf32>, tensor<12xf32>) -> tensor<?x5x4xf32>
  return %0 : tensor<?x5x4xf32>
}

// -----

// Elman RNN with relu: h' = max(x_t + h W_h^T + b_h, 0).
// CHECK-LABEL: func.func @rnn_relu(
// CHECK-SAME: %[[X:[a-z0-9]+]]: tensor<?x5x3xf32>, %[[WI:[a-z0-9]+]]: tensor<4x3xf32>, %[[WH:[a-z0-9]+]]: tensor<4x4xf32>, %[[BI:[a-z0-9]+]]: tensor<4xf32>, %[[BH:[a-z0-9]+]]: tensor<4xf32>
// CHECK: linalg.generic {{.*}} ins(%[[BI]], %[[BH]] : tensor<4xf32>, tensor<4xf32>)
// CHECK: linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<?x3xf32>, tensor<3x4xf32>)
// CHECK: %[[WHT:.*]] = linalg.transpose ins(%[[WH]] : tensor<4x4xf32>)
// CHECK: scf.for %{{.*}} = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%[[H:.*]] = %{{.*}}, %{{.*}} = %{{.*}})
// CHECK-NOT: scf.for
// CHECK: %[[ACC:.*]] = linalg.fill
// CHECK: %[[HP:.*]] = linalg.matmul ins(%[[H]], %[[WHT]] : tensor<?x4xf32>, tensor<4x4xf32>) outs(%[[ACC]] : tensor<?x4xf32>)
// CHECK: linalg.generic
// CHECK: %[[S:.*]] = arith.addf
// CHECK-NEXT: %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK-NEXT: %[[Y:.*]] = arith.maximumf %[[S]], %[[ZERO]] : f32
// CHECK-NEXT: linalg.yield %[[Y]]
// CHECK-NOT: math.tanh
// CHECK: return
func.func @rnn_relu(%x: tensor<?x5x3xf32>, %wi: tensor<4x3xf32>, %wh: tensor<4x4xf32>, %bi: tensor<4xf32>, %bh: tensor<4xf32>) -> tensor<?x5x4xf32> {
  %0 = nn.rnn %x, %wi, %wh, %bi, %bh {nonlinearity = #nn<nonlinearity relu>} : (tensor<?x5x3xf32>, tensor<4x3xf32>, tensor<4x4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<?x5x4xf32>
  return %0 : tensor<?x5x4xf32>
}

// -----

// GRU with linear_before_reset = false (ONNX's default form): h multiplies
// only the r and z rows of W_hh (b_hr and b_hz are in the projection); a
// generic forms r * h, a second matmul with W_hn^T gives W_hn (r h), and the
// combining generic adds it and b_hn to x_n unscaled.
// CHECK-LABEL: func.func @gru_reset_first(
// CHECK-SAME: %[[X:[a-z0-9]+]]: tensor<?x5x3xf32>, %[[WI:[a-z0-9]+]]: tensor<12x3xf32>, %[[WH:[a-z0-9]+]]: tensor<12x4xf32>, %[[BI:[a-z0-9]+]]: tensor<12xf32>, %[[BH:[a-z0-9]+]]: tensor<12xf32>
// CHECK: tensor.insert_slice %{{.*}} into %[[BI]][0] [8] [1] : tensor<8xf32> into tensor<12xf32>
// CHECK: %[[WRZ:.*]] = tensor.extract_slice %[[WH]][0, 0] [8, 4] [1, 1] : tensor<12x4xf32> to tensor<8x4xf32>
// CHECK: %[[WRZT:.*]] = linalg.transpose ins(%[[WRZ]] : tensor<8x4xf32>)
// CHECK: %[[BN:.*]] = tensor.extract_slice %[[BH]][8] [4] [1] : tensor<12xf32> to tensor<4xf32>
// CHECK: %[[NB:.*]] = linalg.generic {{.*}} ins(%[[BN]] : tensor<4xf32>) outs(%{{.*}} : tensor<?x4xf32>)
// CHECK: %[[WN:.*]] = tensor.extract_slice %[[WH]][8, 0] [4, 4] [1, 1] : tensor<12x4xf32> to tensor<4x4xf32>
// CHECK: %[[WNT:.*]] = linalg.transpose ins(%[[WN]] : tensor<4x4xf32>)
// CHECK: scf.for %{{.*}} = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%[[H:.*]] = %{{.*}}, %{{.*}} = %{{.*}}) -> (tensor<?x4xf32>, tensor<?x5x4xf32>)
// CHECK-NOT: scf.for
// CHECK: %[[ACC:.*]] = linalg.fill
// CHECK: linalg.matmul ins(%[[H]], %[[WRZT]] : tensor<?x4xf32>, tensor<4x8xf32>) outs(%[[ACC]] : tensor<?x8xf32>)
// CHECK: %[[RH:.*]] = linalg.generic {{.*}} ins(%{{.*}}, %{{.*}}, %[[H]] : tensor<?x4xf32>, tensor<?x4xf32>, tensor<?x4xf32>)
// CHECK: %[[R:.*]] = arith.divf
// CHECK-NEXT: %[[P:.*]] = arith.mulf %[[R]], %{{.*}}
// CHECK-NEXT: linalg.yield %[[P]]
// CHECK: %[[ACCN:.*]] = linalg.fill
// CHECK: %[[HN:.*]] = linalg.matmul ins(%[[RH]], %[[WNT]] : tensor<?x4xf32>, tensor<4x4xf32>) outs(%[[ACCN]] : tensor<?x4xf32>)
// CHECK: linalg.generic {{.*}} ins({{.*}}, %[[HN]], %[[H]], %[[NB]] :
// CHECK-NEXT: ^bb0(%{{.*}}: f32, %{{.*}}: f32, %{{.*}}: f32, %{{.*}}: f32, %[[XN:.*]]: f32, %[[HNA:.*]]: f32, %[[HI:.*]]: f32, %[[BHN:.*]]: f32, %{{.*}}: f32):
// CHECK: %[[HNB:.*]] = arith.addf %[[HNA]], %[[BHN]]
// CHECK-NEXT: %[[PRE:.*]] = arith.addf %[[XN]], %[[HNB]]
// CHECK-NEXT: %[[N:.*]] = math.tanh %[[PRE]]
// CHECK: arith.mulf %{{.*}}, %[[N]]
// CHECK: return
func.func @gru_reset_first(%x: tensor<?x5x3xf32>, %wi: tensor<12x3xf32>, %wh: tensor<12x4xf32>, %bi: tensor<12xf32>, %bh: tensor<12xf32>) -> tensor<?x5x4xf32> {
  %0 = nn.gru %x, %wi, %wh, %bi, %bh {linear_before_reset = false} : (tensor<?x5x3xf32>, tensor<12x3xf32>, tensor<12x4xf32>, tensor<12xf32>, tensor<12xf32>) -> tensor<?x5x4xf32>
  return %0 : tensor<?x5x4xf32>
}

// -----

// nn.lstm_with_gates: the time loop also carries [N, T, 20]: each step
// writes its gates' activations (sigmoid of x_t W_ih^T + b + h_{t-1} W_hh^T
// for i, f and o, tanh for g) straight into pre[:, t, 4k:4k+4], one generic
// per gate, each writing the slice of the tensor the previous one was
// inserted into (in place), then the cell reads them back from there
// (nothing recomputes them, nor does the backward pass), and the cell state
// c_t goes into pre[:, t, 16:20] after the copy that carries it; the loop
// returns both.
// CHECK-LABEL: func.func @lstm_with_gates(
// CHECK: %[[LOOP:.*]]:4 = scf.for %[[T:[a-z0-9_]+]] = {{.*}} iter_args({{.*}}, %[[C:[a-z0-9_]+]] = %{{.*}}, %[[PRE:[a-z0-9_]+]] = %{{.*}}) -> (tensor<?x4xf32>, tensor<?x5x4xf32>, tensor<?x4xf32>, tensor<?x5x20xf32>)
// CHECK: %[[XT:.*]] = tensor.extract_slice %{{.*}}[0, %[[T]], 0] [%{{.*}}, 1, 16]
// CHECK: %[[HP:.*]] = linalg.matmul
// CHECK: %[[S0:.*]] = tensor.extract_slice %[[PRE]][0, %[[T]], 0] [%{{.*}}, 1, 4]
// CHECK: %[[I:.*]] = linalg.generic {{.*}} outs(%[[S0]] : tensor<?x4xf32>)
// CHECK: arith.addf
// CHECK: math.exp
// CHECK: %[[P1:.*]] = tensor.insert_slice %[[I]] into %[[PRE]][0, %[[T]], 0] [%{{.*}}, 1, 4]
// CHECK: %[[S1:.*]] = tensor.extract_slice %[[P1]][0, %[[T]], 4] [%{{.*}}, 1, 4]
// CHECK: %[[F:.*]] = linalg.generic {{.*}} outs(%[[S1]] : tensor<?x4xf32>)
// CHECK: %[[P2:.*]] = tensor.insert_slice %[[F]] into %[[P1]][0, %[[T]], 4]
// CHECK: %[[S2:.*]] = tensor.extract_slice %[[P2]][0, %[[T]], 8] [%{{.*}}, 1, 4]
// CHECK: %[[G:.*]] = linalg.generic {{.*}} outs(%[[S2]] : tensor<?x4xf32>)
// CHECK: arith.addf
// CHECK-NEXT: math.tanh
// CHECK: %[[P3:.*]] = tensor.insert_slice %[[G]] into %[[P2]][0, %[[T]], 8]
// CHECK: %[[S3:.*]] = tensor.extract_slice %[[P3]][0, %[[T]], 12] [%{{.*}}, 1, 4]
// CHECK: %[[O:.*]] = linalg.generic {{.*}} outs(%[[S3]] : tensor<?x4xf32>)
// CHECK: %[[P4:.*]] = tensor.insert_slice %[[O]] into %[[P3]][0, %[[T]], 12]
// CHECK: %[[RI:.*]] = tensor.extract_slice %[[P4]][0, %[[T]], 0] [%{{.*}}, 1, 4]
// CHECK: %[[RO:.*]] = tensor.extract_slice %[[P4]][0, %[[T]], 12] [%{{.*}}, 1, 4]
// CHECK: %[[CELL:.*]]:2 = linalg.generic {{.*}} ins(%[[RI]], %{{.*}}, %{{.*}}, %[[RO]], %{{.*}}, %[[C]] :
// CHECK-NOT: math.exp
// CHECK: math.tanh
// CHECK-NOT: math.exp
// CHECK: %[[CARRY:.*]] = linalg.copy ins(%[[CELL]]#1 : tensor<?x4xf32>) outs(%[[C]] : tensor<?x4xf32>)
// CHECK-NEXT: %[[NEWPRE:.*]] = tensor.insert_slice %[[CELL]]#1 into %[[P4]][0, %[[T]], 16] [%{{.*}}, 1, 4]
// CHECK-NEXT: scf.yield {{.*}}, %[[CARRY]], %[[NEWPRE]] : tensor<?x4xf32>, tensor<?x5x4xf32>, tensor<?x4xf32>, tensor<?x5x20xf32>
// CHECK: return %[[LOOP]]#1, %[[LOOP]]#3
func.func @lstm_with_gates(%x: tensor<?x5x3xf32>, %wi: tensor<16x3xf32>, %wh: tensor<16x4xf32>, %b: tensor<16xf32>) -> (tensor<?x5x4xf32>, tensor<?x5x20xf32>) {
  %h, %a = nn.lstm_with_gates %x, %wi, %wh, %b, %b : (tensor<?x5x3xf32>, tensor<16x3xf32>, tensor<16x4xf32>, tensor<16xf32>, tensor<16xf32>) -> (tensor<?x5x4xf32>, tensor<?x5x20xf32>)
  return %h, %a : tensor<?x5x4xf32>, tensor<?x5x20xf32>
}

// -----

// nn.gru_with_gates: the time loop also carries [N, T, 16], what each step's
// cell and the backward pass read: r and z activated (sigmoid of x + h), n's
// hidden term h_n + b_hn, then n activated (tanh of x_n + r (h_n + b_hn),
// r and the hidden term read back). One generic per block, each writing the
// slice of the tensor the previous block was inserted into (in place after
// bufferization); the cell reads z and n back and only mixes n and h.
// CHECK-LABEL: func.func @gru_with_gates(
// CHECK: %[[LOOP:.*]]:3 = scf.for %[[T:[a-z0-9_]+]] = {{.*}} iter_args(%[[H:[a-z0-9_]+]] = %{{.*}}, %{{.*}}, %[[PRE:[a-z0-9_]+]] = %{{.*}}) -> (tensor<?x4xf32>, tensor<?x5x4xf32>, tensor<?x5x16xf32>)
// CHECK: %[[HP:.*]] = linalg.matmul
// CHECK: %[[S0:.*]] = tensor.extract_slice %[[PRE]][0, %[[T]], 0] [%{{.*}}, 1, 4]
// CHECK: %[[R:.*]] = linalg.generic {{.*}} outs(%[[S0]] : tensor<?x4xf32>)
// CHECK: arith.addf
// CHECK: math.exp
// CHECK: %[[P1:.*]] = tensor.insert_slice %[[R]] into %[[PRE]][0, %[[T]], 0]
// CHECK: %[[S1:.*]] = tensor.extract_slice %[[P1]][0, %[[T]], 4] [%{{.*}}, 1, 4]
// CHECK: %[[Z:.*]] = linalg.generic {{.*}} outs(%[[S1]] : tensor<?x4xf32>)
// CHECK: math.exp
// CHECK: %[[P2:.*]] = tensor.insert_slice %[[Z]] into %[[P1]][0, %[[T]], 4]
// CHECK: %[[S3:.*]] = tensor.extract_slice %[[P2]][0, %[[T]], 12] [%{{.*}}, 1, 4]
// CHECK: %[[HN:.*]] = linalg.generic {{.*}} outs(%[[S3]] : tensor<?x4xf32>)
// CHECK: arith.addf
// CHECK: %[[P3:.*]] = tensor.insert_slice %[[HN]] into %[[P2]][0, %[[T]], 12]
// CHECK: %[[RB:.*]] = tensor.extract_slice %[[P3]][0, %[[T]], 0] [%{{.*}}, 1, 4]
// CHECK: %[[HB:.*]] = tensor.extract_slice %[[P3]][0, %[[T]], 12] [%{{.*}}, 1, 4]
// CHECK: %[[S2:.*]] = tensor.extract_slice %[[P3]][0, %[[T]], 8] [%{{.*}}, 1, 4]
// CHECK: %[[N:.*]] = linalg.generic {{.*}} ins(%{{.*}}, %[[RB]], %[[HB]] : {{.*}}) outs(%[[S2]] : tensor<?x4xf32>)
// CHECK-NEXT: ^bb0(%[[XN:.*]]: f32, %[[RI:.*]]: f32, %[[HI:.*]]: f32, %{{.*}}: f32):
// CHECK-NEXT: %[[RH:.*]] = arith.mulf %[[RI]], %[[HI]]
// CHECK-NEXT: %[[PN:.*]] = arith.addf %[[XN]], %[[RH]]
// CHECK-NEXT: math.tanh %[[PN]]
// CHECK: %[[P4:.*]] = tensor.insert_slice %[[N]] into %[[P3]][0, %[[T]], 8]
// CHECK: %[[ZB:.*]] = tensor.extract_slice %[[P4]][0, %[[T]], 4] [%{{.*}}, 1, 4]
// CHECK: %[[NB:.*]] = tensor.extract_slice %[[P4]][0, %[[T]], 8] [%{{.*}}, 1, 4]
// CHECK: linalg.generic {{.*}} ins(%[[ZB]], %[[NB]], %[[H]] :
// CHECK-NOT: math.
// CHECK: linalg.yield
// CHECK: scf.yield {{.*}}, %[[P4]] : tensor<?x4xf32>, tensor<?x5x4xf32>, tensor<?x5x16xf32>
// CHECK: return %[[LOOP]]#1, %[[LOOP]]#2
func.func @gru_with_gates(%x: tensor<?x5x3xf32>, %wi: tensor<12x3xf32>, %wh: tensor<12x4xf32>, %b: tensor<12xf32>) -> (tensor<?x5x4xf32>, tensor<?x5x16xf32>) {
  %h, %a = nn.gru_with_gates %x, %wi, %wh, %b, %b : (tensor<?x5x3xf32>, tensor<12x3xf32>, tensor<12x4xf32>, tensor<12xf32>, tensor<12xf32>) -> (tensor<?x5x4xf32>, tensor<?x5x16xf32>)
  return %h, %a : tensor<?x5x4xf32>, tensor<?x5x16xf32>
}
