// RUN: nnc-opt %s --split-input-file --pass-pipeline="builtin.module(func.func(nnc-fold-head-transposes))" | FileCheck %s
// RUN: nnc-opt %s --split-input-file --pass-pipeline="builtin.module(func.func(nnc-fold-head-transposes),nnc-matmul-schedule)" | FileCheck %s --check-prefix=SCHED

// Attention's weighted sum O = P V: V read per head from [N, T, H, D] in
// place, the result written per head into [N, T, H, D]: neither transpose
// is left. One forall over the images, one loop over the heads.
// CHECK-LABEL: func.func @weighted_sum
// CHECK-NOT: linalg.transpose
// CHECK-NOT: linalg.batch_matmul
// CHECK: %[[N:.*]] = tensor.dim %[[V4:.*]], %{{.*}} : tensor<?x16x2x8xf32>
// CHECK: scf.forall (%[[I:.*]]) in (%[[N]]) shared_outs(%[[O:.*]] = %{{.*}}) -> (tensor<?x16x2x8xf32>)
// CHECK: %[[IMG:.*]] = tensor.extract_slice %[[O]][%[[I]], 0, 0, 0] [1, 16, 2, 8]
// CHECK: scf.for %[[H:.*]] = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%[[ACC:.*]] = %[[IMG]])
// CHECK: %[[P:.*]] = tensor.extract_slice %{{.*}}[%{{.*}}, 0, 0] [1, 16, 16] [1, 1, 1] : tensor<?x16x16xf32> to tensor<16x16xf32>
// CHECK: %[[V:.*]] = tensor.extract_slice %[[V4]][%[[I]], 0, %[[H]], 0] [1, 16, 1, 8] [1, 1, 1, 1] : tensor<?x16x2x8xf32> to tensor<16x8xf32>
// CHECK: %[[C:.*]] = tensor.extract_slice %[[ACC]][0, 0, %[[H]], 0] [1, 16, 1, 8] [1, 1, 1, 1] : tensor<1x16x2x8xf32> to tensor<16x8xf32>
// CHECK: %[[Z:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%[[C]] : tensor<16x8xf32>)
// CHECK: %[[M:.*]] = linalg.matmul ins(%[[P]], %[[V]] : tensor<16x16xf32>, tensor<16x8xf32>) outs(%[[Z]] : tensor<16x8xf32>)
// CHECK: tensor.insert_slice %[[M]] into %[[ACC]][0, 0, %[[H]], 0] [1, 16, 1, 8]
// CHECK: tensor.parallel_insert_slice %{{.*}} into %[[O]][%[[I]], 0, 0, 0] [1, 16, 2, 8]
// CHECK-NOT: linalg.transpose
// SCHED-LABEL: func.func @weighted_sum
// SCHED: scf.forall
// SCHED: vector.contract
// SCHED-NOT: linalg.matmul
func.func @weighted_sum(%p: tensor<?x16x16xf32>, %v: tensor<?x16x16xf32>) -> tensor<?x16x16xf32> {
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0.0 : f32
  %n = tensor.dim %v, %c0 : tensor<?x16x16xf32>
  %v4 = tensor.expand_shape %v [[0], [1], [2, 3]] output_shape [%n, 16, 2, 8] : tensor<?x16x16xf32> into tensor<?x16x2x8xf32>
  %vt0 = tensor.empty(%n) : tensor<?x2x16x8xf32>
  %vt = linalg.transpose ins(%v4 : tensor<?x16x2x8xf32>) outs(%vt0 : tensor<?x2x16x8xf32>) permutation = [0, 2, 1, 3]
  %vc = tensor.collapse_shape %vt [[0, 1], [2], [3]] : tensor<?x2x16x8xf32> into tensor<?x16x8xf32>
  %b = tensor.dim %p, %c0 : tensor<?x16x16xf32>
  %e = tensor.empty(%b) : tensor<?x16x8xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<?x16x8xf32>) -> tensor<?x16x8xf32>
  %r = linalg.batch_matmul ins(%p, %vc : tensor<?x16x16xf32>, tensor<?x16x8xf32>) outs(%f : tensor<?x16x8xf32>) -> tensor<?x16x8xf32>
  %r4 = tensor.expand_shape %r [[0, 1], [2], [3]] output_shape [%n, 2, 16, 8] : tensor<?x16x8xf32> into tensor<?x2x16x8xf32>
  %o0 = tensor.empty(%n) : tensor<?x16x2x8xf32>
  %o = linalg.transpose ins(%r4 : tensor<?x2x16x8xf32>) outs(%o0 : tensor<?x16x2x8xf32>) permutation = [0, 2, 1, 3]
  %oc = tensor.collapse_shape %o [[0], [1], [2, 3]] : tensor<?x16x2x8xf32> into tensor<?x16x16xf32>
  return %oc : tensor<?x16x16xf32>
}

