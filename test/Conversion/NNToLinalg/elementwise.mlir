// Elementwise ops and activations lowered by nnc-convert-nn-to-linalg: one
// all-parallel linalg.generic per op whose body is the scalar formula,
// written into a tensor.empty sized by tensor.dim of the batch; binary ops
// broadcast NumPy-style through their indexing maps (no materialized
// broadcast); dropout hashes (seed, flat index), and is the identity when not
// training.
// RUN: nnc-opt %s --nnc-convert-nn-to-linalg -split-input-file | FileCheck %s

// CHECK-DAG: #[[ID:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-LABEL: func.func @activations(
// CHECK-SAME: %[[X:[a-z0-9]+]]: tensor<?x64xf32>
// relu: max(x, 0) into an empty tensor of the input's batch.
// CHECK: %[[N:.*]] = tensor.dim %[[X]], %{{.*}} : tensor<?x64xf32>
// CHECK: %[[E:.*]] = tensor.empty(%[[N]]) : tensor<?x64xf32>
// CHECK: %[[RELU:.*]] = linalg.generic {indexing_maps = [#[[ID]], #[[ID]]], iterator_types = ["parallel", "parallel"]} ins(%[[X]] : tensor<?x64xf32>) outs(%[[E]] : tensor<?x64xf32>)
// CHECK-NEXT: ^bb0(%[[IN:.*]]: f32, %{{.*}}: f32):
// CHECK-NEXT: %[[Z:.*]] = arith.constant 0.000000e+00 : f32
// CHECK-NEXT: %[[M:.*]] = arith.maximumf %[[IN]], %[[Z]] : f32
// CHECK-NEXT: linalg.yield %[[M]]
// leaky_relu: x > 0 ? x : alpha * x
// CHECK: %[[LEAKY:.*]] = linalg.generic {{.*}} ins(%[[RELU]] :
// CHECK: arith.constant 2.000000e-01
// CHECK: arith.mulf
// CHECK: arith.cmpf ogt
// CHECK: arith.select
// elu: x > 0 ? x : alpha * (exp(x) - 1)
// CHECK: %[[ELU:.*]] = linalg.generic {{.*}} ins(%[[LEAKY]] :
// CHECK: math.exp
// CHECK: arith.subf
// CHECK: arith.constant 5.000000e-01
// CHECK: arith.select
// gelu (erf), then gelu (tanh approximation)
// CHECK: %[[GELU:.*]] = linalg.generic {{.*}} ins(%[[ELU]] :
// CHECK: arith.constant 0.707106769
// CHECK: math.erf
// CHECK: %[[GELUT:.*]] = linalg.generic {{.*}} ins(%[[GELU]] :
// CHECK: arith.constant 4.471500e-02
// CHECK: arith.constant 0.797884583
// CHECK: math.tanh
// sigmoid: 1 / (1 + exp(-x))
// CHECK: %[[SIG:.*]] = linalg.generic {{.*}} ins(%[[GELUT]] :
// CHECK: arith.negf
// CHECK-NEXT: math.exp
// CHECK: arith.addf
// CHECK-NEXT: arith.divf
// CHECK: %[[TANH:.*]] = linalg.generic {{.*}} ins(%[[SIG]] :
// CHECK-NEXT: ^bb0
// CHECK-NEXT: math.tanh
// step: x > 0 ? 1 : 0
// CHECK: %[[STEP:.*]] = linalg.generic {{.*}} ins(%[[TANH]] :
// CHECK: arith.cmpf ogt
// CHECK: arith.select %{{.*}}, %{{.*}}, %{{.*}} : f32
// CHECK: return %[[STEP]]
func.func @activations(%x: tensor<?x64xf32>) -> tensor<?x64xf32> {
  %0 = nn.relu %x : tensor<?x64xf32>
  %1 = nn.leaky_relu %0 {alpha = 2.000000e-01 : f32} : tensor<?x64xf32>
  %2 = nn.elu %1 {alpha = 5.000000e-01 : f32} : tensor<?x64xf32>
  %3 = nn.gelu %2 : tensor<?x64xf32>
  %4 = nn.gelu %3 {approximate = true} : tensor<?x64xf32>
  %5 = nn.sigmoid %4 : tensor<?x64xf32>
  %6 = nn.tanh %5 : tensor<?x64xf32>
  %7 = nn.step %6 : tensor<?x64xf32>
  return %7 : tensor<?x64xf32>
}

