// nnc-matmul-schedule on linalg.matmul (tensors): 8 x 32 register tiles as
// scf.for loops, a reduction loop of step 1 carrying a vector<8x32xf32>
// accumulator through vector.contract; a dynamic M is peeled and its
// remainder computed row by row (static 1 x 32 tiles); a dynamic K only
// changes the reduction loop's bound; an elementwise epilogue is fused into
// the tile and vectorized, one of several results (an optimizer update)
// too; a dynamic N is not scheduled and stays a linalg.matmul.
// RUN: nnc-opt %s --nnc-matmul-schedule -split-input-file | FileCheck %s

// CHECK-LABEL: func.func @dynamic_m(
// CHECK-SAME: %[[A:[a-z0-9]+]]: tensor<?x16xf32>, %[[B:[a-z0-9]+]]: tensor<16x64xf32>
// The whole-tensor fill stays before the loop nest (the schedule works on a
// copy of the matmul's ops and puts the loops in the matmul's place).
// CHECK: %[[ACC:.*]] = linalg.fill
// CHECK-DAG: %[[C1:.*]] = arith.constant 1 : index
// CHECK-DAG: %[[C8:.*]] = arith.constant 8 : index
// CHECK-DAG: %[[C16:.*]] = arith.constant 16 : index
// CHECK-DAG: %[[C32:.*]] = arith.constant 32 : index
// CHECK-DAG: %[[C64:.*]] = arith.constant 64 : index
// CHECK-NOT: linalg.matmul
// CHECK: %[[M:.*]] = tensor.dim %[[A]]
// CHECK: %[[MAIN:.*]] = affine.apply #{{.*}}()[%[[M]]]
// Main part: full 8-row tiles up to floor(M / 8) * 8.
// CHECK: %[[R0:.*]] = scf.for %[[I:[a-z0-9]+]] = %{{.*}} to %[[MAIN]] step %[[C8]] iter_args(%{{.*}} = %[[ACC]])
// CHECK: scf.for %[[J:[a-z0-9]+]] = %{{.*}} to %[[C64]] step %[[C32]]
// CHECK: %[[T:.*]] = tensor.extract_slice %{{.*}}[%[[I]], %[[J]]] [8, 32] [1, 1] : tensor<?x64xf32> to tensor<8x32xf32>
// CHECK: %[[INIT:.*]] = vector.transfer_read %[[T]]{{.*}} : tensor<8x32xf32>, vector<8x32xf32>
// CHECK: scf.for %[[K:[a-z0-9]+]] = %{{.*}} to %[[C16]] step %[[C1]] iter_args(%[[V:.*]] = %[[INIT]]) -> (vector<8x32xf32>)
// CHECK: %[[LA:.*]] = vector.transfer_read %[[A]][%[[I]], %[[K]]]{{.*}} : tensor<?x16xf32>, vector<8x1xf32>
// CHECK: %[[LB:.*]] = vector.transfer_read %[[B]][%[[K]], %[[J]]]{{.*}} : tensor<16x64xf32>, vector<1x32xf32>
// CHECK: %[[P:.*]] = vector.contract {{.*}} %[[LA]], %[[LB]], %[[V]] : vector<8x1xf32>, vector<1x32xf32> into vector<8x32xf32>
// CHECK: scf.yield %[[P]] : vector<8x32xf32>
// Remainder: the rows from floor(M / 8) * 8 to M, one at a time.
// CHECK: scf.for %{{.*}} = %[[MAIN]] to %[[M]] step %[[C8]] iter_args(%{{.*}} = %[[R0]])
// CHECK: scf.for
// CHECK: scf.for
// CHECK: tensor.extract_slice %{{.*}} [1, 32] [1, 1] : tensor<?x32xf32> to tensor<1x32xf32>
// CHECK: scf.for %{{.*}} = %{{.*}} to %[[C16]] step %[[C1]] iter_args(%{{.*}}) -> (vector<1x32xf32>)
// CHECK: vector.contract {{.*}} : vector<1x1xf32>, vector<1x32xf32> into vector<1x32xf32>
// CHECK-NOT: linalg.matmul
// CHECK: return
func.func @dynamic_m(%a: tensor<?x16xf32>, %b: tensor<16x64xf32>) -> tensor<?x64xf32> {
  %c0 = arith.constant 0 : index
  %cst = arith.constant 0.0 : f32
  %m = tensor.dim %a, %c0 : tensor<?x16xf32>
  %e = tensor.empty(%m) : tensor<?x64xf32>
  %f = linalg.fill ins(%cst : f32) outs(%e : tensor<?x64xf32>) -> tensor<?x64xf32>
  %r = linalg.matmul ins(%a, %b : tensor<?x16xf32>, tensor<16x64xf32>) outs(%f : tensor<?x64xf32>) -> tensor<?x64xf32>
  return %r : tensor<?x64xf32>
}

