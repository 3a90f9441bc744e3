//===- NNInterfaces.h - interfaces of nn ops ------------------ -*- C++ -*-===//
//
// Declares the op interfaces generated from dialects/NN/NNInterfaces.td,
// chiefly `nn::AdjointOpInterface`, through which autodiff asks each op for
// the gradients of its operands.
//
//===----------------------------------------------------------------------===//

#ifndef NNC_DIALECT_NN_NNINTERFACES_H
#define NNC_DIALECT_NN_NNINTERFACES_H

#include "mlir/IR/Builders.h"
#include "mlir/IR/OpDefinition.h"

#include "nnc/Dialect/NN/NNInterfaces.h.inc"

#endif // NNC_DIALECT_NN_NNINTERFACES_H
