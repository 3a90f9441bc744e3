//===- Sema.cpp - Semantic checks of the .nn language ---------------------===//
//
// Walks the declarations of a module: names and scopes of models, blocks and
// train sections, input and target types, statement order, outputs, block
// recursion and the constant arguments of block instantiations. Calls and
// their arguments are resolved against the builtin table in SemaCalls.cpp.
//
//===----------------------------------------------------------------------===//

#include "SemaImpl.h"

using namespace nnc;
using namespace nnc::detail;

SemaImpl::SemaImpl(ModuleAST &module, DiagnosticEngine &diags)
    : module(module), diags(diags) {}

std::string detail::suggest(llvm::StringRef name,
                            llvm::ArrayRef<std::string> candidates) {
  std::string best;
  unsigned bestDistance = 3;
  for (const std::string &c : candidates) {
    unsigned d = name.edit_distance(c, true, bestDistance);
    if (d < bestDistance && d < name.size()) {
      bestDistance = d;
      best = c;
    }
  }
  return best.empty() ? "" : " (did you mean '" + best + "'?)";
}

const Symbol *Scope::find(llvm::StringRef name) const {
  auto it = names.find(name.str());
  return it == names.end() ? nullptr : &it->second;
}

std::vector<std::string> Scope::allNames() const {
  std::vector<std::string> result;
  for (const auto &entry : names)
    result.push_back(entry.first);
  return result;
}

bool SemaImpl::declare(Scope &scope, const std::string &name,
                       const Location &loc, Symbol symbol) {
  auto [it, inserted] = scope.names.emplace(name, symbol);
  if (inserted)
    return true;
  diags.error(loc, "redefinition of '" + name + "'");
  diags.note(it->second.loc, "'" + name + "' is first defined here");
  return false;
}

bool SemaImpl::run() {
  unsigned errorsBefore = diags.getNumErrors();
  std::map<std::string, const ModelAST *> seen;
  for (auto &model : module.models) {
    auto [it, inserted] = seen.emplace(model->name, model.get());
    if (!inserted) {
      diags.error(model->nameLoc, "redefinition of '" + model->name + "'");
      diags.note(it->second->nameLoc,
                 "'" + model->name + "' is first defined here");
    }
    if (model->isBlock() &&
        lookupBuiltinByUsage(model->name, U_Stage | U_Function))
      diags.error(model->nameLoc, "block '" + model->name +
                                      "' has the name of a built-in layer");
  }
  if (!module.getMainModel() && !diags.reachedLimit())
    diags.error(Location{module.file, 1, 1},
                "no model defined in this file: write 'model Name { ... }'");
  for (auto &model : module.models) {
    if (diags.reachedLimit())
      break;
    checkGraph(*model);
  }
  checkRecursion();
  checkInstantiations();
  std::map<const ModelAST *, const TrainAST *> trained;
  for (auto &train : module.trains) {
    if (diags.reachedLimit())
      break;
    checkTrain(*train, trained);
  }
  return diags.getNumErrors() == errorsBefore;
}

//===----------------------------------------------------------------------===//
// Models and blocks
//===----------------------------------------------------------------------===//

