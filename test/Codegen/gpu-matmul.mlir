// RUN: nnc-opt %s --nnc-gpu-matmul | FileCheck %s

// A matrix product becomes one launch of 32 x 8 threads per 32 x 32 tile of
// C, with A and B slabs staged in workgroup memory between barriers.
// CHECK-LABEL: func.func @matmul
// CHECK-NOT: linalg.matmul
// CHECK: %[[M:.*]] = memref.dim %[[C:.*]], %c0
// CHECK: %[[GX:.*]] = arith.ceildivui %{{.*}}, %c32
// CHECK: %[[GY:.*]] = arith.ceildivui %[[M]], %c32
// CHECK: gpu.launch blocks(%[[BX:.*]], %[[BY:.*]], %[[BZ:.*]]) in ({{.*}} = %[[GX]], {{.*}} = %[[GY]], {{.*}} = %c1{{.*}}) threads({{.*}}) in ({{.*}} = %c32{{.*}}, {{.*}} = %c8{{.*}}, {{.*}} = %c1{{.*}}) workgroup(%[[AS:.*]] : memref<32x32xf32, #gpu.address_space<workgroup>>, %[[BS:.*]] : memref<32x32xf32, #gpu.address_space<workgroup>>)
// CHECK: scf.for %[[K0:.*]] = %c0{{.*}} to %{{.*}} step %c32
// CHECK: memref.load %arg0
// CHECK: memref.store %{{.*}}, %[[AS]]
// CHECK: memref.load %arg1
// CHECK: memref.store %{{.*}}, %[[BS]]
// CHECK: gpu.barrier
// CHECK: scf.for
// CHECK: memref.load %[[BS]]
// CHECK: memref.load %[[AS]]
// CHECK: arith.mulf
// CHECK: arith.addf
// CHECK: gpu.barrier
// CHECK: scf.if
// CHECK: memref.load %arg2
// CHECK: memref.store %{{.*}}, %arg2
// CHECK: gpu.terminator
func.func @matmul(%a: memref<?x64xf32>, %b: memref<64x10xf32>,
                  %c: memref<?x10xf32>) {
  linalg.matmul ins(%a, %b : memref<?x64xf32>, memref<64x10xf32>)
                outs(%c : memref<?x10xf32>)
  return
}

// The batch of batch_matmul is the grid's z dimension.
// CHECK-LABEL: func.func @batch_matmul
// CHECK: %[[B:.*]] = memref.dim %arg2, %c0
// CHECK: gpu.launch blocks({{.*}}) in ({{.*}}, {{.*}}, {{.*}} = %[[B]])
// CHECK: memref.load %arg0[%{{.*}}, %{{.*}}, %{{.*}}]
func.func @batch_matmul(%a: memref<?x16x8xf32>, %b: memref<?x8x16xf32>,
                        %c: memref<?x16x16xf32>) {
  linalg.batch_matmul ins(%a, %b : memref<?x16x8xf32>, memref<?x8x16xf32>)
                      outs(%c : memref<?x16x16xf32>)
  return
}

// Products on tensors (not yet bufferized) and on other types are left alone.
// CHECK-LABEL: func.func @not_f32
// CHECK: linalg.matmul
// CHECK-NOT: gpu.launch
func.func @not_f32(%a: memref<4x4xi32>, %b: memref<4x4xi32>,
                   %c: memref<4x4xi32>) {
  linalg.matmul ins(%a, %b : memref<4x4xi32>, memref<4x4xi32>)
                outs(%c : memref<4x4xi32>)
  return
}
