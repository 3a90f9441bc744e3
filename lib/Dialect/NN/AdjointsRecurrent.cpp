//===- AdjointsRecurrent.cpp - adjoints of rnn, lstm, gru, attention ------===//
//
// `buildAdjoint` of the sequence layers. The recurrent layers emit their
// backpropagation-through-time op (`nn.rnn_backward`, `nn.lstm_backward`,
// `nn.gru_backward`), which reuses the forward result (every hidden state)
// and yields all five operand gradients at once. Self-attention is
// differentiated by decomposition: `decompose` builds the layer from
// differentiable nn ops (dense, slice, reshape, transpose, scale, matmul,
// an additive -inf causal mask, softmax), which nnc-autodiff differentiates
// in its place, so that the forward is computed once; the adjoint (for a
// caller that keeps the op) rebuilds them and runs a local reverse sweep
// over them through their own adjoints.
//
//===----------------------------------------------------------------------===//

#include "AdjointUtils.h"

#include <cmath>
#include <limits>

using namespace mlir;
using namespace mlir::nn;

/// Emits the BPTT op `BackwardOp` of a recurrent layer and appends its five
/// results as the operand gradients.
template <typename BackwardOp, typename OpTy>
static void recurrentAdjoint(OpTy op, OpBuilder &b, Value g,
                             ArrayRef<NamedAttribute> attrs,
                             SmallVectorImpl<Value> &grads) {
  SmallVector<Value> operands = {g,           op.getInput(), op.getResult(),
                                 op.getWIh(), op.getWHh(),   op.getBIh(),
                                 op.getBHh()};
  SmallVector<Type> types = {op.getInput().getType(), op.getWIh().getType(),
                             op.getWHh().getType(), op.getBIh().getType(),
                             op.getBHh().getType()};
  auto backward = b.create<BackwardOp>(op.getLoc(), types, operands, attrs);
  grads.append(backward->result_begin(), backward->result_end());
}

LogicalResult RnnOp::buildAdjoint(OpBuilder &b, ArrayRef<Value> resultGrads,
                                  SmallVectorImpl<Value> &grads) {
  NamedAttribute act(b.getStringAttr("nonlinearity"), getNonlinearityAttr());
  recurrentAdjoint<RnnBackwardOp>(*this, b, resultGrads[0], {act}, grads);
  return success();
}

LogicalResult LstmOp::buildAdjoint(OpBuilder &b, ArrayRef<Value> resultGrads,
                                   SmallVectorImpl<Value> &grads) {
  recurrentAdjoint<LstmBackwardOp>(*this, b, resultGrads[0], {}, grads);
  return success();
}

LogicalResult GruOp::buildAdjoint(OpBuilder &b, ArrayRef<Value> resultGrads,
                                  SmallVectorImpl<Value> &grads) {
  NamedAttribute lbr(b.getStringAttr("linear_before_reset"),
                     getLinearBeforeResetAttr());
  recurrentAdjoint<GruBackwardOp>(*this, b, resultGrads[0], {lbr}, grads);
  return success();
}

/// Reverse sweep over `ops` (built in forward order): seeds `output` with
/// `seed` and returns the accumulated gradient of each of `wanted` (null
/// where none reaches it).
static FailureOr<SmallVector<Value>>
localReverseSweep(AdjointBuilder &ab, ArrayRef<Operation *> ops, Value output,
                  Value seed, ArrayRef<Value> wanted) {
  DenseMap<Value, Value> grad;
  grad[output] = seed;
  for (Operation *op : llvm::reverse(ops)) {
    SmallVector<Value> resultGrads;
    bool any = false;
    for (Value r : op->getResults()) {
      resultGrads.push_back(grad.lookup(r));
      any |= bool(resultGrads.back());
    }
    if (!any)
      continue;
    auto adjoint = cast<AdjointOpInterface>(op);
    SmallVector<Value> operandGrads;
    if (failed(adjoint.buildAdjoint(ab.builder(), resultGrads, operandGrads)))
      return failure();
    for (auto [operand, g] : llvm::zip(op->getOperands(), operandGrads)) {
      if (!g)
        continue;
      Value &slot = grad[operand];
      slot = slot ? ab.add(slot, g) : g;
    }
  }
  SmallVector<Value> result;
  for (Value v : wanted)
    result.push_back(grad.lookup(v));
  return result;
}

