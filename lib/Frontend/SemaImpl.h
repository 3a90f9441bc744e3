//===- SemaImpl.h - Internals of the .nn semantic checks --------*- C++ -*-===//
//
// The state shared by Sema.cpp (declarations, scopes, blocks, train sections)
// and SemaCalls.cpp (expressions, calls and their arguments against the
// builtin table). Private to lib/Frontend.
//
//===----------------------------------------------------------------------===//
#ifndef NNC_LIB_FRONTEND_SEMAIMPL_H
#define NNC_LIB_FRONTEND_SEMAIMPL_H

#include "nnc/Frontend/Sema.h"

#include <map>
#include <set>

namespace nnc {
namespace detail {

/// What an expression evaluates to, as far as Sema cares.
enum class Cat { Tensor, Scalar, Error };

/// A name visible in a scope.
struct Symbol {
  IdentExprAST::RefKind ref;
  int index;
  bool scalar;
  Location loc;
  /// The literal of a numeric constant binding, if any.
  const NumberExprAST *constValue;
};

/// The names visible in a model, block or train section.
struct Scope {
  ModelAST *graph = nullptr;
  bool isTrain = false;
  std::map<std::string, Symbol> names;
  /// Names bound later in the body (for "used before defined").
  std::set<std::string> later;
  /// Integer constant bindings (`T = 28`), usable in input dims.
  std::map<std::string, const NumberExprAST *> constants;
  /// Train sections: internal bindings of the model (not visible).
  std::set<std::string> hidden;
  std::string hiddenOwner;

  const Symbol *find(llvm::StringRef name) const;
  std::vector<std::string> allNames() const;
};

/// A use of a block parameter as a builtin argument (`spec`) or a dimension
/// (`spec` null); checked against every instantiation.
struct ParamUse {
  const ParamSpec *spec;
  std::string callee;
  Location loc;
};

/// A block used as a pipeline stage.
struct Instantiation {
  CallExprAST *call;
  const ModelAST *block;
  const ModelAST *from;
  /// Constant value of each normalised argument (null: not checkable here).
  std::vector<const ExprAST *> actuals;
};

/// " (did you mean 'x'?)" for the closest candidate, or "".
std::string suggest(llvm::StringRef name,
                    llvm::ArrayRef<std::string> candidates);

/// "'0.5'", "a string", "'foo(...)'": an argument or operand, for messages.
std::string describe(const ExprAST &expr);

class SemaImpl {
public:
  SemaImpl(ModuleAST &module, DiagnosticEngine &diags);
  bool run();
  /// Checks and normalises `value` as the train section's option `param`
  /// outside a module (a data source given on the command line).
  bool checkOptionValue(ExprPtr &value, const ParamSpec &param) {
    return checkValue(value, param, "train section", nullptr);
  }

private:
  // Sema.cpp: declarations.
  bool declare(Scope &scope, const std::string &name, const Location &loc,
               Symbol symbol);
  void checkGraph(ModelAST &graph);
  void checkTensorType(TensorTypeAST &type, llvm::StringRef what,
                       llvm::StringRef name, Scope &scope, bool inBlock);
  void checkRecursion();
  void checkInstantiations();
  void checkTrain(TrainAST &train,
                  std::map<const ModelAST *, const TrainAST *> &trained);
  static bool isConstantLiteral(const ExprAST &expr);

  // SemaCalls.cpp: expressions and calls.
  Cat checkExpr(ExprPtr &expr, Scope &scope);
  Cat checkIdent(IdentExprAST &ident, Scope &scope);
  Cat checkFunctionCall(CallExprAST &call, Scope &scope);
  bool checkStage(CallExprAST &stage, Scope &scope);
  bool checkBlockStage(CallExprAST &stage, const ModelAST &block, Scope &scope);
  void resolveAutoInit(PipeExprAST &pipe);
  enum class LossCat { Loss, Scalar, Error };
  LossCat checkLoss(ExprPtr &expr, Scope &scope);
  bool normaliseBuiltin(CallExprAST &call, const BuiltinSpec &spec,
                        Scope *scope);
  bool normalise(llvm::StringRef callee, const Location &loc,
                 std::vector<ArgAST> &args, llvm::ArrayRef<ParamSpec> params,
                 Scope *scope, const ModelAST *block = nullptr);
  bool checkValue(ExprPtr &value, const ParamSpec &param,
                  llvm::StringRef callee, Scope *scope);
  bool checkOneValue(ExprPtr &value, const ParamSpec &param,
                     llvm::StringRef callee, Scope *scope);
  bool checkNumber(const NumberExprAST &number, const ParamSpec &param,
                   llvm::StringRef callee, const Location &loc);
  ExprPtr parseDefault(llvm::StringRef text, const Location &loc);

  ModuleAST &module;
  DiagnosticEngine &diags;
  ModelAST *currentBlock = nullptr;
  std::map<const ModelAST *, std::vector<std::vector<ParamUse>>> paramUses;
  std::vector<Instantiation> instantiations;
  std::set<const ModelAST *> recursive;
};

} // namespace detail
} // namespace nnc

#endif // NNC_LIB_FRONTEND_SEMAIMPL_H
