//===- Functions.cpp - Tensor functions in value position -----------------===//
//
// The rows of the builtins called as values rather than applied with `->`:
// `concat`, `min`, `max`, `matmul` of two activations, and `parameter(...)`,
// the one tensor a model body holds without the batch (docs/language.md).
//
//===----------------------------------------------------------------------===//

#include "Rows.h"

using namespace nnc;
using namespace nnc::detail;
using namespace nnc::rows;
using namespace mlir;

namespace {

Value concat(MLIRGenImpl &g, const CallExprAST &call) {
  auto *list = dyn_cast_or_null<ListExprAST>(call.getArg("inputs"));
  if (!list) {
    g.error(call.loc(), "'" + call.callee + "' cannot be used as a value here");
    return {};
  }
  SmallVector<Value> inputs;
  for (const ExprPtr &element : list->elements) {
    Value v = g.emitExpr(*element);
    if (!v)
      return {};
    inputs.push_back(v);
  }
  auto axis = g.intArg(call, "axis");
  if (!axis || inputs.empty())
    return {};
  return g.build1<nn::ConcatOp>(
      call.loc(), "concat", inputs,
      {i64Attr(g, "axis", resolveAxis(*axis, shapeOf(inputs[0]).size()))});
}

/// `min(a, b)`, `max(a, b)`: elementwise, broadcasting like `+`.
template <typename BinaryOp>
Value binary(MLIRGenImpl &g, const CallExprAST &call) {
  const ExprAST *a = call.getArg("a"), *b = call.getArg("b");
  Value lhs = a ? g.emitExpr(*a) : Value();
  Value rhs = lhs && b ? g.emitExpr(*b) : Value();
  if (!rhs)
    return {};
  return g.build1<BinaryOp>(call.loc(), call.callee, {lhs, rhs});
}

/// `parameter(...)` anywhere but bound to a name of its own.
Value unboundParameter(MLIRGenImpl &g, const CallExprAST &call) {
  g.error(call.loc(), "parameter(...) must be bound to a name of its own "
                      "(`scale = parameter(16)`), which names it in "
                      "checkpoints; then use that name");
  return {};
}

/// A learned (or, with `trainable = false`, loaded but never updated) tensor
/// of the given dimensions, without the batch: it broadcasts over the batch
/// in `+ - *`, `min` and `max` like a bias, right-aligned. Its name is the
/// binding's, under the block prefix; the weight penalties skip it.
Value parameter(MLIRGenImpl &g, const CallExprAST &call, const StmtAST &stmt) {
  if (stmt.kind == StmtAST::Output) {
    g.error(call.loc(), "an output carries the batch N first; a parameter has "
                        "none (bind it, `" +
                            stmt.name +
                            "_p = parameter(...)`, and use it in "
                            "an expression)");
    return {};
  }
  auto dims = intList(g, call, "shape");
  auto trainable = g.boolArg(call, "trainable");
  if (!dims || !trainable)
    return {};
  if (llvm::is_contained(*dims, int64_t(-1))) {
    g.error(call.loc(), "a parameter has no batch dimension: write its other "
                        "dimensions only (parameter(16) broadcasts over "
                        "f32[N, ..., 16] like a bias)");
    return {};
  }
  return g.paramFromInit(call, stmt.name, *dims, /*penalised=*/false,
                         *trainable ? nn::ParamRole::weight
                                    : nn::ParamRole::buffer);
}

/// `matmul(a, b)`: the product of the last two dimensions of two activations
/// of rank 3 or 4 whose leading dimensions (the batch N first) agree, so the
/// batch is never a matrix dimension.
Value matmul(MLIRGenImpl &g, const CallExprAST &call) {
  const ExprAST *a = call.getArg("a"), *b = call.getArg("b");
  Value lhs = a ? g.emitExpr(*a) : Value();
  Value rhs = lhs && b ? g.emitExpr(*b) : Value();
  auto ta = g.boolArg(call, "transpose_a"), tb = g.boolArg(call, "transpose_b");
  if (!rhs || !ta || !tb)
    return {};
  auto lt = cast<RankedTensorType>(lhs.getType());
  auto rt = cast<RankedTensorType>(rhs.getType());
  if (lt.getRank() < 3 || lt.getRank() > 4 || rt.getRank() != lt.getRank() ||
      lt.getShape().drop_back(2) != rt.getShape().drop_back(2)) {
    g.error(call.loc(), "matmul multiplies the last two dimensions of two "
                        "tensors of rank 3 or 4 with the same leading "
                        "dimensions ([N, M, K] x [N, K, P]; the batch N is "
                        "never a matrix dimension), got " +
                            dslTypeString(lt) + " and " + dslTypeString(rt));
    return {};
  }
  return g.build1<nn::MatmulOp>(
      call.loc(), "matmul", {lhs, rhs},
      {boolAttr(g, "transpose_lhs", *ta), boolAttr(g, "transpose_rhs", *tb)});
}

} // namespace

std::vector<BuiltinSpec> rows::functions() {
  BuiltinSpec parameterRow = function(
      "parameter",
      {param("shape", PT_Dim).range(1, kMaxInt).many(),
       param("init", 0, "zeros").call(BuiltinKind::Init),
       flag("trainable", "true")},
      "a tensor of the given dims without the batch, named after its "
      "binding (`scale = parameter(16, init = ones)`); broadcasts over "
      "the batch in + - * min max; trainable = false: loaded, never "
      "updated",
      unboundParameter);
  parameterRow.emitBinding = parameter;
  return {
      function("concat", {tensor("inputs").many(), axis("-1")},
               "concatenate tensors along an axis", concat),
      function("min", {tensor("a"), tensor("b")},
               "elementwise minimum, broadcasting like +; on a tie the "
               "gradient is split half and half",
               binary<nn::MinimumOp>),
      function("max", {tensor("a"), tensor("b")},
               "elementwise maximum, broadcasting like +; on a tie the "
               "gradient is split half and half",
               binary<nn::MaximumOp>),
      parameterRow,
      function("matmul",
               {tensor("a"), tensor("b"), flag("transpose_a", "false"),
                flag("transpose_b", "false")},
               "batched matrix product of two tensors of rank 3 or 4: [N, "
               "..., M, K] x [N, ..., K, P] -> [N, ..., M, P]",
               matmul),
  };
}
