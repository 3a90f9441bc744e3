// RUN: nnc-opt %s --split-input-file --pass-pipeline="builtin.module(func.func(nnc-fuse-conv-pool{vector-lanes=4}))" | FileCheck %s

// conv2d(4, kernel 3, pad 1) -> relu -> maxpool(2) on 8 x 8 images, as
// ConvPerImage.cpp and PoolingTiles.cpp lower it (the relu is the pooling's
// initial 0). With 4 lanes a row of 8 outputs is 2 vectors: one block of
// the 4 channels x 2 rows x 2 vectors that reads each tap's row segment of
// the padded image in place (loops over the channels and the kernel's rows,
// its columns unrolled) and pools in registers, then adds the bias;
// no im2col, product, pooling generic or fill is left.
// CHECK-LABEL: func.func @conv_relu_pool
// CHECK-NOT: linalg.matmul
// CHECK: %[[N:.*]] = tensor.dim
// CHECK: scf.forall (%[[I:.*]]) in (%[[N]]) shared_outs(%[[OUT:.*]] = %{{.*}}) -> (tensor<?x4x4x4xf32>)
// CHECK: %[[PAD:.*]] = tensor.insert_slice %{{.*}} into %{{.*}}[0, 1, 1] [1, 8, 8] [1, 1, 1] : tensor<1x8x8xf32> into tensor<1x10x10xf32>
// CHECK-NOT: linalg.generic
// CHECK: %[[IMG:.*]] = tensor.extract_slice %[[OUT]][%[[I]], 0, 0, 0] [1, 4, 4, 4] [1, 1, 1, 1] : tensor<?x4x4x4xf32> to tensor<4x4x4xf32>
// CHECK: scf.for %{{.*}} = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%{{.*}} = %[[IMG]])
// CHECK: scf.for %[[PY:[a-z0-9_]+]] =
// CHECK: scf.for %[[C:[a-z0-9_]+]] =
// CHECK: scf.for %[[KH:[a-z0-9_]+]] =
// CHECK-NOT: scf.for
// CHECK-COUNT-4: vector.transfer_read %[[PAD]][%[[C]], %{{.*}}, %{{.*}}], %{{.*}} {in_bounds = [true]} : tensor<1x10x10xf32>, vector<4xf32>
// CHECK: tensor.extract %{{.*}}[%{{.*}}, %{{.*}}] : tensor<4x9xf32>
// CHECK-COUNT-16: vector.fma
// CHECK: arith.maximumf %{{.*}}, %{{.*}} fastmath<nsz> : vector<4xf32>
// CHECK: vector.shuffle %{{.*}}, %{{.*}} [0, 2, 4, 6] : vector<4xf32>, vector<4xf32>
// CHECK: vector.shuffle %{{.*}}, %{{.*}} [1, 3, 5, 7] : vector<4xf32>, vector<4xf32>
// CHECK: %[[B:.*]] = tensor.extract %{{.*}}[%{{.*}}] : tensor<4xf32>
// CHECK: %[[BV:.*]] = vector.broadcast %[[B]] : f32 to vector<4xf32>
// CHECK: arith.addf %{{.*}}, %[[BV]] : vector<4xf32>
// CHECK: vector.transfer_write %{{.*}}, %{{.*}}[%{{.*}}, %[[PY]], %{{.*}}] {in_bounds = [true]} : vector<4xf32>, tensor<4x4x4xf32>
// CHECK: tensor.parallel_insert_slice %{{.*}} into %[[OUT]][%[[I]], 0, 0, 0] [1, 4, 4, 4]
// CHECK-NOT: linalg.generic
// CHECK-NOT: linalg.fill
// CHECK: return
func.func @conv_relu_pool(%x: tensor<?x1x8x8xf32>, %w: tensor<4x1x3x3xf32>, %bias: tensor<4xf32>) -> tensor<?x4x4x4xf32> {
  %cst = arith.constant 0.000000e+00 : f32
  %c0 = arith.constant 0 : index
  %wm = tensor.collapse_shape %w [[0], [1, 2, 3]] : tensor<4x1x3x3xf32> into tensor<4x9xf32>
  %dim = tensor.dim %x, %c0 : tensor<?x1x8x8xf32>
  %3 = tensor.empty(%dim) : tensor<?x4x64xf32>
  %4 = scf.forall (%n) in (%dim) shared_outs(%o = %3) -> (tensor<?x4x64xf32>) {
    %out = tensor.extract_slice %o[%n, 0, 0] [1, 4, 64] [1, 1, 1] : tensor<?x4x64xf32> to tensor<4x64xf32>
    %img = tensor.extract_slice %x[%n, 0, 0, 0] [1, 1, 8, 8] [1, 1, 1, 1] : tensor<?x1x8x8xf32> to tensor<1x8x8xf32>
    %8 = tensor.empty() : tensor<1x10x10xf32>
    %9 = linalg.fill ins(%cst : f32) outs(%8 : tensor<1x10x10xf32>) -> tensor<1x10x10xf32>
    %pad = tensor.insert_slice %img into %9[0, 1, 1] [1, 8, 8] [1, 1, 1] : tensor<1x8x8xf32> into tensor<1x10x10xf32>
    %10 = tensor.empty() : tensor<1x3x3x8x8xf32>
    %11 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3, d4) -> (d0, d3 + d1, d4 + d2)>, affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d3, d4)>], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel"]} ins(%pad : tensor<1x10x10xf32>) outs(%10 : tensor<1x3x3x8x8xf32>) {
    ^bb0(%in: f32, %unused: f32):
      linalg.yield %in : f32
    } -> tensor<1x3x3x8x8xf32>
    %cols = tensor.collapse_shape %11 [[0, 1, 2], [3, 4]] : tensor<1x3x3x8x8xf32> into tensor<9x64xf32>
    %b = linalg.broadcast ins(%bias : tensor<4xf32>) outs(%out : tensor<4x64xf32>) dimensions = [1]
    %12 = linalg.matmul ins(%wm, %cols : tensor<4x9xf32>, tensor<9x64xf32>) outs(%b : tensor<4x64xf32>) -> tensor<4x64xf32>
    scf.forall.in_parallel {
      tensor.parallel_insert_slice %12 into %o[%n, 0, 0] [1, 4, 64] [1, 1, 1] : tensor<4x64xf32> into tensor<?x4x64xf32>
    }
  }
  %windows = tensor.expand_shape %4 [[0], [1], [2, 3, 4, 5]] output_shape [%dim, 4, 4, 2, 4, 2] : tensor<?x4x64xf32> into tensor<?x4x4x2x4x2xf32>
  %5 = tensor.empty(%dim) : tensor<?x4x4x4xf32>
  %6 = linalg.fill ins(%cst : f32) outs(%5 : tensor<?x4x4x4xf32>) -> tensor<?x4x4x4xf32>
  %7 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2, d3, d4, d5)>, affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2, d4)>], iterator_types = ["parallel", "parallel", "parallel", "reduction", "parallel", "reduction"]} ins(%windows : tensor<?x4x4x2x4x2xf32>) outs(%6 : tensor<?x4x4x4xf32>) {
  ^bb0(%in: f32, %acc: f32):
    %8 = arith.maximumf %in, %acc : f32
    linalg.yield %8 : f32
  } -> tensor<?x4x4x4xf32>
  return %7 : tensor<?x4x4x4xf32>
}

