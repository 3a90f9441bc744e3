// One case per verifier and type-inference error of the nn dialect; each
// message names the op and says what was expected and what was found.
// When the verifier re-runs an inference that fails, MLIR adds its own
// "failed to infer returned types" after the message.
// RUN: nnc-opt %s -split-input-file -verify-diagnostics

func.func @relu_i32(%x: tensor<?x3xi32>) {
  // expected-error @+1 {{'nn.relu' op expects input f32[...], got i32[N, 3]}}
  %0 = nn.relu %x : tensor<?x3xi32>
  return
}

// -----

func.func @clip_no_bound(%x: tensor<?x3xf32>) {
  // expected-error @+1 {{'nn.clip' op expects a min, a max or both}}
  %0 = nn.clip %x : tensor<?x3xf32>
  return
}

// -----

func.func @maximum_nobcast(%a: tensor<?x3xf32>, %b: tensor<4xf32>) {
  // expected-error @+2 {{'nn.maximum' op expects operands that broadcast (aligned on the right, each pair of dims equal or one of them 1), got f32[N, 3] and f32[4]}}
  // expected-error @+1 {{'nn.maximum' op failed to infer returned types}}
  %0 = nn.maximum %a, %b : (tensor<?x3xf32>, tensor<4xf32>) -> tensor<?x3xf32>
  return
}

// -----

func.func @add_nobcast(%a: tensor<?x3xf32>, %b: tensor<4xf32>) {
  // expected-error @+2 {{'nn.add' op expects operands that broadcast (aligned on the right, each pair of dims equal or one of them 1), got f32[N, 3] and f32[4]}}
  // expected-error @+1 {{'nn.add' op failed to infer returned types}}
  %0 = nn.add %a, %b : (tensor<?x3xf32>, tensor<4xf32>) -> tensor<?x3xf32>
  return
}

// -----

// The batch dim of %b would meet the static 4 of %a (read as 4 rows).
func.func @add_batch_misaligned(%a: tensor<?x4x5xf32>, %b: tensor<?x5xf32>) {
  // expected-error @+2 {{'nn.add' op expects operands whose batch dims meet the batch dim or 1 (aligned on the right), got f32[N, 4, 5] and f32[N, 5]}}
  // expected-error @+1 {{'nn.add' op failed to infer returned types}}
  %0 = nn.add %a, %b : (tensor<?x4x5xf32>, tensor<?x5xf32>) -> tensor<?x4x5xf32>
  return
}

// -----

func.func @add_wrong_result(%a: tensor<?x3xf32>, %b: tensor<3xf32>) {
  // expected-error @+2 {{'nn.add' op inferred type(s) 'tensor<?x3xf32>' are incompatible with return type(s) of operation 'tensor<?x4xf32>'}}
  // expected-error @+1 {{'nn.add' op failed to infer returned types}}
  %0 = nn.add %a, %b : (tensor<?x3xf32>, tensor<3xf32>) -> tensor<?x4xf32>
  return
}

// -----

func.func @dropout_p(%x: tensor<?x3xf32>, %s: tensor<i64>) {
  // expected-error @+2 {{'nn.dropout' op expects p in [0, 1), got 1.000000e+00}}
  // expected-error @+1 {{'nn.dropout' op failed to infer returned types}}
  %0 = nn.dropout %x, %s {p = 1.0 : f32, training = true} : tensor<?x3xf32>
  return
}

// -----

func.func @softmax_axis(%x: tensor<?x3xf32>) {
  // expected-error @+2 {{'nn.softmax' op expects axis in [0, 2) for f32[N, 3], got 2}}
  // expected-error @+1 {{'nn.softmax' op failed to infer returned types}}
  %0 = nn.softmax %x {axis = 2 : i64} : (tensor<?x3xf32>) -> tensor<?x3xf32>
  return
}

// -----

func.func @flatten_rank(%x: tensor<?xf32>) {
  // expected-error @+2 {{'nn.flatten' op expects a rank >= 2 input f32[N, ...], got f32[N]}}
  // expected-error @+1 {{'nn.flatten' op failed to infer returned types}}
  %0 = nn.flatten %x : (tensor<?xf32>) -> tensor<?x1xf32>
  return
}

