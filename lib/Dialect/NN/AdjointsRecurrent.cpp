//===- AdjointsRecurrent.cpp - adjoints of rnn, lstm, gru; attention ------===//
//
// `buildAdjoint` of the sequence layers. The recurrent layers emit their
// backpropagation-through-time op (`nn.rnn_backward`, `nn.lstm_backward`,
// `nn.gru_backward`), which reuses the forward result (every hidden state)
// and yields all five operand gradients at once. Self-attention is
// differentiated by decomposition and has no adjoint of its own:
// `decompose` builds the layer from differentiable nn ops (dense, slice,
// reshape, transpose, scale, matmul, an additive -inf causal mask, softmax),
// which nnc-autodiff differentiates in its place, so that the forward is
// computed once.
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

/// The layer as differentiable nn ops (dense, slice, reshape, transpose,
/// scale, matmul, an additive -inf causal mask, softmax): q is scaled by
/// 1/sqrt(D/heads) before its product with k (half the elements of the
/// scores, and PyTorch's order), the rest is Attention.cpp's forward.
FailureOr<Value> SelfAttentionOp::decompose(OpBuilder &b) {
  Location loc = getLoc();
  AdjointBuilder ab(b, loc);
  auto xType = tensorType(getInput());
  int64_t steps = xType.getDimSize(1), dModel = xType.getDimSize(2);
  int64_t heads = getHeads(), dHead = dModel / heads;
  Value qkv =
      b.create<DenseOp>(loc, getInput(), getInProjWeight(), getInProjBias());
  auto headsOf = [&](int64_t part) -> Value {
    Value v = b.create<SliceOp>(loc, qkv, 2, part * dModel, dModel);
    v = b.create<ReshapeOp>(loc, v, ArrayRef<int64_t>{-1, steps, heads, dHead});
    return b.create<TransposeOp>(loc, v, ArrayRef<int64_t>{0, 2, 1, 3});
  };
  Value q = ab.scale(headsOf(0), 1.0 / std::sqrt(double(dHead)));
  Value k = headsOf(1), v = headsOf(2);
  Value scores = b.create<MatmulOp>(loc, q, k, false, true);
  if (getCausal()) {
    auto maskType = RankedTensorType::get({steps, steps}, b.getF32Type());
    SmallVector<float> mask(steps * steps, 0.0f);
    for (int64_t i = 0; i < steps; ++i)
      for (int64_t j = i + 1; j < steps; ++j)
        mask[i * steps + j] = -std::numeric_limits<float>::infinity();
    Value maskValue = b.create<ConstantOp>(
        loc, maskType, DenseElementsAttr::get(maskType, ArrayRef(mask)));
    scores = ab.add(scores, maskValue);
  }
  Value probs = b.create<SoftmaxOp>(loc, scores, 3);
  Value o = b.create<MatmulOp>(loc, probs, v, false, false);
  o = b.create<TransposeOp>(loc, o, ArrayRef<int64_t>{0, 2, 1, 3});
  o = b.create<ReshapeOp>(loc, o, ArrayRef<int64_t>{-1, steps, dModel});
  return Value(b.create<DenseOp>(loc, o, getOutProjWeight(), getOutProjBias()));
}
