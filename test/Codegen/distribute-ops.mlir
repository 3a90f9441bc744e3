// nnc-distribute-ops: each big linalg op becomes an scf.forall of chunks
// along one parallel loop. Work is points x body ops (a dynamic extent counts
// the assumed batch, 32, times the static dims a collapse folds into it; a
// matmul point 1/16); a chunk gets at least 32768.
// An op whose outermost loop is the batch is cut into rows; otherwise static
// loops come first; never a generic's innermost loop (but a reduction's
// static columns, in multiples of tile-n) nor a reduction; a matmul is chunked through its epilogue (static columns), with its fill.
// RUN: nnc-opt %s --pass-pipeline='builtin.module(func.func(nnc-distribute-ops{tile-m=6 tile-n=16}),canonicalize)' | FileCheck %s

#id3 = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
#id2 = affine_map<(d0, d1) -> (d0, d1)>
#row = affine_map<(d0, d1) -> (d1)>
#red = affine_map<(d0, d1) -> (d0)>

// [N, 64, 32], 2 ops per point, the batch outermost: cut into rows, 4096
// units per row at the assumed batch, so chunks of 8 rows (the last one
// shorter: affine.min).
// CHECK-LABEL: func.func @elementwise(
// CHECK-SAME: %[[X:[a-z0-9]+]]: tensor<?x64x32xf32>
// CHECK: %[[E:.*]] = tensor.empty
// CHECK: %[[R:.*]] = scf.forall (%[[I:.*]]) = (0) to (%{{.*}}) step (8) shared_outs(%[[OUT:.*]] = %[[E]]) -> (tensor<?x64x32xf32>)
// CHECK: %[[ROWS:.*]] = affine.min
// CHECK: %[[IN:.*]] = tensor.extract_slice %[[X]][%[[I]], 0, 0] [%[[ROWS]], 64, 32] [1, 1, 1]
// CHECK: %[[O:.*]] = tensor.extract_slice %[[OUT]][%[[I]], 0, 0] [%[[ROWS]], 64, 32] [1, 1, 1]
// CHECK: %[[G:.*]] = linalg.generic {{.*}} ins(%[[IN]] : tensor<?x64x32xf32>) outs(%[[O]] : tensor<?x64x32xf32>)
// CHECK: scf.forall.in_parallel
// CHECK-NEXT: tensor.parallel_insert_slice %[[G]] into %[[OUT]][%[[I]], 0, 0] [%[[ROWS]], 64, 32]
// CHECK: return %[[R]]
func.func @elementwise(%x: tensor<?x64x32xf32>) -> tensor<?x64x32xf32> {
  %c0 = arith.constant 0 : index
  %n = tensor.dim %x, %c0 : tensor<?x64x32xf32>
  %e = tensor.empty(%n) : tensor<?x64x32xf32>
  %y = linalg.generic {indexing_maps = [#id3, #id3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%x : tensor<?x64x32xf32>) outs(%e : tensor<?x64x32xf32>) {
  ^bb0(%a: f32, %o: f32):
    %z = arith.constant 0.0 : f32
    %r = arith.maximumf %a, %z : f32
    linalg.yield %r : f32
  } -> tensor<?x64x32xf32>
  return %y : tensor<?x64x32xf32>
}

// A static [512, 256] op (an optimizer update), 2 ops per point: 262144
// units, 512 per row: 8 chunks of 64 rows, static slices.
// CHECK-LABEL: func.func @static_rows(
// CHECK: scf.forall (%[[I:.*]]) = (0) to (512) step (64)
// CHECK: linalg.generic {{.*}} ins(%{{.*}} : tensor<64x256xf32>) outs(%{{.*}} : tensor<64x256xf32>)
func.func @static_rows(%x: tensor<512x256xf32>) -> tensor<512x256xf32> {
  %e = tensor.empty() : tensor<512x256xf32>
  %y = linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%x : tensor<512x256xf32>) outs(%e : tensor<512x256xf32>) {
  ^bb0(%a: f32, %o: f32):
    %h = arith.constant 0.5 : f32
    %r = arith.mulf %a, %h : f32
    linalg.yield %r : f32
  } -> tensor<512x256xf32>
  return %y : tensor<512x256xf32>
}