// -----

// 6 x 6 images: a row of 6 outputs is read as 2 vectors of 4 (8 columns),
// so the image is padded into [1, 8, 8 + 2] instead of [1, 8, 8]; the 3
// pooled results of a row are a masked write.
// CHECK-LABEL: func.func @widened
// CHECK-NOT: tensor<1x8x8xf32>
// CHECK: %[[WIDE:.*]] = tensor.insert_slice %{{.*}} into %{{.*}}[0, 1, 1] [1, 6, 6] [1, 1, 1] : tensor<1x6x6xf32> into tensor<1x8x10xf32>
// CHECK-NOT: tensor<1x8x8xf32>
// CHECK-COUNT-4: vector.transfer_read %[[WIDE]]
// CHECK: vector.transfer_write %{{.*}}, %{{.*}}[%{{.*}}, %{{.*}}, %{{.*}}] : vector<4xf32>, tensor<4x3x3xf32>
// CHECK-NOT: linalg.matmul
func.func @widened(%x: tensor<?x1x6x6xf32>, %w: tensor<4x1x3x3xf32>, %bias: tensor<4xf32>) -> tensor<?x4x3x3xf32> {
  %cst = arith.constant 0.000000e+00 : f32
  %c0 = arith.constant 0 : index
  %wm = tensor.collapse_shape %w [[0], [1, 2, 3]] : tensor<4x1x3x3xf32> into tensor<4x9xf32>
  %dim = tensor.dim %x, %c0 : tensor<?x1x6x6xf32>
  %3 = tensor.empty(%dim) : tensor<?x4x36xf32>
  %4 = scf.forall (%n) in (%dim) shared_outs(%o = %3) -> (tensor<?x4x36xf32>) {
    %out = tensor.extract_slice %o[%n, 0, 0] [1, 4, 36] [1, 1, 1] : tensor<?x4x36xf32> to tensor<4x36xf32>
    %img = tensor.extract_slice %x[%n, 0, 0, 0] [1, 1, 6, 6] [1, 1, 1, 1] : tensor<?x1x6x6xf32> to tensor<1x6x6xf32>
    %8 = tensor.empty() : tensor<1x8x8xf32>
    %9 = linalg.fill ins(%cst : f32) outs(%8 : tensor<1x8x8xf32>) -> tensor<1x8x8xf32>
    %pad = tensor.insert_slice %img into %9[0, 1, 1] [1, 6, 6] [1, 1, 1] : tensor<1x6x6xf32> into tensor<1x8x8xf32>
    %10 = tensor.empty() : tensor<1x3x3x6x6xf32>
    %11 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3, d4) -> (d0, d3 + d1, d4 + d2)>, affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d3, d4)>], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel"]} ins(%pad : tensor<1x8x8xf32>) outs(%10 : tensor<1x3x3x6x6xf32>) {
    ^bb0(%in: f32, %unused: f32):
      linalg.yield %in : f32
    } -> tensor<1x3x3x6x6xf32>
    %cols = tensor.collapse_shape %11 [[0, 1, 2], [3, 4]] : tensor<1x3x3x6x6xf32> into tensor<9x36xf32>
    %b = linalg.broadcast ins(%bias : tensor<4xf32>) outs(%out : tensor<4x36xf32>) dimensions = [1]
    %12 = linalg.matmul ins(%wm, %cols : tensor<4x9xf32>, tensor<9x36xf32>) outs(%b : tensor<4x36xf32>) -> tensor<4x36xf32>
    scf.forall.in_parallel {
      tensor.parallel_insert_slice %12 into %o[%n, 0, 0] [1, 4, 36] [1, 1, 1] : tensor<4x36xf32> into tensor<?x4x36xf32>
    }
  }
  %windows = tensor.expand_shape %4 [[0], [1], [2, 3, 4, 5]] output_shape [%dim, 4, 3, 2, 3, 2] : tensor<?x4x36xf32> into tensor<?x4x3x2x3x2xf32>
  %5 = tensor.empty(%dim) : tensor<?x4x3x3xf32>
  %6 = linalg.fill ins(%cst : f32) outs(%5 : tensor<?x4x3x3xf32>) -> tensor<?x4x3x3xf32>
  %7 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2, d3, d4, d5)>, affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2, d4)>], iterator_types = ["parallel", "parallel", "parallel", "reduction", "parallel", "reduction"]} ins(%windows : tensor<?x4x3x2x3x2xf32>) outs(%6 : tensor<?x4x3x3xf32>) {
  ^bb0(%in: f32, %acc: f32):
    %8 = arith.maximumf %in, %acc : f32
    linalg.yield %8 : f32
  } -> tensor<?x4x3x3xf32>
  return %7 : tensor<?x4x3x3xf32>
}

