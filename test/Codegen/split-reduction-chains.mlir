// nnc-split-reduction-chains: a register tile's reduction loop whose only
// carried value, a vector<1x32xf32> (2 of 16 registers of 512 bits), is the
// accumulator of the body's vector.contract becomes a loop of step 4 with 4
// accumulators (the first from the original init, the others from zero), a
// loop over the leftover steps into the first, and the pairwise sum (the
// main loop ends at max(lb, lb + (ub - lb) floordiv 4 * 4): no step runs
// when ub < lb, as in the original). A full
// 8 x 32 tile (16 registers), a short constant reduction and a loop whose
// accumulator feeds something else are left alone.
// RUN: nnc-opt %s --pass-pipeline='builtin.module(func.func(nnc-split-reduction-chains))' | FileCheck %s

#lhs = affine_map<(d0, d1, d2) -> (d0, d2)>
#rhs = affine_map<(d0, d1, d2) -> (d2, d1)>
#acc = affine_map<(d0, d1, d2) -> (d0, d1)>

// CHECK-LABEL: func.func @one_row(
// CHECK-SAME: %[[A:.*]]: memref<1x?xf32>, %[[B:.*]]: memref<?x32xf32>, %[[K:.*]]: index, %[[INIT:.*]]: vector<1x32xf32>
// CHECK-DAG: %[[ZERO:.*]] = arith.constant dense<0.000000e+00> : vector<1x32xf32>
// CHECK-DAG: %[[C4:.*]] = arith.constant 4 : index
// CHECK-DAG: %[[END:.*]] = affine.max #{{.*}}(%{{.*}}, %[[K]])
// CHECK: %[[MAIN:.*]]:4 = scf.for %[[I:.*]] = %{{.*}} to %[[END]] step %[[C4]] iter_args(%[[A0:.*]] = %[[INIT]], %[[A1:.*]] = %[[ZERO]], %[[A2:.*]] = %[[ZERO]], %[[A3:.*]] = %[[ZERO]])
// CHECK: %[[C0:.*]] = vector.contract {{.*}}, %[[A0]]
// CHECK: %[[I1:.*]] = arith.addi %[[I]], %{{.*}} : index
// CHECK: vector.transfer_read %[[A]][%{{.*}}, %[[I1]]]
// CHECK: %[[C1:.*]] = vector.contract {{.*}}, %[[A1]]
// CHECK: %[[C2:.*]] = vector.contract {{.*}}, %[[A2]]
// CHECK: %[[C3:.*]] = vector.contract {{.*}}, %[[A3]]
// CHECK: scf.yield %[[C0]], %[[C1]], %[[C2]], %[[C3]]
// CHECK: %[[REST:.*]] = scf.for %{{.*}} = %[[END]] to %[[K]] step %{{.*}} iter_args(%[[R:.*]] = %[[MAIN]]#0)
// CHECK: vector.contract {{.*}}, %[[R]]
// CHECK: %[[S01:.*]] = arith.addf %[[REST]], %[[MAIN]]#1 : vector<1x32xf32>
// CHECK: %[[S23:.*]] = arith.addf %[[MAIN]]#2, %[[MAIN]]#3 : vector<1x32xf32>
// CHECK: %[[SUM:.*]] = arith.addf %[[S01]], %[[S23]] : vector<1x32xf32>
// CHECK: return %[[SUM]]
func.func @one_row(%a: memref<1x?xf32>, %b: memref<?x32xf32>, %k: index, %init: vector<1x32xf32>) -> vector<1x32xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %f0 = arith.constant 0.0 : f32
  %r = scf.for %i = %c0 to %k step %c1 iter_args(%acc = %init) -> (vector<1x32xf32>) {
    %l = vector.transfer_read %a[%c0, %i], %f0 {in_bounds = [true, true]} : memref<1x?xf32>, vector<1x1xf32>
    %m = vector.transfer_read %b[%i, %c0], %f0 {in_bounds = [true, true]} : memref<?x32xf32>, vector<1x32xf32>
    %c = vector.contract {indexing_maps = [#lhs, #rhs, #acc], iterator_types = ["parallel", "parallel", "reduction"], kind = #vector.kind<add>} %l, %m, %acc : vector<1x1xf32>, vector<1x32xf32> into vector<1x32xf32>
    scf.yield %c : vector<1x32xf32>
  }
  return %r : vector<1x32xf32>
}

// CHECK-LABEL: func.func @full_tile(
// CHECK: scf.for {{.*}} iter_args(%{{.*}} = %{{.*}}) -> (vector<8x32xf32>)
// CHECK-NOT: scf.for
// CHECK: return
func.func @full_tile(%a: memref<8x?xf32>, %b: memref<?x32xf32>, %k: index, %init: vector<8x32xf32>) -> vector<8x32xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %f0 = arith.constant 0.0 : f32
  %r = scf.for %i = %c0 to %k step %c1 iter_args(%acc = %init) -> (vector<8x32xf32>) {
    %l = vector.transfer_read %a[%c0, %i], %f0 {in_bounds = [true, true]} : memref<8x?xf32>, vector<8x1xf32>
    %m = vector.transfer_read %b[%i, %c0], %f0 {in_bounds = [true, true]} : memref<?x32xf32>, vector<1x32xf32>
    %c = vector.contract {indexing_maps = [#lhs, #rhs, #acc], iterator_types = ["parallel", "parallel", "reduction"], kind = #vector.kind<add>} %l, %m, %acc : vector<8x1xf32>, vector<1x32xf32> into vector<8x32xf32>
    scf.yield %c : vector<8x32xf32>
  }
  return %r : vector<8x32xf32>
}

// CHECK-LABEL: func.func @short(
// CHECK: scf.for {{.*}} step %{{.*}} iter_args(%{{.*}} = %{{.*}}) -> (vector<1x32xf32>)
// CHECK-NOT: scf.for
// CHECK: return
func.func @short(%a: memref<1x8xf32>, %b: memref<8x32xf32>, %init: vector<1x32xf32>) -> vector<1x32xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %f0 = arith.constant 0.0 : f32
  %r = scf.for %i = %c0 to %c8 step %c1 iter_args(%acc = %init) -> (vector<1x32xf32>) {
    %l = vector.transfer_read %a[%c0, %i], %f0 {in_bounds = [true, true]} : memref<1x8xf32>, vector<1x1xf32>
    %m = vector.transfer_read %b[%i, %c0], %f0 {in_bounds = [true, true]} : memref<8x32xf32>, vector<1x32xf32>
    %c = vector.contract {indexing_maps = [#lhs, #rhs, #acc], iterator_types = ["parallel", "parallel", "reduction"], kind = #vector.kind<add>} %l, %m, %acc : vector<1x1xf32>, vector<1x32xf32> into vector<1x32xf32>
    scf.yield %c : vector<1x32xf32>
  }
  return %r : vector<1x32xf32>
}

// CHECK-LABEL: func.func @not_an_accumulator(
// CHECK: scf.for {{.*}} step %{{.*}} iter_args(%{{.*}} = %{{.*}}) -> (vector<1x32xf32>)
// CHECK-NOT: scf.for
// CHECK: return
func.func @not_an_accumulator(%a: memref<1x?xf32>, %b: memref<?x32xf32>, %k: index, %init: vector<1x32xf32>) -> vector<1x32xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %f0 = arith.constant 0.0 : f32
  %r = scf.for %i = %c0 to %k step %c1 iter_args(%acc = %init) -> (vector<1x32xf32>) {
    %l = vector.transfer_read %a[%c0, %i], %f0 {in_bounds = [true, true]} : memref<1x?xf32>, vector<1x1xf32>
    %m = vector.transfer_read %b[%i, %c0], %f0 {in_bounds = [true, true]} : memref<?x32xf32>, vector<1x32xf32>
    %c = vector.contract {indexing_maps = [#lhs, #rhs, #acc], iterator_types = ["parallel", "parallel", "reduction"], kind = #vector.kind<add>} %l, %m, %acc : vector<1x1xf32>, vector<1x32xf32> into vector<1x32xf32>
    %s = arith.mulf %c, %c : vector<1x32xf32>
    scf.yield %s : vector<1x32xf32>
  }
  return %r : vector<1x32xf32>
}
