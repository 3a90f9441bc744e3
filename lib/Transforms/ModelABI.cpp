//===- ModelABI.cpp - the model's binary interface, computed once ---------===//
//
// Implements nnc-model-abi: reads the role attributes of the entry points
// and writes the tensor table, hyperparameters and recipe as `nn.abi` on the
// module and the `nn.abi_slot` of every argument and result (the ABI section
// of docs/architecture.md). Nothing after this pass decides what a tensor
// is: nnc-destination-passing only carries the slots to the kernels and
// nnc-emit-model-descriptor only writes them out.
//
//===----------------------------------------------------------------------===//

#include "nnc/Transforms/Passes.h"

#include "nnc/Dialect/NN/NNConventions.h"
#include "nnc/Dialect/NN/NNOps.h"
#include "nnc/Dialect/NN/NNRecipeJson.h"
#include "nnc/ModelDesc.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"

namespace nnc {
#define GEN_PASS_DEF_MODELABI
#include "nnc/Transforms/Passes.h.inc"
} // namespace nnc

using namespace mlir;
using namespace nnc;

// The ODS enums carry the numbers of ModelDesc.h's C enums.
static_assert(static_cast<int>(nn::TensorRole::input_grad) ==
                  NNC_ROLE_INPUT_GRAD &&
              static_cast<int>(nn::TensorRole::state) == NNC_ROLE_STATE &&
              static_cast<int>(nn::TensorRole::param) == NNC_ROLE_PARAM);
static_assert(static_cast<int>(nn::HyperRange::flag) == NNC_HYPER_FLAG &&
              static_cast<int>(nn::HyperRange::unit) == NNC_HYPER_UNIT);
static_assert(static_cast<int>(nn::OptimizerKind::adamw) == NNC_OPT_ADAMW &&
              static_cast<int>(nn::OptimizerKind::sgd) == NNC_OPT_SGD);
static_assert(static_cast<int>(nn::Target::cuda) == NNC_TARGET_CUDA);

namespace {

/// The exclusive upper bound that the values of the i32 function argument
/// `arg` must respect: the smallest bound of the index operands it feeds
/// (nn::IndexOperandOpInterface), following calls into other functions; 0
/// when nothing indexes with it.
int64_t indexBound(BlockArgument arg, unsigned depth = 0) {
  int64_t bound = 0;
  auto tighten = [&](int64_t k) {
    if (k > 0)
      bound = bound ? std::min(bound, k) : k;
  };
  for (OpOperand &use : arg.getUses()) {
    Operation *user = use.getOwner();
    if (auto indexing = dyn_cast<nn::IndexOperandOpInterface>(user)) {
      tighten(indexing.getIndexBound(use.getOperandNumber()));
    } else if (auto call = dyn_cast<func::CallOp>(user)) {
      auto module = call->getParentOfType<ModuleOp>();
      auto callee = module.lookupSymbol<func::FuncOp>(call.getCallee());
      if (callee && !callee.isExternal() && depth < 8)
        tighten(
            indexBound(callee.getArgument(use.getOperandNumber()), depth + 1));
    }
  }
  return bound;
}

/// Builds the tensor table and the hyperparameters while walking the
/// entry points.
class TableBuilder {
public:
  explicit TableBuilder(MLIRContext *ctx) : ctx(ctx) {}

  SmallVector<nn::ABITensorAttr> tensors;
  SmallVector<nn::ABIHyperAttr> hypers;

  /// The slot of argument `i` of `func`.
  FailureOr<int32_t> argument(func::FuncOp func, unsigned i) {
    Location loc = func.getArgument(i).getLoc();
    Type type = func.getArgument(i).getType();
    if (auto hyper =
            func.getArgAttrOfType<DictionaryAttr>(i, attrs::kHyperparameter))
      return addHyper(loc, hyper);
    if (func.getArgAttr(i, attrs::kStep))
      return NNC_ARG_STEP;
    if (func.getArgAttr(i, attrs::kSeed))
      return NNC_ARG_SEED;
    if (func.getArgAttr(i, attrs::kRowOffset))
      return NNC_ARG_ROW_OFFSET;
    if (func.getArgAttr(i, attrs::kReplicas))
      return NNC_ARG_REPLICAS;
    if (auto name = func.getArgAttrOfType<StringAttr>(i, attrs::kInput))
      return add(loc, type, name.getValue(), nn::TensorRole::input,
                 indexBound(func.getArgument(i)));
    if (auto name = func.getArgAttrOfType<StringAttr>(i, attrs::kLabel))
      return add(loc, type, name.getValue(), nn::TensorRole::label,
                 indexBound(func.getArgument(i)));
    if (auto name = func.getArgAttrOfType<StringAttr>(i, attrs::kGrad))
      return addDerived(loc, type, name.getValue(), "", nn::TensorRole::grad);
    if (auto state = func.getArgAttrOfType<ArrayAttr>(i, attrs::kState)) {
      if (state.size() != 2 || !isa<StringAttr>(state[0]) ||
          !isa<StringAttr>(state[1]))
        return emitError(loc)
               << attrs::kState << " must be [parameter name, state name]";
      return addDerived(loc, type, cast<StringAttr>(state[0]).getValue(),
                        cast<StringAttr>(state[1]).getValue(),
                        nn::TensorRole::state);
    }
    if (auto param = func.getArgAttrOfType<nn::ParamAttr>(i, attrs::kParam)) {
      nn::TensorRole role = param.getRole() == nn::ParamRole::buffer
                                ? nn::TensorRole::buffer
                                : nn::TensorRole::param;
      return add(loc, type, param.getName(), role, /*bound=*/0, param.getInit(),
                 param.getScale());
    }
    return emitError(loc) << "argument #" << i << " of @" << func.getSymName()
                          << " has no nn role attribute";
  }

