// nnc-collapse-epilogues: a bias (and residual) generic that reads a dense
// layer's product through expand_shape [N*T, D] -> [N, T, D] is collapsed to
// the product's two loops, so that it is the product's epilogue again (its
// single user, identity map); its result is expanded back. A product read
// by several ops through the reshape is first shared: its first reader
// also yields it for the others. A generic that reads an expanded tensor
// that is not a product is left alone.
// RUN: nnc-opt %s --nnc-collapse-epilogues -split-input-file | FileCheck %s

// CHECK-LABEL: func.func @bias_residual(
// CHECK-SAME: %[[X:[a-z0-9]+]]: tensor<?x128xf32>, %[[W:[a-z0-9]+]]: tensor<128x384xf32>, %[[B:[a-z0-9]+]]: tensor<384xf32>, %[[R:[a-z0-9]+]]: tensor<?x64x384xf32>
// CHECK: %[[P:.*]] = linalg.matmul ins(%[[X]], %[[W]]
// The generic is the product's only user (the schedule's epilogue).
// CHECK-NOT: %[[P]]
// CHECK: %[[RR:.*]] = tensor.collapse_shape %[[R]] {{\[\[}}0, 1], [2]] : tensor<?x64x384xf32> into tensor<?x384xf32>
// CHECK: %[[E:.*]] = tensor.empty(%{{.*}}) : tensor<?x384xf32>
// CHECK: %[[G:.*]] = linalg.generic {indexing_maps = [#[[ID:.*]], #[[COL:.*]], #[[ID]], #[[ID]]], iterator_types = ["parallel", "parallel"]}
// CHECK-SAME: ins(%[[P]], %[[B]], %[[RR]] : tensor<?x384xf32>, tensor<384xf32>, tensor<?x384xf32>) outs(%[[E]] : tensor<?x384xf32>)
// CHECK-NOT: %[[P]]
// CHECK: %[[Y:.*]] = tensor.expand_shape %[[G]] {{\[\[}}0, 1], [2]]
// CHECK: return %[[Y]] : tensor<?x64x384xf32>
#id3 = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
#col3 = affine_map<(d0, d1, d2) -> (d2)>
func.func @bias_residual(%x: tensor<?x128xf32>, %w: tensor<128x384xf32>, %b: tensor<384xf32>, %r: tensor<?x64x384xf32>) -> tensor<?x64x384xf32> {
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0.0 : f32
  %m = tensor.dim %x, %c0 : tensor<?x128xf32>
  %n = tensor.dim %r, %c0 : tensor<?x64x384xf32>
  %acc0 = tensor.empty(%m) : tensor<?x384xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%acc0 : tensor<?x384xf32>) -> tensor<?x384xf32>
  %p = linalg.matmul ins(%x, %w : tensor<?x128xf32>, tensor<128x384xf32>) outs(%acc : tensor<?x384xf32>) -> tensor<?x384xf32>
  %pe = tensor.expand_shape %p [[0, 1], [2]] output_shape [%n, 64, 384] : tensor<?x384xf32> into tensor<?x64x384xf32>
  %e = tensor.empty(%n) : tensor<?x64x384xf32>
  %y = linalg.generic {indexing_maps = [#id3, #col3, #id3, #id3], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%pe, %b, %r : tensor<?x64x384xf32>, tensor<384xf32>, tensor<?x64x384xf32>) outs(%e : tensor<?x64x384xf32>) {
  ^bb0(%a: f32, %bias: f32, %res: f32, %out: f32):
    %s = arith.addf %a, %bias : f32
    %t = arith.addf %s, %res : f32
    linalg.yield %t : f32
  } -> tensor<?x64x384xf32>
  return %y : tensor<?x64x384xf32>
}

// -----

// CHECK-LABEL: func.func @not_a_product(
// CHECK: tensor.expand_shape
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "parallel"]
#id = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
func.func @not_a_product(%x: tensor<?x384xf32>, %n: index) -> tensor<?x64x384xf32> {
  %xe = tensor.expand_shape %x [[0, 1], [2]] output_shape [%n, 64, 384] : tensor<?x384xf32> into tensor<?x64x384xf32>
  %e = tensor.empty(%n) : tensor<?x64x384xf32>
  %y = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%xe : tensor<?x64x384xf32>) outs(%e : tensor<?x64x384xf32>) {
  ^bb0(%a: f32, %out: f32):
    %t = arith.mulf %a, %a : f32
    linalg.yield %t : f32
  } -> tensor<?x64x384xf32>
  return %y : tensor<?x64x384xf32>
}

// -----

