// nnc-dealloc-after-last-use: a buffer's dealloc moves up to right after
// the last op of its block that uses the buffer or a value that may alias
// it; what it cannot prove stays where it is.
// RUN: nnc-opt %s --pass-pipeline='builtin.module(func.func(nnc-dealloc-after-last-use))' | FileCheck %s

// Uses through views (a collapse_shape, a subview read inside a loop): the
// dealloc follows the last of them, the loop as a whole.
// CHECK-LABEL: func.func @views(
// CHECK: %[[A:.*]] = memref.alloc() : memref<4x8xf32>
// CHECK: %[[B:.*]] = memref.alloc() : memref<32xf32>
// CHECK: linalg.fill ins(%{{.*}} : f32) outs(%[[A]] : memref<4x8xf32>)
// CHECK: %[[FLAT:.*]] = memref.collapse_shape %[[A]]
// CHECK: memref.copy %[[FLAT]], %[[B]]
// CHECK: scf.for
// CHECK: memref.subview %[[A]]
// CHECK: }
// CHECK-NEXT: bufferization.dealloc (%[[A]] : memref<4x8xf32>) if (%true)
// CHECK-NEXT: memref.copy %[[B]], %{{.*}} : memref<32xf32> to memref<32xf32>
// CHECK-NEXT: bufferization.dealloc (%[[B]] : memref<32xf32>) if (%true)
// CHECK-NEXT: memref.copy %{{.*}}, %{{.*}} : memref<8xf32> to memref<8xf32>
// CHECK-NEXT: return
func.func @views(%out: memref<32xf32>, %row: memref<8xf32>, %v: memref<8xf32>) {
  %true = arith.constant true
  %zero = arith.constant 0.0 : f32
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %a = memref.alloc() : memref<4x8xf32>
  %b = memref.alloc() : memref<32xf32>
  linalg.fill ins(%zero : f32) outs(%a : memref<4x8xf32>)
  %flat = memref.collapse_shape %a [[0, 1]] : memref<4x8xf32> into memref<32xf32>
  memref.copy %flat, %b : memref<32xf32> to memref<32xf32>
  scf.for %i = %c0 to %c4 step %c1 {
    %r = memref.subview %a[%i, 0] [1, 8] [1, 1] : memref<4x8xf32> to memref<8xf32, strided<[1], offset: ?>>
    memref.copy %r, %row : memref<8xf32, strided<[1], offset: ?>> to memref<8xf32>
  }
  memref.copy %b, %out : memref<32xf32> to memref<32xf32>
  memref.copy %v, %row : memref<8xf32> to memref<8xf32>
  bufferization.dealloc (%a : memref<4x8xf32>) if (%true)
  bufferization.dealloc (%b : memref<32xf32>) if (%true)
  return
}

// A buffer carried through a loop aliases the loop's result: the dealloc
// follows the result's last use. One never used is freed right away, and a
// memref.dealloc moves the same way.
// CHECK-LABEL: func.func @carried(
// CHECK: %[[A:.*]] = memref.alloc() : memref<8xf32>
// CHECK-NEXT: %[[U:.*]] = memref.alloc() : memref<8xf32>
// CHECK-NEXT: memref.dealloc %[[U]] : memref<8xf32>
// CHECK-NEXT: %[[R:.*]] = scf.for
// CHECK: memref.copy %[[R]], %{{.*}}
// CHECK-NEXT: bufferization.dealloc (%[[A]] : memref<8xf32>) if (%true)
// CHECK-NEXT: memref.copy %{{.*}}, %{{.*}}
// CHECK-NEXT: return
func.func @carried(%out: memref<8xf32>, %v: memref<8xf32>) {
  %true = arith.constant true
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %a = memref.alloc() : memref<8xf32>
  %unused = memref.alloc() : memref<8xf32>
  %r = scf.for %i = %c0 to %c4 step %c1 iter_args(%x = %a) -> (memref<8xf32>) {
    scf.yield %x : memref<8xf32>
  }
  memref.copy %r, %out : memref<8xf32> to memref<8xf32>
  memref.copy %v, %out : memref<8xf32> to memref<8xf32>
  bufferization.dealloc (%a : memref<8xf32>) if (%true)
  memref.dealloc %unused : memref<8xf32>
  return
}

// Left alone: two buffers in one dealloc (they may alias, which it checks at
// run time), a condition that is not a constant true, and a buffer whose
// address is taken as an integer.
// CHECK-LABEL: func.func @kept(
// CHECK: memref.extract_aligned_pointer_as_index
// CHECK-NEXT: memref.copy
// CHECK-NEXT: bufferization.dealloc (%{{.*}}, %{{.*}} : memref<8xf32>, memref<8xf32>) if (%true, %true)
// CHECK-NEXT: bufferization.dealloc (%{{.*}} : memref<8xf32>) if (%arg2)
// CHECK-NEXT: bufferization.dealloc (%{{.*}} : memref<8xf32>) if (%true)
// CHECK-NEXT: return
func.func @kept(%out: memref<8xf32>, %v: memref<8xf32>, %cond: i1) -> index {
  %true = arith.constant true
  %a = memref.alloc() : memref<8xf32>
  %b = memref.alloc() : memref<8xf32>
  %c = memref.alloc() : memref<8xf32>
  %d = memref.alloc() : memref<8xf32>
  memref.copy %a, %b : memref<8xf32> to memref<8xf32>
  memref.copy %c, %out : memref<8xf32> to memref<8xf32>
  %p = memref.extract_aligned_pointer_as_index %d : memref<8xf32> -> index
  memref.copy %v, %out : memref<8xf32> to memref<8xf32>
  bufferization.dealloc (%a, %b : memref<8xf32>, memref<8xf32>) if (%true, %true)
  bufferization.dealloc (%c : memref<8xf32>) if (%cond)
  bufferization.dealloc (%d : memref<8xf32>) if (%true)
  return %p : index
}
