//===- Outline.h - copy ops into a function of their own --------*- C++ -*-===//
//
// The outlining shared by nnc-matmul-schedule (which schedules a copy of one
// layer's ops and inlines the result back) and nnc-outline-loops (which
// replaces each top-level loop nest of a kernel by a call). Private to
// lib/Codegen.
//
//===----------------------------------------------------------------------===//

#ifndef NNC_LIB_CODEGEN_OUTLINE_H
#define NNC_LIB_CODEGEN_OUTLINE_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"

namespace nnc {

/// A private function holding copies of some ops, and the values of the
/// original IR that its arguments and results stand for.
struct Outlined {
  mlir::func::FuncOp func;
  /// One per argument: the values the ops use from outside.
  llvm::SmallVector<mlir::Value> inputs;
  /// One per result: the ops' values used outside them.
  llvm::SmallVector<mlir::Value> outputs;
};

/// Appends to `module` a private function `name` whose body is a copy of
/// `ops` (in that order, all in one block): values they use from outside,
/// including inside their regions, become arguments, except constants,
/// which are copied in (so that canonicalization still folds them); their
/// results used by other ops become the results. The originals stay.
Outlined outlineCopy(llvm::ArrayRef<mlir::Operation *> ops,
                     mlir::ModuleOp module, llvm::StringRef name);

} // namespace nnc

#endif // NNC_LIB_CODEGEN_OUTLINE_H
