// The folds and canonicalization patterns of nn ops.
// RUN: nnc-opt %s -canonicalize -split-input-file | FileCheck %s

// CHECK-LABEL: func.func @dropout_inference_is_identity
// CHECK-SAME: (%[[X:.*]]: tensor<?x8xf32>, %{{.*}}: tensor<i64>)
// CHECK-NOT: nn.dropout
// CHECK: return %[[X]], %[[X]]
func.func @dropout_inference_is_identity(%x: tensor<?x8xf32>, %seed: tensor<i64>) -> (tensor<?x8xf32>, tensor<?x8xf32>) {
  %0 = nn.dropout %x, %seed {p = 5.000000e-01 : f32, training = false} : tensor<?x8xf32>
  %1 = nn.dropout %x, %seed {p = 0.000000e+00 : f32, training = true} : tensor<?x8xf32>
  return %0, %1 : tensor<?x8xf32>, tensor<?x8xf32>
}

// -----

// CHECK-LABEL: func.func @dropout_training_stays
// CHECK: %[[D:.*]] = nn.dropout
// CHECK: return %[[D]]
func.func @dropout_training_stays(%x: tensor<?x8xf32>, %seed: tensor<i64>) -> tensor<?x8xf32> {
  %0 = nn.dropout %x, %seed {p = 5.000000e-01 : f32, training = true} : tensor<?x8xf32>
  return %0 : tensor<?x8xf32>
}

// -----

// CHECK-LABEL: func.func @scale
// CHECK-SAME: (%[[X:.*]]: tensor<?x8xf32>)
// CHECK: %[[S:.*]] = nn.scale %[[X]] {factor = 2.000000e+00 : f32}
// CHECK-NOT: nn.scale
// CHECK: return %[[X]], %[[S]]
func.func @scale(%x: tensor<?x8xf32>) -> (tensor<?x8xf32>, tensor<?x8xf32>) {
  %0 = nn.scale %x {factor = 1.000000e+00 : f32} : tensor<?x8xf32>
  %1 = nn.scale %x {factor = 2.000000e+00 : f32} : tensor<?x8xf32>
  return %0, %1 : tensor<?x8xf32>, tensor<?x8xf32>
}

// -----

// CHECK-LABEL: func.func @reshape
// CHECK-SAME: (%[[X:.*]]: tensor<?x784xf32>)
// CHECK: %[[R:.*]] = nn.reshape %[[X]] {shape = array<i64: -1, 28, 28>}
// CHECK-NOT: nn.reshape
// CHECK: return %[[X]], %[[R]]
func.func @reshape(%x: tensor<?x784xf32>) -> (tensor<?x784xf32>, tensor<?x28x28xf32>) {
  %0 = nn.reshape %x {shape = array<i64: -1, 784>} : (tensor<?x784xf32>) -> tensor<?x784xf32>
  %1 = nn.reshape %x {shape = array<i64: -1, 28, 28>} : (tensor<?x784xf32>) -> tensor<?x28x28xf32>
  return %0, %1 : tensor<?x784xf32>, tensor<?x28x28xf32>
}

// -----

// CHECK-LABEL: func.func @transpose_identity
// CHECK-SAME: (%[[X:.*]]: tensor<?x4x8xf32>)
// CHECK-NOT: nn.transpose
// CHECK: return %[[X]]
func.func @transpose_identity(%x: tensor<?x4x8xf32>) -> tensor<?x4x8xf32> {
  %0 = nn.transpose %x {perm = array<i64: 0, 1, 2>} : (tensor<?x4x8xf32>) -> tensor<?x4x8xf32>
  return %0 : tensor<?x4x8xf32>
}

// -----

// Two transposes compose into one: result dim i is x's dim inner[outer[i]],
// [1, 2, 0] then [1, 0, 2] gives [2, 1, 0].
// CHECK-LABEL: func.func @transpose_compose
// CHECK-SAME: (%[[X:.*]]: tensor<2x3x4xf32>)
// CHECK: %[[T:.*]] = nn.transpose %[[X]] {perm = array<i64: 2, 1, 0>} : (tensor<2x3x4xf32>) -> tensor<4x3x2xf32>
// CHECK-NOT: nn.transpose
// CHECK: return %[[T]]
func.func @transpose_compose(%x: tensor<2x3x4xf32>) -> tensor<4x3x2xf32> {
  %0 = nn.transpose %x {perm = array<i64: 1, 2, 0>} : (tensor<2x3x4xf32>) -> tensor<3x4x2xf32>
  %1 = nn.transpose %0 {perm = array<i64: 1, 0, 2>} : (tensor<3x4x2xf32>) -> tensor<4x3x2xf32>
  return %1 : tensor<4x3x2xf32>
}

