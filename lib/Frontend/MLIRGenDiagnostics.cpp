//===- MLIRGenDiagnostics.cpp - MLIR diagnostics as front-end errors ------===//
//
// Routes the diagnostics of an MLIRContext (type inference run by MLIRGen,
// the verifier run by the driver) to the front end's DiagnosticEngine, so
// that they print like every other .nn error: `file:line:col: error:` with
// the source line and a caret. Messages are rewritten for a DSL reader:
// tensor types are spelled as in .nn source (`f32[N, 2]`) and the op prefix
// (`'nn.dense' op`) is replaced by the layer the user wrote.
//
//===----------------------------------------------------------------------===//

#include "nnc/Frontend/MLIRGen.h"

#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Location.h"

using namespace nnc;
using namespace mlir;

/// "f32[N, 1, 28, 28]" from the body of a tensor type ("?x1x28x28xf32").
static std::string dslTensorBody(llvm::StringRef body) {
  llvm::SmallVector<llvm::StringRef> parts;
  body.split(parts, 'x');
  std::string text = parts.back().str() + "[";
  for (size_t i = 0; i + 1 < parts.size(); ++i)
    text +=
        (i ? ", " : "") + (parts[i] == "?" ? std::string("N") : parts[i].str());
  return text + "]";
}

std::string nnc::dslTypeString(Type type) {
  std::string text;
  llvm::raw_string_ostream os(text);
  os << type;
  llvm::StringRef ref(text);
  if (isa<RankedTensorType>(type) && ref.consume_front("tensor<") &&
      ref.consume_back(">"))
    return dslTensorBody(ref);
  return text;
}

MLIRDiagnosticForwarder::MLIRDiagnosticForwarder(MLIRContext &context,
                                                 DiagnosticEngine &diags)
    : diags(diags), handler(&context, [this](mlir::Diagnostic &diag) {
        std::string message = rewrite(diag.str());
        if (diag.getSeverity() == DiagnosticSeverity::Remark)
          return success();
        if (diag.getSeverity() == DiagnosticSeverity::Note)
          this->diags.note(toLocation(diag.getLocation()), message);
        else
          this->diags.error(toLocation(diag.getLocation()), message);
        for (mlir::Diagnostic &note : diag.getNotes())
          this->diags.note(toLocation(note.getLocation()), rewrite(note.str()));
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

std::string MLIRDiagnosticForwarder::rewrite(llvm::StringRef message) const {
  std::string text;
  llvm::StringRef rest = message;
  // "'nn.dense' op expects ..." -> "dense expects ...".
  if (!subject.empty() && rest.starts_with("'nn.")) {
    size_t end = rest.find("' op ");
    if (end != llvm::StringRef::npos) {
      rest = rest.drop_front(end + 5);
      text = subject + (rest.starts_with("cannot ") ? ": " : " ");
    }
  }
  // 'tensor<?x2xf32>' -> f32[N, 2].
  while (!rest.empty()) {
    size_t start = rest.find("'tensor<");
    if (start == llvm::StringRef::npos)
      break;
    size_t end = rest.find(">'", start);
    if (end == llvm::StringRef::npos)
      break;
    text += rest.take_front(start).str();
    text += dslTensorBody(rest.slice(start + 8, end));
    rest = rest.drop_front(end + 2);
  }
  return text + rest.str();
}
