// RUN: nnc-opt %s --nnc-gpu-matmul | FileCheck %s

// A matrix product becomes one launch of 16 x 16 threads per tile of C, each
// thread accumulating a u x u register tile; slabs of A (transposed) and B
// are double-buffered in workgroup memory as [k][x] with rows padded by 4
// floats: slab 0 is
// staged before the K loop, and each iteration loads slab s + 1 from global
// memory, multiplies slab s from buffer s mod 2, stores slab s + 1 into the
// other buffer and waits at one barrier.
// A thin product (N = 10): u = 2, 32 x 32 tiles, 32-wide slabs.
// CHECK-LABEL: func.func @matmul
// CHECK-NOT: linalg.matmul
// CHECK: %[[M:.*]] = memref.dim %[[C:.*]], %c0
// CHECK: %[[GX:.*]] = arith.ceildivui %[[M]], %c32
// CHECK: %[[GY:.*]] = arith.ceildivui %{{.*}}, %c32
// CHECK: gpu.launch blocks(%[[BX:.*]], %[[BY:.*]], %[[BZ:.*]]) in ({{.*}} = %[[GX]], {{.*}} = %[[GY]], {{.*}} = %c1{{.*}}) threads({{.*}}) in ({{.*}} = %c16{{.*}}, {{.*}} = %c16{{.*}}, {{.*}} = %c1{{.*}}) workgroup(%[[AS:.*]] : memref<2x32x36xf32, #gpu.address_space<workgroup>>, %[[BS:.*]] : memref<2x32x36xf32, #gpu.address_space<workgroup>>)
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
// CHECK: workgroup(%{{.*}} : memref<2x8x132xf32, #gpu.address_space<workgroup>>, %{{.*}} : memref<2x8x132xf32, #gpu.address_space<workgroup>>)
// CHECK: %{{.*}}:64 = scf.for
func.func @large(%a: memref<4096x4096xf32>, %b: memref<4096x4096xf32>,
                 %c: memref<4096x4096xf32>) {
  linalg.matmul ins(%a, %b : memref<4096x4096xf32>, memref<4096x4096xf32>)
                outs(%c : memref<4096x4096xf32>)
  return
}

// ... and a batch of rows times a 784 x 256 weight gets 64 x 64 tiles (u = 4).
// CHECK-LABEL: func.func @layer
// CHECK: workgroup(%{{.*}} : memref<2x16x68xf32, #gpu.address_space<workgroup>>, %{{.*}} : memref<2x16x68xf32, #gpu.address_space<workgroup>>)
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

// W^T made for this product only (a dense layer's x W^T): the kernel reads
// W with swapped indices, consecutive threads along W's rows (coalesced),
// and the transpose is gone. A transpose of something written before the
// product, or read by anything else, stays.
// CHECK-LABEL: func.func @dense
// CHECK-NOT: linalg.transpose
// CHECK: gpu.launch
// CHECK: %[[AC:.*]] = arith.remui %{{.*}}, %c16
// CHECK: memref.load %arg1[%{{.*}}, %{{.*}}] : memref<256x784xf32>
// CHECK-NOT: linalg.transpose
// CHECK-LABEL: func.func @written_between
// CHECK: linalg.transpose
// CHECK: memref.store
// CHECK: gpu.launch
func.func @dense(%x: memref<?x784xf32>, %w: memref<256x784xf32>,
                 %y: memref<?x256xf32>) {
  %wt = memref.alloc() : memref<784x256xf32>
  linalg.transpose ins(%w : memref<256x784xf32>) outs(%wt : memref<784x256xf32>) permutation = [1, 0]
  linalg.matmul ins(%x, %wt : memref<?x784xf32>, memref<784x256xf32>)
                outs(%y : memref<?x256xf32>)
  memref.dealloc %wt : memref<784x256xf32>
  return
}
func.func @written_between(%x: memref<?x784xf32>, %w: memref<256x784xf32>,
                           %y: memref<?x256xf32>, %v: f32) {
  %c0 = arith.constant 0 : index
  %wt = memref.alloc() : memref<784x256xf32>
  linalg.transpose ins(%w : memref<256x784xf32>) outs(%wt : memref<784x256xf32>) permutation = [1, 0]
  memref.store %v, %w[%c0, %c0] : memref<256x784xf32>
  linalg.matmul ins(%x, %wt : memref<?x784xf32>, memref<784x256xf32>)
                outs(%y : memref<?x256xf32>)
  memref.dealloc %wt : memref<784x256xf32>
  return
}

// A bias + ReLU consumer of the product right after it is computed in the
// kernel's final store; C is not written when nothing else reads it.
// CHECK-LABEL: func.func @bias_relu
// CHECK-NOT: linalg.generic
// CHECK: gpu.launch
// CHECK: scf.if
// CHECK-NOT: memref.store %{{.*}}, %alloc
// CHECK: %[[V:.*]] = arith.addf %cst{{.*}}, %{{.*}}#0
// CHECK: %[[BIAS:.*]] = memref.load %arg3[%{{.*}}] : memref<256xf32>
// CHECK: %[[S:.*]] = arith.addf %[[V]], %[[BIAS]]
// CHECK: %[[R:.*]] = arith.maximumf %[[S]], %cst
// CHECK: memref.store %[[R]], %arg4
// CHECK-NOT: linalg.generic
func.func @bias_relu(%x: memref<?x64xf32>, %w: memref<64x256xf32>,
                     %t: memref<?x256xf32>, %bias: memref<256xf32>,
                     %y: memref<?x256xf32>) {
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0.0 : f32
  %n = memref.dim %x, %c0 : memref<?x64xf32>
  %c = memref.alloc(%n) : memref<?x256xf32>
  linalg.fill ins(%zero : f32) outs(%c : memref<?x256xf32>)
  linalg.matmul ins(%x, %w : memref<?x64xf32>, memref<64x256xf32>)
                outs(%c : memref<?x256xf32>)
  linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (j)>, affine_map<(i, j) -> (i, j)>],
                  iterator_types = ["parallel", "parallel"]}
      ins(%c, %bias : memref<?x256xf32>, memref<256xf32>) outs(%y : memref<?x256xf32>) {
  ^bb0(%v: f32, %b: f32, %o: f32):
    %s = arith.addf %v, %b : f32
    %r = arith.maximumf %s, %zero : f32
    linalg.yield %r : f32
  }
  memref.dealloc %c : memref<?x256xf32>
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
