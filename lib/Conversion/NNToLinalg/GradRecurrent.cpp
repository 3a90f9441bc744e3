//===- GradRecurrent.cpp - BPTT of rnn, lstm and gru to scf.for + linalg --===//
//
// Lowers `rnn_backward`, `lstm_backward` and `gru_backward`
// (backpropagation through time). With the forward result hs [N, T, H] as an
// operand, nothing recurrent has to be replayed for the gates:
//  1. hprev = hs shifted one step (zero at t = 0); the input and hidden
//     projections of all steps are two dense products ([N*T, .] matmuls),
//     or, for an LSTM or GRU whose forward stored them (`preactivations`,
//     from nn.lstm_with_gates or nn.gru_with_gates), read (an LSTM's
//     gates activated, as the forward stores them, recomputed ones too; a
//     GRU's stored r, z and n activated, its recomputed ones as sums);
//     the LSTM's cell states are the stored tensor's last block, or else
//     recomputed with an elementwise `scf.for` scan;
//  2. an `scf.for` over the steps in reverse carries dh (and the LSTM's dc):
//     one generic per step turns dh = grad_t + dh_next into the gradients of
//     the gate pre-activations (written in place into [N, T, G*H] tensors,
//     whose rows another adds to the carried bias gradients),
//     and `linalg.matmul` with W_hh gives the next dh (GRU accumulates onto
//     its direct term dh * z);
//  3. the weight gradients are matmuls over all steps afterwards:
//     dW_ih = dA_x^T X, dW_hh = dA_h^T Hprev, dx = dA_x W_ih (the biases'
//     sums over (N, T) come from step 2). dA_h = dA_x except for GRU's n
//     gate (r * dA_n).
// A GRU with `linear_before_reset = false` (n = tanh(a_n + W_hn (r h) +
// b_hn)) recomputes r h and its product with W_hn over all steps in step 1;
// each reverse step then takes dA_z and dA_n in one generic, d(r h) =
// dA_n W_hn with a second `linalg.matmul`, dA_r and the direct term
// dh z + d(r h) r in another generic, and dh_{t-1} from the r and z rows of
// W_hh only. There dA_h = dA_x for every gate, and dW_hh is dA_r,z^T Hprev
// stacked over dA_n^T (r Hprev).
//
//===----------------------------------------------------------------------===//

#include "LoweringUtils.h"
#include "nnc/Conversion/NNToLinalg/NNToLinalg.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"

using namespace mlir;
using namespace nnc::lowering;

