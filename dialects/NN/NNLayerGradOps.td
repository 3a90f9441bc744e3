//===- NNLayerGradOps.td - backward ops of layers ----------*- tablegen -*-===//
//
// Backward ops of the layers whose gradient is a computation of its own
// rather than a composition of forward ops: the two convolution gradients,
// the pooling gradients, the embedding's scatter-add and backpropagation
// through time of the recurrent layers. Each takes the incoming gradient,
// the forward operands it needs (and the forward result where reusing it is
// cheaper than recomputing it) and returns gradients typed like the forward
// operands. Emitted by the adjoints in lib/Dialect/NN/AdjointsConv.cpp and
// AdjointsRecurrent.cpp, lowered in lib/Conversion/NNToLinalg/Grad*.cpp.
// Included by NNOps.td.
//
//===----------------------------------------------------------------------===//

#ifndef NNC_DIALECT_NN_NNLAYERGRADOPS_TD
#define NNC_DIALECT_NN_NNLAYERGRADOPS_TD

/// The window attributes of conv2d, shared by both of its gradients.
class NN_ConvBackwardOp<string mnemonic, string resultOf, string what>
    : NN_Op<mnemonic, [AllTypesMatch<[resultOf, "result"]>]> {
  let summary = "Gradient of conv2d w.r.t. its " # what;
  let arguments = (ins NN_F32Tensor:$grad, NN_F32Tensor:$input,
                       NN_F32Tensor:$weight,
                       DefaultValuedAttr<DenseI64ArrayAttr, "{1, 1}">:$strides,
                       DefaultValuedAttr<DenseI64ArrayAttr, "{0, 0, 0, 0}">:$padding,
                       DefaultValuedAttr<DenseI64ArrayAttr, "{1, 1}">:$dilations);
  let results = (outs NN_F32Tensor:$result);
  let assemblyFormat = [{
    $grad `,` $input `,` $weight attr-dict `:` type($grad) `,` type($input)
    `,` type($weight)
  }];
  let hasVerifier = 1;
}

def NN_Conv2DBackwardInputOp : NN_ConvBackwardOp<"conv2d_backward_input",
    "input", "input"> {
  let description = [{
    `grad` is the gradient of the output `[N, O, OH, OW]` of an
    `nn.conv2d` (groups = 1) of `input` `[N, C, H, W]` with `weight`
    `[O, C, KH, KW]` and the given strides, padding and dilations; the
    result, typed like `input`, is
    `dx[n, c, h, w] = sum dy[n, o, oh, ow] w[o, c, kh, kw]` over the taps
    with `oh * stride + kh * dilation = h + pad_top` (same for w): a
    transposed convolution. `input` only gives the shape.

    ```mlir
    %dx = nn.conv2d_backward_input %g, %x, %w {padding = array<i64: 1, 1, 1, 1>} : tensor<?x4x6x6xf32>, tensor<?x3x6x6xf32>, tensor<4x3x3x3xf32>
    ```
  }];
}

def NN_Conv2DBackwardWeightOp : NN_ConvBackwardOp<"conv2d_backward_weight",
    "weight", "weight"> {
  let description = [{
    Same operands as `nn.conv2d_backward_input`; the result, typed like
    `weight`, is `dw[o, c, kh, kw] = sum over n, oh, ow of dy[n, o, oh, ow]
    xpad[n, c, oh * stride_h + kh * dilation_h, ow * stride_w + kw *
    dilation_w]` with `xpad` the zero-padded input. `weight` only gives the
    shape.

    ```mlir
    %dw = nn.conv2d_backward_weight %g, %x, %w {strides = array<i64: 2, 2>} : tensor<?x4x2x2xf32>, tensor<?x3x5x5xf32>, tensor<4x3x3x3xf32>
    ```
  }];
}

