//===- nnc/Frontend/Builtins.h - The rows of the .nn builtins ---*- C++ -*-===//
//
// Every built-in callable of the .nn language (layers, activations, tensor
// ops, value functions, losses, penalties, optimizers, schedules, early
// stopping, data sources, initialisers) is ONE row, a BuiltinSpec, that
// carries everything the compiler knows about it:
//   - its name, kind, where it may appear and a one-line summary (docs);
//   - its signature: each parameter with its accepted types, identifiers,
//     range and default as .nn source (Sema checks and normalises calls
//     against it; SemaArgs.cpp interprets it);
//   - the semantic facts Sema needs beyond the signature (how `init = auto`
//     reads the stage that follows a layer);
//   - its emitter: the function that builds its nn ops (MLIRGen calls it
//     through the row, never by name).
// The rows are written one family per file under lib/Frontend/Builtins/
// (docs/mlirgen.md, "Adding a builtin"); getBuiltins() concatenates them.
//
//===----------------------------------------------------------------------===//
#ifndef NNC_FRONTEND_BUILTINS_H
#define NNC_FRONTEND_BUILTINS_H

#include "nnc/Frontend/AST.h"

#include "llvm/ADT/ArrayRef.h"

#include <cstdint>
#include <limits>
#include <optional>

namespace mlir {
class Value;
namespace nn {
enum class InitKind : uint32_t; // NNEnums.h.inc
} // namespace nn
} // namespace mlir

namespace nnc {
namespace detail {
class MLIRGenImpl;
} // namespace detail

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

/// How Sema resolves `init = auto` of a layer from the stage after it.
enum class AutoInit {
  Xavier,      ///< the next stage picks xavier (the default)
  He,          ///< an activation of the ReLU family: picks he
  LookThrough, ///< normalisation/dropout: the stage after it decides
};

/// The emitters of a row (MLIRGen, lib/Frontend/Builtins/*.cpp). They read
/// the call's normalised arguments, check what Sema cannot (shapes, values
/// that need the input), report errors through MLIRGenImpl::error and build
/// their ops with MLIRGenImpl::build; null after an error.
/// A pipeline stage applied to `input` (`x -> dense(3)`).
using StageEmitter = mlir::Value (*)(detail::MLIRGenImpl &,
                                     const CallExprAST &call,
                                     mlir::Value input);
/// A call in value position (`concat(a, b)`, `min(a, b)`).
using CallEmitter = mlir::Value (*)(detail::MLIRGenImpl &,
                                    const CallExprAST &call);
/// A call bound to a name of its own (`scale = parameter(16)`).
using BindingEmitter = mlir::Value (*)(detail::MLIRGenImpl &,
                                       const CallExprAST &call,
                                       const StmtAST &binding);
/// A loss term on the emitted `pred` and `target` (its first two arguments).
using LossEmitter = mlir::Value (*)(detail::MLIRGenImpl &,
                                    const CallExprAST &call, mlir::Value pred,
                                    mlir::Value target);

/// One built-in callable: one row.
struct BuiltinSpec {
  std::string name;
  BuiltinKind kind;
  unsigned usage;
  std::vector<ParamSpec> params;
  /// One line for the docs.
  std::string summary;

  //--- Semantic facts beyond the signature (Sema) ---//
  AutoInit autoInit = AutoInit::Xavier;

  //--- Emitters (MLIRGen); null where the usage does not need one ---//
  StageEmitter emitStage = nullptr;
  CallEmitter emitCall = nullptr;
  BindingEmitter emitBinding = nullptr;
  LossEmitter emitLoss = nullptr;
  /// Initialisers: the kind recorded in #nn.param, and the parameter that
  /// gives its scale ("" = none; its default applies when the initialiser
  /// comes as a bare name through a block parameter).
  std::optional<mlir::nn::InitKind> initKind = std::nullopt;
  std::string initScale = "";

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

} // namespace nnc

#endif // NNC_FRONTEND_BUILTINS_H