// -----

// dV = P^T dO: P^T is P read as stored, the lhs of matmul_transpose_a.
// CHECK-LABEL: func.func @value_gradient
// CHECK-NOT: linalg.transpose
// CHECK: scf.forall
// CHECK: scf.for
// CHECK: %[[P:.*]] = tensor.extract_slice %{{.*}}[%{{.*}}, %{{.*}}, 0, 0] [1, 1, 16, 16] [1, 1, 1, 1] : tensor<?x2x16x16xf32> to tensor<16x16xf32>
// CHECK: %[[DO:.*]] = tensor.extract_slice %{{.*}}[%{{.*}}, 0, %{{.*}}, 0] [1, 16, 1, 8] [1, 1, 1, 1] : tensor<?x16x2x8xf32> to tensor<16x8xf32>
// CHECK: linalg.matmul_transpose_a ins(%[[P]], %[[DO]] : tensor<16x16xf32>, tensor<16x8xf32>)
// CHECK-NOT: linalg.transpose
func.func @value_gradient(%p: tensor<?x2x16x16xf32>, %do: tensor<?x16x16xf32>) -> tensor<?x16x2x8xf32> {
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0.0 : f32
  %n = tensor.dim %do, %c0 : tensor<?x16x16xf32>
  %pt0 = tensor.empty(%n) : tensor<?x2x16x16xf32>
  %pt = linalg.transpose ins(%p : tensor<?x2x16x16xf32>) outs(%pt0 : tensor<?x2x16x16xf32>) permutation = [0, 1, 3, 2]
  %ptc = tensor.collapse_shape %pt [[0, 1], [2], [3]] : tensor<?x2x16x16xf32> into tensor<?x16x16xf32>
  %do4 = tensor.expand_shape %do [[0], [1], [2, 3]] output_shape [%n, 16, 2, 8] : tensor<?x16x16xf32> into tensor<?x16x2x8xf32>
  %dot0 = tensor.empty(%n) : tensor<?x2x16x8xf32>
  %dot = linalg.transpose ins(%do4 : tensor<?x16x2x8xf32>) outs(%dot0 : tensor<?x2x16x8xf32>) permutation = [0, 2, 1, 3]
  %dotc = tensor.collapse_shape %dot [[0, 1], [2], [3]] : tensor<?x2x16x8xf32> into tensor<?x16x8xf32>
  %b = tensor.dim %ptc, %c0 : tensor<?x16x16xf32>
  %e = tensor.empty(%b) : tensor<?x16x8xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<?x16x8xf32>) -> tensor<?x16x8xf32>
  %r = linalg.batch_matmul ins(%ptc, %dotc : tensor<?x16x16xf32>, tensor<?x16x8xf32>) outs(%f : tensor<?x16x8xf32>) -> tensor<?x16x8xf32>
  %r4 = tensor.expand_shape %r [[0, 1], [2], [3]] output_shape [%n, 2, 16, 8] : tensor<?x16x8xf32> into tensor<?x2x16x8xf32>
  %o0 = tensor.empty(%n) : tensor<?x16x2x8xf32>
  %o = linalg.transpose ins(%r4 : tensor<?x2x16x8xf32>) outs(%o0 : tensor<?x16x2x8xf32>) permutation = [0, 2, 1, 3]
  return %o : tensor<?x16x2x8xf32>
}