// -----

// Dynamic K (a weight gradient, K = batch): no peeling; the reduction loop
// runs to tensor.dim of K.
// CHECK-LABEL: func.func @dynamic_k(
// CHECK-SAME: %[[A:[a-z0-9]+]]: tensor<64x?xf32>, %[[B:[a-z0-9]+]]: tensor<?x32xf32>
// CHECK-NOT: linalg.matmul
// CHECK: %[[K:.*]] = tensor.dim %[[A]], %{{.*}} : tensor<64x?xf32>
// CHECK: scf.for %[[I:[a-z0-9]+]] = %{{.*}} to %{{.*}} step %{{.*}} iter_args
// CHECK: scf.for %[[KK:[a-z0-9]+]] = %{{.*}} to %[[K]] step %{{.*}} iter_args(%{{.*}}) -> (vector<8x32xf32>)
// CHECK: vector.transfer_read %[[A]][%[[I]], %[[KK]]]{{.*}} : tensor<64x?xf32>, vector<8x1xf32>
// CHECK: vector.transfer_read %[[B]][%[[KK]], %{{.*}}]{{.*}} : tensor<?x32xf32>, vector<1x32xf32>
// CHECK: vector.contract
// The loop over M is the only other loop: N = 32 is one tile.
// CHECK-COUNT-2: scf.yield
// CHECK-NOT: scf.for
// CHECK: return
func.func @dynamic_k(%a: tensor<64x?xf32>, %b: tensor<?x32xf32>) -> tensor<64x32xf32> {
  %cst = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<64x32xf32>
  %f = linalg.fill ins(%cst : f32) outs(%e : tensor<64x32xf32>) -> tensor<64x32xf32>
  %r = linalg.matmul ins(%a, %b : tensor<64x?xf32>, tensor<?x32xf32>) outs(%f : tensor<64x32xf32>) -> tensor<64x32xf32>
  return %r : tensor<64x32xf32>
}

// -----

// linalg.matmul_transpose_a (nnc-fold-lhs-transpose's weight gradients):
// the same tiles; the lhs tile is a [1, 8] row of the [K, M] operand.
// CHECK-LABEL: func.func @transpose_a(
// CHECK-SAME: %[[A:[a-z0-9]+]]: tensor<?x64xf32>, %[[B:[a-z0-9]+]]: tensor<?x32xf32>
// CHECK-NOT: linalg.matmul
// CHECK: %[[K:.*]] = tensor.dim %[[A]], %{{.*}} : tensor<?x64xf32>
// CHECK: scf.for %[[I:[a-z0-9]+]] = %{{.*}} to %{{.*}} step %{{.*}} iter_args
// CHECK: scf.for %[[KK:[a-z0-9]+]] = %{{.*}} to %[[K]] step %{{.*}} iter_args(%{{.*}}) -> (vector<8x32xf32>)
// CHECK: vector.transfer_read %[[A]][%[[KK]], %[[I]]]{{.*}} : tensor<?x64xf32>, vector<1x8xf32>
// CHECK: vector.transfer_read %[[B]][%[[KK]], %{{.*}}]{{.*}} : tensor<?x32xf32>, vector<1x32xf32>
// CHECK: vector.contract {{.*}} : vector<1x8xf32>, vector<1x32xf32> into vector<8x32xf32>
// CHECK-NOT: linalg.matmul
// CHECK: return
func.func @transpose_a(%a: tensor<?x64xf32>, %b: tensor<?x32xf32>) -> tensor<64x32xf32> {
  %cst = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<64x32xf32>
  %f = linalg.fill ins(%cst : f32) outs(%e : tensor<64x32xf32>) -> tensor<64x32xf32>
  %r = linalg.matmul_transpose_a ins(%a, %b : tensor<?x64xf32>, tensor<?x32xf32>) outs(%f : tensor<64x32xf32>) -> tensor<64x32xf32>
  return %r : tensor<64x32xf32>
}

// -----

