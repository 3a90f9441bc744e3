// nnc-align-matmul-rows: the im2col columns [C*KH*KW, OH*OW] of a per-image
// convolution, the right operand of its matmul, are written into the
// [K, N] slice of a buffer whose rows are padded to whole 64-byte lines
// (N = 196 -> 208 floats); rows of 784 floats are already whole lines.
// RUN: nnc-opt %s --pass-pipeline='builtin.module(func.func(nnc-align-matmul-rows))' | FileCheck %s

#window = affine_map<(c, kh, kw, oh, ow) -> (c, oh + kh, ow + kw)>
#id5 = affine_map<(c, kh, kw, oh, ow) -> (c, kh, kw, oh, ow)>

// CHECK-LABEL: func.func @im2col_196(
// CHECK: %[[BUF:.*]] = bufferization.alloc_tensor() : tensor<288x208xf32>
// CHECK: %[[MAT:.*]] = tensor.extract_slice %[[BUF]][0, 0] [288, 196] [1, 1] : tensor<288x208xf32> to tensor<288x196xf32>
// CHECK: %[[INIT:.*]] = tensor.expand_shape %[[MAT]] {{\[\[}}0, 1, 2], [3, 4]] output_shape [32, 3, 3, 14, 14]
// CHECK: %[[COL:.*]] = linalg.generic {{.*}} outs(%[[INIT]] : tensor<32x3x3x14x14xf32>)
// CHECK: %[[B:.*]] = tensor.collapse_shape %[[COL]]
// CHECK: linalg.matmul ins(%{{.*}}, %[[B]] : tensor<64x288xf32>, tensor<288x196xf32>)
func.func @im2col_196(%x: tensor<32x16x16xf32>, %w: tensor<64x288xf32>, %acc: tensor<64x196xf32>) -> tensor<64x196xf32> {
  %e = tensor.empty() : tensor<32x3x3x14x14xf32>
  %col = linalg.generic {indexing_maps = [#window, #id5], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel"]} ins(%x : tensor<32x16x16xf32>) outs(%e : tensor<32x3x3x14x14xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  } -> tensor<32x3x3x14x14xf32>
  %b = tensor.collapse_shape %col [[0, 1, 2], [3, 4]] : tensor<32x3x3x14x14xf32> into tensor<288x196xf32>
  %y = linalg.matmul ins(%w, %b : tensor<64x288xf32>, tensor<288x196xf32>) outs(%acc : tensor<64x196xf32>) -> tensor<64x196xf32>
  return %y : tensor<64x196xf32>
}

// CHECK-LABEL: func.func @im2col_784(
// CHECK-NOT: alloc_tensor
// CHECK: tensor.empty() : tensor<1x3x3x28x28xf32>
// CHECK-NOT: alloc_tensor
// CHECK: return
func.func @im2col_784(%x: tensor<1x30x30xf32>, %w: tensor<32x9xf32>, %acc: tensor<32x784xf32>) -> tensor<32x784xf32> {
  %e = tensor.empty() : tensor<1x3x3x28x28xf32>
  %col = linalg.generic {indexing_maps = [#window, #id5], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel"]} ins(%x : tensor<1x30x30xf32>) outs(%e : tensor<1x3x3x28x28xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  } -> tensor<1x3x3x28x28xf32>
  %b = tensor.collapse_shape %col [[0, 1, 2], [3, 4]] : tensor<1x3x3x28x28xf32> into tensor<9x784xf32>
  %y = linalg.matmul ins(%w, %b : tensor<32x9xf32>, tensor<9x784xf32>) outs(%acc : tensor<32x784xf32>) -> tensor<32x784xf32>
  return %y : tensor<32x784xf32>
}
