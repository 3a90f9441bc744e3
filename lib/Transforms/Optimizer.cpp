//===- Optimizer.cpp - @apply and @train_step from @grads -----------------===//
//
// The `nnc-optimizer` pass: reads the #nn.optimizer of the module's
// `nn.recipe` (dialects/NN/NNRecipe.td, complete: no defaults here),
// builds `@apply` (one `nn.*_update` per parameter, after clipping by the
// global gradient norm when `clip_norm` is set) and `@train_step`, which
// inlines the body of `@grads` and applies the same update, so that fusion
// sees the whole step; then erases `@loss`. The update formulas are
// PyTorch's (docs/autodiff.md). Every hyperparameter (the learning rate,
// momentum, betas, eps, weight decay, clip norm) is an f64 argument of both
// functions marked `nn.hyperparameter = {name, default, range}`, the default
// being the recipe's value: the model instance holds them and they can be
// changed without recompiling (docs/abi.md, "Hyperparameters").
//
//===----------------------------------------------------------------------===//

#include "nnc/Dialect/NN/NNConventions.h"
#include "nnc/Dialect/NN/NNOps.h"
#include "nnc/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/IRMapping.h"
#include "llvm/ADT/StringMap.h"

namespace nnc {
#define GEN_PASS_DEF_OPTIMIZER
#include "nnc/Transforms/Passes.h.inc"
} // namespace nnc

using namespace mlir;
namespace attrs = nnc::attrs;

namespace {

/// The optimizer of a recipe as the update builders use it: the kind, the
/// clipping and the run-time hyperparameters with the recipe's values. Every
/// value comes from the #nn.optimizer attribute (MLIRGen filled it from the
/// train section and the front end's defaults); nothing is defaulted here.
struct OptimizerConfig {
  nn::OptimizerKind kind;
  double clipNorm = 0.0;

  /// One run-time hyperparameter: its name (PyTorch's), the recipe's value
  /// and the values it may take (ModelDesc.h's nnc_hyper_range_t, by name).
  struct Hyper {
    StringRef name;
    double value;
    StringRef range;
  };
  /// The hyperparameters, the learning rate first (the attribute's schema
  /// order); the clip norm last, only when the recipe clips (the clipping
  /// is compiled in).
  SmallVector<Hyper> hypers;