// A bias + relu epilogue is fused into the tile: the accumulator starts from
// a zero vector (the fill fused), and the epilogue runs on vector<8x32xf32>
// before a single transfer_write; no linalg op is left.
#id = affine_map<(d0, d1) -> (d0, d1)>
#row = affine_map<(d0, d1) -> (d1)>
// CHECK-LABEL: func.func @epilogue(
// CHECK-SAME: %[[A:[a-z0-9]+]]: tensor<16x8xf32>, %[[B:[a-z0-9]+]]: tensor<8x64xf32>, %[[BIAS:[a-z0-9]+]]: tensor<64xf32>
// CHECK-NOT: linalg.
// CHECK: %[[ZERO:.*]] = arith.constant dense<0.000000e+00> : vector<8x32xf32>
// CHECK-NOT: linalg.
// CHECK: scf.for %[[I:[a-z0-9]+]] =
// CHECK: scf.for %[[J:[a-z0-9]+]] =
// CHECK: %[[ACC:.*]] = scf.for %{{.*}} iter_args(%{{.*}} = %[[ZERO]]) -> (vector<8x32xf32>)
// CHECK: vector.contract
// CHECK: %[[BV:.*]] = vector.transfer_read %[[BIAS]][%[[J]]]{{.*}} : tensor<64xf32>, vector<32xf32>
// CHECK: %[[BB:.*]] = vector.broadcast %[[BV]] : vector<32xf32> to vector<8x32xf32>
// CHECK: %[[S:.*]] = arith.addf %[[ACC]], %[[BB]] : vector<8x32xf32>
// CHECK: %[[R:.*]] = arith.maximumf %[[S]], %{{.*}} : vector<8x32xf32>
// CHECK: vector.transfer_write %[[R]], %{{.*}}[%[[I]], %[[J]]]
// CHECK-NOT: linalg.
// CHECK: return
func.func @epilogue(%a: tensor<16x8xf32>, %b: tensor<8x64xf32>, %bias: tensor<64xf32>) -> tensor<16x64xf32> {
  %cst = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<16x64xf32>
  %f = linalg.fill ins(%cst : f32) outs(%e : tensor<16x64xf32>) -> tensor<16x64xf32>
  %r = linalg.matmul ins(%a, %b : tensor<16x8xf32>, tensor<8x64xf32>) outs(%f : tensor<16x64xf32>) -> tensor<16x64xf32>
  %y = linalg.generic {indexing_maps = [#id, #row, #id], iterator_types = ["parallel", "parallel"]} ins(%r, %bias : tensor<16x64xf32>, tensor<64xf32>) outs(%e : tensor<16x64xf32>) {
  ^bb0(%in: f32, %bi: f32, %out: f32):
    %s = arith.addf %in, %bi : f32
    %m = arith.maximumf %s, %cst : f32
    linalg.yield %m : f32
  } -> tensor<16x64xf32>
  return %y : tensor<16x64xf32>
}

// -----

// An optimizer update of several results (SGD with momentum: the weight and
// its velocity, both read and written) is fused into the tile like a
// one-result epilogue: the accumulator starts from zeros and both results
// are written from registers; no linalg op and no whole-tensor fill is left.
#id2 = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-LABEL: func.func @update_epilogue(
// CHECK-NOT: linalg.
// CHECK: %[[ZERO:.*]] = arith.constant dense<0.000000e+00> : vector<8x32xf32>
// CHECK: scf.for %[[I:[a-z0-9]+]] =
// CHECK: scf.for %[[J:[a-z0-9]+]] =
// CHECK: %[[ACC:.*]] = scf.for %{{.*}} iter_args(%{{.*}} = %[[ZERO]]) -> (vector<8x32xf32>)
// CHECK: vector.contract
// CHECK: %[[V:.*]] = arith.addf %{{.*}}, %[[ACC]] : vector<8x32xf32>
// CHECK: %[[W:.*]] = arith.subf %{{.*}}, %{{.*}} : vector<8x32xf32>
// CHECK-DAG: vector.transfer_write %[[W]], %{{.*}}[%[[I]], %[[J]]]
// CHECK-DAG: vector.transfer_write %[[V]], %{{.*}}[%[[I]], %[[J]]]
// CHECK-NOT: linalg.
// CHECK: return
func.func @update_epilogue(%a: tensor<?x16xf32>, %b: tensor<?x64xf32>, %w: tensor<16x64xf32>, %v: tensor<16x64xf32>) -> (tensor<16x64xf32>, tensor<16x64xf32>) {
  %cst = arith.constant 0.0 : f32
  %mu = arith.constant 0.9 : f32
  %lr = arith.constant 0.01 : f32
  %e = tensor.empty() : tensor<16x64xf32>
  %f = linalg.fill ins(%cst : f32) outs(%e : tensor<16x64xf32>) -> tensor<16x64xf32>
  %g = linalg.matmul_transpose_a ins(%a, %b : tensor<?x16xf32>, tensor<?x64xf32>) outs(%f : tensor<16x64xf32>) -> tensor<16x64xf32>
  %r:2 = linalg.generic {indexing_maps = [#id2, #id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%g : tensor<16x64xf32>) outs(%w, %v : tensor<16x64xf32>, tensor<16x64xf32>) {
  ^bb0(%in: f32, %wo: f32, %vo: f32):
    %mv = arith.mulf %mu, %vo : f32
    %nv = arith.addf %mv, %in : f32
    %st = arith.mulf %lr, %nv : f32
    %nw = arith.subf %wo, %st : f32
    linalg.yield %nw, %nv : f32, f32
  } -> (tensor<16x64xf32>, tensor<16x64xf32>)
  return %r#0, %r#1 : tensor<16x64xf32>, tensor<16x64xf32>
}

// -----

// A convolution's image product accumulates onto its broadcast bias: the
// bias becomes an epilogue (added to the register tile after the reduction)
// and the tile starts from zeros, so no broadcast is written to memory and
// no accumulator is read from it.
// CHECK-LABEL: func.func @bias_init(
// CHECK-SAME: %[[A:[a-z0-9]+]]: tensor<16x8xf32>, %[[B:[a-z0-9]+]]: tensor<8x64xf32>, %[[BIAS:[a-z0-9]+]]: tensor<16xf32>
// CHECK-NOT: linalg.
// CHECK: %[[ZERO:.*]] = arith.constant dense<0.000000e+00> : vector<8x32xf32>
// CHECK: scf.for %[[I:[a-z0-9]+]] =
// CHECK: scf.for %[[J:[a-z0-9]+]] =
// CHECK: %[[ACC:.*]] = scf.for %{{.*}} iter_args(%{{.*}} = %[[ZERO]]) -> (vector<8x32xf32>)
// CHECK: vector.contract
// CHECK: %[[BV:.*]] = vector.transfer_read %[[BIAS]][%[[I]]]{{.*}} : tensor<16xf32>, vector<8xf32>
// CHECK: %[[BB:.*]] = vector.broadcast %[[BV]] : vector<8xf32> to vector<32x8xf32>
// CHECK: %[[BT:.*]] = vector.transpose %[[BB]], [1, 0] : vector<32x8xf32> to vector<8x32xf32>
// CHECK: %[[S:.*]] = arith.addf %[[ACC]], %[[BT]] : vector<8x32xf32>
// CHECK: vector.transfer_write %[[S]], %{{.*}}[%[[I]], %[[J]]]
// CHECK-NOT: linalg.
// CHECK: return
func.func @bias_init(%a: tensor<16x8xf32>, %b: tensor<8x64xf32>, %bias: tensor<16xf32>) -> tensor<16x64xf32> {
  %e = tensor.empty() : tensor<16x64xf32>
  %c = linalg.broadcast ins(%bias : tensor<16xf32>) outs(%e : tensor<16x64xf32>) dimensions = [1]
  %r = linalg.matmul ins(%a, %b : tensor<16x8xf32>, tensor<8x64xf32>) outs(%c : tensor<16x64xf32>) -> tensor<16x64xf32>
  return %r : tensor<16x64xf32>
}

// -----

// A product in a loop whose N leaves 4 columns past its full 32-column
// tiles, with A (the weights) defined outside the loop: A is transposed once
// before the loop; columns [0, 32) are the 8 x 32 tile with its epilogue
// (the bias), columns [32, 36) the product B[:, 32:]^T A^T as
// matmul_transpose_a on a 4 x 16 tile (along M), transposed back, then the
// bias; both go into the image's slice.
// CHECK-LABEL: func.func @narrow_remainder(
// CHECK-SAME: %[[A:[a-z0-9]+]]: tensor<16x8xf32>, %[[B:[a-z0-9]+]]: tensor<4x8x36xf32>, %[[BIAS:[a-z0-9]+]]: tensor<16xf32>
// CHECK: %[[AT:.*]] = linalg.transpose ins(%[[A]] : tensor<16x8xf32>) outs(%{{.*}} : tensor<8x16xf32>) permutation = [1, 0]
// CHECK: scf.forall
// CHECK: %[[BI:.*]] = tensor.extract_slice %[[B]]
// CHECK: %[[OI:.*]] = tensor.extract_slice
// CHECK-DAG: %[[BL:.*]] = tensor.extract_slice %[[BI]][0, 0] [8, 32] [1, 1]
// CHECK-DAG: %[[BR:.*]] = tensor.extract_slice %[[BI]][0, 32] [8, 4] [1, 1]
// CHECK: scf.for {{.*}} -> (vector<4x16xf32>)
// CHECK: vector.transfer_read %[[BR]]{{.*}} vector<1x4xf32>
// CHECK: vector.transfer_read %[[AT]]{{.*}} vector<1x16xf32>
// CHECK: vector.contract {{.*}} : vector<1x4xf32>, vector<1x16xf32> into vector<4x16xf32>
// CHECK: %[[RT:.*]] = linalg.transpose ins(%{{.*}} : tensor<4x16xf32>) outs(%{{.*}} : tensor<16x4xf32>)
// CHECK: %[[OL:.*]] = tensor.extract_slice %[[OI]][0, 0] [16, 32] [1, 1]
// CHECK: %[[L:.*]] = scf.for {{.*}} iter_args(%{{.*}} = %[[OL]]) -> (tensor<16x32xf32>)
// CHECK: vector.contract {{.*}} : vector<8x1xf32>, vector<1x32xf32> into vector<8x32xf32>
// CHECK: arith.addf
// CHECK: %[[OR:.*]] = tensor.extract_slice %[[OI]][0, 32] [16, 4] [1, 1]
// CHECK: %[[R:.*]] = linalg.generic {{.*}} ins(%[[RT]], %{{.*}} : tensor<16x4xf32>, tensor<16xf32>) outs(%[[OR]] : tensor<16x4xf32>)
// CHECK: arith.addf
// CHECK: %[[C1:.*]] = tensor.insert_slice %[[L]] into %[[OI]][0, 0] [16, 32] [1, 1]
// CHECK: tensor.insert_slice %[[R]] into %[[C1]][0, 32] [16, 4] [1, 1]
// CHECK-NOT: linalg.matmul
func.func @narrow_remainder(%a: tensor<16x8xf32>, %b: tensor<4x8x36xf32>, %bias: tensor<16xf32>) -> tensor<4x16x36xf32> {
  %e = tensor.empty() : tensor<4x16x36xf32>
  %r = scf.forall (%i) in (4) shared_outs(%o = %e) -> (tensor<4x16x36xf32>) {
    %bi = tensor.extract_slice %b[%i, 0, 0] [1, 8, 36] [1, 1, 1] : tensor<4x8x36xf32> to tensor<8x36xf32>
    %oi = tensor.extract_slice %o[%i, 0, 0] [1, 16, 36] [1, 1, 1] : tensor<4x16x36xf32> to tensor<16x36xf32>
    %c = linalg.broadcast ins(%bias : tensor<16xf32>) outs(%oi : tensor<16x36xf32>) dimensions = [1]
    %p = linalg.matmul ins(%a, %bi : tensor<16x8xf32>, tensor<8x36xf32>) outs(%c : tensor<16x36xf32>) -> tensor<16x36xf32>
    scf.forall.in_parallel {
      tensor.parallel_insert_slice %p into %o[%i, 0, 0] [1, 16, 36] [1, 1, 1] : tensor<16x36xf32> into tensor<4x16x36xf32>
    }
  }
  return %r : tensor<4x16x36xf32>
}

// -----

// Dynamic N: not scheduled; the matmul is left exactly as it was (and no
// internal tag attribute leaks).
// CHECK-LABEL: func.func @dynamic_n(
// CHECK-SAME: %[[A:[a-z0-9]+]]: tensor<8x16xf32>, %[[B:[a-z0-9]+]]: tensor<16x?xf32>, %[[C:[a-z0-9]+]]: tensor<8x?xf32>
// CHECK-NOT: scf.for
// CHECK-NOT: vector.
// CHECK: %[[R:.*]] = linalg.matmul ins(%[[A]], %[[B]] : tensor<8x16xf32>, tensor<16x?xf32>) outs(%[[C]] : tensor<8x?xf32>) -> tensor<8x?xf32>
// CHECK-NOT: nnc.schedule
// CHECK: return %[[R]]
func.func @dynamic_n(%a: tensor<8x16xf32>, %b: tensor<16x?xf32>, %c: tensor<8x?xf32>) -> tensor<8x?xf32> {
  %r = linalg.matmul ins(%a, %b : tensor<8x16xf32>, tensor<16x?xf32>) outs(%c : tensor<8x?xf32>) -> tensor<8x?xf32>
  return %r : tensor<8x?xf32>
}

// -----

// A weight gradient over sequences (K = N * 64, a collapse of [N, 64, ...])
// is swept in blocks of 128 reduction steps, each by all its register tiles;
// its epilogue (here an elementwise update of the weight) is not fused into
// the tiles (it needs the whole sum) and stays a generic over the product.
// CHECK-LABEL: func.func @sequence_weight_gradient(
// CHECK: %[[ACC:.*]] = linalg.fill
// CHECK: %[[SUM:.*]] = scf.for %[[KB:[a-z0-9]+]] = %{{.*}} to %{{.*}} step %c128 iter_args(%{{.*}} = %[[ACC]]) -> (tensor<64x32xf32>)
// CHECK: scf.for {{.*}} -> (tensor<64x32xf32>)
// CHECK: scf.for {{.*}} -> (vector<8x32xf32>)
// CHECK: vector.contract
// CHECK: linalg.generic {{.*}} ins(%[[SUM]] : tensor<64x32xf32>)
func.func @sequence_weight_gradient(%dy: tensor<?x64x64xf32>, %x: tensor<?x64x32xf32>, %w: tensor<64x32xf32>) -> tensor<64x32xf32> {
  %zero = arith.constant 0.0 : f32
  %a = tensor.collapse_shape %dy [[0, 1], [2]] : tensor<?x64x64xf32> into tensor<?x64xf32>
  %b = tensor.collapse_shape %x [[0, 1], [2]] : tensor<?x64x32xf32> into tensor<?x32xf32>
  %e = tensor.empty() : tensor<64x32xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<64x32xf32>) -> tensor<64x32xf32>
  %g = linalg.matmul_transpose_a ins(%a, %b : tensor<?x64xf32>, tensor<?x32xf32>) outs(%f : tensor<64x32xf32>) -> tensor<64x32xf32>
  %u = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>], iterator_types = ["parallel", "parallel"]} ins(%g : tensor<64x32xf32>) outs(%w : tensor<64x32xf32>) {
  ^bb0(%gi: f32, %wi: f32):
    %s = arith.subf %wi, %gi : f32
    linalg.yield %s : f32
  } -> tensor<64x32xf32>
  return %u : tensor<64x32xf32>
}