void SemaImpl::checkGraph(ModelAST &graph) {
  Scope scope;
  scope.graph = &graph;
  currentBlock = graph.isBlock() ? &graph : nullptr;
  const char *what = graph.isBlock() ? "block" : "model";
  if (graph.isBlock())
    paramUses[&graph].resize(graph.params.size());

  for (size_t i = 0; i < graph.params.size(); ++i) {
    ParamAST &param = graph.params[i];
    declare(scope, param.name, param.loc,
            {IdentExprAST::BlockParam, int(i), true, param.loc, nullptr});
    if (param.defaultValue && !isConstantLiteral(*param.defaultValue))
      diags.error(param.defaultValue->loc(),
                  "the default of parameter '" + param.name +
                      "' must be a number, true/false, a string or a name");
  }
  // Numeric constants may be used in input dims wherever they are written.
  for (size_t i = 0; i < graph.body.size(); ++i) {
    StmtAST &stmt = graph.body[i];
    if (!stmt.name.empty())
      scope.later.insert(stmt.name);
    if (stmt.kind == StmtAST::Binding)
      if (auto *num = llvm::dyn_cast<NumberExprAST>(stmt.value.get()))
        if (num->isInt)
          scope.constants[stmt.name] = num;
  }
  for (size_t i = 0; i < graph.inputs.size(); ++i) {
    InputDeclAST &input = graph.inputs[i];
    checkTensorType(input.type, "input", input.name, scope, graph.isBlock());
    declare(scope, input.name, input.nameLoc,
            {IdentExprAST::Input, int(i), false, input.nameLoc, nullptr});
  }
  if (graph.inputs.empty())
    diags.error(graph.nameLoc,
                llvm::Twine(what) + " '" + graph.name +
                    "' has no input: add 'input x: f32[N, ...]'");
  else if (graph.isBlock() && graph.inputs.size() > 1)
    diags.error(graph.inputs[1].loc, "block '" + graph.name +
                                         "' has more than one input; a block "
                                         "takes exactly one");
  unsigned numOutputs = 0;
  for (size_t i = 0; i < graph.body.size(); ++i) {
    if (diags.reachedLimit())
      return;
    StmtAST &stmt = graph.body[i];
    bool isOutput = stmt.kind == StmtAST::Output;
    numOutputs += isOutput;
    bool reexport = false;
    if (isOutput && stmt.name.empty()) {
      if (auto *ident = llvm::dyn_cast<IdentExprAST>(stmt.value.get())) {
        stmt.name = ident->name;
        stmt.nameLoc = ident->loc();
        reexport = true;
      } else if (!graph.isBlock()) {
        diags.error(stmt.loc, "a model output needs a name: write "
                              "'output NAME = ...'");
      }
    }
    Cat cat = checkExpr(stmt.value, scope);
    if (cat == Cat::Scalar) {
      if (isOutput)
        diags.error(stmt.value->loc(), "an output must be a tensor, not a "
                                       "number");
      else
        stmt.isConstant = true;
    }
    if (stmt.name.empty() || reexport)
      continue;
    Symbol symbol{isOutput ? IdentExprAST::Output : IdentExprAST::Binding,
                  int(i), cat == Cat::Scalar, stmt.nameLoc,
                  llvm::dyn_cast<NumberExprAST>(stmt.value.get())};
    if (stmt.isConstant)
      symbol.ref = IdentExprAST::Constant;
    declare(scope, stmt.name, stmt.nameLoc, symbol);
  }
  if (numOutputs == 0)
    diags.error(graph.nameLoc, llvm::Twine(what) + " '" + graph.name +
                                   "' has no output: add 'output " +
                                   (graph.isBlock() ? "" : "name = ") + "...'");
  else if (graph.isBlock() && numOutputs > 1)
    diags.error(graph.getOutputs()[1]->loc,
                "block '" + graph.name +
                    "' has more than one output; a block has exactly one");
  currentBlock = nullptr;
}

bool SemaImpl::isConstantLiteral(const ExprAST &expr) {
  return llvm::isa<NumberExprAST, BoolExprAST, StringExprAST, IdentExprAST>(
      expr);
}

void SemaImpl::checkTensorType(TensorTypeAST &type, llvm::StringRef what,
                               llvm::StringRef name, Scope &scope,
                               bool inBlock) {
  if (type.dtype != "f32" && type.dtype != "i32")
    diags.error(type.loc, "unknown element type '" + type.dtype +
                              "'; expected f32 or i32");
  for (size_t i = 0; i < type.dims.size(); ++i) {
    DimAST &dim = type.dims[i];
    if (i == 0) {
      dim.symbolKind = DimAST::Batch;
      if (!dim.isSymbol || dim.symbol != "N")
        diags.error(dim.loc, "the first dimension of " + what + " '" + name +
                                 "' must be the batch N");
      continue;
    }
    if (!dim.isSymbol) {
      if (dim.value < 1)
        diags.error(dim.loc, "dimensions must be positive, got " +
                                 llvm::Twine(dim.value));
      continue;
    }
    if (dim.symbol == "N") {
      diags.error(dim.loc, "the batch N may only be the first dimension");
      continue;
    }
    if (const Symbol *sym = scope.find(dim.symbol);
        sym && sym->ref == IdentExprAST::BlockParam) {
      dim.symbolKind = DimAST::Param;
      paramUses[currentBlock][sym->index].push_back({nullptr, "", dim.loc});
    } else if (scope.constants.count(dim.symbol)) {
      dim.symbolKind = DimAST::Constant;
      if (scope.constants[dim.symbol]->intValue < 1)
        diags.error(dim.loc, "dimension '" + dim.symbol +
                                 "' must be a positive integer");
    } else if (inBlock) {
      dim.symbolKind = DimAST::Free;
    } else {
      diags.error(dim.loc, "unknown dimension '" + dim.symbol + "' in " + what +
                               " '" + name +
                               "': use an integer, N for the batch, or define "
                               "a constant '" +
                               dim.symbol + " = ...'");
    }
  }
}

//===----------------------------------------------------------------------===//
// Blocks: recursion and instantiation arguments
//===----------------------------------------------------------------------===//