// -----

func.func @flatten_dyn(%x: tensor<?x?x3xf32>) {
  // expected-error @+2 {{'nn.flatten' op expects static dimensions after the batch, got f32[N, N, 3]}}
  // expected-error @+1 {{'nn.flatten' op failed to infer returned types}}
  %0 = nn.flatten %x : (tensor<?x?x3xf32>) -> tensor<?x3xf32>
  return
}

// -----

func.func @reshape_entries(%x: tensor<?x784xf32>) {
  // expected-error @+2 {{'nn.reshape' op expects shape of sizes >= 1 and at most one -1 (the batch dim), got [-1, -1, 28]}}
  // expected-error @+1 {{'nn.reshape' op failed to infer returned types}}
  %0 = nn.reshape %x {shape = array<i64: -1, -1, 28>} : (tensor<?x784xf32>) -> tensor<?x?x28xf32>
  return
}

// -----

func.func @reshape_product(%x: tensor<?x784xf32>) {
  // expected-error @+2 {{'nn.reshape' op cannot reshape f32[N, 784] to [-1, 28, 27]: the static sizes must have equal products, with -1 standing for the batch dim}}
  // expected-error @+1 {{'nn.reshape' op failed to infer returned types}}
  %0 = nn.reshape %x {shape = array<i64: -1, 28, 27>} : (tensor<?x784xf32>) -> tensor<?x28x27xf32>
  return
}

// -----

func.func @transpose_perm(%x: tensor<?x4x8xf32>) {
  // expected-error @+2 {{'nn.transpose' op expects perm to be a permutation of [0, 3) for f32[N, 4, 8], got [0, 0, 1]}}
  // expected-error @+1 {{'nn.transpose' op failed to infer returned types}}
  %0 = nn.transpose %x {perm = array<i64: 0, 0, 1>} : (tensor<?x4x8xf32>) -> tensor<?x?x4xf32>
  return
}

// -----

func.func @concat_none() {
  // expected-error @+2 {{'nn.concat' op expects at least one input, got none}}
  // expected-error @+1 {{'nn.concat' op failed to infer returned types}}
  %0 = nn.concat {axis = 0 : i64} : () -> tensor<3xf32>
  return
}

// -----

func.func @concat_axis(%a: tensor<?x3xf32>) {
  // expected-error @+2 {{'nn.concat' op expects axis in [0, 2) for f32[N, 3], got 2}}
  // expected-error @+1 {{'nn.concat' op failed to infer returned types}}
  %0 = nn.concat %a {axis = 2 : i64} : (tensor<?x3xf32>) -> tensor<?x3xf32>
  return
}

// -----

func.func @concat_dims(%a: tensor<?x3xf32>, %b: tensor<?x3x1xf32>) {
  // expected-error @+2 {{'nn.concat' op expects inputs of the same rank and the same dimensions except axis 1, got f32[N, 3] and f32[N, 3, 1]}}
  // expected-error @+1 {{'nn.concat' op failed to infer returned types}}
  %0 = nn.concat %a, %b {axis = 1 : i64} : (tensor<?x3xf32>, tensor<?x3x1xf32>) -> tensor<?x4xf32>
  return
}

// -----

func.func @slice_range(%x: tensor<?x8xf32>) {
  // expected-error @+2 {{'nn.slice' op expects 0 <= start, 1 <= size and start + size <= [8] (dim 1 of f32[N, 8]), got start = 6, size = 4}}
  // expected-error @+1 {{'nn.slice' op failed to infer returned types}}
  %0 = nn.slice %x {axis = 1 : i64, start = 6 : i64, size = 4 : i64} : (tensor<?x8xf32>) -> tensor<?x4xf32>
  return
}

// -----

func.func @last_rank(%x: tensor<?x8xf32>) {
  // expected-error @+2 {{'nn.last' op expects a rank-3 input f32[N, T, H], got f32[N, 8]}}
  // expected-error @+1 {{'nn.last' op failed to infer returned types}}
  %0 = nn.last %x : (tensor<?x8xf32>) -> tensor<?xf32>
  return
}

// -----

