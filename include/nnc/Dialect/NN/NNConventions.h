//===- NNConventions.h - attribute names of the nn IR conventions -*- C++
//-*-===//
//
// The discardable attributes MLIRGen and the nn passes put on functions and
// their arguments and results (docs/architecture.md section 1), named once so
// that the front end, the passes and the descriptor emitter agree.
//
//===----------------------------------------------------------------------===//

#ifndef NNC_DIALECT_NN_NNCONVENTIONS_H
#define NNC_DIALECT_NN_NNCONVENTIONS_H

#include "llvm/ADT/StringRef.h"

namespace nnc::attrs {

// Module attributes.
/// StringAttr: the model's name in the .nn file.
inline constexpr llvm::StringLiteral kModel = "nn.model";
/// DictionaryAttr: the train section (data, batch, epochs, optimizer, ...),
/// with the typed entries below (dialects/NN/NNRecipe.td).
inline constexpr llvm::StringLiteral kRecipe = "nn.recipe";
/// Typed entries of nn.recipe: #nn.optimizer, #nn.schedule, #nn.loss_kind
/// (the first loss term) and #nn.metrics.
inline constexpr llvm::StringLiteral kRecipeOptimizer = "optimizer";
inline constexpr llvm::StringLiteral kRecipeSchedule = "schedule";
inline constexpr llvm::StringLiteral kRecipeLoss = "loss";
inline constexpr llvm::StringLiteral kRecipeMetrics = "metrics";
/// #nn.model_abi: the model's binary interface (nnc-model-abi).
inline constexpr llvm::StringLiteral kABI = "nn.abi";

// Entry points (function names).
inline constexpr llvm::StringLiteral kPredict = "predict";
inline constexpr llvm::StringLiteral kLoss = "loss";
inline constexpr llvm::StringLiteral kGrads = "grads";
inline constexpr llvm::StringLiteral kApply = "apply";
inline constexpr llvm::StringLiteral kTrainStep = "train_step";
/// d loss / d input, built on request (nnc-autodiff's input-grads option).
inline constexpr llvm::StringLiteral kInputGrads = "input_grads";

// Argument attributes.
/// StringAttr: a model input and its name.
inline constexpr llvm::StringLiteral kInput = "nn.input";
/// StringAttr: a training target and its name.
inline constexpr llvm::StringLiteral kLabel = "nn.label";
/// #nn.param: a parameter or buffer.
inline constexpr llvm::StringLiteral kParam = "nn.param";
/// StringAttr (argument or result): the gradient of the named parameter.
inline constexpr llvm::StringLiteral kGrad = "nn.grad";
/// ArrayAttr [param name, state name]: optimizer state, e.g. ["fc1.weight",
/// "exp_avg"].
inline constexpr llvm::StringLiteral kState = "nn.state";
/// DictionaryAttr {name, default, range}: a run-time optimizer
/// hyperparameter (tensor<f64>), e.g. {name = "beta1", default = 0.9 : f64,
/// range = "unit"}; the learning rate is the one named "lr". `range` is
/// "nonneg" (finite, >= 0), "positive" (finite, > 0), "unit" ([0, 1)) or
/// "flag" (0 or 1).
inline constexpr llvm::StringLiteral kHyperparameter = "nn.hyperparameter";
/// UnitAttr: the 1-based optimizer step (tensor<i64>).
inline constexpr llvm::StringLiteral kStep = "nn.step";
/// UnitAttr: the seed of this step's randomness (tensor<i64>).
inline constexpr llvm::StringLiteral kSeed = "nn.seed";
/// UnitAttr: the index in a larger batch of the batch's first row, for the
/// dropout masks (tensor<i64>; data-parallel training, 0 otherwise).
inline constexpr llvm::StringLiteral kRowOffset = "nn.row_offset";
/// UnitAttr: the model instance, whose all-reduce callback nn.replica_sum
/// calls (tensor<i64>; models compiled with sync_batchnorm).
inline constexpr llvm::StringLiteral kReplicas = "nn.replicas";

// Result attributes.
/// StringAttr: a model output and its name.
inline constexpr llvm::StringLiteral kOutput = "nn.output";
/// UnitAttr: the scalar training loss.
inline constexpr llvm::StringLiteral kLossResult = "nn.loss";
/// StringAttr: the gradient of the loss with respect to the named input.
inline constexpr llvm::StringLiteral kInputGrad = "nn.input_grad";
/// IntegerAttr: the result is the new value of this argument (in place).
inline constexpr llvm::StringLiteral kUpdateOf = "nn.update_of";

// ABI attributes (nnc-model-abi and the passes after it).
/// i32 IntegerAttr on an argument or result of an entry point: the index in
/// `nn.abi`'s tensor table or an NNC_ARG_* slot (include/nnc/ModelDesc.h).
inline constexpr llvm::StringLiteral kABISlot = "nn.abi_slot";
/// DenseI32ArrayAttr on a kernel (nnc-destination-passing): the slots of
/// its arguments in order, the entry's argument list in the descriptor.
inline constexpr llvm::StringLiteral kABIArgs = "nn.abi_args";
/// DenseI32ArrayAttr on a CPU kernel (nnc-mark-undo-args): the positions, in
/// its argument list, of the arguments it may write before an allocation
/// that may fail; the shim copies only those to undo a failed call. Absent:
/// every tensor the entry may write is copied.
inline constexpr llvm::StringLiteral kUndoArgs = "nn.undo_args";
/// UnitAttr on a CUDA kernel (nnc-gpu-async): its host code touches no
/// memory and waits for the device only at its end, so a call may be
/// captured as a CUDA graph and replayed (NNC_ENTRY_GRAPH_SAFE).
inline constexpr llvm::StringLiteral kGraphSafe = "nn.graph_safe";

} // namespace nnc::attrs

#endif // NNC_DIALECT_NN_NNCONVENTIONS_H