void SemaImpl::checkRecursion() {
  std::map<const ModelAST *, std::vector<const Instantiation *>> edges;
  for (const Instantiation &inst : instantiations)
    if (inst.from && inst.from->isBlock())
      edges[inst.from].push_back(&inst);
  // Iterative DFS with colours; report each back edge once.
  std::map<const ModelAST *, int> colour; // 0 new, 1 on stack, 2 done
  for (auto &root : module.models) {
    if (!root->isBlock() || colour[root.get()])
      continue;
    std::vector<std::pair<const ModelAST *, size_t>> stack{{root.get(), 0}};
    colour[root.get()] = 1;
    while (!stack.empty()) {
      auto &[node, next] = stack.back();
      auto &out = edges[node];
      if (next == out.size()) {
        colour[node] = 2;
        stack.pop_back();
        continue;
      }
      const Instantiation *inst = out[next++];
      const ModelAST *to = inst->block;
      if (colour[to] == 0) {
        colour[to] = 1;
        stack.push_back({to, 0});
      } else if (colour[to] == 1) {
        std::string path;
        bool on = false;
        for (auto &frame : stack) {
          on = on || frame.first == to;
          if (on)
            path += frame.first->name + " -> ";
        }
        diags.error(inst->call->loc(), "block '" + to->name +
                                           "' instantiates itself: " + path +
                                           to->name);
        recursive.insert(to);
      }
    }
  }
}

void SemaImpl::checkInstantiations() {
  for (const Instantiation &inst : instantiations) {
    if (recursive.count(inst.block) || diags.reachedLimit())
      continue;
    auto &uses = paramUses[inst.block];
    for (size_t i = 0; i < inst.actuals.size() && i < uses.size(); ++i) {
      const ArgAST &arg = inst.call->args[i];
      const ExprAST *actual = inst.actuals[i];
      if (!actual)
        continue; // an outer block parameter: checked at that block's uses
      for (const ParamUse &use : uses[i]) {
        if (!use.spec) {
          auto *num = llvm::dyn_cast<NumberExprAST>(actual);
          if (!num || !num->isInt || num->intValue < 1) {
            diags.error(arg.value->loc(),
                        "argument '" + arg.name + "' of block '" +
                            inst.block->name +
                            "' is a dimension and must be a positive integer");
            diags.note(use.loc, "'" + arg.name +
                                    "' is used as a dimension "
                                    "here");
            break;
          }
          continue;
        }
        ExprPtr copy = cloneExpr(*actual);
        unsigned before = diags.getNumErrors();
        checkValue(copy, *use.spec, use.callee, nullptr);
        if (diags.getNumErrors() != before) {
          diags.note(use.loc, "'" + arg.name + "' of block '" +
                                  inst.block->name + "' is used as argument '" +
                                  use.spec->name + "' of " + use.callee +
                                  " here");
          break;
        }
      }
    }
  }
}

//===----------------------------------------------------------------------===//
// Train sections
//===----------------------------------------------------------------------===//

void SemaImpl::checkTrain(
    TrainAST &train, std::map<const ModelAST *, const TrainAST *> &trained) {
  const ModelAST *model = module.lookup(train.modelName);
  if (!model) {
    std::vector<std::string> names;
    for (auto &m : module.models)
      names.push_back(m->name);
    diags.error(train.modelNameLoc, "train section refers to unknown model '" +
                                        train.modelName + "'" +
                                        suggest(train.modelName, names));
    return;
  }
  if (model->isBlock()) {
    diags.error(train.modelNameLoc, "'" + train.modelName +
                                        "' is a block; only models can be "
                                        "trained");
    return;
  }
  auto [it, inserted] = trained.emplace(model, &train);
  if (!inserted) {
    diags.error(train.loc,
                "model '" + model->name + "' already has a train section");
    diags.note(it->second->loc, "the first one is here");
    return;
  }
  train.model = model;

  Scope scope;
  scope.isTrain = true;
  for (size_t i = 0; i < model->inputs.size(); ++i)
    scope.names.emplace(model->inputs[i].name,
                        Symbol{IdentExprAST::Input, int(i), false,
                               model->inputs[i].nameLoc, nullptr});
  for (size_t i = 0; i < model->body.size(); ++i) {
    const StmtAST &stmt = model->body[i];
    if (stmt.kind == StmtAST::Output && !stmt.name.empty())
      scope.names.emplace(stmt.name, Symbol{IdentExprAST::Output, int(i), false,
                                            stmt.nameLoc, nullptr});
    else if (!stmt.name.empty())
      scope.hidden.insert(stmt.name);
  }
  scope.hiddenOwner = model->name;
  for (size_t i = 0; i < train.targets.size(); ++i) {
    InputDeclAST &target = train.targets[i];
    checkTensorType(target.type, "target", target.name, scope, false);
    declare(scope, target.name, target.nameLoc,
            {IdentExprAST::Target, int(i), false, target.nameLoc, nullptr});
  }

  std::vector<ArgAST> args;
  for (OptionAST &option : train.options)
    args.push_back({option.name, option.loc, std::move(option.value), false});
  const BuiltinSpec &spec = getTrainSpec();
  normalise("train section", train.loc, args, spec.params, &scope);
  train.options.clear();
  for (ArgAST &arg : args)
    train.options.push_back(
        {arg.loc, arg.name, std::move(arg.value), arg.isDefault});
}

bool nnc::runSema(ModuleAST &module, DiagnosticEngine &diags) {
  SemaImpl sema(module, diags);
  return sema.run();
}
