//===- NNDialect.h - the nn dialect, its enums and attributes - -*- C++ -*-===//
//
// Declares the `nn` dialect class with the enums (nonlinearity, parameter
// role and initialiser), the attributes generated from dialects/NN/*.td and
// the schemas of the recipe attributes (NNRecipe.td). Include NNOps.h for the
// ops.
//
//===----------------------------------------------------------------------===//

#ifndef NNC_DIALECT_NN_NNDIALECT_H
#define NNC_DIALECT_NN_NNDIALECT_H

#include "mlir/IR/Attributes.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Dialect.h"

#include "nnc/Dialect/NN/NNDialect.h.inc"
#include "nnc/Dialect/NN/NNEnums.h.inc"

#include "llvm/ADT/APFloat.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"

namespace mlir::nn {
/// One value of a recipe attribute (#nn.optimizer, #nn.schedule): its name
/// as written in the IR and the JSON recipe, the values it may take, and
/// whether it is an integer.
struct RecipeField {
  llvm::StringLiteral name;
  HyperRange range;
  bool isInt = false;
};
/// The values of an optimizer kind, in order (the run-time
/// hyperparameters, lr first; clip_norm is not part of it).
llvm::ArrayRef<RecipeField> getOptimizerSchema(OptimizerKind kind);
/// The values of a schedule kind, in order.
llvm::ArrayRef<RecipeField> getScheduleSchema(ScheduleKind kind);
/// `values` as IEEE doubles (the storage of the recipe attributes).
llvm::SmallVector<llvm::APFloat> toAPFloats(llvm::ArrayRef<double> values);
} // namespace mlir::nn

#define GET_ATTRDEF_CLASSES
#include "nnc/Dialect/NN/NNAttrs.h.inc"

#endif // NNC_DIALECT_NN_NNDIALECT_H