  /// The slot of result `r` of `func`, or nullopt for an in-place update.
  FailureOr<std::optional<int32_t>> result(func::FuncOp func, unsigned r) {
    Location loc = func.getLoc();
    Type type = func.getFunctionType().getResult(r);
    if (func.getResultAttr(r, attrs::kUpdateOf))
      return std::optional<int32_t>();
    FailureOr<int32_t> index = failure();
    if (func.getResultAttr(r, attrs::kLossResult))
      index = add(loc, type, "loss", nn::TensorRole::loss);
    else if (auto name =
                 func.getResultAttrOfType<StringAttr>(r, attrs::kOutput))
      index = add(loc, type, name.getValue(), nn::TensorRole::output);
    else if (auto name = func.getResultAttrOfType<StringAttr>(r, attrs::kGrad))
      index = addDerived(loc, type, name.getValue(), "", nn::TensorRole::grad);
    else if (auto name =
                 func.getResultAttrOfType<StringAttr>(r, attrs::kInputGrad))
      index = addInputGrad(loc, type, name.getValue());
    else
      return emitError(loc) << "result #" << r << " of @" << func.getSymName()
                            << " has no nn role attribute";
    if (failed(index))
      return failure();
    return std::optional<int32_t>(*index);
  }

private:
  /// The index of the tensor `info` (same role and name), adding it if new;
  /// fails when one of that name exists with another type. The tightest
  /// index bound wins.
  FailureOr<int32_t> lookupOrAdd(Location loc, nn::ABITensorAttr info) {
    for (auto [i, t] : llvm::enumerate(tensors)) {
      if (t.getRole() != info.getRole() || t.getName() != info.getName())
        continue;
      if (t.getDims() != info.getDims() ||
          t.getElementType() != info.getElementType())
        return emitError(loc) << "tensor '" << info.getName()
                              << "' is declared with two different types";
      if (info.getBound() && (!t.getBound() || info.getBound() < t.getBound()))
        tensors[i] = nn::ABITensorAttr::get(
            ctx, t.getName(), t.getRole(), t.getElementType(), t.getDims(),
            t.getInit(), t.getScale(), t.getOf(), info.getBound());
      return static_cast<int32_t>(i);
    }
    tensors.push_back(info);
    return static_cast<int32_t>(tensors.size() - 1);
  }

  FailureOr<int32_t> add(Location loc, Type type, StringRef name,
                         nn::TensorRole role, int64_t bound = 0,
                         std::optional<nn::InitKind> init = std::nullopt,
                         FloatAttr scale = {}, int32_t of = -1) {
    auto tensor = dyn_cast<RankedTensorType>(type);
    if (!tensor || tensor.getRank() > NNC_MAX_RANK)
      return emitError(loc) << "'" << name << "' must be a ranked tensor of "
                            << "rank <= " << NNC_MAX_RANK << ", got " << type;
    Type element = tensor.getElementType();
    if (!element.isF32() && !element.isInteger(32) && !element.isInteger(64))
      return emitError(loc)
             << "'" << name << "' has unsupported element type " << element;
    SmallVector<int64_t> dims;
    for (int64_t d : tensor.getShape())
      dims.push_back(ShapedType::isDynamic(d) ? -1 : d);
    if (!element.isInteger(32))
      bound = 0;
    return lookupOrAdd(loc,
                       nn::ABITensorAttr::get(ctx, name, role, element, dims,
                                              init, scale, of, bound));
  }

  /// A tensor derived from a parameter, `of` it: the gradient
  /// "<param>.grad", or optimizer state "optimizer.<param>.<state>" (its
  /// checkpoint key, PyTorch's state names).
  FailureOr<int32_t> addDerived(Location loc, Type type, StringRef param,
                                StringRef state, nn::TensorRole role) {
    auto it = llvm::find_if(tensors, [&](nn::ABITensorAttr t) {
      return t.getRole() == nn::TensorRole::param && t.getName() == param;
    });
    if (it == tensors.end())
      return emitError(loc)
             << "'" << param << "' refers to an unknown trainable parameter";
    std::string name = role == nn::TensorRole::grad
                           ? (param + ".grad").str()
                           : ("optimizer." + param + "." + state).str();
    return add(loc, type, name, role, 0, std::nullopt, {},
               static_cast<int32_t>(it - tensors.begin()));
  }

