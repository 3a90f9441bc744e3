//===- MLIRGenFunctions.cpp - Tensor functions in value position ----------===//
//
// The built-ins called as values rather than applied with `->`: `min`,
// `max`, `concat`, `matmul` of two activations, and `parameter(...)`, the
// one tensor a model body holds without the batch (docs/language.md).
//
//===----------------------------------------------------------------------===//

#include "MLIRGenImpl.h"

using namespace nnc;
using namespace nnc::detail;
using namespace mlir;

/// A learned (or, with `trainable = false`, loaded but never updated) tensor
/// of the given dimensions, without the batch: it broadcasts over the batch
/// in `+ - *`, `min` and `max` like a bias, right-aligned. Its name is the
/// binding's, under the block prefix; the weight penalties skip it.
Value MLIRGenImpl::emitParameter(const CallExprAST &call, const StmtAST &stmt) {
  if (stmt.kind == StmtAST::Output) {
    error(call.loc(), "an output carries the batch N first; a parameter has "
                      "none (bind it, `" +
                          stmt.name + "_p = parameter(...)`, and use it in "
                                      "an expression)");
    return {};
  }
  auto dims = intList(*this, call, "shape");
  auto trainable = boolArg(call, "trainable");
  if (!dims || !trainable)
    return {};
  if (llvm::is_contained(*dims, int64_t(-1))) {
    error(call.loc(), "a parameter has no batch dimension: write its other "
                      "dimensions only (parameter(16) broadcasts over "
                      "f32[N, ..., 16] like a bias)");
    return {};
  }
  return paramFromInit(call, stmt.name, *dims, /*penalised=*/false,
                       *trainable ? nn::ParamRole::weight
                                  : nn::ParamRole::buffer);
}

/// `matmul(a, b)`: the product of the last two dimensions of two activations
/// of rank 3 or 4 whose leading dimensions (the batch N first) agree, so the
/// batch is never a matrix dimension.
Value MLIRGenImpl::emitMatmul(const CallExprAST &call) {
  const ExprAST *a = call.getArg("a"), *b = call.getArg("b");
  Value lhs = a ? emitExpr(*a) : Value();
  Value rhs = lhs && b ? emitExpr(*b) : Value();
  auto ta = boolArg(call, "transpose_a"), tb = boolArg(call, "transpose_b");
  if (!rhs || !ta || !tb)
    return {};
  auto lt = cast<RankedTensorType>(lhs.getType());
  auto rt = cast<RankedTensorType>(rhs.getType());
  if (lt.getRank() < 3 || lt.getRank() > 4 || rt.getRank() != lt.getRank() ||
      lt.getShape().drop_back(2) != rt.getShape().drop_back(2)) {
    error(call.loc(), "matmul multiplies the last two dimensions of two "
                      "tensors of rank 3 or 4 with the same leading "
                      "dimensions ([N, M, K] x [N, K, P]; the batch N is "
                      "never a matrix dimension), got " +
                          dslTypeString(lt) + " and " + dslTypeString(rt));
    return {};
  }
  return build1<nn::MatmulOp>(
      call.loc(), "matmul", {lhs, rhs},
      {builder.getNamedAttr("transpose_lhs", builder.getBoolAttr(*ta)),
       builder.getNamedAttr("transpose_rhs", builder.getBoolAttr(*tb))});
}

Value MLIRGenImpl::emitFunctionCall(const CallExprAST &call) {
  if (call.callee == "min" || call.callee == "max") {
    const ExprAST *a = call.getArg("a"), *b = call.getArg("b");
    Value lhs = a ? emitExpr(*a) : Value();
    Value rhs = lhs && b ? emitExpr(*b) : Value();
    if (!rhs)
      return {};
    if (call.callee == "min")
      return build1<nn::MinimumOp>(call.loc(), "min", {lhs, rhs});
    return build1<nn::MaximumOp>(call.loc(), "max", {lhs, rhs});
  }
  if (call.callee == "matmul")
    return emitMatmul(call);
  if (call.callee == "parameter") {
    error(call.loc(), "parameter(...) must be bound to a name of its own "
                      "(`scale = parameter(16)`), which names it in "
                      "checkpoints; then use that name");
    return {};
  }
  auto *list = dyn_cast_or_null<ListExprAST>(call.getArg("inputs"));
  if (call.callee != "concat" || !list) {
    error(call.loc(), "'" + call.callee + "' cannot be used as a value here");
    return {};
  }
  SmallVector<Value> inputs;
  for (const ExprPtr &element : list->elements) {
    Value v = emitExpr(*element);
    if (!v)
      return {};
    inputs.push_back(v);
  }
  auto axis = intArg(call, "axis");
  if (!axis || inputs.empty())
    return {};
  return build1<nn::ConcatOp>(
      call.loc(), "concat", inputs,
      {builder.getNamedAttr("axis", builder.getI64IntegerAttr(resolveAxis(
           *axis, cast<RankedTensorType>(inputs[0].getType()).getRank())))});
}