// -----

// The channel form: 8 channels (two vectors of 4), rows of 6 outputs (6
// of 8 lanes in the row form), K = 72: vectors run along the channels, the
// weights transposed once before the loop over the images, two windows
// per block and a last block of one (3 windows per row), the image's
// pixels broadcast, the pooled vectors written along the channels.
// CHECK-LABEL: func.func @channel_form
// CHECK: %[[WT:.*]] = linalg.transpose ins(%{{.*}} : tensor<8x72xf32>) outs(%{{.*}} : tensor<72x8xf32>) permutation = [1, 0]
// CHECK: scf.forall
// CHECK: %[[PAD:.*]] = tensor.insert_slice %{{.*}} into %{{.*}}[0, 1, 1] [8, 6, 6] [1, 1, 1] : tensor<8x6x6xf32> into tensor<8x8x8xf32>
// CHECK: scf.for
// CHECK: scf.for
// CHECK: scf.for
// CHECK: vector.transfer_read %[[WT]][%{{.*}}, %{{.*}}], %{{.*}} {in_bounds = [true]} : tensor<72x8xf32>, vector<4xf32>
// CHECK: tensor.extract %[[PAD]][%{{.*}}, %{{.*}}, %{{.*}}] : tensor<8x8x8xf32>
// CHECK: vector.fma
// CHECK: vector.transfer_write %{{.*}}, %{{.*}}[%{{.*}}, %{{.*}}, %{{.*}}] {in_bounds = [true], permutation_map = #{{.*}}} : vector<4xf32>, tensor<8x3x3xf32>
// CHECK-NOT: vector.shuffle
// CHECK-NOT: linalg.matmul
func.func @channel_form(%x: tensor<?x8x6x6xf32>, %w: tensor<8x8x3x3xf32>, %bias: tensor<8xf32>) -> tensor<?x8x3x3xf32> {
  %cst = arith.constant 0.000000e+00 : f32
  %c0 = arith.constant 0 : index
  %wm = tensor.collapse_shape %w [[0], [1, 2, 3]] : tensor<8x8x3x3xf32> into tensor<8x72xf32>
  %dim = tensor.dim %x, %c0 : tensor<?x8x6x6xf32>
  %3 = tensor.empty(%dim) : tensor<?x8x36xf32>
  %4 = scf.forall (%n) in (%dim) shared_outs(%o = %3) -> (tensor<?x8x36xf32>) {
    %out = tensor.extract_slice %o[%n, 0, 0] [1, 8, 36] [1, 1, 1] : tensor<?x8x36xf32> to tensor<8x36xf32>
    %img = tensor.extract_slice %x[%n, 0, 0, 0] [1, 8, 6, 6] [1, 1, 1, 1] : tensor<?x8x6x6xf32> to tensor<8x6x6xf32>
    %8 = tensor.empty() : tensor<8x8x8xf32>
    %9 = linalg.fill ins(%cst : f32) outs(%8 : tensor<8x8x8xf32>) -> tensor<8x8x8xf32>
    %pad = tensor.insert_slice %img into %9[0, 1, 1] [8, 6, 6] [1, 1, 1] : tensor<8x6x6xf32> into tensor<8x8x8xf32>
    %10 = tensor.empty() : tensor<8x3x3x6x6xf32>
    %11 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3, d4) -> (d0, d3 + d1, d4 + d2)>, affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d3, d4)>], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel"]} ins(%pad : tensor<8x8x8xf32>) outs(%10 : tensor<8x3x3x6x6xf32>) {
    ^bb0(%in: f32, %unused: f32):
      linalg.yield %in : f32
    } -> tensor<8x3x3x6x6xf32>
    %cols = tensor.collapse_shape %11 [[0, 1, 2], [3, 4]] : tensor<8x3x3x6x6xf32> into tensor<72x36xf32>
    %b = linalg.broadcast ins(%bias : tensor<8xf32>) outs(%out : tensor<8x36xf32>) dimensions = [1]
    %12 = linalg.matmul ins(%wm, %cols : tensor<8x72xf32>, tensor<72x36xf32>) outs(%b : tensor<8x36xf32>) -> tensor<8x36xf32>
    scf.forall.in_parallel {
      tensor.parallel_insert_slice %12 into %o[%n, 0, 0] [1, 8, 36] [1, 1, 1] : tensor<8x36xf32> into tensor<?x8x36xf32>
    }
  }
  %windows = tensor.expand_shape %4 [[0], [1], [2, 3, 4, 5]] output_shape [%dim, 8, 3, 2, 3, 2] : tensor<?x8x36xf32> into tensor<?x8x3x2x3x2xf32>
  %5 = tensor.empty(%dim) : tensor<?x8x3x3xf32>
  %6 = linalg.fill ins(%cst : f32) outs(%5 : tensor<?x8x3x3xf32>) -> tensor<?x8x3x3xf32>
  %7 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2, d3, d4, d5)>, affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2, d4)>], iterator_types = ["parallel", "parallel", "parallel", "reduction", "parallel", "reduction"]} ins(%windows : tensor<?x8x3x2x3x2xf32>) outs(%6 : tensor<?x8x3x3xf32>) {
  ^bb0(%in: f32, %acc: f32):
    %8 = arith.maximumf %in, %acc : f32
    linalg.yield %8 : f32
  } -> tensor<?x8x3x3xf32>
  return %7 : tensor<?x8x3x3xf32>
}