def NN_MaxPool2DBackwardOp : NN_Op<"maxpool2d_backward",
    [AllTypesMatch<["input", "result"]>, AllTypesMatch<["grad", "output"]>]> {
  let summary = "Gradient of maxpool2d: each window's gradient to its maximum";
  let description = [{
    `input` and `output` are the forward `nn.maxpool2d`'s operand and
    result, `grad` the gradient of `output`; same `kernel`, `strides`,
    `padding`, `dilations`. Every input cell receives the sum of the gradients of the
    windows whose maximum it equals. When a window holds the maximum more
    than once, each copy receives the window's gradient (PyTorch gives it
    to the first one only; the two agree wherever the maximum is unique).

    ```mlir
    %dx = nn.maxpool2d_backward %g, %x, %y {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>} : tensor<?x8x3x3xf32>, tensor<?x8x6x6xf32>
    ```
  }];
  let arguments = (ins NN_F32Tensor:$grad, NN_F32Tensor:$input,
                       NN_F32Tensor:$output, DenseI64ArrayAttr:$kernel,
                       DenseI64ArrayAttr:$strides,
                       DefaultValuedAttr<DenseI64ArrayAttr, "{0, 0, 0, 0}">:$padding,
                       DefaultValuedAttr<DenseI64ArrayAttr, "{1, 1}">:$dilations);
  let results = (outs NN_F32Tensor:$result);
  let assemblyFormat = [{
    $grad `,` $input `,` $output attr-dict `:` type($grad) `,` type($input)
  }];
  let hasVerifier = 1;
}

def NN_AvgPool2DBackwardOp : NN_Op<"avgpool2d_backward",
    [AllTypesMatch<["input", "result"]>]> {
  let summary = "Gradient of avgpool2d: each window's gradient spread evenly";
  let description = [{
    `grad` is the gradient of the output of an `nn.avgpool2d` of `input`
    (which only gives the shape) with the same `kernel`, `strides`,
    `padding`, `divisor_padding`; every real cell of a window receives the
    window's gradient divided by the forward op's divisor of that window.

    ```mlir
    %dx = nn.avgpool2d_backward %g, %x {kernel = array<i64: 3, 3>, strides = array<i64: 1, 1>, padding = array<i64: 1, 1, 1, 1>} : tensor<?x8x6x6xf32>, tensor<?x8x6x6xf32>
    ```
  }];
  let arguments = (ins NN_F32Tensor:$grad, NN_F32Tensor:$input,
                       DenseI64ArrayAttr:$kernel, DenseI64ArrayAttr:$strides,
                       DefaultValuedAttr<DenseI64ArrayAttr, "{0, 0, 0, 0}">:$padding,
                       DefaultValuedAttr<DenseI64ArrayAttr, "{0, 0, 0, 0}">:$divisor_padding);
  let results = (outs NN_F32Tensor:$result);
  let assemblyFormat = [{
    $grad `,` $input attr-dict `:` type($grad) `,` type($input)
  }];
  let hasVerifier = 1;
}

def NN_EmbeddingBackwardOp : NN_Op<"embedding_backward",
    [AllTypesMatch<["table", "result"]>, NN_IndexOperand]> {
  let summary = "Gradient of embedding w.r.t. the table: a scatter-add of rows";
  let description = [{
    `grad` `[N, T..., D]` is the gradient of an `nn.embedding` of `ids`
    `[N, T...]` in `table` `[V, D]` (which only gives the shape); the
    result is `dtable[v] = sum of grad[p] over the positions p with
    row(ids[p]) = v`, the forward's row of each id (`negative_from_end`,
    then clamped to `[0, V)`).

    ```mlir
    %dt = nn.embedding_backward %g, %ids, %table : tensor<?x8x16xf32>, tensor<?x8xi32>, tensor<100x16xf32>
    ```
  }];
  let arguments = (ins NN_F32Tensor:$grad, NN_I32Tensor:$ids,
                       NN_F32Tensor:$table,
                       DefaultValuedAttr<BoolAttr, "false">:$negative_from_end);
  let results = (outs NN_F32Tensor:$result);
  let assemblyFormat = [{
    $grad `,` $ids `,` $table attr-dict `:` type($grad) `,` type($ids) `,`
    type($table)
  }];
  let hasVerifier = 1;
}