// -----

// dK^T = Q^T dS stored back as dK [N, T, H, D]: computed as dK = dS^T Q,
// both operands read as stored.
// CHECK-LABEL: func.func @key_gradient
// CHECK-NOT: linalg.transpose
// CHECK: scf.forall
// CHECK: scf.for
// CHECK: %[[DS:.*]] = tensor.extract_slice %{{.*}} : tensor<?x16x16xf32> to tensor<16x16xf32>
// CHECK: %[[Q:.*]] = tensor.extract_slice %{{.*}}[%{{.*}}, %{{.*}}, 0, 0] [1, 1, 16, 8] [1, 1, 1, 1] : tensor<?x2x16x8xf32> to tensor<16x8xf32>
// CHECK: %[[C:.*]] = tensor.extract_slice %{{.*}}[0, 0, %{{.*}}, 0] [1, 16, 1, 8] [1, 1, 1, 1] : tensor<1x16x2x8xf32> to tensor<16x8xf32>
// CHECK: linalg.matmul_transpose_a ins(%[[DS]], %[[Q]] : tensor<16x16xf32>, tensor<16x8xf32>)
// CHECK-NOT: linalg.transpose
func.func @key_gradient(%q: tensor<?x2x16x8xf32>, %ds: tensor<?x16x16xf32>) -> tensor<?x16x2x8xf32> {
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0.0 : f32
  %n = tensor.dim %q, %c0 : tensor<?x2x16x8xf32>
  %qt0 = tensor.empty(%n) : tensor<?x2x8x16xf32>
  %qt = linalg.transpose ins(%q : tensor<?x2x16x8xf32>) outs(%qt0 : tensor<?x2x8x16xf32>) permutation = [0, 1, 3, 2]
  %qtc = tensor.collapse_shape %qt [[0, 1], [2], [3]] : tensor<?x2x8x16xf32> into tensor<?x8x16xf32>
  %b = tensor.dim %ds, %c0 : tensor<?x16x16xf32>
  %e = tensor.empty(%b) : tensor<?x8x16xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<?x8x16xf32>) -> tensor<?x8x16xf32>
  %r = linalg.batch_matmul ins(%qtc, %ds : tensor<?x8x16xf32>, tensor<?x16x16xf32>) outs(%f : tensor<?x8x16xf32>) -> tensor<?x8x16xf32>
  %r4 = tensor.expand_shape %r [[0, 1], [2], [3]] output_shape [%n, 2, 8, 16] : tensor<?x8x16xf32> into tensor<?x2x8x16xf32>
  %o0 = tensor.empty(%n) : tensor<?x16x2x8xf32>
  %o = linalg.transpose ins(%r4 : tensor<?x2x8x16xf32>) outs(%o0 : tensor<?x16x2x8xf32>) permutation = [0, 3, 1, 2]
  return %o : tensor<?x16x2x8xf32>
}

// -----