  /// The gradient "<input>.grad" of the f32 input `input`, `of` it.
  FailureOr<int32_t> addInputGrad(Location loc, Type type, StringRef input) {
    auto it = llvm::find_if(tensors, [&](nn::ABITensorAttr t) {
      return t.getRole() == nn::TensorRole::input && t.getName() == input;
    });
    if (it == tensors.end())
      return emitError(loc) << "'" << input << "' refers to an unknown input";
    return add(loc, type, (input + ".grad").str(), nn::TensorRole::input_grad,
               0, std::nullopt, {}, static_cast<int32_t>(it - tensors.begin()));
  }

  /// The NNC_ARG_HYPER slot of the hyperparameter `{name, default, range}`,
  /// adding it if new; fails on a malformed attribute or when one of that
  /// name exists with another default or range.
  FailureOr<int32_t> addHyper(Location loc, DictionaryAttr attr) {
    auto name = attr.getAs<StringAttr>("name");
    auto value = attr.getAs<FloatAttr>("default");
    auto rangeName = attr.getAs<StringAttr>("range");
    std::optional<nn::HyperRange> range;
    if (rangeName)
      range = nn::symbolizeHyperRange(rangeName.getValue());
    if (!name || !value || !range)
      return emitError(loc) << attrs::kHyperparameter
                            << " must be {name, default, range} with a known "
                               "range, got "
                            << attr;
    auto info = nn::ABIHyperAttr::get(
        ctx, name.getValue(),
        FloatAttr::get(Float64Type::get(ctx), value.getValueAsDouble()),
        *range);
    for (auto [k, h] : llvm::enumerate(hypers)) {
      if (h.getName() != info.getName())
        continue;
      if (h != info)
        return emitError(loc) << "hyperparameter '" << info.getName()
                              << "' is declared twice, differently";
      return NNC_ARG_HYPER(static_cast<int32_t>(k));
    }
    if (hypers.size() >= NNC_MAX_HYPERS)
      return emitError(loc)
             << "more than " << NNC_MAX_HYPERS << " hyperparameters";
    hypers.push_back(info);
    return NNC_ARG_HYPER(static_cast<int32_t>(hypers.size() - 1));
  }

  MLIRContext *ctx;
};

struct ModelABIPass : nnc::impl::ModelABIBase<ModelABIPass> {
  using ModelABIBase::ModelABIBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    MLIRContext *ctx = module.getContext();
    std::optional<nn::Target> kind = nn::symbolizeTarget(target);
    if (!kind) {
      module.emitError("unknown target '") << target << "'";
      return signalPassFailure();
    }
    SmallVector<func::FuncOp> entries;
    for (StringRef name : {attrs::kPredict, attrs::kTrainStep, attrs::kGrads,
                           attrs::kApply, attrs::kInputGrads})
      if (auto func = module.lookupSymbol<func::FuncOp>(name))
        entries.push_back(func);
    if (entries.empty() || entries.front().getSymName() != attrs::kPredict) {
      module.emitError("the module has no @predict entry point");
      return signalPassFailure();
    }

    // Parameters first (in predict's order, then any others), so that
    // gradients and state can refer to them whatever the entry order.
    TableBuilder table(ctx);
    for (func::FuncOp func : entries)
      for (unsigned i = 0, e = func.getNumArguments(); i < e; ++i)
        if (func.getArgAttr(i, attrs::kParam) &&
            failed(table.argument(func, i)))
          return signalPassFailure();

    auto i32 = IntegerType::get(ctx, 32);
    for (func::FuncOp func : entries) {
      for (unsigned i = 0, e = func.getNumArguments(); i < e; ++i) {
        FailureOr<int32_t> slot = table.argument(func, i);
        if (failed(slot))
          return signalPassFailure();
        func.setArgAttr(i, attrs::kABISlot, IntegerAttr::get(i32, *slot));
      }
      for (unsigned r = 0, e = func.getNumResults(); r < e; ++r) {
        FailureOr<std::optional<int32_t>> slot = table.result(func, r);
        if (failed(slot))
          return signalPassFailure();
        if (*slot)
          func.setResultAttr(r, attrs::kABISlot, IntegerAttr::get(i32, **slot));
      }
    }

    StringRef name = "model";
    if (auto attr = module->getAttrOfType<StringAttr>(attrs::kModel))
      name = attr.getValue();
    nn::OptimizerKind optimizer = nn::OptimizerKind::none;
    double lr = 0;
    std::string recipe = "{}";
    if (auto dict = module->getAttrOfType<DictionaryAttr>(attrs::kRecipe)) {
      recipe.clear();
      llvm::raw_string_ostream os(recipe);
      nn::writeRecipeJson(os, dict);
      if (auto opt = dict.getAs<nn::OptimizerAttr>(attrs::kRecipeOptimizer)) {
        optimizer = opt.getKind();
        lr = opt.getLearningRate();
      }
    }
    module->setAttr(attrs::kABI,
                    nn::ModelABIAttr::get(
                        ctx, name, *kind, table.tensors, table.hypers,
                        optimizer, FloatAttr::get(Float32Type::get(ctx), lr),
                        recipe));
  }
};

} // namespace
