//===- NNOps.td - nn elementwise, shape and constant ops ---*- tablegen -*-===//
//
// The entry point of the nn dialect's ODS: includes the shared bases, then
// defines the elementwise activations and arithmetic, the shape and
// reduction ops and the constants. Layers (dense, conv, norms, recurrent,
// attention) are in NNLayerOps.td and losses in NNLossOps.td.
//
//===----------------------------------------------------------------------===//

#ifndef NNC_DIALECT_NN_NNOPS_TD
#define NNC_DIALECT_NN_NNOPS_TD

include "NNBase.td"

//===----------------------------------------------------------------------===//
// Elementwise activations and functions (f32 in, same type out)
//===----------------------------------------------------------------------===//

def NN_ReluOp : NN_UnaryOp<"relu", [NN_Differentiable]> {
  let summary = "Rectified linear unit, max(x, 0)";
  let description = [{
    ```mlir
    %y = nn.relu %x : tensor<?x64xf32>
    ```
  }];
  let arguments = (ins NN_F32Tensor:$input);
}

def NN_LeakyReluOp : NN_UnaryOp<"leaky_relu", [NN_Differentiable]> {
  let summary = "Leaky ReLU, x > 0 ? x : alpha * x";
  let description = [{
    `alpha` defaults to 0.01 as in PyTorch.

    ```mlir
    %y = nn.leaky_relu %x {alpha = 2.000000e-01 : f32} : tensor<?x64xf32>
    ```
  }];
  let arguments = (ins NN_F32Tensor:$input,
                       DefaultValuedAttr<F32Attr, "0.01f">:$alpha);
}

def NN_EluOp : NN_UnaryOp<"elu", [NN_Differentiable]> {
  let summary = "Exponential linear unit, x > 0 ? x : alpha * (exp(x) - 1)";
  let description = [{
    ```mlir
    %y = nn.elu %x {alpha = 1.000000e+00 : f32} : tensor<?x64xf32>
    ```
  }];
  let arguments = (ins NN_F32Tensor:$input,
                       DefaultValuedAttr<F32Attr, "1.0f">:$alpha);
}

