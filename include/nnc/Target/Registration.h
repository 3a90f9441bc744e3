//===- Registration.h - everything the back ends register -------*- C++ -*-===//
//
// One call for nnc, nnc-opt and tests: the target-neutral dialects and
// passes (nnc/Codegen/Registration.h) and those of every back end.
//
//===----------------------------------------------------------------------===//

#ifndef NNC_TARGET_REGISTRATION_H
#define NNC_TARGET_REGISTRATION_H

#include "mlir/IR/DialectRegistry.h"

namespace nnc {

/// Registers the dialects, interface models and translations of the shared
/// code generation and of every back end.
void registerTargetDialects(mlir::DialectRegistry &registry);

/// Registers every code generation pass and pipeline (nnc-opt).
void registerTargetPasses();

} // namespace nnc

#endif // NNC_TARGET_REGISTRATION_H
