// nnc-epilogue-row-loops: the elementwise tile computation that a group of
// transfer_writes stores, when it holds a polynomial (erf, exp, ...), runs in
// a loop over the tile's rows; everything else is left alone.
// RUN: nnc-opt %s --pass-pipeline='builtin.module(func.func(nnc-epilogue-row-loops))' | FileCheck %s
// RUN: nnc-opt %s --pass-pipeline='builtin.module(func.func(nnc-epilogue-row-loops{rows-per-iteration=1}))' | FileCheck %s --check-prefix=ONE

// A matmul tile's GELU and its slope (the feed-forward epilogue): the
// accumulator is stored into the first destination, then read back two rows
// at a time; the bias broadcast becomes a broadcast of its row, the splat
// constants row splats.
// CHECK-LABEL: func.func @gelu_epilogue(
// CHECK-SAME: %[[ACC:[a-z0-9]+]]: vector<8x32xf32>, %[[BIAS:[a-z0-9]+]]: vector<32xf32>, %[[OUT:[a-z0-9]+]]: tensor<16x64xf32>, %[[SLOPE:[a-z0-9]+]]: tensor<16x64xf32>, %[[I:[a-z0-9]+]]: index, %[[J:[a-z0-9]+]]: index
// CHECK: %[[SPILL:.*]] = vector.transfer_write %[[ACC]], %[[OUT]][%[[I]], %[[J]]] {in_bounds = [true, true]} : vector<8x32xf32>, tensor<16x64xf32>
// CHECK: %[[LOOP:.*]]:2 = scf.for %[[R:.*]] = %{{.*}} to %c8{{.*}} step %c2 iter_args(%[[T0:.*]] = %[[SPILL]], %[[T1:.*]] = %[[SLOPE]])
// CHECK: %[[ROW:.*]] = arith.addi %[[I]], %[[R]] : index
// CHECK: %[[X:.*]] = vector.transfer_read %[[T0]][%[[ROW]], %[[J]]], %{{.*}} {in_bounds = [true, true]} : tensor<16x64xf32>, vector<2x32xf32>
// CHECK: %[[B:.*]] = vector.broadcast %[[BIAS]] : vector<32xf32> to vector<2x32xf32>
// CHECK: %[[H:.*]] = arith.addf %[[X]], %[[B]] : vector<2x32xf32>
// CHECK: math.erf %{{.*}} : vector<2x32xf32>
// CHECK: math.exp %{{.*}} : vector<2x32xf32>
// CHECK: %[[W0:.*]] = vector.transfer_write %{{.*}}, %[[T0]][%{{.*}}, %[[J]]] {in_bounds = [true, true]} : vector<2x32xf32>, tensor<16x64xf32>
// CHECK: %[[W1:.*]] = vector.transfer_write %{{.*}}, %[[T1]][%{{.*}}, %[[J]]] {in_bounds = [true, true]} : vector<2x32xf32>, tensor<16x64xf32>
// CHECK: scf.yield %[[W0]], %[[W1]]
// CHECK-NOT: vector<8x32xf32>
// CHECK: return %[[LOOP]]#0, %[[LOOP]]#1
// ONE-LABEL: func.func @gelu_epilogue(
// ONE: scf.for %{{.*}} = %{{.*}} to %c8{{.*}} step %c1
// ONE: vector.transfer_read {{.*}} : tensor<16x64xf32>, vector<32xf32>
// ONE-NOT: vector.broadcast
// ONE: math.erf %{{.*}} : vector<32xf32>
func.func @gelu_epilogue(%acc: vector<8x32xf32>, %bias: vector<32xf32>,
                         %out: tensor<16x64xf32>, %slope: tensor<16x64xf32>,
                         %i: index, %j: index)
    -> (tensor<16x64xf32>, tensor<16x64xf32>) {
  %half = arith.constant dense<5.000000e-01> : vector<8x32xf32>
  %one = arith.constant dense<1.000000e+00> : vector<8x32xf32>
  %rsqrt2 = arith.constant dense<0.707106769> : vector<8x32xf32>
  %mhalf = arith.constant dense<-5.000000e-01> : vector<8x32xf32>
  %b = vector.broadcast %bias : vector<32xf32> to vector<8x32xf32>
  %h = arith.addf %acc, %b : vector<8x32xf32>
  %z = arith.mulf %h, %rsqrt2 : vector<8x32xf32>
  %e = math.erf %z : vector<8x32xf32>
  %p = arith.addf %e, %one : vector<8x32xf32>
  %hh = arith.mulf %h, %half : vector<8x32xf32>
  %g = arith.mulf %hh, %p : vector<8x32xf32>
  %cdf = arith.mulf %p, %half : vector<8x32xf32>
  %sq = arith.mulf %h, %h : vector<8x32xf32>
  %arg = arith.mulf %sq, %mhalf : vector<8x32xf32>
  %pdf = math.exp %arg : vector<8x32xf32>
  %xpdf = arith.mulf %h, %pdf : vector<8x32xf32>
  %d = arith.addf %cdf, %xpdf : vector<8x32xf32>
  %0 = vector.transfer_write %g, %out[%i, %j] {in_bounds = [true, true]} : vector<8x32xf32>, tensor<16x64xf32>
  %1 = vector.transfer_write %d, %slope[%i, %j] {in_bounds = [true, true]} : vector<8x32xf32>, tensor<16x64xf32>
  return %0, %1 : tensor<16x64xf32>, tensor<16x64xf32>
}

