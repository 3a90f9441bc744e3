//===- MLIRGenTrain.cpp - The training objective and the recipe -----------===//
//
// What MLIRGen makes of a train section: `@loss`, the model's forward pass in
// training mode (batch statistics, active dropout driven by a seed argument)
// followed by the loss expression built from the nn loss and penalty ops,
// returning the scalar loss and the new batchnorm running statistics; and the
// `nn.recipe` module attribute, the train section's options as a dictionary:
// the optimizer, schedule, loss kind and metrics as the typed attributes of
// dialects/NN/NNRecipe.td, built here once from the Sema-normalised options
// (whose defaults all come from Builtins.cpp); the other call-valued options
// (data source, early stopping) nested dictionaries whose `kind` is the
// callee. The loss is IR;
// the recipe describes it too (`loss_terms`, `mode_dependent`) so that the
// runtime can evaluate it on @predict's outputs, in inference mode.
//
//===----------------------------------------------------------------------===//

#include "MLIRGenImpl.h"

#include "nnc/Dialect/NN/NNConventions.h"

#include "mlir/IR/BuiltinAttributes.h"

using namespace nnc;
using namespace nnc::detail;
using namespace mlir;

//===----------------------------------------------------------------------===//
// @loss
//===----------------------------------------------------------------------===//

bool MLIRGenImpl::emitLossFunction(const TrainAST &train) {
  const ModelAST &model = *ast.getMainModel();
  GraphScope top;
  top.graph = &model;
  scope = &top;
  training = true;
  nextParam = 0;
  dropoutSites = 0;
  bufferUpdates.clear();
  if (!emitConstants(top))
    return false;

  SmallVector<Type> argTypes;
  SmallVector<mlir::Location> argLocs;
  for (const InputDeclAST &input : model.inputs) {
    argTypes.push_back(declType(input.type));
    argLocs.push_back(loc(input.nameLoc));
  }
  for (const InputDeclAST &target : train.targets) {
    argTypes.push_back(declType(target.type));
    argLocs.push_back(loc(target.nameLoc));
  }
  firstParamArg = argTypes.size();
  for (const ParamInfo &p : params) {
    argTypes.push_back(p.type);
    argLocs.push_back(p.loc);
  }
  if (usesDropout) { // the seed, then the row offset
    for (int i = 0; i < 2; ++i) {
      argTypes.push_back(RankedTensorType::get({}, builder.getI64Type()));
      argLocs.push_back(loc(train.loc));
    }
  }
  // sync_batchnorm: the instance whose all-reduce callback sums the
  // batchnorm statistics over the replicas (docs/distributed.md).
  bool syncBatchnorm = false;
  if (const auto *flag =
          dyn_cast_or_null<BoolExprAST>(train.getOption("sync_batchnorm")))
    syncBatchnorm = flag->value && usesBatchnorm;
  if (syncBatchnorm) {
    argTypes.push_back(RankedTensorType::get({}, builder.getI64Type()));
    argLocs.push_back(loc(train.getOption("sync_batchnorm")->loc()));
  }

  builder.setInsertionPointToEnd(module.getBody());
  function = builder.create<func::FuncOp>(
      loc(train.loc), attrs::kLoss, builder.getFunctionType(argTypes, {}));
  Block *entry = function.addEntryBlock();
  for (BlockArgument arg : entry->getArguments())
    arg.setLoc(argLocs[arg.getArgNumber()]);
  size_t numInputs = model.inputs.size();
  for (size_t i = 0; i < numInputs; ++i)
    top.inputs.push_back(entry->getArgument(i));
  targets.clear();
  for (size_t i = 0; i < train.targets.size(); ++i)
    targets.push_back(entry->getArgument(numInputs + i));
  unsigned numArgs = entry->getNumArguments();
  unsigned dropoutArgs = numArgs - (syncBatchnorm ? 1 : 0);
  seed = usesDropout ? entry->getArgument(dropoutArgs - 2) : Value();
  rowOffset = usesDropout ? entry->getArgument(dropoutArgs - 1) : Value();
  replicas = syncBatchnorm ? entry->getArgument(numArgs - 1) : Value();
  builder.setInsertionPointToStart(entry);

  if (!emitBody(top))
    return false;
  if (nextParam != params.size()) {
    error(train.loc, "internal error: @loss uses fewer parameters than "
                     "@predict");
    return false;
  }
  const ExprAST *lossExpr = train.getOption("loss");
  if (!lossExpr) {
    error(train.loc, "the train section has no loss");
    return false;
  }
  Value loss = emitLoss(*lossExpr);
  if (!loss)
    return false;

  // Results: the loss, the buffer updates, then the model's outputs (in
  // training mode), so a training step can report accuracy without a
  // second forward pass.
  SmallVector<Value> results{loss};
  for (auto &[value, arg] : bufferUpdates)
    results.push_back(value);
  SmallVector<std::string> outputNames;
  for (size_t i = 0; i < model.body.size(); ++i)
    if (model.body[i].kind == StmtAST::Output) {
      results.push_back(top.values[i]);
      outputNames.push_back(model.body[i].name);
    }
  builder.create<func::ReturnOp>(loc(train.loc), results);
  function.setFunctionType(builder.getFunctionType(
      entry->getArgumentTypes(), ValueRange(results).getTypes()));

  for (size_t i = 0; i < numInputs; ++i)
    function.setArgAttr(i, attrs::kInput,
                        builder.getStringAttr(model.inputs[i].name));
  for (size_t i = 0; i < train.targets.size(); ++i)
    function.setArgAttr(numInputs + i, attrs::kLabel,
                        builder.getStringAttr(train.targets[i].name));
  for (size_t i = 0; i < params.size(); ++i)
    function.setArgAttr(firstParamArg + i, attrs::kParam, params[i].attr);
  if (usesDropout) {
    function.setArgAttr(dropoutArgs - 2, attrs::kSeed, builder.getUnitAttr());
    function.setArgAttr(dropoutArgs - 1, attrs::kRowOffset,
                        builder.getUnitAttr());
  }
  if (syncBatchnorm)
    function.setArgAttr(numArgs - 1, attrs::kReplicas, builder.getUnitAttr());
  function.setResultAttr(0, attrs::kLossResult, builder.getUnitAttr());
  for (size_t i = 0; i < bufferUpdates.size(); ++i)
    function.setResultAttr(1 + i, attrs::kUpdateOf,
                           builder.getI64IntegerAttr(bufferUpdates[i].second));
  for (size_t i = 0; i < outputNames.size(); ++i)
    function.setResultAttr(1 + bufferUpdates.size() + i, attrs::kOutput,
                           builder.getStringAttr(outputNames[i]));
  return true;
}