func.func @reduce_axes(%x: tensor<?x8xf32>) {
  // expected-error @+2 {{'nn.reduce_sum' op expects axes to be a non-empty list of distinct dims in [0, 2) for f32[N, 8], got [1, 1]}}
  // expected-error @+1 {{'nn.reduce_sum' op failed to infer returned types}}
  %0 = nn.reduce_sum %x {axes = array<i64: 1, 1>} : (tensor<?x8xf32>) -> tensor<?xf32>
  return
}

// -----

func.func @bcast_shape(%x: tensor<8xf32>) {
  // expected-error @+2 {{'nn.broadcast_to' op expects shape of sizes >= 1, with -1 allowed only first (the batch dim), got [4, -1, 8]}}
  // expected-error @+1 {{'nn.broadcast_to' op failed to infer returned types}}
  %0 = nn.broadcast_to %x {shape = array<i64: 4, -1, 8>} : (tensor<8xf32>) -> tensor<4x?x8xf32>
  return
}

// -----

func.func @bcast_ref(%x: tensor<8xf32>) {
  // expected-error @+2 {{'nn.broadcast_to' op expects a batch_ref operand for shape [-1, 8] (its -1 takes the size of batch_ref's dim 0)}}
  // expected-error @+1 {{'nn.broadcast_to' op failed to infer returned types}}
  %0 = nn.broadcast_to %x {shape = array<i64: -1, 8>} : (tensor<8xf32>) -> tensor<?x8xf32>
  return
}

// -----

func.func @bcast_fit(%x: tensor<3xf32>) {
  // expected-error @+2 {{'nn.broadcast_to' op cannot broadcast f32[3] to [4, 8]: aligned on the right, each input dim must be 1 or equal to the target}}
  // expected-error @+1 {{'nn.broadcast_to' op failed to infer returned types}}
  %0 = nn.broadcast_to %x {shape = array<i64: 4, 8>} : (tensor<3xf32>) -> tensor<4x8xf32>
  return
}

// -----

func.func @fill_dyn() {
  // expected-error @+1 {{'nn.fill' op expects a static result shape, got f32[N, 8]}}
  %0 = nn.fill 1.0 : tensor<?x8xf32>
  return
}

// -----

func.func @dense_rank(%x: tensor<8xf32>, %w: tensor<4x8xf32>) {
  // expected-error @+2 {{'nn.dense' op expects a rank >= 2 input f32[N, K], got f32[8]}}
  // expected-error @+1 {{'nn.dense' op failed to infer returned types}}
  %0 = nn.dense %x, %w : (tensor<8xf32>, tensor<4x8xf32>) -> tensor<4xf32>
  return
}

// -----

func.func @dense_weight(%x: tensor<?x2xf32>, %w: tensor<64x3xf32>) {
  // expected-error @+2 {{'nn.dense' op expects weight of shape [O, K] with K = 2 (the input's last dim), got f32[64, 3]}}
  // expected-error @+1 {{'nn.dense' op failed to infer returned types}}
  %0 = nn.dense %x, %w : (tensor<?x2xf32>, tensor<64x3xf32>) -> tensor<?x64xf32>
  return
}

// -----

func.func @dense_bias(%x: tensor<?x2xf32>, %w: tensor<64x2xf32>, %b: tensor<32xf32>) {
  // expected-error @+2 {{'nn.dense' op expects bias of shape [O] with O = 64 (the weight's first dim), got f32[32]}}
  // expected-error @+1 {{'nn.dense' op failed to infer returned types}}
  %0 = nn.dense %x, %w, %b : (tensor<?x2xf32>, tensor<64x2xf32>, tensor<32xf32>) -> tensor<?x64xf32>
  return
}

// -----

func.func @matmul_rank(%a: tensor<8xf32>, %b: tensor<8x4xf32>) {
  // expected-error @+2 {{'nn.matmul' op expects a rank 2 to 4 lhs f32[B..., M, K], got f32[8]}}
  // expected-error @+1 {{'nn.matmul' op failed to infer returned types}}
  %0 = nn.matmul %a, %b : (tensor<8xf32>, tensor<8x4xf32>) -> tensor<4xf32>
  return
}