// The scores Q K^T: K^T would be read transposed as the right operand, so
// its copy stays; Q is read in place.
// CHECK-LABEL: func.func @scores
// CHECK: %[[KT:.*]] = linalg.transpose ins(%{{.*}} : tensor<?x16x2x8xf32>) outs(%{{.*}} : tensor<?x2x8x16xf32>) permutation = [0, 2, 3, 1]
// CHECK: %[[KC:.*]] = tensor.collapse_shape %[[KT]]
// CHECK-NOT: linalg.transpose
// CHECK: scf.forall
// CHECK: %[[Q:.*]] = tensor.extract_slice %{{.*}} : tensor<?x16x2x8xf32> to tensor<16x8xf32>
// CHECK: %[[K:.*]] = tensor.extract_slice %[[KC]][%{{.*}}, 0, 0] [1, 8, 16] [1, 1, 1] : tensor<?x8x16xf32> to tensor<8x16xf32>
// CHECK: linalg.matmul ins(%[[Q]], %[[K]] : tensor<16x8xf32>, tensor<8x16xf32>)
func.func @scores(%q: tensor<?x16x2x8xf32>, %k: tensor<?x16x2x8xf32>) -> tensor<?x16x16xf32> {
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0.0 : f32
  %n = tensor.dim %q, %c0 : tensor<?x16x2x8xf32>
  %qt0 = tensor.empty(%n) : tensor<?x2x16x8xf32>
  %qt = linalg.transpose ins(%q : tensor<?x16x2x8xf32>) outs(%qt0 : tensor<?x2x16x8xf32>) permutation = [0, 2, 1, 3]
  %qc = tensor.collapse_shape %qt [[0, 1], [2], [3]] : tensor<?x2x16x8xf32> into tensor<?x16x8xf32>
  %kt0 = tensor.empty(%n) : tensor<?x2x8x16xf32>
  %kt = linalg.transpose ins(%k : tensor<?x16x2x8xf32>) outs(%kt0 : tensor<?x2x8x16xf32>) permutation = [0, 2, 3, 1]
  %kc = tensor.collapse_shape %kt [[0, 1], [2], [3]] : tensor<?x2x8x16xf32> into tensor<?x8x16xf32>
  %b = tensor.dim %qc, %c0 : tensor<?x16x8xf32>
  %e = tensor.empty(%b) : tensor<?x16x16xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<?x16x16xf32>) -> tensor<?x16x16xf32>
  %r = linalg.batch_matmul ins(%qc, %kc : tensor<?x16x8xf32>, tensor<?x8x16xf32>) outs(%f : tensor<?x16x16xf32>) -> tensor<?x16x16xf32>
  return %r : tensor<?x16x16xf32>
}

// -----

// Nothing to fold (no head transpose), or an accumulator that is not a
// fill: the batch_matmul stays.
// CHECK-LABEL: func.func @unchanged
// CHECK-NOT: scf.forall
// CHECK: linalg.batch_matmul
// CHECK: linalg.batch_matmul
func.func @unchanged(%a: tensor<?x16x8xf32>, %b: tensor<?x8x16xf32>, %acc: tensor<?x16x16xf32>, %v: tensor<?x16x2x16xf32>) -> (tensor<?x16x16xf32>, tensor<?x16x16xf32>) {
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0.0 : f32
  %n = tensor.dim %a, %c0 : tensor<?x16x8xf32>
  %e = tensor.empty(%n) : tensor<?x16x16xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<?x16x16xf32>) -> tensor<?x16x16xf32>
  %r = linalg.batch_matmul ins(%a, %b : tensor<?x16x8xf32>, tensor<?x8x16xf32>) outs(%f : tensor<?x16x16xf32>) -> tensor<?x16x16xf32>
  %m = tensor.dim %v, %c0 : tensor<?x16x2x16xf32>
  %vt0 = tensor.empty(%m) : tensor<?x2x16x16xf32>
  %vt = linalg.transpose ins(%v : tensor<?x16x2x16xf32>) outs(%vt0 : tensor<?x2x16x16xf32>) permutation = [0, 2, 1, 3]
  %vc = tensor.collapse_shape %vt [[0, 1], [2], [3]] : tensor<?x2x16x16xf32> into tensor<?x16x16xf32>
  %s = linalg.batch_matmul ins(%acc, %vc : tensor<?x16x16xf32>, tensor<?x16x16xf32>) outs(%acc : tensor<?x16x16xf32>) -> tensor<?x16x16xf32>
  return %r, %s : tensor<?x16x16xf32>, tensor<?x16x16xf32>
}

// -----