//===----------------------------------------------------------------------===//
// Loss expressions
//===----------------------------------------------------------------------===//

Value MLIRGenImpl::emitLoss(const ExprAST &expr) {
  if (auto *call = dyn_cast<CallExprAST>(&expr)) {
    if (call->builtinKind == BuiltinKind::Penalty && call->spec->emitCall)
      return call->spec->emitCall(*this, *call);
    if (call->builtinKind != BuiltinKind::Loss || call->args.size() < 2) {
      error(call->loc(), "'" + call->callee + "' is not a loss");
      return {};
    }
    Value pred = emitExpr(*call->args[0].value);
    if (!pred)
      return {};
    Value target = emitExpr(*call->args[1].value);
    if (!target)
      return {};
    if (!call->spec->emitLoss) {
      error(call->loc(), "loss '" + call->callee + "' cannot be compiled yet");
      return {};
    }
    return call->spec->emitLoss(*this, *call, pred, target);
  }
  if (auto *un = dyn_cast<UnaryExprAST>(&expr)) {
    Value operand = emitLoss(*un->operand);
    return operand ? build1<nn::NegOp>(un->loc(), "'-'", operand) : Value();
  }
  auto *bin = dyn_cast<BinaryExprAST>(&expr);
  if (!bin) {
    error(expr.loc(), "the loss must be a sum of loss terms");
    return {};
  }
  std::optional<ConstValue> lhsConst = evalConst(*bin->lhs);
  std::optional<ConstValue> rhsConst = evalConst(*bin->rhs);
  bool lhsNumber = lhsConst && lhsConst->isNumber();
  bool rhsNumber = rhsConst && rhsConst->isNumber();
  if (bin->op == '*' && lhsNumber != rhsNumber) {
    Value term = emitLoss(lhsNumber ? *bin->rhs : *bin->lhs);
    if (!term)
      return {};
    double factor = (lhsNumber ? lhsConst : rhsConst)->asDouble();
    return build1<nn::ScaleOp>(
        bin->loc(), "'*'", term,
        {builder.getNamedAttr("factor", builder.getF32FloatAttr(factor))});
  }
  if (lhsNumber || rhsNumber || bin->op == '*') {
    error(bin->loc(), "a loss is a sum of loss terms, each optionally scaled "
                      "by a number");
    return {};
  }
  Value lhs = emitLoss(*bin->lhs);
  if (!lhs)
    return {};
  Value rhs = emitLoss(*bin->rhs);
  if (!rhs)
    return {};
  std::string subject = std::string("'") + bin->op + "'";
  if (bin->op == '-')
    return build1<nn::SubOp>(bin->loc(), subject, {lhs, rhs});
  return build1<nn::AddOp>(bin->loc(), subject, {lhs, rhs});
}

