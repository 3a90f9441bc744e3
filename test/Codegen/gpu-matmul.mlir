// RUN: nnc-opt %s --nnc-gpu-matmul | FileCheck %s

// A matrix product becomes one launch of 16 x 16 threads per tile of C, each
// thread accumulating a u x u register tile; slabs of A (transposed, rows
// padded by 4) and B are double-buffered in workgroup memory: slab 0 is
// staged before the K loop, and each iteration loads slab s + 1 from global
// memory, multiplies slab s from buffer s mod 2, stores slab s + 1 into the
// other buffer and waits at one barrier.
// A thin product (N = 10): u = 2, 32 x 32 tiles, 32-wide slabs.
// CHECK-LABEL: func.func @matmul
// CHECK-NOT: linalg.matmul
// CHECK: %[[M:.*]] = memref.dim %[[C:.*]], %c0
// CHECK: %[[GX:.*]] = arith.ceildivui %{{.*}}, %c32
// CHECK: %[[GY:.*]] = arith.ceildivui %[[M]], %c32
// CHECK: gpu.launch blocks(%[[BX:.*]], %[[BY:.*]], %[[BZ:.*]]) in ({{.*}} = %[[GX]], {{.*}} = %[[GY]], {{.*}} = %c1{{.*}}) threads({{.*}}) in ({{.*}} = %c16{{.*}}, {{.*}} = %c16{{.*}}, {{.*}} = %c1{{.*}}) workgroup(%[[AS:.*]] : memref<2x32x36xf32, #gpu.address_space<workgroup>>, %[[BS:.*]] : memref<2x32x32xf32, #gpu.address_space<workgroup>>)
// Slab 0 into buffer 0, then a barrier.
// CHECK: memref.load %arg0
// CHECK: memref.load %arg1
// CHECK: memref.store %{{.*}}, %[[AS]][%c0
// CHECK: memref.store %{{.*}}, %[[BS]][%c0
// CHECK: gpu.barrier
// CHECK: %[[ACC:.*]]:4 = scf.for %[[S:.*]] = %c0{{.*}} to %{{.*}} step %c1{{.*}} iter_args(
// CHECK: %[[CUR:.*]] = arith.remui %[[S]], %c2
// CHECK: %[[NEXT:.*]] = arith.subi %c1{{.*}}, %[[CUR]]
// CHECK: memref.load %arg0
// CHECK: memref.load %arg1
// CHECK: scf.for %{{.*}} = %c0{{.*}} to %c32{{.*}} step %c1{{.*}} iter_args
// CHECK: memref.load %[[AS]][%[[CUR]],
// CHECK: memref.load %[[BS]][%[[CUR]],
// CHECK: arith.mulf {{.*}} fastmath<contract>
// CHECK: arith.addf {{.*}} fastmath<contract>
// CHECK: scf.yield
// CHECK-NOT: gpu.barrier
// CHECK: memref.store %{{.*}}, %[[AS]][%[[NEXT]],
// CHECK: memref.store %{{.*}}, %[[BS]][%[[NEXT]],
// CHECK: gpu.barrier
// CHECK-NEXT: scf.yield
// The register tile is added to C, guarded.
// CHECK-COUNT-4: memref.store %{{.*}}, %arg2
// CHECK: gpu.terminator
func.func @matmul(%a: memref<?x64xf32>, %b: memref<64x10xf32>,
                  %c: memref<?x10xf32>) {
  linalg.matmul ins(%a, %b : memref<?x64xf32>, memref<64x10xf32>)
                outs(%c : memref<?x10xf32>)
  return
}

// The tile follows the shape: 4096^2 outputs fill a large GPU with 128 x 128
// tiles (u = 8, 8-wide slabs, 64 accumulators per thread) ...
// CHECK-LABEL: func.func @large
// CHECK: arith.ceildivui %{{.*}}, %c128
// CHECK: workgroup(%{{.*}} : memref<2x8x132xf32, #gpu.address_space<workgroup>>, %{{.*}} : memref<2x8x128xf32, #gpu.address_space<workgroup>>)
// CHECK: %{{.*}}:64 = scf.for
func.func @large(%a: memref<4096x4096xf32>, %b: memref<4096x4096xf32>,
                 %c: memref<4096x4096xf32>) {
  linalg.matmul ins(%a, %b : memref<4096x4096xf32>, memref<4096x4096xf32>)
                outs(%c : memref<4096x4096xf32>)
  return
}

// ... and a batch of rows times a 784 x 256 weight gets 64 x 64 tiles (u = 4).
// CHECK-LABEL: func.func @layer
// CHECK: workgroup(%{{.*}} : memref<2x16x68xf32, #gpu.address_space<workgroup>>, %{{.*}} : memref<2x16x64xf32, #gpu.address_space<workgroup>>)
func.func @layer(%a: memref<?x784xf32>, %b: memref<784x256xf32>,
                 %c: memref<?x256xf32>) {
  linalg.matmul ins(%a, %b : memref<?x784xf32>, memref<784x256xf32>)
                outs(%c : memref<?x256xf32>)
  return
}

// A zero fill of C right before the product is folded into the final store:
// C = 0 + tile, without reading C.
// CHECK-LABEL: func.func @filled
// CHECK-NOT: linalg.fill
// CHECK: gpu.launch
// CHECK: %[[T:.*]]:4 = scf.for
// CHECK-NOT: memref.load %arg2
// CHECK: %[[SUM:.*]] = arith.addf %cst{{.*}}, %[[T]]#0
// CHECK-NEXT: memref.store %[[SUM]], %arg2
func.func @filled(%a: memref<?x64xf32>, %b: memref<64x10xf32>,
                  %c: memref<?x10xf32>) {
  %zero = arith.constant 0.0 : f32
  linalg.fill ins(%zero : f32) outs(%c : memref<?x10xf32>)
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
