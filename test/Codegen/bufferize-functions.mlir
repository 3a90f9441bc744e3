// nnc-bufferize-functions: One-Shot Bufferize of every function, side by
// side (and the same with threading off); function boundaries stay memrefs,
// a function with a tensor constant gets its memref.global in the module,
// a tensor.empty becomes a buffer of its own, no tensor is left.
// RUN: nnc-opt %s --nnc-bufferize-functions | FileCheck %s
// RUN: nnc-opt %s --nnc-bufferize-functions --mlir-disable-threading | FileCheck %s

// CHECK: memref.global "private" constant @{{.*}} : memref<4xf32> = dense<[1.000000e+00, 2.000000e+00, 3.000000e+00, 4.000000e+00]>
// CHECK-LABEL: func.func @with_constant(
// CHECK-SAME: %[[OUT:.*]]: memref<4xf32>)
// CHECK: %[[G:.*]] = memref.get_global
// CHECK: linalg.add ins(%[[G]], %[[G]] : memref<4xf32>, memref<4xf32>) outs(%[[OUT]] : memref<4xf32>)
// CHECK-NOT: tensor<
// CHECK: return
func.func @with_constant(%out: memref<4xf32>) {
  %c = arith.constant dense<[1.0, 2.0, 3.0, 4.0]> : tensor<4xf32>
  %o = bufferization.to_tensor %out restrict writable : memref<4xf32>
  %r = linalg.add ins(%c, %c : tensor<4xf32>, tensor<4xf32>) outs(%o : tensor<4xf32>) -> tensor<4xf32>
  bufferization.materialize_in_destination %r in restrict writable %out : (tensor<4xf32>, memref<4xf32>) -> ()
  return
}

// The intermediate gets a new buffer; the result is written in place into
// the destination.
// CHECK-LABEL: func.func @copy_before_write(
// CHECK-SAME: %[[IN:[a-z0-9]+]]: memref<8xf32>, %[[OUT:[a-z0-9]+]]: memref<8xf32>)
// CHECK: %[[TMP:.*]] = memref.alloc() {{.*}} : memref<8xf32>
// CHECK: linalg.exp ins(%[[IN]] : memref<8xf32>) outs(%[[TMP]] : memref<8xf32>)
// CHECK: linalg.add ins(%[[TMP]], %[[IN]] : memref<8xf32>, memref<8xf32>) outs(%[[OUT]] : memref<8xf32>)
// CHECK-NOT: tensor<
// CHECK: return
func.func @copy_before_write(%in: memref<8xf32>, %out: memref<8xf32>) {
  %i = bufferization.to_tensor %in restrict : memref<8xf32>
  %e = tensor.empty() : tensor<8xf32>
  %x = linalg.exp ins(%i : tensor<8xf32>) outs(%e : tensor<8xf32>) -> tensor<8xf32>
  %o = bufferization.to_tensor %out restrict writable : memref<8xf32>
  %r = linalg.add ins(%x, %i : tensor<8xf32>, tensor<8xf32>) outs(%o : tensor<8xf32>) -> tensor<8xf32>
  bufferization.materialize_in_destination %r in restrict writable %out : (tensor<8xf32>, memref<8xf32>) -> ()
  return
}

// External declarations are left alone.
// CHECK: func.func private @external(memref<2xf32>)
func.func private @external(memref<2xf32>)