// -----

func.func @matmul_batch(%a: tensor<2x3x8xf32>, %b: tensor<5x8x4xf32>) {
  // expected-error @+2 {{'nn.matmul' op expects operands with the same batch dims (or a rank-2 rhs), got f32[2, 3, 8] and f32[5, 8, 4]}}
  // expected-error @+1 {{'nn.matmul' op failed to infer returned types}}
  %0 = nn.matmul %a, %b : (tensor<2x3x8xf32>, tensor<5x8x4xf32>) -> tensor<2x3x4xf32>
  return
}

// -----

func.func @matmul_k(%a: tensor<3x8xf32>, %b: tensor<7x4xf32>) {
  // expected-error @+2 {{'nn.matmul' op expects the contracted dims to match (8 vs 7), got f32[3, 8] and f32[7, 4]}}
  // expected-error @+1 {{'nn.matmul' op failed to infer returned types}}
  %0 = nn.matmul %a, %b : (tensor<3x8xf32>, tensor<7x4xf32>) -> tensor<3x4xf32>
  return
}

// -----

func.func @conv_strides(%x: tensor<?x1x8x8xf32>, %w: tensor<4x1x3x3xf32>) {
  // expected-error @+2 {{'nn.conv2d' op expects strides (h, w) of 2 values >= 1, got [0, 1]}}
  // expected-error @+1 {{'nn.conv2d' op failed to infer returned types}}
  %0 = nn.conv2d %x, %w {strides = array<i64: 0, 1>} : (tensor<?x1x8x8xf32>, tensor<4x1x3x3xf32>) -> tensor<?x4x6x6xf32>
  return
}

// -----

func.func @conv_groups(%x: tensor<?x3x8x8xf32>, %w: tensor<4x1x3x3xf32>) {
  // expected-error @+2 {{'nn.conv2d' op expects groups >= 1 dividing the 3 input channels, got 2}}
  // expected-error @+1 {{'nn.conv2d' op failed to infer returned types}}
  %0 = nn.conv2d %x, %w {groups = 2 : i64} : (tensor<?x3x8x8xf32>, tensor<4x1x3x3xf32>) -> tensor<?x4x6x6xf32>
  return
}

// -----

func.func @conv_weight(%x: tensor<?x3x8x8xf32>, %w: tensor<4x1x3x3xf32>) {
  // expected-error @+2 {{'nn.conv2d' op expects weight of shape [O, C/groups, KH, KW] with C/groups = 3 (input channels / groups), got f32[4, 1, 3, 3]}}
  // expected-error @+1 {{'nn.conv2d' op failed to infer returned types}}
  %0 = nn.conv2d %x, %w : (tensor<?x3x8x8xf32>, tensor<4x1x3x3xf32>) -> tensor<?x4x6x6xf32>
  return
}

// -----

func.func @conv_out_groups(%x: tensor<?x4x8x8xf32>, %w: tensor<3x2x3x3xf32>) {
  // expected-error @+2 {{'nn.conv2d' op expects the 3 output channels to be divisible by groups = 2}}
  // expected-error @+1 {{'nn.conv2d' op failed to infer returned types}}
  %0 = nn.conv2d %x, %w {groups = 2 : i64} : (tensor<?x4x8x8xf32>, tensor<3x2x3x3xf32>) -> tensor<?x3x6x6xf32>
  return
}

// -----

func.func @conv_bias(%x: tensor<?x1x8x8xf32>, %w: tensor<4x1x3x3xf32>, %b: tensor<3xf32>) {
  // expected-error @+2 {{'nn.conv2d' op expects bias of shape [O] with O = 4 (the weight's first dim), got f32[3]}}
  // expected-error @+1 {{'nn.conv2d' op failed to infer returned types}}
  %0 = nn.conv2d %x, %w, %b : (tensor<?x1x8x8xf32>, tensor<4x1x3x3xf32>, tensor<3xf32>) -> tensor<?x4x6x6xf32>
  return
}

// -----