// -----

// A transpose and its inverse cancel.
// CHECK-LABEL: func.func @transpose_inverse
// CHECK-SAME: (%[[X:.*]]: tensor<?x16x64xf32>)
// CHECK-NOT: nn.transpose
// CHECK: return %[[X]]
func.func @transpose_inverse(%x: tensor<?x16x64xf32>) -> tensor<?x16x64xf32> {
  %0 = nn.transpose %x {perm = array<i64: 0, 2, 1>} : (tensor<?x16x64xf32>) -> tensor<?x64x16xf32>
  %1 = nn.transpose %0 {perm = array<i64: 0, 2, 1>} : (tensor<?x64x16xf32>) -> tensor<?x16x64xf32>
  return %1 : tensor<?x16x64xf32>
}

// -----

// maxpool(relu(x)) -> relu(maxpool(x)): the relu runs on the pooled tensor.
// CHECK-LABEL: func.func @maxpool_before_relu
// CHECK-SAME: (%[[X:.*]]: tensor<?x4x8x8xf32>)
// CHECK: %[[P:.*]] = nn.maxpool2d %[[X]] {kernel = array<i64: 2, 2>, padding = array<i64: 1, 1, 0, 0>, strides = array<i64: 2, 2>} : (tensor<?x4x8x8xf32>) -> tensor<?x4x4x4xf32>
// CHECK: %[[R:.*]] = nn.relu %[[P]] : tensor<?x4x4x4xf32>
// CHECK: return %[[R]]
func.func @maxpool_before_relu(%x: tensor<?x4x8x8xf32>) -> tensor<?x4x4x4xf32> {
  %0 = nn.relu %x : tensor<?x4x8x8xf32>
  %1 = nn.maxpool2d %0 {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>, padding = array<i64: 1, 1, 0, 0>} : (tensor<?x4x8x8xf32>) -> tensor<?x4x4x4xf32>
  return %1 : tensor<?x4x4x4xf32>
}

// -----

// The relu is also returned: it stays before the pooling.
// CHECK-LABEL: func.func @relu_with_other_use
// CHECK: %[[R:.*]] = nn.relu
// CHECK: %[[P:.*]] = nn.maxpool2d %[[R]]
// CHECK: return %[[R]], %[[P]]
func.func @relu_with_other_use(%x: tensor<?x4x8x8xf32>) -> (tensor<?x4x8x8xf32>, tensor<?x4x4x4xf32>) {
  %0 = nn.relu %x : tensor<?x4x8x8xf32>
  %1 = nn.maxpool2d %0 {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>} : (tensor<?x4x8x8xf32>) -> tensor<?x4x4x4xf32>
  return %0, %1 : tensor<?x4x8x8xf32>, tensor<?x4x4x4xf32>
}

// -----

