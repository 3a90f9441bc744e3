//===- TensorOps.cpp - shape ops and reductions ---------------------------===//
//
// The rows of the parameter-free tensor ops applied with `->`: flatten,
// reshape, transpose, mean, sum and last.
//
//===----------------------------------------------------------------------===//

#include "Rows.h"

using namespace nnc;
using namespace nnc::detail;
using namespace nnc::rows;
using namespace mlir;

namespace {

/// flatten(start = 1) is nn.flatten; a later start keeps axes 1 .. start-1
/// and is the nn.reshape to [N, d1, ..., d(start-1), d(start) * ...].
Value flatten(MLIRGenImpl &g, const CallExprAST &call, Value x) {
  auto start = g.intArg(call, "start");
  if (!start)
    return {};
  if (*start == 1)
    return g.build1<nn::FlattenOp>(call.loc(), "flatten", x);
  std::string form = "(start = " + std::to_string(*start) +
                     " merges the axes from " + std::to_string(*start) + " on)";
  if (!g.expectRank(call, x, *start + 1, 8, form))
    return {};
  ArrayRef<int64_t> shape = shapeOf(x);
  SmallVector<int64_t> target = {-1};
  int64_t merged = 1;
  for (int64_t d = 1; d < int64_t(shape.size()); ++d) {
    if (d < *start)
      target.push_back(shape[d]);
    else
      merged *= shape[d];
  }
  target.push_back(merged);
  return g.build1<nn::ReshapeOp>(call.loc(), "flatten", x,
                                 {arrayAttr(g, "shape", target)});
}

/// An op whose integer-list attribute `name` is the argument of that name.
template <typename ListOp>
Value withIntList(MLIRGenImpl &g, const CallExprAST &call, Value x,
                  StringRef name) {
  auto values = intList(g, call, name);
  if (!values)
    return {};
  return g.build1<ListOp>(call.loc(), call.callee, x,
                          {arrayAttr(g, name, *values)});
}

Value reshape(MLIRGenImpl &g, const CallExprAST &call, Value x) {
  return withIntList<nn::ReshapeOp>(g, call, x, "shape");
}

Value transpose(MLIRGenImpl &g, const CallExprAST &call, Value x) {
  return withIntList<nn::TransposeOp>(g, call, x, "perm");
}

template <typename ReduceOp>
Value reduce(MLIRGenImpl &g, const CallExprAST &call, Value x) {
  auto axis = g.intArg(call, "axis");
  auto keep = g.boolArg(call, "keepdims");
  if (!axis || !keep)
    return {};
  int64_t resolved = resolveAxis(*axis, shapeOf(x).size());
  return g.build1<ReduceOp>(
      call.loc(), call.callee, x,
      {arrayAttr(g, "axes", {resolved}), boolAttr(g, "keepdim", *keep)});
}

Value last(MLIRGenImpl &g, const CallExprAST &call, Value x) {
  return g.build1<nn::LastOp>(call.loc(), "last", x);
}

} // namespace

std::vector<BuiltinSpec> rows::tensorOps() {
  return {
      stageOp("flatten", {param("start", PT_Int, "1").range(1, 7)},
              "[N, d1, ..., dk, ...] -> [N, d1, ..., d(k-1), dk*...] from "
              "axis k = start (torch.flatten(x, start); 1: [N, d1*d2*...])",
              flatten),
      stageOp("reshape", {param("shape", PT_Dim).range(1, kMaxInt).many()},
              "reshape to the given dims (N for the batch)", reshape),
      stageOp("transpose", {param("perm", PT_Int).range(0, 7).many()},
              "permute the axes (axis 0 is the batch)", transpose),
      stageOp("mean", {axis(), flag("keepdims", "false")}, "mean over an axis",
              reduce<nn::ReduceMeanOp>),
      stageOp("sum", {axis(), flag("keepdims", "false")}, "sum over an axis",
              reduce<nn::ReduceSumOp>),
      stageOp("last", {}, "last step of a sequence: [N, T, d] -> [N, d]", last),
  };
}
