//===- ModelHeader.h - the C header of a compiled model ----------*- C++
//-*-===//
//
// `nnc --header`: a C header for applications that names a model's inputs,
// labels and outputs and gives their shapes as macros, written from the
// model's ABI (`nn.abi`, nnc-model-abi).
//
//===----------------------------------------------------------------------===//

#ifndef NNC_PIPELINES_MODELHEADER_H
#define NNC_PIPELINES_MODELHEADER_H

#include "nnc/Dialect/NN/NNDialect.h"

#include "llvm/Support/raw_ostream.h"

namespace nnc {

/// Writes the header: the model name and, for every input, label and
/// output, its rank and dims (-1 = batch) as macros. `comment`, when not
/// empty, is copied after the header's first comment (a C comment block:
/// `nnc --header` puts the model summary there).
void writeModelHeader(mlir::nn::ModelABIAttr abi, llvm::raw_ostream &os,
                      llvm::StringRef comment = "");

} // namespace nnc

#endif // NNC_PIPELINES_MODELHEADER_H