// -----

// N = 84 = 2 x 32 + 20: the 20 columns left over by the register tiles are
// computed as 16 + 4 (vector<20> rows legalize through element inserts), the
// relu epilogue cut in the same column ranges; no 20-wide tile is left.
// CHECK-LABEL: func.func @ragged_columns(
// CHECK-NOT: vector<8x20xf32>
// CHECK: vector.contract {{.*}} into vector<8x32xf32>
// CHECK-NOT: vector<8x20xf32>
// CHECK: vector.contract {{.*}} into vector<8x16xf32>
// CHECK: arith.maximumf {{.*}} : vector<8x16xf32>
// CHECK-NOT: vector<8x20xf32>
// CHECK: vector.contract {{.*}} into vector<8x4xf32>
// CHECK: arith.maximumf {{.*}} : vector<8x4xf32>
// CHECK-NOT: vector<8x20xf32>
// CHECK: return
func.func @ragged_columns(%x: tensor<64x120xf32>, %w: tensor<120x84xf32>) -> tensor<64x84xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<64x84xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<64x84xf32>) -> tensor<64x84xf32>
  %p = linalg.matmul ins(%x, %w : tensor<64x120xf32>, tensor<120x84xf32>) outs(%f : tensor<64x84xf32>) -> tensor<64x84xf32>
  %o = tensor.empty() : tensor<64x84xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>], iterator_types = ["parallel", "parallel"]} ins(%p : tensor<64x84xf32>) outs(%o : tensor<64x84xf32>) {
  ^bb0(%v: f32, %out: f32):
    %m = arith.maximumf %v, %zero : f32
    linalg.yield %m : f32
  } -> tensor<64x84xf32>
  return %r : tensor<64x84xf32>
}

