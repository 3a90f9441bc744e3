// Round trip of every nn op through the custom and the generic syntax; the
// result types written here are checked against type inference on parsing.
// RUN: nnc-opt %s | nnc-opt | FileCheck %s
// RUN: nnc-opt %s --mlir-print-op-generic | nnc-opt | FileCheck %s

// CHECK-LABEL: func.func @activations
func.func @activations(%x: tensor<?x64xf32>, %seed: tensor<i64>) -> tensor<?x64xf32> {
  // CHECK: %[[A:.*]] = nn.relu %{{.*}} : tensor<?x64xf32>
  %0 = nn.relu %x : tensor<?x64xf32>
  // CHECK: %[[B:.*]] = nn.leaky_relu %[[A]] {alpha = 2.000000e-01 : f32} : tensor<?x64xf32>
  %1 = nn.leaky_relu %0 {alpha = 2.000000e-01 : f32} : tensor<?x64xf32>
  // CHECK: nn.elu %[[B]] {alpha = 5.000000e-01 : f32} : tensor<?x64xf32>
  %2 = nn.elu %1 {alpha = 5.000000e-01 : f32} : tensor<?x64xf32>
  // CHECK: nn.gelu %{{.*}} : tensor<?x64xf32>
  %3 = nn.gelu %2 : tensor<?x64xf32>
  // CHECK: nn.gelu %{{.*}} {approximate = true} : tensor<?x64xf32>
  %4 = nn.gelu %3 {approximate = true} : tensor<?x64xf32>
  // CHECK: nn.sigmoid
  %5 = nn.sigmoid %4 : tensor<?x64xf32>
  // CHECK: nn.tanh
  %6 = nn.tanh %5 : tensor<?x64xf32>
  // CHECK: nn.step
  %7 = nn.step %6 : tensor<?x64xf32>
  // CHECK: nn.exp
  %8 = nn.exp %7 : tensor<?x64xf32>
  // CHECK: nn.log
  %9 = nn.log %8 : tensor<?x64xf32>
  // CHECK: nn.neg
  %10 = nn.neg %9 : tensor<?x64xf32>
  // CHECK: nn.sqrt
  %11 = nn.sqrt %10 : tensor<?x64xf32>
  // CHECK: nn.abs
  %abs = nn.abs %11 : tensor<?x64xf32>
  // CHECK: nn.scale %{{.*}} {factor = 2.500000e-01 : f32} : tensor<?x64xf32>
  %12 = nn.scale %11 {factor = 2.500000e-01 : f32} : tensor<?x64xf32>
  // CHECK: nn.dropout %{{.*}}, %{{.*}} {p = 5.000000e-01 : f32, training = true} : tensor<?x64xf32>
  %13 = nn.dropout %12, %seed {p = 5.000000e-01 : f32, training = true} : tensor<?x64xf32>
  // CHECK: nn.dropout %{{.*}}, %{{.*}} rows %{{.*}} {p = 5.000000e-01 : f32, training = true} : tensor<?x64xf32>
  %rows_dropout = nn.dropout %12, %seed rows %seed {p = 5.000000e-01 : f32, training = true} : tensor<?x64xf32>
  // CHECK: nn.softmax %{{.*}} {axis = 1 : i64} : (tensor<?x64xf32>) -> tensor<?x64xf32>
  %14 = nn.softmax %13 {axis = 1 : i64} : (tensor<?x64xf32>) -> tensor<?x64xf32>
  // CHECK: nn.log_softmax %{{.*}} {axis = 1 : i64} : (tensor<?x64xf32>) -> tensor<?x64xf32>
  %15 = nn.log_softmax %14 {axis = 1 : i64} : (tensor<?x64xf32>) -> tensor<?x64xf32>
  return %15 : tensor<?x64xf32>
}

