//===- Autodiff.cpp - reverse-mode differentiation of @loss ---------------===//
//
// The `nnc-autodiff` pass: clones `@loss` into `@grads` and appends, before
// its return, the reverse sweep. Values that depend on a trainable
// parameter are "active"; visiting the active ops from the last to the
// first, each op with a gradient on one of its results emits the gradients
// of its operands through `nn::AdjointOpInterface`, and gradients reaching
// one value several times are summed with `nn.add`. Layers that implement
// `nn::DecomposeOpInterface` (self-attention) are first replaced in the
// clone by the simpler ops they are made of, whose adjoints then read the
// forward values they need instead of recomputing the layer. `@grads`
// returns the loss, one gradient per weight/bias parameter and the buffer
// updates; dead forward ops (other outputs) are erased afterwards. With the
// `input-grads` option, `@input_grads` is built the same way with the f32
// inputs as the differentiated arguments: it returns the loss and d loss /
// d input for each of them.
//
//===----------------------------------------------------------------------===//

#include "nnc/Dialect/NN/NNConventions.h"
#include "nnc/Dialect/NN/NNOps.h"
#include "nnc/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/Transforms/RegionUtils.h"

#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/MapVector.h"

namespace nnc {
#define GEN_PASS_DEF_AUTODIFF
#include "nnc/Transforms/Passes.h.inc"
} // namespace nnc

using namespace mlir;
namespace attrs = nnc::attrs;

namespace {

/// The `#nn.param` of argument `i`, or null.
nn::ParamAttr paramOf(func::FuncOp func, unsigned i) {
  return func.getArgAttrOfType<nn::ParamAttr>(i, attrs::kParam);
}

/// True when argument `i` is a trained parameter (role weight or bias).
bool isTrainable(func::FuncOp func, unsigned i) {
  nn::ParamAttr param = paramOf(func, i);
  return param && param.getRole() != nn::ParamRole::buffer;
}

/// True when argument `i` is an f32 model input.
bool isFloatInput(func::FuncOp func, unsigned i) {
  auto type = dyn_cast<RankedTensorType>(func.getArgument(i).getType());
  return func.getArgAttr(i, attrs::kInput) && type &&
         type.getElementType().isF32();
}

/// Which arguments a sweep differentiates with respect to.
using ArgFilter = bool (*)(func::FuncOp, unsigned);

/// The reverse sweep over one function body.
class ReverseSweep {
public:
  ReverseSweep(func::FuncOp func, ArgFilter wrt = isTrainable)
      : func(func), wrt(wrt) {}

  /// Differentiates `loss` with respect to the arguments `wrt` selects; on
  /// success `gradOf` holds the gradient of every active value reached.
  LogicalResult run(Value loss, OpBuilder &b);

  /// The accumulated gradient of `v`, or null.
  Value gradOf(Value v) const { return grads.lookup(v); }

private:
  /// Marks the values that depend on a trainable parameter.
  void markActive();
  /// Adds `g` to the gradient of `v`.
  void accumulate(OpBuilder &b, Location loc, Value v, Value g);

