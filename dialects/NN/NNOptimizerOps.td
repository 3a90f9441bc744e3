//===- NNOptimizerOps.td - elementwise optimizer updates ---*- tablegen -*-===//
//
// One op per optimizer step rule, emitted by the `nnc-optimizer` pass: each
// reads a parameter, its gradient and its state and returns the new
// parameter and state, elementwise, so that the lowering makes one
// `linalg.generic` per parameter (every parameter touched once). The
// formulas are PyTorch's (torch.optim); docs/autodiff.md states them.
// Included by NNOps.td.
//
//===----------------------------------------------------------------------===//

#ifndef NNC_DIALECT_NN_NNOPTIMIZEROPS_TD
#define NNC_DIALECT_NN_NNOPTIMIZEROPS_TD

/// The learning rate of this step, an f32 scalar.
def NN_LearningRate : 0DTensorOf<[F32]> {
  let builderCall = "::mlir::RankedTensorType::get({}, $_builder.getF32Type())";
}
/// The 1-based optimizer step, an i64 scalar.
def NN_StepCount : 0DTensorOf<[I64]> {
  let builderCall = "::mlir::RankedTensorType::get({}, $_builder.getI64Type())";
}

def NN_SgdUpdateOp : NN_Op<"sgd_update",
    [AllTypesMatch<["param", "grad", "new_param"]>]> {
  let summary = "Plain SGD: p - lr * (g + weight_decay * p)";
  let description = [{
    torch.optim.SGD without momentum.

    ```mlir
    %w1 = nn.sgd_update %w, %g, %lr {weight_decay = 0.000000e+00 : f32} : tensor<64x2xf32>
    ```
  }];
  let arguments = (ins NN_F32Tensor:$param, NN_F32Tensor:$grad,
                       NN_LearningRate:$lr,
                       DefaultValuedAttr<F32Attr, "0.0f">:$weight_decay);
  let results = (outs NN_F32Tensor:$new_param);
  let assemblyFormat = "$param `,` $grad `,` $lr attr-dict `:` type($param)";
}

def NN_MomentumUpdateOp : NN_Op<"momentum_update",
    [AllTypesMatch<["param", "grad", "buffer", "new_param",
                                 "new_buffer"]>]> {
  let summary = "SGD with momentum (dampening 0), optionally Nesterov";
  let description = [{
    torch.optim.SGD with `momentum = mu`, `dampening = 0`:
    `d = g + weight_decay * p`; `buf = step == 1 ? d : mu * buf + d`;
    `p -= lr * (nesterov ? d + mu * buf : buf)`. The buffer starts as the
    first gradient, as in PyTorch.

    ```mlir
    %w1, %b1 = nn.momentum_update %w, %g, %buf, %lr, %step {momentum = 9.000000e-01 : f32} : tensor<64x2xf32>
    ```
  }];
  let arguments = (ins NN_F32Tensor:$param, NN_F32Tensor:$grad,
                       NN_F32Tensor:$buffer, NN_LearningRate:$lr,
                       NN_StepCount:$step, F32Attr:$momentum,
                       DefaultValuedAttr<F32Attr, "0.0f">:$weight_decay,
                       DefaultValuedAttr<BoolAttr, "false">:$nesterov);
  let results = (outs NN_F32Tensor:$new_param, NN_F32Tensor:$new_buffer);
  let assemblyFormat = [{
    $param `,` $grad `,` $buffer `,` $lr `,` $step attr-dict `:` type($param)
  }];
}

def NN_RmspropUpdateOp : NN_Op<"rmsprop_update",
    [AllTypesMatch<["param", "grad", "square_avg", "new_param",
                                 "new_square_avg"]>]> {
  let summary = "RMSprop (no momentum, not centered)";
  let description = [{
    torch.optim.RMSprop: `d = g + weight_decay * p`;
    `sq = alpha * sq + (1 - alpha) * d^2`; `p -= lr * d / (sqrt(sq) + eps)`.

    ```mlir
    %w1, %s1 = nn.rmsprop_update %w, %g, %sq, %lr {alpha = 9.900000e-01 : f32, eps = 9.99999993E-9 : f32} : tensor<64x2xf32>
    ```
  }];
  let arguments = (ins NN_F32Tensor:$param, NN_F32Tensor:$grad,
                       NN_F32Tensor:$square_avg, NN_LearningRate:$lr,
                       DefaultValuedAttr<F32Attr, "0.99f">:$alpha,
                       DefaultValuedAttr<F32Attr, "1e-8f">:$eps,
                       DefaultValuedAttr<F32Attr, "0.0f">:$weight_decay);
  let results = (outs NN_F32Tensor:$new_param, NN_F32Tensor:$new_square_avg);
  let assemblyFormat = [{
    $param `,` $grad `,` $square_avg `,` $lr attr-dict `:` type($param)
  }];
}

def NN_AdamUpdateOp : NN_Op<"adam_update",
    [AllTypesMatch<["param", "grad", "exp_avg", "exp_avg_sq",
                                 "new_param", "new_exp_avg",
                                 "new_exp_avg_sq"]>]> {
  let summary = "Adam (L2 weight decay) or AdamW (decoupled weight decay)";
  let description = [{
    torch.optim.Adam / AdamW with bias correction, `t = step`:
    Adam `d = g + weight_decay * p`, AdamW (`decoupled`) `d = g` and
    `p *= 1 - lr * weight_decay` first; then
    `m = beta1 m + (1 - beta1) d`, `v = beta2 v + (1 - beta2) d^2`,
    `p -= lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)`.

    ```mlir
    %w1, %m1, %v1 = nn.adam_update %w, %g, %m, %v, %lr, %step {beta1 = 0.9 : f32, beta2 = 0.999 : f32, eps = 1.0e-8 : f32} : tensor<64x2xf32>
    ```
  }];
  let arguments = (ins NN_F32Tensor:$param, NN_F32Tensor:$grad,
                       NN_F32Tensor:$exp_avg, NN_F32Tensor:$exp_avg_sq,
                       NN_LearningRate:$lr, NN_StepCount:$step,
                       DefaultValuedAttr<F32Attr, "0.9f">:$beta1,
                       DefaultValuedAttr<F32Attr, "0.999f">:$beta2,
                       DefaultValuedAttr<F32Attr, "1e-8f">:$eps,
                       DefaultValuedAttr<F32Attr, "0.0f">:$weight_decay,
                       DefaultValuedAttr<BoolAttr, "false">:$decoupled);
  let results = (outs NN_F32Tensor:$new_param, NN_F32Tensor:$new_exp_avg,
                      NN_F32Tensor:$new_exp_avg_sq);
  let assemblyFormat = [{
    $param `,` $grad `,` $exp_avg `,` $exp_avg_sq `,` $lr `,` $step attr-dict
    `:` type($param)
  }];
}

def NN_ClipCoefOp : NN_Op<"clip_coef"> {
  let summary = "Scale factor of clipping by global norm: min(1, max_norm / (sqrt(sumsq) + 1e-6))";
  let description = [{
    `sumsq` is the sum of the squares of every gradient; multiplying each
    gradient by the result is `torch.nn.utils.clip_grad_norm_(max_norm)`.

    ```mlir
    %c = nn.clip_coef %sumsq {max_norm = 1.000000e+00 : f32} : tensor<f32>
    ```
  }];
  let arguments = (ins NN_LearningRate:$sumsq, F32Attr:$max_norm);
  let results = (outs NN_LearningRate:$result);
  let assemblyFormat = "$sumsq attr-dict `:` type($result)";
}

#endif // NNC_DIALECT_NN_NNOPTIMIZEROPS_TD