// Tile reads become row reads of their source; nothing is stored first.
// CHECK-LABEL: func.func @row_reads(
// CHECK-SAME: %[[SRC:[a-z0-9]+]]: tensor<16x64xf32>, %[[OUT:[a-z0-9]+]]: tensor<16x64xf32>
// CHECK-NOT: vector<8x32xf32>
// CHECK: scf.for %[[R:.*]] = %{{.*}} to %c8{{.*}} step %c2 iter_args(%[[T:.*]] = %[[OUT]])
// CHECK: vector.transfer_read %[[SRC]][%{{.*}}, %{{.*}}], %{{.*}} {in_bounds = [true, true]} : tensor<16x64xf32>, vector<2x32xf32>
// CHECK: math.tanh %{{.*}} : vector<2x32xf32>
func.func @row_reads(%src: tensor<16x64xf32>, %out: tensor<16x64xf32>) -> tensor<16x64xf32> {
  %c0 = arith.constant 0 : index
  %pad = arith.constant 0.0 : f32
  %x = vector.transfer_read %src[%c0, %c0], %pad {in_bounds = [true, true]} : tensor<16x64xf32>, vector<8x32xf32>
  %t = math.tanh %x : vector<8x32xf32>
  %0 = vector.transfer_write %t, %out[%c0, %c0] {in_bounds = [true, true]} : vector<8x32xf32>, tensor<16x64xf32>
  return %0 : tensor<16x64xf32>
}

// No polynomial (bias + ReLU): left alone.
// CHECK-LABEL: func.func @cheap(
// CHECK-NOT: scf.for
// CHECK: arith.maximumf %{{.*}} : vector<8x32xf32>
func.func @cheap(%acc: vector<8x32xf32>, %out: tensor<16x64xf32>) -> tensor<16x64xf32> {
  %c0 = arith.constant 0 : index
  %zero = arith.constant dense<0.0> : vector<8x32xf32>
  %r = arith.maximumf %acc, %zero : vector<8x32xf32>
  %0 = vector.transfer_write %r, %out[%c0, %c0] {in_bounds = [true, true]} : vector<8x32xf32>, tensor<16x64xf32>
  return %0 : tensor<16x64xf32>
}

// A tile value used outside the group, two tile values to store first, a
// write that is not in bounds, a destination that a tile read of the group
// reads: left alone.
// CHECK-LABEL: func.func @left_alone(
// CHECK-NOT: scf.for
// CHECK: math.exp %{{.*}} : vector<8x32xf32>
// CHECK: math.exp %{{.*}} : vector<8x32xf32>
// CHECK: math.exp %{{.*}} : vector<8x32xf32>
// CHECK: math.exp %{{.*}} : vector<8x32xf32>
func.func @left_alone(%a: vector<8x32xf32>, %b: vector<8x32xf32>,
                      %out: tensor<16x64xf32>, %i: index)
    -> (tensor<16x64xf32>, tensor<16x64xf32>, tensor<16x64xf32>, tensor<16x64xf32>, vector<8x32xf32>) {
  %c0 = arith.constant 0 : index
  %pad = arith.constant 0.0 : f32
  %e0 = math.exp %a : vector<8x32xf32>
  %0 = vector.transfer_write %e0, %out[%c0, %c0] {in_bounds = [true, true]} : vector<8x32xf32>, tensor<16x64xf32>
  %s = arith.addf %a, %b : vector<8x32xf32>
  %e1 = math.exp %s : vector<8x32xf32>
  %1 = vector.transfer_write %e1, %out[%c0, %c0] {in_bounds = [true, true]} : vector<8x32xf32>, tensor<16x64xf32>
  %e2 = math.exp %b : vector<8x32xf32>
  %2 = vector.transfer_write %e2, %out[%i, %c0] {in_bounds = [false, true]} : vector<8x32xf32>, tensor<16x64xf32>
  %x = vector.transfer_read %out[%c0, %c0], %pad {in_bounds = [true, true]} : tensor<16x64xf32>, vector<8x32xf32>
  %e3 = math.exp %x : vector<8x32xf32>
  %3 = vector.transfer_write %e3, %out[%c0, %c0] {in_bounds = [true, true]} : vector<8x32xf32>, tensor<16x64xf32>
  return %0, %1, %2, %3, %e0 : tensor<16x64xf32>, tensor<16x64xf32>, tensor<16x64xf32>, tensor<16x64xf32>, vector<8x32xf32>
}

// The first write's result is used before the second write, where the loop
// would replace it: left alone.
// CHECK-LABEL: func.func @used_between(
// CHECK-NOT: scf.for
// CHECK: return
func.func @used_between(%a: vector<8x32xf32>, %out: tensor<16x64xf32>,
                        %other: tensor<16x64xf32>) -> (f32, tensor<16x64xf32>) {
  %c0 = arith.constant 0 : index
  %e = math.exp %a : vector<8x32xf32>
  %0 = vector.transfer_write %e, %out[%c0, %c0] {in_bounds = [true, true]} : vector<8x32xf32>, tensor<16x64xf32>
  %x = tensor.extract %0[%c0, %c0] : tensor<16x64xf32>
  %n = arith.negf %e : vector<8x32xf32>
  %1 = vector.transfer_write %n, %other[%c0, %c0] {in_bounds = [true, true]} : vector<8x32xf32>, tensor<16x64xf32>
  return %x, %1 : f32, tensor<16x64xf32>
}