// An operand broadcast along T (`w[n, 0, d]`, a constant in its map) cannot
// be read with N and T as one loop: the generic is left alone (collapsed, it
// read w past its end: Safety/matrix-6.test's arith-6).
// CHECK-LABEL: func.func @broadcast_along_t(
// CHECK: %[[P:.*]] = linalg.matmul
// CHECK: tensor.expand_shape %[[P]]
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "parallel"]
#id3b = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
#bt = affine_map<(d0, d1, d2) -> (d0, 0, d2)>
func.func @broadcast_along_t(%x: tensor<?x5xf32>, %w5: tensor<5x5xf32>, %w: tensor<?x1x5xf32>, %n: index) -> tensor<?x4x5xf32> {
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0.0 : f32
  %m = tensor.dim %x, %c0 : tensor<?x5xf32>
  %acc0 = tensor.empty(%m) : tensor<?x5xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%acc0 : tensor<?x5xf32>) -> tensor<?x5xf32>
  %p = linalg.matmul ins(%x, %w5 : tensor<?x5xf32>, tensor<5x5xf32>) outs(%acc : tensor<?x5xf32>) -> tensor<?x5xf32>
  %pe = tensor.expand_shape %p [[0, 1], [2]] output_shape [%n, 4, 5] : tensor<?x5xf32> into tensor<?x4x5xf32>
  %e = tensor.empty(%n) : tensor<?x4x5xf32>
  %y = linalg.generic {indexing_maps = [#id3b, #bt, #id3b], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%pe, %w : tensor<?x4x5xf32>, tensor<?x1x5xf32>) outs(%e : tensor<?x4x5xf32>) {
  ^bb0(%a: f32, %b: f32, %out: f32):
    %s = arith.mulf %a, %b : f32
    linalg.yield %s : f32
  } -> tensor<?x4x5xf32>
  return %y : tensor<?x4x5xf32>
}

// -----

// The product read twice through the expand_shape (a pre-activation, read
// by its activation and later by the activation's gradient): the first
// reader also yields the product it read, the later one reads that result,
// and the two-result generic is collapsed to be the product's epilogue.
// CHECK-LABEL: func.func @shared_product(
// CHECK-SAME: %[[X:[a-z0-9]+]]: tensor<?x128xf32>, %[[W:[a-z0-9]+]]: tensor<128x384xf32>, %[[B:[a-z0-9]+]]: tensor<384xf32>
// CHECK: %[[P:.*]] = linalg.matmul ins(%[[X]], %[[W]]
// CHECK-NOT: %[[P]]
// CHECK: %[[G:.*]]:2 = linalg.generic {{.*}}iterator_types = ["parallel", "parallel"]}
// CHECK-SAME: ins(%[[P]], %[[B]] : tensor<?x384xf32>, tensor<384xf32>) outs(%{{.*}}, %{{.*}} : tensor<?x384xf32>, tensor<?x384xf32>)
// CHECK: math.tanh
// CHECK: linalg.yield %{{.*}}, %{{.*}} : f32, f32
// CHECK-NOT: %[[P]]
// CHECK-DAG: %[[ACT:.*]] = tensor.expand_shape %[[G]]#0 {{\[\[}}0, 1], [2]]
// CHECK-DAG: %[[PRE:.*]] = tensor.expand_shape %[[G]]#1 {{\[\[}}0, 1], [2]]
// CHECK: %[[D:.*]] = linalg.generic {{.*}} ins(%[[PRE]], %[[B]] :
// CHECK: return %[[ACT]], %[[D]]
#id3 = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
#col3 = affine_map<(d0, d1, d2) -> (d2)>
func.func @shared_product(%x: tensor<?x128xf32>, %w: tensor<128x384xf32>, %b: tensor<384xf32>) -> (tensor<?x64x384xf32>, tensor<?x64x384xf32>) {
  %c0 = arith.constant 0 : index
  %c64 = arith.constant 64 : index
  %zero = arith.constant 0.0 : f32
  %m = tensor.dim %x, %c0 : tensor<?x128xf32>
  %n = arith.divui %m, %c64 : index
  %acc0 = tensor.empty(%m) : tensor<?x384xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%acc0 : tensor<?x384xf32>) -> tensor<?x384xf32>
  %p = linalg.matmul ins(%x, %w : tensor<?x128xf32>, tensor<128x384xf32>) outs(%acc : tensor<?x384xf32>) -> tensor<?x384xf32>
  %pe = tensor.expand_shape %p [[0, 1], [2]] output_shape [%n, 64, 384] : tensor<?x384xf32> into tensor<?x64x384xf32>
  %e = tensor.empty(%n) : tensor<?x64x384xf32>
  %y = linalg.generic {indexing_maps = [#id3, #col3, #id3], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%pe, %b : tensor<?x64x384xf32>, tensor<384xf32>) outs(%e : tensor<?x64x384xf32>) {
  ^bb0(%a: f32, %bias: f32, %out: f32):
    %s = arith.addf %a, %bias : f32
    %t = math.tanh %s : f32
    linalg.yield %t : f32
  } -> tensor<?x64x384xf32>
  %e2 = tensor.empty(%n) : tensor<?x64x384xf32>
  %d = linalg.generic {indexing_maps = [#id3, #col3, #id3], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%pe, %b : tensor<?x64x384xf32>, tensor<384xf32>) outs(%e2 : tensor<?x64x384xf32>) {
  ^bb0(%a: f32, %bias: f32, %out: f32):
    %s = arith.addf %a, %bias : f32
    %t = arith.mulf %s, %s : f32
    linalg.yield %t : f32
  } -> tensor<?x64x384xf32>
  return %y, %d : tensor<?x64x384xf32>, tensor<?x64x384xf32>
}
