//===- nnc/Frontend/Sema.h - Semantic checks of the .nn language -*- C++ -*-===//
//
// Semantic analysis, with the rules written as data: ONE table (getBuiltins)
// describes every built-in callable of the language (layers, activations,
// tensor ops, losses, penalties, optimizers, schedules, early stopping, data
// sources, initialisers) and the options of a train section: its kind, where
// it may appear, and each parameter with its accepted types, allowed
// identifiers, numeric range and default (written as .nn source text).
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

#include "nnc/Frontend/AST.h"

#include "llvm/ADT/ArrayRef.h"

#include <limits>

namespace nnc {

/// What a parameter accepts (a bit set: `PT_Int | PT_Ident` for `pad`).
enum ParamType : unsigned {
  PT_Int = 1u << 0,    ///< integer literal (or a block parameter/constant)
  PT_Float = 1u << 1,  ///< number; integers are accepted
  PT_Bool = 1u << 2,   ///< true / false
  PT_Ident = 1u << 3,  ///< one identifier of ParamSpec::idents
  PT_String = 1u << 4, ///< string literal
  PT_Call = 1u << 5,   ///< a builtin of ParamSpec::callKind, bare or called
  PT_Tensor = 1u << 6, ///< a tensor value (input, binding, output, target)
  PT_Dim = 1u << 7,    ///< a dimension: positive integer, N or a parameter
  PT_Loss = 1u << 8,   ///< a loss expression (sum of scaled losses)
};

/// One parameter of a builtin.
struct ParamSpec {
  std::string name;
  unsigned types = 0;
  /// Default value as .nn source text. Empty: required. "?": optional, no
  /// value when omitted. "=other": the value of parameter `other`.
  std::string defaultValue;
  /// Identifiers accepted by PT_Ident.
  std::vector<std::string> idents;
  /// Kind of builtin accepted by PT_Call.
  BuiltinKind callKind = BuiltinKind::Unresolved;
  /// Accepted numeric range; the bounds are inclusive unless `*Open`.
  double lo = -std::numeric_limits<double>::infinity();
  double hi = std::numeric_limits<double>::infinity();
  bool loOpen = false, hiOpen = false;
  /// Collects all remaining positional arguments into a list.
  bool variadic = false;
  /// Takes a `[...]` list of values (or one value).
  bool list = false;
  /// Also takes a `[...]` list of exactly as many values as this names
  /// (`pad = [top, left, bottom, right]`); empty: no such list.
  std::vector<std::string> sides;

  bool isRequired() const { return defaultValue.empty(); }
  bool isOptional() const { return defaultValue == "?"; }

  // Builders used by the table.
  ParamSpec range(double low, double high, bool lowOpen = false,
                  bool highOpen = false) const;
  ParamSpec oneOf(std::vector<std::string> names) const;
  ParamSpec call(BuiltinKind kind) const;
  ParamSpec many() const;
  ParamSpec listOf() const;
  ParamSpec perSide(std::vector<std::string> names) const;
};

/// Where a builtin may appear (bit set).
enum Usage : unsigned {
  U_Stage = 1u << 0,    ///< after `->` in a model: `x -> dense(3)`
  U_Function = 1u << 1, ///< called with tensors: `concat(a, b)`, losses
  U_Value = 1u << 2,    ///< as an option or argument value: `adam(0.01)`
};

/// One built-in callable.
struct BuiltinSpec {
  std::string name;
  BuiltinKind kind;
  unsigned usage;
  std::vector<ParamSpec> params;
  /// One line for the docs.
  std::string summary;

  const ParamSpec *findParam(llvm::StringRef name) const;
};

/// The table of every builtin (train section options excluded).
llvm::ArrayRef<BuiltinSpec> getBuiltins();
/// The builtin `name` of kind `kind`, or null.
const BuiltinSpec *lookupBuiltin(llvm::StringRef name, BuiltinKind kind);
/// The first builtin called `name` whose usage intersects `usage`, or null.
const BuiltinSpec *lookupBuiltinByUsage(llvm::StringRef name, unsigned usage);
/// The options of a train section, as a pseudo-builtin of kind Section.
const BuiltinSpec &getTrainSpec();
/// Activations after which `init = auto` picks `he` (else `xavier`).
bool isReluFamily(llvm::StringRef activation);

/// Checks and annotates `module` in place; returns true when no error was
/// reported. Reports every independent error it finds.
bool runSema(ModuleAST &module, DiagnosticEngine &diags);

} // namespace nnc

#endif // NNC_FRONTEND_SEMA_H
