// nnc-gpu-block-reduce: reductions into few outputs become one block of 256
// threads per output, combined with gpu.all_reduce; rows of 32 or more
// elements get a warp each; shorter rows keep one thread per output.
// RUN: nnc-opt %s --split-input-file --pass-pipeline="builtin.module(func.func(nnc-gpu-block-reduce))" | FileCheck %s
// In a model's PTX the all-reduce is warp shuffles: gpu-ptxas.test.

#sum_rows = affine_map<(n, k) -> (k, n)>
#per_col = affine_map<(n, k) -> (n)>

// A bias gradient: 128 columns, each the sum over the (dynamic) batch.
// CHECK-LABEL: func.func @bias_grad
// CHECK-DAG: %[[B:.*]] = memref.dim %arg0, %c0
// CHECK: gpu.launch blocks(%[[BX:.*]], %{{.*}}, %{{.*}}) in (%{{.*}} = %{{.*}}, %{{.*}} = %c1{{.*}}, %{{.*}} = %c1{{.*}}) threads(%[[TX:.*]], %{{.*}}, %{{.*}}) in (%{{.*}} = %c256
// CHECK: %[[COL:.*]] = arith.remui %[[BX]], %c128
// CHECK: %[[PART:.*]] = scf.for %[[R:.*]] = %[[TX]] to %{{.*}} step %c256{{.*}} iter_args(%[[ACC:.*]] = %cst
// CHECK: %[[ROW:.*]] = arith.remui %[[R]]
// CHECK: memref.load %arg0[%{{.*}}, %{{.*}}] : memref<?x128xf32>
// CHECK: arith.addf %{{.*}}, %[[ACC]]
// CHECK: %[[ALL:.*]] = gpu.all_reduce add %[[PART]] uniform
// CHECK: scf.if
// CHECK: %[[OLD:.*]] = memref.load %arg1[%{{.*}}] : memref<128xf32>
// CHECK: %[[NEW:.*]] = arith.addf %[[ALL]], %[[OLD]]
// CHECK: memref.store %[[NEW]], %arg1
// CHECK-NOT: linalg.generic
func.func @bias_grad(%dy: memref<?x128xf32>, %db: memref<128xf32>) {
  linalg.generic {indexing_maps = [#sum_rows, #per_col],
                  iterator_types = ["parallel", "reduction"]}
      ins(%dy : memref<?x128xf32>) outs(%db : memref<128xf32>) {
  ^bb0(%x: f32, %acc: f32):
    %s = arith.addf %x, %acc : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// A full reduction (the largest |x|, as for a norm): one block, max.
// CHECK-LABEL: func.func @full_max
// CHECK: gpu.launch
// CHECK: math.absf
// CHECK: arith.maximumf
// CHECK: gpu.all_reduce maximumf
// CHECK-NOT: linalg.generic
func.func @full_max(%x: memref<?x?xf32>, %m: memref<f32>) {
  linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> ()>],
                  iterator_types = ["reduction", "reduction"]}
      ins(%x : memref<?x?xf32>) outs(%m : memref<f32>) {
  ^bb0(%v: f32, %acc: f32):
    %a = math.absf %v : f32
    %r = arith.maximumf %a, %acc : f32
    linalg.yield %r : f32
  }
  return
}

// -----

// Row sums of a batch (softmax's denominator): many outputs, short rows:
// left to one thread per row.
// CHECK-LABEL: func.func @row_sums
// CHECK-NOT: gpu.launch
// CHECK: linalg.generic
func.func @row_sums(%x: memref<?x10xf32>, %s: memref<?xf32>) {
  linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i)>],
                  iterator_types = ["parallel", "reduction"]}
      ins(%x : memref<?x10xf32>) outs(%s : memref<?xf32>) {
  ^bb0(%v: f32, %acc: f32):
    %r = arith.addf %v, %acc : f32
    linalg.yield %r : f32
  }
  return
}

// -----

// Rows of 64 (a layernorm's mean over the features), however many: a warp
// per row.
// CHECK-LABEL: func.func @row_means
// CHECK: %[[ROWS:.*]] = arith.muli %c1{{.*}}, %{{.*}} : index
// CHECK: gpu.launch blocks(%{{.*}}, %{{.*}}, %{{.*}}) in (%{{.*}} = %[[ROWS]], %{{.*}} = %c1{{.*}}, %{{.*}} = %c1{{.*}}) threads(%[[TX:.*]], %{{.*}}, %{{.*}}) in (%{{.*}} = %c32
// CHECK: scf.for %{{.*}} = %[[TX]] to %{{.*}} step %c32
// CHECK: gpu.all_reduce add
// CHECK-NOT: linalg.generic
func.func @row_means(%x: memref<?x64xf32>, %s: memref<?xf32>) {
  linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i)>],
                  iterator_types = ["parallel", "reduction"]}
      ins(%x : memref<?x64xf32>) outs(%s : memref<?xf32>) {
  ^bb0(%v: f32, %acc: f32):
    %r = arith.addf %v, %acc : f32
    linalg.yield %r : f32
  }
  return
}