func.func @conv_fit(%x: tensor<?x1x2x8xf32>, %w: tensor<4x1x3x3xf32>) {
  // expected-error @+2 {{'nn.conv2d' op expects the dilated 3-wide kernel to fit H plus padding, got input f32[N, 1, 2, 8] and weight f32[4, 1, 3, 3]}}
  // expected-error @+1 {{'nn.conv2d' op failed to infer returned types}}
  %0 = nn.conv2d %x, %w : (tensor<?x1x2x8xf32>, tensor<4x1x3x3xf32>) -> tensor<?x4x1x6xf32>
  return
}

// -----

func.func @pool_kernel(%x: tensor<?x1x8x8xf32>) {
  // expected-error @+2 {{'nn.maxpool2d' op expects kernel (h, w) of 2 values >= 1, got [2]}}
  // expected-error @+1 {{'nn.maxpool2d' op failed to infer returned types}}
  %0 = nn.maxpool2d %x {kernel = array<i64: 2>, strides = array<i64: 2, 2>} : (tensor<?x1x8x8xf32>) -> tensor<?x1x4x4xf32>
  return
}

// -----

func.func @pool_pad(%x: tensor<?x1x8x8xf32>) {
  // expected-error @+2 {{'nn.avgpool2d' op expects every window to hold a real cell, got padding [2, 0, 0, 0] with kernel [2, 2] on input f32[N, 1, 8, 8]}}
  // expected-error @+1 {{'nn.avgpool2d' op failed to infer returned types}}
  %0 = nn.avgpool2d %x {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>, padding = array<i64: 2, 0, 0, 0>} : (tensor<?x1x8x8xf32>) -> tensor<?x1x5x4xf32>
  return
}

// -----

// A dilated window whose taps straddle the image: (-1, 2) on 2 rows.
func.func @pool_dilated_miss(%x: tensor<?x1x2x8xf32>) {
  // expected-error @+2 {{'nn.maxpool2d' op expects every window to hold a real cell}}
  // expected-error @+1 {{'nn.maxpool2d' op failed to infer returned types}}
  %0 = nn.maxpool2d %x {kernel = array<i64: 2, 2>, strides = array<i64: 1, 1>, padding = array<i64: 1, 0, 1, 0>, dilations = array<i64: 3, 1>} : (tensor<?x1x2x8xf32>) -> tensor<?x1x1x7xf32>
  return
}

// -----

func.func @pool_divisor(%x: tensor<?x1x8x8xf32>) {
  // expected-error @+2 {{'nn.avgpool2d' op expects divisor_padding within padding, got [1, 1, 1, 1] and [1, 1, 0, 0]}}
  // expected-error @+1 {{'nn.avgpool2d' op failed to infer returned types}}
  %0 = nn.avgpool2d %x {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>, padding = array<i64: 1, 1, 0, 0>, divisor_padding = array<i64: 1, 1, 1, 1>} : (tensor<?x1x8x8xf32>) -> tensor<?x1x4x4xf32>
  return
}

// -----

func.func @pool_fit(%x: tensor<?x1x1x8xf32>) {
  // expected-error @+2 {{'nn.maxpool2d' op expects the [2, 2] kernel to fit the input f32[N, 1, 1, 8] plus padding}}
  // expected-error @+1 {{'nn.maxpool2d' op failed to infer returned types}}
  %0 = nn.maxpool2d %x {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>} : (tensor<?x1x1x8xf32>) -> tensor<?x1x1x4xf32>
  return
}

// -----