// A dense layer: the bias add is the root, its matmul and the matmul's fill
// are fused into each chunk of columns. N x 256 x 128 / 16 = 65536 units,
// 512 per column: 2 chunks of 64 (a multiple of tile-n).
// CHECK-LABEL: func.func @dense(
// CHECK-SAME: %[[X:[a-z0-9]+]]: tensor<?x256xf32>, %[[W:[a-z0-9]+]]: tensor<256x128xf32>
// CHECK-NOT: linalg.matmul
// CHECK: scf.forall (%[[J:.*]]) = (0) to (128) step (64) shared_outs(%[[OUT:.*]] = %{{.*}})
// CHECK: %[[WJ:.*]] = tensor.extract_slice %[[W]][0, %[[J]]] [256, 64] [1, 1]
// CHECK: %[[F:.*]] = linalg.fill {{.*}} -> tensor<?x64xf32>
// CHECK: %[[M:.*]] = linalg.matmul ins(%{{.*}}, %[[WJ]] : tensor<?x256xf32>, tensor<256x64xf32>) outs(%[[F]] : tensor<?x64xf32>)
// CHECK: linalg.generic {{.*}} ins(%[[M]], %{{.*}} : tensor<?x64xf32>, tensor<64xf32>)
// CHECK: tensor.parallel_insert_slice
func.func @dense(%x: tensor<?x256xf32>, %w: tensor<256x128xf32>, %b: tensor<128xf32>) -> tensor<?x128xf32> {
  %c0 = arith.constant 0 : index
  %n = tensor.dim %x, %c0 : tensor<?x256xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty(%n) : tensor<?x128xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<?x128xf32>) -> tensor<?x128xf32>
  %m = linalg.matmul ins(%x, %w : tensor<?x256xf32>, tensor<256x128xf32>) outs(%f : tensor<?x128xf32>) -> tensor<?x128xf32>
  %y = linalg.generic {indexing_maps = [#id2, #row, #id2], iterator_types = ["parallel", "parallel"]} ins(%m, %b : tensor<?x128xf32>, tensor<128xf32>) outs(%e : tensor<?x128xf32>) {
  ^bb0(%a: f32, %c: f32, %o: f32):
    %s = arith.addf %a, %c : f32
    linalg.yield %s : f32
  } -> tensor<?x128xf32>
  return %y : tensor<?x128xf32>
}

// The same layer with its weight stored [out, in] (nn's dense layout): the
// transpose to [in, out] feeds the matmul alone, so each chunk of columns
// transposes its own 64 rows of the weight into a contiguous [256, 64]
// panel; no transpose is left outside the chunks.
// CHECK-LABEL: func.func @dense_transposed_weight(
// CHECK-SAME: %[[X:[a-z0-9]+]]: tensor<?x256xf32>, %[[W:[a-z0-9]+]]: tensor<128x256xf32>
// CHECK-NOT: linalg.transpose
// CHECK: scf.forall (%[[J:.*]]) = (0) to (128) step (64) shared_outs(%[[OUT:.*]] = %{{.*}})
// CHECK: %[[WJ:.*]] = tensor.extract_slice %[[W]][%[[J]], 0] [64, 256] [1, 1]
// CHECK: %[[T:.*]] = linalg.transpose ins(%[[WJ]] : tensor<64x256xf32>) outs(%{{.*}} : tensor<256x64xf32>) permutation = [1, 0]
// CHECK: %[[M:.*]] = linalg.matmul ins(%{{.*}}, %[[T]] : tensor<?x256xf32>, tensor<256x64xf32>)
// CHECK: tensor.parallel_insert_slice
// CHECK-NOT: linalg.transpose
// CHECK: return
func.func @dense_transposed_weight(%x: tensor<?x256xf32>, %w: tensor<128x256xf32>, %b: tensor<128xf32>) -> tensor<?x128xf32> {
  %c0 = arith.constant 0 : index
  %n = tensor.dim %x, %c0 : tensor<?x256xf32>
  %zero = arith.constant 0.0 : f32
  %et = tensor.empty() : tensor<256x128xf32>
  %wt = linalg.transpose ins(%w : tensor<128x256xf32>) outs(%et : tensor<256x128xf32>) permutation = [1, 0]
  %e = tensor.empty(%n) : tensor<?x128xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<?x128xf32>) -> tensor<?x128xf32>
  %m = linalg.matmul ins(%x, %wt : tensor<?x256xf32>, tensor<256x128xf32>) outs(%f : tensor<?x128xf32>) -> tensor<?x128xf32>
  %y = linalg.generic {indexing_maps = [#id2, #row, #id2], iterator_types = ["parallel", "parallel"]} ins(%m, %b : tensor<?x128xf32>, tensor<128xf32>) outs(%e : tensor<?x128xf32>) {
  ^bb0(%a: f32, %c: f32, %o: f32):
    %s = arith.addf %a, %c : f32
    linalg.yield %s : f32
  } -> tensor<?x128xf32>
  return %y : tensor<?x128xf32>
}