// CHECK-LABEL: func.func @broadcasting
func.func @broadcasting(%x: tensor<?x16x64xf32>, %pos: tensor<16x64xf32>, %col: tensor<?x1xf32>, %row: tensor<3xf32>, %a: tensor<f32>) -> (tensor<?x16x64xf32>, tensor<?x3xf32>, tensor<?x16x64xf32>, tensor<f32>) {
  // CHECK: nn.add %{{.*}}, %{{.*}} : (tensor<?x16x64xf32>, tensor<16x64xf32>) -> tensor<?x16x64xf32>
  %0 = nn.add %x, %pos : (tensor<?x16x64xf32>, tensor<16x64xf32>) -> tensor<?x16x64xf32>
  // CHECK: nn.sub %{{.*}}, %{{.*}} : (tensor<?x1xf32>, tensor<3xf32>) -> tensor<?x3xf32>
  %1 = nn.sub %col, %row : (tensor<?x1xf32>, tensor<3xf32>) -> tensor<?x3xf32>
  // CHECK: nn.mul %{{.*}}, %{{.*}} : (tensor<f32>, tensor<?x16x64xf32>) -> tensor<?x16x64xf32>
  %2 = nn.mul %a, %0 : (tensor<f32>, tensor<?x16x64xf32>) -> tensor<?x16x64xf32>
  // CHECK: nn.div %{{.*}}, %{{.*}} : (tensor<f32>, tensor<f32>) -> tensor<f32>
  %3 = nn.div %a, %a : (tensor<f32>, tensor<f32>) -> tensor<f32>
  return %0, %1, %2, %3 : tensor<?x16x64xf32>, tensor<?x3xf32>, tensor<?x16x64xf32>, tensor<f32>
}

// CHECK-LABEL: func.func @functions
// CHECK-SAME: (%[[X:.*]]: tensor<?x8xf32>, %[[R:.*]]: tensor<8xf32>)
func.func @functions(%x: tensor<?x8xf32>, %r: tensor<8xf32>) -> tensor<?x8xf32> {
  // CHECK: %[[E:.*]] = nn.erf %[[X]] : tensor<?x8xf32>
  %0 = nn.erf %x : tensor<?x8xf32>
  // CHECK: %[[P:.*]] = nn.pow %[[E]] {exponent = 3.000000e+00 : f32} : tensor<?x8xf32>
  %1 = nn.pow %0 {exponent = 3.000000e+00 : f32} : tensor<?x8xf32>
  // CHECK: %[[C:.*]] = nn.clip %[[P]] {max = 6.000000e+00 : f32, min = 0.000000e+00 : f32} : tensor<?x8xf32>
  %2 = nn.clip %1 {min = 0.000000e+00 : f32, max = 6.000000e+00 : f32} : tensor<?x8xf32>
  // CHECK: %[[L:.*]] = nn.clip %[[C]] {min = -1.000000e+00 : f32} : tensor<?x8xf32>
  %3 = nn.clip %2 {min = -1.000000e+00 : f32} : tensor<?x8xf32>
  // CHECK: %[[H:.*]] = nn.clip %[[L]] {max = 1.000000e+00 : f32} : tensor<?x8xf32>
  %4 = nn.clip %3 {max = 1.000000e+00 : f32} : tensor<?x8xf32>
  // CHECK: %[[MIN:.*]] = nn.minimum %[[H]], %[[R]] : (tensor<?x8xf32>, tensor<8xf32>) -> tensor<?x8xf32>
  %5 = nn.minimum %4, %r : (tensor<?x8xf32>, tensor<8xf32>) -> tensor<?x8xf32>
  // CHECK: %[[MAX:.*]] = nn.maximum %[[MIN]], %[[X]] : (tensor<?x8xf32>, tensor<?x8xf32>) -> tensor<?x8xf32>
  %6 = nn.maximum %5, %x : (tensor<?x8xf32>, tensor<?x8xf32>) -> tensor<?x8xf32>
  // CHECK: return %[[MAX]]
  return %6 : tensor<?x8xf32>
}