// The gradients of three slices of one [N, 4, 12] tensor, each padded with
// zeros (broadcast scalar zeros: the batch is dynamic) and summed, are one
// concatenation of the three gradients: the zero pieces are cut at the
// other side's boundaries and add nothing.
// CHECK-LABEL: func.func @sum_of_padded_slices
// CHECK-SAME: (%[[A:.*]]: tensor<?x4x4xf32>, %[[B:.*]]: tensor<?x4x4xf32>, %[[C:.*]]: tensor<?x4x4xf32>)
// CHECK-NOT: nn.add
// CHECK: %[[R:.*]] = nn.concat %[[A]], %[[B]], %[[C]] {axis = 2 : i64}
// CHECK-NOT: nn.add
// CHECK: return %[[R]]
func.func @sum_of_padded_slices(%a: tensor<?x4x4xf32>, %b: tensor<?x4x4xf32>, %c: tensor<?x4x4xf32>) -> tensor<?x4x12xf32> {
  %zero = nn.constant dense<0.000000e+00> : tensor<f32>
  %z8 = nn.broadcast_to %zero, %a {shape = array<i64: -1, 4, 8>} : (tensor<f32>, tensor<?x4x4xf32>) -> tensor<?x4x8xf32>
  %z4 = nn.broadcast_to %zero, %a {shape = array<i64: -1, 4, 4>} : (tensor<f32>, tensor<?x4x4xf32>) -> tensor<?x4x4xf32>
  %pa = nn.concat %a, %z8 {axis = 2 : i64} : (tensor<?x4x4xf32>, tensor<?x4x8xf32>) -> tensor<?x4x12xf32>
  %pb = nn.concat %z4, %b, %z4 {axis = 2 : i64} : (tensor<?x4x4xf32>, tensor<?x4x4xf32>, tensor<?x4x4xf32>) -> tensor<?x4x12xf32>
  %pc = nn.concat %z8, %c {axis = 2 : i64} : (tensor<?x4x8xf32>, tensor<?x4x4xf32>) -> tensor<?x4x12xf32>
  %s = nn.add %pa, %pb : (tensor<?x4x12xf32>, tensor<?x4x12xf32>) -> tensor<?x4x12xf32>
  %t = nn.add %s, %pc : (tensor<?x4x12xf32>, tensor<?x4x12xf32>) -> tensor<?x4x12xf32>
  return %t : tensor<?x4x12xf32>
}

// -----

// Overlapping data keeps its sum: the pieces [0, 4) of both sides add, a
// cut inside a non-zero piece (the [4, 12) of %x) leaves the add alone.
// CHECK-LABEL: func.func @overlaps
// CHECK: %[[S:.*]] = nn.add %{{.*}}, %{{.*}} : (tensor<2x4xf32>, tensor<2x4xf32>) -> tensor<2x4xf32>
// CHECK: nn.concat %[[S]], %{{.*}} {axis = 1 : i64}
// CHECK: nn.add %{{.*}}, %{{.*}} : (tensor<2x12xf32>, tensor<2x12xf32>)
func.func @overlaps(%a: tensor<2x4xf32>, %b: tensor<2x4xf32>, %x: tensor<2x8xf32>) -> (tensor<2x12xf32>, tensor<2x12xf32>) {
  %z8 = nn.fill 0.000000e+00 : tensor<2x8xf32>
  %z4 = nn.fill 0.000000e+00 : tensor<2x4xf32>
  %pa = nn.concat %a, %z8 {axis = 1 : i64} : (tensor<2x4xf32>, tensor<2x8xf32>) -> tensor<2x12xf32>
  %pb = nn.concat %b, %z8 {axis = 1 : i64} : (tensor<2x4xf32>, tensor<2x8xf32>) -> tensor<2x12xf32>
  %s = nn.add %pa, %pb : (tensor<2x12xf32>, tensor<2x12xf32>) -> tensor<2x12xf32>
  %px = nn.concat %z4, %x {axis = 1 : i64} : (tensor<2x4xf32>, tensor<2x8xf32>) -> tensor<2x12xf32>
  %py = nn.concat %z4, %z4, %a {axis = 1 : i64} : (tensor<2x4xf32>, tensor<2x4xf32>, tensor<2x4xf32>) -> tensor<2x12xf32>
  %t = nn.add %px, %py : (tensor<2x12xf32>, tensor<2x12xf32>) -> tensor<2x12xf32>
  return %s, %t : tensor<2x12xf32>, tensor<2x12xf32>
}

// -----

