// RUN: nnc-opt --nnc-model-abi -split-input-file %s | FileCheck %s
// The ABI attributes print and parse back (the IR between passes):
// RUN: nnc-opt --nnc-model-abi -split-input-file %s | nnc-opt -split-input-file | FileCheck %s
// RUN: nnc-opt --nnc-model-abi -split-input-file -verify-diagnostics %S/Inputs/model-abi-errors.mlir
// RUN: nnc-opt --nnc-model-abi=target=cuda %s -split-input-file | FileCheck %s --check-prefix=CUDA
// RUN: not nnc-opt --nnc-model-abi=target=tpu %s -split-input-file 2>&1 | FileCheck %s --check-prefix=TARGET
// TARGET: error: unknown target 'tpu'

// A classifier with a training step: the table lists the parameters first
// (predict's order, with their initialisers), then the inputs, outputs,
// labels, optimizer state `of` its parameter, the loss, gradients; the
// i32 label used as class indices of a cross-entropy (inside a call) is
// bounded by the class count. Each argument and each result not updated in
// place gets its slot; hyperparameters are NNC_ARG_HYPER(k) = -16 - k and
// the step NNC_ARG_STEP = -2.
// CHECK-LABEL: module attributes
// CHECK-SAME: nn.abi = #nn.model_abi<"clf", cpu, tensors = [
// CHECK-SAME: <"fc.weight", param, f32, [3, 4], init = he>,
// CHECK-SAME: <"fc.bias", param, f32, [3], init = normal, scale = 2.000000e-02 : f32>,
// CHECK-SAME: <"x", input, f32, [?, 4]>,
// CHECK-SAME: <"logits", output, f32, [?, 3]>,
// CHECK-SAME: <"y", label, i32, [?], bound = 3>,
// CHECK-SAME: <"optimizer.fc.weight.momentum_buffer", state, f32, [3, 4], of = 0>,
// CHECK-SAME: <"loss", loss, f32, []>,
// CHECK-SAME: <"fc.weight.grad", grad, f32, [3, 4], of = 0>]
// CHECK-SAME: optimizer = momentum, lr = 1.000000e-01 : f32
// The recipe JSON is written from the typed attributes (NNRecipe.td): the
// optimizer and schedule with every value of their schema, integers as
// integers, the loss kind and metrics as names.
// CHECK-SAME: recipe = "{\22batch\22:8,\22loss\22:\22cross_entropy\22,\22metrics\22:[\22f1\22,\22confusion\22],\22optimizer\22:{\22kind\22:\22momentum\22,\22lr\22:0.1,\22momentum\22:0.9,\22nesterov\22:0,\22weight_decay\22:0},\22schedule\22:{\22kind\22:\22step\22,\22drop\22:0.5,\22every\22:10}}",
// CHECK-SAME: hypers = [<"lr", 1.000000e-01 : f64, nonneg>, <"momentum", 9.000000e-01 : f64, nonneg>]>
// CHECK-LABEL: func.func @predict(
// CHECK-SAME: {nn.abi_slot = 2 : i32, nn.input = "x"}
// CHECK-SAME: {nn.abi_slot = 0 : i32, nn.param = #nn.param<"fc.weight", weight, he>}
// CHECK-SAME: {nn.abi_slot = 1 : i32, nn.param = #nn.param<"fc.bias", bias, normal, 2.000000e-02 : f32>}
// CHECK-SAME: -> (tensor<?x3xf32> {nn.abi_slot = 3 : i32, nn.output = "logits"})
// CHECK-LABEL: func.func @train_step(
// CHECK-SAME: {nn.abi_slot = 2 : i32, nn.input = "x"}
// CHECK-SAME: {nn.abi_slot = 4 : i32, nn.label = "y"}
// CHECK-SAME: {nn.abi_slot = 5 : i32, nn.state = ["fc.weight", "momentum_buffer"]}
// CHECK-SAME: {nn.abi_slot = -16 : i32, nn.hyperparameter
// CHECK-SAME: {nn.abi_slot = -17 : i32, nn.hyperparameter
// CHECK-SAME: {nn.abi_slot = -2 : i32, nn.step}
// CHECK-SAME: -> (tensor<f32> {nn.abi_slot = 6 : i32, nn.loss}, tensor<3x4xf32> {nn.update_of = 2 : i64}, tensor<3x4xf32> {nn.update_of = 4 : i64})
// CHECK-LABEL: func.func @grads(
// CHECK-SAME: -> (tensor<f32> {nn.abi_slot = 6 : i32, nn.loss}, tensor<3x4xf32> {nn.abi_slot = 7 : i32, nn.grad = "fc.weight"})
// CUDA: nn.abi = #nn.model_abi<"clf", cuda,
module attributes {nn.model = "clf", nn.recipe = {batch = 8 : i64, loss = #nn.loss_kind<cross_entropy>, metrics = #nn.metrics<[f1, confusion]>, optimizer = #nn.optimizer<momentum, lr = 0.1, momentum = 0.9, nesterov = 0.0, weight_decay = 0.0>, schedule = #nn.schedule<step, drop = 0.5, every = 10>}} {
  func.func @predict(%x: tensor<?x4xf32> {nn.input = "x"},
                     %w: tensor<3x4xf32> {nn.param = #nn.param<"fc.weight", weight, he>},
                     %b: tensor<3xf32> {nn.param = #nn.param<"fc.bias", bias, normal, 2.0e-2 : f32>})
      -> (tensor<?x3xf32> {nn.output = "logits"}) {
    %h = nn.dense %x, %w, %b : (tensor<?x4xf32>, tensor<3x4xf32>, tensor<3xf32>) -> tensor<?x3xf32>
    return %h : tensor<?x3xf32>
  }
  func.func private @xent(%h: tensor<?x3xf32>, %y: tensor<?xi32>) -> tensor<f32> {
    %l = nn.cross_entropy_loss %h, %y : tensor<?x3xf32>, tensor<?xi32>
    return %l : tensor<f32>
  }
  func.func @train_step(%x: tensor<?x4xf32> {nn.input = "x"}, %y: tensor<?xi32> {nn.label = "y"},
                        %w: tensor<3x4xf32> {nn.param = #nn.param<"fc.weight", weight, he>},
                        %b: tensor<3xf32> {nn.param = #nn.param<"fc.bias", bias, normal, 2.0e-2 : f32>},
                        %m: tensor<3x4xf32> {nn.state = ["fc.weight", "momentum_buffer"]},
                        %lr: tensor<f64> {nn.hyperparameter = {name = "lr", default = 0.1 : f64, range = "nonneg"}},
                        %mu: tensor<f64> {nn.hyperparameter = {name = "momentum", default = 0.9 : f64, range = "nonneg"}},
                        %step: tensor<i64> {nn.step})
      -> (tensor<f32> {nn.loss}, tensor<3x4xf32> {nn.update_of = 2 : i64}, tensor<3x4xf32> {nn.update_of = 4 : i64}) {
    %h = nn.dense %x, %w, %b : (tensor<?x4xf32>, tensor<3x4xf32>, tensor<3xf32>) -> tensor<?x3xf32>
    %l = func.call @xent(%h, %y) : (tensor<?x3xf32>, tensor<?xi32>) -> tensor<f32>
    return %l, %w, %m : tensor<f32>, tensor<3x4xf32>, tensor<3x4xf32>
  }
  func.func @grads(%x: tensor<?x4xf32> {nn.input = "x"}, %y: tensor<?xi32> {nn.label = "y"},
                   %w: tensor<3x4xf32> {nn.param = #nn.param<"fc.weight", weight, he>},
                   %b: tensor<3xf32> {nn.param = #nn.param<"fc.bias", bias, normal, 2.0e-2 : f32>})
      -> (tensor<f32> {nn.loss}, tensor<3x4xf32> {nn.grad = "fc.weight"}) {
    %h = nn.dense %x, %w, %b : (tensor<?x4xf32>, tensor<3x4xf32>, tensor<3xf32>) -> tensor<?x3xf32>
    %l = nn.cross_entropy_loss %h, %y : tensor<?x3xf32>, tensor<?xi32>
    return %l, %w : tensor<f32>, tensor<3x4xf32>
  }
}

// -----

// Embedding ids are bounded by the table's rows, the tightest bound wins
// when an input feeds two tables, and ids counted from the end
// (negative_from_end) have no bound. Buffers keep their role; without a
// train section the optimizer is `none` and the recipe `{}`.
// CHECK-LABEL: module attributes
// CHECK-SAME: #nn.model_abi<"model", cpu, tensors = [
// CHECK-SAME: <"small", param, f32, [5, 2], init = normal>
// CHECK-SAME: <"big", param, f32, [9, 2], init = normal>
// CHECK-SAME: <"stats", buffer, f32, [2], init = zeros>
// CHECK-SAME: <"ids", input, i32, [?, 4], bound = 5>
// CHECK-SAME: <"any", input, i32, [?, 4]>
// CHECK-SAME: optimizer = none, lr = 0.000000e+00 : f32, recipe = "{}">
module {
  func.func @predict(%small: tensor<5x2xf32> {nn.param = #nn.param<"small", weight, normal>},
                     %big: tensor<9x2xf32> {nn.param = #nn.param<"big", weight, normal>},
                     %stats: tensor<2xf32> {nn.param = #nn.param<"stats", buffer, zeros>},
                     %ids: tensor<?x4xi32> {nn.input = "ids"},
                     %any: tensor<?x4xi32> {nn.input = "any"})
      -> (tensor<?x4x2xf32> {nn.output = "a"}, tensor<?x4x2xf32> {nn.output = "b"}, tensor<?x4x2xf32> {nn.output = "c"}) {
    %a = nn.embedding %ids, %big : (tensor<?x4xi32>, tensor<9x2xf32>) -> tensor<?x4x2xf32>
    %b = nn.embedding %ids, %small : (tensor<?x4xi32>, tensor<5x2xf32>) -> tensor<?x4x2xf32>
    %c = nn.embedding %any, %small {negative_from_end = true} : (tensor<?x4xi32>, tensor<5x2xf32>) -> tensor<?x4x2xf32>
    return %a, %b, %c : tensor<?x4x2xf32>, tensor<?x4x2xf32>, tensor<?x4x2xf32>
  }
}
