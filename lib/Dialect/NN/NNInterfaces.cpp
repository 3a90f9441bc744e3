//===- NNInterfaces.cpp - interfaces of nn ops ----------------------------===//
//
// Instantiates the op interfaces declared in dialects/NN/NNInterfaces.td.
// The interface methods are implemented by the ops that attach them.
//
//===----------------------------------------------------------------------===//

#include "nnc/Dialect/NN/NNInterfaces.h"

using namespace mlir;

#include "nnc/Dialect/NN/NNInterfaces.cpp.inc"
