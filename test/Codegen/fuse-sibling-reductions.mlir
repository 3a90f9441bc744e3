// nnc-fuse-sibling-reductions: batch normalisation's beta and gamma
// gradients, sum(g) and sum(g * xhat) per channel, read g through the same
// map: they become one generic with both outputs (one pass over g), each
// payload and accumulator unchanged. A reduction that reads the other's
// result (the variance after the mean) or whose sibling's result is used in
// between stays apart, and so do reductions with different iterators.
// RUN: nnc-opt %s --pass-pipeline='builtin.module(func.func(nnc-fuse-sibling-reductions))' | FileCheck %s

#x = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
#c = affine_map<(d0, d1, d2) -> (d1)>

// CHECK-LABEL: func.func @beta_gamma(
// CHECK-SAME: %[[G:[a-z0-9]+]]: tensor<?x8x16xf32>, %[[XH:[a-z0-9]+]]: tensor<?x8x16xf32>
// CHECK: %[[F:.*]] = linalg.fill
// CHECK: %[[R:.*]]:2 = linalg.generic
// CHECK-SAME: ins(%[[G]], %[[G]], %[[XH]] : tensor<?x8x16xf32>, tensor<?x8x16xf32>, tensor<?x8x16xf32>) outs(%[[F]], %[[F]] : tensor<8xf32>, tensor<8xf32>)
// CHECK-NEXT: ^bb0(%[[A0:.*]]: f32, %[[B0:.*]]: f32, %[[B1:.*]]: f32, %[[OA:.*]]: f32, %[[OB:.*]]: f32):
// CHECK-NEXT: %[[SA:.*]] = arith.addf %[[A0]], %[[OA]]
// CHECK-NEXT: %[[P:.*]] = arith.mulf %[[B0]], %[[B1]]
// CHECK-NEXT: %[[SB:.*]] = arith.addf %[[P]], %[[OB]]
// CHECK-NEXT: linalg.yield %[[SA]], %[[SB]]
// CHECK-NOT: linalg.generic
// CHECK: return %[[R]]#0, %[[R]]#1
func.func @beta_gamma(%g: tensor<?x8x16xf32>, %xhat: tensor<?x8x16xf32>) -> (tensor<8xf32>, tensor<8xf32>) {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<8xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<8xf32>) -> tensor<8xf32>
  %sg = linalg.generic {indexing_maps = [#x, #c], iterator_types = ["reduction", "parallel", "reduction"]} ins(%g : tensor<?x8x16xf32>) outs(%f : tensor<8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %s = arith.addf %in, %out : f32
    linalg.yield %s : f32
  } -> tensor<8xf32>
  %sgx = linalg.generic {indexing_maps = [#x, #x, #c], iterator_types = ["reduction", "parallel", "reduction"]} ins(%g, %xhat : tensor<?x8x16xf32>, tensor<?x8x16xf32>) outs(%f : tensor<8xf32>) {
  ^bb0(%in: f32, %in2: f32, %out: f32):
    %p = arith.mulf %in, %in2 : f32
    %s = arith.addf %p, %out : f32
    linalg.yield %s : f32
  } -> tensor<8xf32>
  return %sg, %sgx : tensor<8xf32>, tensor<8xf32>
}

// CHECK-LABEL: func.func @kept_apart(
// CHECK-COUNT-4: linalg.generic
// CHECK: return
func.func @kept_apart(%x: tensor<?x8x16xf32>, %y: tensor<?x8x16xf32>) -> (tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<?x8xf32>) {
  %zero = arith.constant 0.0 : f32
  %c0 = arith.constant 0 : index
  %e = tensor.empty() : tensor<8xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<8xf32>) -> tensor<8xf32>
  // The mean, then the squared deviations from it: a dependence.
  %sum = linalg.generic {indexing_maps = [#x, #c], iterator_types = ["reduction", "parallel", "reduction"]} ins(%x : tensor<?x8x16xf32>) outs(%f : tensor<8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %s = arith.addf %in, %out : f32
    linalg.yield %s : f32
  } -> tensor<8xf32>
  %dev = linalg.generic {indexing_maps = [#x, #c, #c], iterator_types = ["reduction", "parallel", "reduction"]} ins(%x, %sum : tensor<?x8x16xf32>, tensor<8xf32>) outs(%f : tensor<8xf32>) {
  ^bb0(%in: f32, %m: f32, %out: f32):
    %d = arith.subf %in, %m : f32
    %q = arith.mulf %d, %d : f32
    %s = arith.addf %q, %out : f32
    linalg.yield %s : f32
  } -> tensor<8xf32>
  // No shared input.
  %other = linalg.generic {indexing_maps = [#x, #c], iterator_types = ["reduction", "parallel", "reduction"]} ins(%y : tensor<?x8x16xf32>) outs(%f : tensor<8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %s = arith.addf %in, %out : f32
    linalg.yield %s : f32
  } -> tensor<8xf32>
  // Other iterators (the rows' sums).
  %n = tensor.dim %y, %c0 : tensor<?x8x16xf32>
  %er = tensor.empty(%n) : tensor<?x8xf32>
  %fr = linalg.fill ins(%zero : f32) outs(%er : tensor<?x8xf32>) -> tensor<?x8xf32>
  %rows = linalg.generic {indexing_maps = [#x, affine_map<(d0, d1, d2) -> (d0, d1)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%y : tensor<?x8x16xf32>) outs(%fr : tensor<?x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %s = arith.addf %in, %out : f32
    linalg.yield %s : f32
  } -> tensor<?x8xf32>
  return %sum, %dev, %other, %rows : tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<?x8xf32>
}

// The first sum is used before the second: they stay apart.
// CHECK-LABEL: func.func @used_between(
// CHECK-COUNT-3: linalg.generic
// CHECK: return
func.func @used_between(%g: tensor<?x8x16xf32>, %xhat: tensor<?x8x16xf32>) -> (tensor<8xf32>, tensor<8xf32>) {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<8xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<8xf32>) -> tensor<8xf32>
  %sg = linalg.generic {indexing_maps = [#x, #c], iterator_types = ["reduction", "parallel", "reduction"]} ins(%g : tensor<?x8x16xf32>) outs(%f : tensor<8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %s = arith.addf %in, %out : f32
    linalg.yield %s : f32
  } -> tensor<8xf32>
  %twice = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]} ins(%sg : tensor<8xf32>) outs(%e : tensor<8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %s = arith.addf %in, %in : f32
    linalg.yield %s : f32
  } -> tensor<8xf32>
  %sgx = linalg.generic {indexing_maps = [#x, #x, #c], iterator_types = ["reduction", "parallel", "reduction"]} ins(%g, %xhat : tensor<?x8x16xf32>, tensor<?x8x16xf32>) outs(%f : tensor<8xf32>) {
  ^bb0(%in: f32, %in2: f32, %out: f32):
    %p = arith.mulf %in, %in2 : f32
    %s = arith.addf %p, %out : f32
    linalg.yield %s : f32
  } -> tensor<8xf32>
  return %twice, %sgx : tensor<8xf32>, tensor<8xf32>
}