//===----------------------------------------------------------------------===//
// nn.recipe
//===----------------------------------------------------------------------===//

Attribute nnc::detail::recipeValue(Builder &b, const ExprAST &expr,
                                   const ParamSpec *spec) {
  switch (expr.getKind()) {
  case ExprAST::Expr_Number: {
    auto &num = cast<NumberExprAST>(expr);
    if (num.isInt && !(spec && (spec->types & PT_Float)))
      return b.getI64IntegerAttr(num.intValue);
    return b.getF64FloatAttr(num.floatValue);
  }
  case ExprAST::Expr_Bool:
    return b.getBoolAttr(cast<BoolExprAST>(expr).value);
  case ExprAST::Expr_String:
    return b.getStringAttr(cast<StringExprAST>(expr).value);
  case ExprAST::Expr_Ident:
    return b.getStringAttr(cast<IdentExprAST>(expr).name);
  case ExprAST::Expr_List: {
    SmallVector<Attribute> elements;
    for (const ExprPtr &element : cast<ListExprAST>(expr).elements)
      if (Attribute a = recipeValue(b, *element, spec))
        elements.push_back(a);
    return b.getArrayAttr(elements);
  }
  case ExprAST::Expr_Call: {
    auto &call = cast<CallExprAST>(expr);
    SmallVector<NamedAttribute> entries{
        b.getNamedAttr("kind", b.getStringAttr(call.callee))};
    for (const ArgAST &arg : call.args)
      if (Attribute a =
              recipeValue(b, *arg.value,
                          call.spec ? call.spec->findParam(arg.name) : nullptr))
        entries.push_back(b.getNamedAttr(arg.name, a));
    return b.getDictionaryAttr(entries);
  }
  default:
    return {};
  }
}

/// The kind of the first loss term of a loss expression (`cross_entropy` in
/// `cross_entropy(logits, y) + l2(1e-4)`), or null.
static const CallExprAST *firstLossTerm(const ExprAST *expr) {
  if (!expr)
    return nullptr;
  if (auto *call = dyn_cast<CallExprAST>(expr))
    return call->builtinKind == BuiltinKind::Loss ? call : nullptr;
  if (auto *bin = dyn_cast<BinaryExprAST>(expr)) {
    if (const CallExprAST *lhs = firstLossTerm(bin->lhs.get()))
      return lhs;
    return firstLossTerm(bin->rhs.get());
  }
  if (auto *unary = dyn_cast<UnaryExprAST>(expr))
    return firstLossTerm(unary->operand.get());
  return nullptr;
}

