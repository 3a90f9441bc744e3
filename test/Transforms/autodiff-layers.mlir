// RUN: nnc-opt --nnc-autodiff -split-input-file %s | FileCheck %s

// The adjoints of the windowed, table, recurrent and attention layers:
// which backward ops @grads uses and what they are applied to. Numbers are
// checked by test/unit/Gradients (LayerGradientTests, SequenceGradientTests).

// conv -> maxpool -> conv: the first conv's input gradient is dead (x is
// data) and erased; the second conv needs its input gradient, which flows
// through maxpool2d_backward (with the forward result).
// CHECK-LABEL: func.func @grads(
// CHECK-SAME: %[[X:[a-z0-9]+]]: tensor<?x1x8x8xf32>
// CHECK-SAME: %[[W1:[a-z0-9]+]]: tensor<2x1x3x3xf32>
// CHECK-SAME: %[[B1:[a-z0-9]+]]: tensor<2xf32>
// CHECK-SAME: %[[W2:[a-z0-9]+]]: tensor<3x2x3x3xf32>
// CHECK: %[[C1:.*]] = nn.conv2d %[[X]], %[[W1]], %[[B1]]
// CHECK: %[[P:.*]] = nn.maxpool2d %[[C1]]
// CHECK: %[[C2:.*]] = nn.conv2d %[[P]], %[[W2]] {dilations = array<i64: 2, 2>
// CHECK: %[[G:.*]] = nn.mse_loss_backward %[[C2]]
// CHECK-DAG: %[[DP:.*]] = nn.conv2d_backward_input %[[G]], %[[P]], %[[W2]] {dilations = array<i64: 2, 2>, padding = array<i64: 2, 2, 2, 2>, strides = array<i64: 1, 2>}
// CHECK-DAG: %[[DW2:.*]] = nn.conv2d_backward_weight %[[G]], %[[P]], %[[W2]] {dilations = array<i64: 2, 2>, padding = array<i64: 2, 2, 2, 2>, strides = array<i64: 1, 2>}
// CHECK: %[[DC1:.*]] = nn.maxpool2d_backward %[[DP]], %[[C1]], %[[P]] {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>}
// CHECK-NOT: nn.conv2d_backward_input %[[DC1]]
// CHECK-DAG: %[[DW1:.*]] = nn.conv2d_backward_weight %[[DC1]], %[[X]], %[[W1]]
// CHECK-DAG: %[[DB1:.*]] = nn.reduce_sum %[[DC1]] {axes = array<i64: 0, 2, 3>}
// CHECK: return %{{.*}}, %[[DW1]], %[[DB1]], %[[DW2]]
func.func @loss(%x: tensor<?x1x8x8xf32> {nn.input = "x"}, %t: tensor<?x3x4x2xf32> {nn.label = "t"},
                %w1: tensor<2x1x3x3xf32> {nn.param = #nn.param<"c1.weight", weight, he>},
                %b1: tensor<2xf32> {nn.param = #nn.param<"c1.bias", bias, zeros>},
                %w2: tensor<3x2x3x3xf32> {nn.param = #nn.param<"c2.weight", weight, he>})
    -> (tensor<f32> {nn.loss}) {
  %c1 = nn.conv2d %x, %w1, %b1 {padding = array<i64: 1, 1, 1, 1>} : (tensor<?x1x8x8xf32>, tensor<2x1x3x3xf32>, tensor<2xf32>) -> tensor<?x2x8x8xf32>
  %p = nn.maxpool2d %c1 {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>} : (tensor<?x2x8x8xf32>) -> tensor<?x2x4x4xf32>
  %c2 = nn.conv2d %p, %w2 {strides = array<i64: 1, 2>, padding = array<i64: 2, 2, 2, 2>, dilations = array<i64: 2, 2>} : (tensor<?x2x4x4xf32>, tensor<3x2x3x3xf32>) -> tensor<?x3x4x2xf32>
  %l = nn.mse_loss %c2, %t : tensor<?x3x4x2xf32>, tensor<?x3x4x2xf32>
  return %l : tensor<f32>
}

// -----

// embedding -> avgpool (as a 4-D view) -> lstm -> last: the ids get no
// gradient, the table a scatter-add; the LSTM's BPTT op reuses the
// forward result and yields its five gradients.
// CHECK-LABEL: func.func @grads(
// CHECK-SAME: %[[IDS:[a-z0-9]+]]: tensor<?x4xi32>
// CHECK-SAME: %[[E:[a-z0-9]+]]: tensor<10x6xf32>
// CHECK-SAME: %[[WI:[a-z0-9]+]]: tensor<20x6xf32>
// CHECK-SAME: %[[WH:[a-z0-9]+]]: tensor<20x5xf32>
// CHECK-SAME: %[[BI:[a-z0-9]+]]: tensor<20xf32>
// CHECK-SAME: %[[BH:[a-z0-9]+]]: tensor<20xf32>
// CHECK: %[[EMB:.*]] = nn.embedding %[[IDS]], %[[E]]
// CHECK: %[[V:.*]] = nn.reshape %[[EMB]]
// CHECK: %[[AP:.*]] = nn.avgpool2d %[[V]]
// CHECK: %[[S:.*]] = nn.reshape %[[AP]]
// CHECK: %[[H:.*]] = nn.lstm %[[S]], %[[WI]], %[[WH]], %[[BI]], %[[BH]]
// CHECK: %[[DX:[a-z_0-9]+]], %[[DWI:[a-z_0-9]+]], %[[DWH:[a-z_0-9]+]], %[[DBI:[a-z_0-9]+]], %[[DBH:[a-z_0-9]+]] = nn.lstm_backward %{{.*}}, %[[S]], %[[H]], %[[WI]], %[[WH]], %[[BI]], %[[BH]]
// CHECK: %[[DS:.*]] = nn.reshape %[[DX]]
// CHECK: %[[DV:.*]] = nn.avgpool2d_backward %[[DS]], %[[V]] {kernel = array<i64: 1, 3>, padding = array<i64: 0, 1, 0, 1>, strides = array<i64: 1, 1>}
// CHECK: %[[DEMB:.*]] = nn.reshape %[[DV]]
// CHECK: %[[DE:.*]] = nn.embedding_backward %[[DEMB]], %[[IDS]], %[[E]]
// CHECK: return %{{.*}}, %[[DE]], %[[DWI]], %[[DWH]], %[[DBI]], %[[DBH]]
func.func @loss(%ids: tensor<?x4xi32> {nn.input = "ids"}, %t: tensor<?x5xf32> {nn.label = "t"},
                %e: tensor<10x6xf32> {nn.param = #nn.param<"emb.weight", weight, normal>},
                %wi: tensor<20x6xf32> {nn.param = #nn.param<"lstm.weight_ih_l0", weight, uniform>},
                %wh: tensor<20x5xf32> {nn.param = #nn.param<"lstm.weight_hh_l0", weight, uniform>},
                %bi: tensor<20xf32> {nn.param = #nn.param<"lstm.bias_ih_l0", bias, uniform>},
                %bh: tensor<20xf32> {nn.param = #nn.param<"lstm.bias_hh_l0", bias, uniform>})
    -> (tensor<f32> {nn.loss}) {
  %emb = nn.embedding %ids, %e : (tensor<?x4xi32>, tensor<10x6xf32>) -> tensor<?x4x6xf32>
  %v = nn.reshape %emb {shape = array<i64: -1, 1, 4, 6>} : (tensor<?x4x6xf32>) -> tensor<?x1x4x6xf32>
  %ap = nn.avgpool2d %v {kernel = array<i64: 1, 3>, strides = array<i64: 1, 1>, padding = array<i64: 0, 1, 0, 1>} : (tensor<?x1x4x6xf32>) -> tensor<?x1x4x6xf32>
  %s = nn.reshape %ap {shape = array<i64: -1, 4, 6>} : (tensor<?x1x4x6xf32>) -> tensor<?x4x6xf32>
  %h = nn.lstm %s, %wi, %wh, %bi, %bh : (tensor<?x4x6xf32>, tensor<20x6xf32>, tensor<20x5xf32>, tensor<20xf32>, tensor<20xf32>) -> tensor<?x4x5xf32>
  %z = nn.last %h : (tensor<?x4x5xf32>) -> tensor<?x5xf32>
  %l = nn.mse_loss %z, %t : tensor<?x5xf32>, tensor<?x5xf32>
  return %l : tensor<f32>
}

// -----

// A GRU in ONNX's form: its BPTT op carries linear_before_reset = false.
// CHECK-LABEL: func.func @grads(
// CHECK-SAME: %[[X:[a-z0-9]+]]: tensor<?x4x6xf32>
// CHECK: %[[H:.*]] = nn.gru %[[X]], {{.*}} {linear_before_reset = false}
// CHECK: nn.gru_backward %{{.*}}, %[[X]], %[[H]], {{.*}} {linear_before_reset = false}
func.func @loss(%x: tensor<?x4x6xf32> {nn.input = "x"}, %t: tensor<?x5xf32> {nn.label = "t"},
                %wi: tensor<15x6xf32> {nn.param = #nn.param<"gru.weight_ih_l0", weight, uniform>},
                %wh: tensor<15x5xf32> {nn.param = #nn.param<"gru.weight_hh_l0", weight, uniform>},
                %bi: tensor<15xf32> {nn.param = #nn.param<"gru.bias_ih_l0", bias, uniform>},
                %bh: tensor<15xf32> {nn.param = #nn.param<"gru.bias_hh_l0", bias, uniform>})
    -> (tensor<f32> {nn.loss}) {
  %h = nn.gru %x, %wi, %wh, %bi, %bh {linear_before_reset = false} : (tensor<?x4x6xf32>, tensor<15x6xf32>, tensor<15x5xf32>, tensor<15xf32>, tensor<15xf32>) -> tensor<?x4x5xf32>
  %z = nn.last %h : (tensor<?x4x5xf32>) -> tensor<?x5xf32>
  %l = nn.mse_loss %z, %t : tensor<?x5xf32>, tensor<?x5xf32>
  return %l : tensor<f32>
}

// -----

// Causal self-attention is differentiated by decomposition: @grads holds,
// instead of the layer, the nn ops it is made of (q scaled before its
// product with k, an additive -inf mask), computed once, and the sweep goes
// back through their adjoints; no attention-specific backward op, and the
// forward (one softmax) is not computed again for the gradient.
// CHECK-LABEL: func.func @grads(
// CHECK-NOT: nn.self_attention
// CHECK: %[[QKV:.*]] = nn.dense
// CHECK: %[[Q:.*]] = nn.scale %{{.*}} {factor = 0.70710{{[0-9]*}} : f32}
// CHECK: nn.matmul %[[Q]], %{{.*}} {transpose_rhs = true} : (tensor<?x2x3x2xf32>, tensor<?x2x3x2xf32>) -> tensor<?x2x3x3xf32>
// CHECK: nn.constant dense<{{.*}}0xFF800000{{.*}}> : tensor<3x3xf32>
// CHECK: nn.softmax %{{.*}} {axis = 3 : i64}
// CHECK-NOT: nn.softmax
// CHECK-NOT: self_attention
// CHECK: return
func.func @loss(%x: tensor<?x3x4xf32> {nn.input = "x"}, %t: tensor<?x3x4xf32> {nn.label = "t"},
                %wi: tensor<12x4xf32> {nn.param = #nn.param<"attn.in_proj_weight", weight, xavier>},
                %bi: tensor<12xf32> {nn.param = #nn.param<"attn.in_proj_bias", bias, zeros>},
                %wo: tensor<4x4xf32> {nn.param = #nn.param<"attn.out_proj.weight", weight, xavier>},
                %bo: tensor<4xf32> {nn.param = #nn.param<"attn.out_proj.bias", bias, zeros>})
    -> (tensor<f32> {nn.loss}) {
  %a = nn.self_attention %x, %wi, %bi, %wo, %bo {heads = 2 : i64, causal = true} : (tensor<?x3x4xf32>, tensor<12x4xf32>, tensor<12xf32>, tensor<4x4xf32>, tensor<4xf32>) -> tensor<?x3x4xf32>
  %l = nn.mse_loss %a, %t : tensor<?x3x4xf32>, tensor<?x3x4xf32>
  return %l : tensor<f32>
}
