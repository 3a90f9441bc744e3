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

/// A run-time optimizer hyperparameter (the learning rate, beta1, eps, ...):
/// an f64 scalar, as PyTorch holds them in Python floats. The `nnc-optimizer`
/// pass makes each one an argument of @apply and @train_step, whose value the
/// model instance holds (docs/abi.md, "Hyperparameters").
def NN_Hyperparameter : 0DTensorOf<[F64]> {
  let builderCall = "::mlir::RankedTensorType::get({}, $_builder.getF64Type())";
}
/// An f32 scalar (the sum of squares of nn.clip_coef, its result).
def NN_F32Scalar : 0DTensorOf<[F32]> {
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
    torch.optim.SGD without momentum. The hyperparameters are f64 scalars,
    in the order lr, weight_decay.

    ```mlir
    %w1 = nn.sgd_update %w, %g, %lr, %wd : tensor<64x2xf32>
    ```
  }];
  let arguments = (ins NN_F32Tensor:$param, NN_F32Tensor:$grad,
                       NN_Hyperparameter:$lr, NN_Hyperparameter:$weight_decay);
  let results = (outs NN_F32Tensor:$new_param);
  let assemblyFormat = [{
    $param `,` $grad `,` $lr `,` $weight_decay attr-dict `:` type($param)
  }];
}

def NN_MomentumUpdateOp : NN_Op<"momentum_update",
    [AllTypesMatch<["param", "grad", "buffer", "new_param",
                                 "new_buffer"]>]> {
  let summary = "SGD with momentum (dampening 0), optionally Nesterov";
  let description = [{
    torch.optim.SGD with `momentum = mu`, `dampening = 0`:
    `d = g + weight_decay * p`; `buf = step == 1 ? d : mu * buf + d`;
    `p -= lr * (nesterov ? d + mu * buf : buf)`. The buffer starts as the
    first gradient, as in PyTorch. The hyperparameters are f64 scalars, in
    the order lr, (step,) momentum, weight_decay, nesterov (0 or 1).

    ```mlir
    %w1, %b1 = nn.momentum_update %w, %g, %buf, %lr, %step, %mu, %wd, %nesterov : tensor<64x2xf32>
    ```
  }];
  let arguments = (ins NN_F32Tensor:$param, NN_F32Tensor:$grad,
                       NN_F32Tensor:$buffer, NN_Hyperparameter:$lr,
                       NN_StepCount:$step, NN_Hyperparameter:$momentum,
                       NN_Hyperparameter:$weight_decay,
                       NN_Hyperparameter:$nesterov);
  let results = (outs NN_F32Tensor:$new_param, NN_F32Tensor:$new_buffer);
  let assemblyFormat = [{
    $param `,` $grad `,` $buffer `,` $lr `,` $step `,` $momentum `,`
    $weight_decay `,` $nesterov attr-dict `:` type($param)
  }];
}

def NN_RmspropUpdateOp : NN_Op<"rmsprop_update",
    [AllTypesMatch<["param", "grad", "square_avg", "new_param",
                                 "new_square_avg"]>]> {
  let summary = "RMSprop (no momentum, not centered)";
  let description = [{
    torch.optim.RMSprop: `d = g + weight_decay * p`;
    `sq = alpha * sq + (1 - alpha) * d^2`; `p -= lr * d / (sqrt(sq) + eps)`.
    The hyperparameters are f64 scalars, in the order lr, alpha, eps,
    weight_decay.

    ```mlir
    %w1, %s1 = nn.rmsprop_update %w, %g, %sq, %lr, %alpha, %eps, %wd : tensor<64x2xf32>
    ```
  }];
  let arguments = (ins NN_F32Tensor:$param, NN_F32Tensor:$grad,
                       NN_F32Tensor:$square_avg, NN_Hyperparameter:$lr,
                       NN_Hyperparameter:$alpha, NN_Hyperparameter:$eps,
                       NN_Hyperparameter:$weight_decay);
  let results = (outs NN_F32Tensor:$new_param, NN_F32Tensor:$new_square_avg);
  let assemblyFormat = [{
    $param `,` $grad `,` $square_avg `,` $lr `,` $alpha `,` $eps `,`
    $weight_decay attr-dict `:` type($param)
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
    The hyperparameters are f64 scalars, in the order lr, (step,) beta1,
    beta2, eps, weight_decay; `decoupled` (AdamW) is the optimizer's kind.

    ```mlir
    %w1, %m1, %v1 = nn.adam_update %w, %g, %m, %v, %lr, %step, %beta1, %beta2, %eps, %wd : tensor<64x2xf32>
    ```
  }];
  let arguments = (ins NN_F32Tensor:$param, NN_F32Tensor:$grad,
                       NN_F32Tensor:$exp_avg, NN_F32Tensor:$exp_avg_sq,
                       NN_Hyperparameter:$lr, NN_StepCount:$step,
                       NN_Hyperparameter:$beta1, NN_Hyperparameter:$beta2,
                       NN_Hyperparameter:$eps, NN_Hyperparameter:$weight_decay,
                       DefaultValuedAttr<BoolAttr, "false">:$decoupled);
  let results = (outs NN_F32Tensor:$new_param, NN_F32Tensor:$new_exp_avg,
                      NN_F32Tensor:$new_exp_avg_sq);
  let assemblyFormat = [{
    $param `,` $grad `,` $exp_avg `,` $exp_avg_sq `,` $lr `,` $step `,`
    $beta1 `,` $beta2 `,` $eps `,` $weight_decay attr-dict `:` type($param)
  }];
}

def NN_ClipCoefOp : NN_Op<"clip_coef"> {
  let summary = "Scale factor of clipping by global norm: min(1, max_norm / (sqrt(sumsq) + 1e-6))";
  let description = [{
    `sumsq` is the sum of the squares of every gradient; multiplying each
    gradient by the result is `torch.nn.utils.clip_grad_norm_(max_norm)`.
    `max_norm` is a run-time hyperparameter (f64 scalar).

    ```mlir
    %c = nn.clip_coef %sumsq, %max_norm : tensor<f32>
    ```
  }];
  let arguments = (ins NN_F32Scalar:$sumsq, NN_Hyperparameter:$max_norm);
  let results = (outs NN_F32Scalar:$result);
  let assemblyFormat = "$sumsq `,` $max_norm attr-dict `:` type($result)";
}

#endif // NNC_DIALECT_NN_NNOPTIMIZEROPS_TD