// -----

// CHECK-LABEL: func.func @math(
// CHECK-SAME: %[[X:[a-z0-9]+]]: tensor<?x64xf32>, %[[SEED:[a-z0-9]+]]: tensor<i64>
// CHECK: %[[EXP:.*]] = linalg.generic {{.*}} ins(%[[X]] :
// CHECK-NEXT: ^bb0
// CHECK-NEXT: math.exp
// CHECK: %[[LOG:.*]] = linalg.generic {{.*}} ins(%[[EXP]] :
// CHECK-NEXT: ^bb0
// CHECK-NEXT: math.log
// CHECK: %[[NEG:.*]] = linalg.generic {{.*}} ins(%[[LOG]] :
// CHECK-NEXT: ^bb0
// CHECK-NEXT: arith.negf
// CHECK: %[[SQRT:.*]] = linalg.generic {{.*}} ins(%[[NEG]] :
// CHECK-NEXT: ^bb0
// CHECK-NEXT: math.sqrt
// CHECK: %[[SCALE:.*]] = linalg.generic {{.*}} ins(%[[SQRT]] :
// CHECK-NEXT: ^bb0
// CHECK-NEXT: arith.constant 2.500000e-01
// CHECK-NEXT: arith.mulf
// Training dropout: the seed is read once; the generic hashes the flat index
// (linalg.index) and keeps x / (1 - p) or writes 0.
// CHECK: %[[S:.*]] = tensor.extract %[[SEED]][] : tensor<i64>
// CHECK: %[[DROP:.*]] = linalg.generic {{.*}} ins(%[[SCALE]] :
// CHECK: linalg.index 0
// CHECK: linalg.index 1
// CHECK: arith.trunci %[[S]] : i64 to i32
// CHECK: %[[KEEP:.*]] = arith.cmpi uge
// CHECK: %[[SCALED:.*]] = arith.mulf %{{.*}}, %cst{{.*}} : f32
// CHECK: arith.select %[[KEEP]], %[[SCALED]], %{{.*}} : f32
// Inference dropout is the identity: nothing after the training one.
// CHECK-NOT: linalg.generic
// CHECK: return %[[DROP]]
func.func @math(%x: tensor<?x64xf32>, %seed: tensor<i64>) -> tensor<?x64xf32> {
  %0 = nn.exp %x : tensor<?x64xf32>
  %1 = nn.log %0 : tensor<?x64xf32>
  %2 = nn.neg %1 : tensor<?x64xf32>
  %3 = nn.sqrt %2 : tensor<?x64xf32>
  %4 = nn.scale %3 {factor = 2.500000e-01 : f32} : tensor<?x64xf32>
  %5 = nn.dropout %4, %seed {p = 5.000000e-01 : f32, training = true} : tensor<?x64xf32>
  %6 = nn.dropout %5, %seed {p = 5.000000e-01 : f32, training = false} : tensor<?x64xf32>
  return %6 : tensor<?x64xf32>
}

// -----

