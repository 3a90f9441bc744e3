//===- MLIRGenLayers.cpp - Builtin calls through their rows ---------------===//
//
// MLIRGen applies a builtin through its row (nnc/Frontend/Builtins.h): a
// pipeline stage through the row's StageEmitter, a call in value position
// through its CallEmitter. The emitters themselves live with their
// signatures in lib/Frontend/Builtins/, one file per family; this file holds
// the dispatch and the helpers they share.
//
//===----------------------------------------------------------------------===//

#include "Builtins/Rows.h"

using namespace nnc;
using namespace nnc::detail;
using namespace nnc::rows;
using namespace mlir;

/// The integers of a variadic argument (`reshape(N, 16, 49)`); `N` is -1.
std::optional<SmallVector<int64_t>>
nnc::detail::intList(MLIRGenImpl &g, const CallExprAST &call, StringRef name) {
  auto *list = dyn_cast_or_null<ListExprAST>(call.getArg(name));
  if (!list) {
    g.error(call.loc(), call.callee + " needs a list of integers");
    return std::nullopt;
  }
  SmallVector<int64_t> values;
  for (const ExprPtr &element : list->elements) {
    std::optional<ConstValue> v = g.evalConst(*element);
    if (v && v->kind == ConstValue::Ident && v->text == "N") {
      values.push_back(-1);
    } else if (v && v->kind == ConstValue::Int) {
      values.push_back(v->intValue);
    } else {
      g.error(element->loc(), "argument '" + name + "' of " + call.callee +
                                  " must be a list of integers");
      return std::nullopt;
    }
  }
  return values;
}

bool MLIRGenImpl::expectRank(const CallExprAST &call, Value input,
                             int64_t minRank, int64_t maxRank,
                             llvm::StringRef form, llvm::StringRef tooHigh) {
  int64_t rank = shapeOf(input).size();
  if (rank >= minRank && rank <= maxRank)
    return true;
  std::string phrase = minRank == maxRank
                           ? "a rank-" + std::to_string(minRank)
                           : "a rank " + std::to_string(minRank) + " to " +
                                 std::to_string(maxRank);
  error(call.loc(), call.callee + " expects " + phrase + " input " + form +
                        ", got " + dslTypeString(input.getType()) +
                        (rank > maxRank ? tooHigh : ""));
  return false;
}

Value MLIRGenImpl::emitStage(const CallExprAST &call, Value input) {
  if (call.builtinKind == BuiltinKind::Block)
    return emitBlock(call, input);
  if (!call.spec || !call.spec->emitStage) {
    error(call.loc(), "'" + call.callee + "' cannot be compiled yet");
    return {};
  }
  return call.spec->emitStage(*this, call, input);
}

Value MLIRGenImpl::emitFunctionCall(const CallExprAST &call) {
  if (!call.spec || !call.spec->emitCall) {
    error(call.loc(), "'" + call.callee + "' cannot be used as a value here");
    return {};
  }
  return call.spec->emitCall(*this, call);
}

Value rows::biasOrZeros(MLIRGenImpl &g, const CallExprAST &call, bool bias,
                        const std::string &name, int64_t size,
                        nn::InitKind init, std::optional<double> scale) {
  if (bias)
    return g.param(call.loc(), name, {size}, nn::ParamRole::bias, init, scale);
  auto type = RankedTensorType::get({size}, g.builder.getF32Type());
  return g.builder.create<nn::FillOp>(g.loc(call.loc()), type,
                                      g.builder.getF32FloatAttr(0.0f));
}
