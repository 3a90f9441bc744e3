//===- AST.cpp - AST of the .nn language ----------------------------------===//
//
// Small accessors of the AST: argument and option lookup by name, the list
// of outputs of a model, and the choice of the model a file compiles.
//
//===----------------------------------------------------------------------===//

#include "nnc/Frontend/AST.h"

using namespace nnc;

namespace {
/// The names of a kind of builtin: in messages and in AST dumps.
struct KindNames {
  llvm::StringRef name, label;
};
} // namespace

static KindNames kindNames(BuiltinKind kind) {
  switch (kind) {
  case BuiltinKind::Unresolved:
    return {"unresolved", "Call"};
  case BuiltinKind::Layer:
    return {"layer", "Layer"};
  case BuiltinKind::Activation:
    return {"activation", "Activation"};
  case BuiltinKind::TensorOp:
    return {"tensor op", "TensorOp"};
  case BuiltinKind::Loss:
    return {"loss", "Loss"};
  case BuiltinKind::Penalty:
    return {"penalty", "Penalty"};
  case BuiltinKind::Optimizer:
    return {"optimizer", "Optimizer"};
  case BuiltinKind::Schedule:
    return {"schedule", "Schedule"};
  case BuiltinKind::EarlyStop:
    return {"early stopping", "EarlyStop"};
  case BuiltinKind::Data:
    return {"data source", "Data"};
  case BuiltinKind::Init:
    return {"initialiser", "Init"};
  case BuiltinKind::Section:
    return {"section", "Section"};
  case BuiltinKind::Block:
    return {"block", "Block"};
  }
  return {"unknown", "Call"};
}

llvm::StringRef nnc::kindName(BuiltinKind kind) { return kindNames(kind).name; }

llvm::StringRef nnc::kindLabel(BuiltinKind kind) {
  return kindNames(kind).label;
}

const ExprAST *CallExprAST::getArg(llvm::StringRef name) const {
  for (const ArgAST &arg : args)
    if (arg.name == name)
      return arg.value.get();
  return nullptr;
}

std::vector<const StmtAST *> ModelAST::getOutputs() const {
  std::vector<const StmtAST *> outputs;
  for (const StmtAST &stmt : body)
    if (stmt.kind == StmtAST::Output)
      outputs.push_back(&stmt);
  return outputs;
}

const ExprAST *TrainAST::getOption(llvm::StringRef name) const {
  for (const OptionAST &option : options)
    if (option.name == name)
      return option.value.get();
  return nullptr;
}

const ModelAST *ModuleAST::lookup(llvm::StringRef name) const {
  for (const auto &model : models)
    if (model->name == name)
      return model.get();
  return nullptr;
}

const ModelAST *ModuleAST::getMainModel() const {
  for (const auto &train : trains)
    if (const ModelAST *model = lookup(train->modelName))
      if (!model->isBlock())
        return model;
  for (auto it = models.rbegin(); it != models.rend(); ++it)
    if (!(*it)->isBlock())
      return it->get();
  return nullptr;
}

const TrainAST *ModuleAST::getTrain(const ModelAST *model) const {
  for (const auto &train : trains)
    if (train->model == model ||
        (model && !train->model && train->modelName == model->name))
      return train.get();
  return nullptr;
}

ExprPtr nnc::cloneExpr(const ExprAST &expr) {
  ExprPtr copy;
  switch (expr.getKind()) {
  case ExprAST::Expr_Number: {
    const auto &e = llvm::cast<NumberExprAST>(expr);
    copy = std::make_unique<NumberExprAST>(e.loc(), e.isInt, e.intValue,
                                           e.floatValue, e.spelling);
    break;
  }
  case ExprAST::Expr_String:
    copy = std::make_unique<StringExprAST>(
        expr.loc(), llvm::cast<StringExprAST>(expr).value);
    break;
  case ExprAST::Expr_Bool:
    copy = std::make_unique<BoolExprAST>(expr.loc(),
                                         llvm::cast<BoolExprAST>(expr).value);
    break;
  case ExprAST::Expr_Ident: {
    const auto &e = llvm::cast<IdentExprAST>(expr);
    auto ident = std::make_unique<IdentExprAST>(e.loc(), e.name);
    ident->ref = e.ref;
    ident->index = e.index;
    copy = std::move(ident);
    break;
  }
  case ExprAST::Expr_Call: {
    const auto &e = llvm::cast<CallExprAST>(expr);
    std::vector<ArgAST> args;
    for (const ArgAST &arg : e.args)
      args.push_back({arg.name, arg.loc, cloneExpr(*arg.value), arg.isDefault});
    auto call = std::make_unique<CallExprAST>(e.loc(), e.callee,
                                              std::move(args), e.hasParens);
    call->builtinKind = e.builtinKind;
    call->spec = e.spec;
    call->block = e.block;
    copy = std::move(call);
    break;
  }
  case ExprAST::Expr_Binary: {
    const auto &e = llvm::cast<BinaryExprAST>(expr);
    copy = std::make_unique<BinaryExprAST>(e.loc(), e.op, cloneExpr(*e.lhs),
                                           cloneExpr(*e.rhs));
    break;
  }
  case ExprAST::Expr_Unary: {
    const auto &e = llvm::cast<UnaryExprAST>(expr);
    copy = std::make_unique<UnaryExprAST>(e.loc(), e.op, cloneExpr(*e.operand));
    break;
  }
  case ExprAST::Expr_Pipe: {
    const auto &e = llvm::cast<PipeExprAST>(expr);
    std::vector<std::unique_ptr<CallExprAST>> stages;
    for (const auto &stage : e.stages)
      stages.emplace_back(llvm::cast<CallExprAST>(cloneExpr(*stage).release()));
    copy = std::make_unique<PipeExprAST>(e.loc(), cloneExpr(*e.input),
                                         std::move(stages));
    break;
  }
  case ExprAST::Expr_List: {
    const auto &e = llvm::cast<ListExprAST>(expr);
    std::vector<ExprPtr> elements;
    for (const auto &element : e.elements)
      elements.push_back(cloneExpr(*element));
    copy = std::make_unique<ListExprAST>(e.loc(), std::move(elements));
    break;
  }
  }
  copy->depth = expr.depth;
  return copy;
}