// A dense layer on sequences is cut into rows: every chunk needs the whole
// transposed weight, so the transpose stays one op, chunked on its own
// (static [512, 1024]: chunks of its rows) before the matmul's chunks.
// CHECK-LABEL: func.func @rows_keep_transpose(
// CHECK: scf.forall (%{{.*}}) = (0) to (512) step
// CHECK: linalg.transpose
// CHECK: scf.forall (%{{.*}}) = (0) to (%{{.*}}) step
// CHECK-NOT: linalg.transpose
// CHECK: linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<?x512xf32>, tensor<512x1024xf32>)
func.func @rows_keep_transpose(%x3: tensor<?x64x512xf32>, %w: tensor<1024x512xf32>) -> tensor<?x1024xf32> {
  %c0 = arith.constant 0 : index
  %x = tensor.collapse_shape %x3 [[0, 1], [2]] : tensor<?x64x512xf32> into tensor<?x512xf32>
  %n = tensor.dim %x, %c0 : tensor<?x512xf32>
  %zero = arith.constant 0.0 : f32
  %et = tensor.empty() : tensor<512x1024xf32>
  %wt = linalg.transpose ins(%w : tensor<1024x512xf32>) outs(%et : tensor<512x1024xf32>) permutation = [1, 0]
  %e = tensor.empty(%n) : tensor<?x1024xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<?x1024xf32>) -> tensor<?x1024xf32>
  %m = linalg.matmul ins(%x, %wt : tensor<?x512xf32>, tensor<512x1024xf32>) outs(%f : tensor<?x1024xf32>) -> tensor<?x1024xf32>
  %y = linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%m : tensor<?x1024xf32>) outs(%e : tensor<?x1024xf32>) {
  ^bb0(%a: f32, %o: f32):
    %r = arith.maximumf %a, %zero : f32
    linalg.yield %r : f32
  } -> tensor<?x1024xf32>
  return %y : tensor<?x1024xf32>
}

// The same layer on sequences of 64 (its rows are the collapsed [N, 64]):
// cut into rows, multiples of the register tile's (6) of at least 32768
// units (2048 per row): 18 rows a chunk. Each chunk reads its own rows of
// the activations and the whole weight matrix (which stays in the core's
// cache); chunks of columns made every thread stream all the activations
// (the encoder's 2-thread train step: 7.19 -> 6.47 ms median).
// CHECK-LABEL: func.func @dense_on_sequences(
// CHECK: %[[ROWS:.*]] = affine.apply
// CHECK: scf.forall (%[[I:.*]]) = (0) to (%[[ROWS]]) step (18)
// CHECK: %[[R:.*]] = affine.min
// CHECK: tensor.extract_slice %{{.*}}[%[[I]], 0] [%[[R]], 256] [1, 1]
// CHECK: linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<?x256xf32>, tensor<256x128xf32>)
func.func @dense_on_sequences(%x3: tensor<?x64x256xf32>, %w: tensor<256x128xf32>, %b: tensor<128xf32>) -> tensor<?x128xf32> {
  %c0 = arith.constant 0 : index
  %x = tensor.collapse_shape %x3 [[0, 1], [2]] : tensor<?x64x256xf32> into tensor<?x256xf32>
  %n = tensor.dim %x, %c0 : tensor<?x256xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty(%n) : tensor<?x128xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<?x128xf32>) -> tensor<?x128xf32>
  %m = linalg.matmul ins(%x, %w : tensor<?x256xf32>, tensor<256x128xf32>) outs(%f : tensor<?x128xf32>) -> tensor<?x128xf32>
  %y = linalg.generic {indexing_maps = [#id2, #row, #id2], iterator_types = ["parallel", "parallel"]} ins(%m, %b : tensor<?x128xf32>, tensor<128xf32>) outs(%e : tensor<?x128xf32>) {
  ^bb0(%a: f32, %c: f32, %o: f32):
    %s = arith.addf %a, %c : f32
    linalg.yield %s : f32
  } -> tensor<?x128xf32>
  return %y : tensor<?x128xf32>
}

// Row sums: the only parallel loop is the batch, cut into chunks of a static
// 8 rows (32768 / 4096); the reduction is never split, the accumulator's
// fill is fused.
// CHECK-LABEL: func.func @row_sums(
// CHECK: scf.forall (%[[I:.*]]) = (0) to (%{{.*}}) step (8) shared_outs(%[[OUT:.*]] = %{{.*}}) -> (tensor<?xf32>)
// CHECK: %[[ROWS:.*]] = affine.min
// CHECK: %[[ACC:.*]] = tensor.extract_slice %[[OUT]][%[[I]]] [%[[ROWS]]] [1]
// CHECK: %[[F:.*]] = linalg.fill {{.*}} outs(%[[ACC]] : tensor<?xf32>)
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]} ins(%{{.*}} : tensor<?x4096xf32>) outs(%[[F]] : tensor<?xf32>)
func.func @row_sums(%x: tensor<?x4096xf32>) -> tensor<?xf32> {
  %c0 = arith.constant 0 : index
  %n = tensor.dim %x, %c0 : tensor<?x4096xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty(%n) : tensor<?xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<?xf32>) -> tensor<?xf32>
  %y = linalg.generic {indexing_maps = [#id2, #red], iterator_types = ["parallel", "reduction"]} ins(%x : tensor<?x4096xf32>) outs(%f : tensor<?xf32>) {
  ^bb0(%a: f32, %o: f32):
    %s = arith.addf %a, %o : f32
    linalg.yield %s : f32
  } -> tensor<?xf32>
  return %y : tensor<?xf32>
}