// CHECK-LABEL: func.func @shapes
func.func @shapes(%img: tensor<?x64x7x7xf32>, %flat: tensor<?x784xf32>, %seq: tensor<?x16x64xf32>, %a: tensor<?x3xf32>, %b: tensor<?x5xf32>, %g: tensor<64xf32>) {
  // CHECK: nn.flatten %{{.*}} : (tensor<?x64x7x7xf32>) -> tensor<?x3136xf32>
  %0 = nn.flatten %img : (tensor<?x64x7x7xf32>) -> tensor<?x3136xf32>
  // CHECK: nn.reshape %{{.*}} {shape = array<i64: -1, 1, 28, 28>} : (tensor<?x784xf32>) -> tensor<?x1x28x28xf32>
  %1 = nn.reshape %flat {shape = array<i64: -1, 1, 28, 28>} : (tensor<?x784xf32>) -> tensor<?x1x28x28xf32>
  // CHECK: nn.transpose %{{.*}} {perm = array<i64: 0, 2, 1>} : (tensor<?x16x64xf32>) -> tensor<?x64x16xf32>
  %2 = nn.transpose %seq {perm = array<i64: 0, 2, 1>} : (tensor<?x16x64xf32>) -> tensor<?x64x16xf32>
  // CHECK: nn.concat %{{.*}}, %{{.*}} {axis = 1 : i64} : (tensor<?x3xf32>, tensor<?x5xf32>) -> tensor<?x8xf32>
  %3 = nn.concat %a, %b {axis = 1 : i64} : (tensor<?x3xf32>, tensor<?x5xf32>) -> tensor<?x8xf32>
  // CHECK: nn.concat %{{.*}}, %{{.*}} {axis = 0 : i64} : (tensor<?x3xf32>, tensor<?x3xf32>) -> tensor<?x3xf32>
  %4 = nn.concat %a, %a {axis = 0 : i64} : (tensor<?x3xf32>, tensor<?x3xf32>) -> tensor<?x3xf32>
  // CHECK: nn.slice %{{.*}} {axis = 2 : i64, size = 32 : i64, start = 16 : i64} : (tensor<?x16x64xf32>) -> tensor<?x16x32xf32>
  %5 = nn.slice %seq {axis = 2 : i64, start = 16 : i64, size = 32 : i64} : (tensor<?x16x64xf32>) -> tensor<?x16x32xf32>
  // CHECK: nn.last %{{.*}} : (tensor<?x16x64xf32>) -> tensor<?x64xf32>
  %6 = nn.last %seq : (tensor<?x16x64xf32>) -> tensor<?x64xf32>
  // CHECK: nn.reduce_sum %{{.*}} {axes = array<i64: 0, 1>} : (tensor<?x16x64xf32>) -> tensor<64xf32>
  %7 = nn.reduce_sum %seq {axes = array<i64: 0, 1>} : (tensor<?x16x64xf32>) -> tensor<64xf32>
  // CHECK: nn.reduce_mean %{{.*}} {axes = array<i64: 1>, keepdim = true} : (tensor<?x16x64xf32>) -> tensor<?x1x64xf32>
  %8 = nn.reduce_mean %seq {axes = array<i64: 1>, keepdim = true} : (tensor<?x16x64xf32>) -> tensor<?x1x64xf32>
  // CHECK: nn.reduce_sum %{{.*}} {axes = array<i64: 0, 1>} : (tensor<?x3xf32>) -> tensor<f32>
  %9 = nn.reduce_sum %a {axes = array<i64: 0, 1>} : (tensor<?x3xf32>) -> tensor<f32>
  // CHECK: nn.broadcast_to %{{.*}}, %{{.*}} {shape = array<i64: -1, 16, 64>} : (tensor<64xf32>, tensor<?x16x64xf32>) -> tensor<?x16x64xf32>
  %10 = nn.broadcast_to %g, %seq {shape = array<i64: -1, 16, 64>} : (tensor<64xf32>, tensor<?x16x64xf32>) -> tensor<?x16x64xf32>
  // CHECK: nn.broadcast_to %{{.*}} {shape = array<i64: 4, 64>} : (tensor<64xf32>) -> tensor<4x64xf32>
  %11 = nn.broadcast_to %g {shape = array<i64: 4, 64>} : (tensor<64xf32>) -> tensor<4x64xf32>
  return
}

// CHECK-LABEL: func.func @constants
func.func @constants() -> (tensor<2xf32>, tensor<3xi32>, tensor<4x64xf32>) {
  // CHECK: nn.constant dense<[1.000000e+00, 2.000000e+00]> : tensor<2xf32>
  %0 = nn.constant dense<[1.0, 2.0]> : tensor<2xf32>
  // CHECK: nn.constant dense<[0, 1, 2]> : tensor<3xi32>
  %1 = nn.constant dense<[0, 1, 2]> : tensor<3xi32>
  // CHECK: nn.fill 0.000000e+00 : tensor<4x64xf32>
  %2 = nn.fill 0.0 : tensor<4x64xf32>
  return %0, %1, %2 : tensor<2xf32>, tensor<3xi32>, tensor<4x64xf32>
}

