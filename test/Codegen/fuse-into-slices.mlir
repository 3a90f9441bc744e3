// nnc-fuse-into-slices: an elementwise generic over the whole batch whose
// only uses are the slices of one image that per-image loops read (a
// batchnorm's input gradient read by a convolution's weight gradient) is
// computed on each slice inside its loop; nothing of the batch is written.
// A generic with another use, or read by a slice outside any loop, stays.
// RUN: nnc-opt %s --pass-pipeline='builtin.module(func.func(nnc-fuse-into-slices))' | FileCheck %s

#id = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
#ch = affine_map<(d0, d1, d2) -> (d1)>

// CHECK-LABEL: func.func @per_image(
// CHECK-SAME: %[[G:[a-z0-9]+]]: tensor<?x4x16xf32>, %[[S:[a-z0-9]+]]: tensor<4xf32>
// CHECK-NOT: linalg.generic
// CHECK: scf.forall (%[[N:.*]]) in
// CHECK: %[[GN:.*]] = tensor.extract_slice %[[G]][%[[N]], 0, 0] [1, 4, 16] [1, 1, 1]
// CHECK: %[[D:.*]] = linalg.generic {{.*}} ins(%[[GN]], %{{.*}} : tensor<1x4x16xf32>, tensor<4xf32>)
// CHECK-NEXT: ^bb0
// CHECK-NEXT: arith.mulf
// CHECK: %[[R:.*]] = tensor.extract_slice %[[D]][0, 0, 0] [1, 4, 16] [1, 1, 1] : tensor<1x4x16xf32> to tensor<4x16xf32>
// CHECK: linalg.reduce ins(%[[R]]
func.func @per_image(%g: tensor<?x4x16xf32>, %scale: tensor<4xf32>) -> tensor<?x4xf32> {
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0.0 : f32
  %n = tensor.dim %g, %c0 : tensor<?x4x16xf32>
  %e = tensor.empty(%n) : tensor<?x4x16xf32>
  %dx = linalg.generic {indexing_maps = [#id, #ch, #id], iterator_types = ["parallel", "parallel", "parallel"]} ins(%g, %scale : tensor<?x4x16xf32>, tensor<4xf32>) outs(%e : tensor<?x4x16xf32>) {
  ^bb0(%a: f32, %s: f32, %out: f32):
    %m = arith.mulf %a, %s : f32
    linalg.yield %m : f32
  } -> tensor<?x4x16xf32>
  %init = tensor.empty(%n) : tensor<?x4xf32>
  %r = scf.forall (%i) in (%n) shared_outs(%acc = %init) -> (tensor<?x4xf32>) {
    %img = tensor.extract_slice %dx[%i, 0, 0] [1, 4, 16] [1, 1, 1] : tensor<?x4x16xf32> to tensor<4x16xf32>
    %oe = tensor.empty() : tensor<4xf32>
    %of = linalg.fill ins(%zero : f32) outs(%oe : tensor<4xf32>) -> tensor<4xf32>
    %sum = linalg.reduce ins(%img : tensor<4x16xf32>) outs(%of : tensor<4xf32>) dimensions = [1]
      (%in: f32, %o: f32) {
        %s = arith.addf %in, %o : f32
        linalg.yield %s : f32
      }
    scf.forall.in_parallel {
      tensor.parallel_insert_slice %sum into %acc[%i, 0] [1, 4] [1, 1] : tensor<4xf32> into tensor<?x4xf32>
    }
  }
  return %r : tensor<?x4xf32>
}

// CHECK-LABEL: func.func @kept(
// CHECK-COUNT-2: linalg.generic {{.*}} outs(%{{.*}} : tensor<?x4x16xf32>)
// CHECK: return
func.func @kept(%g: tensor<?x4x16xf32>, %scale: tensor<4xf32>) -> (tensor<4x16xf32>, tensor<?x4x16xf32>, tensor<4x16xf32>) {
  %c0 = arith.constant 0 : index
  %n = tensor.dim %g, %c0 : tensor<?x4x16xf32>
  %e = tensor.empty(%n) : tensor<?x4x16xf32>
  // Two uses: returned whole and sliced.
  %dx = linalg.generic {indexing_maps = [#id, #ch, #id], iterator_types = ["parallel", "parallel", "parallel"]} ins(%g, %scale : tensor<?x4x16xf32>, tensor<4xf32>) outs(%e : tensor<?x4x16xf32>) {
  ^bb0(%a: f32, %s: f32, %out: f32):
    %m = arith.mulf %a, %s : f32
    linalg.yield %m : f32
  } -> tensor<?x4x16xf32>
  %first = tensor.extract_slice %dx[0, 0, 0] [1, 4, 16] [1, 1, 1] : tensor<?x4x16xf32> to tensor<4x16xf32>
  // Sliced outside any loop.
  %dy = linalg.generic {indexing_maps = [#id, #ch, #id], iterator_types = ["parallel", "parallel", "parallel"]} ins(%g, %scale : tensor<?x4x16xf32>, tensor<4xf32>) outs(%e : tensor<?x4x16xf32>) {
  ^bb0(%a: f32, %s: f32, %out: f32):
    %m = arith.addf %a, %s : f32
    linalg.yield %m : f32
  } -> tensor<?x4x16xf32>
  %one = tensor.extract_slice %dy[0, 0, 0] [1, 4, 16] [1, 1, 1] : tensor<?x4x16xf32> to tensor<4x16xf32>
  return %first, %dx, %one : tensor<4x16xf32>, tensor<?x4x16xf32>, tensor<4x16xf32>
}

// Two loops read it: each computes its own images.
// CHECK-LABEL: func.func @two_readers(
// CHECK-NOT: linalg.generic
// CHECK: scf.forall
// CHECK: linalg.generic
// CHECK: scf.forall
// CHECK: linalg.generic
// CHECK: return
func.func @two_readers(%g: tensor<?x4x16xf32>, %scale: tensor<4xf32>) -> (tensor<?x4x16xf32>, tensor<?x4x16xf32>) {
  %c0 = arith.constant 0 : index
  %n = tensor.dim %g, %c0 : tensor<?x4x16xf32>
  %e = tensor.empty(%n) : tensor<?x4x16xf32>
  %dx = linalg.generic {indexing_maps = [#id, #ch, #id], iterator_types = ["parallel", "parallel", "parallel"]} ins(%g, %scale : tensor<?x4x16xf32>, tensor<4xf32>) outs(%e : tensor<?x4x16xf32>) {
  ^bb0(%a: f32, %s: f32, %out: f32):
    %m = arith.mulf %a, %s : f32
    linalg.yield %m : f32
  } -> tensor<?x4x16xf32>
  %r0 = scf.forall (%i) in (%n) shared_outs(%acc = %e) -> (tensor<?x4x16xf32>) {
    %img = tensor.extract_slice %dx[%i, 0, 0] [1, 4, 16] [1, 1, 1] : tensor<?x4x16xf32> to tensor<1x4x16xf32>
    scf.forall.in_parallel {
      tensor.parallel_insert_slice %img into %acc[%i, 0, 0] [1, 4, 16] [1, 1, 1] : tensor<1x4x16xf32> into tensor<?x4x16xf32>
    }
  }
  %r1 = scf.forall (%i) in (%n) shared_outs(%acc = %e) -> (tensor<?x4x16xf32>) {
    %img = tensor.extract_slice %dx[%i, 0, 0] [1, 4, 16] [1, 1, 1] : tensor<?x4x16xf32> to tensor<1x4x16xf32>
    scf.forall.in_parallel {
      tensor.parallel_insert_slice %img into %acc[%i, 0, 0] [1, 4, 16] [1, 1, 1] : tensor<1x4x16xf32> into tensor<?x4x16xf32>
    }
  }
  return %r0, %r1 : tensor<?x4x16xf32>, tensor<?x4x16xf32>
}
