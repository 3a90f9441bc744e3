//===- NNABI.td - the model ABI as attributes --------------*- tablegen -*-===//
//
// The binary interface of a compiled model, computed once by the
// nnc-model-abi pass (lib/Transforms/ModelABI.cpp) from the role attributes
// of the entry points and kept in the IR until nnc-emit-model-descriptor
// writes it as the `nnc_model_desc` global (include/nnc/ModelDesc.h):
//
//   #nn.model_abi  on the module (`nn.abi`): name, tensor table, run-time
//                  hyperparameters, optimizer, target, recipe
//   nn.abi_slot    on each argument and result of an entry point: the
//                  tensor index or NNC_ARG_* slot it is bound to
//
// The enums below carry the numbers of the C enums of ModelDesc.h, which
// ModelABI.cpp checks with static_asserts.
//
//===----------------------------------------------------------------------===//

#ifndef NNC_DIALECT_NN_NNABI_TD
#define NNC_DIALECT_NN_NNABI_TD

include "NNBase.td"

def NN_TensorRole : I32EnumAttr<"TensorRole",
    "what a tensor is to a compiled model (nnc_role_t)", [
      I32EnumAttrCase<"input", 0>,
      I32EnumAttrCase<"label", 1>,
      I32EnumAttrCase<"output", 2>,
      I32EnumAttrCase<"loss", 3>,
      I32EnumAttrCase<"param", 4>,
      I32EnumAttrCase<"buffer", 5>,
      I32EnumAttrCase<"grad", 6>,
      I32EnumAttrCase<"state", 7>,
      I32EnumAttrCase<"input_grad", 8>
    ]> {
  let cppNamespace = "::mlir::nn";
  let genSpecializedAttr = 0;
}

def NN_HyperRange : I32EnumAttr<"HyperRange",
    "the values a run-time hyperparameter may take (nnc_hyper_range_t)", [
      I32EnumAttrCase<"nonneg", 0>,
      I32EnumAttrCase<"positive", 1>,
      I32EnumAttrCase<"unit", 2>,
      I32EnumAttrCase<"flag", 3>
    ]> {
  let cppNamespace = "::mlir::nn";
  let genSpecializedAttr = 0;
}

def NN_OptimizerKind : I32EnumAttr<"OptimizerKind",
    "the optimizer of the train section (nnc_optimizer_kind_t)", [
      I32EnumAttrCase<"none", 0>,
      I32EnumAttrCase<"sgd", 1>,
      I32EnumAttrCase<"momentum", 2>,
      I32EnumAttrCase<"rmsprop", 3>,
      I32EnumAttrCase<"adam", 4>,
      I32EnumAttrCase<"adamw", 5>
    ]> {
  let cppNamespace = "::mlir::nn";
  let genSpecializedAttr = 0;
}

def NN_Target : I32EnumAttr<"Target",
    "where the kernels run and the tensors live (nnc_target_t)", [
      I32EnumAttrCase<"cpu", 0>,
      I32EnumAttrCase<"cuda", 1>
    ]> {
  let cppNamespace = "::mlir::nn";
  let genSpecializedAttr = 0;
}