/// Appends the terms of a loss expression, each a dictionary with `kind`,
/// its signed `scale`, the arguments by name (`pred`/`target` name outputs,
/// inputs or targets) and, for a penalty, the names of the penalised
/// parameters in `weights`: what the runtime needs to evaluate the same
/// objective on the outputs of @predict (inference mode).
static void lossTerms(MLIRGenImpl &g, const ExprAST &expr, double scale,
                      SmallVectorImpl<Attribute> &terms) {
  Builder &b = g.builder;
  if (auto *call = dyn_cast<CallExprAST>(&expr)) {
    SmallVector<NamedAttribute> entries{
        b.getNamedAttr("kind", b.getStringAttr(call->callee)),
        b.getNamedAttr("scale", b.getF64FloatAttr(scale))};
    for (const ArgAST &arg : call->args)
      if (Attribute a = recipeValue(b, *arg.value,
                                    call->spec ? call->spec->findParam(arg.name)
                                               : nullptr))
        entries.push_back(b.getNamedAttr(arg.name, a));
    if (call->builtinKind == BuiltinKind::Penalty) {
      SmallVector<Attribute> weights;
      for (const ParamInfo &p : g.params)
        if (p.penalised)
          weights.push_back(b.getStringAttr(p.name));
      entries.push_back(b.getNamedAttr("weights", b.getArrayAttr(weights)));
    }
    terms.push_back(b.getDictionaryAttr(entries));
    return;
  }
  if (auto *un = dyn_cast<UnaryExprAST>(&expr))
    return lossTerms(g, *un->operand, -scale, terms);
  auto *bin = dyn_cast<BinaryExprAST>(&expr);
  if (!bin)
    return;
  if (bin->op == '*') {
    std::optional<ConstValue> lhs = g.evalConst(*bin->lhs);
    bool lhsNumber = lhs && lhs->isNumber();
    std::optional<ConstValue> factor = lhsNumber ? lhs : g.evalConst(*bin->rhs);
    if (!factor || !factor->isNumber())
      return;
    return lossTerms(g, lhsNumber ? *bin->rhs : *bin->lhs,
                     scale * factor->asDouble(), terms);
  }
  lossTerms(g, *bin->lhs, scale, terms);
  lossTerms(g, *bin->rhs, bin->op == '-' ? -scale : scale, terms);
}

/// The number an argument of a normalised call holds (booleans as 0/1).
static std::optional<double> recipeNumber(MLIRGenImpl &g, const ExprAST *expr) {
  if (!expr)
    return std::nullopt;
  std::optional<ConstValue> v = g.evalConst(*expr);
  if (v && v->isNumber())
    return v->asDouble();
  if (v && v->kind == ConstValue::Bool)
    return v->boolValue ? 1.0 : 0.0;
  return std::nullopt;
}

/// The values of `call` for each field of `schema`, by the builtin's
/// parameter names (momentum's `beta` is PyTorch's `momentum`). Sema
/// filled every parameter from the builtin table (Builtins.cpp), so every
/// value is here; this is the only place the recipe's values are read.
static std::optional<SmallVector<double>>
recipeValues(MLIRGenImpl &g, const CallExprAST &call,
             ArrayRef<nn::RecipeField> schema) {
  SmallVector<double> values;
  for (const nn::RecipeField &field : schema) {
    StringRef name = field.name;
    if (call.callee == "momentum" && name == "momentum")
      name = "beta";
    std::optional<double> value = recipeNumber(g, call.getArg(name));
    if (!value) {
      g.error(call.loc(), "internal error: " + call.callee +
                              " has no numeric argument '" + name.str() + "'");
      return std::nullopt;
    }
    values.push_back(*value);
  }
  return values;
}

