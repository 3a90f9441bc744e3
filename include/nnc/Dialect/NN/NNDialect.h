//===- NNDialect.h - the nn dialect, its enums and attributes - -*- C++ -*-===//
//
// Declares the `nn` dialect class with the enums (nonlinearity, parameter
// role and initialiser) and the `#nn.param` attribute generated from
// dialects/NN/NNBase.td. Include NNOps.h for the ops.
//
//===----------------------------------------------------------------------===//

#ifndef NNC_DIALECT_NN_NNDIALECT_H
#define NNC_DIALECT_NN_NNDIALECT_H

#include "mlir/IR/Attributes.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Dialect.h"

#include "nnc/Dialect/NN/NNDialect.h.inc"
#include "nnc/Dialect/NN/NNEnums.h.inc"

#define GET_ATTRDEF_CLASSES
#include "nnc/Dialect/NN/NNAttrs.h.inc"

#endif // NNC_DIALECT_NN_NNDIALECT_H
