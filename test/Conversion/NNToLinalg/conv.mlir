// conv2d and its gradients lowered by nnc-convert-nn-to-linalg
// (Conv.cpp, ConvMatmul.cpp, GradConv.cpp): an ungrouped conv2d is im2col
// (one 2-D gathering generic, [N*OH*OW, C*KH*KW]), the weight read as
// [C*KH*KW, F] by another gather, ONE linalg.matmul, and a generic back to
// NCHW whose input map linearizes (n, oh, ow) and which adds the bias. A
// padded input goes through padSpatial first; a grouped conv keeps
// linalg.conv_2d_ngchw_gfchw. The weight gradient is one matmul of dy read
// as [F, N*OH*OW] with the im2col; the input gradient one matmul of dy as
// [N*OH*OW, F] with w as [F, C*KH*KW], then col2im. The pooling gradients
// are one generic reducing over the window taps.
// RUN: nnc-opt %s --nnc-convert-nn-to-linalg -split-input-file | FileCheck %s

// CHECK-DAG: #[[ID2:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[TAPS:.*]] = affine_map<(d0, d1, d2, d3) -> (d1, d2, d3)>
// CHECK-DAG: #[[COLMAP:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1 * 9 + d2 * 3 + d3)>
// CHECK-DAG: #[[LIN:.*]] = affine_map<(d0, d1, d2, d3) -> (d0 * 36 + d2 * 6 + d3, d1)>
// CHECK-DAG: #[[CH:.*]] = affine_map<(d0, d1, d2, d3) -> (d1)>
// CHECK-LABEL: func.func @conv(
// CHECK-SAME: %[[X:[a-z0-9]+]]: tensor<?x3x8x8xf32>, %[[W:[a-z0-9]+]]: tensor<4x3x3x3xf32>, %[[B:[a-z0-9]+]]: tensor<4xf32>
// CHECK-NOT: tensor.pad
// CHECK-NOT: linalg.conv
// im2col: N * 36 rows (6x6 outputs per image), 27 = 3 * 3 * 3 columns,
// written by loops (row, c, kh, kw) through a linearizing output map; an
// unread [C, KH, KW] operand gives the inner loops their ranges.
// CHECK: %[[N:.*]] = tensor.dim %[[X]], %{{.*}} : tensor<?x3x8x8xf32>
// CHECK: %[[ROWS:.*]] = arith.muli %[[N]], %{{.*}} : index
// CHECK: %[[CE:.*]] = tensor.empty(%[[ROWS]]) : tensor<?x27xf32>
// CHECK: %[[COL:.*]] = linalg.generic {indexing_maps = [#[[TAPS]], #[[COLMAP]]], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%{{.*}} : tensor<3x3x3xf32>) outs(%[[CE]] : tensor<?x27xf32>)
// CHECK: tensor.extract %[[X]][
// CHECK: } -> tensor<?x27xf32>
// The weight [F, C, KH, KW] gathered as [C*KH*KW, F]: extract w[col, ...].
// CHECK: %[[WE:.*]] = tensor.empty() : tensor<27x4xf32>
// CHECK: %[[WT:.*]] = linalg.generic {indexing_maps = [#[[ID2]]], {{.*}}} outs(%[[WE]] : tensor<27x4xf32>)
// CHECK-NEXT: ^bb0(%{{.*}}: f32):
// CHECK-NEXT: %[[ROW:.*]] = linalg.index 0 : index
// CHECK-NEXT: %[[F:.*]] = linalg.index 1 : index
// CHECK: tensor.extract %[[W]][%[[F]], %{{.*}}, %{{.*}}, %{{.*}}] : tensor<4x3x3x3xf32>
// CHECK: %[[ACC:.*]] = linalg.fill {{.*}} -> tensor<?x4xf32>
// CHECK: %[[MM:.*]] = linalg.matmul ins(%[[COL]], %[[WT]] : tensor<?x27xf32>, tensor<27x4xf32>) outs(%[[ACC]] : tensor<?x4xf32>)
// CHECK-NOT: linalg.matmul
// CHECK: %[[R:.*]] = linalg.generic {indexing_maps = [#[[LIN]], #[[CH]], #{{.*}}], {{.*}}} ins(%[[MM]], %[[B]] : tensor<?x4xf32>, tensor<4xf32>) outs(%{{.*}} : tensor<?x4x6x6xf32>)
// CHECK-NEXT: ^bb0(%[[P:.*]]: f32, %[[BI:.*]]: f32, %{{.*}}: f32):
// CHECK-NEXT: %[[S:.*]] = arith.addf %[[P]], %[[BI]] : f32
// CHECK-NEXT: linalg.yield %[[S]]
// CHECK: return %[[R]]
func.func @conv(%x: tensor<?x3x8x8xf32>, %w: tensor<4x3x3x3xf32>, %b: tensor<4xf32>) -> tensor<?x4x6x6xf32> {
  %0 = nn.conv2d %x, %w, %b : (tensor<?x3x8x8xf32>, tensor<4x3x3x3xf32>, tensor<4xf32>) -> tensor<?x4x6x6xf32>
  return %0 : tensor<?x4x6x6xf32>
}