// q scaled after its heads were moved: the scaling moves before the
// transpose, which then folds into the scores' lhs. K^T, a transpose of
// the moved heads written as a generic, becomes one transpose of k.
// CHECK-LABEL: func.func @scaled_scores
// CHECK: %[[QS:.*]] = linalg.generic {{.*}} ins(%[[Q:.*]] : tensor<?x16x2x8xf32>)
// CHECK: arith.mulf
// CHECK: linalg.transpose ins(%{{.*}} : tensor<?x16x2x8xf32>) outs(%{{.*}} : tensor<?x2x8x16xf32>) permutation = [0, 2, 3, 1]
// CHECK-NOT: linalg.transpose
// CHECK: scf.forall
// CHECK: tensor.extract_slice %[[QS]][%{{.*}}, 0, %{{.*}}, 0] [1, 16, 1, 8] [1, 1, 1, 1] : tensor<?x16x2x8xf32> to tensor<16x8xf32>
// CHECK: linalg.matmul
func.func @scaled_scores(%q: tensor<?x16x2x8xf32>, %k: tensor<?x16x2x8xf32>) -> tensor<?x16x16xf32> {
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0.0 : f32
  %scale = arith.constant 0.35 : f32
  %n = tensor.dim %q, %c0 : tensor<?x16x2x8xf32>
  %qt0 = tensor.empty(%n) : tensor<?x2x16x8xf32>
  %qt = linalg.transpose ins(%q : tensor<?x16x2x8xf32>) outs(%qt0 : tensor<?x2x16x8xf32>) permutation = [0, 2, 1, 3]
  %qs = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%qt : tensor<?x2x16x8xf32>) outs(%qt0 : tensor<?x2x16x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %m = arith.mulf %in, %scale : f32
    linalg.yield %m : f32
  } -> tensor<?x2x16x8xf32>
  %qc = tensor.collapse_shape %qs [[0, 1], [2], [3]] : tensor<?x2x16x8xf32> into tensor<?x16x8xf32>
  %kh0 = tensor.empty(%n) : tensor<?x2x16x8xf32>
  %kh = linalg.transpose ins(%k : tensor<?x16x2x8xf32>) outs(%kh0 : tensor<?x2x16x8xf32>) permutation = [0, 2, 1, 3]
  %kt0 = tensor.empty(%n) : tensor<?x2x8x16xf32>
  %kt = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d3, d2)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%kh : tensor<?x2x16x8xf32>) outs(%kt0 : tensor<?x2x8x16xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  } -> tensor<?x2x8x16xf32>
  %kc = tensor.collapse_shape %kt [[0, 1], [2], [3]] : tensor<?x2x8x16xf32> into tensor<?x8x16xf32>
  %b = tensor.dim %qc, %c0 : tensor<?x16x8xf32>
  %e = tensor.empty(%b) : tensor<?x16x16xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<?x16x16xf32>) -> tensor<?x16x16xf32>
  %r = linalg.batch_matmul ins(%qc, %kc : tensor<?x16x8xf32>, tensor<?x8x16xf32>) outs(%f : tensor<?x16x16xf32>) -> tensor<?x16x16xf32>
  return %r : tensor<?x16x16xf32>
}

// -----