// erf is math.erf; pow is 1, x or x * x for the exponents 0, 1 and 2 and
// math.powf otherwise; clip is maximumf by min then minimumf by max (NaN
// propagates, as torch.clamp); minimum/maximum are arith.minimumf/maximumf
// with broadcasting.
// CHECK-LABEL: func.func @functions(
// CHECK-SAME: %[[X:[a-z0-9]+]]: tensor<?x8xf32>, %[[R:[a-z0-9]+]]: tensor<8xf32>
// CHECK: %[[ERF:.*]] = linalg.generic {{.*}} ins(%[[X]] :
// CHECK-NEXT: ^bb0
// CHECK-NEXT: math.erf
// CHECK: %[[P0:.*]] = linalg.generic {{.*}} ins(%[[ERF]] :
// CHECK-NEXT: ^bb0
// CHECK-NEXT: %[[ONE:.*]] = arith.constant 1.000000e+00 : f32
// CHECK-NEXT: linalg.yield %[[ONE]]
// CHECK: %[[P1:.*]] = linalg.generic {{.*}} ins(%[[P0]] :
// CHECK-NEXT: ^bb0(%[[IN1:.*]]: f32, %{{.*}}: f32):
// CHECK-NEXT: linalg.yield %[[IN1]]
// CHECK: %[[P2:.*]] = linalg.generic {{.*}} ins(%[[P1]] :
// CHECK-NEXT: ^bb0(%[[IN2:.*]]: f32, %{{.*}}: f32):
// CHECK-NEXT: %[[SQ:.*]] = arith.mulf %[[IN2]], %[[IN2]] : f32
// CHECK-NEXT: linalg.yield %[[SQ]]
// CHECK: %[[P3:.*]] = linalg.generic {{.*}} ins(%[[P2]] :
// CHECK-NEXT: ^bb0(%[[IN3:.*]]: f32, %{{.*}}: f32):
// CHECK-NEXT: %[[E:.*]] = arith.constant 1.500000e+00 : f32
// CHECK-NEXT: math.powf %[[IN3]], %[[E]] : f32
// CHECK: %[[CLIP:.*]] = linalg.generic {{.*}} ins(%[[P3]] :
// CHECK-NEXT: ^bb0(%[[IN4:.*]]: f32, %{{.*}}: f32):
// CHECK-NEXT: %[[LO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK-NEXT: %[[A:.*]] = arith.maximumf %[[IN4]], %[[LO]] : f32
// CHECK-NEXT: %[[HI:.*]] = arith.constant 6.000000e+00 : f32
// CHECK-NEXT: %[[B:.*]] = arith.minimumf %[[A]], %[[HI]] : f32
// CHECK-NEXT: linalg.yield %[[B]]
// CHECK: %[[MIN:.*]] = linalg.generic {{.*}} ins(%[[CLIP]], %[[R]] : tensor<?x8xf32>, tensor<8xf32>)
// CHECK-NEXT: ^bb0
// CHECK-NEXT: arith.minimumf
// CHECK: %[[MAX:.*]] = linalg.generic {{.*}} ins(%[[MIN]], %[[X]] : tensor<?x8xf32>, tensor<?x8xf32>)
// CHECK-NEXT: ^bb0
// CHECK-NEXT: arith.maximumf
// CHECK: return %[[MAX]]
func.func @functions(%x: tensor<?x8xf32>, %r: tensor<8xf32>) -> tensor<?x8xf32> {
  %0 = nn.erf %x : tensor<?x8xf32>
  %1 = nn.pow %0 {exponent = 0.000000e+00 : f32} : tensor<?x8xf32>
  %2 = nn.pow %1 {exponent = 1.000000e+00 : f32} : tensor<?x8xf32>
  %3 = nn.pow %2 {exponent = 2.000000e+00 : f32} : tensor<?x8xf32>
  %4 = nn.pow %3 {exponent = 1.500000e+00 : f32} : tensor<?x8xf32>
  %5 = nn.clip %4 {min = 0.000000e+00 : f32, max = 6.000000e+00 : f32} : tensor<?x8xf32>
  %6 = nn.minimum %5, %r : (tensor<?x8xf32>, tensor<8xf32>) -> tensor<?x8xf32>
  %7 = nn.maximum %6, %x : (tensor<?x8xf32>, tensor<?x8xf32>) -> tensor<?x8xf32>
  return %7 : tensor<?x8xf32>
}

// -----