/// The layer as differentiable nn ops (dense, slice, reshape, transpose,
/// scale, matmul, an additive -inf causal mask, softmax), each op appended
/// to `ops` when given: q is scaled by 1/sqrt(D/heads) before its product
/// with k (half the elements of the scores, and PyTorch's order), the rest
/// is Attention.cpp's forward.
static Value buildAttention(SelfAttentionOp op, OpBuilder &b,
                            SmallVectorImpl<Operation *> *ops) {
  Location loc = op.getLoc();
  AdjointBuilder ab(b, loc);
  auto xType = tensorType(op.getInput());
  int64_t steps = xType.getDimSize(1), dModel = xType.getDimSize(2);
  int64_t heads = op.getHeads(), dHead = dModel / heads;
  auto record = [&](Value v) {
    if (ops)
      ops->push_back(v.getDefiningOp());
    return v;
  };
  Value qkv = record(b.create<DenseOp>(loc, op.getInput(), op.getInProjWeight(),
                                       op.getInProjBias()));
  auto headsOf = [&](int64_t part) {
    Value v = record(b.create<SliceOp>(loc, qkv, 2, part * dModel, dModel));
    v = record(b.create<ReshapeOp>(loc, v,
                                   ArrayRef<int64_t>{-1, steps, heads, dHead}));
    return record(b.create<TransposeOp>(loc, v, ArrayRef<int64_t>{0, 2, 1, 3}));
  };
  Value q = record(ab.scale(headsOf(0), 1.0 / std::sqrt(double(dHead))));
  Value k = headsOf(1), v = headsOf(2);
  Value scores = record(b.create<MatmulOp>(loc, q, k, false, true));
  if (op.getCausal()) {
    auto maskType = RankedTensorType::get({steps, steps}, b.getF32Type());
    SmallVector<float> mask(steps * steps, 0.0f);
    for (int64_t i = 0; i < steps; ++i)
      for (int64_t j = i + 1; j < steps; ++j)
        mask[i * steps + j] = -std::numeric_limits<float>::infinity();
    Value maskValue = b.create<ConstantOp>(
        loc, maskType, DenseElementsAttr::get(maskType, ArrayRef(mask)));
    scores = record(ab.add(scores, maskValue));
  }
  Value probs = record(b.create<SoftmaxOp>(loc, scores, 3));
  Value o = record(b.create<MatmulOp>(loc, probs, v, false, false));
  o = record(b.create<TransposeOp>(loc, o, ArrayRef<int64_t>{0, 2, 1, 3}));
  o = record(b.create<ReshapeOp>(loc, o, ArrayRef<int64_t>{-1, steps, dModel}));
  return record(
      b.create<DenseOp>(loc, o, op.getOutProjWeight(), op.getOutProjBias()));
}

FailureOr<Value> SelfAttentionOp::decompose(OpBuilder &b) {
  return buildAttention(*this, b, /*ops=*/nullptr);
}

LogicalResult SelfAttentionOp::buildAdjoint(OpBuilder &b,
                                            ArrayRef<Value> resultGrads,
                                            SmallVectorImpl<Value> &grads) {
  AdjointBuilder ab(b, getLoc());
  SmallVector<Operation *> ops;
  Value y = buildAttention(*this, b, &ops);
  FailureOr<SmallVector<Value>> result =
      localReverseSweep(ab, ops, y, resultGrads[0],
                        {getInput(), getInProjWeight(), getInProjBias(),
                         getOutProjWeight(), getOutProjBias()});
  if (failed(result))
    return failure();
  grads.append(result->begin(), result->end());
  return success();
}