// dq scaled before its heads are moved back: the scaling becomes the
// epilogue of each head's product (onto zeros of its own), written into the
// destination. An elementwise op that reads its output's old value is not.
// CHECK-LABEL: func.func @scaled_result
// CHECK-NOT: linalg.transpose
// CHECK: scf.forall
// CHECK: scf.for
// CHECK: %[[C:.*]] = tensor.extract_slice %{{.*}}[0, 0, %{{.*}}, 0] [1, 16, 1, 8] [1, 1, 1, 1] : tensor<1x16x2x8xf32> to tensor<16x8xf32>
// CHECK: %[[E:.*]] = tensor.empty() : tensor<16x8xf32>
// CHECK: %[[Z:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%[[E]] : tensor<16x8xf32>)
// CHECK: %[[M:.*]] = linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<16x16xf32>, tensor<16x8xf32>) outs(%[[Z]] : tensor<16x8xf32>)
// CHECK: %[[S:.*]] = linalg.generic {{.*}} ins(%[[M]] : tensor<16x8xf32>) outs(%[[C]] : tensor<16x8xf32>)
// CHECK: arith.mulf
// CHECK: tensor.insert_slice %[[S]]
// CHECK-NOT: linalg.transpose
// CHECK-LABEL: func.func @accumulating_generic
// CHECK: linalg.batch_matmul
// CHECK: linalg.transpose
func.func @scaled_result(%ds: tensor<?x16x16xf32>, %k: tensor<?x16x16xf32>) -> tensor<?x16x2x8xf32> {
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0.0 : f32
  %scale = arith.constant 0.35 : f32
  %n = tensor.dim %k, %c0 : tensor<?x16x16xf32>
  %k4 = tensor.expand_shape %k [[0], [1], [2, 3]] output_shape [%n, 16, 2, 8] : tensor<?x16x16xf32> into tensor<?x16x2x8xf32>
  %kt0 = tensor.empty(%n) : tensor<?x2x16x8xf32>
  %kt = linalg.transpose ins(%k4 : tensor<?x16x2x8xf32>) outs(%kt0 : tensor<?x2x16x8xf32>) permutation = [0, 2, 1, 3]
  %kc = tensor.collapse_shape %kt [[0, 1], [2], [3]] : tensor<?x2x16x8xf32> into tensor<?x16x8xf32>
  %b = tensor.dim %ds, %c0 : tensor<?x16x16xf32>
  %e = tensor.empty(%b) : tensor<?x16x8xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<?x16x8xf32>) -> tensor<?x16x8xf32>
  %r = linalg.batch_matmul ins(%ds, %kc : tensor<?x16x16xf32>, tensor<?x16x8xf32>) outs(%f : tensor<?x16x8xf32>) -> tensor<?x16x8xf32>
  %r4 = tensor.expand_shape %r [[0, 1], [2], [3]] output_shape [%n, 2, 16, 8] : tensor<?x16x8xf32> into tensor<?x2x16x8xf32>
  %s = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%r4 : tensor<?x2x16x8xf32>) outs(%kt0 : tensor<?x2x16x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %m = arith.mulf %in, %scale : f32
    linalg.yield %m : f32
  } -> tensor<?x2x16x8xf32>
  %o0 = tensor.empty(%n) : tensor<?x16x2x8xf32>
  %o = linalg.transpose ins(%s : tensor<?x2x16x8xf32>) outs(%o0 : tensor<?x16x2x8xf32>) permutation = [0, 2, 1, 3]
  return %o : tensor<?x16x2x8xf32>
}
func.func @accumulating_generic(%ds: tensor<?x16x16xf32>, %p: tensor<?x16x8xf32>, %acc: tensor<?x2x16x8xf32>) -> tensor<?x16x2x8xf32> {
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0.0 : f32
  %b = tensor.dim %ds, %c0 : tensor<?x16x16xf32>
  %n = tensor.dim %acc, %c0 : tensor<?x2x16x8xf32>
  %e = tensor.empty(%b) : tensor<?x16x8xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<?x16x8xf32>) -> tensor<?x16x8xf32>
  %r = linalg.batch_matmul ins(%ds, %p : tensor<?x16x16xf32>, tensor<?x16x8xf32>) outs(%f : tensor<?x16x8xf32>) -> tensor<?x16x8xf32>
  %r4 = tensor.expand_shape %r [[0, 1], [2], [3]] output_shape [%n, 2, 16, 8] : tensor<?x16x8xf32> into tensor<?x2x16x8xf32>
  %s = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%r4 : tensor<?x2x16x8xf32>) outs(%acc : tensor<?x2x16x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %m = arith.addf %in, %out : f32
    linalg.yield %m : f32
  } -> tensor<?x2x16x8xf32>
  %o0 = tensor.empty(%n) : tensor<?x16x2x8xf32>
  %o = linalg.transpose ins(%s : tensor<?x2x16x8xf32>) outs(%o0 : tensor<?x16x2x8xf32>) permutation = [0, 2, 1, 3]
  return %o : tensor<?x16x2x8xf32>
}

