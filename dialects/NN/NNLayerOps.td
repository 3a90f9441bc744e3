//===- NNLayerOps.td - nn layers with parameters -----------*- tablegen -*-===//
//
// Layers: dense, matmul, convolution and pooling, batch and layer
// normalisation, embedding and positions, the recurrent cells and
// self-attention. Parameters are explicit operands, laid out as PyTorch
// stores them, so checkpoints move both ways. Included by NNOps.td.
//
//===----------------------------------------------------------------------===//

#ifndef NNC_DIALECT_NN_NNLAYEROPS_TD
#define NNC_DIALECT_NN_NNLAYEROPS_TD

def NN_DenseOp : NN_InferredOp<"dense", [NN_Differentiable]> {
  let summary = "Affine layer y = x W^T + b over the last dimension";
  let description = [{
    `input` is `[..., K]` (rank >= 2), `weight` `[O, K]` (PyTorch's
    `[out, in]`), the optional `bias` `[O]`; the result is `[..., O]`.

    ```mlir
    %y = nn.dense %x, %w, %b : (tensor<?x2xf32>, tensor<64x2xf32>, tensor<64xf32>) -> tensor<?x64xf32>
    ```
  }];
  let arguments = (ins NN_F32Tensor:$input, NN_F32Tensor:$weight,
                       Optional<NN_F32Tensor>:$bias);
  let results = (outs NN_F32Tensor:$result);
  let assemblyFormat = NN_FunctionalFormat;
}

def NN_MatmulOp : NN_InferredOp<"matmul", [NN_Differentiable]> {
  let summary = "Matrix product, optionally batched and with transposed operands";
  let description = [{
    Operands of rank 2, 3 or 4: `[B..., M, K] x [B..., K, P] -> [B..., M, P]`
    after transposing the last two dimensions of an operand whose
    `transpose_lhs`/`transpose_rhs` is set. Batch dimensions must agree,
    except that a rank-2 `rhs` is shared by every batch of `lhs`.

    ```mlir
    %s = nn.matmul %q, %k {transpose_rhs = true} : (tensor<?x16x16xf32>, tensor<?x16x16xf32>) -> tensor<?x16x16xf32>
    ```
  }];
  let arguments = (ins NN_F32Tensor:$lhs, NN_F32Tensor:$rhs,
                       DefaultValuedAttr<BoolAttr, "false">:$transpose_lhs,
                       DefaultValuedAttr<BoolAttr, "false">:$transpose_rhs);
  let results = (outs NN_F32Tensor:$result);
  let assemblyFormat = NN_FunctionalFormat;
}

def NN_Conv2DOp : NN_InferredOp<"conv2d", [NN_Differentiable]> {
  let summary = "2-D convolution (cross-correlation) on NCHW images";
  let description = [{
    `input` `[N, C, H, W]`, `weight` `[O, C/groups, KH, KW]`, optional
    `bias` `[O]`. `strides` is (h, w), `padding` (top, left, bottom, right)
    of zeros, `dilations` (h, w). Output size per spatial dim:
    `(H + top + bottom - dilation * (KH - 1) - 1) / stride + 1`.

    ```mlir
    %y = nn.conv2d %x, %w, %b {padding = array<i64: 1, 1, 1, 1>} : (tensor<?x1x28x28xf32>, tensor<32x1x3x3xf32>, tensor<32xf32>) -> tensor<?x32x28x28xf32>
    ```
  }];
  let arguments = (ins NN_F32Tensor:$input, NN_F32Tensor:$weight,
                       Optional<NN_F32Tensor>:$bias,
                       DefaultValuedAttr<DenseI64ArrayAttr, "{1, 1}">:$strides,
                       DefaultValuedAttr<DenseI64ArrayAttr, "{0, 0, 0, 0}">:$padding,
                       DefaultValuedAttr<DenseI64ArrayAttr, "{1, 1}">:$dilations,
                       DefaultValuedAttr<I64Attr, "1">:$groups);
  let results = (outs NN_F32Tensor:$result);
  let assemblyFormat = NN_FunctionalFormat;
}

