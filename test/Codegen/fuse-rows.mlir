// nnc-fuse-rows: in a chunk computing row-wise generics only, the yielded
// generic is tiled by one row and the producers each row computes a part of,
// read by nothing that stays whole, are fused into that loop (once each,
// after CSE); what a row does not cut, or what such an op reads, stays.
// RUN: nnc-opt %s --pass-pipeline='builtin.module(func.func(nnc-fuse-rows))' | FileCheck %s
// RUN: nnc-opt %s --pass-pipeline='builtin.module(func.func(nnc-fuse-rows{tile-elements=32}))' | FileCheck %s --check-prefix=ONE

// A softmax over rows of 32 in chunks of two items: one loop over items
// and rows, each row's maximum, exponentials (once), sum and quotient in it,
// four rows (128 elements) per iteration; one with tile-elements=32.
// CHECK-LABEL: func.func @softmax(
// CHECK: scf.forall
// CHECK-NOT: linalg.generic
// CHECK: scf.for %[[I:.*]] = %c0 to %c2 step %c1
// CHECK: scf.for %[[J:.*]] = %c0 to %c8 step %c4
// CHECK: %[[X:.*]] = tensor.extract_slice %{{.*}}[%[[I]], %[[J]], 0] [1, 4, 32] [1, 1, 1] : tensor<2x8x32xf32> to tensor<1x4x32xf32>
// CHECK: %[[M0:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%{{.*}} : tensor<1x4xf32>)
// CHECK: %[[M:.*]] = linalg.generic {{.*}} ins(%[[X]] : tensor<1x4x32xf32>) outs(%[[M0]] : tensor<1x4xf32>)
// CHECK: arith.maximumf
// CHECK: %[[E:.*]] = linalg.generic {{.*}} ins(%[[X]], %[[M]] : tensor<1x4x32xf32>, tensor<1x4xf32>)
// CHECK: math.exp
// CHECK: %[[S:.*]] = linalg.generic {{.*}} ins(%[[E]] : tensor<1x4x32xf32>)
// CHECK: arith.addf
// CHECK: %[[P:.*]] = linalg.generic {{.*}} ins(%[[E]], %[[S]] : tensor<1x4x32xf32>, tensor<1x4xf32>)
// CHECK: arith.divf
// CHECK-NOT: math.exp
// CHECK: tensor.insert_slice %[[P]]
// CHECK: scf.forall.in_parallel
// ONE-LABEL: func.func @softmax(
// ONE: scf.for %{{.*}} = %c0 to %c8 step %c1
// ONE: tensor.extract_slice %{{.*}} [1, 1, 32] [1, 1, 1] : tensor<2x8x32xf32> to tensor<1x1x32xf32>
// ONE: math.exp
// ONE-NOT: math.exp
// ONE: scf.forall.in_parallel
#id3 = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
#row3 = affine_map<(d0, d1, d2) -> (d0, d1)>
#id2 = affine_map<(d0, d1) -> (d0, d1)>
#col3 = affine_map<(d0, d1, d2) -> (d2)>
func.func @softmax(%x: tensor<4x8x32xf32>) -> tensor<4x8x32xf32> {
  %ninf = arith.constant 0xFF800000 : f32
  %zero = arith.constant 0.0 : f32
  %one = arith.constant 1.0 : f32
  %stats = tensor.empty() : tensor<4x8xf32>
  %out = tensor.empty() : tensor<4x8x32xf32>
  %r = scf.forall (%i) = (0) to (4) step (2) shared_outs(%o = %out) -> (tensor<4x8x32xf32>) {
    %xs = tensor.extract_slice %x[%i, 0, 0] [2, 8, 32] [1, 1, 1] : tensor<4x8x32xf32> to tensor<2x8x32xf32>
    %ss = tensor.extract_slice %stats[%i, 0] [2, 8] [1, 1] : tensor<4x8xf32> to tensor<2x8xf32>
    %m0 = linalg.fill ins(%ninf : f32) outs(%ss : tensor<2x8xf32>) -> tensor<2x8xf32>
    %m = linalg.generic {indexing_maps = [#id3, #row3], iterator_types = ["parallel", "parallel", "reduction"]}
        ins(%xs : tensor<2x8x32xf32>) outs(%m0 : tensor<2x8xf32>) {
    ^bb0(%a: f32, %acc: f32):
      %v = arith.maximumf %a, %acc : f32
      linalg.yield %v : f32
    } -> tensor<2x8xf32>
    %es = tensor.extract_slice %out[%i, 0, 0] [2, 8, 32] [1, 1, 1] : tensor<4x8x32xf32> to tensor<2x8x32xf32>
    %e = linalg.generic {indexing_maps = [#id3, #row3, #id3], iterator_types = ["parallel", "parallel", "parallel"]}
        ins(%xs, %m : tensor<2x8x32xf32>, tensor<2x8xf32>) outs(%es : tensor<2x8x32xf32>) {
    ^bb0(%a: f32, %b: f32, %c: f32):
      %d = arith.subf %a, %b : f32
      %v = math.exp %d : f32
      linalg.yield %v : f32
    } -> tensor<2x8x32xf32>
    %s0 = linalg.fill ins(%zero : f32) outs(%ss : tensor<2x8xf32>) -> tensor<2x8xf32>
    %s = linalg.generic {indexing_maps = [#id3, #row3], iterator_types = ["parallel", "parallel", "reduction"]}
        ins(%e : tensor<2x8x32xf32>) outs(%s0 : tensor<2x8xf32>) {
    ^bb0(%a: f32, %acc: f32):
      %v = arith.addf %a, %acc : f32
      linalg.yield %v : f32
    } -> tensor<2x8xf32>
    %os = tensor.extract_slice %o[%i, 0, 0] [2, 8, 32] [1, 1, 1] : tensor<4x8x32xf32> to tensor<2x8x32xf32>
    %p = linalg.generic {indexing_maps = [#id3, #row3, #id3], iterator_types = ["parallel", "parallel", "parallel"]}
        ins(%e, %s : tensor<2x8x32xf32>, tensor<2x8xf32>) outs(%os : tensor<2x8x32xf32>) {
    ^bb0(%a: f32, %b: f32, %c: f32):
      %v = arith.divf %a, %b : f32
      linalg.yield %v : f32
    } -> tensor<2x8x32xf32>
    scf.forall.in_parallel {
      tensor.parallel_insert_slice %p into %o[%i, 0, 0] [2, 8, 32] [1, 1, 1] : tensor<2x8x32xf32> into tensor<4x8x32xf32>
    }
  }
  return %r : tensor<4x8x32xf32>
}

// y = 2x is read by the row-wise result and by a column sum over all rows
// (a normalization's parameter gradient), which no row cuts: both stay whole,
// computed once; exp(x), read by the result alone, is fused.
// CHECK-LABEL: func.func @column_sum(
// CHECK: %[[Y:.*]] = linalg.generic {{.*}} ins(%{{.*}} : tensor<2x8x32xf32>) outs(%{{.*}} : tensor<2x8x32xf32>)
// CHECK: %[[C:.*]] = linalg.generic {{.*}} ins(%[[Y]] : tensor<2x8x32xf32>) outs(%{{.*}} : tensor<32xf32>)
// CHECK-NOT: math.exp
// CHECK: scf.for %
// CHECK: scf.for %
// CHECK: %[[YR:.*]] = tensor.extract_slice %[[Y]]
// CHECK: %[[Z:.*]] = linalg.generic {{.*}} ins(%{{.*}} : tensor<1x4x32xf32>)
// CHECK: math.exp
// CHECK: linalg.generic {{.*}} ins(%[[YR]], %{{.*}}, %[[Z]] : tensor<1x4x32xf32>, tensor<32xf32>, tensor<1x4x32xf32>)
// CHECK-NOT: linalg.generic
// CHECK: scf.forall.in_parallel
func.func @column_sum(%x: tensor<4x8x32xf32>) -> tensor<4x8x32xf32> {
  %zero = arith.constant 0.0 : f32
  %two = arith.constant 2.0 : f32
  %cols = tensor.empty() : tensor<32xf32>
  %tmp = tensor.empty() : tensor<4x8x32xf32>
  %out = tensor.empty() : tensor<4x8x32xf32>
  %r = scf.forall (%i) = (0) to (4) step (2) shared_outs(%o = %out) -> (tensor<4x8x32xf32>) {
    %xs = tensor.extract_slice %x[%i, 0, 0] [2, 8, 32] [1, 1, 1] : tensor<4x8x32xf32> to tensor<2x8x32xf32>
    %ts = tensor.extract_slice %tmp[%i, 0, 0] [2, 8, 32] [1, 1, 1] : tensor<4x8x32xf32> to tensor<2x8x32xf32>
    %y = linalg.generic {indexing_maps = [#id3, #id3], iterator_types = ["parallel", "parallel", "parallel"]}
        ins(%xs : tensor<2x8x32xf32>) outs(%ts : tensor<2x8x32xf32>) {
    ^bb0(%a: f32, %b: f32):
      %v = arith.mulf %a, %two : f32
      linalg.yield %v : f32
    } -> tensor<2x8x32xf32>
    %c0 = linalg.fill ins(%zero : f32) outs(%cols : tensor<32xf32>) -> tensor<32xf32>
    %c = linalg.generic {indexing_maps = [#id3, #col3], iterator_types = ["reduction", "reduction", "parallel"]}
        ins(%y : tensor<2x8x32xf32>) outs(%c0 : tensor<32xf32>) {
    ^bb0(%a: f32, %acc: f32):
      %v = arith.addf %a, %acc : f32
      linalg.yield %v : f32
    } -> tensor<32xf32>
    %zs = tensor.extract_slice %out[%i, 0, 0] [2, 8, 32] [1, 1, 1] : tensor<4x8x32xf32> to tensor<2x8x32xf32>
    %z = linalg.generic {indexing_maps = [#id3, #id3], iterator_types = ["parallel", "parallel", "parallel"]}
        ins(%xs : tensor<2x8x32xf32>) outs(%zs : tensor<2x8x32xf32>) {
    ^bb0(%a: f32, %b: f32):
      %v = math.exp %a : f32
      linalg.yield %v : f32
    } -> tensor<2x8x32xf32>
    %os = tensor.extract_slice %o[%i, 0, 0] [2, 8, 32] [1, 1, 1] : tensor<4x8x32xf32> to tensor<2x8x32xf32>
    %p = linalg.generic {indexing_maps = [#id3, #col3, #id3, #id3], iterator_types = ["parallel", "parallel", "parallel"]}
        ins(%y, %c, %z : tensor<2x8x32xf32>, tensor<32xf32>, tensor<2x8x32xf32>) outs(%os : tensor<2x8x32xf32>) {
    ^bb0(%a: f32, %s: f32, %e: f32, %d: f32):
      %m = arith.mulf %a, %s : f32
      %v = arith.addf %m, %e : f32
      linalg.yield %v : f32
    } -> tensor<2x8x32xf32>
    scf.forall.in_parallel {
      tensor.parallel_insert_slice %p into %o[%i, 0, 0] [2, 8, 32] [1, 1, 1] : tensor<2x8x32xf32> into tensor<4x8x32xf32>
    }
  }
  return %r : tensor<4x8x32xf32>
}

// Rows of 8 elements (fewer than min-row-elements), a chunk that yields two
// results, a chunk holding a product: left alone.
// CHECK-LABEL: func.func @left_alone(
// CHECK-NOT: scf.for %
// CHECK: return
func.func @left_alone(%x: tensor<4x8x8xf32>, %a: tensor<4x8xf32>, %b: tensor<8x8xf32>)
    -> (tensor<4x8x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>) {
  %out = tensor.empty() : tensor<4x8x8xf32>
  %out2 = tensor.empty() : tensor<4x8xf32>
  %r = scf.forall (%i) = (0) to (4) step (2) shared_outs(%o = %out) -> (tensor<4x8x8xf32>) {
    %xs = tensor.extract_slice %x[%i, 0, 0] [2, 8, 8] [1, 1, 1] : tensor<4x8x8xf32> to tensor<2x8x8xf32>
    %ts = tensor.extract_slice %out[%i, 0, 0] [2, 8, 8] [1, 1, 1] : tensor<4x8x8xf32> to tensor<2x8x8xf32>
    %e = linalg.generic {indexing_maps = [#id3, #id3], iterator_types = ["parallel", "parallel", "parallel"]}
        ins(%xs : tensor<2x8x8xf32>) outs(%ts : tensor<2x8x8xf32>) {
    ^bb0(%v: f32, %w: f32):
      %t = math.exp %v : f32
      linalg.yield %t : f32
    } -> tensor<2x8x8xf32>
    %os = tensor.extract_slice %o[%i, 0, 0] [2, 8, 8] [1, 1, 1] : tensor<4x8x8xf32> to tensor<2x8x8xf32>
    %p = linalg.generic {indexing_maps = [#id3, #id3], iterator_types = ["parallel", "parallel", "parallel"]}
        ins(%e : tensor<2x8x8xf32>) outs(%os : tensor<2x8x8xf32>) {
    ^bb0(%v: f32, %w: f32):
      %t = arith.mulf %v, %v : f32
      linalg.yield %t : f32
    } -> tensor<2x8x8xf32>
    scf.forall.in_parallel {
      tensor.parallel_insert_slice %p into %o[%i, 0, 0] [2, 8, 8] [1, 1, 1] : tensor<2x8x8xf32> into tensor<4x8x8xf32>
    }
  }
  %r2:2 = scf.forall (%i) = (0) to (4) step (2) shared_outs(%o = %out2, %q = %out2) -> (tensor<4x8xf32>, tensor<4x8xf32>) {
    %as = tensor.extract_slice %a[%i, 0] [2, 8] [1, 1] : tensor<4x8xf32> to tensor<2x8xf32>
    %ts = tensor.extract_slice %out2[%i, 0] [2, 8] [1, 1] : tensor<4x8xf32> to tensor<2x8xf32>
    %e = linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]}
        ins(%as : tensor<2x8xf32>) outs(%ts : tensor<2x8xf32>) {
    ^bb0(%v: f32, %w: f32):
      %t = math.exp %v : f32
      linalg.yield %t : f32
    } -> tensor<2x8xf32>
    %os = tensor.extract_slice %o[%i, 0] [2, 8] [1, 1] : tensor<4x8xf32> to tensor<2x8xf32>
    %p = linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]}
        ins(%e : tensor<2x8xf32>) outs(%os : tensor<2x8xf32>) {
    ^bb0(%v: f32, %w: f32):
      %t = arith.mulf %v, %v : f32
      linalg.yield %t : f32
    } -> tensor<2x8xf32>
    scf.forall.in_parallel {
      tensor.parallel_insert_slice %p into %o[%i, 0] [2, 8] [1, 1] : tensor<2x8xf32> into tensor<4x8xf32>
      tensor.parallel_insert_slice %e into %q[%i, 0] [2, 8] [1, 1] : tensor<2x8xf32> into tensor<4x8xf32>
    }
  }
  %r3 = scf.forall (%i) = (0) to (4) step (2) shared_outs(%o = %out2) -> (tensor<4x8xf32>) {
    %as = tensor.extract_slice %a[%i, 0] [2, 8] [1, 1] : tensor<4x8xf32> to tensor<2x8xf32>
    %ts = tensor.extract_slice %out2[%i, 0] [2, 8] [1, 1] : tensor<4x8xf32> to tensor<2x8xf32>
    %m = linalg.matmul ins(%as, %b : tensor<2x8xf32>, tensor<8x8xf32>) outs(%ts : tensor<2x8xf32>) -> tensor<2x8xf32>
    %os = tensor.extract_slice %o[%i, 0] [2, 8] [1, 1] : tensor<4x8xf32> to tensor<2x8xf32>
    %p = linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]}
        ins(%m : tensor<2x8xf32>) outs(%os : tensor<2x8xf32>) {
    ^bb0(%v: f32, %w: f32):
      %t = math.exp %v : f32
      linalg.yield %t : f32
    } -> tensor<2x8xf32>
    scf.forall.in_parallel {
      tensor.parallel_insert_slice %p into %o[%i, 0] [2, 8] [1, 1] : tensor<2x8xf32> into tensor<4x8xf32>
    }
  }
  return %r, %r2#0, %r2#1, %r3 : tensor<4x8x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>
}