// Column sums (a bias gradient: [1024, 512] -> [512]): the only parallel loop
// is the innermost one, static; it is cut in multiples of tile-n (here 32
// columns, 32768 points), each chunk summing its columns over all the rows,
// in order.
#col = affine_map<(d0, d1) -> (d1)>
// CHECK-LABEL: func.func @column_sums(
// CHECK: scf.forall (%[[J:.*]]) = (0) to (512) step (32) shared_outs(%[[OUT:.*]] = %{{.*}}) -> (tensor<512xf32>)
// CHECK: %[[ACC:.*]] = tensor.extract_slice %[[OUT]][%[[J]]] [32] [1]
// CHECK: %[[F:.*]] = linalg.fill {{.*}} outs(%[[ACC]] : tensor<32xf32>)
// CHECK: linalg.generic {{.*}} iterator_types = ["reduction", "parallel"]} ins(%{{.*}} : tensor<1024x32xf32>) outs(%[[F]] : tensor<32xf32>)
func.func @column_sums(%x: tensor<1024x512xf32>) -> tensor<512xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<512xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<512xf32>) -> tensor<512xf32>
  %y = linalg.generic {indexing_maps = [#id2, #col], iterator_types = ["reduction", "parallel"]} ins(%x : tensor<1024x512xf32>) outs(%f : tensor<512xf32>) {
  ^bb0(%a: f32, %o: f32):
    %s = arith.addf %a, %o : f32
    linalg.yield %s : f32
  } -> tensor<512xf32>
  return %y : tensor<512xf32>
}

// Too small to share (32 x 8 points): left alone.
// CHECK-LABEL: func.func @small(
// CHECK-NOT: scf.forall (
// CHECK: return
func.func @small(%x: tensor<?x8xf32>) -> tensor<?x8xf32> {
  %c0 = arith.constant 0 : index
  %n = tensor.dim %x, %c0 : tensor<?x8xf32>
  %e = tensor.empty(%n) : tensor<?x8xf32>
  %y = linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%x : tensor<?x8xf32>) outs(%e : tensor<?x8xf32>) {
  ^bb0(%a: f32, %o: f32):
    %r = arith.negf %a : f32
    linalg.yield %r : f32
  } -> tensor<?x8xf32>
  return %y : tensor<?x8xf32>
}

// Ops already inside a forall (a convolution's images) are not chunked
// again, though big enough (256 x 64 x 9 ops).
// CHECK-LABEL: func.func @inside(
// CHECK: scf.forall (
// CHECK-NOT: scf.forall (
// CHECK: return
func.func @inside(%x: tensor<?x256x64xf32>) -> tensor<?x256x64xf32> {
  %c0 = arith.constant 0 : index
  %n = tensor.dim %x, %c0 : tensor<?x256x64xf32>
  %e = tensor.empty(%n) : tensor<?x256x64xf32>
  %r = scf.forall (%i) in (%n) shared_outs(%out = %e) -> (tensor<?x256x64xf32>) {
    %xi = tensor.extract_slice %x[%i, 0, 0] [1, 256, 64] [1, 1, 1] : tensor<?x256x64xf32> to tensor<256x64xf32>
    %oi = tensor.extract_slice %out[%i, 0, 0] [1, 256, 64] [1, 1, 1] : tensor<?x256x64xf32> to tensor<256x64xf32>
    %y = linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%xi : tensor<256x64xf32>) outs(%oi : tensor<256x64xf32>) {
    ^bb0(%a: f32, %o: f32):
      %s = math.exp %a : f32
      %t = math.exp %s : f32
      %u = math.exp %t : f32
      %v = math.exp %u : f32
      %w = math.exp %v : f32
      %z = math.exp %w : f32
      %q = math.exp %z : f32
      %p = math.exp %q : f32
      %pp = math.exp %p : f32
      linalg.yield %pp : f32
    } -> tensor<256x64xf32>
    scf.forall.in_parallel {
      tensor.parallel_insert_slice %y into %out[%i, 0, 0] [1, 256, 64] [1, 1, 1] : tensor<256x64xf32> into tensor<?x256x64xf32>
    }
  }
  return %r : tensor<?x256x64xf32>
}

