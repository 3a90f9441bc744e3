// nnc-fuse-foralls: a loop over the images that reads, in iteration i, image
// i of the previous loop's result (through an expand_shape keeping dim 0
// alone, or directly) is merged into that loop; the producer's image goes
// into a per-iteration tensor.empty, the consumer reads it reshaped. Chains
// fuse into one loop. A result with another use, a read of another slice or
// a producer output with contents are left alone.
// RUN: nnc-opt %s --nnc-fuse-foralls -split-input-file | FileCheck %s

#id2 = affine_map<(d0, d1) -> (d0, d1)>
#id5 = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d3, d4)>
#pooled = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d3)>

// CHECK-LABEL: func.func @chain(
// CHECK-SAME: %[[X:[a-z0-9]+]]: tensor<?x4x8xf32>, %[[W:[a-z0-9]+]]: tensor<8x4xf32>
// CHECK: %[[N:.*]] = tensor.dim %[[X]]
// CHECK: %[[E:.*]] = tensor.empty(%[[N]]) : tensor<?x2x2xf32>
// CHECK: %[[R:.*]] = scf.forall (%[[I:.*]]) in (%[[N]]) shared_outs(%[[OUT:.*]] = %[[E]]) -> (tensor<?x2x2xf32>) {
// CHECK: %[[XI:.*]] = tensor.extract_slice %[[X]][%[[I]], 0, 0] [1, 4, 8] [1, 1, 1] : tensor<?x4x8xf32> to tensor<4x8xf32>
// CHECK: %[[T:.*]] = tensor.empty() : tensor<4x4xf32>
// CHECK: %[[MM:.*]] = linalg.matmul ins(%[[XI]], %[[W]] : tensor<4x8xf32>, tensor<8x4xf32>) outs(%[[T]] : tensor<4x4xf32>)
// CHECK: %[[T2:.*]] = tensor.empty() : tensor<4x4xf32>
// CHECK: %[[RELU:.*]] = linalg.generic {{.*}} ins(%[[MM]] : tensor<4x4xf32>) outs(%[[T2]] : tensor<4x4xf32>)
// CHECK: %[[IMG:.*]] = tensor.expand_shape %[[RELU]] {{\[}}[0, 1, 2], [3, 4]] output_shape [1, 2, 2, 2, 2] : tensor<4x4xf32> into tensor<1x2x2x2x2xf32>
// CHECK: %[[P:.*]] = tensor.extract_slice %[[OUT]][%[[I]], 0, 0] [1, 2, 2]
// CHECK: %[[POOL:.*]] = linalg.generic {{.*}} ins(%[[IMG]] : tensor<1x2x2x2x2xf32>) outs(%[[P]] : tensor<1x2x2xf32>)
// CHECK: scf.forall.in_parallel {
// CHECK-NEXT: tensor.parallel_insert_slice %[[POOL]] into %[[OUT]][%[[I]], 0, 0] [1, 2, 2] [1, 1, 1]
// CHECK-NEXT: }
// CHECK-NEXT: }
// CHECK-NOT: scf.forall
// CHECK: return %[[R]]
func.func @chain(%x: tensor<?x4x8xf32>, %w: tensor<8x4xf32>) -> tensor<?x2x2xf32> {
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0.0 : f32
  %n = tensor.dim %x, %c0 : tensor<?x4x8xf32>
  // Image i: x[i] (4 x 8) times w, into [?, 4, 4].
  %e0 = tensor.empty(%n) : tensor<?x4x4xf32>
  %a = scf.forall (%i) in (%n) shared_outs(%o = %e0) -> (tensor<?x4x4xf32>) {
    %xi = tensor.extract_slice %x[%i, 0, 0] [1, 4, 8] [1, 1, 1] : tensor<?x4x8xf32> to tensor<4x8xf32>
    %oi = tensor.extract_slice %o[%i, 0, 0] [1, 4, 4] [1, 1, 1] : tensor<?x4x4xf32> to tensor<4x4xf32>
    %mm = linalg.matmul ins(%xi, %w : tensor<4x8xf32>, tensor<8x4xf32>) outs(%oi : tensor<4x4xf32>) -> tensor<4x4xf32>
    scf.forall.in_parallel {
      tensor.parallel_insert_slice %mm into %o[%i, 0, 0] [1, 4, 4] [1, 1, 1] : tensor<4x4xf32> into tensor<?x4x4xf32>
    }
  }
  // Relu per image, reading a[i] directly.
  %e1 = tensor.empty(%n) : tensor<?x4x4xf32>
  %b = scf.forall (%j) in (%n) shared_outs(%p = %e1) -> (tensor<?x4x4xf32>) {
    %ai = tensor.extract_slice %a[%j, 0, 0] [1, 4, 4] [1, 1, 1] : tensor<?x4x4xf32> to tensor<4x4xf32>
    %pj = tensor.extract_slice %p[%j, 0, 0] [1, 4, 4] [1, 1, 1] : tensor<?x4x4xf32> to tensor<4x4xf32>
    %r = linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%ai : tensor<4x4xf32>) outs(%pj : tensor<4x4xf32>) {
    ^bb0(%in: f32, %out: f32):
      %m = arith.maximumf %in, %zero : f32
      linalg.yield %m : f32
    } -> tensor<4x4xf32>
    scf.forall.in_parallel {
      tensor.parallel_insert_slice %r into %p[%j, 0, 0] [1, 4, 4] [1, 1, 1] : tensor<4x4xf32> into tensor<?x4x4xf32>
    }
  }
  // 2 x 2 max pooling, reading b viewed as [?, 2, 2, 2, 2] (n, oh, kh, ow, kw).
  %v = tensor.expand_shape %b [[0], [1, 2], [3, 4]] output_shape [%n, 2, 2, 2, 2] : tensor<?x4x4xf32> into tensor<?x2x2x2x2xf32>
  %n2 = tensor.dim %v, %c0 : tensor<?x2x2x2x2xf32>
  %e2 = tensor.empty(%n) : tensor<?x2x2xf32>
  %c = scf.forall (%k) in (%n2) shared_outs(%q = %e2) -> (tensor<?x2x2xf32>) {
    %bk = tensor.extract_slice %v[%k, 0, 0, 0, 0] [1, 2, 2, 2, 2] [1, 1, 1, 1, 1] : tensor<?x2x2x2x2xf32> to tensor<1x2x2x2x2xf32>
    %qk = tensor.extract_slice %q[%k, 0, 0] [1, 2, 2] [1, 1, 1] : tensor<?x2x2xf32> to tensor<1x2x2xf32>
    %m = linalg.generic {indexing_maps = [#id5, #pooled], iterator_types = ["parallel", "parallel", "reduction", "parallel", "reduction"]} ins(%bk : tensor<1x2x2x2x2xf32>) outs(%qk : tensor<1x2x2xf32>) {
    ^bb0(%in: f32, %out: f32):
      %mx = arith.maximumf %in, %out : f32
      linalg.yield %mx : f32
    } -> tensor<1x2x2xf32>
    scf.forall.in_parallel {
      tensor.parallel_insert_slice %m into %q[%k, 0, 0] [1, 2, 2] [1, 1, 1] : tensor<1x2x2xf32> into tensor<?x2x2xf32>
    }
  }
  return %c : tensor<?x2x2xf32>
}