// -----

// N = 28, below the register tile: 16 columns, then the 12 left over as one
// piece (LLVM widens a vector<12> to the register's 16 lanes; 8 + 4 was
// slower). A 28-wide tile holds vector<28> rows, which LLVM legalizes
// through element inserts (a dense(24) on sequences at 3 GFLOP/s).
// CHECK-LABEL: func.func @narrow_ragged(
// CHECK-NOT: vector<8x28xf32>
// CHECK: vector.contract {{.*}} into vector<8x16xf32>
// CHECK: arith.maximumf {{.*}} : vector<8x16xf32>
// CHECK-NOT: vector<8x28xf32>
// CHECK: vector.contract {{.*}} into vector<8x12xf32>
// CHECK: arith.maximumf {{.*}} : vector<8x12xf32>
// CHECK-NOT: vector<8x28xf32>
// CHECK-NOT: vector<8x8xf32>
// CHECK: return
func.func @narrow_ragged(%x: tensor<64x40xf32>, %w: tensor<40x28xf32>) -> tensor<64x28xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<64x28xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<64x28xf32>) -> tensor<64x28xf32>
  %p = linalg.matmul ins(%x, %w : tensor<64x40xf32>, tensor<40x28xf32>) outs(%f : tensor<64x28xf32>) -> tensor<64x28xf32>
  %o = tensor.empty() : tensor<64x28xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>], iterator_types = ["parallel", "parallel"]} ins(%p : tensor<64x28xf32>) outs(%o : tensor<64x28xf32>) {
  ^bb0(%v: f32, %out: f32):
    %m = arith.maximumf %v, %zero : f32
    linalg.yield %m : f32
  } -> tensor<64x28xf32>
  return %r : tensor<64x28xf32>
}