// -----

// Padding 1 and stride 2: padSpatial makes a [?, 3, 10, 10] copy (a
// bounds-checked gather, not tensor.pad), im2col reads it at oh * 2 + kh.
// CHECK-DAG: #[[LIN16:map[0-9]*]] = affine_map<(d0, d1, d2, d3) -> (d0 * 16 + d2 * 4 + d3, d1)>
// CHECK-LABEL: func.func @conv_padded(
// CHECK-SAME: %[[X:[a-z0-9]+]]: tensor<?x3x8x8xf32>
// CHECK-NOT: tensor.pad
// CHECK: %[[PE:.*]] = tensor.empty(%{{.*}}) : tensor<?x3x10x10xf32>
// CHECK: %[[PAD:.*]] = linalg.generic {{.*}} outs(%[[PE]] : tensor<?x3x10x10xf32>)
// CHECK: arith.cmpi sge
// CHECK: arith.cmpi slt
// CHECK: %[[V:.*]] = tensor.extract %[[X]][
// CHECK: arith.select %{{.*}}, %[[V]], %{{.*}} : f32
// CHECK: %[[COL:.*]] = linalg.generic {{.*}} outs(%{{.*}} : tensor<?x27xf32>)
// CHECK: %[[POS:.*]] = arith.remui %{{.*}}, %{{.*}} : index
// CHECK-NEXT: %{{.*}} = arith.constant 4 : index
// CHECK-NEXT: %[[OH:.*]] = arith.divui %[[POS]], %{{.*}} : index
// CHECK: %[[TWO:.*]] = arith.constant 2 : index
// CHECK-NEXT: arith.muli %[[OH]], %[[TWO]] : index
// CHECK: tensor.extract %[[PAD]][
// CHECK: linalg.matmul ins(%[[COL]], %{{.*}} : tensor<?x27xf32>, tensor<27x4xf32>)
// No bias: the generic back to NCHW only copies.
// CHECK: linalg.generic {indexing_maps = [#[[LIN16]], #{{.*}}], {{.*}}} ins(%{{.*}} : tensor<?x4xf32>) outs(%{{.*}} : tensor<?x4x4x4xf32>)
// CHECK-NEXT: ^bb0(%[[P:.*]]: f32, %{{.*}}: f32):
// CHECK-NEXT: linalg.yield %[[P]]
func.func @conv_padded(%x: tensor<?x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) -> tensor<?x4x4x4xf32> {
  %0 = nn.conv2d %x, %w {padding = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>} : (tensor<?x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<?x4x4x4xf32>
  return %0 : tensor<?x4x4x4xf32>
}

// -----

// groups = 2: the bias broadcast into the init, channels split by
// expand_shape, linalg.conv_2d_ngchw_gfchw, groups collapsed back.
// CHECK-LABEL: func.func @conv_grouped(
// CHECK-SAME: %[[X:[a-z0-9]+]]: tensor<?x4x8x8xf32>, %[[W:[a-z0-9]+]]: tensor<6x2x3x3xf32>, %[[B:[a-z0-9]+]]: tensor<6xf32>
// CHECK-NOT: linalg.matmul
// CHECK: %[[INIT:.*]] = linalg.generic {{.*}} ins(%[[B]] : tensor<6xf32>) outs(%{{.*}} : tensor<?x6x6x6xf32>)
// CHECK: %[[GX:.*]] = tensor.expand_shape %[[X]] {{\[\[}}0], [1, 2], [3], [4]] {{.*}} into tensor<?x2x2x8x8xf32>
// CHECK: %[[GW:.*]] = tensor.expand_shape %[[W]] {{\[\[}}0, 1], [2], [3], [4]] {{.*}} into tensor<2x3x2x3x3xf32>
// CHECK: %[[GI:.*]] = tensor.expand_shape %[[INIT]] {{.*}} into tensor<?x2x3x6x6xf32>
// CHECK: %[[C:.*]] = linalg.conv_2d_ngchw_gfchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%[[GX]], %[[GW]] : {{.*}}) outs(%[[GI]] : tensor<?x2x3x6x6xf32>)
// CHECK: %[[R:.*]] = tensor.collapse_shape %[[C]] {{\[\[}}0], [1, 2], [3], [4]] : tensor<?x2x3x6x6xf32> into tensor<?x6x6x6xf32>
// CHECK: return %[[R]]
func.func @conv_grouped(%x: tensor<?x4x8x8xf32>, %w: tensor<6x2x3x3xf32>, %b: tensor<6xf32>) -> tensor<?x6x6x6xf32> {
  %0 = nn.conv2d %x, %w, %b {groups = 2 : i64} : (tensor<?x4x8x8xf32>, tensor<6x2x3x3xf32>, tensor<6xf32>) -> tensor<?x6x6x6xf32>
  return %0 : tensor<?x6x6x6xf32>
}

// -----

// dx = col2im(dy as [N*OH*OW, F] x w as [F, C*KH*KW]): one matmul, then a
// gather over (n, c, h, w | kh, kw) summing the taps that read each cell.
// CHECK-LABEL: func.func @conv_backward_input(
// CHECK-SAME: %[[DY:[a-z0-9]+]]: tensor<?x4x6x6xf32>, %[[X:[a-z0-9]+]]: tensor<?x3x6x6xf32>, %[[W:[a-z0-9]+]]: tensor<4x3x3x3xf32>
// CHECK: %[[DR:.*]] = linalg.generic {{.*}} outs(%{{.*}} : tensor<?x4xf32>)
// CHECK: tensor.extract %[[DY]][
// CHECK: %[[W2:.*]] = linalg.generic {{.*}} outs(%{{.*}} : tensor<4x27xf32>)
// CHECK: tensor.extract %[[W]][
// CHECK: %[[DCOL:.*]] = linalg.matmul ins(%[[DR]], %[[W2]] : tensor<?x4xf32>, tensor<4x27xf32>)
// CHECK-NOT: linalg.matmul
// CHECK: %[[R:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction"]{{.*}} outs(%{{.*}} : tensor<?x3x6x6xf32>)
// CHECK: tensor.extract %[[DCOL]][
// CHECK: arith.select
// CHECK: arith.addf
// CHECK: return %[[R]]
func.func @conv_backward_input(%g: tensor<?x4x6x6xf32>, %x: tensor<?x3x6x6xf32>, %w: tensor<4x3x3x3xf32>) -> tensor<?x3x6x6xf32> {
  %0 = nn.conv2d_backward_input %g, %x, %w {padding = array<i64: 1, 1, 1, 1>} : tensor<?x4x6x6xf32>, tensor<?x3x6x6xf32>, tensor<4x3x3x3xf32>
  return %0 : tensor<?x3x6x6xf32>
}

// -----

// dw = dy as [F, N*OH*OW] x im2col(x) [N*OH*OW, C*KH*KW]: one matmul
// reducing over the batch, then [4, 27] read back as [4, 3, 3, 3].
// CHECK-DAG: #[[UNLIN:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1 * 9 + d2 * 3 + d3)>
// CHECK-LABEL: func.func @conv_backward_weight(
// CHECK-SAME: %[[DY:[a-z0-9]+]]: tensor<?x4x2x2xf32>, %[[X:[a-z0-9]+]]: tensor<?x3x5x5xf32>
// CHECK: %[[COL:.*]] = linalg.generic {{.*}} outs(%{{.*}} : tensor<?x27xf32>)
// CHECK: tensor.extract %[[X]][
// CHECK: %[[N:.*]] = tensor.dim %[[DY]], %{{.*}} : tensor<?x4x2x2xf32>
// CHECK: %[[COLS:.*]] = arith.muli %[[N]], %{{.*}} : index
// CHECK: %[[DE:.*]] = tensor.empty(%[[COLS]]) : tensor<4x?xf32>
// CHECK: %[[DT:.*]] = linalg.generic {{.*}} outs(%[[DE]] : tensor<4x?xf32>)
// CHECK-NEXT: ^bb0(%{{.*}}: f32):
// CHECK-NEXT: %[[F:.*]] = linalg.index 0 : index
// CHECK: %[[NI:.*]] = arith.divui
// CHECK: tensor.extract %[[DY]][%[[NI]], %[[F]], %{{.*}}, %{{.*}}] : tensor<?x4x2x2xf32>
// CHECK: %[[ACC:.*]] = linalg.fill {{.*}} -> tensor<4x27xf32>
// CHECK: %[[MM:.*]] = linalg.matmul ins(%[[DT]], %[[COL]] : tensor<4x?xf32>, tensor<?x27xf32>) outs(%[[ACC]] : tensor<4x27xf32>)
// CHECK-NOT: linalg.matmul
// CHECK: %[[R:.*]] = linalg.generic {indexing_maps = [#[[UNLIN]], #{{.*}}], {{.*}}} ins(%[[MM]] : tensor<4x27xf32>) outs(%{{.*}} : tensor<4x3x3x3xf32>)
// CHECK: return %[[R]]
func.func @conv_backward_weight(%g: tensor<?x4x2x2xf32>, %x: tensor<?x3x5x5xf32>, %w: tensor<4x3x3x3xf32>) -> tensor<4x3x3x3xf32> {
  %0 = nn.conv2d_backward_weight %g, %x, %w {strides = array<i64: 2, 2>} : tensor<?x4x2x2xf32>, tensor<?x3x5x5xf32>, tensor<4x3x3x3xf32>
  return %0 : tensor<4x3x3x3xf32>
}

// -----

// maxpool backward, overlapping 3x3 windows at stride 2: first the tap of
// each window's first maximum (a generic over (n, c, oh, ow | kh, kw)
// carrying the running max and its i32 tap, updated on a strictly greater
// value), then a generic over (n, c, h, w) reducing over the 3x3 taps: cell
// (h, w) takes dy of the window (h - kh) / 2 when that divides, is in range
// AND (kh, kw) is that window's first maximum.
// CHECK-LABEL: func.func @maxpool_backward(
// CHECK-SAME: %[[DY:[a-z0-9]+]]: tensor<?x8x2x2xf32>, %[[X:[a-z0-9]+]]: tensor<?x8x6x6xf32>, %[[Y:[a-z0-9]+]]: tensor<?x8x2x2xf32>
// CHECK: %[[ARG:.*]]:2 = linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction"]} ins(%[[X]], %{{.*}} : tensor<?x8x6x6xf32>, tensor<3x3xf32>) outs(%{{.*}}, %{{.*}} : tensor<?x8x2x2xf32>, tensor<?x8x2x2xi32>)
// CHECK: %[[GT:.*]] = arith.cmpf ogt
// CHECK: arith.select %[[GT]]
// CHECK: arith.select %[[GT]]
// CHECK: %[[TAPS:.*]] = tensor.empty() : tensor<3x3xf32>
// CHECK: %[[Z:.*]] = linalg.fill {{.*}} -> tensor<?x8x6x6xf32>
// CHECK: %[[R:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction"]} ins(%[[X]], %[[TAPS]] : tensor<?x8x6x6xf32>, tensor<3x3xf32>) outs(%[[Z]] : tensor<?x8x6x6xf32>)
// CHECK: arith.remsi
// CHECK: arith.divsi
// CHECK: %[[G:.*]] = tensor.extract %[[DY]][
// CHECK: %[[FIRST:.*]] = tensor.extract %[[ARG]]#1[
// CHECK: %[[FI:.*]] = arith.index_cast %[[FIRST]] : i32 to index
// CHECK: %[[EQ:.*]] = arith.cmpi eq, %[[FI]], %{{.*}} : index
// CHECK: %[[TAKE:.*]] = arith.andi %{{.*}}, %[[EQ]] : i1
// CHECK: %[[V:.*]] = arith.select %[[TAKE]], %[[G]], %{{.*}} : f32
// CHECK: arith.addf %{{.*}}, %[[V]] : f32
// CHECK: return %[[R]]
func.func @maxpool_backward(%g: tensor<?x8x2x2xf32>, %x: tensor<?x8x6x6xf32>, %y: tensor<?x8x2x2xf32>) -> tensor<?x8x6x6xf32> {
  %0 = nn.maxpool2d_backward %g, %x, %y {kernel = array<i64: 3, 3>, strides = array<i64: 2, 2>} : tensor<?x8x2x2xf32>, tensor<?x8x6x6xf32>
  return %0 : tensor<?x8x6x6xf32>
}

// -----

// maxpool backward of windows that tile the image (PoolingTiles.cpp): the
// forward max over the [N, C, 3, 2, 3, 2] view, the first-maximum tap as a
// min over taps of (x == max ? i * 2 + j : 4), then dx of the view selects
// dy where the tap is that one; collapsed back to NCHW.
// CHECK-LABEL: func.func @maxpool_backward_tiles(
// CHECK-SAME: %[[DY:[a-z0-9]+]]: tensor<?x8x3x3xf32>, %[[X:[a-z0-9]+]]: tensor<?x8x6x6xf32>
// CHECK: %[[V:.*]] = tensor.expand_shape %{{.*}} into tensor<?x8x3x2x3x2xf32>
// CHECK: %[[MAX:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "parallel", "reduction", "parallel", "reduction"]} ins(%{{.*}} : tensor<?x8x3x2x3x2xf32>) outs(%{{.*}} : tensor<?x8x3x3xf32>)
// CHECK: arith.maximumf
// CHECK: %[[FIRST:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "parallel", "reduction", "parallel", "reduction"]} ins(%[[V]], %[[MAX]] : tensor<?x8x3x2x3x2xf32>, tensor<?x8x3x3xf32>) outs(%{{.*}} : tensor<?x8x3x3xf32>)
// CHECK: arith.cmpf oeq
// CHECK: arith.select
// CHECK: arith.minimumf
// CHECK: %[[DX:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel", "parallel"]} ins(%[[DY]], %[[FIRST]] : tensor<?x8x3x3xf32>, tensor<?x8x3x3xf32>) outs(%{{.*}} : tensor<?x8x3x2x3x2xf32>)
// CHECK: %[[EQ:.*]] = arith.cmpf oeq
// CHECK: arith.select %[[EQ]]
// CHECK: %[[C1:.*]] = tensor.collapse_shape %[[DX]] {{\[}}[0], [1], [2], [3], [4, 5]]
// CHECK: %[[R:.*]] = tensor.collapse_shape %[[C1]] {{\[}}[0], [1], [2, 3], [4]]
// CHECK: return %[[R]] : tensor<?x8x6x6xf32>
func.func @maxpool_backward_tiles(%g: tensor<?x8x3x3xf32>, %x: tensor<?x8x6x6xf32>, %y: tensor<?x8x3x3xf32>) -> tensor<?x8x6x6xf32> {
  %0 = nn.maxpool2d_backward %g, %x, %y {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>} : tensor<?x8x3x3xf32>, tensor<?x8x6x6xf32>
  return %0 : tensor<?x8x6x6xf32>
}

// -----

// avgpool backward (3x3, stride 1, pad 1): dy of every covering window
// divided by that window's count of real cells (min(h0 + 3, 6) - max(h0, 0)
// per axis), not by 9.
// CHECK-LABEL: func.func @avgpool_backward(
// CHECK-SAME: %[[DY:[a-z0-9]+]]: tensor<?x8x6x6xf32>, %[[X:[a-z0-9]+]]: tensor<?x8x6x6xf32>
// CHECK: %[[R:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction"]} ins(%[[X]], %{{.*}} : tensor<?x8x6x6xf32>, tensor<3x3xf32>)
// CHECK-NEXT: ^bb0(%{{.*}}: f32, %{{.*}}: f32, %[[ACC:.*]]: f32):
// CHECK: %[[G:.*]] = tensor.extract %[[DY]][
// CHECK: %[[LO:.*]] = arith.maxsi
// CHECK: %[[HI:.*]] = arith.minsi
// CHECK: %[[CH:.*]] = arith.subi %[[HI]], %[[LO]] : index
// CHECK: %[[LO2:.*]] = arith.maxsi
// CHECK: %[[HI2:.*]] = arith.minsi
// CHECK: %[[CW:.*]] = arith.subi %[[HI2]], %[[LO2]] : index
// CHECK: %[[CNT:.*]] = arith.muli %[[CH]], %[[CW]] : index
// CHECK: %[[CI:.*]] = arith.index_cast %[[CNT]] : index to i64
// CHECK: %[[CF:.*]] = arith.sitofp %[[CI]] : i64 to f32
// CHECK: %[[Q:.*]] = arith.divf %[[G]], %[[CF]] : f32
// CHECK: %[[V:.*]] = arith.select %{{.*}}, %[[Q]], %{{.*}} : f32
// CHECK: %[[S:.*]] = arith.addf %[[ACC]], %[[V]] : f32
// CHECK: linalg.yield %[[S]]
// CHECK: return %[[R]]
func.func @avgpool_backward(%g: tensor<?x8x6x6xf32>, %x: tensor<?x8x6x6xf32>) -> tensor<?x8x6x6xf32> {
  %0 = nn.avgpool2d_backward %g, %x {kernel = array<i64: 3, 3>, strides = array<i64: 1, 1>, padding = array<i64: 1, 1, 1, 1>} : tensor<?x8x6x6xf32>, tensor<?x8x6x6xf32>
  return %0 : tensor<?x8x6x6xf32>
}