// -----

// dk and dv moved back and inserted whole into the columns of the fused
// projection's gradient [N, T, 3 * 16]: written there per head, no copy.
// CHECK-LABEL: func.func @into_columns
// CHECK-NOT: linalg.transpose
// CHECK-NOT: tensor.insert_slice %{{.*}} into %{{.*}}[0, 0, 16] [%{{.*}}, 16, 16]
// CHECK: %[[DK:.*]] = scf.forall (%{{.*}}) in (%{{.*}}) shared_outs(%[[G:.*]] = %[[DQKV:.*]]) -> (tensor<?x16x48xf32>)
// CHECK: %[[IMG:.*]] = tensor.extract_slice %[[G]][%{{.*}}, 0, 0] [1, 16, 48] [1, 1, 1]
// CHECK: scf.for %[[H:.*]] = {{.*}} iter_args(%[[ACC:.*]] = %[[IMG]])
// CHECK: %[[COL:.*]] = arith.addi %c16, %{{.*}} : index
// CHECK: tensor.extract_slice %[[ACC]][0, 0, %[[COL]]] [1, 16, 8] [1, 1, 1] : tensor<1x16x48xf32> to tensor<16x8xf32>
// CHECK: linalg.matmul_transpose_a
// CHECK: tensor.insert_slice %{{.*}} into %[[ACC]][0, 0, %[[COL]]] [1, 16, 8] [1, 1, 1]
// CHECK: scf.forall (%{{.*}}) in (%{{.*}}) shared_outs(%{{.*}} = %[[DK]]) -> (tensor<?x16x48xf32>)
// CHECK: linalg.matmul
func.func @into_columns(%ds: tensor<?x16x16xf32>, %q: tensor<?x2x16x8xf32>, %p: tensor<?x16x16xf32>, %do: tensor<?x16x2x8xf32>, %dq: tensor<?x16x16xf32>) -> tensor<?x16x48xf32> {
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0.0 : f32
  %n = tensor.dim %q, %c0 : tensor<?x2x16x8xf32>
  %b = tensor.dim %ds, %c0 : tensor<?x16x16xf32>
  // dK^T = Q^T dS, moved back to [N, T, H, D] as dK.
  %qt0 = tensor.empty(%n) : tensor<?x2x8x16xf32>
  %qt = linalg.transpose ins(%q : tensor<?x2x16x8xf32>) outs(%qt0 : tensor<?x2x8x16xf32>) permutation = [0, 1, 3, 2]
  %qtc = tensor.collapse_shape %qt [[0, 1], [2], [3]] : tensor<?x2x8x16xf32> into tensor<?x8x16xf32>
  %e1 = tensor.empty(%b) : tensor<?x8x16xf32>
  %f1 = linalg.fill ins(%zero : f32) outs(%e1 : tensor<?x8x16xf32>) -> tensor<?x8x16xf32>
  %r1 = linalg.batch_matmul ins(%qtc, %ds : tensor<?x8x16xf32>, tensor<?x16x16xf32>) outs(%f1 : tensor<?x8x16xf32>) -> tensor<?x8x16xf32>
  %r14 = tensor.expand_shape %r1 [[0, 1], [2], [3]] output_shape [%n, 2, 8, 16] : tensor<?x8x16xf32> into tensor<?x2x8x16xf32>
  %o10 = tensor.empty(%n) : tensor<?x16x2x8xf32>
  %o1 = linalg.transpose ins(%r14 : tensor<?x2x8x16xf32>) outs(%o10 : tensor<?x16x2x8xf32>) permutation = [0, 3, 1, 2]
  %dk = tensor.collapse_shape %o1 [[0], [1], [2, 3]] : tensor<?x16x2x8xf32> into tensor<?x16x16xf32>
  // dV = P dO with P as [N * H, T, T], dO read in place.
  %dot0 = tensor.empty(%n) : tensor<?x2x16x8xf32>
  %dot = linalg.transpose ins(%do : tensor<?x16x2x8xf32>) outs(%dot0 : tensor<?x2x16x8xf32>) permutation = [0, 2, 1, 3]
  %dotc = tensor.collapse_shape %dot [[0, 1], [2], [3]] : tensor<?x2x16x8xf32> into tensor<?x16x8xf32>
  %e3 = tensor.empty(%b) : tensor<?x16x8xf32>
  %f3 = linalg.fill ins(%zero : f32) outs(%e3 : tensor<?x16x8xf32>) -> tensor<?x16x8xf32>
  %r2 = linalg.batch_matmul ins(%p, %dotc : tensor<?x16x16xf32>, tensor<?x16x8xf32>) outs(%f3 : tensor<?x16x8xf32>) -> tensor<?x16x8xf32>
  %r24 = tensor.expand_shape %r2 [[0, 1], [2], [3]] output_shape [%n, 2, 16, 8] : tensor<?x16x8xf32> into tensor<?x2x16x8xf32>
  %o2 = linalg.transpose ins(%r24 : tensor<?x2x16x8xf32>) outs(%o10 : tensor<?x16x2x8xf32>) permutation = [0, 2, 1, 3]
  %dv = tensor.collapse_shape %o2 [[0], [1], [2, 3]] : tensor<?x16x2x8xf32> into tensor<?x16x16xf32>
  %g0 = tensor.empty(%n) : tensor<?x16x48xf32>
  %g1 = tensor.insert_slice %dq into %g0[0, 0, 0] [%n, 16, 16] [1, 1, 1] : tensor<?x16x16xf32> into tensor<?x16x48xf32>
  %g2 = tensor.insert_slice %dk into %g1[0, 0, 16] [%n, 16, 16] [1, 1, 1] : tensor<?x16x16xf32> into tensor<?x16x48xf32>
  %g3 = tensor.insert_slice %dv into %g2[0, 0, 32] [%n, 16, 16] [1, 1, 1] : tensor<?x16x16xf32> into tensor<?x16x48xf32>
  return %g3 : tensor<?x16x48xf32>
}