// Dropout of a shard that starts at row %rows of a larger batch: the flat
// index of the hash counts from rows * 64 (64 elements a row), so the masks
// are the larger batch's (data-parallel training, docs/distributed.md).
// CHECK-LABEL: func.func @dropout_rows(
// CHECK-SAME: %[[X:[a-z0-9]+]]: tensor<?x64xf32>, %[[SEED:[a-z0-9]+]]: tensor<i64>, %[[ROWS:[a-z0-9]+]]: tensor<i64>
// CHECK: %[[R:.*]] = tensor.extract %[[ROWS]][] : tensor<i64>
// CHECK: %[[FIRST:.*]] = arith.muli %[[R]], %{{.*}} : i64
// CHECK: linalg.generic
// CHECK: %[[IDX:.*]] = arith.index_cast %{{.*}} : index to i64
// CHECK: arith.addi %[[IDX]], %[[FIRST]] : i64
// CHECK: arith.cmpi uge
func.func @dropout_rows(%x: tensor<?x64xf32>, %seed: tensor<i64>, %rows: tensor<i64>) -> tensor<?x64xf32> {
  %0 = nn.dropout %x, %seed rows %rows {p = 5.000000e-01 : f32, training = true} : tensor<?x64xf32>
  return %0 : tensor<?x64xf32>
}

// -----

// Broadcasting is in the indexing maps: a [16, 64] operand against
// [?, 16, 64] drops d0, a static 1 reads index 0, a rank-0 operand maps to ().
// CHECK-DAG: #[[ID3:.*]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-DAG: #[[TRAIL:.*]] = affine_map<(d0, d1, d2) -> (d1, d2)>
// CHECK-DAG: #[[COL:.*]] = affine_map<(d0, d1) -> (d0, 0)>
// CHECK-DAG: #[[ROW:.*]] = affine_map<(d0, d1) -> (d1)>
// CHECK-DAG: #[[ID2:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[SCALAR3:.*]] = affine_map<(d0, d1, d2) -> ()>
// CHECK-DAG: #[[SCALAR0:.*]] = affine_map<() -> ()>
// CHECK-LABEL: func.func @broadcasting(
// CHECK-SAME: %[[X:[a-z0-9]+]]: tensor<?x16x64xf32>, %[[POS:[a-z0-9]+]]: tensor<16x64xf32>, %[[C:[a-z0-9]+]]: tensor<?x1xf32>, %[[R:[a-z0-9]+]]: tensor<3xf32>, %[[A:[a-z0-9]+]]: tensor<f32>
// CHECK-NOT: linalg.broadcast
// CHECK: %[[ADD:.*]] = linalg.generic {indexing_maps = [#[[ID3]], #[[TRAIL]], #[[ID3]]], iterator_types = ["parallel", "parallel", "parallel"]} ins(%[[X]], %[[POS]] : tensor<?x16x64xf32>, tensor<16x64xf32>)
// CHECK: arith.addf
// The dynamic result dim comes from the operand whose dim is dynamic (%c).
// CHECK: %[[N:.*]] = tensor.dim %[[C]], %{{.*}} : tensor<?x1xf32>
// CHECK: %[[E:.*]] = tensor.empty(%[[N]]) : tensor<?x3xf32>
// CHECK: linalg.generic {indexing_maps = [#[[COL]], #[[ROW]], #[[ID2]]], iterator_types = ["parallel", "parallel"]} ins(%[[C]], %[[R]] : tensor<?x1xf32>, tensor<3xf32>) outs(%[[E]] : tensor<?x3xf32>)
// CHECK: arith.subf
// CHECK: linalg.generic {indexing_maps = [#[[SCALAR3]], #[[ID3]], #[[ID3]]], {{.*}} ins(%[[A]], %[[ADD]] : tensor<f32>, tensor<?x16x64xf32>)
// CHECK: arith.mulf
// CHECK: linalg.generic {indexing_maps = [#[[SCALAR0]], #[[SCALAR0]], #[[SCALAR0]]], iterator_types = []} ins(%[[A]], %[[A]] : tensor<f32>, tensor<f32>)
// CHECK: arith.divf
func.func @broadcasting(%x: tensor<?x16x64xf32>, %pos: tensor<16x64xf32>, %col: tensor<?x1xf32>, %row: tensor<3xf32>, %a: tensor<f32>) -> (tensor<?x16x64xf32>, tensor<?x3xf32>, tensor<?x16x64xf32>, tensor<f32>) {
  %0 = nn.add %x, %pos : (tensor<?x16x64xf32>, tensor<16x64xf32>) -> tensor<?x16x64xf32>
  %1 = nn.sub %col, %row : (tensor<?x1xf32>, tensor<3xf32>) -> tensor<?x3xf32>
  %2 = nn.mul %a, %0 : (tensor<f32>, tensor<?x16x64xf32>) -> tensor<?x16x64xf32>
  %3 = nn.div %a, %a : (tensor<f32>, tensor<f32>) -> tensor<f32>
  return %0, %1, %2, %3 : tensor<?x16x64xf32>, tensor<?x3xf32>, tensor<?x16x64xf32>, tensor<f32>
}