def NN_ABITensorAttr : AttrDef<NN_Dialect, "ABITensor"> {
  let mnemonic = "abi_tensor";
  let summary = "One tensor of the model ABI (an nnc_tensor_desc_t)";
  let description = [{
    Its name (`fc1.weight`, `x`, `fc1.weight.grad`,
    `optimizer.fc1.weight.exp_avg`), role, element type (`f32`, `i32` or
    `i64`) and dimensions, `?` marking the batch. Optional fields, printed
    when set: the initialiser of a parameter and its scale; `of`, the index
    in the table of the parameter a gradient or optimizer state belongs to
    (of the input an input gradient belongs to); `bound`, for an `i32` input
    or label holding class indices or embedding ids, the exclusive upper
    bound of its values, checked by the shim before a kernel runs.

    ```mlir
    #nn.abi_tensor<"fc1.weight", param, f32, [64, 2], init = he>
    #nn.abi_tensor<"y", label, i32, [?], bound = 10>
    #nn.abi_tensor<"fc1.weight.grad", grad, f32, [64, 2], of = 0>
    ```
  }];
  let parameters = (ins
    StringRefParameter<"the tensor's name">:$name,
    EnumParameter<NN_TensorRole>:$role,
    "::mlir::Type":$elementType,
    ArrayRefParameter<"int64_t", "dimensions, -1 for the batch">:$dims,
    OptionalParameter<"std::optional<::mlir::nn::InitKind>">:$init,
    OptionalParameter<"::mlir::FloatAttr">:$scale,
    DefaultValuedParameter<"int32_t", "-1">:$of,
    DefaultValuedParameter<"int64_t", "0">:$bound
  );
  let assemblyFormat = [{
    `<` $name `,` $role `,` $elementType `,`
    custom<ABIShapeAndFields>($dims, $init, $scale, $of, $bound) `>`
  }];
}

def NN_ABIHyperAttr : AttrDef<NN_Dialect, "ABIHyper"> {
  let mnemonic = "abi_hyper";
  let summary = "One run-time optimizer hyperparameter (an nnc_hyper_desc_t)";
  let description = [{
    PyTorch's name, the compiled default (the train section's value) and the
    values it may take; kernels read it through an NNC_ARG_HYPER slot.

    ```mlir
    #nn.abi_hyper<"beta1", 9.000000e-01 : f64, unit>
    ```
  }];
  let parameters = (ins
    StringRefParameter<"PyTorch's name">:$name,
    "::mlir::FloatAttr":$defaultValue,
    EnumParameter<NN_HyperRange>:$range
  );
  let assemblyFormat = "`<` $name `,` $defaultValue `,` $range `>`";
}

def NN_ModelABIAttr : AttrDef<NN_Dialect, "ModelABI"> {
  let mnemonic = "model_abi";
  let summary = "The binary interface of a compiled model";
  let description = [{
    Put on the module (`nn.abi`) by nnc-model-abi: the model's name, its
    tensor table (indexed by the `nn.abi_slot` of the entry points'
    arguments and results), the run-time hyperparameters (NNC_ARG_HYPER(k)
    is `hypers[k]`), the optimizer and its default learning rate, the train
    section as JSON and the target. nnc-emit-model-descriptor writes it,
    with the kernels' argument lists, as the `nnc_model_desc` global.

    ```mlir
    module attributes {nn.abi = #nn.model_abi<"spiral", cpu,
        tensors = [<"x", input, f32, [?, 2]>, ...], optimizer = adam,
        lr = 1.000000e-02 : f32, recipe = "{...}",
        hypers = [<"lr", 1.000000e-02 : f64, nonneg>, ...]>} {...}
    ```
  }];
  let parameters = (ins
    StringRefParameter<"the model's name">:$name,
    EnumParameter<NN_Target>:$target,
    ArrayRefParameter<"::mlir::nn::ABITensorAttr", "the tensor table">:$tensors,
    OptionalArrayRefParameter<"::mlir::nn::ABIHyperAttr",
                              "the run-time hyperparameters">:$hypers,
    EnumParameter<NN_OptimizerKind>:$optimizer,
    "::mlir::FloatAttr":$learningRate,
    StringRefParameter<"the train section as JSON">:$recipe
  );
  let assemblyFormat = [{
    `<` $name `,` $target `,` `tensors` `=` `[` $tensors `]`
    `,` `optimizer` `=` $optimizer `,` `lr` `=` $learningRate
    `,` `recipe` `=` $recipe (`,` `hypers` `=` `[` $hypers^ `]`)? `>`
  }];
}

#endif // NNC_DIALECT_NN_NNABI_TD
