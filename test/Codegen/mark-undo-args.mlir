// nnc-mark-undo-args: the arguments a kernel may write before an allocation
// (which may fail and make the shim undo the call) are listed in
// nn.undo_args; a write after the last allocation needs no copy.
// RUN: nnc-opt %s --pass-pipeline='builtin.module(func.func(nnc-mark-undo-args))' | FileCheck %s

// %a is written before the second allocation, %b after the last one; %x is
// only read.
// CHECK-LABEL: func.func @order(
// CHECK-SAME: nn.undo_args = array<i32: 1>
func.func @order(%x: memref<16xf32>, %a: memref<16xf32>, %b: memref<16xf32>) attributes {nn.abi_args = array<i32: 0, 1, 2>} {
  %c0 = arith.constant 0 : index
  %t = memref.alloc() : memref<16xf32>
  memref.copy %x, %t : memref<16xf32> to memref<16xf32>
  %v = vector.load %t[%c0] : memref<16xf32>, vector<16xf32>
  vector.store %v, %a[%c0] : memref<16xf32>, vector<16xf32>
  %u = memref.alloc() : memref<16xf32>
  memref.copy %a, %u : memref<16xf32> to memref<16xf32>
  %sub = memref.subview %b[0] [8] [1] : memref<16xf32> to memref<8xf32, strided<[1]>>
  %w = vector.load %u[%c0] : memref<16xf32>, vector<8xf32>
  vector.store %w, %sub[%c0] : memref<8xf32, strided<[1]>>, vector<8xf32>
  memref.dealloc %t : memref<16xf32>
  memref.dealloc %u : memref<16xf32>
  return
}

// A write in a loop whose iterations allocate (chunks of a parallel loop:
// another chunk may fail after it) needs the copy, though it follows the
// last allocation in program order.
// CHECK-LABEL: func.func @loop(
// CHECK-SAME: nn.undo_args = array<i32: 0>
func.func @loop(%a: memref<64xf32>) attributes {nn.abi_args = array<i32: 3>} {
  %c0 = arith.constant 0 : index
  scf.forall (%i) = (0) to (64) step (16) {
    %t = memref.alloc() : memref<16xf32>
    %v = vector.load %t[%c0] : memref<16xf32>, vector<16xf32>
    vector.store %v, %a[%i] : memref<64xf32>, vector<16xf32>
    memref.dealloc %t : memref<16xf32>
  }
  return
}

// A call may allocate and write anything: every argument written before
// it, and every argument at the call itself.
// CHECK-LABEL: func.func @call(
// CHECK-SAME: nn.undo_args = array<i32: 0, 1>
func.func private @callee(memref<16xf32>)
func.func @call(%a: memref<16xf32>, %b: memref<16xf32>) attributes {nn.abi_args = array<i32: 0, 1>} {
  %c0 = arith.constant 0 : index
  %v = vector.load %b[%c0] : memref<16xf32>, vector<16xf32>
  vector.store %v, %a[%c0] : memref<16xf32>, vector<16xf32>
  func.call @callee(%b) : (memref<16xf32>) -> ()
  return
}

// Functions that are not kernels are left alone.
// CHECK-LABEL: func.func @helper(
// CHECK-NOT: nn.undo_args
func.func @helper(%a: memref<16xf32>) {
  return
}