// -----

// N = 24 = 16 + 8, both powers of two.
// CHECK-LABEL: func.func @narrow_24(
// CHECK-NOT: vector<8x24xf32>
// CHECK: vector.contract {{.*}} into vector<8x16xf32>
// CHECK-NOT: vector<8x24xf32>
// CHECK: vector.contract {{.*}} into vector<8x8xf32>
// CHECK-NOT: vector<8x24xf32>
// CHECK: return
func.func @narrow_24(%x: tensor<64x40xf32>, %w: tensor<40x24xf32>) -> tensor<64x24xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<64x24xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<64x24xf32>) -> tensor<64x24xf32>
  %p = linalg.matmul ins(%x, %w : tensor<64x40xf32>, tensor<40x24xf32>) outs(%f : tensor<64x24xf32>) -> tensor<64x24xf32>
  %o = tensor.empty() : tensor<64x24xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>], iterator_types = ["parallel", "parallel"]} ins(%p : tensor<64x24xf32>) outs(%o : tensor<64x24xf32>) {
  ^bb0(%v: f32, %out: f32):
    %m = arith.maximumf %v, %zero : f32
    linalg.yield %m : f32
  } -> tensor<64x24xf32>
  return %r : tensor<64x24xf32>
}

// -----

// N = 12, a vector or fewer: one tile of 12 columns, not cut.
// CHECK-LABEL: func.func @narrow_one_vector(
// CHECK: vector.contract {{.*}} into vector<8x12xf32>
// CHECK-NOT: vector<8x8xf32>
// CHECK-NOT: vector<8x4xf32>
// CHECK: return
func.func @narrow_one_vector(%x: tensor<64x40xf32>, %w: tensor<40x12xf32>) -> tensor<64x12xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<64x12xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<64x12xf32>) -> tensor<64x12xf32>
  %p = linalg.matmul ins(%x, %w : tensor<64x40xf32>, tensor<40x12xf32>) outs(%f : tensor<64x12xf32>) -> tensor<64x12xf32>
  %o = tensor.empty() : tensor<64x12xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>], iterator_types = ["parallel", "parallel"]} ins(%p : tensor<64x12xf32>) outs(%o : tensor<64x12xf32>) {
  ^bb0(%v: f32, %out: f32):
    %m = arith.maximumf %v, %zero : f32
    linalg.yield %m : f32
  } -> tensor<64x12xf32>
  return %r : tensor<64x12xf32>
}

