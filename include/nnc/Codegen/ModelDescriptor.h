//===- ModelDescriptor.h - the static description of a model.so -*- C++ -*-===//
//
// Collects the tensors and entry points of a model from the attributes of its
// functions (docs/architecture.md section 1) and writes the `nnc_model_desc`
// C source that the model shim reads (include/nnc/ModelDesc.h). The argument
// order of every entry matches what nnc-destination-passing makes of the
// function: its arguments, then one out-param per result not updated in place.
//
//===----------------------------------------------------------------------===//

#ifndef NNC_CODEGEN_MODELDESCRIPTOR_H
#define NNC_CODEGEN_MODELDESCRIPTOR_H

#include "nnc/ModelDesc.h"

#include "mlir/IR/BuiltinOps.h"

#include <string>
#include <vector>

namespace nnc {

/// One tensor of the model, as in nnc_tensor_desc_t.
struct TensorInfo {
  std::string name;
  nnc_role_t role;
  nnc_desc_dtype_t dtype;
  std::vector<int64_t> dims; ///< -1 marks the batch dimension
  nnc_init_t init = NNC_INIT_NONE;
  float initScale = 0;
  int32_t of = -1;
  /// I32 inputs and labels used as class indices or embedding ids: the
  /// exclusive upper bound of their values (the class count, the table
  /// size); 0 when nothing indexes with them.
  int64_t indexBound = 0;
};

/// One entry point: its function name and argument list (tensor indices or
/// NNC_ARG_* slots).
struct EntryInfo {
  std::string name;
  std::vector<int32_t> args;
};

/// One optimizer hyperparameter, as in nnc_hyper_desc_t.
struct HyperInfo {
  std::string name;
  double defaultValue = 0;
  nnc_hyper_range_t range = NNC_HYPER_NONNEG;
};

/// Everything the descriptor holds.
struct ModelSignature {
  std::string name;
  std::vector<TensorInfo> tensors;
  std::vector<EntryInfo> entries;
  nnc_optimizer_kind_t optimizer = NNC_OPT_NONE;
  float learningRate = 0;
  std::string recipeJson = "{}";
  /// The run-time hyperparameters (arguments marked nn.hyperparameter).
  std::vector<HyperInfo> hypers;
  /// nnc_target_t: where the kernels run (CPU 0, CUDA 1).
  int32_t target = 0;
};

/// Reads the signature of the module's public entry points. Emits a
/// diagnostic and fails on an argument or result without a role, or on
/// conflicting declarations of one tensor.
mlir::FailureOr<ModelSignature> collectModelSignature(mlir::ModuleOp module);

/// Writes the C source defining `nnc_model_desc` and declaring the kernels.
void writeDescriptorSource(const ModelSignature &signature,
                           llvm::raw_ostream &os);

/// Writes a C header for applications: the model name and, for every input,
/// label and output, its rank and dims (-1 = batch) as macros. `comment`, when
/// not empty, is copied after the header's first comment (a C comment block:
/// `nnc --header` puts the model summary there).
void writeModelHeader(const ModelSignature &signature, llvm::raw_ostream &os,
                      llvm::StringRef comment = "");

/// Converts an attribute (dictionary, array, string, number, bool) to JSON.
std::string attributeToJson(mlir::Attribute attr);

} // namespace nnc

#endif // NNC_CODEGEN_MODELDESCRIPTOR_H
