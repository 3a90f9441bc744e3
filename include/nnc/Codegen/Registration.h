//===- Registration.h - dialects and interfaces the back end needs -*- C++ -*-===//
//
// One place that registers every dialect, interface model and translation the
// CPU back end (and the transform schedules) use, for nnc, nnc-opt and tests.
//
//===----------------------------------------------------------------------===//

#ifndef NNC_CODEGEN_REGISTRATION_H
#define NNC_CODEGEN_REGISTRATION_H

#include "mlir/IR/DialectRegistry.h"

namespace nnc {

/// Registers the upstream dialects, external interface models and LLVM IR
/// translations used between linalg on tensors and LLVM IR.
void registerCodegenDialects(mlir::DialectRegistry &registry);

/// Registers the code generation passes (nnc-destination-passing, ...).
void registerCodegenPasses();

} // namespace nnc

#endif // NNC_CODEGEN_REGISTRATION_H