// An elementwise op over [N, 6, 784] (4704 units per row: chunks of 7 rows
// otherwise) whose input is the single-use result of a loop over single
// images is cut into single images too, so that nnc-fuse-foralls can merge
// it into that loop.
// CHECK-LABEL: func.func @after_item_loop(
// CHECK: %[[A:.*]] = scf.forall (%{{.*}}) in (%[[N:.*]]) shared_outs
// CHECK: scf.forall (%[[J:.*]]) in (%{{.*}}) shared_outs
// CHECK: tensor.extract_slice %[[A]][%[[J]], 0, 0] [1, 6, 784] [1, 1, 1]
func.func @after_item_loop(%x: tensor<?x6x784xf32>) -> tensor<?x6x784xf32> {
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0.0 : f32
  %n = tensor.dim %x, %c0 : tensor<?x6x784xf32>
  %e = tensor.empty(%n) : tensor<?x6x784xf32>
  %a = scf.forall (%i) in (%n) shared_outs(%o = %e) -> (tensor<?x6x784xf32>) {
    %xi = tensor.extract_slice %x[%i, 0, 0] [1, 6, 784] [1, 1, 1] : tensor<?x6x784xf32> to tensor<1x6x784xf32>
    scf.forall.in_parallel {
      tensor.parallel_insert_slice %xi into %o[%i, 0, 0] [1, 6, 784] [1, 1, 1] : tensor<1x6x784xf32> into tensor<?x6x784xf32>
    }
  }
  %e2 = tensor.empty(%n) : tensor<?x6x784xf32>
  %r = linalg.generic {indexing_maps = [#id3, #id3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%a : tensor<?x6x784xf32>) outs(%e2 : tensor<?x6x784xf32>) {
  ^bb0(%in: f32, %out: f32):
    %m = arith.maximumf %in, %zero : f32
    linalg.yield %m : f32
  } -> tensor<?x6x784xf32>
  return %r : tensor<?x6x784xf32>
}

// A recurrent step (an scf.for carrying the state): the matmul of the state
// is cut into rows of the batch like the step's elementwise ops (outside a
// loop it would take static columns), 131072 units at the assumed batch so
// 8 rows rounded up to the 6-row register tile; the elementwise op's rows
// (16 ops x 128 per row: 16 rows) are multiples of the register tile too,
// 18, so that both ops cut the batch at the same rows.
// CHECK-LABEL: func.func @recurrent_step(
// CHECK: scf.for
// CHECK: scf.forall (%{{.*}}) = (0) to (%{{.*}}) step (12) shared_outs(%{{.*}}) -> (tensor<?x512xf32>)
// CHECK: linalg.fill
// CHECK: linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<?x128xf32>, tensor<128x512xf32>)
// CHECK: scf.forall (%{{.*}}) = (0) to (%{{.*}}) step (18) shared_outs(%{{.*}}) -> (tensor<?x128xf32>)
// CHECK: linalg.generic
func.func @recurrent_step(%h0: tensor<?x128xf32>, %w: tensor<128x512xf32>) -> tensor<?x128xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %zero = arith.constant 0.0 : f32
  %n = tensor.dim %h0, %c0 : tensor<?x128xf32>
  %r = scf.for %t = %c0 to %c8 step %c1 iter_args(%h = %h0) -> (tensor<?x128xf32>) {
    %e = tensor.empty(%n) : tensor<?x512xf32>
    %f = linalg.fill ins(%zero : f32) outs(%e : tensor<?x512xf32>) -> tensor<?x512xf32>
    %p = linalg.matmul ins(%h, %w : tensor<?x128xf32>, tensor<128x512xf32>) outs(%f : tensor<?x512xf32>) -> tensor<?x512xf32>
    %s = tensor.extract_slice %p[0, 0] [%n, 128] [1, 1] : tensor<?x512xf32> to tensor<?x128xf32>
    %s2 = tensor.extract_slice %p[0, 128] [%n, 128] [1, 1] : tensor<?x512xf32> to tensor<?x128xf32>
    %o = tensor.empty(%n) : tensor<?x128xf32>
    %g = linalg.generic {indexing_maps = [#id2, #id2, #id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%s, %s2, %h : tensor<?x128xf32>, tensor<?x128xf32>, tensor<?x128xf32>) outs(%o : tensor<?x128xf32>) {
    ^bb0(%a: f32, %b: f32, %c: f32, %out: f32):
      %0 = arith.addf %a, %b : f32
      %1 = arith.mulf %0, %c : f32
      %2 = arith.addf %1, %a : f32
      %3 = arith.mulf %2, %c : f32
      %4 = arith.addf %3, %a : f32
      %5 = arith.mulf %4, %c : f32
      %6 = arith.addf %5, %a : f32
      %7 = arith.mulf %6, %c : f32
      %8 = arith.addf %7, %a : f32
      %9 = arith.mulf %8, %c : f32
      %10 = arith.addf %9, %a : f32
      %11 = arith.mulf %10, %c : f32
      %12 = arith.addf %11, %a : f32
      %13 = arith.mulf %12, %c : f32
      %14 = arith.addf %13, %a : f32
      %15 = arith.mulf %14, %c : f32
      linalg.yield %15 : f32
    } -> tensor<?x128xf32>
    scf.yield %g : tensor<?x128xf32>
  }
  return %r : tensor<?x128xf32>
}

// A weight gradient over sequences (K = N * 64 rows, 2048 at the assumed
// batch) whose right operand [K, 512] is bigger than 1 MiB: cut into
// columns (of tile-n), which re-read the smaller left operand [K, 128], and
// each chunk packs its [K, 16] panel of the right operand into a tensor of
// its own.
// CHECK-LABEL: func.func @big_weight_gradient(
// CHECK: scf.forall (%[[J:.*]]) = (0) to (512) step (16)
// CHECK: %[[PANEL:.*]] = tensor.extract_slice %{{.*}}[0, %[[J]]] [%{{.*}}, 16] [1, 1]
// CHECK: %[[PACKED:.*]] = linalg.copy ins(%[[PANEL]] : tensor<?x16xf32>) outs(%{{.*}} : tensor<?x16xf32>)
// CHECK: linalg.matmul_transpose_a ins(%{{.*}}, %[[PACKED]] : tensor<?x128xf32>, tensor<?x16xf32>)
func.func @big_weight_gradient(%dy: tensor<?x64x128xf32>, %x: tensor<?x64x512xf32>) -> tensor<128x512xf32> {
  %zero = arith.constant 0.0 : f32
  %a = tensor.collapse_shape %dy [[0, 1], [2]] : tensor<?x64x128xf32> into tensor<?x128xf32>
  %b = tensor.collapse_shape %x [[0, 1], [2]] : tensor<?x64x512xf32> into tensor<?x512xf32>
  %e = tensor.empty() : tensor<128x512xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<128x512xf32>) -> tensor<128x512xf32>
  %dw = linalg.matmul_transpose_a ins(%a, %b : tensor<?x128xf32>, tensor<?x512xf32>) outs(%f : tensor<128x512xf32>) -> tensor<128x512xf32>
  return %dw : tensor<128x512xf32>
}