namespace {

enum class Cell { Rnn, Lstm, Gru };

/// Scalar helpers inside generic bodies.
struct Scalar {
  OpBuilder &b;
  Location l;
  Value add(Value x, Value y) { return b.create<arith::AddFOp>(l, x, y); }
  Value sub(Value x, Value y) { return b.create<arith::SubFOp>(l, x, y); }
  Value mul(Value x, Value y) { return b.create<arith::MulFOp>(l, x, y); }
  Value one() { return f32Const(b, l, 1); }
  Value sigmoid(Value x) {
    Value e = b.create<math::ExpOp>(l, b.create<arith::NegFOp>(l, x));
    return b.create<arith::DivFOp>(l, one(), add(one(), e));
  }
  Value tanh(Value x) { return b.create<math::TanhOp>(l, x); }
  /// s (1 - s): the derivative of a sigmoid through its value.
  Value dSigmoid(Value s) { return mul(s, sub(one(), s)); }
  /// 1 - t^2: the derivative of tanh through its value.
  Value dTanh(Value t) { return sub(one(), mul(t, t)); }
};

/// `seq` [N, T, X] shifted one step later: out[:, t] = seq[:, t - 1], zero
/// at t = 0.
Value shiftSteps(OpBuilder &b, Location loc, Value seq) {
  auto type = cast<RankedTensorType>(seq.getType());
  return parallelGeneric(
      b, loc, emptyWithBatch(b, loc, type, seq), {}, {},
      [&](OpBuilder &nb, Location l, ValueRange) {
        Value t = nb.create<linalg::IndexOp>(l, 1);
        Value prev = nb.create<arith::MaxSIOp>(
            l, nb.create<arith::SubIOp>(l, t, indexConst(nb, l, 1)),
            indexConst(nb, l, 0));
        Value read = nb.create<tensor::ExtractOp>(
            l, seq,
            ValueRange{nb.create<linalg::IndexOp>(l, 0), prev,
                       nb.create<linalg::IndexOp>(l, 2)});
        Value first = nb.create<arith::CmpIOp>(l, arith::CmpIPredicate::eq, t,
                                               indexConst(nb, l, 0));
        return nb.create<arith::SelectOp>(l, first, f32Const(nb, l, 0), read);
      });
}

/// Writes the matrix `src` into rows [row, ...) of the matrix `dest`.
Value insertRows(OpBuilder &b, Location l, Value src, Value dest, int64_t row) {
  SmallVector<OpFoldResult> offsets = {b.getIndexAttr(row), b.getIndexAttr(0)};
  SmallVector<OpFoldResult> sizes = getSizes(b, l, src);
  SmallVector<OpFoldResult> strides(2, b.getIndexAttr(1));
  return b.create<tensor::InsertSliceOp>(l, src, dest, offsets, sizes, strides);
}

/// An elementwise generic over [N, W] with identity maps and one result per
/// init.
SmallVector<Value>
stepGeneric(OpBuilder &b, Location loc, ValueRange inputs, ValueRange inits,
            llvm::function_ref<SmallVector<Value>(Scalar &, ValueRange)> body) {
  AffineMap id = b.getMultiDimIdentityMap(2);
  SmallVector<AffineMap> maps(inputs.size() + inits.size(), id);
  SmallVector<utils::IteratorType> iters(2, utils::IteratorType::parallel);
  auto generic = b.create<linalg::GenericOp>(
      loc, inits.getTypes(), inputs, inits, maps, iters,
      [&](OpBuilder &nb, Location l, ValueRange a) {
        Scalar s{nb, l};
        nb.create<linalg::YieldOp>(l, body(s, a));
      });
  return SmallVector<Value>(generic.getResults());
}

/// Elementwise sum of two tensors of one type.
Value addTensors(OpBuilder &b, Location loc, Value x, Value y) {
  return broadcastElementwise(
      b, loc, cast<RankedTensorType>(x.getType()), {x, y},
      [](OpBuilder &nb, Location l, ValueRange a) -> Value {
        return nb.create<arith::AddFOp>(l, a[0], a[1]);
      });
}

template <typename OpTy, Cell cell>
struct RecurrentBackwardLowering : OpConversionPattern<OpTy> {
  using OpConversionPattern<OpTy>::OpConversionPattern;

