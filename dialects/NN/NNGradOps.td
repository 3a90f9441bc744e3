//===- NNGradOps.td - backward ops emitted by adjoints -----*- tablegen -*-===//
//
// Ops that only autodiff emits: the gradients of layers and losses whose
// derivative is awkward or slow to compose from forward ops (gelu's erf
// derivative, the losses' division by a run-time element count). Each
// takes the forward operands plus the incoming gradient and returns the
// gradient of the forward op's first operand. Lowered to linalg in
// lib/Conversion/NNToLinalg/Grad*.cpp. Included by NNOps.td.
//
//===----------------------------------------------------------------------===//

#ifndef NNC_DIALECT_NN_NNGRADOPS_TD
#define NNC_DIALECT_NN_NNGRADOPS_TD

def NN_GeluBackwardOp : NN_Op<"gelu_backward",
    [Elementwise, AllTypesMatch<["grad", "input", "result"]>]> {
  let summary = "Gradient of gelu: grad * gelu'(input)";
  let description = [{
    Exact form: `gelu'(x) = Phi(x) + x phi(x)` with `Phi` the standard
    normal CDF `0.5 (1 + erf(x / sqrt(2)))` and `phi` its density; with
    `approximate = true` the derivative of the tanh form.

    ```mlir
    %dx = nn.gelu_backward %g, %x : tensor<?x128xf32>
    ```
  }];
  let arguments = (ins NN_F32Tensor:$grad, NN_F32Tensor:$input,
                       DefaultValuedAttr<BoolAttr, "false">:$approximate);
  let results = (outs NN_F32Tensor:$result);
  let assemblyFormat = "$grad `,` $input attr-dict `:` type($result)";
  let hasCanonicalizer = 1;
}

def NN_GeluWithSlopeOp : NN_Op<"gelu_with_slope",
    [Elementwise, AllTypesMatch<["input", "result", "slope"]>]> {
  let summary = "gelu(input) and its derivative gelu'(input), in one pass";
  let description = [{
    The forward gelu of a differentiated model, when its gradient
    `nn.gelu_backward %g, %x` is `%g * slope` (the canonicalization of
    gelu_backward, NNFolds.cpp): both share the erf (or tanh) of `x`, and
    the backward pass reads the stored slope instead of recomputing it from
    `x`. `result` is `nn.gelu`'s, `slope` is gelu_backward's factor.

    ```mlir
    %y, %s = nn.gelu_with_slope %x : tensor<?x512xf32>
    ```
  }];
  let arguments = (ins NN_F32Tensor:$input,
                       DefaultValuedAttr<BoolAttr, "false">:$approximate);
  let results = (outs NN_F32Tensor:$result, NN_F32Tensor:$slope);
  let assemblyFormat = "$input attr-dict `:` type($input)";
}

/// The gradient of a loss with respect to its prediction: `grad` (the
/// loss's incoming gradient, a scalar) times the derivative of the mean,
/// whose element count is read at run time (the batch is dynamic).
class NN_LossBackwardOp<string mnemonic, string formula>
    : NN_Op<mnemonic, [AllTypesMatch<["input", "result"]>]> {
  let summary = "Gradient of a loss w.r.t. its prediction: grad * " # formula;
  let description = [{
    `input` and `target` are the forward loss's operands, `grad` the
    gradient of the loss (`tensor<f32>`); the result has the type of
    `input`. `numel` below is the number of elements of `input`, known at
    run time.

    ```mlir
    %dx = nn.}] # mnemonic # [{ %x, %y, %g : tensor<?x3xf32>, tensor<?x3xf32>, tensor<f32>
    ```
  }];
  let arguments = (ins NN_F32Tensor:$input, NN_F32OrI32Tensor:$target,
                       NN_Scalar:$grad);
  let results = (outs NN_F32Tensor:$result);
  let assemblyFormat = [{
    $input `,` $target `,` $grad attr-dict `:` type($input) `,` type($target)
    `,` type($grad)
  }];
  let hasVerifier = 1;
}

def NN_MseLossBackwardOp
    : NN_LossBackwardOp<"mse_loss_backward", "2 (x - y) / numel">;
def NN_MaeLossBackwardOp
    : NN_LossBackwardOp<"mae_loss_backward", "sign(x - y) / numel">;
def NN_BceLossBackwardOp
    : NN_LossBackwardOp<"bce_loss_backward",
        "(x - y) / max(x (1 - x), 1e-12) / numel">;
def NN_BceLogitsLossBackwardOp
    : NN_LossBackwardOp<"bce_logits_loss_backward",
        "(sigmoid(x) - y) / numel">;
def NN_PerceptronLossBackwardOp
    : NN_LossBackwardOp<"perceptron_loss_backward",
        "(t s <= 0 ? -t : 0) / numel, t = 2y - 1">;

def NN_HuberLossBackwardOp : NN_LossBackwardOp<"huber_loss_backward",
    "clamp(x - y, -delta, delta) / numel"> {
  let arguments = (ins NN_F32Tensor:$input, NN_F32Tensor:$target,
                       NN_Scalar:$grad,
                       DefaultValuedAttr<F32Attr, "1.0f">:$delta);
}

def NN_CrossEntropyBackwardOp : NN_Op<"cross_entropy_backward",
    [AllTypesMatch<["input", "result"]>, NN_IndexOperand]> {
  let summary = "Gradient of cross_entropy_loss: grad * (softmax(x) - t) / N";
  let description = [{
    `input` are the logits `[N, C]`, `target` i32 class indices `[N]` (then
    `t` is their one-hot rows) or f32 probabilities `[N, C]` (then the
    result is `grad * (softmax(x) * sum_c t - t) / N`, which is
    `softmax(x) - t` for rows summing to one). N is the run-time batch.

    ```mlir
    %dx = nn.cross_entropy_backward %logits, %y, %g : tensor<?x3xf32>, tensor<?xi32>, tensor<f32>
    ```
  }];
  let arguments = (ins NN_F32Tensor:$input, NN_F32OrI32Tensor:$target,
                       NN_Scalar:$grad);
  let results = (outs NN_F32Tensor:$result);
  let assemblyFormat = [{
    $input `,` $target `,` $grad attr-dict `:` type($input) `,` type($target)
    `,` type($grad)
  }];
  let hasVerifier = 1;
}

#endif // NNC_DIALECT_NN_NNGRADOPS_TD
