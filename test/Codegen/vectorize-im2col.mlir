// nnc-vectorize-im2col: a copy generic reading a shifted window (im2col's
// `colT[c, kh, kw, oh, ow] = xpad[c, oh + kh, ow + kw]`) becomes loops over
// the rows [C * KH * KW] of the matrix it fills, each row [OH * OW] written
// one whole vector at a time from two reads of the flattened source and a
// constant shuffle; the whole periods of the shuffles in a row are a loop. Reads that may pass the end of the source are masked
// (no in_bounds), and so is the store of a row's partial last vector. A
// strided window (`2 * ow + kw`) and a window whose vector spans two source
// vectors or more (rows of 2 pixels 20 floats apart) stay generics.
// RUN: nnc-opt %s --pass-pipeline='builtin.module(func.func(nnc-vectorize-im2col{vector-lanes=8}),canonicalize)' | FileCheck %s

#window = affine_map<(d0, d1, d2, d3, d4) -> (d0, d3 + d1, d4 + d2)>
#strided = affine_map<(d0, d1, d2, d3, d4) -> (d0, d3 * 2 + d1, d4 * 2 + d2)>
#id = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d3, d4)>

// Two 4x4 output rows per vector: source rows 6 floats apart, so lanes
// 0-3 and 6-9 of the 16 floats read. The shuffle repeats every vector
// (lcm(8, 4) = 8 pixels, 12 source floats on): a loop over the row's two
// periods. The largest base is 36 + 12 + 2 = 50 and the last period reads
// 12 further: its second read, at 50 + 12 + 8, may pass the end (72
// floats), so it is masked in every period; the first is not.
// CHECK-LABEL: func.func @im2col(
// CHECK-SAME: %[[X:.*]]: tensor<2x6x6xf32>
// CHECK-NOT: linalg.generic
// CHECK: %[[SRC:.*]] = tensor.collapse_shape %[[X]] {{\[}}[0, 1, 2]] : tensor<2x6x6xf32> into tensor<72xf32>
// CHECK: %[[M:.*]] = tensor.collapse_shape %{{.*}} {{\[}}[0, 1, 2], [3, 4]] : tensor<2x3x3x4x4xf32> into tensor<18x16xf32>
// CHECK: scf.for %[[C:.*]] = %c0 to %c2 step %c1 iter_args(%{{.*}} = %[[M]])
// CHECK: scf.for %[[KH:.*]] = %c0 to %c3
// CHECK: scf.for %[[KW:.*]] = %c0 to %c3
// CHECK: %[[ROW:.*]] = arith.addi %{{.*}}, %[[KW]] : index
// CHECK: %[[BASE:.*]] = arith.addi %{{.*}}, %[[KW]] : index
// CHECK: scf.for %[[Q:.*]] = %c0 to %c2 step %c1 iter_args(%[[ACC:.*]] = %{{.*}})
// CHECK: %[[PIX:.*]] = arith.muli %[[Q]], %c8 : index
// CHECK: %[[SHIFT:.*]] = arith.muli %[[Q]], %c12 : index
// CHECK: %[[AT:.*]] = arith.addi %[[BASE]], %[[SHIFT]] : index
// CHECK: %[[A0:.*]] = vector.transfer_read %[[SRC]][%[[AT]]], %{{.*}} {in_bounds = [true]} : tensor<72xf32>, vector<8xf32>
// CHECK: %[[A1:.*]] = vector.transfer_read %[[SRC]][%{{.*}}], %{{.*}} : tensor<72xf32>, vector<8xf32>
// CHECK: %[[V:.*]] = vector.shuffle %[[A0]], %[[A1]] [0, 1, 2, 3, 6, 7, 8, 9]
// CHECK: vector.transfer_write %[[V]], %[[ACC]][%[[ROW]], %[[PIX]]] {in_bounds = [true]} : vector<8xf32>, tensor<18x16xf32>
// CHECK-NOT: vector.transfer_write
// CHECK: return
func.func @im2col(%x: tensor<2x6x6xf32>) -> tensor<18x16xf32> {
  %e = tensor.empty() : tensor<2x3x3x4x4xf32>
  %c = linalg.generic {indexing_maps = [#window, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel"]} ins(%x : tensor<2x6x6xf32>) outs(%e : tensor<2x3x3x4x4xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  } -> tensor<2x3x3x4x4xf32>
  %m = tensor.collapse_shape %c [[0, 1, 2], [3, 4]] : tensor<2x3x3x4x4xf32> into tensor<18x16xf32>
  return %m : tensor<18x16xf32>
}

// Rows of 9 pixels: the second vector holds one pixel (source 12), read
// and stored masked, without a shuffle.
// CHECK-LABEL: func.func @partial(
// CHECK-NOT: linalg.generic
// CHECK: vector.shuffle %{{.*}}, %{{.*}} [0, 1, 2, 5, 6, 7, 10, 11]
// CHECK: %[[W:.*]] = vector.transfer_write %{{.*}}, %{{.*}}[%[[ROW:.*]], %c0] {in_bounds = [true]} : vector<8xf32>, tensor<9x9xf32>
// CHECK: %[[AT:.*]] = arith.addi %{{.*}}, %c12 : index
// CHECK: %[[LAST:.*]] = vector.transfer_read %{{.*}}[%[[AT]]], %{{.*}} : tensor<25xf32>, vector<8xf32>
// CHECK-NOT: vector.shuffle
// CHECK: vector.transfer_write %[[LAST]], %[[W]][%[[ROW]], %c8] : vector<8xf32>, tensor<9x9xf32>
// CHECK: tensor.expand_shape %{{.*}} {{\[}}[0, 1, 2], [3, 4]] output_shape [1, 3, 3, 3, 3] : tensor<9x9xf32> into tensor<1x3x3x3x3xf32>
func.func @partial(%x: tensor<1x5x5xf32>) -> tensor<1x3x3x3x3xf32> {
  %e = tensor.empty() : tensor<1x3x3x3x3xf32>
  %c = linalg.generic {indexing_maps = [#window, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel"]} ins(%x : tensor<1x5x5xf32>) outs(%e : tensor<1x3x3x3x3xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  } -> tensor<1x3x3x3x3xf32>
  return %c : tensor<1x3x3x3x3xf32>
}

// CHECK-LABEL: func.func @strided(
// CHECK-NOT: vector.shuffle
// CHECK: linalg.generic
func.func @strided(%x: tensor<1x9x9xf32>) -> tensor<1x3x3x4x4xf32> {
  %e = tensor.empty() : tensor<1x3x3x4x4xf32>
  %c = linalg.generic {indexing_maps = [#strided, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel"]} ins(%x : tensor<1x9x9xf32>) outs(%e : tensor<1x3x3x4x4xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  } -> tensor<1x3x3x4x4xf32>
  return %c : tensor<1x3x3x4x4xf32>
}

// CHECK-LABEL: func.func @narrow(
// CHECK-NOT: vector.shuffle
// CHECK: linalg.generic
func.func @narrow(%x: tensor<1x20x20xf32>) -> tensor<1x3x3x8x2xf32> {
  %e = tensor.empty() : tensor<1x3x3x8x2xf32>
  %c = linalg.generic {indexing_maps = [#window, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel"]} ins(%x : tensor<1x20x20xf32>) outs(%e : tensor<1x3x3x8x2xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  } -> tensor<1x3x3x8x2xf32>
  return %c : tensor<1x3x3x8x2xf32>
}

