//===- Optimizer.cpp - @apply and @train_step from @grads -----------------===//
//
// The `nnc-optimizer` pass: reads the optimizer of the module's `nn.recipe`,
// builds `@apply` (one `nn.*_update` per parameter, after clipping by the
// global gradient norm when `clip_norm` is set) and `@train_step`, which
// inlines the body of `@grads` and applies the same update, so that fusion
// sees the whole step; then erases `@loss`. The update formulas are
// PyTorch's (docs/autodiff.md).
//
//===----------------------------------------------------------------------===//

#include "nnc/Dialect/NN/NNConventions.h"
#include "nnc/Dialect/NN/NNOps.h"
#include "nnc/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/IRMapping.h"

namespace nnc {
#define GEN_PASS_DEF_OPTIMIZER
#include "nnc/Transforms/Passes.h.inc"
} // namespace nnc

using namespace mlir;
namespace attrs = nnc::attrs;

namespace {

/// The optimizer of a recipe, with PyTorch's defaults.
struct OptimizerConfig {
  enum Kind { Sgd, Momentum, Rmsprop, Adam, AdamW } kind = Sgd;
  double momentum = 0.9, beta1 = 0.9, beta2 = 0.999, eps = 1e-8;
  double alpha = 0.99, weightDecay = 0.0, clipNorm = 0.0;
  bool nesterov = false;

  /// The optimizer state kept per parameter, as PyTorch names it.
  SmallVector<StringRef> stateNames() const {
    switch (kind) {
    case Sgd:
      return {};
    case Momentum:
      return {"momentum_buffer"};
    case Rmsprop:
      return {"square_avg"};
    case Adam:
    case AdamW:
      return {"exp_avg", "exp_avg_sq"};
    }
    return {};
  }
};

/// Reads a number (float, integer or bool) from `dict[key]` into `out`.
LogicalResult readNumber(DictionaryAttr dict, StringRef key, double &out,
                         Location loc) {
  Attribute attr = dict ? dict.get(key) : Attribute();
  if (!attr)
    return success();
  if (auto f = dyn_cast<FloatAttr>(attr))
    out = f.getValueAsDouble();
  else if (auto i = dyn_cast<IntegerAttr>(attr))
    out = static_cast<double>(i.getValue().getSExtValue());
  else if (auto b = dyn_cast<BoolAttr>(attr))
    out = b.getValue() ? 1.0 : 0.0;
  else
    return emitError(loc) << "expects a number for optimizer option '" << key
                          << "', got " << attr;
  return success();
}

/// Parses `nn.recipe = {optimizer = {kind = ..., ...}, clip_norm = ...}`.
FailureOr<OptimizerConfig> readOptimizer(ModuleOp module) {
  OptimizerConfig config;
  Location loc = module.getLoc();
  auto recipe = module->getAttrOfType<DictionaryAttr>(attrs::kRecipe);
  auto opt = recipe ? recipe.getAs<DictionaryAttr>("optimizer") : nullptr;
  if (!opt)
    return config; // plain SGD
  auto kind = opt.getAs<StringAttr>("kind");
  StringRef name = kind ? kind.getValue() : "sgd";
  if (name == "sgd")
    config.kind = OptimizerConfig::Sgd;
  else if (name == "momentum")
    config.kind = OptimizerConfig::Momentum;
  else if (name == "rmsprop")
    config.kind = OptimizerConfig::Rmsprop;
  else if (name == "adam")
    config.kind = OptimizerConfig::Adam;
  else if (name == "adamw") {
    config.kind = OptimizerConfig::AdamW;
    config.weightDecay = 0.01;
  } else
    return emitError(loc) << "unknown optimizer kind '" << name
                          << "' (expected sgd, momentum, rmsprop, adam or "
                             "adamw)",
           failure();
  double nesterov = 0.0;
  if (failed(readNumber(opt, "beta", config.momentum, loc)) ||
      failed(readNumber(opt, "momentum", config.momentum, loc)) ||
      failed(readNumber(opt, "nesterov", nesterov, loc)) ||
      failed(readNumber(opt, "beta1", config.beta1, loc)) ||
      failed(readNumber(opt, "beta2", config.beta2, loc)) ||
      failed(readNumber(opt, "eps", config.eps, loc)) ||
      failed(readNumber(opt, "alpha", config.alpha, loc)) ||
      failed(readNumber(opt, "weight_decay", config.weightDecay, loc)) ||
      failed(readNumber(opt, "clip_norm", config.clipNorm, loc)) ||
      failed(readNumber(recipe, "clip_norm", config.clipNorm, loc)))
    return failure();
  config.nesterov = nesterov != 0.0;
  return config;
}

/// Emits the clipping and the update of every parameter. `params`, `grads`
/// and `states` (stateNames().size() per parameter, parameter-major) are
/// values of the function being built; returns the new parameters followed
/// by the new states, in the same order.
SmallVector<Value> buildUpdates(OpBuilder &b, Location loc,
                                const OptimizerConfig &config,
                                ArrayRef<Value> params, ArrayRef<Value> grads,
                                ArrayRef<Value> states, Value lr, Value step) {
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
    Value coef = b.create<nn::ClipCoefOp>(
        loc, sumsq, b.getF32FloatAttr(config.clipNorm));
    for (Value &g : clipped)
      g = b.create<nn::MulOp>(loc, g, coef);
  }

