//===- nnc/Import/OnnxImport.h - ONNX graphs to .nn models ------*- C++ -*-===//
//
// The API behind `nnc import MODEL.onnx`: an ONNX model (opset 13-17) becomes
// the text of a `.nn` model and the tensors of its parameters and buffers,
// named and laid out as the compiled model's checkpoint expects them
// (`fc1.weight` [out, in], `conv1.weight` [out, in, kh, kw],
// `bn1.running_mean`, ...), ready to be written as safetensors.
// docs/import.md lists the ops and the patterns recognised; anything else is
// an error naming the node, its op type and the attribute, never an
// approximation.
//
//===----------------------------------------------------------------------===//
#ifndef NNC_IMPORT_ONNXIMPORT_H
#define NNC_IMPORT_ONNXIMPORT_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <string>
#include <vector>

namespace nnc::import {

/// A float32 tensor of the checkpoint, row-major.
struct NamedTensor {
  std::string name;
  std::vector<int64_t> shape;
  std::vector<float> data;
};

/// The result of an import: the `.nn` source and the checkpoint's tensors in
/// the order the model declares its parameters.
struct ImportedModel {
  std::string modelName;
  std::string source;
  std::vector<NamedTensor> tensors;
};

struct ImportOptions {
  /// The name of the `.nn` model (an identifier); "" takes the graph's name
  /// when it is an identifier, else "Imported".
  std::string modelName;
  /// Written into the `.nn` file's header comment (e.g. the checkpoint file).
  std::string checkpointNote;
};

/// Reads and translates the ONNX file at `path`. Errors name the file and,
/// for graph problems, the node (`node '/conv1/Conv' (Conv): ...`).
llvm::Expected<ImportedModel> importOnnx(llvm::StringRef path,
                                         const ImportOptions &options);

/// An identifier of the language for an ONNX or file name (`input.1` ->
/// `input_1`, `3x` -> `t3x`, keywords get a trailing `_`).
std::string toIdentifier(llvm::StringRef name);

/// Writes `tensors` as a safetensors file (F32, `__metadata__` with
/// `format = pt` and `nnc.model`), the format `nnc_model_load` reads.
llvm::Error writeSafetensors(llvm::StringRef path,
                             const std::vector<NamedTensor> &tensors,
                             llvm::StringRef modelName);

} // namespace nnc::import

#endif // NNC_IMPORT_ONNXIMPORT_H
