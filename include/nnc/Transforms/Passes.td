//===- Passes.td - the passes of nnc on the nn dialect -*- tablegen -*-===//
//
// Declares nnc's passes (autodiff, optimizer, fusion, ...), one def per pass,
// each implemented in its own file under lib/Transforms and named after it;
// flags are prefixed `nnc-`. `GEN_PASS_REGISTRATION` makes
// `registerNNCPassesGenerated()`, which `nnc::registerNNCPasses()` calls.
// Add a pass like this:
//
//   def StripDropout : Pass<"nnc-strip-dropout", "::mlir::func::FuncOp"> {
//     let summary = "...";
//     let description = [{ ... }];
//     let dependentDialects = ["::mlir::nn::NNDialect"];
//   }
//
//===----------------------------------------------------------------------===//

#ifndef NNC_TRANSFORMS_PASSES_TD
#define NNC_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def Autodiff : Pass<"nnc-autodiff", "::mlir::ModuleOp"> {
  let summary = "Derives @grads from @loss by reverse-mode differentiation";
  let description = [{
    Builds `@grads` with the arguments of `@loss` and the results: the loss
    (`nn.loss`), one gradient per `weight`/`bias` parameter in argument
    order (`nn.grad = "<param name>"`), then `@loss`'s buffer updates
    (`nn.update_of`). The reverse sweep visits the ops between the trainable
    parameters and the loss, asks each for its adjoint through
    `nn::AdjointOpInterface`, sums fan-out gradients with `nn.add`, and
    fills gradients the loss does not depend on with zeros. An op on that
    path without the interface is an error at its location. `@loss` is
    kept (nnc-optimizer erases it). See docs/autodiff.md.

    With `input-grads`, also builds `@input_grads`: the arguments of
    `@loss`, and the results the loss (`nn.loss`) and the gradient of the
    loss with respect to every f32 input (`nn.input_grad = "<input name>"`),
    from a reverse sweep over the ops that depend on the inputs. It updates
    nothing (no buffer updates).
  }];
  let options = [
    Option<"inputGrads", "input-grads", "bool", /*default=*/"false",
           "Also build @input_grads (d loss / d input)">,
  ];
  let dependentDialects = ["::mlir::nn::NNDialect",
                           "::mlir::func::FuncDialect"];
}

def Optimizer : Pass<"nnc-optimizer", "::mlir::ModuleOp"> {
  let summary = "Builds @apply and @train_step from @grads and the recipe's optimizer";
  let description = [{
    Reads `optimizer` (and `clip_norm`) from the module's `nn.recipe`
    dictionary and builds `@apply` (parameters, gradients, optimizer state,
    `nn.lr`, `nn.step` in; new parameters and state out, each with
    `nn.update_of`) and `@train_step`, which inlines `@grads`, clips the
    gradients by global norm when asked and applies one `nn.*_update` per
    parameter. Then erases `@loss`. Formulas: docs/autodiff.md.
  }];
  let dependentDialects = ["::mlir::nn::NNDialect",
                           "::mlir::func::FuncDialect"];
}

def LayerNormParamGrads : Pass<"nnc-layernorm-param-grads", "::mlir::func::FuncOp"> {
  let summary = "Gamma and beta gradients of a layer norm on an input from its dense layer's weight gradient";
  let description = [{
    Where a layer normalisation's input needs no gradient and its result
    feeds a dense layer, nnc-autodiff leaves a product `dxn = G W` that
    only the gamma and beta gradients read. This pass computes
    `M = sum_rows G^T xhat` in place of the weight gradient's product and
    derives the weight, gamma and beta gradients from `M`, `W` and the
    row sums of `G` (`dW = M * gamma + db beta^T`, `dgamma = sum_k W * M`,
    `dbeta = W^T db`), so that the `dxn` product is dead. Run after
    canonicalization (the dead input gradient gone) and CSE.
  }];
  let dependentDialects = ["::mlir::nn::NNDialect"];
}

def ModelABI : Pass<"nnc-model-abi", "::mlir::ModuleOp"> {
  let summary = "Computes the model's binary interface into the IR";
  let description = [{
    Reads the role attributes of the entry points (`@predict`,
    `@train_step`, `@grads`, `@apply`, `@input_grads`: `nn.input`,
    `nn.param`, `nn.grad`, `nn.state`, `nn.hyperparameter`, `nn.output`,
    `nn.loss`, ...) and the module's `nn.model` and `nn.recipe`, and writes
    the ABI once:

    - `nn.abi = #nn.model_abi<...>` on the module: the tensor table shared
      by all entries (parameters first, in `@predict`'s order), the
      run-time hyperparameters, the optimizer, its default learning rate,
      the train section as JSON and the target;
    - `nn.abi_slot = <i32>` on each argument and each result that is not
      an in-place update: its index in the table or its NNC_ARG_* slot.

    The bound of an i32 input or label used as class indices or ids comes
    from `nn::IndexOperandOpInterface` of the ops using it (through calls).
    nnc-destination-passing carries the slots to the kernels' arguments and
    nnc-emit-model-descriptor writes the descriptor from them. Fails with a
    diagnostic on an argument or result without a role, or on two
    declarations of one tensor with different types.
  }];
  let options = [
    Option<"target", "target", "std::string", /*default=*/"\"cpu\"",
           "Where the kernels run: cpu or cuda">,
  ];
  let dependentDialects = ["::mlir::nn::NNDialect"];
}

#endif // NNC_TRANSFORMS_PASSES_TD
