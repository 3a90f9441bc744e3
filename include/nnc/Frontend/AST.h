//===- nnc/Frontend/AST.h - AST of the .nn language -------------*- C++ -*-===//
//
// The abstract syntax tree of a .nn file, in the style of the MLIR Toy
// tutorial: expressions form a small class hierarchy with LLVM-style RTTI
// (`classof` on a kind enum); declarations (models, blocks, train sections)
// are plain structs. Every node carries the Location of its first token.
//
// The parser builds the tree as written. Sema then annotates it in place:
// every call gets its BuiltinKind and spec (or its block), its arguments are
// normalised (all named, in the spec's order, defaults filled and marked),
// identifiers are resolved (input, binding, block parameter, enum value, ...)
// and train sections point to their model. MLIRGen reads the annotated tree.
//
//===----------------------------------------------------------------------===//
#ifndef NNC_FRONTEND_AST_H
#define NNC_FRONTEND_AST_H

#include "nnc/Frontend/Diagnostics.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Casting.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace nnc {

struct BuiltinSpec;
struct ModelAST;

/// What a call denotes, as resolved by Sema (Unresolved before).
enum class BuiltinKind {
  Unresolved,
  Layer,      ///< a layer with or without parameters: dense, conv2d, lstm
  Activation, ///< relu, gelu, softmax, step, ...
  TensorOp,   ///< parameter-free tensor ops: reshape, concat, mean, last
  Loss,       ///< mse, cross_entropy, ...
  Penalty,    ///< l1, l2 (weight penalties added to a loss)
  Optimizer,  ///< sgd, momentum, rmsprop, adam, adamw
  Schedule,   ///< learning-rate schedules
  EarlyStop,  ///< early_stop
  Data,       ///< data sources: spiral, logic, csv, idx, npy
  Init,       ///< parameter initialisers: he, xavier, zeros, normal, ...
  Section,    ///< the option set of a train section (internal)
  Block,      ///< instantiation of a user block
};

/// Lower-case name of a kind ("layer", "loss", ...).
llvm::StringRef kindName(BuiltinKind kind);
/// Label of a call of that kind in AST dumps ("Layer", "Loss", ...; "Call"
/// for an unresolved one).
llvm::StringRef kindLabel(BuiltinKind kind);

//===----------------------------------------------------------------------===//
// Expressions
//===----------------------------------------------------------------------===//

/// Base class of expressions.
class ExprAST {
public:
  enum ExprKind {
    Expr_Number,
    Expr_String,
    Expr_Bool,
    Expr_Ident,
    Expr_Call,
    Expr_Binary,
    Expr_Unary,
    Expr_Pipe,
    Expr_List,
  };

  ExprAST(ExprKind kind, Location loc) : kind(kind), location(std::move(loc)) {}
  virtual ~ExprAST() = default;

  ExprKind getKind() const { return kind; }
  /// Where the expression starts in the source.
  const Location &loc() const { return location; }
  /// Replaces the location (Sema relocates defaults to the call).
  void setLoc(Location loc) { location = std::move(loc); }
  /// Nesting depth of the tree below this node (1 for a leaf); the parser
  /// bounds it so that recursive walks cannot overflow the stack.
  unsigned depth = 1;

private:
  const ExprKind kind;
  Location location;
};

using ExprPtr = std::unique_ptr<ExprAST>;

/// An integer or floating-point literal. A leading minus is folded in.
class NumberExprAST : public ExprAST {
public:
  NumberExprAST(Location loc, bool isInt, int64_t intValue, double floatValue,
                std::string spelling)
      : ExprAST(Expr_Number, std::move(loc)), isInt(isInt), intValue(intValue),
        floatValue(floatValue), spelling(std::move(spelling)) {}
  /// True for integer literals (no '.' or exponent).
  bool isInt;
  /// The value for integer literals.
  int64_t intValue;
  /// The value as a double (set for both kinds).
  double floatValue;
  /// The literal as written (with the sign), for dumps.
  std::string spelling;
  static bool classof(const ExprAST *e) { return e->getKind() == Expr_Number; }
};

