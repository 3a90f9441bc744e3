// nnc-merge-functions keeps one copy of identical private functions (same
// type, attributes and body; locations aside) and points every call at it;
// a function differing in one constant, and public functions, are kept.
// RUN: nnc-opt %s --nnc-merge-functions | FileCheck %s

// CHECK-LABEL: func.func @kernel
// CHECK: call @loop_a(%{{.*}})
// CHECK: call @loop_a(%{{.*}})
// CHECK: call @loop_c(%{{.*}})
// CHECK: call @public_twin(%{{.*}})
// CHECK: func.func private @loop_a
// CHECK-NOT: func.func private @loop_b
// CHECK: func.func private @loop_c
// CHECK: func.func @public_twin
func.func @kernel(%m: memref<8xf32>) {
  call @loop_a(%m) : (memref<8xf32>) -> ()
  call @loop_b(%m) : (memref<8xf32>) -> ()
  call @loop_c(%m) : (memref<8xf32>) -> ()
  call @public_twin(%m) : (memref<8xf32>) -> ()
  return
}
func.func private @loop_a(%m: memref<8xf32>) attributes {no_inline} {
  %c0 = arith.constant 0 : index
  %c8 = arith.constant 8 : index
  %c1 = arith.constant 1 : index
  %two = arith.constant 2.0 : f32
  scf.for %i = %c0 to %c8 step %c1 {
    %x = memref.load %m[%i] : memref<8xf32>
    %y = arith.mulf %x, %two : f32
    memref.store %y, %m[%i] : memref<8xf32>
  } loc("a.nn":1:1)
  return
}
func.func private @loop_b(%m: memref<8xf32>) attributes {no_inline} {
  %c0 = arith.constant 0 : index
  %c8 = arith.constant 8 : index
  %c1 = arith.constant 1 : index
  %two = arith.constant 2.0 : f32
  scf.for %i = %c0 to %c8 step %c1 {
    %x = memref.load %m[%i] : memref<8xf32>
    %y = arith.mulf %x, %two : f32
    memref.store %y, %m[%i] : memref<8xf32>
  } loc("a.nn":2:1)
  return
}
func.func private @loop_c(%m: memref<8xf32>) attributes {no_inline} {
  %c0 = arith.constant 0 : index
  %c8 = arith.constant 8 : index
  %c1 = arith.constant 1 : index
  %three = arith.constant 3.0 : f32
  scf.for %i = %c0 to %c8 step %c1 {
    %x = memref.load %m[%i] : memref<8xf32>
    %y = arith.mulf %x, %three : f32
    memref.store %y, %m[%i] : memref<8xf32>
  }
  return
}
func.func @public_twin(%m: memref<8xf32>) attributes {no_inline} {
  %c0 = arith.constant 0 : index
  %c8 = arith.constant 8 : index
  %c1 = arith.constant 1 : index
  %two = arith.constant 2.0 : f32
  scf.for %i = %c0 to %c8 step %c1 {
    %x = memref.load %m[%i] : memref<8xf32>
    %y = arith.mulf %x, %two : f32
    memref.store %y, %m[%i] : memref<8xf32>
  }
  return
}
