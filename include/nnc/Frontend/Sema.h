//===- nnc/Frontend/Sema.h - Semantic checks of the .nn language -*- C++
//-*-===//
//
// Semantic analysis, with the rules written as data: ONE row per built-in
// callable of the language (getBuiltins, nnc/Frontend/Builtins.h: layers,
// activations, tensor ops, losses, penalties, optimizers, schedules, early
// stopping, data sources, initialisers) and the options of a train section
// give its kind, where it may appear, and each parameter with its accepted
// types, allowed identifiers, numeric range and default (written as .nn
// source text).
//
// runSema() resolves every call against that table (or against a user block),
// normalises the arguments (all named, in table order, defaults filled),
// resolves identifiers, and reports arity/type/range errors, duplicate and
// undefined names, recursion between blocks, missing outputs and train
// sections that refer to unknown models, outputs or targets. Shapes are not
// checked here: type inference in the nn dialect does that.
//
//===----------------------------------------------------------------------===//
#ifndef NNC_FRONTEND_SEMA_H
#define NNC_FRONTEND_SEMA_H

#include "nnc/Frontend/Builtins.h"

namespace nnc {

/// Checks and annotates `module` in place; returns true when no error was
/// reported. Reports every independent error it finds.
bool runSema(ModuleAST &module, DiagnosticEngine &diags);

} // namespace nnc

#endif // NNC_FRONTEND_SEMA_H
