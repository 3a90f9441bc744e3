// Verifier errors of the layer backward ops (run from ../layer-grad-ops.mlir).

func.func @conv_grad_shape(%g: tensor<?x4x6x6xf32>, %x: tensor<?x3x6x6xf32>, %w: tensor<4x3x3x3xf32>) {
  // expected-error @+1 {{'nn.conv2d_backward_input' op expects grad of shape [?, 4, 4, 4] (the forward result's shape), got f32[N, 4, 6, 6]}}
  %0 = nn.conv2d_backward_input %g, %x, %w : tensor<?x4x6x6xf32>, tensor<?x3x6x6xf32>, tensor<4x3x3x3xf32>
  return
}

// -----

func.func @conv_channels(%g: tensor<?x4x4x4xf32>, %x: tensor<?x2x6x6xf32>, %w: tensor<4x3x3x3xf32>) {
  // expected-error @+1 {{'nn.conv2d_backward_weight' op expects weight of shape [O, C, KH, KW] with C = 2 (the input's channels; groups = 1), got f32[4, 3, 3, 3]}}
  %0 = nn.conv2d_backward_weight %g, %x, %w : tensor<?x4x4x4xf32>, tensor<?x2x6x6xf32>, tensor<4x3x3x3xf32>
  return
}

// -----

func.func @pool_kernel(%g: tensor<?x8x3x3xf32>, %x: tensor<?x8x6x6xf32>) {
  // expected-error @+1 {{'nn.avgpool2d_backward' op expects kernel}}
  %0 = nn.avgpool2d_backward %g, %x {kernel = array<i64: 2>, strides = array<i64: 2, 2>} : tensor<?x8x3x3xf32>, tensor<?x8x6x6xf32>
  return
}

// -----

func.func @pool_grad_shape(%g: tensor<?x8x2x2xf32>, %x: tensor<?x8x6x6xf32>) {
  // expected-error @+1 {{'nn.maxpool2d_backward' op expects grad of shape [?, 8, 3, 3] (the forward result's shape), got f32[N, 8, 2, 2]}}
  %0 = nn.maxpool2d_backward %g, %x, %g {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>} : tensor<?x8x2x2xf32>, tensor<?x8x6x6xf32>
  return
}

// -----

func.func @embedding_grad(%g: tensor<?x8x15xf32>, %ids: tensor<?x8xi32>, %t: tensor<100x16xf32>) {
  // expected-error @+1 {{'nn.embedding_backward' op expects grad of shape [?, 8, 16] (the ids' shape and the table's row size), got f32[N, 8, 15]}}
  %0 = nn.embedding_backward %g, %ids, %t : tensor<?x8x15xf32>, tensor<?x8xi32>, tensor<100x16xf32>
  return
}

// -----

func.func @lstm_gates(%g: tensor<?x5x4xf32>, %x: tensor<?x5x3xf32>, %wi: tensor<12x3xf32>, %wh: tensor<12x4xf32>, %b: tensor<12xf32>) {
  // expected-error @+1 {{'nn.lstm_backward' op expects w_hh of shape [16, 4] with G = 4 gates, got f32[12, 4]}}
  %0:5 = nn.lstm_backward %g, %x, %g, %wi, %wh, %b, %b : tensor<?x5x4xf32>, tensor<?x5x3xf32>, tensor<12x3xf32>, tensor<12x4xf32>, tensor<12xf32>
  return
}

// -----

func.func @lstm_preactivations_shape(%g: tensor<?x5x4xf32>, %x: tensor<?x5x3xf32>, %wi: tensor<16x3xf32>, %wh: tensor<16x4xf32>, %b: tensor<16xf32>, %a: tensor<?x5x12xf32>) {
  // expected-error @+1 {{'nn.lstm_backward' op expects preactivations of shape [?, 5, 20] (what the forward stored per step), got f32[N, 5, 12]}}
  %0:5 = nn.lstm_backward %g, %x, %g, %wi, %wh, %b, %b preactivations %a : tensor<?x5x12xf32> : tensor<?x5x4xf32>, tensor<?x5x3xf32>, tensor<16x3xf32>, tensor<16x4xf32>, tensor<16xf32>
  return
}

// -----

func.func @rnn_preactivations(%g: tensor<?x5x4xf32>, %x: tensor<?x5x3xf32>, %wi: tensor<4x3xf32>, %wh: tensor<4x4xf32>, %b: tensor<4xf32>, %a: tensor<?x5x4xf32>) {
  // expected-error @+1 {{'nn.rnn_backward' op takes no stored preactivations (lstm and gru only)}}
  %0:5 = nn.rnn_backward %g, %x, %g, %wi, %wh, %b, %b preactivations %a : tensor<?x5x4xf32> : tensor<?x5x4xf32>, tensor<?x5x3xf32>, tensor<4x3xf32>, tensor<4x4xf32>, tensor<4xf32>
  return
}

// -----

func.func @gru_preactivations_shape(%g: tensor<?x5x4xf32>, %x: tensor<?x5x3xf32>, %wi: tensor<12x3xf32>, %wh: tensor<12x4xf32>, %b: tensor<12xf32>, %a: tensor<?x5x12xf32>) {
  // GRU stores four blocks (r, z, and n's input and hidden terms), not G = 3.
  // expected-error @+1 {{'nn.gru_backward' op expects preactivations of shape [?, 5, 16] (what the forward stored per step), got f32[N, 5, 12]}}
  %0:5 = nn.gru_backward %g, %x, %g, %wi, %wh, %b, %b preactivations %a : tensor<?x5x12xf32> : tensor<?x5x4xf32>, tensor<?x5x3xf32>, tensor<12x3xf32>, tensor<12x4xf32>, tensor<12xf32>
  return
}

// -----

func.func @gru_types(%g: tensor<?x5x4xf32>, %h: tensor<?x5x5xf32>, %x: tensor<?x5x3xf32>, %wi: tensor<12x3xf32>, %wh: tensor<12x4xf32>, %b: tensor<12xf32>) {
  // expected-error @+1 {{'nn.gru_backward' op failed to verify that all of {grad, output} have same type}}
  %0:5 = "nn.gru_backward"(%g, %x, %h, %wi, %wh, %b, %b) : (tensor<?x5x4xf32>, tensor<?x5x3xf32>, tensor<?x5x5xf32>, tensor<12x3xf32>, tensor<12x4xf32>, tensor<12xf32>, tensor<12xf32>) -> (tensor<?x5x3xf32>, tensor<12x3xf32>, tensor<12x4xf32>, tensor<12xf32>, tensor<12xf32>)
  return
}

// -----

func.func @gru_reset_form(%g: tensor<?x5x4xf32>, %x: tensor<?x5x3xf32>, %wi: tensor<12x3xf32>, %wh: tensor<12x4xf32>, %b: tensor<12xf32>) {
  // expected-error @+1 {{'nn.gru_backward' op attribute 'linear_before_reset' failed to satisfy constraint: bool attribute}}
  %0:5 = nn.gru_backward %g, %x, %g, %wi, %wh, %b, %b {linear_before_reset = "onnx"} : tensor<?x5x4xf32>, tensor<?x5x3xf32>, tensor<12x3xf32>, tensor<12x4xf32>, tensor<12xf32>
  return
}