def NN_GeluOp : NN_UnaryOp<"gelu", [NN_Differentiable]> {
  let summary = "Gaussian error linear unit";
  let description = [{
    The exact form `x * 0.5 * (1 + erf(x / sqrt(2)))` by default; with
    `approximate = true` the tanh form `0.5 x (1 + tanh(sqrt(2/pi) (x +
    0.044715 x^3)))` (PyTorch's `approximate='tanh'`).

    ```mlir
    %y = nn.gelu %x : tensor<?x16x128xf32>
    %z = nn.gelu %x {approximate = true} : tensor<?x16x128xf32>
    ```
  }];
  let arguments = (ins NN_F32Tensor:$input,
                       DefaultValuedAttr<BoolAttr, "false">:$approximate);
}

def NN_SigmoidOp : NN_UnaryOp<"sigmoid", [NN_Differentiable]> {
  let summary = "Logistic sigmoid, 1 / (1 + exp(-x))";
  let description = [{
    ```mlir
    %y = nn.sigmoid %x : tensor<?x1xf32>
    ```
  }];
  let arguments = (ins NN_F32Tensor:$input);
}

def NN_TanhOp : NN_UnaryOp<"tanh", [NN_Differentiable]> {
  let summary = "Hyperbolic tangent";
  let description = [{
    ```mlir
    %y = nn.tanh %x : tensor<?x64xf32>
    ```
  }];
  let arguments = (ins NN_F32Tensor:$input);
}

def NN_StepOp : NN_UnaryOp<"step", [NN_Differentiable]> {
  let summary = "Heaviside step, x > 0 ? 1 : 0 (the perceptron's activation)";
  let description = [{
    Its derivative is zero almost everywhere; a perceptron is trained with
    `nn.perceptron_loss` on the scores before the step.

    ```mlir
    %y = nn.step %x : tensor<?x1xf32>
    ```
  }];
  let arguments = (ins NN_F32Tensor:$input);
}

def NN_ExpOp : NN_UnaryOp<"exp", [NN_Differentiable]> {
  let summary = "Natural exponential";
  let description = [{
    ```mlir
    %y = nn.exp %x : tensor<?x8xf32>
    ```
  }];
  let arguments = (ins NN_F32Tensor:$input);
}

def NN_LogOp : NN_UnaryOp<"log", [NN_Differentiable]> {
  let summary = "Natural logarithm";
  let description = [{
    ```mlir
    %y = nn.log %x : tensor<?x8xf32>
    ```
  }];
  let arguments = (ins NN_F32Tensor:$input);
}

def NN_NegOp : NN_UnaryOp<"neg", [NN_Differentiable]> {
  let summary = "Negation, -x";
  let description = [{
    ```mlir
    %y = nn.neg %x : tensor<?x8xf32>
    ```
  }];
  let arguments = (ins NN_F32Tensor:$input);
}

def NN_SqrtOp : NN_UnaryOp<"sqrt", [NN_Differentiable]> {
  let summary = "Square root";
  let description = [{
    ```mlir
    %y = nn.sqrt %x : tensor<?x8xf32>
    ```
  }];
  let arguments = (ins NN_F32Tensor:$input);
}

def NN_AbsOp : NN_UnaryOp<"abs", [NN_Differentiable]> {
  let summary = "Absolute value, |x|";
  let description = [{
    Its gradient is sign(x): 0 at 0, as PyTorch's.

    ```mlir
    %y = nn.abs %x : tensor<?x8xf32>
    ```
  }];
  let arguments = (ins NN_F32Tensor:$input);
}

def NN_ErfOp : NN_UnaryOp<"erf", [NN_Differentiable]> {
  let summary = "Gauss error function, erf(x)";
  let description = [{
    Its gradient is 2 / sqrt(pi) * exp(-x^2).

    ```mlir
    %y = nn.erf %x : tensor<?x8xf32>
    ```
  }];
  let arguments = (ins NN_F32Tensor:$input);
}

def NN_PowOp : NN_UnaryOp<"pow", [NN_Differentiable]> {
  let summary = "Power with a constant exponent, x^exponent";
  let description = [{
    As PyTorch's `torch.pow(x, exponent)` with a float exponent: a negative
    `x` with a non-integer exponent gives NaN, 0 to a negative exponent
    gives inf, and `exponent = 0` gives 1 everywhere (NaN included).
    Exponents 0, 1 and 2 lower to 1, x and x * x; others to `math.powf`.
    The gradient is exponent * x^(exponent - 1), and 0 for exponent 0.

    ```mlir
    %y = nn.pow %x {exponent = 3.000000e+00 : f32} : tensor<?x8xf32>
    ```
  }];
  let arguments = (ins NN_F32Tensor:$input, F32Attr:$exponent);
}

def NN_ClipOp : NN_UnaryOp<"clip", [NN_Differentiable]> {
  let summary = "Clamps into [min, max], either bound optional";
  let description = [{
    As PyTorch's `torch.clamp`: min(max(x, min), max), so that a `min`
    above `max` gives `max` everywhere, and NaN stays NaN. At least one
    bound is required. The gradient passes where min <= x <= max (at the
    bounds themselves too, as PyTorch's) and is 0 elsewhere.

    ```mlir
    %y = nn.clip %x {max = 6.000000e+00 : f32, min = 0.000000e+00 : f32} : tensor<?x8xf32>
    %z = nn.clip %x {min = -1.000000e+00 : f32} : tensor<?x8xf32>
    ```
  }];
  let arguments = (ins NN_F32Tensor:$input, OptionalAttr<F32Attr>:$min,
                       OptionalAttr<F32Attr>:$max);
  let hasVerifier = 1;
}

def NN_ScaleOp : NN_UnaryOp<"scale", [NN_Differentiable]> {
  let summary = "Multiplication by a constant, x * factor";
  let description = [{
    Folds to its input when `factor` is 1.

    ```mlir
    %y = nn.scale %x {factor = 5.000000e-01 : f32} : tensor<?x8xf32>
    ```
  }];
  let arguments = (ins NN_F32Tensor:$input, F32Attr:$factor);
  let hasFolder = 1;
}

def NN_DropoutOp : NN_InferredOp<"dropout", [NN_Differentiable]> {
  let summary = "Inverted dropout: zero with probability p, scale the rest by 1/(1-p)";
  let description = [{
    In training mode each element is kept with probability `1 - p` and then
    scaled by `1 / (1 - p)` (PyTorch's inverted dropout); the mask is a
    deterministic function of the `seed` operand (an i64 scalar, one per
    training step), so the op stays pure and its gradient can recompute the
    mask. With `training = false`, or `p = 0`, it is the identity and folds
    to its input. `p` must lie in [0, 1).

    The mask of an element is a function of its row-major index in the
    batch. The optional `rows` operand (an i64 scalar, 0 when absent) says
    that row 0 of `input` is row `rows` of a larger batch, so that the
    masks are those of that batch's rows: processes that each train a shard
    of one batch draw the masks of a single process.

    ```mlir
    %y = nn.dropout %x, %seed {p = 2.500000e-01 : f32, training = true} : tensor<?x128xf32>
    %z = nn.dropout %x, %seed rows %first {p = 2.500000e-01 : f32, training = true} : tensor<?x128xf32>
    ```
  }];
  let arguments = (ins NN_F32Tensor:$input, NN_Seed:$seed,
                       Optional<NN_Seed>:$rows, F32Attr:$p,
                       BoolAttr:$training);
  let results = (outs NN_F32Tensor:$result);
  let assemblyFormat =
      "$input `,` $seed (`rows` $rows^)? attr-dict `:` type($input)";
  let hasFolder = 1;
}

//===----------------------------------------------------------------------===//
// Elementwise arithmetic with NumPy broadcasting
//===----------------------------------------------------------------------===//

class NN_ArithOp<string mnemonic, string formula, list<Trait> traits = []>
    : NN_BinaryOp<mnemonic, traits> {
  let summary = "Elementwise " # formula # " with NumPy broadcasting";
  let description = [{
    Shapes are aligned on the right; each pair of dimensions must be equal
    or one of them 1, and the result takes the larger. A dynamic batch
    dimension pairs with `?` or 1 (result `?`) or with a static size
    (result static: the run time must agree). This is how a learned
    positional table `[T, D]` is added to `[N, T, D]` activations, and how
    losses (`tensor<f32>`) are summed.

    ```mlir
    %y = nn.add %x, %pos : (tensor<?x16x64xf32>, tensor<16x64xf32>) -> tensor<?x16x64xf32>
    ```
  }];
}

def NN_AddOp : NN_ArithOp<"add", "lhs + rhs", [Commutative, NN_Differentiable]> {
  // The sum of zero-padded concatenations (the gradients of slices) is one
  // concatenation (NNFolds.cpp).
  let hasCanonicalizer = 1;
}
def NN_SubOp : NN_ArithOp<"sub", "lhs - rhs", [NN_Differentiable]>;
def NN_MulOp : NN_ArithOp<"mul", "lhs * rhs", [Commutative, NN_Differentiable]>;
def NN_DivOp : NN_ArithOp<"div", "lhs / rhs", [NN_Differentiable]>;

class NN_ExtremumOp<string mnemonic, string which>
    : NN_BinaryOp<mnemonic, [Commutative, NN_Differentiable], [{
    ::llvm::LogicalResult $cppClass::buildAdjoint(
        ::mlir::OpBuilder &b, ::llvm::ArrayRef<::mlir::Value> resultGrads,
        ::llvm::SmallVectorImpl<::mlir::Value> &grads) {
      return ::mlir::nn::buildExtremumAdjoint(b, getLoc(), getLhs(), getRhs(),
                                              resultGrads[0], /*max=*/}] #
        !if(!eq(mnemonic, "maximum"), "true", "false") # [{, grads);
    }
  }]> {
  let summary = "Elementwise " # which # " of two tensors with NumPy broadcasting";
  let description = [{
    As PyTorch's `torch.}] # mnemonic # [{`: NaN if either operand is NaN.
    Broadcasting follows `nn.add`. The gradient goes to the operand that
    was selected; on a tie it is split half and half between them (as
    PyTorch 1.13 does).

    ```mlir
    %y = nn.}] # mnemonic # [{ %a, %b : (tensor<?x8xf32>, tensor<8xf32>) -> tensor<?x8xf32>
    ```
  }];
}

def NN_MinimumOp : NN_ExtremumOp<"minimum", "minimum">;
def NN_MaximumOp : NN_ExtremumOp<"maximum", "maximum">;

//===----------------------------------------------------------------------===//
// Normalised exponentials
//===----------------------------------------------------------------------===//

class NN_SoftmaxBase<string mnemonic, string formula>
    : NN_InferredOp<mnemonic, [NN_Differentiable, NN_BatchAxisAware]> {
  let summary = formula # " along one axis";
  let description = [{
    `axis` is non-negative in the IR (the front end resolves `-1`). The
    lowering subtracts the maximum along the axis for stability.

    ```mlir
    %p = nn.}] # mnemonic # [{ %logits {axis = 1 : i64} : (tensor<?x10xf32>) -> tensor<?x10xf32>
    ```
  }];
  let arguments = (ins NN_F32Tensor:$input, I64Attr:$axis);
  let results = (outs NN_F32Tensor:$result);
  let assemblyFormat = NN_FunctionalFormat;
  let extraClassDefinition = [{
    ::llvm::LogicalResult $cppClass::inferReturnTypes(
        ::mlir::MLIRContext *, std::optional<::mlir::Location> loc,
        Adaptor adaptor, ::llvm::SmallVectorImpl<::mlir::Type> &types) {
      return ::mlir::nn::inferSoftmax(getOperationName(), loc,
                                      adaptor.getInput(),
                                      adaptor.getProperties().axis, types);
    }
    ::std::string $cppClass::describeBatchAxisUse() {
      return ::mlir::nn::describeAxisUse(getInput(), getAxis(),
                                         "normalises over the batch N");
    }
  }];
}

def NN_SoftmaxOp : NN_SoftmaxBase<"softmax", "exp(x) / sum(exp(x))">;
def NN_LogSoftmaxOp : NN_SoftmaxBase<"log_softmax", "x - log(sum(exp(x)))">;

//===----------------------------------------------------------------------===//
// Shape ops
//===----------------------------------------------------------------------===//

/// The adjoint of an op that only reshapes its input: the result gradient
/// reshaped back to the input's type.
defvar NN_ReshapeAdjoint = [{
  ::llvm::LogicalResult $cppClass::buildAdjoint(
      ::mlir::OpBuilder &b, ::llvm::ArrayRef<::mlir::Value> resultGrads,
      ::llvm::SmallVectorImpl<::mlir::Value> &grads) {
    return ::mlir::nn::buildReshapeAdjoint(b, getLoc(), resultGrads[0],
                                           getInput(), grads);
  }
}];

def NN_FlattenOp : NN_InferredOp<"flatten", [NN_Differentiable]> {
  let extraClassDefinition = NN_ReshapeAdjoint;
  let summary = "Collapses every dimension after the batch: [N, ...] -> [N, prod]";
  let description = [{
    Row-major, so an NCHW image flattens in (C, H, W) order like PyTorch's
    `nn.Flatten`. The dimensions after the first must be static.

    ```mlir
    %y = nn.flatten %x : (tensor<?x64x7x7xf32>) -> tensor<?x3136xf32>
    ```
  }];
  let arguments = (ins NN_F32Tensor:$input);
  let results = (outs NN_F32Tensor:$result);
  let assemblyFormat = NN_FunctionalFormat;
}

def NN_ReshapeOp : NN_InferredOp<"reshape", [NN_Differentiable, NN_BatchAxisAware]> {
  let extraClassDefinition = NN_ReshapeAdjoint;
  let summary = "Reshapes (row-major); -1 in `shape` marks the batch dimension";
  let description = [{
    `shape` lists the result dimensions; at most one entry is -1, which
    stands for the batch dimension: the static dimensions of the input and
    of `shape` must have equal products, so the -1 takes the size of the
    input's batch (`?`) — or, for a fully static input, the missing factor.
    Folds to its input when the result type equals the input type.

    ```mlir
    %y = nn.reshape %x {shape = array<i64: -1, 1, 28, 28>} : (tensor<?x784xf32>) -> tensor<?x1x28x28xf32>
    ```
  }];
  let arguments = (ins NN_F32Tensor:$input, DenseI64ArrayAttr:$shape);
  let results = (outs NN_F32Tensor:$result);
  let assemblyFormat = NN_FunctionalFormat;
  let hasFolder = 1;
}

def NN_TransposeOp : NN_InferredOp<"transpose", [NN_Differentiable, NN_BatchAxisAware]> {
  let summary = "Permutes dimensions: result dim i is input dim perm[i]";
  let description = [{
    Folds to its input for the identity permutation; a transpose of a
    transpose canonicalizes to one transpose with the composed permutation.

    ```mlir
    %y = nn.transpose %x {perm = array<i64: 0, 2, 1>} : (tensor<?x16x64xf32>) -> tensor<?x64x16xf32>
    ```
  }];
  let arguments = (ins NN_F32Tensor:$input, DenseI64ArrayAttr:$perm);
  let results = (outs NN_F32Tensor:$result);
  let assemblyFormat = NN_FunctionalFormat;
  let hasFolder = 1;
  let hasCanonicalizer = 1;
}

def NN_ConcatOp : NN_InferredOp<"concat", [NN_Differentiable, NN_BatchAxisAware]> {
  let summary = "Concatenates one or more tensors along an axis";
  let description = [{
    All inputs have the same rank and agree on every dimension but `axis`;
    the result's `axis` dimension is the sum (dynamic if any is dynamic).

    ```mlir
    %y = nn.concat %a, %b {axis = 1 : i64} : (tensor<?x3xf32>, tensor<?x5xf32>) -> tensor<?x8xf32>
    ```
  }];
  let arguments = (ins Variadic<NN_F32Tensor>:$inputs, I64Attr:$axis);
  let results = (outs NN_F32Tensor:$result);
  let assemblyFormat = NN_FunctionalFormat;
}

def NN_SliceOp : NN_InferredOp<"slice", [NN_Differentiable, NN_BatchAxisAware]> {
  let summary = "Takes `size` consecutive entries from `start` along `axis`";
  let description = [{
    `start >= 0`, `size >= 1`, and `start + size` must fit a static `axis`
    dimension.

    ```mlir
    %q = nn.slice %qkv {axis = 2 : i64, start = 0 : i64, size = 64 : i64} : (tensor<?x16x192xf32>) -> tensor<?x16x64xf32>
    ```
  }];
  let arguments = (ins NN_F32Tensor:$input, I64Attr:$axis, I64Attr:$start,
                       I64Attr:$size);
  let results = (outs NN_F32Tensor:$result);
  let assemblyFormat = NN_FunctionalFormat;
}

def NN_LastOp : NN_InferredOp<"last", [NN_Differentiable]> {
  let summary = "The last step of a sequence: [N, T, H] -> [N, H]";
  let description = [{
    ```mlir
    %h = nn.last %seq : (tensor<?x28x128xf32>) -> tensor<?x128xf32>
    ```
  }];
  let arguments = (ins NN_F32Tensor:$input);
  let results = (outs NN_F32Tensor:$result);
  let assemblyFormat = NN_FunctionalFormat;
}

class NN_ReduceOp<string mnemonic, string what>
    : NN_InferredOp<mnemonic, [NN_Differentiable, NN_BatchAxisAware]> {
  let summary = "The " # what # " over `axes`";
  let description = [{
    `axes` is a non-empty list of distinct, non-negative dimensions. With
    `keepdim` they stay as size 1, otherwise they are dropped (reducing
    every axis gives a `tensor<f32>`).

    ```mlir
    %m = nn.}] # mnemonic # [{ %x {axes = array<i64: 1>} : (tensor<?x16x64xf32>) -> tensor<?x64xf32>
    ```
  }];
  let arguments = (ins NN_F32Tensor:$input, DenseI64ArrayAttr:$axes,
                       DefaultValuedAttr<BoolAttr, "false">:$keepdim);
  let results = (outs NN_F32Tensor:$result);
  let assemblyFormat = NN_FunctionalFormat;
  let extraClassDefinition = [{
    ::llvm::LogicalResult $cppClass::inferReturnTypes(
        ::mlir::MLIRContext *, std::optional<::mlir::Location> loc,
        Adaptor adaptor, ::llvm::SmallVectorImpl<::mlir::Type> &types) {
      return ::mlir::nn::inferReduce(getOperationName(), loc,
                                     adaptor.getInput(), adaptor.getAxes(),
                                     adaptor.getKeepdim(), types);
    }
  }];
}

def NN_ReduceSumOp : NN_ReduceOp<"reduce_sum", "sum">;
def NN_ReduceMeanOp : NN_ReduceOp<"reduce_mean", "arithmetic mean">;

def NN_BroadcastToOp : NN_InferredOp<"broadcast_to", [NN_Differentiable]> {
  let summary = "Broadcasts to `shape` (NumPy rules); -1 is the batch of `batch_ref`";
  let description = [{
    The input is aligned on the right with `shape`; each input dimension
    must be 1 or equal to the target. A leading -1 in `shape` is the batch
    dimension, whose size is dimension 0 of the `batch_ref` operand (which
    is required then, and otherwise absent). Gradients use it to undo
    broadcasting and reductions.

    ```mlir
    %g = nn.broadcast_to %db, %x {shape = array<i64: -1, 64>} : (tensor<64xf32>, tensor<?x2xf32>) -> tensor<?x64xf32>
    ```
  }];
  let arguments = (ins NN_F32Tensor:$input,
                       Optional<NN_F32OrI32Tensor>:$batch_ref,
                       DenseI64ArrayAttr:$shape);
  let results = (outs NN_F32Tensor:$result);
  let assemblyFormat = NN_FunctionalFormat;
}

//===----------------------------------------------------------------------===//
// Constants
//===----------------------------------------------------------------------===//

def NN_ConstantOp : NN_Op<"constant", [ConstantLike,
                                        AllTypesMatch<["value", "result"]>]> {
  let summary = "A constant f32 or i32 tensor";
  let description = [{
    ```mlir
    %c = nn.constant dense<[1.0, 2.0]> : tensor<2xf32>
    ```
  }];
  let arguments = (ins ElementsAttr:$value);
  let results = (outs NN_F32OrI32Tensor:$result);
  let assemblyFormat = "$value attr-dict";
  let hasFolder = 1;
}

def NN_FillOp : NN_Op<"fill"> {
  let summary = "A static-shaped f32 tensor filled with `value`";
  let description = [{
    ```mlir
    %z = nn.fill 0.000000e+00 : tensor<4x64xf32>
    ```
  }];
  let arguments = (ins F32Attr:$value);
  let results = (outs NN_F32Tensor:$result);
  let assemblyFormat = "$value attr-dict `:` type($result)";
  let hasVerifier = 1;
}

include "NNLayerOps.td"
include "NNLossOps.td"
include "NNGradOps.td"
include "NNLayerGradOps.td"
include "NNOptimizerOps.td"
include "NNABI.td"
include "NNRecipe.td"

#endif // NNC_DIALECT_NN_NNOPS_TD