  LogicalResult
  matchAndRewrite(OpTy op, typename OpTy::Adaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    OpBuilder &b = rewriter;
    Value g = adaptor.getGrad(), x = adaptor.getInput(),
          hs = adaptor.getOutput(), wih = adaptor.getWIh(),
          whh = adaptor.getWHh();
    auto xType = cast<RankedTensorType>(x.getType());
    int64_t steps = xType.getDimSize(1);
    int64_t hidden = cast<RankedTensorType>(whh.getType()).getDimSize(1);
    int64_t gates = OpTy::kGates, gh = gates * hidden;
    bool lbr = true;
    if constexpr (cell == Cell::Gru)
      lbr = op.getLinearBeforeReset();
    // GRU without lbr: the r and z rows of W_hh and b_hh act on h, the n
    // rows on r h.
    int64_t hGates = lbr ? gates : gates - 1;
    Value whhH = lbr ? whh : sliceDim(b, loc, whh, 0, 0, hGates * hidden);
    Value bhh = adaptor.getBHh();
    Value bhhH = lbr ? bhh : sliceDim(b, loc, bhh, 0, 0, hGates * hidden);
    Value batch = b.create<tensor::DimOp>(loc, x, 0);
    auto stateType =
        RankedTensorType::get({ShapedType::kDynamic, hidden}, b.getF32Type());
    auto seqType = RankedTensorType::get({ShapedType::kDynamic, steps, gh},
                                         b.getF32Type());

    // 1. Recomputed pre-activations, unless the forward stored them
    //    (nn.lstm_with_gates, nn.gru_with_gates).
    Value hprev = shiftSteps(b, loc, hs);
    Value ax, ah, a = adaptor.getPreactivations();
    bool stored = static_cast<bool>(a);
    if (!stored) {
      ax = dense(b, loc, x, wih, adaptor.getBIh());
      ah = dense(b, loc, hprev, whhH, bhhH);
      if (cell != Cell::Gru)
        a = addTensors(b, loc, ax, ah);
      // An LSTM's gates as nn.lstm_with_gates stores them: activated.
      if (cell == Cell::Lstm)
        a = activateGates(b, loc, a, hidden);
    }
    // GRU's reset gate over all steps: stored (activated), or the two
    // projections' r columns (their sum activated in a generic).
    auto resetTerms = [&](auto slice) -> SmallVector<Value> {
      if (stored)
        return {slice(a, 0)};
      return {slice(ax, 0), slice(ah, 0)};
    };
    // A sigmoid gate (r, z): stored activated, or of the sum of its terms.
    auto sigmoidGate = [stored](Scalar &s, ValueRange v, unsigned i) {
      return stored ? v[i] : s.sigmoid(s.add(v[i], v[i + 1]));
    };
    Value whn, rh, hn;
    if (!lbr) {
      whn = sliceDim(b, loc, whh, 0, hGates * hidden, hidden);
      SmallVector<Value> inputs = resetTerms([&](Value seq, int64_t k) {
        return sliceDim(b, loc, seq, 2, k * hidden, hidden);
      });
      inputs.push_back(hprev);
      size_t h = inputs.size() - 1;
      rh = broadcastElementwise(
          b, loc, cast<RankedTensorType>(hprev.getType()), inputs,
          [&](OpBuilder &nb, Location l, ValueRange v) -> Value {
            Scalar s{nb, l};
            return s.mul(sigmoidGate(s, v, 0), v[h]);
          });
      // The hidden term of n, W_hn (r h) + b_hn: the stored tensor's last
      // block.
      if (!stored)
        hn = dense(b, loc, rh, whn,
                   sliceDim(b, loc, bhh, 0, hGates * hidden, hidden));
    }
    Value cs, cprev;
    if constexpr (cell == Cell::Lstm) {
      // The cell states: stored after the gates (nn.lstm_with_gates), or
      // rescanned from the recomputed pre-activations.
      cs = stored ? sliceDim(b, loc, a, 2, 4 * hidden, hidden)
                  : cellScan(b, loc, a, batch, steps, hidden);
      cprev = shiftSteps(b, loc, cs);
    }

    // 2. The reverse sweep.
    auto zeros = [&](OpBuilder &zb, Location l) {
      return fill(zb, l, zb.create<tensor::EmptyOp>(l, stateType, batch), 0);
    };
    SmallVector<Value> iterArgs = {
        zeros(b, loc), b.create<tensor::EmptyOp>(loc, seqType, batch)};
    if (cell == Cell::Lstm)
      iterArgs.push_back(zeros(b, loc));
    if (cell == Cell::Gru)
      iterArgs.push_back(
          lbr ? b.create<tensor::EmptyOp>(loc, seqType, batch).getResult()
              : b.create<tensor::EmptyOp>(loc, stateType, batch).getResult());
    // The bias gradients, summed step by step while the step's rows are in
    // the cache (a pass over [N, T, G*H] after the loop read them back from
    // memory: 0.25 ms each for fashion_gru's two): dA_x, and for a GRU with
    // lbr dA_h. Their own buffers (alloc_tensor: two zero fills of one
    // empty tensor would be one value).
    auto biasType = RankedTensorType::get({gates * hidden}, b.getF32Type());
    auto zeroBias = [&]() {
      return fill(
          b, loc,
          b.create<bufferization::AllocTensorOp>(loc, biasType, ValueRange{}),
          0);
    };
    unsigned biasArg = iterArgs.size();
    bool hBias = cell == Cell::Gru && lbr;
    iterArgs.push_back(zeroBias());
    if (hBias)
      iterArgs.push_back(zeroBias());
    auto loop = b.create<scf::ForOp>(
        loc, indexConst(b, loc, 0), indexConst(b, loc, steps),
        indexConst(b, loc, 1), iterArgs,
        [&](OpBuilder &lb, Location l, Value i, ValueRange args) {
          Value t =
              lb.create<arith::SubIOp>(l, indexConst(lb, l, steps - 1), i);
          auto slice = [&](Value seq, int64_t k) {
            return stepSlice(lb, l, seq, t, k * hidden, hidden, batch);
          };
          Value dh = args[0], daX = args[1];
          SmallVector<Value> inputs = {slice(g, 0), dh};
          SmallVector<Value> inits;
          for (int64_t k = 0; k < gates; ++k)
            inits.push_back(slice(daX, k));
          SmallVector<Value> yields;
          Value daH, direct;
          if constexpr (cell == Cell::Rnn) {
            inputs.push_back(slice(hs, 0));
            bool relu = op.getNonlinearity() == nn::Nonlinearity::relu;
            SmallVector<Value> r = stepGeneric(
                lb, l, inputs, inits,
                [&](Scalar &s, ValueRange v) -> SmallVector<Value> {
                  Value d = s.add(v[0], v[1]), h = v[2];
                  if (!relu)
                    return {s.mul(d, s.dTanh(h))};
                  Value pos = s.b.create<arith::CmpFOp>(
                      s.l, arith::CmpFPredicate::OGT, h, f32Const(s.b, s.l, 0));
                  return {s.b.create<arith::SelectOp>(s.l, pos, d,
                                                      f32Const(s.b, s.l, 0))};
                });
            daX = insertStep(lb, l, r[0], daX, t, 0, batch);
          } else if constexpr (cell == Cell::Lstm) {
            for (int64_t k = 0; k < 4; ++k)
              inputs.push_back(slice(a, k));
            inputs.append({args[2], slice(cs, 0), slice(cprev, 0)});
            // dc_prev overwrites dc_next elementwise: the loop's own buffer.
            inits.push_back(args[2]);
            SmallVector<Value> r = stepGeneric(
                lb, l, inputs, inits,
                [&](Scalar &s, ValueRange v) -> SmallVector<Value> {
                  Value d = s.add(v[0], v[1]);
                  // The gates' activations (nn.lstm_with_gates).
                  Value ig = v[2], fg = v[3], gg = v[4], og = v[5];
                  Value dcNext = v[6], c = v[7], cp = v[8];
                  Value tc = s.tanh(c);
                  Value dc = s.add(dcNext, s.mul(s.mul(d, og), s.dTanh(tc)));
                  return {s.mul(s.mul(dc, gg), s.dSigmoid(ig)),
                          s.mul(s.mul(dc, cp), s.dSigmoid(fg)),
                          s.mul(s.mul(dc, ig), s.dTanh(gg)),
                          s.mul(s.mul(d, tc), s.dSigmoid(og)), s.mul(dc, fg)};
                });
            for (int64_t k = 0; k < 4; ++k)
              daX = insertStep(lb, l, r[k], daX, t, k * hidden, batch);
            yields.push_back(r[4]);
          } else if (!lbr) {
            // dA_z, dA_n and the direct term dh z, then d(r h) = dA_n W_hn
            // into the loop's scratch buffer, then dA_r and dh z + d(r h) r.
            // z, n and n's hidden term: stored (z and n activated), or
            // ax_z + ah_z, ax_n and the recomputed W_hn (r h) + b_hn.
            if (stored)
              inputs.append({slice(a, 1), slice(a, 2), slice(a, 3)});
            else
              inputs.append(
                  {slice(ax, 1), slice(ah, 1), slice(ax, 2), slice(hn, 0)});
            inputs.push_back(slice(hprev, 0));
            inits = {slice(daX, 1), slice(daX, 2), dh};
            SmallVector<Value> zn = stepGeneric(
                lb, l, inputs, inits,
                [&](Scalar &s, ValueRange v) -> SmallVector<Value> {
                  Value d = s.add(v[0], v[1]);
                  unsigned n = stored ? 3 : 4;
                  Value zg = sigmoidGate(s, v, 2);
                  Value ng = stored ? v[n] : s.tanh(s.add(v[n], v[n + 1]));
                  Value hp = v[n + 2];
                  Value dan = s.mul(s.mul(d, s.sub(s.one(), zg)), s.dTanh(ng));
                  Value daz = s.mul(s.mul(d, s.sub(hp, ng)), s.dSigmoid(zg));
                  return {daz, dan, s.mul(d, zg)};
                });
            Value drh = lb.create<linalg::MatmulOp>(
                              l, TypeRange{stateType}, ValueRange{zn[1], whn},
                              ValueRange{fill(lb, l, args[2], 0)})
                            .getResult(0);
            SmallVector<Value> rdInputs = {drh, slice(hprev, 0)};
            rdInputs.append(resetTerms(slice));
            SmallVector<Value> rd =
                stepGeneric(lb, l, rdInputs, {slice(daX, 0), zn[2]},
                            [&](Scalar &s, ValueRange v) -> SmallVector<Value> {
                              Value rg = sigmoidGate(s, v, 2);
                              Value direct = v[v.size() - 1];
                              return {s.mul(s.mul(v[0], v[1]), s.dSigmoid(rg)),
                                      s.add(direct, s.mul(v[0], rg))};
                            });
            daX = insertStep(lb, l, rd[0], daX, t, 0, batch);
            for (int64_t k = 1; k < 3; ++k)
              daX = insertStep(lb, l, zn[k - 1], daX, t, k * hidden, batch);
            direct = rd[1];
            yields.push_back(drh);
          } else {
            // r, z, n and n's hidden term: stored (r, z and n activated), or
            // ax_r + ah_r, ax_z + ah_z, ax_n and ah_n.
            if (stored) {
              for (int64_t k = 0; k < 4; ++k)
                inputs.push_back(slice(a, k));
            } else {
              inputs.append({slice(ax, 0), slice(ah, 0), slice(ax, 1),
                             slice(ah, 1), slice(ax, 2), slice(ah, 2)});
            }
            inputs.push_back(slice(hprev, 0));
            daH = args[2];
            for (int64_t k = 0; k < 3; ++k)
              inits.push_back(slice(daH, k));
            // The direct term dh z overwrites dh elementwise (same buffer).
            inits.push_back(dh);
            SmallVector<Value> r = stepGeneric(
                lb, l, inputs, inits,
                [&](Scalar &s, ValueRange v) -> SmallVector<Value> {
                  Value d = s.add(v[0], v[1]);
                  unsigned n = stored ? 4 : 6;
                  Value rg = sigmoidGate(s, v, 2);
                  Value zg = sigmoidGate(s, v, stored ? 3 : 4);
                  Value hn = v[n + 1], hp = v[n + 2];
                  Value ng = stored ? v[n] : s.tanh(s.add(v[n], s.mul(rg, hn)));
                  Value dan = s.mul(s.mul(d, s.sub(s.one(), zg)), s.dTanh(ng));
                  Value dar = s.mul(s.mul(dan, hn), s.dSigmoid(rg));
                  Value daz = s.mul(s.mul(d, s.sub(hp, ng)), s.dSigmoid(zg));
                  return {dar,         daz, dan, dar, daz, s.mul(dan, rg),
                          s.mul(d, zg)};
                });
            for (int64_t k = 0; k < 3; ++k) {
              daX = insertStep(lb, l, r[k], daX, t, k * hidden, batch);
              daH = insertStep(lb, l, r[3 + k], daH, t, k * hidden, batch);
            }
            direct = r[6];
          }
          // dh_{t-1} = dA_h,t W_hh (+ the direct term of GRU).
          // Accumulate into dh's own buffer (read above): the yielded value
          // stays equivalent to the loop argument, no allocation per step.
          Value acc = direct ? direct : fill(lb, l, dh, 0);
          Value daHt =
              stepSlice(lb, l, daH ? daH : daX, t, 0, hGates * hidden, batch);
          Value dhPrev = lb.create<linalg::MatmulOp>(l, TypeRange{stateType},
                                                     ValueRange{daHt, whhH},
                                                     ValueRange{acc})
                             .getResult(0);
          SmallVector<Value> all = {dhPrev, daX};
          all.append(yields);
          if (daH)
            all.push_back(daH);
          // acc[j] += sum_n dA[n, t, j], from the tensors just written.
          auto addRowSums = [&](Value seq, Value acc) {
            AffineExpr n, j;
            bindDims(lb.getContext(), n, j);
            Value rows = stepSlice(lb, l, seq, t, 0, gates * hidden, batch);
            return lb
                .create<linalg::GenericOp>(
                    l, TypeRange{biasType}, ValueRange{rows}, ValueRange{acc},
                    ArrayRef<AffineMap>{
                        AffineMap::get(2, 0, {n, j}, lb.getContext()),
                        AffineMap::get(2, 0, {j}, lb.getContext())},
                    ArrayRef<utils::IteratorType>{
                        utils::IteratorType::reduction,
                        utils::IteratorType::parallel},
                    [](OpBuilder &nb, Location nl, ValueRange a) {
                      nb.create<linalg::YieldOp>(
                          nl,
                          ValueRange{nb.create<arith::AddFOp>(nl, a[0], a[1])});
                    })
                .getResult(0);
          };
          all.push_back(addRowSums(daX, args[biasArg]));
          if (hBias)
            all.push_back(addRowSums(daH, args[biasArg + 1]));
          lb.create<scf::YieldOp>(l, all);
        });

    // 3. Gradients of the operands from all steps at once.
    Value daX = loop.getResult(1);
    Value daH = cell == Cell::Gru && lbr ? loop.getResult(2) : daX;
    Value daXFlat = collapseDims(b, loc, daX, 0, 2);
    Value daHFlat = collapseDims(b, loc, daH, 0, 2);
    Value dx = expandDim(b, loc, matmul(b, loc, daXFlat, wih), 0,
                         {ShapedType::kDynamic, steps});
    // dW_ih = dA_x^T X, [G*H, I]. With fewer input features than gate rows
    // (28 for an image's rows against 512), as (X^T dA_x)^T: the product's
    // columns, the vector lanes of its register tiles, are then the G*H
    // gate rows instead of the I features (fashion_lstm: a 16 + 12 column
    // tile at 51 GFLOP/s), and the transpose of the small result is cheap.
    Value xFlat = collapseDims(b, loc, x, 0, 2);
    Value dwih =
        xType.getDimSize(2) < gates * hidden
            ? transpose(
                  b, loc,
                  matmul(b, loc, transpose(b, loc, xFlat, {1, 0}), daXFlat),
                  {1, 0})
            : matmul(b, loc, transpose(b, loc, daXFlat, {1, 0}), xFlat);
    Value dwhh;
    if (lbr) {
      dwhh = matmul(b, loc, transpose(b, loc, daHFlat, {1, 0}),
                    collapseDims(b, loc, hprev, 0, 2));
    } else {
      // The r and z rows from Hprev, the n rows from r Hprev.
      auto rowsGrad = [&](int64_t first, int64_t count, Value in) {
        Value da = sliceDim(b, loc, daHFlat, 1, first * hidden, count * hidden);
        return matmul(b, loc, transpose(b, loc, da, {1, 0}),
                      collapseDims(b, loc, in, 0, 2));
      };
      Value whhGrad =
          b.create<tensor::EmptyOp>(loc, getSizes(b, loc, whh), b.getF32Type());
      dwhh = insertRows(b, loc, rowsGrad(0, hGates, hprev), whhGrad, 0);
      dwhh = insertRows(b, loc, rowsGrad(hGates, 1, rh), dwhh, hGates * hidden);
    }
    Value dbih = loop.getResult(biasArg);
    Value dbhh = hBias ? loop.getResult(biasArg + 1) : dbih;
    SmallVector<Value> results = {dx, dwih, dwhh, dbih, dbhh};
    for (auto [v, type] : llvm::zip(results, op->getResultTypes()))
      if (v.getType() != type)
        v = b.create<tensor::CastOp>(loc, type, v);
    rewriter.replaceOp(op, results);
    return success();
  }

