//===- Registration.h - dialects and interfaces the back end needs -*- C++
//-*-===//
//
// The dialects, interface models and translations every back end uses, and
// the target-neutral passes. nnc/Target/Registration.h adds the back ends'.
//
//===----------------------------------------------------------------------===//

#ifndef NNC_CODEGEN_REGISTRATION_H
#define NNC_CODEGEN_REGISTRATION_H

#include "mlir/IR/DialectRegistry.h"

namespace nnc {

/// Registers the upstream dialects, external interface models and LLVM IR
/// translations used between linalg on tensors and LLVM IR.
void registerCodegenDialects(mlir::DialectRegistry &registry);

/// Registers the target-neutral passes (nnc-destination-passing, ...) and
/// the shared prefix's `nnc-fuse`.
void registerCodegenPasses();

} // namespace nnc

#endif // NNC_CODEGEN_REGISTRATION_H