// -----

// A generic without inputs (a padded pooling input, built from linalg.index)
// beside a batch product: the pass looks at it and leaves it alone (it read
// the missing input 0 and crashed, fuzzer seed 61434).
// CHECK-LABEL: func.func @generic_without_inputs(
// CHECK: linalg.generic
// CHECK-SAME: outs(
// CHECK: linalg.index 0
// CHECK: linalg.batch_matmul
func.func @generic_without_inputs(%a: tensor<2x4x8xf32>, %b: tensor<2x8x4xf32>) -> (tensor<2x4x4xf32>, tensor<4x8xf32>) {
  %e = tensor.empty() : tensor<4x8xf32>
  %g = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} outs(%e : tensor<4x8xf32>) {
  ^bb0(%out: f32):
    %i = linalg.index 0 : index
    %j = linalg.index 1 : index
    %s = arith.addi %i, %j : index
    %c = arith.index_cast %s : index to i32
    %f = arith.sitofp %c : i32 to f32
    linalg.yield %f : f32
  } -> tensor<4x8xf32>
  %cst = arith.constant 0.0 : f32
  %o = tensor.empty() : tensor<2x4x4xf32>
  %z = linalg.fill ins(%cst : f32) outs(%o : tensor<2x4x4xf32>) -> tensor<2x4x4xf32>
  %r = linalg.batch_matmul ins(%a, %b : tensor<2x4x8xf32>, tensor<2x8x4xf32>) outs(%z : tensor<2x4x4xf32>) -> tensor<2x4x4xf32>
  return %r, %g : tensor<2x4x4xf32>, tensor<4x8xf32>
}
