//===- SemaCalls.cpp - Expressions and calls against the builtin table ----===//
//
// Checks expressions of model bodies and train sections: resolves names,
// resolves every call against the builtin table (or a user block) and
// normalises its arguments (positional to named, defaults filled from the
// table's .nn text), checks each argument's type and range, and the shape of
// loss expressions (sums of scaled loss terms and penalties).
//
//===----------------------------------------------------------------------===//

#include "SemaImpl.h"

#include "nnc/Frontend/Parser.h"

#include <cstdio>

using namespace nnc;
using namespace nnc::detail;

std::string detail::describe(const ExprAST &expr) {
  switch (expr.getKind()) {
  case ExprAST::Expr_Number:
    return "'" + llvm::cast<NumberExprAST>(expr).spelling.substr(0, 40) + "'";
  case ExprAST::Expr_String:
    return "a string";
  case ExprAST::Expr_Bool:
    return llvm::cast<BoolExprAST>(expr).value ? "'true'" : "'false'";
  case ExprAST::Expr_Ident:
    return "'" + llvm::cast<IdentExprAST>(expr).name + "'";
  case ExprAST::Expr_Call:
    return "'" + llvm::cast<CallExprAST>(expr).callee + "(...)'";
  default:
    return "an expression";
  }
}

/// Sets the location of every node of `expr` to `loc`.
static void relocate(ExprAST &expr, const Location &loc) {
  expr.setLoc(loc);
  if (auto *call = llvm::dyn_cast<CallExprAST>(&expr)) {
    for (ArgAST &arg : call->args) {
      arg.loc = loc;
      relocate(*arg.value, loc);
    }
  } else if (auto *bin = llvm::dyn_cast<BinaryExprAST>(&expr)) {
    relocate(*bin->lhs, loc);
    relocate(*bin->rhs, loc);
  } else if (auto *un = llvm::dyn_cast<UnaryExprAST>(&expr)) {
    relocate(*un->operand, loc);
  }
}

ExprPtr SemaImpl::parseDefault(llvm::StringRef text, const Location &loc) {
  DiagnosticEngine quiet(llvm::nulls());
  auto file = std::make_shared<std::string>("<builtin>");
  Lexer lexer(text, file, quiet);
  Parser parser(lexer, quiet);
  ExprPtr expr = parser.parseStandaloneExpression();
  if (!expr) {
    diags.error(loc, "internal error: bad builtin default '" + text + "'");
    return nullptr;
  }
  relocate(*expr, loc);
  return expr;
}

//===----------------------------------------------------------------------===//
// Tensor expressions
//===----------------------------------------------------------------------===//

Cat SemaImpl::checkExpr(ExprPtr &expr, Scope &scope) {
  switch (expr->getKind()) {
  case ExprAST::Expr_Number:
    return Cat::Scalar;
  case ExprAST::Expr_String:
  case ExprAST::Expr_Bool:
    diags.error(expr->loc(), describe(*expr) + " is not a tensor or a number");
    return Cat::Error;
  case ExprAST::Expr_Ident:
    return checkIdent(llvm::cast<IdentExprAST>(*expr), scope);
  case ExprAST::Expr_Binary: {
    auto &bin = llvm::cast<BinaryExprAST>(*expr);
    Cat lhs = checkExpr(bin.lhs, scope);
    Cat rhs = checkExpr(bin.rhs, scope);
    if (lhs == Cat::Error || rhs == Cat::Error)
      return Cat::Error;
    return lhs == Cat::Scalar && rhs == Cat::Scalar ? Cat::Scalar : Cat::Tensor;
  }
  case ExprAST::Expr_Unary:
    return checkExpr(llvm::cast<UnaryExprAST>(*expr).operand, scope);
  case ExprAST::Expr_Pipe: {
    auto &pipe = llvm::cast<PipeExprAST>(*expr);
    Cat input = checkExpr(pipe.input, scope);
    if (input == Cat::Scalar)
      diags.error(pipe.input->loc(), "a number cannot be fed into a layer");
    bool ok = input == Cat::Tensor;
    for (auto &stage : pipe.stages)
      ok &= checkStage(*stage, scope);
    resolveAutoInit(pipe);
    return ok ? Cat::Tensor : Cat::Error;
  }
  case ExprAST::Expr_Call:
    return checkFunctionCall(llvm::cast<CallExprAST>(*expr), scope);
  case ExprAST::Expr_List:
    return Cat::Tensor;
  }
  return Cat::Error;
}