// -----

// A static product accumulated onto a zero fill, without an epilogue (an
// attention head's scores, its fill behind the collapse of the batch loop's
// unit dim): an identity epilogue becomes the root, so the fill is fused
// into the tile as zeros in registers; no whole-tensor fill (a memset) is
// left before the loop nest and no tile loads its accumulators.
// CHECK-LABEL: func.func @zero_fill(
// CHECK-SAME: %[[A:[a-z0-9]+]]: tensor<16x8xf32>, %[[B:[a-z0-9]+]]: tensor<8x64xf32>, %[[D:[a-z0-9]+]]: tensor<1x16x64xf32>
// CHECK-NOT: linalg.
// CHECK-DAG: %[[ZERO:.*]] = arith.constant dense<0.000000e+00> : vector<8x32xf32>
// CHECK-DAG: %[[OUT:.*]] = tensor.collapse_shape %[[D]] {{\[}}[0, 1], [2]] : tensor<1x16x64xf32> into tensor<16x64xf32>
// CHECK: scf.for %[[I:[a-z0-9]+]] = %{{.*}} iter_args(%{{.*}} = %[[OUT]])
// CHECK: scf.for %[[J:[a-z0-9]+]] =
// CHECK-NOT: vector.transfer_read %{{.*}} : tensor<8x32xf32>, vector<8x32xf32>
// CHECK: %[[ACC:.*]] = scf.for %{{.*}} iter_args(%{{.*}} = %[[ZERO]]) -> (vector<8x32xf32>)
// CHECK: vector.contract
// CHECK: %[[W:.*]] = vector.transfer_write %[[ACC]]
// CHECK: tensor.insert_slice %[[W]] into %{{.*}}[%[[I]], %[[J]]] [8, 32]
// CHECK-NOT: linalg.
// CHECK: return
func.func @zero_fill(%a: tensor<16x8xf32>, %b: tensor<8x64xf32>, %d: tensor<1x16x64xf32>) -> tensor<16x64xf32> {
  %cst = arith.constant 0.0 : f32
  %f = linalg.fill ins(%cst : f32) outs(%d : tensor<1x16x64xf32>) -> tensor<1x16x64xf32>
  %c = tensor.collapse_shape %f [[0, 1], [2]] : tensor<1x16x64xf32> into tensor<16x64xf32>
  %r = linalg.matmul ins(%a, %b : tensor<16x8xf32>, tensor<8x64xf32>) outs(%c : tensor<16x64xf32>) -> tensor<16x64xf32>
  return %r : tensor<16x64xf32>
}

