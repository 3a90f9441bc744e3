// A per-image convolution computes each image in place in its slice of the
// result: the bias is broadcast into the slice (a named linalg.broadcast,
// which elementwise fusion leaves alone; a generic that ignores its init
// would get a tensor.empty init) and the product accumulates onto it, with
// no temporary [F, OH * OW] buffer and no copy back per image.
// RUN: nnc-opt %s --pass-pipeline='builtin.module(nnc-convert-nn-to-linalg{per-image-convolutions=1},nnc-cpu-fuse,nnc-destination-passing,one-shot-bufferize{allow-return-allocs-from-loops function-boundary-type-conversion=identity-layout-map},canonicalize,cse)' | FileCheck %s

// CHECK-LABEL: func.func @nnc_impl_conv(
// CHECK-SAME: %[[B:[a-z0-9]+]]: memref<4xf32>
// CHECK: %[[Y:.*]] = memref.alloc(%{{.*}}) {{.*}} : memref<?x4x25xf32>
// CHECK: scf.forall (%[[N:.*]]) in
// CHECK: %[[OUT:.*]] = memref.subview %[[Y]][%[[N]], 0, 0] [1, 4, 25] [1, 1, 1]
// CHECK-NOT: memref.alloc() {{.*}} : memref<4x25xf32>
// CHECK: linalg.broadcast ins(%[[B]] : memref<4xf32>) outs(%[[OUT]] : {{.*}}) dimensions = [1]
// CHECK-NEXT: linalg.matmul ins(%{{.*}}, %{{.*}} : memref<4x27xf32>, memref<27x25xf32>) outs(%[[OUT]] : {{.*}})
// CHECK-NOT: memref.copy %{{[a-z_0-9]+}}, %[[OUT]] : memref<4x25xf32>
// CHECK: memref.expand_shape %[[Y]]
func.func @conv(%x: tensor<?x3x5x5xf32>, %w: tensor<4x3x3x3xf32>, %b: tensor<4xf32>) -> tensor<?x4x5x5xf32> {
  %y = nn.conv2d %x, %w, %b {strides = array<i64: 1, 1>, padding = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>} : (tensor<?x3x5x5xf32>, tensor<4x3x3x3xf32>, tensor<4xf32>) -> tensor<?x4x5x5xf32>
  return %y : tensor<?x4x5x5xf32>
}