Cat SemaImpl::checkIdent(IdentExprAST &ident, Scope &scope) {
  if (const Symbol *sym = scope.find(ident.name)) {
    ident.ref = sym->ref;
    ident.index = sym->index;
    return sym->scalar ? Cat::Scalar : Cat::Tensor;
  }
  if (scope.hidden.count(ident.name)) {
    diags.error(ident.loc(), "'" + ident.name + "' is internal to model '" +
                                 scope.hiddenOwner +
                                 "'; a train section can use its outputs, "
                                 "inputs and targets");
  } else if (scope.later.count(ident.name)) {
    diags.error(ident.loc(), "'" + ident.name +
                                 "' is used before it is "
                                 "defined");
  } else if (const BuiltinSpec *spec =
                 lookupBuiltinByUsage(ident.name, U_Stage)) {
    diags.error(ident.loc(),
                "'" + ident.name + "' is a" +
                    (spec->kind == BuiltinKind::Activation ? "n " : " ") +
                    kindName(spec->kind) +
                    ", not a value: apply it with '->', as in "
                    "'x -> " +
                    ident.name + "'");
  } else if (module.lookup(ident.name)) {
    diags.error(ident.loc(),
                "'" + ident.name + "' is a " +
                    (module.lookup(ident.name)->isBlock() ? "block" : "model") +
                    ", not a value");
  } else {
    diags.error(ident.loc(), "undefined name '" + ident.name + "'" +
                                 suggest(ident.name, scope.allNames()));
  }
  return Cat::Error;
}

Cat SemaImpl::checkFunctionCall(CallExprAST &call, Scope &scope) {
  for (const BuiltinSpec &spec : getBuiltins())
    if (spec.name == call.callee && (spec.usage & U_Function) &&
        spec.kind == BuiltinKind::TensorOp)
      return normaliseBuiltin(call, spec, &scope) ? Cat::Tensor : Cat::Error;
  if (lookupBuiltinByUsage(call.callee, U_Stage) ||
      module.lookup(call.callee)) {
    diags.error(call.loc(), "'" + call.callee +
                                "' is a layer: use it in a pipeline, as in "
                                "'x -> " +
                                call.callee + "(...)'");
  } else if (const BuiltinSpec *spec =
                 lookupBuiltinByUsage(call.callee, U_Function | U_Value)) {
    diags.error(call.loc(), "'" + call.callee + "' is a " +
                                kindName(spec->kind) +
                                " and cannot be used in a model");
  } else {
    diags.error(call.loc(), "unknown function '" + call.callee + "'");
  }
  return Cat::Error;
}

bool SemaImpl::checkStage(CallExprAST &stage, Scope &scope) {
  if (const ModelAST *block = module.lookup(stage.callee)) {
    if (!block->isBlock()) {
      diags.error(stage.loc(), "'" + stage.callee +
                                   "' is a model; only blocks can be used as "
                                   "layers");
      return false;
    }
    return checkBlockStage(stage, *block, scope);
  }
  if (const BuiltinSpec *spec = lookupBuiltinByUsage(stage.callee, U_Stage))
    return normaliseBuiltin(stage, *spec, &scope);
  if (scope.find(stage.callee)) {
    diags.error(stage.loc(), "'" + stage.callee + "' is a value, not a layer");
  } else if (const BuiltinSpec *spec =
                 lookupBuiltinByUsage(stage.callee, U_Function | U_Value)) {
    diags.error(stage.loc(), "'" + stage.callee + "' is a " +
                                 kindName(spec->kind) + ", not a layer");
  } else {
    std::vector<std::string> names;
    for (const BuiltinSpec &spec : getBuiltins())
      if (spec.usage & U_Stage)
        names.push_back(spec.name);
    for (auto &model : module.models)
      if (model->isBlock())
        names.push_back(model->name);
    diags.error(stage.loc(), "unknown layer '" + stage.callee + "'" +
                                 suggest(stage.callee, names));
  }
  return false;
}

bool SemaImpl::checkBlockStage(CallExprAST &stage, const ModelAST &block,
                               Scope &scope) {
  stage.builtinKind = BuiltinKind::Block;
  stage.block = &block;
  std::vector<ParamSpec> params;
  for (const ParamAST &p : block.params) {
    ParamSpec spec;
    spec.name = p.name;
    spec.defaultValue = p.defaultValue ? "<block default>" : "";
    params.push_back(spec);
  }
  if (!normalise(stage.callee, stage.loc(), stage.args, params, &scope, &block))
    return false;
  Instantiation inst{&stage, &block, scope.graph, {}};
  bool ok = true;
  for (ArgAST &arg : stage.args) {
    ExprAST *value = arg.value.get();
    const ExprAST *actual = value;
    if (auto *ident = llvm::dyn_cast<IdentExprAST>(value)) {
      if (const Symbol *sym = scope.find(ident->name)) {
        ident->ref = sym->ref;
        ident->index = sym->index;
        if (!sym->scalar) {
          diags.error(value->loc(), "argument '" + arg.name + "' of block '" +
                                        block.name +
                                        "' must be a constant, not a tensor");
          ok = false;
        }
        actual =
            sym->ref == IdentExprAST::BlockParam ? nullptr : sym->constValue;
      } else {
        ident->ref = IdentExprAST::EnumValue;
      }
    } else if (!isConstantLiteral(*value)) {
      diags.error(value->loc(), "argument '" + arg.name + "' of block '" +
                                    block.name +
                                    "' must be a constant (a number, "
                                    "true/false, a string or a name)");
      ok = false;
      actual = nullptr;
    }
    inst.actuals.push_back(actual);
  }
  instantiations.push_back(std::move(inst));
  return ok;
}