// -----

// Training: the pooling's gradient reads the convolution's output too, so
// the product is kept (and the pooling with it).
// CHECK-LABEL: func.func @output_also_read
// CHECK: linalg.matmul
// CHECK: linalg.generic
// CHECK-SAME: iterator_types = ["parallel", "parallel", "parallel", "reduction", "parallel", "reduction"]
func.func @output_also_read(%x: tensor<?x1x8x8xf32>, %w: tensor<4x1x3x3xf32>, %bias: tensor<4xf32>) -> (tensor<?x4x4x4xf32>, tensor<?x4x64xf32>) {
  %cst = arith.constant 0.000000e+00 : f32
  %c0 = arith.constant 0 : index
  %wm = tensor.collapse_shape %w [[0], [1, 2, 3]] : tensor<4x1x3x3xf32> into tensor<4x9xf32>
  %dim = tensor.dim %x, %c0 : tensor<?x1x8x8xf32>
  %3 = tensor.empty(%dim) : tensor<?x4x64xf32>
  %4 = scf.forall (%n) in (%dim) shared_outs(%o = %3) -> (tensor<?x4x64xf32>) {
    %out = tensor.extract_slice %o[%n, 0, 0] [1, 4, 64] [1, 1, 1] : tensor<?x4x64xf32> to tensor<4x64xf32>
    %img = tensor.extract_slice %x[%n, 0, 0, 0] [1, 1, 8, 8] [1, 1, 1, 1] : tensor<?x1x8x8xf32> to tensor<1x8x8xf32>
    %8 = tensor.empty() : tensor<1x10x10xf32>
    %9 = linalg.fill ins(%cst : f32) outs(%8 : tensor<1x10x10xf32>) -> tensor<1x10x10xf32>
    %pad = tensor.insert_slice %img into %9[0, 1, 1] [1, 8, 8] [1, 1, 1] : tensor<1x8x8xf32> into tensor<1x10x10xf32>
    %10 = tensor.empty() : tensor<1x3x3x8x8xf32>
    %11 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3, d4) -> (d0, d3 + d1, d4 + d2)>, affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d3, d4)>], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel"]} ins(%pad : tensor<1x10x10xf32>) outs(%10 : tensor<1x3x3x8x8xf32>) {
    ^bb0(%in: f32, %unused: f32):
      linalg.yield %in : f32
    } -> tensor<1x3x3x8x8xf32>
    %cols = tensor.collapse_shape %11 [[0, 1, 2], [3, 4]] : tensor<1x3x3x8x8xf32> into tensor<9x64xf32>
    %b = linalg.broadcast ins(%bias : tensor<4xf32>) outs(%out : tensor<4x64xf32>) dimensions = [1]
    %12 = linalg.matmul ins(%wm, %cols : tensor<4x9xf32>, tensor<9x64xf32>) outs(%b : tensor<4x64xf32>) -> tensor<4x64xf32>
    scf.forall.in_parallel {
      tensor.parallel_insert_slice %12 into %o[%n, 0, 0] [1, 4, 64] [1, 1, 1] : tensor<4x64xf32> into tensor<?x4x64xf32>
    }
  }
  %windows = tensor.expand_shape %4 [[0], [1], [2, 3, 4, 5]] output_shape [%dim, 4, 4, 2, 4, 2] : tensor<?x4x64xf32> into tensor<?x4x4x2x4x2xf32>
  %5 = tensor.empty(%dim) : tensor<?x4x4x4xf32>
  %6 = linalg.fill ins(%cst : f32) outs(%5 : tensor<?x4x4x4xf32>) -> tensor<?x4x4x4xf32>
  %7 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2, d3, d4, d5)>, affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2, d4)>], iterator_types = ["parallel", "parallel", "parallel", "reduction", "parallel", "reduction"]} ins(%windows : tensor<?x4x4x2x4x2xf32>) outs(%6 : tensor<?x4x4x4xf32>) {
  ^bb0(%in: f32, %acc: f32):
    %8 = arith.maximumf %in, %acc : f32
    linalg.yield %8 : f32
  } -> tensor<?x4x4x4xf32>
  return %7, %4 : tensor<?x4x4x4xf32>, tensor<?x4x64xf32>
}