  /// An LSTM's gate pre-activations `a` [N, T, 4H] activated: sigmoid of
  /// i, f and o, tanh of g.
  static Value activateGates(OpBuilder &b, Location loc, Value a,
                             int64_t hidden) {
    Value out = emptyWithBatch(b, loc, cast<RankedTensorType>(a.getType()), a);
    for (int64_t k = 0; k < 4; ++k) {
      Value block = sliceDim(b, loc, a, 2, k * hidden, hidden);
      Value act = unaryElementwise(
          b, loc, block, [k](OpBuilder &nb, Location l, ValueRange v) -> Value {
            Scalar s{nb, l};
            return k == 2 ? s.tanh(v[0]) : s.sigmoid(v[0]);
          });
      out = insertDim(b, loc, act, out, 2, k * hidden);
    }
    return out;
  }

  /// The LSTM cell states of every step, from the gates' activations `a`
  /// [N, T, 4H]: c_t = f c_{t-1} + i g, c_{-1} = 0.
  static Value cellScan(OpBuilder &b, Location loc, Value a, Value batch,
                        int64_t steps, int64_t hidden) {
    auto stateType =
        RankedTensorType::get({ShapedType::kDynamic, hidden}, b.getF32Type());
    auto seqType = RankedTensorType::get({ShapedType::kDynamic, steps, hidden},
                                         b.getF32Type());
    Value c0 =
        fill(b, loc, b.create<tensor::EmptyOp>(loc, stateType, batch), 0);
    Value cs0 = b.create<tensor::EmptyOp>(loc, seqType, batch);
    auto loop = b.create<scf::ForOp>(
        loc, indexConst(b, loc, 0), indexConst(b, loc, steps),
        indexConst(b, loc, 1), ValueRange{c0, cs0},
        [&](OpBuilder &lb, Location l, Value t, ValueRange args) {
          auto slice = [&](int64_t k) {
            return stepSlice(lb, l, a, t, k * hidden, hidden, batch);
          };
          SmallVector<Value> r = stepGeneric(
              lb, l, {slice(0), slice(1), slice(2), args[0]},
              {args[0], stepSlice(lb, l, args[1], t, 0, hidden, batch)},
              [](Scalar &s, ValueRange v) -> SmallVector<Value> {
                Value c = s.add(s.mul(v[1], v[3]), s.mul(v[0], v[2]));
                return {c, c};
              });
          Value cs = insertStep(lb, l, r[1], args[1], t, 0, batch);
          lb.create<scf::YieldOp>(l, ValueRange{r[0], cs});
        });
    return loop.getResult(1);
  }
};

} // namespace

void nnc::populateNNRecurrentGradPatterns(RewritePatternSet &patterns) {
  patterns.add<RecurrentBackwardLowering<nn::RnnBackwardOp, Cell::Rnn>,
               RecurrentBackwardLowering<nn::LstmBackwardOp, Cell::Lstm>,
               RecurrentBackwardLowering<nn::GruBackwardOp, Cell::Gru>>(
      patterns.getContext());
}