  func::FuncOp func;
  ArgFilter wrt;
  llvm::DenseSet<Value> active;
  llvm::DenseMap<Value, Value> grads;
};

void ReverseSweep::markActive() {
  for (BlockArgument arg : func.getArguments())
    if (wrt(func, arg.getArgNumber()))
      active.insert(arg);
  func.getBody().walk([&](Operation *op) {
    if (llvm::any_of(op->getOperands(),
                     [&](Value v) { return active.contains(v); }))
      for (Value result : op->getResults())
        active.insert(result);
  });
}

void ReverseSweep::accumulate(OpBuilder &b, Location loc, Value v, Value g) {
  Value &slot = grads[v];
  slot = slot ? b.create<nn::AddOp>(loc, slot, g).getResult() : g;
}

LogicalResult ReverseSweep::run(Value loss, OpBuilder &b) {
  markActive();
  if (!active.contains(loss))
    return success();
  Location lossLoc = loss.getLoc();
  auto scalar = RankedTensorType::get({}, b.getF32Type());
  grads[loss] = b.create<nn::ConstantOp>(lossLoc, scalar,
                                         DenseElementsAttr::get(scalar, 1.0f));

  Block &body = func.getBody().front();
  SmallVector<Operation *> forward;
  for (Operation &op : body.without_terminator())
    forward.push_back(&op);
  for (Operation *op : llvm::reverse(forward)) {
    SmallVector<Value> resultGrads;
    bool reached = false;
    for (Value result : op->getResults()) {
      Value g = active.contains(result) ? grads.lookup(result) : Value();
      resultGrads.push_back(g);
      reached |= static_cast<bool>(g);
    }
    if (!reached)
      continue;
    auto adjoint = dyn_cast<nn::AdjointOpInterface>(op);
    if (!adjoint)
      return op->emitError() << "'" << op->getName()
                             << "' has no adjoint; cannot differentiate";
    SmallVector<Value> operandGrads;
    if (failed(adjoint.buildAdjoint(b, resultGrads, operandGrads)))
      return failure();
    if (operandGrads.size() != op->getNumOperands())
      return op->emitError()
             << "the adjoint of '" << op->getName() << "' returned "
             << operandGrads.size() << " gradients for " << op->getNumOperands()
             << " operands";
    for (auto [operand, g] : llvm::zip(op->getOperands(), operandGrads)) {
      if (!g || !active.contains(operand))
        continue;
      if (g.getType() != operand.getType())
        return op->emitError()
               << "the adjoint of '" << op->getName() << "' gave a gradient "
               << g.getType() << " for an operand " << operand.getType();
      accumulate(b, op->getLoc(), operand, g);
    }
  }
  return success();
}

/// Erases the ops of `func` whose results are unused (every nn op is pure).
void eraseDeadOps(func::FuncOp func) {
  Block &body = func.getBody().front();
  SmallVector<Operation *> ops;
  for (Operation &op : body.without_terminator())
    ops.push_back(&op);
  // Users come after their operands: one backward pass frees whole chains.
  for (Operation *op : llvm::reverse(ops))
    if (isOpTriviallyDead(op))
      op->erase();
}

struct AutodiffPass : nnc::impl::AutodiffBase<AutodiffPass> {
  using AutodiffBase::AutodiffBase;
  void runOnOperation() override;
  /// Builds @grads from @loss; fails after a diagnostic.
  LogicalResult buildGrads(func::FuncOp loss);
  /// Builds @input_grads from @loss; fails after a diagnostic.
  LogicalResult buildInputGrads(func::FuncOp loss);
};

/// The index of @loss's loss result (nn.loss, else result 0), after checking
/// that it is a tensor<f32>.
FailureOr<unsigned> lossResult(func::FuncOp lossFunc) {
  unsigned numResults = lossFunc.getNumResults();
  std::optional<unsigned> lossIndex;
  for (unsigned i = 0; i < numResults; ++i)
    if (lossFunc.getResultAttr(i, attrs::kLossResult))
      lossIndex = i;
  if (!lossIndex && numResults > 0)
    lossIndex = 0;
  auto scalar =
      RankedTensorType::get({}, Float32Type::get(lossFunc.getContext()));
  if (!lossIndex || lossFunc.getResultTypes()[*lossIndex] != scalar)
    return lossFunc.emitError("expects @loss to return the loss as a "
                              "tensor<f32> result (nn.loss)");
  return *lossIndex;
}

/// Replaces every op of `func` that implements nn::DecomposeOpInterface by
/// its decomposition, so that the sweep differentiates the simpler ops and
/// the forward values their adjoints read are computed once.
LogicalResult decomposeLayers(func::FuncOp func) {
  SmallVector<nn::DecomposeOpInterface> layers;
  func.walk([&](nn::DecomposeOpInterface op) { layers.push_back(op); });
  for (nn::DecomposeOpInterface layer : layers) {
    OpBuilder b(layer);
    FailureOr<Value> value = layer.decompose(b);
    if (failed(value))
      return failure();
    layer->getResult(0).replaceAllUsesWith(*value);
    layer->erase();
  }
  return success();
}

/// Clones @loss after it as @`name`, its layers decomposed
/// (decomposeLayers); `b` is left before the copy's return.
FailureOr<std::pair<func::FuncOp, func::ReturnOp>>
cloneLossFunc(OpBuilder &b, func::FuncOp lossFunc, StringRef name) {
  b.setInsertionPointAfter(lossFunc);
  auto func = cast<func::FuncOp>(b.clone(*lossFunc));
  func.setSymName(name);
  if (failed(decomposeLayers(func))) {
    func.erase();
    return failure();
  }
  auto ret = cast<func::ReturnOp>(func.getBody().front().getTerminator());
  b.setInsertionPoint(ret);
  return std::make_pair(func, ret);
}

/// Replaces the clone's return `ret` by one of `results` (with
/// `resultAttrs`), retypes `func` to match and drops what became dead.
void setResults(OpBuilder &b, func::FuncOp func, func::ReturnOp ret,
                ValueRange results, ArrayRef<DictionaryAttr> resultAttrs) {
  b.create<func::ReturnOp>(ret.getLoc(), results);
  ret.erase();
  func.setType(b.getFunctionType(func.getArgumentTypes(), results.getTypes()));
  func.setAllResultAttrs(resultAttrs);
  eraseDeadOps(func);
}

LogicalResult AutodiffPass::buildInputGrads(func::FuncOp lossFunc) {
  ModuleOp module = getOperation();
  if (module.lookupSymbol(attrs::kInputGrads))
    return lossFunc.emitError("the module already has @input_grads");
  FailureOr<unsigned> lossIndex = lossResult(lossFunc);
  if (failed(lossIndex))
    return failure();
  OpBuilder b(module.getContext());
  auto cloned = cloneLossFunc(b, lossFunc, attrs::kInputGrads);
  if (failed(cloned))
    return failure();
  auto [func, ret] = *cloned;
  ReverseSweep sweep(func, isFloatInput);
  if (failed(sweep.run(ret.getOperand(*lossIndex), b))) {
    func.erase();
    return failure();
  }
  // Results: the loss, then d loss / d input per f32 input in argument order
  // (zeros where the loss does not depend on it).
  SmallVector<Value> results{ret.getOperand(*lossIndex)};
  SmallVector<DictionaryAttr> resultAttrs{
      b.getDictionaryAttr(b.getNamedAttr(attrs::kLossResult, b.getUnitAttr()))};
  for (BlockArgument arg : func.getArguments()) {
    unsigned i = arg.getArgNumber();
    if (!isFloatInput(func, i))
      continue;
    Value g = sweep.gradOf(arg);
    if (!g) {
      // Zeros need the batch size, which nn.fill cannot take.
      return func.emitError("cannot build @input_grads: the loss does not "
                            "depend on input ")
             << func.getArgAttr(i, attrs::kInput);
    }
    results.push_back(g);
    resultAttrs.push_back(b.getDictionaryAttr(
        b.getNamedAttr(attrs::kInputGrad, func.getArgAttr(i, attrs::kInput))));
  }
  setResults(b, func, ret, results, resultAttrs);
  return success();
}

LogicalResult AutodiffPass::buildGrads(func::FuncOp lossFunc) {
  ModuleOp module = getOperation();
  if (lossFunc.getBody().getBlocks().size() != 1)
    return lossFunc.emitError("expects @loss with a single block");
  if (module.lookupSymbol(attrs::kGrads))
    return lossFunc.emitError("the module already has @grads");

  // The loss: the result marked nn.loss, else result 0.
  unsigned numResults = lossFunc.getNumResults();
  FailureOr<unsigned> lossIndex = lossResult(lossFunc);
  if (failed(lossIndex))
    return failure();

  OpBuilder b(module.getContext());
  auto cloned = cloneLossFunc(b, lossFunc, attrs::kGrads);
  if (failed(cloned))
    return failure();
  auto [grads, ret] = *cloned;
  ReverseSweep sweep(grads);
  if (failed(sweep.run(ret.getOperand(*lossIndex), b))) {
    grads.erase();
    return failure();
  }

  // Results: loss, gradients in parameter order, buffer updates, outputs.
  SmallVector<Value> results{ret.getOperand(*lossIndex)};
  SmallVector<DictionaryAttr> resultAttrs{
      lossFunc.getResultAttrDict(*lossIndex)};
  if (!resultAttrs.front() || !resultAttrs.front().get(attrs::kLossResult))
    resultAttrs.front() = b.getDictionaryAttr(
        b.getNamedAttr(attrs::kLossResult, b.getUnitAttr()));
  for (BlockArgument arg : grads.getArguments()) {
    unsigned i = arg.getArgNumber();
    if (!isTrainable(grads, i))
      continue;
    Value g = sweep.gradOf(arg);
    auto type = cast<RankedTensorType>(arg.getType());
    if (!g) {
      if (!type.hasStaticShape())
        return grads.emitError("expects a static shape for parameter ")
               << paramOf(grads, i).getName();
      g = b.create<nn::FillOp>(grads.getLoc(), type, b.getF32FloatAttr(0.0));
    }
    results.push_back(g);
    resultAttrs.push_back(b.getDictionaryAttr(b.getNamedAttr(
        attrs::kGrad, b.getStringAttr(paramOf(grads, i).getName()))));
  }
  for (unsigned i = 0; i < numResults; ++i)
    if (lossFunc.getResultAttr(i, attrs::kUpdateOf)) {
      results.push_back(ret.getOperand(i));
      resultAttrs.push_back(lossFunc.getResultAttrDict(i));
    }
  // Model outputs computed on the way (e.g. logits for accuracy) pass
  // through after the buffer updates.
  for (unsigned i = 0; i < numResults; ++i)
    if (lossFunc.getResultAttr(i, attrs::kOutput)) {
      results.push_back(ret.getOperand(i));
      resultAttrs.push_back(lossFunc.getResultAttrDict(i));
    }
  for (DictionaryAttr &dict : resultAttrs)
    if (!dict)
      dict = b.getDictionaryAttr({});

  setResults(b, grads, ret, results, resultAttrs);
  return success();
}

void AutodiffPass::runOnOperation() {
  auto loss = getOperation().lookupSymbol<func::FuncOp>(attrs::kLoss);
  if (!loss)
    return; // an inference-only module
  if (failed(buildGrads(loss)) || (inputGrads && failed(buildInputGrads(loss))))
    signalPassFailure();
}

} // namespace
