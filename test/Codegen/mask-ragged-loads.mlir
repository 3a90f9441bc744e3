// nnc-mask-ragged-loads: a 1-D load of N f32 whose last partial register
// holds a number of lanes that is not a power of two, and whose value only
// feeds elementwise ops and stores, becomes one masked load over whole
// registers with the first N lanes enabled; stores, whole registers,
// power-of-two remainders and rows that reach a reduction are left alone,
// and lanes=0 disables the pass.
// RUN: nnc-opt %s --pass-pipeline='builtin.module(func.func(nnc-mask-ragged-loads{lanes=16}))' | FileCheck %s
// RUN: nnc-opt %s --pass-pipeline='builtin.module(func.func(nnc-mask-ragged-loads))' | FileCheck %s --check-prefix=OFF

// CHECK-LABEL: func.func @ragged(
// CHECK-DAG: %[[M13:.*]] = vector.constant_mask [13] : vector<16xi1>
// CHECK-DAG: %[[Z16:.*]] = arith.constant dense<0.000000e+00> : vector<16xf32>
// CHECK: %[[W:.*]] = vector.maskedload %arg0[%arg1], %[[M13]], %[[Z16]] : memref<?xf32>, vector<16xi1>, vector<16xf32> into vector<16xf32>
// CHECK: %[[A:.*]] = vector.extract_strided_slice %[[W]] {offsets = [0], sizes = [13], strides = [1]} : vector<16xf32> to vector<13xf32>
// CHECK: %[[M28:.*]] = vector.constant_mask [28] : vector<32xi1>
// CHECK: %[[V:.*]] = vector.maskedload %arg0[%arg2], %[[M28]], %{{.*}} : memref<?xf32>, vector<32xi1>, vector<32xf32> into vector<32xf32>
// CHECK: %[[B:.*]] = vector.extract_strided_slice %[[V]] {offsets = [0], sizes = [28], strides = [1]} : vector<32xf32> to vector<28xf32>
// CHECK: %[[N:.*]] = arith.negf %[[A]] : vector<13xf32>
// CHECK: vector.store %[[N]], %arg0[%arg1] : memref<?xf32>, vector<13xf32>
// CHECK: vector.store %[[B]], %arg0[%arg1] : memref<?xf32>, vector<28xf32>
// OFF-LABEL: func.func @ragged(
// OFF-NOT: vector.maskedload
// OFF: return
func.func @ragged(%m: memref<?xf32>, %i: index, %j: index) {
  %a = vector.load %m[%i] : memref<?xf32>, vector<13xf32>
  %b = vector.load %m[%j] : memref<?xf32>, vector<28xf32>
  %n = arith.negf %a : vector<13xf32>
  vector.store %n, %m[%i] : memref<?xf32>, vector<13xf32>
  vector.store %b, %m[%i] : memref<?xf32>, vector<28xf32>
  return
}

// Left alone: whole registers and power-of-two remainders (one legal piece
// each: 8, 4, 2 lanes; 98 = 6 x 16 + 2), and a row whose values reach a
// reduction (through an elementwise op).
// CHECK-LABEL: func.func @legal(
// CHECK-NOT: vector.maskedload
// CHECK: return
func.func @legal(%m: memref<?xf32>, %i: index, %acc: f32) -> f32 {
  %a = vector.load %m[%i] : memref<?xf32>, vector<16xf32>
  %b = vector.load %m[%i] : memref<?xf32>, vector<8xf32>
  %c = vector.load %m[%i] : memref<?xf32>, vector<4xf32>
  %d = vector.load %m[%i] : memref<?xf32>, vector<98xf32>
  vector.store %a, %m[%i] : memref<?xf32>, vector<16xf32>
  vector.store %b, %m[%i] : memref<?xf32>, vector<8xf32>
  vector.store %c, %m[%i] : memref<?xf32>, vector<4xf32>
  vector.store %d, %m[%i] : memref<?xf32>, vector<98xf32>
  %e = vector.load %m[%i] : memref<?xf32>, vector<14xf32>
  %f = arith.mulf %e, %e : vector<14xf32>
  %r = vector.reduction <add>, %f, %acc : vector<14xf32> into f32
  return %r : f32
}
