//===- nnc/Frontend/MLIRGen.h - AST to the nn dialect -----------*- C++ -*-===//
//
// MLIRGen turns the checked AST of a .nn file into one MLIR module in the nn
// dialect (docs/architecture.md section 1), in the style of the Toy
// tutorial's MLIRGen: `@predict` (inference), `@loss` (training-mode forward
// plus the loss, when the file trains the model), parameters as function
// arguments with `#nn.param`, the train section as the `nn.recipe` module
// attribute, and the FileLineColLoc of its DSL call on every op. Shapes are
// checked while building, through the dialect's own type inference, and
// reported at DSL positions through the front end's DiagnosticEngine, so an
// MLIR diagnostic prints like every other front-end error. The choices
// (parameter names, initialisers, dropout seeds, penalties) are documented in
// docs/mlirgen.md.
//
//===----------------------------------------------------------------------===//
#ifndef NNC_FRONTEND_MLIRGEN_H
#define NNC_FRONTEND_MLIRGEN_H

#include "nnc/Frontend/AST.h"
#include "nnc/Frontend/Diagnostics.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/OwningOpRef.h"

#include <string>

namespace mlir {
class MLIRContext;
class Type;
} // namespace mlir

namespace nnc {

/// Builds the nn module of the file's main model (ModuleAST::getMainModel()).
/// Loads the dialects it needs into `context`. Returns null after reporting
/// the errors to `diags` (shape errors stop the model at the first one).
/// `module` must have passed Sema.
mlir::OwningOpRef<mlir::ModuleOp> mlirGen(mlir::MLIRContext &context,
                                          const ModuleAST &module,
                                          DiagnosticEngine &diags);

/// Spells a tensor type the way .nn source does: `tensor<?x1x28x28xf32>` is
/// `f32[N, 1, 28, 28]` (a dynamic dimension is the batch N), `tensor<f32>`
/// is `f32[]`. Other types print as MLIR does. (mlir::nn::formatType, which
/// the nn type checks use too.)
std::string dslTypeString(mlir::Type type);

/// While alive, routes every diagnostic of an MLIRContext to a front-end
/// DiagnosticEngine, text unchanged: a FileLineColLoc (also inside a NameLoc,
/// CallSiteLoc or FusedLoc) becomes a `file:line:col` Location, so the
/// source line and caret are printed, and notes are forwarded. The messages
/// read as .nn errors because the nn type checks write them so (types as
/// `f32[N, 2]`, and at the NameLoc MLIRGen gives the layer's name).
class MLIRDiagnosticForwarder {
public:
  MLIRDiagnosticForwarder(mlir::MLIRContext &context, DiagnosticEngine &diags);

  /// Converts an MLIR location to a front-end Location (unknown when it has
  /// no file position).
  static Location toLocation(mlir::Location loc);

private:
  DiagnosticEngine &diags;
  mlir::ScopedDiagnosticHandler handler;
};

} // namespace nnc

#endif // NNC_FRONTEND_MLIRGEN_H