// Inference batchnorm of a single-use conv2d folds into the convolution:
// weights times gamma / sqrt(var + eps) per output channel (reshaped to
// [C, 1, 1, 1]), bias (b - mean) * scale + beta.
// CHECK-LABEL: func.func @batchnorm_into_conv
// CHECK-SAME: (%[[X:.*]]: tensor<?x1x8x8xf32>, %[[W:.*]]: tensor<4x1x3x3xf32>, %[[B:.*]]: tensor<4xf32>, %[[G:.*]]: tensor<4xf32>, %[[BE:.*]]: tensor<4xf32>, %[[M:.*]]: tensor<4xf32>, %[[V:.*]]: tensor<4xf32>)
// CHECK: %[[EPS:.*]] = nn.constant dense<1.000000e-03> : tensor<4xf32>
// CHECK: %[[VE:.*]] = nn.add %[[V]], %[[EPS]]
// CHECK: %[[SD:.*]] = nn.sqrt %[[VE]]
// CHECK: %[[S:.*]] = nn.div %[[G]], %[[SD]]
// CHECK: %[[COL:.*]] = nn.reshape %[[S]] {shape = array<i64: 4, 1, 1, 1>}
// CHECK: %[[W2:.*]] = nn.mul %[[W]], %[[COL]]
// CHECK: %[[C:.*]] = nn.sub %[[B]], %[[M]]
// CHECK: %[[CS:.*]] = nn.mul %[[C]], %[[S]]
// CHECK: %[[B2:.*]] = nn.add %[[CS]], %[[BE]]
// CHECK: %[[Y:.*]] = nn.conv2d %[[X]], %[[W2]], %[[B2]]
// CHECK-NOT: nn.batchnorm
// CHECK: return %[[Y]]
func.func @batchnorm_into_conv(%x: tensor<?x1x8x8xf32>, %w: tensor<4x1x3x3xf32>, %b: tensor<4xf32>, %g: tensor<4xf32>, %be: tensor<4xf32>, %m: tensor<4xf32>, %v: tensor<4xf32>) -> tensor<?x4x6x6xf32> {
  %c = nn.conv2d %x, %w, %b : (tensor<?x1x8x8xf32>, tensor<4x1x3x3xf32>, tensor<4xf32>) -> tensor<?x4x6x6xf32>
  %y = nn.batchnorm %c, %g, %be, %m, %v {eps = 1.000000e-03 : f32} : (tensor<?x4x6x6xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<?x4x6x6xf32>
  return %y : tensor<?x4x6x6xf32>
}

// -----

// A conv2d read by something else too keeps its batchnorm.
// CHECK-LABEL: func.func @batchnorm_of_shared_conv
// CHECK: nn.conv2d
// CHECK: nn.batchnorm
func.func @batchnorm_of_shared_conv(%x: tensor<?x1x8x8xf32>, %w: tensor<4x1x3x3xf32>, %g: tensor<4xf32>, %be: tensor<4xf32>, %m: tensor<4xf32>, %v: tensor<4xf32>) -> (tensor<?x4x6x6xf32>, tensor<?x4x6x6xf32>) {
  %c = nn.conv2d %x, %w : (tensor<?x1x8x8xf32>, tensor<4x1x3x3xf32>) -> tensor<?x4x6x6xf32>
  %y = nn.batchnorm %c, %g, %be, %m, %v : (tensor<?x4x6x6xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<?x4x6x6xf32>
  return %y, %c : tensor<?x4x6x6xf32>, tensor<?x4x6x6xf32>
}

// -----

// gelu_backward of a gelu's input: the forward gelu becomes gelu_with_slope
// (same form) and the gradient a product with its slope; a second gradient
// of the same input reuses that slope.
// CHECK-LABEL: func.func @gelu_backward_shares_slope
// CHECK-SAME: (%[[X:.*]]: tensor<?x8xf32>, %[[G:.*]]: tensor<?x8xf32>, %[[H:.*]]: tensor<?x8xf32>)
// CHECK: %[[Y:.*]], %[[S:.*]] = nn.gelu_with_slope %[[X]] {approximate = true} : tensor<?x8xf32>
// CHECK-NOT: nn.gelu_backward
// CHECK: %[[D:.*]] = nn.mul %[[G]], %[[S]]
// CHECK: %[[E:.*]] = nn.mul %[[H]], %[[S]]
// CHECK: return %[[Y]], %[[D]], %[[E]]
func.func @gelu_backward_shares_slope(%x: tensor<?x8xf32>, %g: tensor<?x8xf32>, %h: tensor<?x8xf32>) -> (tensor<?x8xf32>, tensor<?x8xf32>, tensor<?x8xf32>) {
  %y = nn.gelu %x {approximate = true} : tensor<?x8xf32>
  %d = nn.gelu_backward %g, %x {approximate = true} : tensor<?x8xf32>
  %e = nn.gelu_backward %h, %x {approximate = true} : tensor<?x8xf32>
  return %y, %d, %e : tensor<?x8xf32>, tensor<?x8xf32>, tensor<?x8xf32>
}

// -----

// Left alone: a gelu of the other form, and a gradient with no forward gelu
// before it in its block.
// CHECK-LABEL: func.func @gelu_backward_without_forward
// CHECK: nn.gelu %{{.*}} {approximate = true}
// CHECK: nn.gelu_backward
// CHECK-NOT: nn.gelu_with_slope
func.func @gelu_backward_without_forward(%x: tensor<?x8xf32>, %g: tensor<?x8xf32>) -> (tensor<?x8xf32>, tensor<?x8xf32>) {
  %y = nn.gelu %x {approximate = true} : tensor<?x8xf32>
  %d = nn.gelu_backward %g, %x : tensor<?x8xf32>
  return %y, %d : tensor<?x8xf32>, tensor<?x8xf32>
}

// -----

// lstm_backward of a forward lstm's result: the forward becomes
// lstm_with_gates and the backward reads its gate pre-activations and cell
// states [N, T, 5H] instead of recomputing both projections and rescanning
// the cells.
// CHECK-LABEL: func.func @lstm_backward_reads_stored_gates
// CHECK-SAME: (%[[X:[a-z0-9]+]]: tensor<?x5x3xf32>, %[[WI:[a-z0-9]+]]: tensor<16x3xf32>, %[[WH:[a-z0-9]+]]: tensor<16x4xf32>, %[[B:[a-z0-9]+]]: tensor<16xf32>, %[[G:[a-z0-9]+]]: tensor<?x5x4xf32>)
// CHECK: %[[H:.*]], %[[A:.*]] = nn.lstm_with_gates %[[X]], %[[WI]], %[[WH]], %[[B]], %[[B]] : (tensor<?x5x3xf32>, tensor<16x3xf32>, tensor<16x4xf32>, tensor<16xf32>, tensor<16xf32>) -> (tensor<?x5x4xf32>, tensor<?x5x20xf32>)
// CHECK-NOT: nn.lstm %
// CHECK: nn.lstm_backward %[[G]], %[[X]], %[[H]], %[[WI]], %[[WH]], %[[B]], %[[B]] preactivations %[[A]] : tensor<?x5x20xf32> : tensor<?x5x4xf32>, tensor<?x5x3xf32>, tensor<16x3xf32>, tensor<16x4xf32>, tensor<16xf32>
// CHECK: return %[[H]]
func.func @lstm_backward_reads_stored_gates(%x: tensor<?x5x3xf32>, %wi: tensor<16x3xf32>, %wh: tensor<16x4xf32>, %b: tensor<16xf32>, %g: tensor<?x5x4xf32>) -> (tensor<?x5x4xf32>, tensor<16x4xf32>) {
  %h = nn.lstm %x, %wi, %wh, %b, %b : (tensor<?x5x3xf32>, tensor<16x3xf32>, tensor<16x4xf32>, tensor<16xf32>, tensor<16xf32>) -> tensor<?x5x4xf32>
  %d:5 = nn.lstm_backward %g, %x, %h, %wi, %wh, %b, %b : tensor<?x5x4xf32>, tensor<?x5x3xf32>, tensor<16x3xf32>, tensor<16x4xf32>, tensor<16xf32>
  return %h, %d#2 : tensor<?x5x4xf32>, tensor<16x4xf32>
}

// -----

// gru_backward of a forward gru's result: the forward becomes gru_with_gates
// (keeping linear_before_reset) and the backward reads [N, T, 4H]: the r and
// z sums and n's input and hidden terms.
// CHECK-LABEL: func.func @gru_backward_reads_stored_gates
// CHECK-SAME: (%[[X:[a-z0-9]+]]: tensor<?x5x3xf32>, %[[WI:[a-z0-9]+]]: tensor<12x3xf32>, %[[WH:[a-z0-9]+]]: tensor<12x4xf32>, %[[B:[a-z0-9]+]]: tensor<12xf32>, %[[G:[a-z0-9]+]]: tensor<?x5x4xf32>)
// CHECK: %[[H:.*]], %[[A:.*]] = nn.gru_with_gates %[[X]], %[[WI]], %[[WH]], %[[B]], %[[B]] {linear_before_reset = false} : (tensor<?x5x3xf32>, tensor<12x3xf32>, tensor<12x4xf32>, tensor<12xf32>, tensor<12xf32>) -> (tensor<?x5x4xf32>, tensor<?x5x16xf32>)
// CHECK-NOT: nn.gru %
// CHECK: nn.gru_backward %[[G]], %[[X]], %[[H]], %[[WI]], %[[WH]], %[[B]], %[[B]] preactivations %[[A]] : tensor<?x5x16xf32> {linear_before_reset = false} : tensor<?x5x4xf32>, tensor<?x5x3xf32>, tensor<12x3xf32>, tensor<12x4xf32>, tensor<12xf32>
// CHECK: return %[[H]]
func.func @gru_backward_reads_stored_gates(%x: tensor<?x5x3xf32>, %wi: tensor<12x3xf32>, %wh: tensor<12x4xf32>, %b: tensor<12xf32>, %g: tensor<?x5x4xf32>) -> (tensor<?x5x4xf32>, tensor<12x4xf32>) {
  %h = nn.gru %x, %wi, %wh, %b, %b {linear_before_reset = false} : (tensor<?x5x3xf32>, tensor<12x3xf32>, tensor<12x4xf32>, tensor<12xf32>, tensor<12xf32>) -> tensor<?x5x4xf32>
  %d:5 = nn.gru_backward %g, %x, %h, %wi, %wh, %b, %b {linear_before_reset = false} : tensor<?x5x4xf32>, tensor<?x5x3xf32>, tensor<12x3xf32>, tensor<12x4xf32>, tensor<12xf32>
  return %h, %d#2 : tensor<?x5x4xf32>, tensor<12x4xf32>
}

// -----

// Left alone: a gru_backward whose linear_before_reset differs from the
// forward's (it would differentiate another cell).
// CHECK-LABEL: func.func @gru_backward_other_reset
// CHECK: nn.gru %
// CHECK-NOT: nn.gru_with_gates
// CHECK-NOT: preactivations
func.func @gru_backward_other_reset(%x: tensor<?x5x3xf32>, %wi: tensor<12x3xf32>, %wh: tensor<12x4xf32>, %b: tensor<12xf32>, %g: tensor<?x5x4xf32>) -> tensor<12x4xf32> {
  %h = nn.gru %x, %wi, %wh, %b, %b : (tensor<?x5x3xf32>, tensor<12x3xf32>, tensor<12x4xf32>, tensor<12xf32>, tensor<12xf32>) -> tensor<?x5x4xf32>
  %d:5 = nn.gru_backward %g, %x, %h, %wi, %wh, %b, %b {linear_before_reset = false} : tensor<?x5x4xf32>, tensor<?x5x3xf32>, tensor<12x3xf32>, tensor<12x4xf32>, tensor<12xf32>
  return %d#2 : tensor<12x4xf32>
}

// -----

// Left alone: a backward whose hidden states are not the forward lstm's of
// the same operands (here another input).
// CHECK-LABEL: func.func @lstm_backward_other_forward
// CHECK: nn.lstm %
// CHECK-NOT: nn.lstm_with_gates
// CHECK-NOT: preactivations
func.func @lstm_backward_other_forward(%x: tensor<?x5x3xf32>, %y: tensor<?x5x3xf32>, %wi: tensor<16x3xf32>, %wh: tensor<16x4xf32>, %b: tensor<16xf32>, %g: tensor<?x5x4xf32>) -> tensor<16x4xf32> {
  %h = nn.lstm %x, %wi, %wh, %b, %b : (tensor<?x5x3xf32>, tensor<16x3xf32>, tensor<16x4xf32>, tensor<16xf32>, tensor<16xf32>) -> tensor<?x5x4xf32>
  %d:5 = nn.lstm_backward %g, %y, %h, %wi, %wh, %b, %b : tensor<?x5x4xf32>, tensor<?x5x3xf32>, tensor<16x3xf32>, tensor<16x4xf32>, tensor<16xf32>
  return %d#2 : tensor<16x4xf32>
}