void SemaImpl::resolveAutoInit(PipeExprAST &pipe) {
  for (size_t i = 0; i < pipe.stages.size(); ++i) {
    for (ArgAST &arg : pipe.stages[i]->args) {
      auto *ident = llvm::dyn_cast<IdentExprAST>(arg.value.get());
      if (arg.name != "init" || !ident || ident->name != "auto")
        continue;
      // The stage that follows decides (its row's autoInit), looking
      // through normalisation and dropout.
      AutoInit next = AutoInit::Xavier;
      for (size_t j = i + 1; j < pipe.stages.size(); ++j) {
        const BuiltinSpec *spec = pipe.stages[j]->spec;
        next = spec ? spec->autoInit : AutoInit::Xavier;
        if (next != AutoInit::LookThrough)
          break;
      }
      Location loc = arg.value->loc();
      auto call = std::make_unique<CallExprAST>(
          loc, next == AutoInit::He ? "he" : "xavier", std::vector<ArgAST>{},
          false);
      call->builtinKind = BuiltinKind::Init;
      call->spec = lookupBuiltin(call->callee, BuiltinKind::Init);
      arg.value = std::move(call);
    }
  }
}

//===----------------------------------------------------------------------===//
// Losses
//===----------------------------------------------------------------------===//

SemaImpl::LossCat SemaImpl::checkLoss(ExprPtr &expr, Scope &scope) {
  switch (expr->getKind()) {
  case ExprAST::Expr_Number:
    return LossCat::Scalar;
  case ExprAST::Expr_Unary:
    return checkLoss(llvm::cast<UnaryExprAST>(*expr).operand, scope);
  case ExprAST::Expr_Call:
  case ExprAST::Expr_Ident: {
    auto *call = llvm::dyn_cast<CallExprAST>(expr.get());
    std::string name =
        call ? call->callee : llvm::cast<IdentExprAST>(*expr).name;
    const BuiltinSpec *spec = lookupBuiltin(name, BuiltinKind::Loss);
    if (!spec)
      spec = lookupBuiltin(name, BuiltinKind::Penalty);
    if (spec) {
      if (!call) {
        expr = std::make_unique<CallExprAST>(expr->loc(), name,
                                             std::vector<ArgAST>{}, false);
        call = llvm::cast<CallExprAST>(expr.get());
      }
      return normaliseBuiltin(*call, *spec, &scope) ? LossCat::Loss
                                                    : LossCat::Error;
    }
    std::vector<std::string> names;
    for (const BuiltinSpec &s : getBuiltins())
      if (s.kind == BuiltinKind::Loss || s.kind == BuiltinKind::Penalty)
        names.push_back(s.name);
    if (!call && scope.find(name))
      diags.error(expr->loc(), "'" + name +
                                   "' is not a loss: apply a loss "
                                   "function to it, as in mse(" +
                                   name + ", y)");
    else
      diags.error(expr->loc(),
                  "unknown loss '" + name + "'" + suggest(name, names));
    return LossCat::Error;
  }
  case ExprAST::Expr_Binary: {
    auto &bin = llvm::cast<BinaryExprAST>(*expr);
    LossCat lhs = checkLoss(bin.lhs, scope);
    LossCat rhs = checkLoss(bin.rhs, scope);
    if (lhs == LossCat::Error || rhs == LossCat::Error)
      return LossCat::Error;
    if (lhs == LossCat::Scalar && rhs == LossCat::Scalar)
      return LossCat::Scalar;
    if (bin.op == '*') {
      if (lhs == LossCat::Loss && rhs == LossCat::Loss) {
        diags.error(bin.loc(), "cannot multiply two losses; scale a loss by "
                               "a number instead");
        return LossCat::Error;
      }
      return LossCat::Loss;
    }
    if (lhs != rhs) {
      diags.error(bin.loc(), "cannot add a constant to a loss");
      return LossCat::Error;
    }
    return LossCat::Loss;
  }
  default:
    diags.error(expr->loc(), "the loss must be a sum of loss terms, as in "
                             "'cross_entropy(logits, y) + l2(1e-4)'");
    return LossCat::Error;
  }
}
