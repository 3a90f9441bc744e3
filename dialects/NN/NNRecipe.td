//===- NNRecipe.td - the train recipe as typed attributes --*- tablegen -*-===//
//
// The parts of a train section that the compiler and the runtime act on,
// as attributes MLIRGen builds once from the Sema-normalised train section
// (every value filled from lib/Frontend/Builtins.cpp, the one table of
// defaults) and puts in the module's `nn.recipe` dictionary:
//
//   optimizer  #nn.optimizer<adam, lr = ..., beta1 = ..., ...>
//   schedule   #nn.schedule<step, drop = ..., every = ...>
//   loss       #nn.loss_kind<cross_entropy>   (the first loss term)
//   metrics    #nn.metrics<[f1, confusion]>
//
// An optimizer or schedule lists every value of its kind, in the order of
// its schema (NNRecipe.cpp), so no reader fills in a default. The rest of
// the recipe (data, batch, epochs, ...) stays plain dictionary entries.
//
//===----------------------------------------------------------------------===//

#ifndef NNC_DIALECT_NN_NNRECIPE_TD
#define NNC_DIALECT_NN_NNRECIPE_TD

include "NNBase.td"
include "NNABI.td"

def NN_ScheduleKind : I32EnumAttr<"ScheduleKind",
    "the learning-rate schedule of the train section", [
      I32EnumAttrCase<"constant", 0>,
      I32EnumAttrCase<"step", 1>,
      I32EnumAttrCase<"exponential", 2>,
      I32EnumAttrCase<"cosine", 3>,
      I32EnumAttrCase<"plateau", 4>
    ]> {
  let cppNamespace = "::mlir::nn";
  let genSpecializedAttr = 0;
}

def NN_LossKind : I32EnumAttr<"LossKind",
    "the kind of a loss term (the scoring rule of an output)", [
      I32EnumAttrCase<"mse", 0>,
      I32EnumAttrCase<"mae", 1>,
      I32EnumAttrCase<"huber", 2>,
      I32EnumAttrCase<"bce", 3>,
      I32EnumAttrCase<"bce_logits", 4>,
      I32EnumAttrCase<"cross_entropy", 5>,
      I32EnumAttrCase<"perceptron", 6>
    ]> {
  let cppNamespace = "::mlir::nn";
  let genSpecializedAttr = 0;
}

def NN_MetricKind : I32EnumAttr<"MetricKind",
    "a metric reported besides the loss", [
      I32EnumAttrCase<"accuracy", 0>,
      I32EnumAttrCase<"precision", 1>,
      I32EnumAttrCase<"recall", 2>,
      I32EnumAttrCase<"f1", 3>,
      I32EnumAttrCase<"confusion", 4>,
      I32EnumAttrCase<"mae", 5>,
      I32EnumAttrCase<"rmse", 6>
    ]> {
  let cppNamespace = "::mlir::nn";
  let genSpecializedAttr = 0;
}

def NN_OptimizerAttr : AttrDef<NN_Dialect, "Optimizer"> {
  let mnemonic = "optimizer";
  let summary = "The optimizer of a train section with all its values";
  let description = [{
    The kind and one value per run-time hyperparameter of that kind, in the
    order of `getOptimizerSchema(kind)` (PyTorch's names: `lr`, then
    `momentum, nesterov` / `alpha, eps` / `beta1, beta2, eps`, then
    `weight_decay`), followed by `clip_norm` when the train section clips
    gradients by their global norm. Every value is present: the parser
    rejects a missing or misplaced name, so nnc-optimizer and nnc-model-abi
    read it without defaults of their own.

    ```mlir
    #nn.optimizer<adam, lr = 1.000000e-03, beta1 = 9.000000e-01,
                  beta2 = 9.990000e-01, eps = 1.000000e-08,
                  weight_decay = 0.000000e+00>
    #nn.optimizer<sgd, lr = 1.000000e-01, weight_decay = 0.000000e+00,
                  clip_norm = 1.000000e+00>
    ```
  }];
  let parameters = (ins
    EnumParameter<NN_OptimizerKind>:$kind,
    ArrayRefParameter<"::llvm::APFloat", "the values, in schema order">:$values,
    APFloatParameter<"the global gradient norm to clip at, 0: none">:$clipNorm
  );
  let builders = [
    AttrBuilder<(ins "::mlir::nn::OptimizerKind":$kind,
                     "::llvm::ArrayRef<double>":$values, "double":$clipNorm), [{
      return $_get($_ctxt, kind, ::mlir::nn::toAPFloats(values),
                   ::llvm::APFloat(clipNorm));
    }]>
  ];
  let hasCustomAssemblyFormat = 1;
  let genVerifyDecl = 1;
  let extraClassDeclaration = [{
    /// The value of hyperparameter `name` (`clip_norm` included), or none
    /// when this kind has no such hyperparameter.
    std::optional<double> getValue(::llvm::StringRef name) const;
    double getLearningRate() const {
      return getValues().front().convertToDouble();
    }
  }];
}

def NN_ScheduleAttr : AttrDef<NN_Dialect, "Schedule"> {
  let mnemonic = "schedule";
  let summary = "The learning-rate schedule of a train section";
  let description = [{
    The kind and its values in the order of `getScheduleSchema(kind)`:
    `constant` none, `step` drop and every, `exponential` rate, `cosine`
    T_max and min_lr, `plateau` patience and factor. Integer fields print
    as integers.

    ```mlir
    #nn.schedule<step, drop = 5.000000e-01, every = 10>
    #nn.schedule<constant>
    ```
  }];
  let parameters = (ins
    EnumParameter<NN_ScheduleKind>:$kind,
    ArrayRefParameter<"::llvm::APFloat", "the values, in schema order">:$values
  );
  let builders = [
    AttrBuilder<(ins "::mlir::nn::ScheduleKind":$kind,
                     "::llvm::ArrayRef<double>":$values), [{
      return $_get($_ctxt, kind, ::mlir::nn::toAPFloats(values));
    }]>
  ];
  let hasCustomAssemblyFormat = 1;
  let genVerifyDecl = 1;
  let extraClassDeclaration = [{
    /// The value of field `name`, or none when this kind has no such field.
    std::optional<double> getValue(::llvm::StringRef name) const;
  }];
}

def NN_LossKindAttr : EnumAttr<NN_Dialect, NN_LossKind, "loss_kind"> {
  let summary = "The kind of the first loss term of a train section";
  let assemblyFormat = "`<` $value `>`";
}

def NN_MetricsAttr : AttrDef<NN_Dialect, "Metrics"> {
  let mnemonic = "metrics";
  let summary = "The metrics a train section selects (`metrics = [...]`)";
  let description = [{
    ```mlir
    #nn.metrics<[f1, confusion]>
    ```
  }];
  let parameters = (ins
    ArrayRefParameter<"::mlir::nn::MetricKind", "the selected metrics">:$metrics
  );
  let assemblyFormat = "`<` `[` $metrics `]` `>`";
}

#endif // NNC_DIALECT_NN_NNRECIPE_TD
