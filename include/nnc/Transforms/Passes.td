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

#endif // NNC_TRANSFORMS_PASSES_TD