// -----

// A product of at most half the tile's rows (4) whose N divides by twice
// the tile's columns: a 4 x 64 tile, as many accumulators as 8 x 32.
// CHECK-LABEL: func.func @few_rows(
// CHECK: scf.for %{{.*}} iter_args(%{{.*}}) -> (vector<4x64xf32>)
// CHECK: vector.contract {{.*}} : vector<4x1xf32>, vector<1x64xf32> into vector<4x64xf32>
// CHECK-NOT: vector<4x32xf32>
// CHECK: return
func.func @few_rows(%a: tensor<4x8xf32>, %b: tensor<8x128xf32>) -> tensor<4x128xf32> {
  %cst = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4x128xf32>
  %f = linalg.fill ins(%cst : f32) outs(%e : tensor<4x128xf32>) -> tensor<4x128xf32>
  %r = linalg.matmul ins(%a, %b : tensor<4x8xf32>, tensor<8x128xf32>) outs(%f : tensor<4x128xf32>) -> tensor<4x128xf32>
  return %r : tensor<4x128xf32>
}

// -----

// A fill that CSE left outside the per-head loop of its matmul (the
// attention backward of a 1-head self_attention: one zero fill for a
// product before the loop and the one in it): the matmul gets its own fill
// in the loop, and the scheduled loops and their epilogue stay in it (the
// shared fill gave a write whose destination was defined inside the loop).
// CHECK-LABEL: func.func @fill_outside_loop(
// CHECK: scf.for {{.*}} -> (tensor<4x8x32xf32>)
// CHECK-NOT: linalg.matmul
// CHECK: vector.contract
// CHECK: arith.mulf {{.*}} : vector<8x32xf32>
// CHECK: scf.yield {{.*}} : tensor<4x8x32xf32>
func.func @fill_outside_loop(%a: tensor<4x8x16xf32>, %b: tensor<16x32xf32>, %c: tensor<16x8xf32>, %out: tensor<4x8x32xf32>) -> (tensor<4x8x32xf32>, tensor<8x32xf32>) {
  %cst = arith.constant 0.0 : f32
  %two = arith.constant 2.0 : f32
  %e = tensor.empty() : tensor<8x32xf32>
  %f = linalg.fill ins(%cst : f32) outs(%e : tensor<8x32xf32>) -> tensor<8x32xf32>
  %t = linalg.matmul_transpose_a ins(%c, %b : tensor<16x8xf32>, tensor<16x32xf32>) outs(%f : tensor<8x32xf32>) -> tensor<8x32xf32>
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %r = scf.for %i = %c0 to %c4 step %c1 iter_args(%acc = %out) -> (tensor<4x8x32xf32>) {
    %as = tensor.extract_slice %a[%i, 0, 0] [1, 8, 16] [1, 1, 1] : tensor<4x8x16xf32> to tensor<8x16xf32>
    %m = linalg.matmul ins(%as, %b : tensor<8x16xf32>, tensor<16x32xf32>) outs(%f : tensor<8x32xf32>) -> tensor<8x32xf32>
    %os = tensor.extract_slice %acc[%i, 0, 0] [1, 8, 32] [1, 1, 1] : tensor<4x8x32xf32> to tensor<8x32xf32>
    %g = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%m : tensor<8x32xf32>) outs(%os : tensor<8x32xf32>) {
    ^bb0(%in: f32, %o: f32):
      %x = arith.mulf %in, %two : f32
      linalg.yield %x : f32
    } -> tensor<8x32xf32>
    %ins = tensor.insert_slice %g into %acc[%i, 0, 0] [1, 8, 32] [1, 1, 1] : tensor<8x32xf32> into tensor<4x8x32xf32>
    scf.yield %ins : tensor<4x8x32xf32>
  }
  return %r, %t : tensor<4x8x32xf32>, tensor<8x32xf32>
}
