// nnc-collapse-inner-dims: a generic whose innermost loop is not a multiple
// of the vector width has its innermost loops folded into one when every
// operand reads them as its own innermost dims, contiguous in memory, or not
// at all; inputs broadcast along unit dims are read without those dims.
// RUN: nnc-opt %s --pass-pipeline='builtin.module(func.func(nnc-collapse-inner-dims{vector-lanes=16}))' | FileCheck %s

#id3 = affine_map<(c, h, w) -> (c, h, w)>
#chan = affine_map<(c, h, w) -> (c, 0, 0)>
#chan1 = affine_map<(c, h, w) -> (c)>
#red = affine_map<(c, h, w) -> (c)>

// A batch normalization's gradient over one image's [64, 14, 14]: rows of
// 196, the per-channel [64, 1, 1] scale read as [64].
// CHECK-LABEL: func.func @per_channel(
// CHECK-DAG: %[[X:.*]] = tensor.collapse_shape %arg0 {{\[}}[0], [1, 2]] : tensor<64x14x14xf32> into tensor<64x196xf32>
// CHECK-DAG: %[[S:.*]] = tensor.collapse_shape %arg1 {{\[}}[0, 1, 2]] : tensor<64x1x1xf32> into tensor<64xf32>
// CHECK: %[[R:.*]] = linalg.generic {indexing_maps = [#{{.*}}, #{{.*}}, #{{.*}}], iterator_types = ["parallel", "parallel"]} ins(%[[X]], %[[S]] : tensor<64x196xf32>, tensor<64xf32>) outs(%{{.*}} : tensor<64x196xf32>)
// CHECK: arith.mulf
// CHECK: tensor.expand_shape %[[R]] {{\[}}[0], [1, 2]] output_shape [64, 14, 14] : tensor<64x196xf32> into tensor<64x14x14xf32>
func.func @per_channel(%x: tensor<64x14x14xf32>, %scale: tensor<64x1x1xf32>) -> tensor<64x14x14xf32> {
  %init = tensor.empty() : tensor<64x14x14xf32>
  %r = linalg.generic {indexing_maps = [#id3, #chan, #id3], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%x, %scale : tensor<64x14x14xf32>, tensor<64x1x1xf32>) outs(%init : tensor<64x14x14xf32>) {
  ^bb0(%a: f32, %s: f32, %o: f32):
    %m = arith.mulf %a, %s : f32
    linalg.yield %m : f32
  } -> tensor<64x14x14xf32>
  return %r : tensor<64x14x14xf32>
}

// A per-channel sum over the image: the reduction loops fold into one.
// CHECK-LABEL: func.func @channel_sum(
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]} ins(%{{.*}} : tensor<32x784xf32>) outs(%{{.*}} : tensor<32xf32>)
func.func @channel_sum(%x: tensor<32x28x28xf32>, %acc: tensor<32xf32>) -> tensor<32xf32> {
  %r = linalg.generic {indexing_maps = [#id3, #red], iterator_types = ["parallel", "reduction", "reduction"]}
      ins(%x : tensor<32x28x28xf32>) outs(%acc : tensor<32xf32>) {
  ^bb0(%a: f32, %o: f32):
    %s = arith.addf %a, %o : f32
    linalg.yield %s : f32
  } -> tensor<32xf32>
  return %r : tensor<32xf32>
}

// One image of a batch (a rank-reducing slice): the image is contiguous,
// so all three loops fold into one.
// CHECK-LABEL: func.func @image_of_batch(
// CHECK: tensor.collapse_shape %{{.*}} {{\[}}[0, 1, 2]] : tensor<64x14x14xf32> into tensor<12544xf32>
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel"]} ins(%{{.*}} : tensor<12544xf32>)
func.func @image_of_batch(%x: tensor<?x64x14x14xf32>, %i: index) -> tensor<64x14x14xf32> {
  %s = tensor.extract_slice %x[%i, 0, 0, 0] [1, 64, 14, 14] [1, 1, 1, 1] : tensor<?x64x14x14xf32> to tensor<64x14x14xf32>
  %init = tensor.empty() : tensor<64x14x14xf32>
  %r = linalg.generic {indexing_maps = [#id3, #id3], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%s : tensor<64x14x14xf32>) outs(%init : tensor<64x14x14xf32>) {
  ^bb0(%a: f32, %o: f32):
    %n = arith.negf %a : f32
    linalg.yield %n : f32
  } -> tensor<64x14x14xf32>
  return %r : tensor<64x14x14xf32>
}

// Left alone: a window of a bigger image (its rows lie 14 floats apart, so
// the folded dims would need a copy), written in place.
// CHECK-LABEL: func.func @window(
// CHECK-NOT: tensor.collapse_shape
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "parallel"]
func.func @window(%img: tensor<6x14x14xf32>, %taps: tensor<6x10x10xf32>) -> tensor<6x14x14xf32> {
  %w = tensor.extract_slice %img[0, 2, 2] [6, 10, 10] [1, 1, 1] : tensor<6x14x14xf32> to tensor<6x10x10xf32>
  %r = linalg.generic {indexing_maps = [#id3, #id3], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%taps : tensor<6x10x10xf32>) outs(%w : tensor<6x10x10xf32>) {
  ^bb0(%a: f32, %o: f32):
    %s = arith.addf %a, %o : f32
    linalg.yield %s : f32
  } -> tensor<6x10x10xf32>
  %u = tensor.insert_slice %r into %img[0, 2, 2] [6, 10, 10] [1, 1, 1] : tensor<6x10x10xf32> into tensor<6x14x14xf32>
  return %u : tensor<6x14x14xf32>
}

// Left alone: rows already whole vectors (32 columns), and a transposed
// read (the folded dims would not be the input's innermost).
// CHECK-LABEL: func.func @aligned(
// CHECK-NOT: tensor.collapse_shape
// CHECK-LABEL: func.func @transposed(
// CHECK-NOT: tensor.collapse_shape
// CHECK: return
func.func @aligned(%x: tensor<8x4x32xf32>) -> tensor<8x4x32xf32> {
  %init = tensor.empty() : tensor<8x4x32xf32>
  %r = linalg.generic {indexing_maps = [#id3, #id3], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%x : tensor<8x4x32xf32>) outs(%init : tensor<8x4x32xf32>) {
  ^bb0(%a: f32, %o: f32):
    %n = arith.negf %a : f32
    linalg.yield %n : f32
  } -> tensor<8x4x32xf32>
  return %r : tensor<8x4x32xf32>
}

func.func @transposed(%x: tensor<8x14x14xf32>) -> tensor<8x14x14xf32> {
  %init = tensor.empty() : tensor<8x14x14xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(c, h, w) -> (c, w, h)>, #id3], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%x : tensor<8x14x14xf32>) outs(%init : tensor<8x14x14xf32>) {
  ^bb0(%a: f32, %o: f32):
    linalg.yield %a : f32
  } -> tensor<8x14x14xf32>
  return %r : tensor<8x14x14xf32>
}
