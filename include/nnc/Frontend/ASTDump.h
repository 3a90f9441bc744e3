//===- nnc/Frontend/ASTDump.h - Printing the AST ----------------*- C++ -*-===//
//
// Prints an AST as an indented tree, one node per line with its `@line:col`,
// as `nnc --emit=ast` shows it. After Sema the dump shows resolved kinds,
// normalised arguments and `(default)` marks. The format is stable enough to
// be matched with FileCheck.
//
//===----------------------------------------------------------------------===//
#ifndef NNC_FRONTEND_ASTDUMP_H
#define NNC_FRONTEND_ASTDUMP_H

#include "nnc/Frontend/AST.h"

#include "llvm/Support/raw_ostream.h"

namespace nnc {

/// Prints `module` to `os`.
void dumpAST(const ModuleAST &module, llvm::raw_ostream &os);
/// Prints one expression at indentation `indent` (two spaces per level).
void dumpExpr(const ExprAST &expr, llvm::raw_ostream &os, unsigned indent = 0);

} // namespace nnc

#endif // NNC_FRONTEND_ASTDUMP_H
