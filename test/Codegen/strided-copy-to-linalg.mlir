// nnc-strided-copy-to-linalg: a memref.copy with a non-identity layout on
// either side becomes linalg.copy (loops; a model.so has no memrefCopy
// runtime function); copies between contiguous buffers stay memref.copy
// (a memcpy).
// RUN: nnc-opt %s --nnc-strided-copy-to-linalg | FileCheck %s

// CHECK-LABEL: func.func @copies(
// CHECK-SAME: %[[A:[a-z0-9]+]]: memref<4x8xf32>, %[[B:[a-z0-9]+]]: memref<4x8xf32>, %[[C:[a-z0-9]+]]: memref<4x4xf32>
// CHECK: memref.copy %[[A]], %[[B]] : memref<4x8xf32> to memref<4x8xf32>
// CHECK: %[[SLICE:.*]] = memref.subview %[[A]][0, 2] [4, 4] [1, 1]
// CHECK-NEXT: linalg.copy ins(%[[SLICE]] : memref<4x4xf32, strided<[8, 1], offset: 2>>) outs(%[[C]] : memref<4x4xf32>)
// CHECK-NEXT: %[[DEST:.*]] = memref.subview %[[B]][0, 4] [4, 4] [1, 1]
// CHECK-NEXT: linalg.copy ins(%[[C]] : memref<4x4xf32>) outs(%[[DEST]] : memref<4x4xf32, strided<[8, 1], offset: 4>>)
// CHECK-NOT: memref.copy
func.func @copies(%a: memref<4x8xf32>, %b: memref<4x8xf32>, %c: memref<4x4xf32>) {
  memref.copy %a, %b : memref<4x8xf32> to memref<4x8xf32>
  %s = memref.subview %a[0, 2] [4, 4] [1, 1] : memref<4x8xf32> to memref<4x4xf32, strided<[8, 1], offset: 2>>
  memref.copy %s, %c : memref<4x4xf32, strided<[8, 1], offset: 2>> to memref<4x4xf32>
  %d = memref.subview %b[0, 4] [4, 4] [1, 1] : memref<4x8xf32> to memref<4x4xf32, strided<[8, 1], offset: 4>>
  memref.copy %c, %d : memref<4x4xf32> to memref<4x4xf32, strided<[8, 1], offset: 4>>
  return
}