  /// The optimizer state kept per parameter, as PyTorch names it.
  SmallVector<StringRef> stateNames() const {
    switch (kind) {
    case nn::OptimizerKind::none:
    case nn::OptimizerKind::sgd:
      return {};
    case nn::OptimizerKind::momentum:
      return {"momentum_buffer"};
    case nn::OptimizerKind::rmsprop:
      return {"square_avg"};
    case nn::OptimizerKind::adam:
    case nn::OptimizerKind::adamw:
      return {"exp_avg", "exp_avg_sq"};
    }
    return {};
  }
};

/// Reads the `optimizer` (an #nn.optimizer) of the module's `nn.recipe`.
FailureOr<OptimizerConfig> readOptimizer(ModuleOp module) {
  auto recipe = module->getAttrOfType<DictionaryAttr>(attrs::kRecipe);
  Attribute attr = recipe ? recipe.get(attrs::kRecipeOptimizer) : Attribute();
  auto opt = dyn_cast_or_null<nn::OptimizerAttr>(attr);
  if (!opt)
    return emitError(module.getLoc())
               << "expects the module's " << attrs::kRecipe << " to hold '"
               << attrs::kRecipeOptimizer << " = #nn.optimizer<...>', got "
               << (attr ? attr : Attribute()),
           failure();
  OptimizerConfig config;
  config.kind = opt.getKind();
  config.clipNorm = opt.getClipNorm().convertToDouble();
  for (auto [field, value] :
       llvm::zip(nn::getOptimizerSchema(opt.getKind()), opt.getValues()))
    config.hypers.push_back({field.name, value.convertToDouble(),
                             nn::stringifyHyperRange(field.range)});
  if (config.clipNorm > 0)
    config.hypers.push_back({"clip_norm", config.clipNorm, "positive"});
  return config;
}

/// The hyperparameter values of the function being built, by name.
using HyperValues = llvm::StringMap<Value>;

/// Emits the clipping and the update of every parameter. `params`, `grads`
/// and `states` (stateNames().size() per parameter, parameter-major) are
/// values of the function being built, `hyper` its hyperparameter arguments
/// (OptimizerConfig::hypers); returns the new parameters followed by the new
/// states, in the same order.
SmallVector<Value> buildUpdates(OpBuilder &b, Location loc,
                                const OptimizerConfig &config,
                                ArrayRef<Value> params, ArrayRef<Value> grads,
                                ArrayRef<Value> states, HyperValues &hyper,
                                Value step) {
  SmallVector<Value> clipped(grads);
  if (config.clipNorm > 0 && !grads.empty()) {
    Value sumsq;
    for (Value g : grads) {
      int64_t rank = cast<RankedTensorType>(g.getType()).getRank();
      Value sq = b.create<nn::MulOp>(loc, g, g);
      if (rank > 0) {
        SmallVector<int64_t> axes;
        for (int64_t i = 0; i < rank; ++i)
          axes.push_back(i);
        sq = b.create<nn::ReduceSumOp>(loc, sq, axes, false);
      }
      sumsq = sumsq ? b.create<nn::AddOp>(loc, sumsq, sq).getResult() : sq;
    }
    Value coef = b.create<nn::ClipCoefOp>(loc, sumsq, hyper["clip_norm"]);
    for (Value &g : clipped)
      g = b.create<nn::MulOp>(loc, g, coef);
  }

  size_t perParam = config.stateNames().size();
  SmallVector<Value> newParams, newStates;
  Value lr = hyper["lr"], wd = hyper["weight_decay"];
  for (auto [i, p] : llvm::enumerate(params)) {
    Value g = clipped[i];
    ArrayRef<Value> s = states.slice(i * perParam, perParam);
    switch (config.kind) {
    case nn::OptimizerKind::none:
    case nn::OptimizerKind::sgd:
      newParams.push_back(
          b.create<nn::SgdUpdateOp>(loc, p.getType(), p, g, lr, wd));
      break;
    case nn::OptimizerKind::momentum: {
      auto op = b.create<nn::MomentumUpdateOp>(
          loc, p.getType(), p.getType(), p, g, s[0], lr, step,
          hyper["momentum"], wd, hyper["nesterov"]);
      newParams.push_back(op.getNewParam());
      newStates.push_back(op.getNewBuffer());
      break;
    }
    case nn::OptimizerKind::rmsprop: {
      auto op = b.create<nn::RmspropUpdateOp>(loc, p.getType(), p.getType(), p,
                                              g, s[0], lr, hyper["alpha"],
                                              hyper["eps"], wd);
      newParams.push_back(op.getNewParam());
      newStates.push_back(op.getNewSquareAvg());
      break;
    }
    case nn::OptimizerKind::adam:
    case nn::OptimizerKind::adamw: {
      auto op = b.create<nn::AdamUpdateOp>(
          loc, p.getType(), p.getType(), p.getType(), p, g, s[0], s[1], lr,
          step, hyper["beta1"], hyper["beta2"], hyper["eps"], wd,
          b.getBoolAttr(config.kind == nn::OptimizerKind::adamw));
      newParams.push_back(op.getNewParam());
      newStates.push_back(op.getNewExpAvg());
      newStates.push_back(op.getNewExpAvgSq());
      break;
    }
    }
  }
  newParams.append(newStates);
  return newParams;
}

/// The signature of a function under construction: argument types and
/// attributes, added one at a time.
struct Signature {
  SmallVector<Type> types;
  SmallVector<DictionaryAttr> attrs;
  unsigned add(Type type, DictionaryAttr dict) {
    types.push_back(type);
    attrs.push_back(dict);
    return types.size() - 1;
  }

  /// A function `name` at the end of `module` taking these arguments, with
  /// no results yet; `b` is left at the start of its body.
  func::FuncOp createFunc(OpBuilder &b, ModuleOp module, Location loc,
                          StringRef name) const {
    b.setInsertionPointToEnd(module.getBody());
    auto func = b.create<func::FuncOp>(loc, name, b.getFunctionType(types, {}));
    func.setAllArgAttrs(attrs);
    b.setInsertionPointToStart(func.addEntryBlock());
    return func;
  }