// -----

// Constants, fills, explicit broadcasts (a copy generic whose batch comes from
// the shape operand) and the sinusoidal positions (added to the input).
// CHECK-DAG: #[[LAST:.*]] = affine_map<(d0, d1, d2) -> (d2)>
// CHECK-DAG: #[[ID3:.*]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-LABEL: func.func @constants(
// CHECK-SAME: %[[G:[a-z0-9]+]]: tensor<64xf32>, %[[SEQ:[a-z0-9]+]]: tensor<?x16x64xf32>
// CHECK: %[[CST:.*]] = arith.constant dense<[1.000000e+00, 2.000000e+00]> : tensor<2xf32>
// CHECK: %[[HALF:.*]] = arith.constant 5.000000e-01 : f32
// CHECK: %[[FILL:.*]] = linalg.fill ins(%[[HALF]] : f32) outs(%{{.*}} : tensor<4x64xf32>)
// CHECK: %[[N:.*]] = tensor.dim %[[SEQ]], %{{.*}} : tensor<?x16x64xf32>
// CHECK: %[[E:.*]] = tensor.empty(%[[N]]) : tensor<?x16x64xf32>
// CHECK: %[[BC:.*]] = linalg.generic {indexing_maps = [#[[LAST]], #[[ID3]]], {{.*}} ins(%[[G]] : tensor<64xf32>) outs(%[[E]] : tensor<?x16x64xf32>)
// CHECK-NEXT: ^bb0(%[[IN:.*]]: f32, %{{.*}}: f32):
// CHECK-NEXT: linalg.yield %[[IN]]
// CHECK: %[[BC2:.*]] = linalg.generic {{.*}} ins(%[[G]] : tensor<64xf32>) outs(%{{.*}} : tensor<4x64xf32>)
// CHECK: %[[POS:.*]] = linalg.generic {{.*}} ins(%[[SEQ]] : tensor<?x16x64xf32>)
// CHECK: math.cos
// CHECK: math.sin
// CHECK: arith.select
// CHECK: arith.addf %{{.*}}, %{{.*}} : f32
// CHECK: return %[[CST]], %[[FILL]], %[[BC]], %[[BC2]], %[[POS]]
func.func @constants(%g: tensor<64xf32>, %seq: tensor<?x16x64xf32>) -> (tensor<2xf32>, tensor<4x64xf32>, tensor<?x16x64xf32>, tensor<4x64xf32>, tensor<?x16x64xf32>) {
  %0 = nn.constant dense<[1.0, 2.0]> : tensor<2xf32>
  %1 = nn.fill 0.5 : tensor<4x64xf32>
  %2 = nn.broadcast_to %g, %seq {shape = array<i64: -1, 16, 64>} : (tensor<64xf32>, tensor<?x16x64xf32>) -> tensor<?x16x64xf32>
  %3 = nn.broadcast_to %g {shape = array<i64: 4, 64>} : (tensor<64xf32>) -> tensor<4x64xf32>
  %4 = nn.positional_sinusoidal %seq : tensor<?x16x64xf32>
  return %0, %1, %2, %3, %4 : tensor<2xf32>, tensor<4x64xf32>, tensor<?x16x64xf32>, tensor<4x64xf32>, tensor<?x16x64xf32>
}