/// A string literal, escapes decoded.
class StringExprAST : public ExprAST {
public:
  StringExprAST(Location loc, std::string value)
      : ExprAST(Expr_String, std::move(loc)), value(std::move(value)) {}
  std::string value;
  static bool classof(const ExprAST *e) { return e->getKind() == Expr_String; }
};

/// `true` or `false`.
class BoolExprAST : public ExprAST {
public:
  BoolExprAST(Location loc, bool value)
      : ExprAST(Expr_Bool, std::move(loc)), value(value) {}
  bool value;
  static bool classof(const ExprAST *e) { return e->getKind() == Expr_Bool; }
};

/// A bare identifier. Sema sets what it refers to.
class IdentExprAST : public ExprAST {
public:
  enum RefKind {
    Unresolved,
    Input,      ///< a model/block input; `index` = position in inputs
    Binding,    ///< a `name = expr` binding; `index` = statement index
    Output,     ///< a named output; `index` = statement index
    BlockParam, ///< a formal parameter of the enclosing block; `index`
    Constant,   ///< a binding to a number (`T = 28`); `index` = statement
    Target,     ///< a train target; `index` = position in targets
    EnumValue,  ///< one of the identifiers a builtin accepts (`same`, `he`)
  };
  IdentExprAST(Location loc, std::string name)
      : ExprAST(Expr_Ident, std::move(loc)), name(std::move(name)) {}
  std::string name;
  RefKind ref = Unresolved;
  int index = -1;
  static bool classof(const ExprAST *e) { return e->getKind() == Expr_Ident; }
};

/// One argument of a call: `value` or `name = value`.
struct ArgAST {
  /// Empty for positional arguments before Sema; always set after.
  std::string name;
  Location loc;
  ExprPtr value;
  /// Set by Sema when the value was filled from the default.
  bool isDefault = false;
};

/// A call `f(args)`, or a bare name used as a pipeline stage (`-> relu`) or
/// as a call-valued argument (`init = he`).
class CallExprAST : public ExprAST {
public:
  CallExprAST(Location loc, std::string callee, std::vector<ArgAST> args,
              bool hasParens)
      : ExprAST(Expr_Call, std::move(loc)), callee(std::move(callee)),
        args(std::move(args)), hasParens(hasParens) {}
  std::string callee;
  /// As written before Sema; normalised after (one per parameter, in the
  /// spec's order; optional parameters without default are omitted).
  std::vector<ArgAST> args;
  /// False for `relu` in `x -> relu` or `he` in `init = he`.
  bool hasParens;
  /// Set by Sema.
  BuiltinKind builtinKind = BuiltinKind::Unresolved;
  /// The builtin's spec (Sema), or null for blocks.
  const BuiltinSpec *spec = nullptr;
  /// The instantiated block (Sema), for BuiltinKind::Block.
  const ModelAST *block = nullptr;

  /// The normalised argument `name`, or null.
  const ExprAST *getArg(llvm::StringRef name) const;
  static bool classof(const ExprAST *e) { return e->getKind() == Expr_Call; }
};

/// `lhs op rhs` with op one of '+', '-', '*'.
class BinaryExprAST : public ExprAST {
public:
  BinaryExprAST(Location loc, char op, ExprPtr lhs, ExprPtr rhs)
      : ExprAST(Expr_Binary, std::move(loc)), op(op), lhs(std::move(lhs)),
        rhs(std::move(rhs)) {}
  char op;
  ExprPtr lhs, rhs;
  static bool classof(const ExprAST *e) { return e->getKind() == Expr_Binary; }
};

/// `-operand` (negative number literals are folded by the parser instead).
class UnaryExprAST : public ExprAST {
public:
  UnaryExprAST(Location loc, char op, ExprPtr operand)
      : ExprAST(Expr_Unary, std::move(loc)), op(op),
        operand(std::move(operand)) {}
  char op;
  ExprPtr operand;
  static bool classof(const ExprAST *e) { return e->getKind() == Expr_Unary; }
};

/// `input -> stage1 -> stage2 ...`: each stage is a call that receives the
/// previous value as its (implicit) input.
class PipeExprAST : public ExprAST {
public:
  PipeExprAST(Location loc, ExprPtr input,
              std::vector<std::unique_ptr<CallExprAST>> stages)
      : ExprAST(Expr_Pipe, std::move(loc)), input(std::move(input)),
        stages(std::move(stages)) {}
  ExprPtr input;
  std::vector<std::unique_ptr<CallExprAST>> stages;
  static bool classof(const ExprAST *e) { return e->getKind() == Expr_Pipe; }
};

