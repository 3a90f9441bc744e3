// nnc-mask-ragged-loads: a 1-D load of N f32 whose last partial register
// holds a number of lanes that is not a power of two becomes one masked
// load over whole registers with the first N lanes enabled; stores, whole
// registers and power-of-two remainders are left alone, and lanes=0
// disables the pass.
// RUN: nnc-opt %s --pass-pipeline='builtin.module(func.func(nnc-mask-ragged-loads{lanes=16}))' | FileCheck %s
// RUN: nnc-opt %s --pass-pipeline='builtin.module(func.func(nnc-mask-ragged-loads))' | FileCheck %s --check-prefix=OFF

// CHECK-LABEL: func.func @ragged(
// CHECK-DAG: %[[M13:.*]] = vector.constant_mask [13] : vector<16xi1>
// CHECK-DAG: %[[Z16:.*]] = arith.constant dense<0.000000e+00> : vector<16xf32>
// CHECK: %[[W:.*]] = vector.maskedload %arg0[%arg1], %[[M13]], %[[Z16]] : memref<?xf32>, vector<16xi1>, vector<16xf32> into vector<16xf32>
// CHECK: %[[A:.*]] = vector.extract_strided_slice %[[W]] {offsets = [0], sizes = [13], strides = [1]} : vector<16xf32> to vector<13xf32>
// CHECK: %[[M28:.*]] = vector.constant_mask [28] : vector<32xi1>
// CHECK: vector.maskedload %arg0[%arg1], %[[M28]], %{{.*}} : memref<?xf32>, vector<32xi1>, vector<32xf32> into vector<32xf32>
// CHECK: vector.extract_strided_slice %{{.*}} {offsets = [0], sizes = [28], strides = [1]} : vector<32xf32> to vector<28xf32>
// CHECK: vector.store %[[A]], %arg0[%arg1] : memref<?xf32>, vector<13xf32>
// OFF-LABEL: func.func @ragged(
// OFF-NOT: vector.maskedload
// OFF: return
func.func @ragged(%m: memref<?xf32>, %i: index) -> vector<28xf32> {
  %a = vector.load %m[%i] : memref<?xf32>, vector<13xf32>
  %b = vector.load %m[%i] : memref<?xf32>, vector<28xf32>
  vector.store %a, %m[%i] : memref<?xf32>, vector<13xf32>
  return %b : vector<28xf32>
}

// Left alone: whole registers and power-of-two remainders (one legal piece
// each: 8, 4, 2 lanes; 98 = 6 x 16 + 2).
// CHECK-LABEL: func.func @legal(
// CHECK-NOT: vector.maskedload
// CHECK: return
func.func @legal(%m: memref<?xf32>, %i: index) -> (vector<16xf32>, vector<8xf32>, vector<4xf32>, vector<98xf32>) {
  %a = vector.load %m[%i] : memref<?xf32>, vector<16xf32>
  %b = vector.load %m[%i] : memref<?xf32>, vector<8xf32>
  %c = vector.load %m[%i] : memref<?xf32>, vector<4xf32>
  %d = vector.load %m[%i] : memref<?xf32>, vector<98xf32>
  return %a, %b, %c, %d : vector<16xf32>, vector<8xf32>, vector<4xf32>, vector<98xf32>
}