// -----

// The producer's result is also returned (another use): two loops stay.
// CHECK-LABEL: func.func @other_use(
// CHECK: scf.forall
// CHECK: scf.forall
func.func @other_use(%x: tensor<?x4xf32>) -> (tensor<?x4xf32>, tensor<?x4xf32>) {
  %c0 = arith.constant 0 : index
  %n = tensor.dim %x, %c0 : tensor<?x4xf32>
  %e = tensor.empty(%n) : tensor<?x4xf32>
  %a = scf.forall (%i) in (%n) shared_outs(%o = %e) -> (tensor<?x4xf32>) {
    %xi = tensor.extract_slice %x[%i, 0] [1, 4] [1, 1] : tensor<?x4xf32> to tensor<1x4xf32>
    scf.forall.in_parallel {
      tensor.parallel_insert_slice %xi into %o[%i, 0] [1, 4] [1, 1] : tensor<1x4xf32> into tensor<?x4xf32>
    }
  }
  %b = scf.forall (%j) in (%n) shared_outs(%p = %e) -> (tensor<?x4xf32>) {
    %aj = tensor.extract_slice %a[%j, 0] [1, 4] [1, 1] : tensor<?x4xf32> to tensor<1x4xf32>
    scf.forall.in_parallel {
      tensor.parallel_insert_slice %aj into %p[%j, 0] [1, 4] [1, 1] : tensor<1x4xf32> into tensor<?x4xf32>
    }
  }
  return %a, %b : tensor<?x4xf32>, tensor<?x4xf32>
}

// -----

