//===- NNLossOps.td - nn losses and penalties --------------*- tablegen -*-===//
//
// Losses reduce a prediction and a target to an f32 scalar, averaged over
// every element as PyTorch's default `reduction='mean'` does; penalties sum
// over a list of parameters. Included by NNOps.td.
//
//===----------------------------------------------------------------------===//

#ifndef NNC_DIALECT_NN_NNLOSSOPS_TD
#define NNC_DIALECT_NN_NNLOSSOPS_TD

/// A loss comparing a prediction with a target of the same shape.
class NN_PairLossOp<string mnemonic, string formula>
    : NN_LossOp<mnemonic> {
  let summary = "mean(" # formula # ") over every element";
  let description = [{
    `input` and `target` are f32 of the same shape (a dynamic batch matches
    any size); the result is the mean over all elements, a `tensor<f32>`.

    ```mlir
    %l = nn.}] # mnemonic # [{ %pred, %y : tensor<?x1xf32>, tensor<?x1xf32>
    ```
  }];
  let arguments = (ins NN_F32Tensor:$input, NN_F32Tensor:$target);
}

def NN_MseLossOp : NN_PairLossOp<"mse_loss", "(x - y)^2">;
def NN_MaeLossOp : NN_PairLossOp<"mae_loss", "|x - y|">;
def NN_BceLossOp : NN_PairLossOp<"bce_loss",
    "-(y log x + (1 - y) log(1 - x)), x a probability (logs clamped at -100)">;
def NN_BceLogitsLossOp : NN_PairLossOp<"bce_logits_loss",
    "max(x, 0) - x y + log(1 + exp(-|x|)), x a logit">;

def NN_HuberLossOp : NN_LossOp<"huber_loss"> {
  let summary = "Huber loss: quadratic within delta, linear outside";
  let description = [{
    Per element `0.5 d^2` if `|d| < delta` else `delta (|d| - 0.5 delta)`,
    `d = x - y`, averaged (PyTorch's `HuberLoss`, default delta 1).

    ```mlir
    %l = nn.huber_loss %pred, %y {delta = 1.000000e+00 : f32} : tensor<?x1xf32>, tensor<?x1xf32>
    ```
  }];
  let arguments = (ins NN_F32Tensor:$input, NN_F32Tensor:$target,
                       DefaultValuedAttr<F32Attr, "1.0f">:$delta);
}

def NN_CrossEntropyLossOp : NN_LossOp<"cross_entropy_loss", [NN_IndexOperand]> {
  let summary = "Softmax cross-entropy of logits against classes or distributions";
  let description = [{
    `input` is logits `[N, C]`; `target` is either i32 class indices `[N]`
    (values in [0, C)) or f32 probabilities / one-hot rows `[N, C]`. The
    loss is `mean_n(-sum_c t[n, c] log_softmax(x)[n, c])`, PyTorch's
    `CrossEntropyLoss` for both target forms.

    ```mlir
    %l = nn.cross_entropy_loss %logits, %y : tensor<?x3xf32>, tensor<?xi32>
    ```
  }];
  let arguments = (ins NN_F32Tensor:$input, NN_F32OrI32Tensor:$target);
}

def NN_PerceptronLossOp : NN_LossOp<"perceptron_loss"> {
  let summary = "Perceptron criterion mean(max(0, -t s)) with labels {0,1} -> {-1,+1}";
  let description = [{
    `input` holds the scores `s` before the step, `[N]` or `[N, 1]`;
    `target` the labels `y` in {0, 1}, same shape, mapped to `t = 2y - 1`.
    A correctly classified sample costs nothing, a wrong one its margin,
    so gradient descent performs Rosenblatt's update `w += lr t x` on
    mistakes (the boundary case s = 0 counts as correct).

    ```mlir
    %l = nn.perceptron_loss %s, %y : tensor<?x1xf32>, tensor<?x1xf32>
    ```
  }];
  let arguments = (ins NN_F32Tensor:$input, NN_F32Tensor:$target);
}

class NN_PenaltyOp<string mnemonic, string formula, string why>
    : NN_LossOp<mnemonic> {
  let summary = formula # " over a list of parameters";
  let description = [{
    }] # why # [{ Not averaged over the batch: add it to a loss.

    ```mlir
    %p = nn.}] # mnemonic # [{ %w1, %w2 {weight = 1.000000e-04 : f32} : tensor<64x2xf32>, tensor<3x64xf32>
    ```
  }];
  let arguments = (ins Variadic<NN_F32Tensor>:$params, F32Attr:$weight);
}

def NN_L1PenaltyOp : NN_PenaltyOp<"l1_penalty", "weight * sum |p|",
    "Its gradient is `weight * sign(p)`.">;
def NN_L2PenaltyOp : NN_PenaltyOp<"l2_penalty", "weight / 2 * sum p^2",
    "The 1/2 makes its gradient `weight * p`, exactly PyTorch's SGD/Adam "
    "`weight_decay = weight`.">;

#endif // NNC_DIALECT_NN_NNLOSSOPS_TD