func.func @bn_rank(%x: tensor<?x4x5xf32>, %g: tensor<4xf32>) {
  // expected-error @+2 {{'nn.batchnorm' op expects a rank-2 or rank-4 input f32[N, C] or f32[N, C, H, W], got f32[N, 4, 5]}}
  // expected-error @+1 {{'nn.batchnorm' op failed to infer returned types}}
  %0 = nn.batchnorm %x, %g, %g, %g, %g : (tensor<?x4x5xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<?x4x5xf32>
  return
}

// -----

func.func @bn_gamma(%x: tensor<?x4xf32>, %g: tensor<4xf32>, %h: tensor<5xf32>) {
  // expected-error @+2 {{'nn.batchnorm' op expects running_mean of shape [C] with C = 4 (the input's dim 1), got f32[5]}}
  // expected-error @+1 {{'nn.batchnorm' op failed to infer returned types}}
  %0 = nn.batchnorm %x, %g, %g, %h, %g : (tensor<?x4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<5xf32>, tensor<4xf32>) -> tensor<?x4xf32>
  return
}

// -----

func.func @replica_sum_dynamic(%x: tensor<?x4xf32>, %r: tensor<i64>) {
  // expected-error @+2 {{'nn.replica_sum' op expects an input of static shape (the same on every replica), got f32[N, 4]}}
  // expected-error @+1 {{'nn.replica_sum' op failed to infer returned types}}
  %0 = nn.replica_sum %x, %r : (tensor<?x4xf32>, tensor<i64>) -> tensor<?x4xf32>
  return
}

// -----

func.func @bn_momentum(%x: tensor<?x4xf32>, %g: tensor<4xf32>) {
  // expected-error @+2 {{'nn.batchnorm_train' op expects momentum in [0, 1], got 1.500000e+00}}
  // expected-error @+1 {{'nn.batchnorm_train' op failed to infer returned types}}
  %0:3 = nn.batchnorm_train %x, %g, %g, %g, %g {momentum = 1.5 : f32} : (tensor<?x4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) -> (tensor<?x4xf32>, tensor<4xf32>, tensor<4xf32>)
  return
}

// -----

func.func @ln_gamma(%x: tensor<?x16x64xf32>, %g: tensor<32xf32>) {
  // expected-error @+2 {{'nn.layernorm' op expects gamma of shape [D] with D = 64 (the input's last dim), got f32[32]}}
  // expected-error @+1 {{'nn.layernorm' op failed to infer returned types}}
  %0 = nn.layernorm %x, %g, %g : (tensor<?x16x64xf32>, tensor<32xf32>, tensor<32xf32>) -> tensor<?x16x64xf32>
  return
}

// -----

func.func @emb_rank(%ids: tensor<i32>, %t: tensor<10x4xf32>) {
  // expected-error @+2 {{'nn.embedding' op expects ids i32[N, T...] of rank >= 1, got i32[]}}
  // expected-error @+1 {{'nn.embedding' op failed to infer returned types}}
  %0 = nn.embedding %ids, %t : (tensor<i32>, tensor<10x4xf32>) -> tensor<4xf32>
  return
}

// -----

func.func @emb_table(%ids: tensor<?xi32>, %t: tensor<10xf32>) {
  // expected-error @+2 {{'nn.embedding' op expects a rank-2 table f32[V, D], got f32[10]}}
  // expected-error @+1 {{'nn.embedding' op failed to infer returned types}}
  %0 = nn.embedding %ids, %t : (tensor<?xi32>, tensor<10xf32>) -> tensor<?xf32>
  return
}

// -----

func.func @pos_odd(%x: tensor<?x16x63xf32>) {
  // expected-error @+1 {{'nn.positional_sinusoidal' op expects a static T and an even D, got f32[N, 16, 63]}}
  %0 = nn.positional_sinusoidal %x : tensor<?x16x63xf32>
  return
}

// -----

func.func @rnn_input(%x: tensor<?x28xf32>, %wi: tensor<32x28xf32>, %wh: tensor<32x32xf32>, %b: tensor<32xf32>) {
  // expected-error @+2 {{'nn.rnn' op expects a rank-3 input f32[N, T, I], got f32[N, 28]}}
  // expected-error @+1 {{'nn.rnn' op failed to infer returned types}}
  %0 = nn.rnn %x, %wi, %wh, %b, %b : (tensor<?x28xf32>, tensor<32x28xf32>, tensor<32x32xf32>, tensor<32xf32>, tensor<32xf32>) -> tensor<?x28x32xf32>
  return
}

// -----

func.func @lstm_gates(%x: tensor<?x28x28xf32>, %wi: tensor<384x28xf32>, %wh: tensor<384x128xf32>, %b: tensor<384xf32>) {
  // expected-error @+2 {{'nn.lstm' op expects w_hh of shape [G*H, H] with G*H = 4*128 (G = 4 gates, H = w_hh's last dim), I = 28 (the input's last dim), got f32[384, 128]}}
  // expected-error @+1 {{'nn.lstm' op failed to infer returned types}}
  %0 = nn.lstm %x, %wi, %wh, %b, %b : (tensor<?x28x28xf32>, tensor<384x28xf32>, tensor<384x128xf32>, tensor<384xf32>, tensor<384xf32>) -> tensor<?x28x128xf32>
  return
}

// -----

func.func @gru_wih(%x: tensor<?x28x28xf32>, %wi: tensor<96x27xf32>, %wh: tensor<96x32xf32>, %b: tensor<96xf32>) {
  // expected-error @+2 {{'nn.gru' op expects w_ih of shape [G*H, I] with G*H = 3*32 (G = 3 gates, H = w_hh's last dim), I = 28 (the input's last dim), got f32[96, 27]}}
  // expected-error @+1 {{'nn.gru' op failed to infer returned types}}
  %0 = nn.gru %x, %wi, %wh, %b, %b : (tensor<?x28x28xf32>, tensor<96x27xf32>, tensor<96x32xf32>, tensor<96xf32>, tensor<96xf32>) -> tensor<?x28x32xf32>
  return
}

// -----

func.func @gru_bias(%x: tensor<?x28x28xf32>, %wi: tensor<96x28xf32>, %wh: tensor<96x32xf32>, %b: tensor<96xf32>, %c: tensor<32xf32>) {
  // expected-error @+2 {{'nn.gru' op expects b_hh of shape [G*H] with G*H = 3*32 (G = 3 gates, H = w_hh's last dim), I = 28 (the input's last dim), got f32[32]}}
  // expected-error @+1 {{'nn.gru' op failed to infer returned types}}
  %0 = nn.gru %x, %wi, %wh, %b, %c : (tensor<?x28x28xf32>, tensor<96x28xf32>, tensor<96x32xf32>, tensor<96xf32>, tensor<32xf32>) -> tensor<?x28x32xf32>
  return
}

// -----

func.func @gru_reset_form(%x: tensor<?x28x28xf32>, %wi: tensor<96x28xf32>, %wh: tensor<96x32xf32>, %b: tensor<96xf32>) {
  // expected-error @+1 {{'nn.gru' op attribute 'linear_before_reset' failed to satisfy constraint: bool attribute}}
  %0 = nn.gru %x, %wi, %wh, %b, %b {linear_before_reset = 0 : i64} : (tensor<?x28x28xf32>, tensor<96x28xf32>, tensor<96x32xf32>, tensor<96xf32>, tensor<96xf32>) -> tensor<?x28x32xf32>
  return
}

// -----

func.func @attn_heads(%x: tensor<?x16x64xf32>, %wi: tensor<192x64xf32>, %bi: tensor<192xf32>, %wo: tensor<64x64xf32>, %bo: tensor<64xf32>) {
  // expected-error @+2 {{'nn.self_attention' op expects heads >= 1 dividing D = 64 (the input's last dim), got 3}}
  // expected-error @+1 {{'nn.self_attention' op failed to infer returned types}}
  %0 = nn.self_attention %x, %wi, %bi, %wo, %bo {heads = 3 : i64} : (tensor<?x16x64xf32>, tensor<192x64xf32>, tensor<192xf32>, tensor<64x64xf32>, tensor<64xf32>) -> tensor<?x16x64xf32>
  return
}

// -----

func.func @attn_proj(%x: tensor<?x16x64xf32>, %wi: tensor<64x64xf32>, %bi: tensor<192xf32>, %wo: tensor<64x64xf32>, %bo: tensor<64xf32>) {
  // expected-error @+2 {{'nn.self_attention' op expects in_proj_weight of shape [3D, D] with D = 64 (the input's last dim), got f32[64, 64]}}
  // expected-error @+1 {{'nn.self_attention' op failed to infer returned types}}
  %0 = nn.self_attention %x, %wi, %bi, %wo, %bo {heads = 4 : i64} : (tensor<?x16x64xf32>, tensor<64x64xf32>, tensor<192xf32>, tensor<64x64xf32>, tensor<64xf32>) -> tensor<?x16x64xf32>
  return
}

// -----

func.func @mse_shapes(%p: tensor<?x3xf32>, %y: tensor<?x1xf32>) {
  // expected-error @+1 {{'nn.mse_loss' op expects input and target of the same shape, got f32[N, 3] and f32[N, 1]}}
  %0 = nn.mse_loss %p, %y : tensor<?x3xf32>, tensor<?x1xf32>
  return
}

// -----

func.func @huber_delta(%p: tensor<?x1xf32>) {
  // expected-error @+2 {{'nn.huber_loss' op expects delta > 0, got 0.000000e+00}}
  // expected-error @+1 {{'nn.huber_loss' op failed to infer returned types}}
  %0 = nn.huber_loss %p, %p {delta = 0.0 : f32} : tensor<?x1xf32>, tensor<?x1xf32>
  return
}

// -----

func.func @ce_target(%l: tensor<?x3xf32>, %y: tensor<?x3xi32>) {
  // expected-error @+1 {{'nn.cross_entropy_loss' op expects target i32[N] (class indices) or f32[N, C] (probabilities) for input f32[N, 3], got i32[N, 3]}}
  %0 = nn.cross_entropy_loss %l, %y : tensor<?x3xf32>, tensor<?x3xi32>
  return
}

// -----

func.func @ce_logits(%l: tensor<?xf32>, %y: tensor<?xi32>) {
  // expected-error @+1 {{'nn.cross_entropy_loss' op expects a rank-2 input f32[N, C], got f32[N]}}
  %0 = nn.cross_entropy_loss %l, %y : tensor<?xf32>, tensor<?xi32>
  return
}

// -----

func.func @perceptron_shape(%s: tensor<?x2xf32>) {
  // expected-error @+1 {{'nn.perceptron_loss' op expects input f32[N] or f32[N, 1] (one score per sample), got f32[N, 2]}}
  %0 = nn.perceptron_loss %s, %s : tensor<?x2xf32>, tensor<?x2xf32>
  return
}

// -----

func.func @penalty_none() {
  // expected-error @+2 {{'nn.l2_penalty' op expects at least one parameter, got none}}
  // expected-error @+1 {{'nn.l2_penalty' op failed to infer returned types}}
  %0 = "nn.l2_penalty"() {weight = 1.0 : f32} : () -> tensor<f32>
  return
}

// -----

func.func @penalty_weight(%w: tensor<4xf32>) {
  // expected-error @+2 {{'nn.l1_penalty' op expects weight >= 0, got -1.000000e+00}}
  // expected-error @+1 {{'nn.l1_penalty' op failed to infer returned types}}
  %0 = nn.l1_penalty %w {weight = -1.0 : f32} : tensor<4xf32>
  return
}

// -----

func.func @bcast_noref(%x: tensor<8xf32>, %r: tensor<?x2xf32>) {
  // expected-error @+2 {{'nn.broadcast_to' op expects no batch_ref operand for shape [4, 8] without -1, got one}}
  // expected-error @+1 {{'nn.broadcast_to' op failed to infer returned types}}
  %0 = nn.broadcast_to %x, %r {shape = array<i64: 4, 8>} : (tensor<8xf32>, tensor<?x2xf32>) -> tensor<4x8xf32>
  return
}

// -----

func.func @bcast_refrank(%x: tensor<8xf32>, %r: tensor<f32>) {
  // expected-error @+2 {{'nn.broadcast_to' op expects a batch_ref of rank >= 1, got f32[]}}
  // expected-error @+1 {{'nn.broadcast_to' op failed to infer returned types}}
  %0 = nn.broadcast_to %x, %r {shape = array<i64: -1, 8>} : (tensor<8xf32>, tensor<f32>) -> tensor<?x8xf32>
  return
}

// -----

func.func @dropout_seed(%x: tensor<?x3xf32>, %s: tensor<i32>) {
  // expected-error @+1 {{'nn.dropout' op operand #1 must be 0D tensor of 64-bit signless integer values, but got 'tensor<i32>'}}
  %0 = "nn.dropout"(%x, %s) {p = 0.5 : f32, training = true} : (tensor<?x3xf32>, tensor<i32>) -> tensor<?x3xf32>
  return
}