// -----

// A layer normalization's statistics over the rows [N, 64] of x [N, 64, 128]:
// the sum, the mean, the squared deviations and the scale each computed in
// the chunk of the normalization that reads them, which becomes the one
// loop over the batch: a chunk's items are read from memory once (then from
// its core's cache). The mean is also returned (a backward pass reads it):
// the chunk yields it too, a copy of its own (one divide per row).
// CHECK-LABEL: func.func @row_statistics(
// CHECK-SAME: %[[X:[a-z0-9]+]]: tensor<?x64x128xf32>
// CHECK: %[[R:.*]]:2 = scf.forall (%[[I:.*]]) = (0) to (%{{.*}}) step (2) shared_outs({{.*}}) -> (tensor<?x64x128xf32>, tensor<?x64xf32>)
// CHECK: %[[XI:.*]] = tensor.extract_slice %[[X]][%[[I]], 0, 0]
// CHECK: linalg.generic {{.*}}["parallel", "parallel", "reduction"]{{.*}} ins(%[[XI]] :
// CHECK: linalg.generic {{.*}}["parallel", "parallel", "reduction"]{{.*}} ins(%[[XI]], %{{.*}} :
// CHECK: math.sqrt
// CHECK: %[[Y:.*]] = linalg.generic {{.*}}["parallel", "parallel", "parallel"]{{.*}} ins(%[[XI]], %{{.*}}, %{{.*}} :
// CHECK: scf.forall.in_parallel
// CHECK-NEXT: tensor.parallel_insert_slice %[[Y]]
// CHECK-NEXT: tensor.parallel_insert_slice
// CHECK-NOT: scf.forall
// CHECK-NOT: linalg.generic
// CHECK: return %[[R]]#0, %[[R]]#1
#x3 = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
#s3 = affine_map<(d0, d1, d2) -> (d0, d1)>
func.func @row_statistics(%x: tensor<?x64x128xf32>) -> (tensor<?x64x128xf32>, tensor<?x64xf32>) {
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0.0 : f32
  %n = tensor.dim %x, %c0 : tensor<?x64x128xf32>
  %es = tensor.empty(%n) : tensor<?x64xf32>
  %init = linalg.fill ins(%zero : f32) outs(%es : tensor<?x64xf32>) -> tensor<?x64xf32>
  %sum = linalg.generic {indexing_maps = [#x3, #s3], iterator_types = ["parallel", "parallel", "reduction"]} ins(%x : tensor<?x64x128xf32>) outs(%init : tensor<?x64xf32>) {
  ^bb0(%a: f32, %o: f32):
    %r = arith.addf %a, %o : f32
    linalg.yield %r : f32
  } -> tensor<?x64xf32>
  %mean = linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%sum : tensor<?x64xf32>) outs(%es : tensor<?x64xf32>) {
  ^bb0(%a: f32, %o: f32):
    %d = arith.constant 128.0 : f32
    %r = arith.divf %a, %d : f32
    linalg.yield %r : f32
  } -> tensor<?x64xf32>
  %sq = linalg.generic {indexing_maps = [#x3, #s3, #s3], iterator_types = ["parallel", "parallel", "reduction"]} ins(%x, %mean : tensor<?x64x128xf32>, tensor<?x64xf32>) outs(%init : tensor<?x64xf32>) {
  ^bb0(%a: f32, %m: f32, %o: f32):
    %c = arith.subf %a, %m : f32
    %s = arith.mulf %c, %c : f32
    %r = arith.addf %s, %o : f32
    linalg.yield %r : f32
  } -> tensor<?x64xf32>
  %rstd = linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%sq : tensor<?x64xf32>) outs(%es : tensor<?x64xf32>) {
  ^bb0(%a: f32, %o: f32):
    %d = arith.constant 128.0 : f32
    %v = arith.divf %a, %d : f32
    %s = math.sqrt %v : f32
    linalg.yield %s : f32
  } -> tensor<?x64xf32>
  %ey = tensor.empty(%n) : tensor<?x64x128xf32>
  %y = linalg.generic {indexing_maps = [#x3, #s3, #s3, #x3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%x, %mean, %rstd : tensor<?x64x128xf32>, tensor<?x64xf32>, tensor<?x64xf32>) outs(%ey : tensor<?x64x128xf32>) {
  ^bb0(%a: f32, %m: f32, %s: f32, %o: f32):
    %c = arith.subf %a, %m : f32
    %r = arith.divf %c, %s : f32
    linalg.yield %r : f32
  } -> tensor<?x64x128xf32>
  return %y, %mean : tensor<?x64x128xf32>, tensor<?x64xf32>
}

// -----

// A softmax whose exponentials and reciprocal sums a later op reads again
// (its backward pass): the normalization's chunk computes the maximum, the
// exponentials (once, though both the sum and the normalization read them),
// the sum and the reciprocal, and yields the exponentials and reciprocals
// (once each) to the later reader, which gets chunks of its own.
// CHECK-LABEL: func.func @softmax_read_later(
// CHECK: %[[R:.*]]:3 = scf.forall
// CHECK: linalg.generic {{.*}}["parallel", "parallel", "parallel", "reduction"]
// CHECK: math.exp
// CHECK-NOT: math.exp
// CHECK: linalg.generic {{.*}}["parallel", "parallel", "parallel", "reduction"]
// CHECK: arith.divf
// CHECK: arith.mulf
// CHECK: scf.forall.in_parallel
// CHECK-COUNT-3: tensor.parallel_insert_slice
// CHECK: %[[L:.*]] = scf.forall
// CHECK: linalg.generic {{.*}} ins(%{{.*}}, %{{.*}} : tensor<?x4x64x64xf32>, tensor<?x4x64xf32>)
// CHECK: arith.addf
// CHECK-NOT: = scf.forall
// CHECK: return %[[R]]#0, %[[L]]
#m4 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#r4 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>
func.func @softmax_read_later(%s: tensor<?x4x64x64xf32>) -> (tensor<?x4x64x64xf32>, tensor<?x4x64x64xf32>) {
  %c0 = arith.constant 0 : index
  %ninf = arith.constant 0xFF800000 : f32
  %zero = arith.constant 0.0 : f32
  %one = arith.constant 1.0 : f32
  %n = tensor.dim %s, %c0 : tensor<?x4x64x64xf32>
  %42 = tensor.empty(%n) : tensor<?x4x64xf32>
  %43 = linalg.fill ins(%ninf : f32) outs(%42 : tensor<?x4x64xf32>) -> tensor<?x4x64xf32>
  %44 = linalg.generic {indexing_maps = [#m4, #r4], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%s : tensor<?x4x64x64xf32>) outs(%43 : tensor<?x4x64xf32>) {
  ^bb0(%in: f32, %out: f32):
    %145 = arith.maximumf %in, %out : f32
    linalg.yield %145 : f32
  } -> tensor<?x4x64xf32>
  %45 = tensor.empty(%n) : tensor<?x4x64x64xf32>
  %46 = linalg.generic {indexing_maps = [#m4, #r4, #m4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%s, %44 : tensor<?x4x64x64xf32>, tensor<?x4x64xf32>) outs(%45 : tensor<?x4x64x64xf32>) {
  ^bb0(%in: f32, %in_107: f32, %out: f32):
    %145 = arith.subf %in, %in_107 : f32
    %146 = math.exp %145 : f32
    linalg.yield %146 : f32
  } -> tensor<?x4x64x64xf32>
  %47 = linalg.fill ins(%zero : f32) outs(%42 : tensor<?x4x64xf32>) -> tensor<?x4x64xf32>
  %48 = linalg.generic {indexing_maps = [#m4, #r4], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%46 : tensor<?x4x64x64xf32>) outs(%47 : tensor<?x4x64xf32>) {
  ^bb0(%in: f32, %out: f32):
    %145 = arith.addf %in, %out : f32
    linalg.yield %145 : f32
  } -> tensor<?x4x64xf32>
  %49 = linalg.generic {indexing_maps = [#id3, #id3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%48 : tensor<?x4x64xf32>) outs(%42 : tensor<?x4x64xf32>) {
  ^bb0(%in: f32, %out: f32):
    %145 = arith.divf %one, %in : f32
    linalg.yield %145 : f32
  } -> tensor<?x4x64xf32>
  %50 = linalg.generic {indexing_maps = [#m4, #r4, #m4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%46, %49 : tensor<?x4x64x64xf32>, tensor<?x4x64xf32>) outs(%45 : tensor<?x4x64x64xf32>) {
  ^bb0(%in: f32, %in_107: f32, %out: f32):
    %145 = arith.mulf %in, %in_107 : f32
    linalg.yield %145 : f32
  } -> tensor<?x4x64x64xf32>
  %51 = linalg.generic {indexing_maps = [#m4, #r4, #m4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%46, %49 : tensor<?x4x64x64xf32>, tensor<?x4x64xf32>) outs(%45 : tensor<?x4x64x64xf32>) {
  ^bb0(%in: f32, %in_107: f32, %out: f32):
    %145 = arith.addf %in, %in_107 : f32
    linalg.yield %145 : f32
  } -> tensor<?x4x64x64xf32>
  return %50, %51 : tensor<?x4x64x64xf32>, tensor<?x4x64x64xf32>
}

// -----

// A statistic that an op before the normalization reads too, and that does
// not feed the normalization, is not computed in the normalization's chunks
// (it would be computed twice): it keeps its own loop, read by both.
// CHECK-LABEL: func.func @statistic_read_before(
// CHECK: %[[SUM:.*]] = scf.forall
// CHECK: ["parallel", "parallel", "reduction"]
// CHECK: %[[Y:.*]] = scf.forall
// CHECK-NOT: "reduction"
// CHECK: return %[[Y]],
func.func @statistic_read_before(%x: tensor<?x64x128xf32>) -> (tensor<?x64x128xf32>, tensor<?x64xf32>) {
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0.0 : f32
  %n = tensor.dim %x, %c0 : tensor<?x64x128xf32>
  %es = tensor.empty(%n) : tensor<?x64xf32>
  %init = linalg.fill ins(%zero : f32) outs(%es : tensor<?x64xf32>) -> tensor<?x64xf32>
  %sum = linalg.generic {indexing_maps = [#x3, #s3], iterator_types = ["parallel", "parallel", "reduction"]} ins(%x : tensor<?x64x128xf32>) outs(%init : tensor<?x64xf32>) {
  ^bb0(%a: f32, %o: f32):
    %r = arith.addf %a, %o : f32
    linalg.yield %r : f32
  } -> tensor<?x64xf32>
  %other = linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%sum : tensor<?x64xf32>) outs(%es : tensor<?x64xf32>) {
  ^bb0(%a: f32, %o: f32):
    %r = arith.mulf %a, %a : f32
    linalg.yield %r : f32
  } -> tensor<?x64xf32>
  %ey = tensor.empty(%n) : tensor<?x64x128xf32>
  %y = linalg.generic {indexing_maps = [#x3, #s3, #x3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%x, %sum : tensor<?x64x128xf32>, tensor<?x64xf32>) outs(%ey : tensor<?x64x128xf32>) {
  ^bb0(%a: f32, %s: f32, %o: f32):
    %r = arith.subf %a, %s : f32
    linalg.yield %r : f32
  } -> tensor<?x64x128xf32>
  return %y, %other : tensor<?x64x128xf32>, tensor<?x64xf32>
}