/// The #nn.optimizer of a normalised optimizer call, clipping gradients at
/// `clipNorm` (0: no clipping).
static Attribute optimizerAttr(MLIRGenImpl &g, const CallExprAST &call,
                               double clipNorm) {
  std::optional<nn::OptimizerKind> kind =
      nn::symbolizeOptimizerKind(call.callee);
  if (!kind || *kind == nn::OptimizerKind::none) {
    g.error(call.loc(), "optimizer '" + call.callee + "' cannot be compiled");
    return {};
  }
  auto values = recipeValues(g, call, nn::getOptimizerSchema(*kind));
  if (!values)
    return {};
  return nn::OptimizerAttr::get(g.builder.getContext(), *kind, *values,
                                clipNorm);
}

/// The #nn.schedule of a normalised schedule call.
static Attribute scheduleAttr(MLIRGenImpl &g, const CallExprAST &call) {
  std::optional<nn::ScheduleKind> kind = nn::symbolizeScheduleKind(call.callee);
  if (!kind) {
    g.error(call.loc(), "schedule '" + call.callee + "' cannot be compiled");
    return {};
  }
  auto values = recipeValues(g, call, nn::getScheduleSchema(*kind));
  if (!values)
    return {};
  return nn::ScheduleAttr::get(g.builder.getContext(), *kind, *values);
}

/// The #nn.metrics of `metrics = f1` or `metrics = [f1, confusion]`.
static Attribute metricsAttr(MLIRGenImpl &g, const ExprAST &expr) {
  SmallVector<const ExprAST *> names;
  if (auto *list = dyn_cast<ListExprAST>(&expr))
    for (const ExprPtr &e : list->elements)
      names.push_back(e.get());
  else
    names.push_back(&expr);
  SmallVector<nn::MetricKind> metrics;
  for (const ExprAST *e : names) {
    auto *ident = dyn_cast<IdentExprAST>(e);
    std::optional<nn::MetricKind> kind =
        ident ? nn::symbolizeMetricKind(ident->name) : std::nullopt;
    if (!kind) {
      g.error(e->loc(), "unknown metric");
      return {};
    }
    metrics.push_back(*kind);
  }
  if (metrics.empty())
    return {};
  return nn::MetricsAttr::get(g.builder.getContext(), metrics);
}

DictionaryAttr MLIRGenImpl::recipe(const TrainAST &train) {
  SmallVector<NamedAttribute> entries;
  const BuiltinSpec &spec = getTrainSpec();
  double clipNorm =
      recipeNumber(*this, train.getOption("clip_norm")).value_or(0.0);
  for (const OptionAST &option : train.options) {
    if (option.name == "loss" && option.value) {
      // The runtime needs the kind of loss (scoring rule of a single output:
      // probability for bce, logit for bce_logits; regression for mse...).
      if (const CallExprAST *term = firstLossTerm(option.value.get()))
        if (auto kind = nn::symbolizeLossKind(term->callee))
          entries.push_back(builder.getNamedAttr(
              attrs::kRecipeLoss,
              nn::LossKindAttr::get(builder.getContext(), *kind)));
      SmallVector<Attribute> terms;
      lossTerms(*this, *option.value, 1.0, terms);
      entries.push_back(
          builder.getNamedAttr("loss_terms", builder.getArrayAttr(terms)));
      // Whether @loss's forward pass (training mode) differs from
      // @predict's: dropout or batchnorm statistics.
      entries.push_back(builder.getNamedAttr(
          "mode_dependent",
          builder.getBoolAttr(usesDropout || !bufferUpdates.empty())));
      continue;
    }
    if (!option.value)
      continue;
    Attribute typed;
    auto *call = dyn_cast<CallExprAST>(option.value.get());
    if (option.name == attrs::kRecipeOptimizer && call)
      typed = optimizerAttr(*this, *call, clipNorm);
    else if (option.name == attrs::kRecipeSchedule && call)
      typed = scheduleAttr(*this, *call);
    else if (option.name == attrs::kRecipeMetrics)
      typed = metricsAttr(*this, *option.value);
    if (typed) {
      entries.push_back(builder.getNamedAttr(option.name, typed));
      continue;
    }
    if (Attribute a =
            recipeValue(builder, *option.value, spec.findParam(option.name)))
      entries.push_back(builder.getNamedAttr(option.name, a));
  }
  return builder.getDictionaryAttr(entries);
}