/// Backpropagation through time of a recurrent layer with G gates: the
/// gradients of input, w_ih, w_hh, b_ih, b_hh from the gradient of every
/// hidden state.
class NN_RecurrentBackwardOp<string mnemonic, string layer, int gates>
    : NN_Op<mnemonic, [AllTypesMatch<["grad", "output"]>,
                       AllTypesMatch<["input", "input_grad"]>,
                       AllTypesMatch<["w_ih", "w_ih_grad"]>,
                       AllTypesMatch<["w_hh", "w_hh_grad"]>,
                       AllTypesMatch<["b_ih", "b_hh", "b_ih_grad",
                                      "b_hh_grad"]>]> {
  let summary = "Backpropagation through time of nn." # layer;
  let description = [{
    `output` `[N, T, H]` is the result of the forward `nn.}] # layer #
    [{` of `input` with the given weights, `grad` its gradient (every
    step's hidden state, zero where a step does not reach the loss). The
    gates are the optional `preactivations` operand (`nn.lstm_with_gates`
    and `nn.gru_with_gates` store them in the forward pass: LSTM's
    `[N, T, 5H]`, its gates' activations and cell state, GRU's
    `[N, T, 4H]`, its gates' activations and n's hidden term), else
    recomputed from `input` and the hidden states of
    `output` with two matrix products over all steps; a
    reverse loop
    over the steps carries the gradient of the hidden (and cell) state;
    the weight gradients are matrix products over all steps afterwards.

    ```mlir
    %dx, %dwi, %dwh, %dbi, %dbh = nn.}] # mnemonic #
    [{ %g, %x, %h, %wi, %wh, %bi, %bh : tensor<?x5x4xf32>, tensor<?x5x3xf32>, tensor<}] #
    !cast<string>(!mul(gates, 4)) # [{x3xf32>, tensor<}] # !cast<string>(!mul(gates, 4)) #
    [{x4xf32>, tensor<}] # !cast<string>(!mul(gates, 4)) # [{xf32>
    ```
  }];
  let arguments = (ins NN_F32Tensor:$grad, NN_F32Tensor:$input,
                       NN_F32Tensor:$output, NN_F32Tensor:$w_ih,
                       NN_F32Tensor:$w_hh, NN_F32Tensor:$b_ih,
                       NN_F32Tensor:$b_hh,
                       Optional<NN_F32Tensor>:$preactivations);
  let results = (outs NN_F32Tensor:$input_grad, NN_F32Tensor:$w_ih_grad,
                      NN_F32Tensor:$w_hh_grad, NN_F32Tensor:$b_ih_grad,
                      NN_F32Tensor:$b_hh_grad);
  let assemblyFormat = [{
    $grad `,` $input `,` $output `,` $w_ih `,` $w_hh `,` $b_ih `,` $b_hh
    (`preactivations` $preactivations^ `:` type($preactivations))?
    attr-dict `:` type($grad) `,` type($input) `,` type($w_ih) `,`
    type($w_hh) `,` type($b_ih)
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// The number of gates G stacked in the weights.
    static constexpr int64_t kGates = }] # gates # [{;
  }];
}

def NN_RnnBackwardOp : NN_RecurrentBackwardOp<"rnn_backward", "rnn", 1> {
  let arguments = (ins NN_F32Tensor:$grad, NN_F32Tensor:$input,
                       NN_F32Tensor:$output, NN_F32Tensor:$w_ih,
                       NN_F32Tensor:$w_hh, NN_F32Tensor:$b_ih,
                       NN_F32Tensor:$b_hh,
                       Optional<NN_F32Tensor>:$preactivations,
                       DefaultValuedAttr<NN_NonlinearityAttr,
                         "::mlir::nn::Nonlinearity::tanh">:$nonlinearity);
}
def NN_LstmBackwardOp : NN_RecurrentBackwardOp<"lstm_backward", "lstm", 4> {
  let hasCanonicalizer = 1;
}