  size_t perParam = config.stateNames().size();
  SmallVector<Value> newParams, newStates;
  auto f32 = [&](double v) { return b.getF32FloatAttr(v); };
  for (auto [i, p] : llvm::enumerate(params)) {
    Value g = clipped[i];
    ArrayRef<Value> s = states.slice(i * perParam, perParam);
    switch (config.kind) {
    case OptimizerConfig::Sgd:
      newParams.push_back(b.create<nn::SgdUpdateOp>(
          loc, p.getType(), p, g, lr, f32(config.weightDecay)));
      break;
    case OptimizerConfig::Momentum: {
      auto op = b.create<nn::MomentumUpdateOp>(
          loc, p.getType(), p.getType(), p, g, s[0], lr, step,
          f32(config.momentum), f32(config.weightDecay),
          b.getBoolAttr(config.nesterov));
      newParams.push_back(op.getNewParam());
      newStates.push_back(op.getNewBuffer());
      break;
    }
    case OptimizerConfig::Rmsprop: {
      auto op = b.create<nn::RmspropUpdateOp>(
          loc, p.getType(), p.getType(), p, g, s[0], lr, f32(config.alpha),
          f32(config.eps), f32(config.weightDecay));
      newParams.push_back(op.getNewParam());
      newStates.push_back(op.getNewSquareAvg());
      break;
    }
    case OptimizerConfig::Adam:
    case OptimizerConfig::AdamW: {
      auto op = b.create<nn::AdamUpdateOp>(
          loc, p.getType(), p.getType(), p.getType(), p, g, s[0], s[1], lr,
          step, f32(config.beta1), f32(config.beta2), f32(config.eps),
          f32(config.weightDecay),
          b.getBoolAttr(config.kind == OptimizerConfig::AdamW));
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
  auto lrType = RankedTensorType::get({}, b.getF32Type());
  auto stepType = RankedTensorType::get({}, b.getI64Type());
  auto named = [&](StringRef key, Attribute value) {
    return b.getDictionaryAttr(b.getNamedAttr(key, value));
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
    return named(attrs::kState,
                 b.getStrArrayAttr({paramName(arg), state}));
  };

  // @apply(params, grads, states, lr, step).
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
    unsigned lrIndex = sig.add(lrType, named(attrs::kLearningRate, b.getUnitAttr()));
    unsigned stepIndex = sig.add(stepType, named(attrs::kStep, b.getUnitAttr()));

    b.setInsertionPointToEnd(module.getBody());
    auto apply = b.create<func::FuncOp>(loc, attrs::kApply,
                                        b.getFunctionType(sig.types, {}));
    apply.setAllArgAttrs(sig.attrs);
    Block *body = apply.addEntryBlock();
    b.setInsertionPointToStart(body);
    size_t n = paramArgs.size();
    auto args = body->getArguments();
    SmallVector<Value> params(args.take_front(n)), gs(args.slice(n, n)),
        states(args.slice(2 * n, n * stateNames.size()));
    SmallVector<Value> results =
        buildUpdates(b, loc, config, params, gs, states, args[lrIndex],
                     args[stepIndex]);
    b.create<func::ReturnOp>(loc, results);
    SmallVector<DictionaryAttr> resultAttrs;
    for (size_t i = 0; i < n; ++i)
      resultAttrs.push_back(updateOf(i));
    for (size_t i = 0; i < states.size(); ++i)
      resultAttrs.push_back(updateOf(2 * n + i));
    apply.setType(b.getFunctionType(sig.types, ValueRange(results).getTypes()));
    apply.setAllResultAttrs(resultAttrs);
  }

  // @train_step(@grads args but the seed, states, lr, step, seed).
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
      stateIndex.push_back(sig.add(grads.getArgumentTypes()[arg],
                                   stateAttr(arg, state)));
  unsigned lrIndex = sig.add(lrType, named(attrs::kLearningRate, b.getUnitAttr()));
  unsigned stepIndex = sig.add(stepType, named(attrs::kStep, b.getUnitAttr()));
  if (seedArg)
    newIndex[*seedArg] = sig.add(grads.getArgumentTypes()[*seedArg],
                                 grads.getArgAttrDict(*seedArg));

  b.setInsertionPointToEnd(module.getBody());
  auto step = b.create<func::FuncOp>(loc, attrs::kTrainStep,
                                     b.getFunctionType(sig.types, {}));
  step.setAllArgAttrs(sig.attrs);
  Block *body = step.addEntryBlock();
  b.setInsertionPointToStart(body);
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
  SmallVector<Value> updated =
      buildUpdates(b, loc, config, params, gs, states,
                   body->getArgument(lrIndex), body->getArgument(stepIndex));

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
  b.create<func::ReturnOp>(loc, results);
  step.setType(b.getFunctionType(sig.types, ValueRange(results).getTypes()));
  step.setAllResultAttrs(resultAttrs);
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