  /// Ends `func` (from createFunc) with a return of `results`, which become
  /// its results with `resultAttrs`.
  void setResults(OpBuilder &b, func::FuncOp func, Location loc,
                  ValueRange results,
                  ArrayRef<DictionaryAttr> resultAttrs) const {
    b.create<func::ReturnOp>(loc, results);
    func.setType(b.getFunctionType(types, results.getTypes()));
    func.setAllResultAttrs(resultAttrs);
  }
};

struct OptimizerPass : nnc::impl::OptimizerBase<OptimizerPass> {
  void runOnOperation() override;
  LogicalResult build(func::FuncOp grads, const OptimizerConfig &config);
};

LogicalResult OptimizerPass::build(func::FuncOp grads,
                                   const OptimizerConfig &config) {
  ModuleOp module = getOperation();
  MLIRContext *ctx = module.getContext();
  OpBuilder b(ctx);
  Location loc = grads.getLoc();
  auto hyperType = RankedTensorType::get({}, b.getF64Type());
  auto stepType = RankedTensorType::get({}, b.getI64Type());
  auto named = [&](StringRef key, Attribute value) {
    return b.getDictionaryAttr(b.getNamedAttr(key, value));
  };
  ArrayRef<OptimizerConfig::Hyper> hypers = config.hypers;
  // The hyperparameter arguments, appended to `sig`; their indices by name.
  auto addHypers = [&](auto &sig) {
    llvm::StringMap<unsigned> index;
    for (const OptimizerConfig::Hyper &h : hypers)
      index[h.name] = sig.add(
          hyperType,
          named(attrs::kHyperparameter,
                b.getDictionaryAttr(
                    {b.getNamedAttr("name", b.getStringAttr(h.name)),
                     b.getNamedAttr("default", b.getF64FloatAttr(h.value)),
                     b.getNamedAttr("range", b.getStringAttr(h.range))})));
    return index;
  };
  auto hyperValues = [&](const llvm::StringMap<unsigned> &index, Block *body) {
    HyperValues values;
    for (auto &entry : index)
      values[entry.getKey()] = body->getArgument(entry.getValue());
    return values;
  };
  auto updateOf = [&](unsigned index) {
    return named(attrs::kUpdateOf, b.getI64IntegerAttr(index));
  };

  // The trainable parameters of @grads and their gradient results.
  SmallVector<unsigned> paramArgs;
  for (unsigned i = 0, e = grads.getNumArguments(); i < e; ++i) {
    auto param = grads.getArgAttrOfType<nn::ParamAttr>(i, attrs::kParam);
    if (param && param.getRole() != nn::ParamRole::buffer)
      paramArgs.push_back(i);
  }
  if (grads.getNumResults() < 1 + paramArgs.size())
    return grads.emitError("expects @grads to return the loss and one "
                           "gradient per parameter");
  SmallVector<StringRef> stateNames = config.stateNames();
  auto paramName = [&](unsigned arg) {
    return grads.getArgAttrOfType<nn::ParamAttr>(arg, attrs::kParam).getName();
  };
  auto stateAttr = [&](unsigned arg, StringRef state) {
    return named(attrs::kState, b.getStrArrayAttr({paramName(arg), state}));
  };

  // @apply(params, grads, states, hyperparameters, step).
  {
    Signature sig;
    for (unsigned arg : paramArgs)
      sig.add(grads.getArgumentTypes()[arg], grads.getArgAttrDict(arg));
    for (unsigned arg : paramArgs)
      sig.add(grads.getArgumentTypes()[arg],
              named(attrs::kGrad, b.getStringAttr(paramName(arg))));
    for (unsigned arg : paramArgs)
      for (StringRef state : stateNames)
        sig.add(grads.getArgumentTypes()[arg], stateAttr(arg, state));
    llvm::StringMap<unsigned> hyperIndex = addHypers(sig);
    unsigned stepIndex =
        sig.add(stepType, named(attrs::kStep, b.getUnitAttr()));

    auto apply = sig.createFunc(b, module, loc, attrs::kApply);
    Block *body = &apply.getBody().front();
    size_t n = paramArgs.size();
    auto args = body->getArguments();
    SmallVector<Value> params(args.take_front(n)), gs(args.slice(n, n)),
        states(args.slice(2 * n, n * stateNames.size()));
    HyperValues hyper = hyperValues(hyperIndex, body);
    SmallVector<Value> results = buildUpdates(b, loc, config, params, gs,
                                              states, hyper, args[stepIndex]);
    SmallVector<DictionaryAttr> resultAttrs;
    for (size_t i = 0; i < n; ++i)
      resultAttrs.push_back(updateOf(i));
    for (size_t i = 0; i < states.size(); ++i)
      resultAttrs.push_back(updateOf(2 * n + i));
    sig.setResults(b, apply, loc, results, resultAttrs);
  }

  // @train_step(@grads args but the seed, states, hyperparameters, step,
  // seed).
  Signature sig;
  std::optional<unsigned> seedArg;
  SmallVector<unsigned> newIndex(grads.getNumArguments());
  for (unsigned i = 0, e = grads.getNumArguments(); i < e; ++i) {
    if (grads.getArgAttr(i, attrs::kSeed)) {
      seedArg = i;
      continue;
    }
    newIndex[i] = sig.add(grads.getArgumentTypes()[i], grads.getArgAttrDict(i));
  }
  SmallVector<unsigned> stateIndex;
  for (unsigned arg : paramArgs)
    for (StringRef state : stateNames)
      stateIndex.push_back(
          sig.add(grads.getArgumentTypes()[arg], stateAttr(arg, state)));
  llvm::StringMap<unsigned> hyperIndex = addHypers(sig);
  unsigned stepIndex = sig.add(stepType, named(attrs::kStep, b.getUnitAttr()));
  if (seedArg)
    newIndex[*seedArg] = sig.add(grads.getArgumentTypes()[*seedArg],
                                 grads.getArgAttrDict(*seedArg));

  auto step = sig.createFunc(b, module, loc, attrs::kTrainStep);
  Block *body = &step.getBody().front();
  IRMapping mapping;
  for (unsigned i = 0, e = grads.getNumArguments(); i < e; ++i)
    mapping.map(grads.getArgument(i), body->getArgument(newIndex[i]));
  Block &gradsBody = grads.getBody().front();
  for (Operation &op : gradsBody.without_terminator())
    b.clone(op, mapping);
  auto gradsRet = cast<func::ReturnOp>(gradsBody.getTerminator());
  auto mapped = [&](unsigned result) {
    return mapping.lookup(gradsRet.getOperand(result));
  };

  SmallVector<Value> params, gs, states;
  for (auto [k, arg] : llvm::enumerate(paramArgs)) {
    params.push_back(body->getArgument(newIndex[arg]));
    gs.push_back(mapped(1 + k));
  }
  for (unsigned index : stateIndex)
    states.push_back(body->getArgument(index));
  HyperValues hyper = hyperValues(hyperIndex, body);
  SmallVector<Value> updated = buildUpdates(
      b, loc, config, params, gs, states, hyper, body->getArgument(stepIndex));

  SmallVector<Value> results{mapped(0)};
  SmallVector<DictionaryAttr> resultAttrs{grads.getResultAttrDict(0)};
  for (auto [k, arg] : llvm::enumerate(paramArgs)) {
    results.push_back(updated[k]);
    resultAttrs.push_back(updateOf(newIndex[arg]));
  }
  for (auto [k, index] : llvm::enumerate(stateIndex)) {
    results.push_back(updated[paramArgs.size() + k]);
    resultAttrs.push_back(updateOf(index));
  }
  // Buffer updates (their nn.update_of names a @grads argument), then the
  // model outputs, passed through.
  for (unsigned r = 1 + paramArgs.size(), e = grads.getNumResults(); r < e;
       ++r) {
    if (grads.getResultAttr(r, attrs::kOutput)) {
      results.push_back(mapped(r));
      resultAttrs.push_back(grads.getResultAttrDict(r));
      continue;
    }
    auto of = grads.getResultAttrOfType<IntegerAttr>(r, attrs::kUpdateOf);
    if (!of || of.getInt() < 0 ||
        of.getInt() >= static_cast<int64_t>(grads.getNumArguments()))
      return grads.emitError("expects result ")
             << r << " of @grads to be a buffer update (nn.update_of)";
    results.push_back(mapped(r));
    resultAttrs.push_back(updateOf(newIndex[of.getInt()]));
  }
  sig.setResults(b, step, loc, results, resultAttrs);
  return success();
}

void OptimizerPass::runOnOperation() {
  ModuleOp module = getOperation();
  auto grads = module.lookupSymbol<func::FuncOp>(attrs::kGrads);
  auto loss = module.lookupSymbol<func::FuncOp>(attrs::kLoss);
  if (!grads) {
    if (loss) {
      loss.emitError("expects @grads (run nnc-autodiff before nnc-optimizer)");
      signalPassFailure();
    }
    return;
  }
  if (module.lookupSymbol(attrs::kApply) ||
      module.lookupSymbol(attrs::kTrainStep)) {
    grads.emitError("the module already has @apply or @train_step");
    return signalPassFailure();
  }
  FailureOr<OptimizerConfig> config = readOptimizer(module);
  if (failed(config) || failed(build(grads, *config)))
    return signalPassFailure();
  if (loss)
    loss.erase();
}

} // namespace
