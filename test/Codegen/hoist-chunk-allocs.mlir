// nnc-hoist-chunk-allocs: a static temporary that every chunk of a static
// scf.forall allocates and frees becomes the chunk's slice of one buffer
// (allocated at the kernel's start for a top-level loop, freed after it).
// RUN: nnc-opt %s --pass-pipeline='builtin.module(func.func(nnc-hoist-chunk-allocs))' | FileCheck %s
// Past max-start-bytes, the buffer is allocated right before its loop:
// RUN: nnc-opt %s --pass-pipeline='builtin.module(func.func(nnc-hoist-chunk-allocs{max-start-bytes=1024}))' | FileCheck %s --check-prefix=BEFORE
// BEFORE-LABEL: func.func @chunks(
// BEFORE-NEXT: arith.constant
// BEFORE-NEXT: memref.alloc() {alignment = 64 : i64} : memref<2048xi8>
// BEFORE-NEXT: scf.forall

// 4 chunks of 16 rows, a [16, 8] tile each: 512 bytes per chunk.
// CHECK-LABEL: func.func @chunks(
// CHECK-NEXT: %[[BUF:.*]] = memref.alloc() {alignment = 64 : i64} : memref<2048xi8>
// CHECK: scf.forall (%[[I:.*]]) = (0) to (64) step (16) {
// CHECK-NOT: memref.alloc
// CHECK: %[[AT:.*]] = affine.apply #{{.*}}(%[[I]])
// CHECK: %[[T:.*]] = memref.view %[[BUF]][%[[AT]]][] : memref<2048xi8> to memref<16x8xf32>
// CHECK: linalg.fill ins(%{{.*}} : f32) outs(%[[T]] : memref<16x8xf32>)
// CHECK-NOT: memref.dealloc
// CHECK: }
// CHECK: memref.dealloc %[[BUF]] : memref<2048xi8>
func.func @chunks(%out: memref<64x8xf32>) {
  %zero = arith.constant 0.0 : f32
  scf.forall (%i) = (0) to (64) step (16) {
    %t = memref.alloc() {alignment = 64 : i64} : memref<16x8xf32>
    linalg.fill ins(%zero : f32) outs(%t : memref<16x8xf32>)
    %o = memref.subview %out[%i, 0] [16, 8] [1, 1] : memref<64x8xf32> to memref<16x8xf32, strided<[8, 1], offset: ?>>
    memref.copy %t, %o : memref<16x8xf32> to memref<16x8xf32, strided<[8, 1], offset: ?>>
    memref.dealloc %t : memref<16x8xf32>
  }
  return
}

// Left alone: a dynamic number of chunks (the batch), a temporary of
// dynamic shape, chunks that write no argument of the kernel (one
// temporary per running chunk takes less memory).
// CHECK-LABEL: func.func @left_alone(
// CHECK-NOT: memref.view
// CHECK: return
func.func @left_alone(%n: index, %m: index) {
  %zero = arith.constant 0.0 : f32
  scf.forall (%i) = (0) to (%n) step (16) {
    %t = memref.alloc() : memref<16x8xf32>
    linalg.fill ins(%zero : f32) outs(%t : memref<16x8xf32>)
    memref.dealloc %t : memref<16x8xf32>
  }
  scf.forall (%i) = (0) to (64) step (16) {
    %t = memref.alloc(%m) : memref<?x8xf32>
    linalg.fill ins(%zero : f32) outs(%t : memref<?x8xf32>)
    memref.dealloc %t : memref<?x8xf32>
  }
  %local = memref.alloc() : memref<64x8xf32>
  scf.forall (%i) = (0) to (64) step (16) {
    %t = memref.alloc() : memref<16x8xf32>
    linalg.fill ins(%zero : f32) outs(%t : memref<16x8xf32>)
    %o = memref.subview %local[%i, 0] [16, 8] [1, 1] : memref<64x8xf32> to memref<16x8xf32, strided<[8, 1], offset: ?>>
    memref.copy %t, %o : memref<16x8xf32> to memref<16x8xf32, strided<[8, 1], offset: ?>>
    memref.dealloc %t : memref<16x8xf32>
  }
  memref.dealloc %local : memref<64x8xf32>
  return
}

// A temporary whose rows are the batch (a packed [K, 8] panel of the right
// operand, K = N * 4 rows of a collapsed argument): its sizes are computed
// at the kernel's start from the argument, where one buffer for all 4
// chunks is allocated (each slice 64-byte aligned).
// CHECK-LABEL: func.func @dynamic_rows(
// CHECK-SAME: %[[X:.*]]: memref<?x4x32xf32>
// CHECK: %[[N:.*]] = memref.dim %[[X]], %c0
// CHECK: %[[K:.*]] = arith.muli %[[N]], %c4
// CHECK: %[[E:.*]] = arith.muli %{{.*}}, %[[K]]
// CHECK: %[[BYTES:.*]] = affine.apply #{{.*}}(%[[E]])
// CHECK: %[[TOTAL:.*]] = arith.muli %[[BYTES]], %c4
// CHECK: %[[BUF:.*]] = memref.alloc(%[[TOTAL]]) {alignment = 64 : i64} : memref<?xi8>
// CHECK: scf.forall (%[[I:.*]]) = (0) to (32) step (8) {
// CHECK-NOT: memref.alloc
// CHECK: %[[C:.*]] = affine.apply #{{.*}}(%[[I]])
// CHECK: %[[AT:.*]] = arith.muli %[[C]], %[[BYTES]]
// CHECK: memref.view %[[BUF]][%[[AT]]][%{{.*}}] : memref<?xi8> to memref<?x8xf32>
// CHECK-NOT: memref.dealloc
// CHECK: }
// CHECK: memref.dealloc %[[BUF]] : memref<?xi8>
func.func @dynamic_rows(%x: memref<?x4x32xf32>, %out: memref<32x8xf32>) {
  %zero = arith.constant 0.0 : f32
  %c0 = arith.constant 0 : index
  %rows = memref.collapse_shape %x [[0, 1], [2]] : memref<?x4x32xf32> into memref<?x32xf32>
  scf.forall (%i) = (0) to (32) step (8) {
    %k = memref.dim %rows, %c0 : memref<?x32xf32>
    %t = memref.alloc(%k) {alignment = 64 : i64} : memref<?x8xf32>
    linalg.fill ins(%zero : f32) outs(%t : memref<?x8xf32>)
    %o = memref.subview %out[%i, 0] [8, 8] [1, 1] : memref<32x8xf32> to memref<8x8xf32, strided<[8, 1], offset: ?>>
    %s = memref.subview %t[0, 0] [8, 8] [1, 1] : memref<?x8xf32> to memref<8x8xf32, strided<[8, 1]>>
    memref.copy %s, %o : memref<8x8xf32, strided<[8, 1]>> to memref<8x8xf32, strided<[8, 1], offset: ?>>
    memref.dealloc %t : memref<?x8xf32>
  }
  return
}
