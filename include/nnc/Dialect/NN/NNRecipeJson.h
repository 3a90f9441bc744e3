//===- nnc/Dialect/NN/NNRecipeJson.h - the recipe as JSON -------*- C++ -*-===//
//
// Writes a recipe attribute as the JSON the runtime reads.
//
//===----------------------------------------------------------------------===//
#ifndef NNC_DIALECT_NN_NNRECIPEJSON_H
#define NNC_DIALECT_NN_NNRECIPEJSON_H

#include "mlir/IR/Attributes.h"
#include "llvm/Support/raw_ostream.h"

namespace mlir::nn {

/// Writes `attr` as JSON: a dictionary as an object, an array as an array,
/// strings, numbers and bools as themselves, a unit attribute as true, and
/// the typed recipe attributes of NNRecipe.td (#nn.optimizer, #nn.schedule
/// as `{"kind": ..., field: value...}`, #nn.loss_kind as its name,
/// #nn.metrics as a list of names). Anything else is written as the string
/// of its MLIR spelling.
void writeRecipeJson(llvm::raw_ostream &os, Attribute attr);

} // namespace mlir::nn

#endif // NNC_DIALECT_NN_NNRECIPEJSON_H
