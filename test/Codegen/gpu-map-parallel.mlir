// RUN: nnc-opt %s --nnc-gpu-linalg-to-parallel --nnc-gpu-map-parallel | FileCheck %s

// One thread per element: the innermost dimension (10 -> 16 threads) is on
// thread x, the rest of the 256-thread budget (16) on y; tiles on blocks,
// the dimension with the most tiles (here the dynamic batch) on block x,
// whose limit is 2^31 - 1 where y and z have 65535.
// CHECK-LABEL: func.func @elementwise
// CHECK: scf.parallel
// CHECK: scf.parallel
// CHECK: scf.if
// CHECK: math.exp
// CHECK: {mapping = [#gpu.loop_dim_map<processor = thread_y, map = (d0) -> (d0), bound = (d0) -> (d0)>, #gpu.loop_dim_map<processor = thread_x, map = (d0) -> (d0), bound = (d0) -> (d0)>]}
// CHECK: {mapping = [#gpu.loop_dim_map<processor = block_x, map = (d0) -> (d0), bound = (d0) -> (d0)>, #gpu.loop_dim_map<processor = block_y, map = (d0) -> (d0), bound = (d0) -> (d0)>]}
#id = affine_map<(d0, d1) -> (d0, d1)>
func.func @elementwise(%x: memref<?x10xf32>, %y: memref<?x10xf32>) {
  linalg.generic {indexing_maps = [#id, #id],
                  iterator_types = ["parallel", "parallel"]}
      ins(%x : memref<?x10xf32>) outs(%y : memref<?x10xf32>) {
  ^bb0(%a: f32, %b: f32):
    %e = math.exp %a : f32
    linalg.yield %e : f32
  }
  return
}

// A reduction over the batch (column sums) keeps the parallel dimension on
// the GPU grid: the reduction becomes a loop inside the thread.
// CHECK-LABEL: func.func @column_sum
// CHECK: scf.parallel
// CHECK: scf.parallel
// CHECK: scf.for
// CHECK: arith.addf
func.func @column_sum(%x: memref<?x10xf32>, %y: memref<10xf32>) {
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>,
                                   affine_map<(d0, d1) -> (d1)>],
                  iterator_types = ["reduction", "parallel"]}
      ins(%x : memref<?x10xf32>) outs(%y : memref<10xf32>) {
  ^bb0(%a: f32, %b: f32):
    %s = arith.addf %a, %b : f32
    linalg.yield %s : f32
  }
  return
}

// A full reduction has no parallel dimension: it runs on one thread of a
// one-iteration launch instead of on the host.
// CHECK-LABEL: func.func @total
// CHECK: scf.parallel (%{{.*}}) = (%c0{{.*}}) to (%c1{{.*}})
// CHECK: scf.for
// CHECK: scf.for
// CHECK: processor = thread_x
// CHECK: processor = block_x
func.func @total(%x: memref<?x10xf32>, %y: memref<f32>) {
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>,
                                   affine_map<(d0, d1) -> ()>],
                  iterator_types = ["reduction", "reduction"]}
      ins(%x : memref<?x10xf32>) outs(%y : memref<f32>) {
  ^bb0(%a: f32, %b: f32):
    %s = arith.addf %a, %b : f32
    linalg.yield %s : f32
  }
  return
}

// Host-level copies become device kernels too.
// CHECK-LABEL: func.func @copy
// CHECK-NOT: memref.copy
// CHECK: scf.parallel
func.func @copy(%x: memref<4x8xf32>, %y: memref<4x8xf32>) {
  memref.copy %x, %y : memref<4x8xf32> to memref<4x8xf32>
  return
}

// Four dimensions (an NCHW activation): the three with the most tiles get
// the grid (the dynamic batch on x, then the 32 channels and 4 row tiles),
// the one column tile runs sequentially.
// CHECK-LABEL: func.func @nchw
// CHECK: {mapping = [#gpu.loop_dim_map<processor = block_x, {{.*}}>, #gpu.loop_dim_map<processor = block_y, {{.*}}>, #gpu.loop_dim_map<processor = block_z, {{.*}}>, #gpu.loop_dim_map<processor = sequential, {{.*}}>]}
#id4 = affine_map<(n, c, h, w) -> (n, c, h, w)>
func.func @nchw(%x: memref<?x32x28x28xf32>, %y: memref<?x32x28x28xf32>) {
  linalg.generic {indexing_maps = [#id4, #id4],
                  iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%x : memref<?x32x28x28xf32>) outs(%y : memref<?x32x28x28xf32>) {
  ^bb0(%a: f32, %b: f32):
    %e = math.exp %a : f32
    linalg.yield %e : f32
  }
  return
}