def NN_LstmWithGatesOp : NN_Op<"lstm_with_gates"> {
  let summary = "nn.lstm and its gates, in one pass";
  let description = [{
    The forward `nn.lstm` of a differentiated model, when its
    `nn.lstm_backward` reads the same operands and result (the
    canonicalization of lstm_backward, NNFolds.cpp): `result` is nn.lstm's
    `[N, T, H]`, `preactivations` `[N, T, 5H]` the gates of every step
    activated as the cell used them (sigmoid of the sums
    `x W_ih^T + b_ih + b_hh + h_{t-1} W_hh^T` for i, f and o, tanh for g),
    then the step's cell state c_t. The backward pass reads them instead of
    recomputing both projections over all steps (two matrix products, a
    third of an LSTM training step's products), the activations and the
    cell states.

    ```mlir
    %h, %a = nn.lstm_with_gates %x, %wi, %wh, %bi, %bh : (tensor<?x28x28xf32>, tensor<512x28xf32>, tensor<512x128xf32>, tensor<512xf32>, tensor<512xf32>) -> (tensor<?x28x128xf32>, tensor<?x28x640xf32>)
    ```
  }];
  let arguments = (ins NN_F32Tensor:$input, NN_F32Tensor:$w_ih,
                       NN_F32Tensor:$w_hh, NN_F32Tensor:$b_ih,
                       NN_F32Tensor:$b_hh);
  let results = (outs NN_F32Tensor:$result, NN_F32Tensor:$preactivations);
  let assemblyFormat =
      "operands attr-dict `:` functional-type(operands, results)";
  let extraClassDeclaration = [{
    /// The number of gates G stacked in the weights.
    static constexpr int64_t kGates = 4;
    /// The blocks of H stored per step: the four gates and the cell state.
    static constexpr int64_t kStored = 5;
  }];
}
def NN_GruBackwardOp : NN_RecurrentBackwardOp<"gru_backward", "gru", 3> {
  let arguments = (ins NN_F32Tensor:$grad, NN_F32Tensor:$input,
                       NN_F32Tensor:$output, NN_F32Tensor:$w_ih,
                       NN_F32Tensor:$w_hh, NN_F32Tensor:$b_ih,
                       NN_F32Tensor:$b_hh,
                       Optional<NN_F32Tensor>:$preactivations,
                       DefaultValuedAttr<BoolAttr, "true">:$linear_before_reset);
  let hasCanonicalizer = 1;
}

def NN_GruWithGatesOp : NN_Op<"gru_with_gates"> {
  let summary = "nn.gru and its gates, in one pass";
  let description = [{
    The forward `nn.gru` of a differentiated model, when its
    `nn.gru_backward` reads the same operands, attribute and result (the
    canonicalization of gru_backward, NNFolds.cpp): `result` is nn.gru's
    `[N, T, H]`, `preactivations` `[N, T, 4H]` what every step computed,
    as the forward computed it: r and z activated, the sigmoid of
    `x W_i{r,z}^T + b_i{r,z} + b_h{r,z} + h_{t-1} W_h{r,z}^T`, n activated,
    `tanh(x W_in^T + b_in + r hn)` (`+ hn` with
    `linear_before_reset = false`), then n's hidden term hn,
    `h_{t-1} W_hn^T + b_hn` (or `(r h_{t-1}) W_hn^T + b_hn`). The backward
    pass reads them instead of recomputing both projections over all steps
    and the activations.

    ```mlir
    %h, %a = nn.gru_with_gates %x, %wi, %wh, %bi, %bh : (tensor<?x28x28xf32>, tensor<384x28xf32>, tensor<384x128xf32>, tensor<384xf32>, tensor<384xf32>) -> (tensor<?x28x128xf32>, tensor<?x28x512xf32>)
    ```
  }];
  let arguments = (ins NN_F32Tensor:$input, NN_F32Tensor:$w_ih,
                       NN_F32Tensor:$w_hh, NN_F32Tensor:$b_ih,
                       NN_F32Tensor:$b_hh,
                       DefaultValuedAttr<BoolAttr, "true">:$linear_before_reset);
  let results = (outs NN_F32Tensor:$result, NN_F32Tensor:$preactivations);
  let assemblyFormat =
      "operands attr-dict `:` functional-type(operands, results)";
  let extraClassDeclaration = [{
    /// The number of gates G stacked in the weights.
    static constexpr int64_t kGates = 3;
    /// The blocks of H stored per step: r, z, n's input and hidden terms.
    static constexpr int64_t kStored = 4;
  }];
}

#endif // NNC_DIALECT_NN_NNLAYERGRADOPS_TD
