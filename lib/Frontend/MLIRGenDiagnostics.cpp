//===- MLIRGenDiagnostics.cpp - MLIR diagnostics as front-end errors ------===//
//
// Routes the diagnostics of an MLIRContext (type inference run by MLIRGen,
// the verifier run by the driver) to the front end's DiagnosticEngine, so
// that they print like every other .nn error: `file:line:col: error:` with
// the source line and a caret. The text is MLIR's, unchanged: the nn type
// checks already spell types as .nn source does (mlir::nn::formatType) and
// name the layer at the NameLoc MLIRGen infers types at.
//
//===----------------------------------------------------------------------===//

#include "nnc/Frontend/MLIRGen.h"

#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Location.h"
#include "nnc/Dialect/NN/NNOps.h"

using namespace nnc;
using namespace mlir;

std::string nnc::dslTypeString(Type type) { return nn::formatType(type); }

MLIRDiagnosticForwarder::MLIRDiagnosticForwarder(MLIRContext &context,
                                                 DiagnosticEngine &diags)
    : diags(diags), handler(&context, [this](mlir::Diagnostic &diag) {
        std::string message = diag.str();
        if (diag.getSeverity() == DiagnosticSeverity::Remark)
          return success();
        if (diag.getSeverity() == DiagnosticSeverity::Note)
          this->diags.note(toLocation(diag.getLocation()), message);
        else
          this->diags.error(toLocation(diag.getLocation()), message);
        for (mlir::Diagnostic &note : diag.getNotes())
          this->diags.note(toLocation(note.getLocation()), note.str());
        return success();
      }) {}

nnc::Location MLIRDiagnosticForwarder::toLocation(mlir::Location loc) {
  if (auto name = dyn_cast<NameLoc>(loc))
    return toLocation(name.getChildLoc());
  if (auto site = dyn_cast<CallSiteLoc>(loc))
    return toLocation(site.getCallee());
  if (auto fused = dyn_cast<FusedLoc>(loc))
    return fused.getLocations().empty() ? nnc::Location()
                                        : toLocation(fused.getLocations()[0]);
  if (auto file = dyn_cast<FileLineColLoc>(loc))
    return nnc::Location{
        std::make_shared<std::string>(file.getFilename().str()),
        int(file.getLine()), int(file.getColumn())};
  return nnc::Location();
}