// CHECK-LABEL: func.func @dense_and_matmul
// CHECK-SAME: nn.param = #nn.param<"fc1.weight", weight, he>
// CHECK-SAME: nn.param = #nn.param<"fc1.bias", bias, normal, 2.000000e-02 : f64>
func.func @dense_and_matmul(%x: tensor<?x2xf32>,
    %w: tensor<64x2xf32> {nn.param = #nn.param<"fc1.weight", weight, he>},
    %b: tensor<64xf32> {nn.param = #nn.param<"fc1.bias", bias, normal, 2.000000e-02>},
    %seq: tensor<?x16x2xf32>, %q: tensor<?x16x8xf32>, %m: tensor<8x4xf32>) {
  // CHECK: nn.dense %{{.*}}, %{{.*}}, %{{.*}} : (tensor<?x2xf32>, tensor<64x2xf32>, tensor<64xf32>) -> tensor<?x64xf32>
  %0 = nn.dense %x, %w, %b : (tensor<?x2xf32>, tensor<64x2xf32>, tensor<64xf32>) -> tensor<?x64xf32>
  // CHECK: nn.dense %{{.*}}, %{{.*}} : (tensor<?x16x2xf32>, tensor<64x2xf32>) -> tensor<?x16x64xf32>
  %1 = nn.dense %seq, %w : (tensor<?x16x2xf32>, tensor<64x2xf32>) -> tensor<?x16x64xf32>
  // CHECK: nn.matmul %{{.*}}, %{{.*}} {transpose_rhs = true} : (tensor<?x16x8xf32>, tensor<?x16x8xf32>) -> tensor<?x16x16xf32>
  %2 = nn.matmul %q, %q {transpose_rhs = true} : (tensor<?x16x8xf32>, tensor<?x16x8xf32>) -> tensor<?x16x16xf32>
  // CHECK: nn.matmul %{{.*}}, %{{.*}} : (tensor<?x16x8xf32>, tensor<8x4xf32>) -> tensor<?x16x4xf32>
  %3 = nn.matmul %q, %m : (tensor<?x16x8xf32>, tensor<8x4xf32>) -> tensor<?x16x4xf32>
  // CHECK: nn.matmul %{{.*}}, %{{.*}} {transpose_lhs = true} : (tensor<?x64xf32>, tensor<?x2xf32>) -> tensor<64x2xf32>
  %4 = nn.matmul %0, %x {transpose_lhs = true} : (tensor<?x64xf32>, tensor<?x2xf32>) -> tensor<64x2xf32>
  return
}

// CHECK-LABEL: func.func @images
func.func @images(%x: tensor<?x1x28x28xf32>, %w: tensor<32x1x3x3xf32>, %b: tensor<32xf32>, %wg: tensor<8x16x3x3xf32>, %y: tensor<?x32x28x28xf32>,
                  %g: tensor<32xf32>, %m: tensor<32xf32>, %v: tensor<32xf32>) {
  // CHECK: nn.conv2d %{{.*}}, %{{.*}}, %{{.*}} {padding = array<i64: 1, 1, 1, 1>} : (tensor<?x1x28x28xf32>, tensor<32x1x3x3xf32>, tensor<32xf32>) -> tensor<?x32x28x28xf32>
  %0 = nn.conv2d %x, %w, %b {padding = array<i64: 1, 1, 1, 1>} : (tensor<?x1x28x28xf32>, tensor<32x1x3x3xf32>, tensor<32xf32>) -> tensor<?x32x28x28xf32>
  // CHECK: nn.conv2d %{{.*}}, %{{.*}} {dilations = array<i64: 2, 2>, groups = 2 : i64, strides = array<i64: 2, 1>} : (tensor<?x32x28x28xf32>, tensor<8x16x3x3xf32>) -> tensor<?x8x12x24xf32>
  %1 = nn.conv2d %y, %wg {strides = array<i64: 2, 1>, dilations = array<i64: 2, 2>, groups = 2 : i64} : (tensor<?x32x28x28xf32>, tensor<8x16x3x3xf32>) -> tensor<?x8x12x24xf32>
  // CHECK: nn.maxpool2d %{{.*}} {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>} : (tensor<?x32x28x28xf32>) -> tensor<?x32x14x14xf32>
  %2 = nn.maxpool2d %0 {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>} : (tensor<?x32x28x28xf32>) -> tensor<?x32x14x14xf32>
  // CHECK: nn.avgpool2d %{{.*}} {kernel = array<i64: 3, 3>, padding = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<?x32x14x14xf32>) -> tensor<?x32x14x14xf32>
  %3 = nn.avgpool2d %2 {kernel = array<i64: 3, 3>, strides = array<i64: 1, 1>, padding = array<i64: 1, 1, 1, 1>} : (tensor<?x32x14x14xf32>) -> tensor<?x32x14x14xf32>
  // CHECK: nn.batchnorm %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} {eps = 1.000000e-03 : f32} : (tensor<?x32x14x14xf32>, tensor<32xf32>, tensor<32xf32>, tensor<32xf32>, tensor<32xf32>) -> tensor<?x32x14x14xf32>
  %4 = nn.batchnorm %3, %g, %b, %m, %v {eps = 1.000000e-03 : f32} : (tensor<?x32x14x14xf32>, tensor<32xf32>, tensor<32xf32>, tensor<32xf32>, tensor<32xf32>) -> tensor<?x32x14x14xf32>
  // CHECK: nn.batchnorm_train %{{.*}} {momentum = 2.000000e-01 : f32} : (tensor<?x32x14x14xf32>, tensor<32xf32>, tensor<32xf32>, tensor<32xf32>, tensor<32xf32>) -> (tensor<?x32x14x14xf32>, tensor<32xf32>, tensor<32xf32>)
  %5:3 = nn.batchnorm_train %3, %g, %b, %m, %v {momentum = 2.000000e-01 : f32} : (tensor<?x32x14x14xf32>, tensor<32xf32>, tensor<32xf32>, tensor<32xf32>, tensor<32xf32>) -> (tensor<?x32x14x14xf32>, tensor<32xf32>, tensor<32xf32>)
  return
}

// sync_batchnorm: statistics over the replicas (nn.replicas argument).
// CHECK-LABEL: func.func @replicas
func.func @replicas(%x: tensor<?x32x14x14xf32>, %g: tensor<32xf32>, %r: tensor<i64>, %s: tensor<2x32xf32>) {
  // CHECK: nn.batchnorm_train %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} : (tensor<?x32x14x14xf32>, tensor<32xf32>, tensor<32xf32>, tensor<32xf32>, tensor<32xf32>, tensor<i64>) -> (tensor<?x32x14x14xf32>, tensor<32xf32>, tensor<32xf32>)
  %0:3 = nn.batchnorm_train %x, %g, %g, %g, %g, %r : (tensor<?x32x14x14xf32>, tensor<32xf32>, tensor<32xf32>, tensor<32xf32>, tensor<32xf32>, tensor<i64>) -> (tensor<?x32x14x14xf32>, tensor<32xf32>, tensor<32xf32>)
  // CHECK: nn.batch_stats %{{.*}}, %{{.*}} : (tensor<?x32x14x14xf32>, tensor<i64>) -> (tensor<32xf32>, tensor<32xf32>, tensor<f32>, tensor<f32>)
  %1:4 = nn.batch_stats %x, %r : (tensor<?x32x14x14xf32>, tensor<i64>) -> (tensor<32xf32>, tensor<32xf32>, tensor<f32>, tensor<f32>)
  // CHECK: nn.batch_stats %{{.*}} : (tensor<?x32x14x14xf32>) -> (tensor<32xf32>, tensor<32xf32>, tensor<f32>, tensor<f32>)
  %2:4 = nn.batch_stats %x : (tensor<?x32x14x14xf32>) -> (tensor<32xf32>, tensor<32xf32>, tensor<f32>, tensor<f32>)
  // CHECK: nn.replica_sum %{{.*}}, %{{.*}} : (tensor<2x32xf32>, tensor<i64>) -> tensor<2x32xf32>
  %3 = nn.replica_sum %s, %r : (tensor<2x32xf32>, tensor<i64>) -> tensor<2x32xf32>
  return
}

// CHECK-LABEL: func.func @sequences
func.func @sequences(%ids: tensor<?x16xi32>, %table: tensor<100x64xf32>, %g: tensor<64xf32>,
                     %wi4: tensor<512x64xf32>, %wh4: tensor<512x128xf32>, %b4: tensor<512xf32>,
                     %wi3: tensor<96x64xf32>, %wh3: tensor<96x32xf32>, %b3: tensor<96xf32>,
                     %wi1: tensor<32x64xf32>, %wh1: tensor<32x32xf32>, %b1: tensor<32xf32>,
                     %ipw: tensor<192x64xf32>, %ipb: tensor<192xf32>, %opw: tensor<64x64xf32>) {
  // CHECK: nn.embedding %{{.*}}, %{{.*}} : (tensor<?x16xi32>, tensor<100x64xf32>) -> tensor<?x16x64xf32>
  %0 = nn.embedding %ids, %table : (tensor<?x16xi32>, tensor<100x64xf32>) -> tensor<?x16x64xf32>
  // CHECK: nn.positional_sinusoidal %{{.*}} : tensor<?x16x64xf32>
  %1 = nn.positional_sinusoidal %0 : tensor<?x16x64xf32>
  // CHECK: nn.layernorm %{{.*}}, %{{.*}}, %{{.*}} : (tensor<?x16x64xf32>, tensor<64xf32>, tensor<64xf32>) -> tensor<?x16x64xf32>
  %2 = nn.layernorm %1, %g, %g {eps = 1.0e-5 : f32} : (tensor<?x16x64xf32>, tensor<64xf32>, tensor<64xf32>) -> tensor<?x16x64xf32>
  // CHECK: nn.lstm %{{.*}} : (tensor<?x16x64xf32>, tensor<512x64xf32>, tensor<512x128xf32>, tensor<512xf32>, tensor<512xf32>) -> tensor<?x16x128xf32>
  %3 = nn.lstm %2, %wi4, %wh4, %b4, %b4 : (tensor<?x16x64xf32>, tensor<512x64xf32>, tensor<512x128xf32>, tensor<512xf32>, tensor<512xf32>) -> tensor<?x16x128xf32>
  // CHECK: nn.gru %{{.*}} : (tensor<?x16x64xf32>, tensor<96x64xf32>, tensor<96x32xf32>, tensor<96xf32>, tensor<96xf32>) -> tensor<?x16x32xf32>
  %4 = nn.gru %2, %wi3, %wh3, %b3, %b3 : (tensor<?x16x64xf32>, tensor<96x64xf32>, tensor<96x32xf32>, tensor<96xf32>, tensor<96xf32>) -> tensor<?x16x32xf32>
  // ONNX's form round-trips; PyTorch's (true) is the default and elided.
  // CHECK: nn.gru %{{.*}} {linear_before_reset = false} : (tensor<?x16x64xf32>, tensor<96x64xf32>, tensor<96x32xf32>, tensor<96xf32>, tensor<96xf32>) -> tensor<?x16x32xf32>
  %gru_onnx = nn.gru %2, %wi3, %wh3, %b3, %b3 {linear_before_reset = false} : (tensor<?x16x64xf32>, tensor<96x64xf32>, tensor<96x32xf32>, tensor<96xf32>, tensor<96xf32>) -> tensor<?x16x32xf32>
  // CHECK: nn.gru %{{.*}} : (tensor<?x16x64xf32>, tensor<96x64xf32>, tensor<96x32xf32>, tensor<96xf32>, tensor<96xf32>) -> tensor<?x16x32xf32>
  %gru_torch = nn.gru %2, %wi3, %wh3, %b3, %b3 {linear_before_reset = true} : (tensor<?x16x64xf32>, tensor<96x64xf32>, tensor<96x32xf32>, tensor<96xf32>, tensor<96xf32>) -> tensor<?x16x32xf32>
  // CHECK: nn.rnn %{{.*}} {nonlinearity = #nn<nonlinearity relu>} : (tensor<?x16x64xf32>, tensor<32x64xf32>, tensor<32x32xf32>, tensor<32xf32>, tensor<32xf32>) -> tensor<?x16x32xf32>
  %5 = nn.rnn %2, %wi1, %wh1, %b1, %b1 {nonlinearity = #nn<nonlinearity relu>} : (tensor<?x16x64xf32>, tensor<32x64xf32>, tensor<32x32xf32>, tensor<32xf32>, tensor<32xf32>) -> tensor<?x16x32xf32>
  // CHECK: nn.rnn %{{.*}} : (tensor<?x16x64xf32>, tensor<32x64xf32>, tensor<32x32xf32>, tensor<32xf32>, tensor<32xf32>) -> tensor<?x16x32xf32>
  %6 = nn.rnn %2, %wi1, %wh1, %b1, %b1 : (tensor<?x16x64xf32>, tensor<32x64xf32>, tensor<32x32xf32>, tensor<32xf32>, tensor<32xf32>) -> tensor<?x16x32xf32>
  // CHECK: nn.self_attention %{{.*}} {causal = true, heads = 4 : i64} : (tensor<?x16x64xf32>, tensor<192x64xf32>, tensor<192xf32>, tensor<64x64xf32>, tensor<64xf32>) -> tensor<?x16x64xf32>
  %7 = nn.self_attention %2, %ipw, %ipb, %opw, %g {heads = 4 : i64, causal = true} : (tensor<?x16x64xf32>, tensor<192x64xf32>, tensor<192xf32>, tensor<64x64xf32>, tensor<64xf32>) -> tensor<?x16x64xf32>
  return
}

// CHECK-LABEL: func.func @losses
func.func @losses(%p: tensor<?x1xf32>, %y: tensor<?x1xf32>, %logits: tensor<?x3xf32>, %cls: tensor<?xi32>, %onehot: tensor<?x3xf32>,
                  %w1: tensor<64x2xf32>, %w2: tensor<3x64xf32>) -> tensor<f32> {
  // CHECK: nn.mse_loss %{{.*}}, %{{.*}} : tensor<?x1xf32>, tensor<?x1xf32>
  %0 = nn.mse_loss %p, %y : tensor<?x1xf32>, tensor<?x1xf32>
  // CHECK: nn.mae_loss
  %1 = nn.mae_loss %p, %y : tensor<?x1xf32>, tensor<?x1xf32>
  // CHECK: nn.huber_loss %{{.*}}, %{{.*}} {delta = 5.000000e-01 : f32} : tensor<?x1xf32>, tensor<?x1xf32>
  %2 = nn.huber_loss %p, %y {delta = 5.000000e-01 : f32} : tensor<?x1xf32>, tensor<?x1xf32>
  // CHECK: nn.bce_loss
  %3 = nn.bce_loss %p, %y : tensor<?x1xf32>, tensor<?x1xf32>
  // CHECK: nn.bce_logits_loss
  %4 = nn.bce_logits_loss %p, %y : tensor<?x1xf32>, tensor<?x1xf32>
  // CHECK: nn.cross_entropy_loss %{{.*}}, %{{.*}} : tensor<?x3xf32>, tensor<?xi32>
  %5 = nn.cross_entropy_loss %logits, %cls : tensor<?x3xf32>, tensor<?xi32>
  // CHECK: nn.cross_entropy_loss %{{.*}}, %{{.*}} : tensor<?x3xf32>, tensor<?x3xf32>
  %6 = nn.cross_entropy_loss %logits, %onehot : tensor<?x3xf32>, tensor<?x3xf32>
  // CHECK: nn.perceptron_loss
  %7 = nn.perceptron_loss %p, %y : tensor<?x1xf32>, tensor<?x1xf32>
  // CHECK: nn.l1_penalty %{{.*}}, %{{.*}} {weight = 9.99999974E-5 : f32} : tensor<64x2xf32>, tensor<3x64xf32>
  %8 = nn.l1_penalty %w1, %w2 {weight = 1.000000e-04 : f32} : tensor<64x2xf32>, tensor<3x64xf32>
  // CHECK: nn.l2_penalty %{{.*}} {weight = 0.00999999977 : f32} : tensor<64x2xf32>
  %9 = nn.l2_penalty %w1 {weight = 1.000000e-02 : f32} : tensor<64x2xf32>
  // CHECK: %[[SUM:.*]] = nn.add %{{.*}}, %{{.*}} : (tensor<f32>, tensor<f32>) -> tensor<f32>
  %10 = nn.add %5, %9 : (tensor<f32>, tensor<f32>) -> tensor<f32>
  // CHECK: return %[[SUM]] : tensor<f32>
  return %10 : tensor<f32>
}