/// A list of values; Sema builds one for a variadic parameter
/// (`reshape(N, 16, 49)` has `shape = [N, 16, 49]`).
class ListExprAST : public ExprAST {
public:
  ListExprAST(Location loc, std::vector<ExprPtr> elements)
      : ExprAST(Expr_List, std::move(loc)), elements(std::move(elements)) {}
  std::vector<ExprPtr> elements;
  static bool classof(const ExprAST *e) { return e->getKind() == Expr_List; }
};

/// A deep copy of `expr` (Sema annotations included).
ExprPtr cloneExpr(const ExprAST &expr);

//===----------------------------------------------------------------------===//
// Declarations
//===----------------------------------------------------------------------===//

/// One dimension of a tensor type: an integer or a symbol (`N`, `T`, `d`).
struct DimAST {
  Location loc;
  bool isSymbol = false;
  int64_t value = 0;  ///< when !isSymbol
  std::string symbol; ///< when isSymbol
  /// Set by Sema for symbols: what the symbol is.
  enum SymbolKind { Batch, Param, Constant, Free } symbolKind = Free;
};

/// `f32[N, 2]`. The first dimension of every input and target is the batch.
struct TensorTypeAST {
  Location loc;
  std::string dtype; ///< "f32" or "i32"
  std::vector<DimAST> dims;
};

/// `input x: f32[N, 2]` in a model or block, `target y: i32[N]` in a train
/// section.
struct InputDeclAST {
  Location loc;
  std::string name;
  Location nameLoc;
  TensorTypeAST type;
};

/// A statement of a model or block body: `name = expr` or `output ...`.
struct StmtAST {
  enum Kind { Binding, Output } kind;
  Location loc;
  /// Empty for an unnamed block output (`output h + ...`).
  std::string name;
  Location nameLoc;
  ExprPtr value;
  /// Set by Sema: the value is a number (`T = 28`) usable in dims and args.
  bool isConstant = false;
};

/// A formal parameter of a block: `d` or `d = 64`.
struct ParamAST {
  Location loc;
  std::string name;
  ExprPtr defaultValue; ///< may be null
};

/// A model or a block (a block is a model with parameters that is used as a
/// layer; it has exactly one input and one output).
struct ModelAST {
  enum Kind { Model, Block } kind;
  Location loc;
  std::string name;
  Location nameLoc;
  std::vector<ParamAST> params; ///< blocks only
  std::vector<InputDeclAST> inputs;
  /// Bindings and outputs in source order.
  std::vector<StmtAST> body;

  bool isBlock() const { return kind == Block; }
  /// The outputs, in order.
  std::vector<const StmtAST *> getOutputs() const;
};

/// One `name = value` option of a train section.
struct OptionAST {
  Location loc;
  std::string name;
  ExprPtr value;
  bool isDefault = false; ///< filled by Sema
};

/// `train Model { ... }`.
struct TrainAST {
  Location loc;
  std::string modelName;
  Location modelNameLoc;
  std::vector<InputDeclAST> targets;
  /// As written; after Sema, normalised like call arguments (every known
  /// option, in the table's order; absent optional ones omitted).
  std::vector<OptionAST> options;
  /// Set by Sema.
  const ModelAST *model = nullptr;

  /// The option `name` (after Sema), or null.
  const ExprAST *getOption(llvm::StringRef name) const;
};

/// A whole .nn file.
struct ModuleAST {
  std::shared_ptr<std::string> file;
  /// Models and blocks in source order.
  std::vector<std::unique_ptr<ModelAST>> models;
  std::vector<std::unique_ptr<TrainAST>> trains;

  /// The model or block called `name`, or null.
  const ModelAST *lookup(llvm::StringRef name) const;
  /// The model to compile: the one named by the first train section, else
  /// the last model; null when there is none.
  const ModelAST *getMainModel() const;
  /// The train section of `model`, or null.
  const TrainAST *getTrain(const ModelAST *model) const;
};

} // namespace nnc

#endif // NNC_FRONTEND_AST_H