class NN_Pool2DOp<string mnemonic, string what, dag extra>
    : NN_InferredOp<mnemonic, [NN_Differentiable]> {
  let summary = what # " pooling over windows of NCHW images";
  let arguments = !con((ins NN_F32Tensor:$input, DenseI64ArrayAttr:$kernel,
                       DenseI64ArrayAttr:$strides,
                       DefaultValuedAttr<DenseI64ArrayAttr, "{0, 0, 0, 0}">:$padding),
                       extra);
  let results = (outs NN_F32Tensor:$result);
  let assemblyFormat = NN_FunctionalFormat;
}

def NN_MaxPool2DOp : NN_Pool2DOp<"maxpool2d", "Max",
    (ins DefaultValuedAttr<DenseI64ArrayAttr, "{1, 1}">:$dilations)> {
  let description = [{
    `kernel`, `strides` and `dilations` are (h, w), `padding` (top, left,
    bottom, right); padded cells count as -inf. Every window must see at
    least one real cell (checked tap by tap). Output size per spatial dim:
    `(H + top + bottom - dilation * (KH - 1) - 1) / stride + 1`. The
    front end writes PyTorch's `ceil_mode` as extra bottom/right padding
    (docs/language.md), so the op has no such mode.

    ```mlir
    %y = nn.maxpool2d %x {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>} : (tensor<?x32x28x28xf32>) -> tensor<?x32x14x14xf32>
    ```

    Canonicalization moves a single-use `nn.relu` input after the pooling:
    `maxpool(relu(x)) = relu(maxpool(x))` (both monotone; NaN, signed zeros
    and -inf padding behave alike, and so do the gradients, since the
    window's first maximum is the same tap unless the maximum is <= 0,
    where the relu's derivative is 0 either way), so the relu runs on the
    pooled tensor.
  }];
  let hasCanonicalizer = 1;
}

def NN_AvgPool2DOp : NN_Pool2DOp<"avgpool2d", "Average",
    (ins DefaultValuedAttr<DenseI64ArrayAttr, "{0, 0, 0, 0}">:$divisor_padding)> {
  let description = [{
    Same windows as `nn.maxpool2d` (without dilation). Each output is the
    sum of its window's real cells divided by the number of its cells
    inside the image grown by `divisor_padding` (top, left, bottom, right;
    each at most the `padding` of that side). All zeros (the default) is
    PyTorch's `count_include_pad = False`: the real cells only, never zero
    because every window holds one. `divisor_padding = padding` is
    `count_include_pad = True`; with `ceil_mode` the front end pads the
    extra windows beyond `divisor_padding`, which PyTorch does not count.

    ```mlir
    %y = nn.avgpool2d %x {kernel = array<i64: 3, 3>, strides = array<i64: 1, 1>, padding = array<i64: 1, 1, 1, 1>} : (tensor<?x8x6x6xf32>) -> tensor<?x8x6x6xf32>
    ```
  }];
}

def NN_BatchNormOp : NN_InferredOp<"batchnorm", [NN_Differentiable]> {
  let summary = "Batch normalisation with the running statistics (inference)";
  let description = [{
    `input` `[N, C]` or `[N, C, H, W]`; `gamma`, `beta`, `running_mean`,
    `running_var` are `[C]`.
    `y = (x - running_mean) / sqrt(running_var + eps) * gamma + beta`.
    Of a single-use `nn.conv2d`, it canonicalizes into the convolution: the
    weights of output channel c times `s[c] = gamma / sqrt(running_var +
    eps)`, the bias `(bias - running_mean) * s + beta` (computed once per
    call, on the `[C]` vectors), so that no pass over the activations
    normalizes them.

    ```mlir
    %y = nn.batchnorm %x, %g, %b, %m, %v {eps = 9.99999974E-6 : f32} : (tensor<?x16xf32>, tensor<16xf32>, tensor<16xf32>, tensor<16xf32>, tensor<16xf32>) -> tensor<?x16xf32>
    ```
  }];
  let arguments = (ins NN_F32Tensor:$input, NN_F32Tensor:$gamma,
                       NN_F32Tensor:$beta, NN_F32Tensor:$running_mean,
                       NN_F32Tensor:$running_var,
                       DefaultValuedAttr<F32Attr, "1e-5f">:$eps);
  let results = (outs NN_F32Tensor:$result);
  let assemblyFormat = NN_FunctionalFormat;
  let hasCanonicalizer = 1;
}

def NN_BatchNormTrainOp : NN_InferredOp<"batchnorm_train", [NN_Differentiable]> {
  let summary = "Batch normalisation with batch statistics, updating the running ones";
  let description = [{
    Same operands as `nn.batchnorm`. Normalises with the mean and the
    biased variance of the batch (over N, and H, W for images) and returns
    the updated running statistics, computed with the unbiased variance:
    `new = (1 - momentum) * running + momentum * batch` (PyTorch's default
    momentum 0.1).

    With the optional `replicas` operand (the `nn.replicas` argument of a
    model compiled with `sync_batchnorm`), the statistics are those of the
    batch of every replica together, as PyTorch's `SyncBatchNorm`: the
    per-channel sums are summed over the replicas (`nn.replica_sum`) before
    the mean and variance are formed, and the adjoint sums its per-channel
    reductions over the replicas too (docs/distributed.md).

    ```mlir
    %y, %m1, %v1 = nn.batchnorm_train %x, %g, %b, %m, %v {momentum = 1.000000e-01 : f32} : (tensor<?x8x4x4xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>) -> (tensor<?x8x4x4xf32>, tensor<8xf32>, tensor<8xf32>)
    %z, %m2, %v2 = nn.batchnorm_train %x, %g, %b, %m, %v, %replicas : (tensor<?x8x4x4xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<i64>) -> (tensor<?x8x4x4xf32>, tensor<8xf32>, tensor<8xf32>)
    ```
  }];
  let arguments = (ins NN_F32Tensor:$input, NN_F32Tensor:$gamma,
                       NN_F32Tensor:$beta, NN_F32Tensor:$running_mean,
                       NN_F32Tensor:$running_var,
                       Optional<NN_Seed>:$replicas,
                       DefaultValuedAttr<F32Attr, "1e-5f">:$eps,
                       DefaultValuedAttr<F32Attr, "0.1f">:$momentum);
  let results = (outs NN_F32Tensor:$result, NN_F32Tensor:$new_running_mean,
                      NN_F32Tensor:$new_running_var);
  let assemblyFormat = NN_FunctionalFormat;
}

def NN_BatchStatsOp : NN_InferredOp<"batch_stats"> {
  let summary = "Batch statistics per channel, over the replicas with `replicas`";
  let description = [{
    `input` `[N, C]` or `[N, C, H, W]`: the mean and the biased variance of
    each channel over every dim but the channel (two passes: the mean, then
    the sum of squared deviations from it), the number of elements per
    channel in this replica's `input` (`local_count`) and in all of them
    (`count`). With `replicas`, the sums and counts are summed over the
    replicas first (two `nn.replica_sum`s); without, `count` equals
    `local_count`. The adjoint of a synchronised `nn.batchnorm_train`
    recomputes its statistics with it; it has no adjoint itself.

    ```mlir
    %mean, %var, %n, %count = nn.batch_stats %x, %replicas : (tensor<?x8x4x4xf32>, tensor<i64>) -> (tensor<8xf32>, tensor<8xf32>, tensor<f32>, tensor<f32>)
    ```
  }];
  let arguments = (ins NN_F32Tensor:$input, Optional<NN_Seed>:$replicas);
  let results = (outs NN_F32Tensor:$mean, NN_F32Tensor:$var,
                      NN_Scalar:$local_count, NN_Scalar:$count);
  let assemblyFormat = NN_FunctionalFormat;
}

def NN_ReplicaSumOp : NN_InferredOp<"replica_sum", [NN_Differentiable]> {
  let summary = "Sums a small f32 tensor over the replicas (data-parallel processes)";
  let description = [{
    Every process that trains the model data-parallel (a *replica*) holds
    its own `input`; the result is their element-wise sum, the same on
    every replica. `replicas` is the entry's `nn.replicas` argument: the
    model instance, through which the compiled code calls the all-reduce
    callback that the host installed (`nnc_model_set_allreduce`, C ABI);
    with none installed the op is the identity (one process). Every
    replica runs the same code, so the replica sums happen in the same
    order everywhere. The input has a static shape (per-channel sums).

    Its adjoint is itself: the derivative of a sum over the replicas of the
    objective `sum_r L_r` with respect to one replica's input is the sum
    over the replicas of their result gradients.

    ```mlir
    %s = nn.replica_sum %x, %replicas : (tensor<2x16xf32>, tensor<i64>) -> tensor<2x16xf32>
    ```
  }];
  let arguments = (ins NN_F32Tensor:$input, NN_Seed:$replicas);
  let results = (outs NN_F32Tensor:$result);
  let assemblyFormat = NN_FunctionalFormat;
}

def NN_LayerNormOp : NN_InferredOp<"layernorm", [NN_Differentiable, NN_BatchAxisAware]> {
  let summary = "Layer normalisation over the last dimension";
  let description = [{
    `input` `[..., D]`, `gamma` and `beta` `[D]`; the biased variance of
    the last dimension normalises: `(x - mean) / sqrt(var + eps) * gamma + beta`.

    ```mlir
    %y = nn.layernorm %x, %g, %b : (tensor<?x16x64xf32>, tensor<64xf32>, tensor<64xf32>) -> tensor<?x16x64xf32>
    ```
  }];
  let arguments = (ins NN_F32Tensor:$input, NN_F32Tensor:$gamma,
                       NN_F32Tensor:$beta,
                       DefaultValuedAttr<F32Attr, "1e-5f">:$eps);
  let results = (outs NN_F32Tensor:$result);
  let assemblyFormat = NN_FunctionalFormat;
}

def NN_EmbeddingOp : NN_InferredOp<"embedding",
    [NN_Differentiable, NN_IndexOperand]> {
  let summary = "Looks up rows of a table: ids [N, T...] -> [N, T..., D]";
  let description = [{
    `ids` are i32 in `[0, V)`, `table` is `[V, D]`. With
    `negative_from_end` an id in `[-V, -1]` counts from the end, `id + V`
    (ONNX's Gather: -1 is the last row). The lowering then clamps every id
    to `[0, V)`, so no id reads outside the table.

    ```mlir
    %e = nn.embedding %ids, %table : (tensor<?x32xi32>, tensor<1000x64xf32>) -> tensor<?x32x64xf32>
    ```
  }];
  let arguments = (ins NN_I32Tensor:$ids, NN_F32Tensor:$table,
                       DefaultValuedAttr<BoolAttr, "false">:$negative_from_end);
  let results = (outs NN_F32Tensor:$result);
  let assemblyFormat = NN_FunctionalFormat;
}

def NN_PositionalSinusoidalOp : NN_InferredOp<"positional_sinusoidal", [NN_Differentiable]> {
  let summary = "Adds the sinusoidal positional encoding: x + PE";
  let description = [{
    `input` `[N, T, D]` with D even; `PE[t, 2i] = sin(t / 10000^(2i/D))`,
    `PE[t, 2i+1] = cos(t / 10000^(2i/D))` (the PyTorch tutorial's table).
    Learned positions are an `nn.add` with a `[T, D]` parameter instead.

    ```mlir
    %y = nn.positional_sinusoidal %x : tensor<?x16x64xf32>
    ```
  }];
  let arguments = (ins NN_F32Tensor:$input);
  let results = (outs NN_F32Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input)";
}

/// A recurrent layer over a whole sequence, PyTorch layout, zero initial
/// state; `gates` is G in the weight shapes [G*H, I] and [G*H, H].
class NN_RecurrentOp<string mnemonic, int gates>
    : NN_InferredOp<mnemonic, [NN_Differentiable]> {
  let arguments = (ins NN_F32Tensor:$input, NN_F32Tensor:$w_ih,
                       NN_F32Tensor:$w_hh, NN_F32Tensor:$b_ih,
                       NN_F32Tensor:$b_hh);
  let results = (outs NN_F32Tensor:$result);
  let assemblyFormat = NN_FunctionalFormat;
  let extraClassDeclaration = [{
    /// The number of gates G stacked in the weights.
    static constexpr int64_t kGates = }] # gates # [{;
  }];
}

def NN_RnnOp : NN_RecurrentOp<"rnn", 1> {
  let summary = "Elman RNN: h_t = act(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh)";
  let description = [{
    `input` `[N, T, I]`, `w_ih` `[H, I]`, `w_hh` `[H, H]`, `b_ih` and `b_hh`
    `[H]`; returns every hidden state `[N, T, H]` (`nn.last` takes the
    final one). `nonlinearity` is `tanh` (default) or `relu`.

    ```mlir
    %h = nn.rnn %x, %wi, %wh, %bi, %bh {nonlinearity = #nn<nonlinearity relu>} : (tensor<?x28x28xf32>, tensor<32x28xf32>, tensor<32x32xf32>, tensor<32xf32>, tensor<32xf32>) -> tensor<?x28x32xf32>
    ```
  }];
  let arguments = (ins NN_F32Tensor:$input, NN_F32Tensor:$w_ih,
                       NN_F32Tensor:$w_hh, NN_F32Tensor:$b_ih,
                       NN_F32Tensor:$b_hh,
                       DefaultValuedAttr<NN_NonlinearityAttr,
                         "::mlir::nn::Nonlinearity::tanh">:$nonlinearity);
}

def NN_LstmOp : NN_RecurrentOp<"lstm", 4> {
  let summary = "LSTM over a sequence, gates in PyTorch's order i, f, g, o";
  let description = [{
    `w_ih` `[4H, I]`, `w_hh` `[4H, H]`, `b_ih` and `b_hh` `[4H]`, rows
    stacked as input, forget, cell and output gates; zero initial h and c.
    Returns every hidden state `[N, T, H]`.

    ```mlir
    %h = nn.lstm %x, %wi, %wh, %bi, %bh : (tensor<?x28x28xf32>, tensor<512x28xf32>, tensor<512x128xf32>, tensor<512xf32>, tensor<512xf32>) -> tensor<?x28x128xf32>
    ```
  }];
}

def NN_GruOp : NN_RecurrentOp<"gru", 3> {
  let summary = "GRU over a sequence, gates in PyTorch's order r, z, n";
  let description = [{
    `w_ih` `[3H, I]`, `w_hh` `[3H, H]`, `b_ih` and `b_hh` `[3H]`, rows
    stacked as reset, update and new gates; `h' = (1 - z) * n + z * h`,
    zero initial state. With `linear_before_reset = true` (the default,
    PyTorch's GRU) the hidden bias of n sits inside the reset product,
    `n = tanh(W_in x + b_in + r * (W_hn h + b_hn))`; with `false` (ONNX's
    default) the reset gate scales the state before its product,
    `n = tanh(W_in x + b_in + W_hn (r * h) + b_hn)`.

    ```mlir
    %h = nn.gru %x, %wi, %wh, %bi, %bh : (tensor<?x28x28xf32>, tensor<192x28xf32>, tensor<192x64xf32>, tensor<192xf32>, tensor<192xf32>) -> tensor<?x28x64xf32>
    %g = nn.gru %x, %wi, %wh, %bi, %bh {linear_before_reset = false} : (tensor<?x28x28xf32>, tensor<192x28xf32>, tensor<192x64xf32>, tensor<192xf32>, tensor<192xf32>) -> tensor<?x28x64xf32>
    ```
  }];
  let arguments = (ins NN_F32Tensor:$input, NN_F32Tensor:$w_ih,
                       NN_F32Tensor:$w_hh, NN_F32Tensor:$b_ih,
                       NN_F32Tensor:$b_hh,
                       DefaultValuedAttr<BoolAttr, "true">:$linear_before_reset);
}

def NN_SelfAttentionOp : NN_InferredOp<"self_attention", [NN_Decomposable]> {
  let summary = "Multi-head self-attention, PyTorch's nn.MultiheadAttention layout";
  let description = [{
    `input` `[N, T, D]`, `in_proj_weight` `[3D, D]` (q, k, v rows stacked),
    `in_proj_bias` `[3D]`, `out_proj_weight` `[D, D]`, `out_proj_bias`
    `[D]`; D must be divisible by `heads`. Scores are scaled by
    `1/sqrt(D/heads)`; with `causal`, position t attends to positions <= t.

    ```mlir
    %y = nn.self_attention %x, %wi, %bi, %wo, %bo {heads = 4 : i64, causal = true} : (tensor<?x16x64xf32>, tensor<192x64xf32>, tensor<192xf32>, tensor<64x64xf32>, tensor<64xf32>) -> tensor<?x16x64xf32>
    ```
  }];
  let arguments = (ins NN_F32Tensor:$input, NN_F32Tensor:$in_proj_weight,
                       NN_F32Tensor:$in_proj_bias,
                       NN_F32Tensor:$out_proj_weight,
                       NN_F32Tensor:$out_proj_bias, I64Attr:$heads,
                       DefaultValuedAttr<BoolAttr, "false">:$causal);
  let results = (outs NN_F32Tensor:$result);
  let assemblyFormat = NN_FunctionalFormat;
}

#endif // NNC_DIALECT_NN_NNLAYEROPS_TD