// Iteration j reads part of item j (2 of 4 columns), not the item: no fusion.
// CHECK-LABEL: func.func @partial_read(
// CHECK: scf.forall
// CHECK: scf.forall
func.func @partial_read(%x: tensor<?x4xf32>) -> tensor<?x2xf32> {
  %c0 = arith.constant 0 : index
  %n = tensor.dim %x, %c0 : tensor<?x4xf32>
  %e = tensor.empty(%n) : tensor<?x4xf32>
  %a = scf.forall (%i) in (%n) shared_outs(%o = %e) -> (tensor<?x4xf32>) {
    %xi = tensor.extract_slice %x[%i, 0] [1, 4] [1, 1] : tensor<?x4xf32> to tensor<1x4xf32>
    scf.forall.in_parallel {
      tensor.parallel_insert_slice %xi into %o[%i, 0] [1, 4] [1, 1] : tensor<1x4xf32> into tensor<?x4xf32>
    }
  }
  %e2 = tensor.empty(%n) : tensor<?x2xf32>
  %b = scf.forall (%j) in (%n) shared_outs(%p = %e2) -> (tensor<?x2xf32>) {
    %aj = tensor.extract_slice %a[%j, 0] [1, 2] [1, 1] : tensor<?x4xf32> to tensor<1x2xf32>
    scf.forall.in_parallel {
      tensor.parallel_insert_slice %aj into %p[%j, 0] [1, 2] [1, 1] : tensor<1x2xf32> into tensor<?x2xf32>
    }
  }
  return %b : tensor<?x2xf32>
}

// -----

// The producer accumulates into an output with contents (%init, not a
// tensor.empty): its item cannot start from a fresh tensor. No fusion.
// CHECK-LABEL: func.func @output_with_contents(
// CHECK: scf.forall
// CHECK: scf.forall
func.func @output_with_contents(%x: tensor<?x4xf32>, %init: tensor<?x4xf32>) -> tensor<?x4xf32> {
  %c0 = arith.constant 0 : index
  %n = tensor.dim %x, %c0 : tensor<?x4xf32>
  %a = scf.forall (%i) in (%n) shared_outs(%o = %init) -> (tensor<?x4xf32>) {
    %xi = tensor.extract_slice %x[%i, 0] [1, 4] [1, 1] : tensor<?x4xf32> to tensor<1x4xf32>
    %oi = tensor.extract_slice %o[%i, 0] [1, 4] [1, 1] : tensor<?x4xf32> to tensor<1x4xf32>
    %s = linalg.add ins(%xi, %oi : tensor<1x4xf32>, tensor<1x4xf32>) outs(%oi : tensor<1x4xf32>) -> tensor<1x4xf32>
    scf.forall.in_parallel {
      tensor.parallel_insert_slice %s into %o[%i, 0] [1, 4] [1, 1] : tensor<1x4xf32> into tensor<?x4xf32>
    }
  }
  %e = tensor.empty(%n) : tensor<?x4xf32>
  %b = scf.forall (%j) in (%n) shared_outs(%p = %e) -> (tensor<?x4xf32>) {
    %aj = tensor.extract_slice %a[%j, 0] [1, 4] [1, 1] : tensor<?x4xf32> to tensor<1x4xf32>
    scf.forall.in_parallel {
      tensor.parallel_insert_slice %aj into %p[%j, 0] [1, 4] [1, 1] : tensor<1x4xf32> into tensor<?x4xf32>
    }
  }
  return %b : tensor<?x4xf32>
}

// -----

// The consumer's trip count is read from the producer's output
// (`tensor.dim` of its tensor.empty, as nnc-distribute-ops writes it): the
// same count as the producer's, so the loops fuse.
// CHECK-LABEL: func.func @bound_through_dim(
// CHECK: scf.forall
// CHECK-NOT: scf.forall (
// CHECK: return
func.func @bound_through_dim(%x: tensor<?x4xf32>) -> tensor<?x4xf32> {
  %c0 = arith.constant 0 : index
  %n = tensor.dim %x, %c0 : tensor<?x4xf32>
  %e = tensor.empty(%n) : tensor<?x4xf32>
  %a = scf.forall (%i) in (%n) shared_outs(%o = %e) -> (tensor<?x4xf32>) {
    %xi = tensor.extract_slice %x[%i, 0] [1, 4] [1, 1] : tensor<?x4xf32> to tensor<1x4xf32>
    scf.forall.in_parallel {
      tensor.parallel_insert_slice %xi into %o[%i, 0] [1, 4] [1, 1] : tensor<1x4xf32> into tensor<?x4xf32>
    }
  }
  %m = tensor.dim %e, %c0 : tensor<?x4xf32>
  %e2 = tensor.empty(%n) : tensor<?x4xf32>
  %b = scf.forall (%j) in (%m) shared_outs(%p = %e2) -> (tensor<?x4xf32>) {
    %aj = tensor.extract_slice %a[%j, 0] [1, 4] [1, 1] : tensor<?x4xf32> to tensor<1x4xf32>
    scf.forall.in_parallel {
      tensor.parallel_insert_slice %aj into %p[%j, 0] [1, 4] [1, 1] : tensor<1x4xf32> into tensor<?x4xf32>
    }
  }
  return %b : tensor<?x4xf32>
}
