//===- Recurrent.cpp - rnn, lstm and gru to scf.for + linalg --------------===//
//
// A recurrent layer becomes: the input projection of every step at once
// (one dense: transpose + matmul + bias on [N*T, I]), then an `scf.for`
// over the time steps carrying h (and c) and the [N, T, H] output. Each
// step multiplies h by the transposed W_hh with `linalg.matmul` into a
// zero-filled accumulator made in the step (b_hh joins b_ih in the input
// projection, but for GRU's b_hn, which sits inside its reset gate and
// enters the cell as a broadcast input), slices the gates (PyTorch order:
// LSTM i, f, g, o; GRU r, z, n) and combines them in one generic. The
// initial state is zero. A GRU with `linear_before_reset = false` (ONNX's
// default) multiplies h by the r and z rows only; a first generic forms r * h,
// a second matmul with W_hn^T gives the hidden term of n, and the combining
// generic adds it and b_hn unscaled. With `recurrent-batch-rows` (the
// CPU's form), the time loop runs once per chunk of that many batch rows,
// in an `scf.forall` over the chunks: the rows are independent through time,
// so the threads need not meet at every step.
//
//===----------------------------------------------------------------------===//

#include "LoweringUtils.h"
#include "nnc/Conversion/NNToLinalg/NNToLinalg.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"

using namespace mlir;
using namespace nnc::lowering;

namespace {

enum class Cell { Rnn, Lstm, Gru };

Value sigmoid(OpBuilder &b, Location l, Value x) {
  Value e = b.create<math::ExpOp>(l, b.create<arith::NegFOp>(l, x));
  return b.create<arith::DivFOp>(
      l, f32Const(b, l, 1), b.create<arith::AddFOp>(l, f32Const(b, l, 1), e));
}

/// Columns [k*H, (k+1)*H) of a [N, G*H] tensor.
Value gate(OpBuilder &b, Location loc, Value t, int64_t k, int64_t hidden) {
  SmallVector<OpFoldResult> sizes = getSizes(b, loc, t);
  sizes[1] = b.getIndexAttr(hidden);
  SmallVector<OpFoldResult> offsets = {b.getIndexAttr(0),
                                       b.getIndexAttr(k * hidden)};
  SmallVector<OpFoldResult> strides(2, b.getIndexAttr(1));
  return b.create<tensor::ExtractSliceOp>(loc, t, offsets, sizes, strides);
}

/// An elementwise generic over [N, H] with identity maps and several
/// results, initialised from `inits`.
SmallVector<Value> gateGeneric(
    OpBuilder &b, Location loc, ValueRange inputs, ValueRange inits,
    llvm::function_ref<SmallVector<Value>(OpBuilder &, Location, ValueRange)>
        body) {
  AffineMap id = b.getMultiDimIdentityMap(2);
  SmallVector<AffineMap> maps(inputs.size() + inits.size(), id);
  SmallVector<utils::IteratorType> iters(2, utils::IteratorType::parallel);
  auto generic = b.create<linalg::GenericOp>(
      loc, inits.getTypes(), inputs, inits, maps, iters,
      [&](OpBuilder &nb, Location l, ValueRange a) {
        nb.create<linalg::YieldOp>(l, body(nb, l, a));
      });
  return SmallVector<Value>(generic.getResults());
}

/// An `scf.forall` over chunks of `rows` rows of the batch (`batch` rows in
/// all, the last chunk shorter) whose shared outputs are `outs` ([N, ...]
/// each): chunk i's rows of the outputs are `body(b, chunkRows, rowsOf,
/// chunkOuts)`, where `rowsOf(t)` slices the chunk's rows of any [N, ...]
/// tensor and `chunkOuts` are those of `outs`. nnc-distribute-ops leaves
/// what is inside a forall alone; the chunks depend on the batch only, so
/// the results are the same bits for any thread count.
SmallVector<Value> forAllRowChunks(
    OpBuilder &b, Location loc, Value batch, int64_t rows, ValueRange outs,
    llvm::function_ref<SmallVector<Value>(
        OpBuilder &, Value, llvm::function_ref<Value(Value)>, ValueRange)>
        body) {
  auto chunks =
      b.create<scf::ForallOp>(loc, ArrayRef<OpFoldResult>{b.getIndexAttr(0)},
                              ArrayRef<OpFoldResult>{batch},
                              ArrayRef<OpFoldResult>{b.getIndexAttr(rows)},
                              outs, /*mapping=*/std::nullopt);
  OpBuilder cb = OpBuilder::atBlockBegin(chunks.getBody());
  Value first = chunks.getInductionVar(0);
  AffineExpr d0, s0;
  bindDims(b.getContext(), d0);
  bindSymbols(b.getContext(), s0);
  OpFoldResult chunkRows = affine::makeComposedFoldedAffineMin(
      cb, loc,
      AffineMap::get(1, 1, {b.getAffineConstantExpr(rows), s0 - d0},
                     b.getContext()),
      {first, batch});
  // The chunk's rows of a [N, ...] tensor: offsets, sizes and strides.
  struct Box {
    SmallVector<OpFoldResult> offsets, sizes, strides;
  };
  auto rowBox = [&](Value t) {
    int64_t rank = cast<RankedTensorType>(t.getType()).getRank();
    Box box{SmallVector<OpFoldResult>(rank, cb.getIndexAttr(0)),
            getSizes(cb, loc, t),
            SmallVector<OpFoldResult>(rank, cb.getIndexAttr(1))};
    box.offsets[0] = first;
    box.sizes[0] = chunkRows;
    return box;
  };
  auto rowsOf = [&](Value t) -> Value {
    Box box = rowBox(t);
    return cb.create<tensor::ExtractSliceOp>(loc, t, box.offsets, box.sizes,
                                             box.strides);
  };
  SmallVector<Value> chunkOuts;
  for (Value shared : chunks.getRegionIterArgs())
    chunkOuts.push_back(rowsOf(shared));
  SmallVector<Value> results =
      body(cb, getValueOrCreateConstantIndexOp(cb, loc, chunkRows), rowsOf,
           chunkOuts);
  // The boxes' sizes are ops: made before the terminator, which holds
  // parallel_insert_slice ops only.
  SmallVector<Box> boxes;
  for (Value chunkOut : chunkOuts)
    boxes.push_back(rowBox(chunkOut));
  cb.setInsertionPointToStart(chunks.getTerminator().getBody());
  for (auto [result, box, shared] :
       llvm::zip(results, boxes, chunks.getRegionIterArgs()))
    cb.create<tensor::ParallelInsertSliceOp>(loc, result, shared, box.offsets,
                                             box.sizes, box.strides);
  return SmallVector<Value>(chunks.getResults());
}

template <typename OpTy, Cell cell>
struct RecurrentLowering : OpConversionPattern<OpTy> {
  RecurrentLowering(MLIRContext *ctx, int64_t batchRows)
      : OpConversionPattern<OpTy>(ctx), batchRows(batchRows) {}

  /// Rows of the batch per chunk of the time loop (0: the whole batch).
  int64_t batchRows;

  /// Whether the reset gate scales the hidden product of n (PyTorch's GRU)
  /// rather than the state before it (ONNX's linear_before_reset = 0).
  static bool linearBeforeReset(OpTy op) {
    if constexpr (cell == Cell::Gru)
      return op.getLinearBeforeReset();
    return true;
  }

  /// The nonlinearity of an Elman cell.
  static Value activation(OpTy op, OpBuilder &b, Location l, Value x) {
    if constexpr (cell == Cell::Rnn) {
      if (op.getNonlinearity() == nn::Nonlinearity::relu)
        return b.create<arith::MaximumFOp>(l, x, f32Const(b, l, 0));
    }
    return b.create<math::TanhOp>(l, x);
  }

  LogicalResult
  matchAndRewrite(OpTy op, typename OpTy::Adaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    OpBuilder &b = rewriter;
    auto type = cast<RankedTensorType>(op->getResult(0).getType());
    // nn.lstm_with_gates and nn.gru_with_gates also return what every
    // step's cell read (LSTM: and its cell state; [N, T, 5H], [N, T, 4H]).
    bool storeGates = op->getNumResults() == 2;
    Value x = adaptor.getInput();
    int64_t hidden = type.getDimSize(2);
    int64_t gates = OpTy::kGates;
    bool lbr = linearBeforeReset(op);
    // The gates whose rows multiply h itself: all but n without lbr.
    int64_t hGates = lbr ? gates : gates - 1;
    Value whh = adaptor.getWHh(), bhh = adaptor.getBHh();
    // b_hh of the gates where it is a plain summand (all of RNN's and
    // LSTM's, GRU's r and z) joins b_ih in the input projection of all
    // steps. GRU's b_hn sits inside the reset product (or, without lbr, is
    // added to W_hn (r h)): it enters the cell as a broadcast input.
    int64_t plainRows = (cell == Cell::Gru ? gates - 1 : gates) * hidden;
    auto addVectors = [&](Value u, Value v) {
      return broadcastElementwise(
          b, loc, cast<RankedTensorType>(u.getType()), {u, v},
          [](OpBuilder &g, Location gl, ValueRange a) -> Value {
            return g.create<arith::AddFOp>(gl, a[0], a[1]);
          });
    };
    Value bih = adaptor.getBIh(), xBias;
    if (plainRows == gates * hidden) {
      xBias = addVectors(bih, bhh);
    } else {
      Value sum = addVectors(sliceDim(b, loc, bih, 0, 0, plainRows),
                             sliceDim(b, loc, bhh, 0, 0, plainRows));
      xBias = b.create<tensor::InsertSliceOp>(
          loc, sum, bih, ArrayRef<OpFoldResult>{b.getIndexAttr(0)},
          ArrayRef<OpFoldResult>{b.getIndexAttr(plainRows)},
          ArrayRef<OpFoldResult>{b.getIndexAttr(1)});
    }
    Value xp = dense(b, loc, x, adaptor.getWIh(), xBias);
    // The rows of the gates that multiply h.
    auto hRows = [&](Value v) {
      return lbr ? v : sliceDim(b, loc, v, 0, 0, hGates * hidden);
    };
    Value whhT = transpose(b, loc, hRows(whh), {1, 0});
    Value batch = b.create<tensor::DimOp>(loc, x, 0);
    auto stateType =
        RankedTensorType::get({ShapedType::kDynamic, hidden}, b.getF32Type());
    auto projType = RankedTensorType::get(
        {ShapedType::kDynamic, gates * hidden}, b.getF32Type());
    auto hProjType = RankedTensorType::get(
        {ShapedType::kDynamic, hGates * hidden}, b.getF32Type());
    // GRU: b_hn broadcast to [N, H] once, read by every step's cell.
    Value nBias;
    if (cell == Cell::Gru)
      nBias = parallelGeneric(
          b, loc, b.create<tensor::EmptyOp>(loc, stateType, batch),
          sliceDim(b, loc, bhh, 0, plainRows, hidden),
          AffineMap::get(2, 0, b.getAffineDimExpr(1)),
          [](OpBuilder &, Location, ValueRange a) { return a[0]; });
    // Without lbr: W_hn^T, for the product with r * h.
    Value whnT;
    if (!lbr)
      whnT = transpose(
          b, loc, sliceDim(b, loc, whh, 0, hGates * hidden, hidden), {1, 0});
    // The time loop over `rows` rows of the batch: the projection `xp`, the
    // GRU's b_hn `nBias` and the output `out` of those rows.
    auto timeLoop = [&](OpBuilder &b, Location loc, Value batch, Value xp,
                        Value nBias, ValueRange outs) -> SmallVector<Value> {
      Value zero =
          fill(b, loc, b.create<tensor::EmptyOp>(loc, stateType, batch), 0);
      SmallVector<Value> iterArgs = {zero, outs[0]};
      if (cell == Cell::Lstm)
        iterArgs.push_back(
            fill(b, loc, b.create<tensor::EmptyOp>(loc, stateType, batch), 0));
      // The loop-carried stored tensor [N, T, 5H] or [N, T, 4H] (storeGates).
      unsigned preArg = iterArgs.size();
      if (storeGates)
        iterArgs.push_back(outs[1]);
      Value steps =
          getValueOrCreateConstantIndexOp(b, loc, getSizes(b, loc, x)[1]);
      auto loop = b.create<scf::ForOp>(
          loc, indexConst(b, loc, 0), steps, indexConst(b, loc, 1), iterArgs,
          [&](OpBuilder &lb, Location l, Value t, ValueRange args) {
            Value h = args[0];
            SmallVector<OpFoldResult> one(3, lb.getIndexAttr(1));
            SmallVector<OpFoldResult> offsets = {lb.getIndexAttr(0), t,
                                                 lb.getIndexAttr(0)};
            SmallVector<OpFoldResult> xSizes = {
                batch, lb.getIndexAttr(1), lb.getIndexAttr(gates * hidden)};
            Value xt = lb.create<tensor::ExtractSliceOp>(l, projType, xp,
                                                         offsets, xSizes, one);
            // The products accumulate into zero fills made in the step (the
            // chunks for the threads take them along, nothing is copied).
            auto zeros = [&](RankedTensorType t) {
              return fill(lb, l, lb.create<tensor::EmptyOp>(l, t, batch), 0);
            };
            Value acc = zeros(hProjType);
            Value hp = lb.create<linalg::MatmulOp>(l, TypeRange{hProjType},
                                                   ValueRange{h, whhT},
                                                   ValueRange{acc})
                           .getResult(0);
            // A stored LSTM's gates, activated (sigmoid of x_k + h_k, tanh
            // for g), into pre[:, t, kH:(k+1)H]: what the cell below and the
            // backward pass read (the backward had recomputed them from the
            // stored sums, 11% of fashion_lstm's train step). One generic
            // per gate, each writing the slice of the tensor the previous
            // one inserted into, so that bufferization writes them in place.
            Value newPre;
            SmallVector<Value> inputs;
            if (storeGates && cell == Cell::Lstm) {
              newPre = args[preArg];
              for (int64_t k = 0; k < gates; ++k) {
                Value act = gateGeneric(
                    lb, l,
                    {gate(lb, l, xt, k, hidden), gate(lb, l, hp, k, hidden)},
                    {stepSlice(lb, l, newPre, t, k * hidden, hidden, batch)},
                    [k](OpBuilder &g, Location gl,
                        ValueRange a) -> SmallVector<Value> {
                      Value sum = g.create<arith::AddFOp>(gl, a[0], a[1]);
                      if (k == 2)
                        return {g.create<math::TanhOp>(gl, sum)};
                      return {sigmoid(g, gl, sum)};
                    })[0];
                newPre = insertStep(lb, l, act, newPre, t, k * hidden, batch);
              }
              // Read back from the stored tensor: a read of `act` after its
              // insert_slice would put it in a temporary and copy it.
              for (int64_t k = 0; k < gates; ++k)
                inputs.push_back(
                    stepSlice(lb, l, newPre, t, k * hidden, hidden, batch));
            } else {
              for (int64_t k = 0; k < hGates; ++k) {
                inputs.push_back(gate(lb, l, xt, k, hidden));
                inputs.push_back(gate(lb, l, hp, k, hidden));
              }
            }
            if (!lbr) {
              // W_hn (r * h) + b_hn, the hidden term of n.
              Value rh = gateGeneric(
                  lb, l, {inputs[0], inputs[1], h},
                  {lb.create<tensor::EmptyOp>(l, stateType, batch)},
                  [](OpBuilder &g, Location gl,
                     ValueRange a) -> SmallVector<Value> {
                    Value r =
                        sigmoid(g, gl, g.create<arith::AddFOp>(gl, a[0], a[1]));
                    return {g.create<arith::MulFOp>(gl, r, a[2])};
                  })[0];
              Value hn = lb.create<linalg::MatmulOp>(
                               l, TypeRange{stateType}, ValueRange{rh, whnT},
                               ValueRange{zeros(stateType)})
                             .getResult(0);
              inputs.push_back(gate(lb, l, xt, gates - 1, hidden));
              inputs.push_back(hn);
            }
            if (storeGates && cell == Cell::Gru) {
              // r and z activated, n's hidden term with b_hn, then n
              // activated (from x_n, and r and that term read back): what the
              // cell below and the backward pass read, into pre[:, t, :]
              // (blocks r, z, n, hidden term). One generic per block, each
              // writing the slice of the tensor the previous one inserted
              // into, so that bufferization writes every block in place.
              auto add = [](OpBuilder &g, Location gl, Value u, Value v) {
                return g.create<arith::AddFOp>(gl, u, v).getResult();
              };
              newPre = args[preArg];
              // Block k of step t, `body` of `terms`, written in place.
              auto writeBlock =
                  [&](int64_t k, ValueRange terms,
                      function_ref<Value(OpBuilder &, Location, ValueRange)>
                          body) {
                    Value part =
                        gateGeneric(lb, l, terms,
                                    {stepSlice(lb, l, newPre, t, k * hidden,
                                               hidden, batch)},
                                    [&](OpBuilder &g, Location gl,
                                        ValueRange a) -> SmallVector<Value> {
                                      return {body(g, gl, a)};
                                    })[0];
                    newPre =
                        insertStep(lb, l, part, newPre, t, k * hidden, batch);
                  };
              auto sigmoidOfSum = [&](OpBuilder &g, Location gl, ValueRange a) {
                return sigmoid(g, gl, add(g, gl, a[0], a[1]));
              };
              writeBlock(0, {inputs[0], inputs[1]}, sigmoidOfSum);
              writeBlock(1, {inputs[2], inputs[3]}, sigmoidOfSum);
              writeBlock(3, {inputs[5], nBias},
                         [&](OpBuilder &g, Location gl, ValueRange a) {
                           return add(g, gl, a[0], a[1]);
                         });
              // n from x_n, and r and the hidden term read back.
              writeBlock(
                  2,
                  {inputs[4], stepSlice(lb, l, newPre, t, 0, hidden, batch),
                   stepSlice(lb, l, newPre, t, 3 * hidden, hidden, batch)},
                  [&](OpBuilder &g, Location gl, ValueRange a) {
                    Value hn = lbr ? g.create<arith::MulFOp>(gl, a[1], a[2])
                                         .getResult()
                                   : a[2];
                    return g.create<math::TanhOp>(gl, add(g, gl, a[0], hn))
                        .getResult();
                  });
              // The cell reads z and n back from the stored tensor (a read
              // of a block after its insert_slice would put it in a
              // temporary and copy it).
              inputs = {stepSlice(lb, l, newPre, t, hidden, hidden, batch),
                        stepSlice(lb, l, newPre, t, 2 * hidden, hidden, batch)};
            }
            inputs.push_back(h);
            if (cell == Cell::Gru && !storeGates)
              inputs.push_back(nBias);
            SmallVector<Value> inits = {
                lb.create<tensor::EmptyOp>(l, stateType, batch)};
            if (cell == Cell::Lstm) {
              inputs.push_back(args[2]);
              inits.push_back(lb.create<tensor::EmptyOp>(l, stateType, batch));
            }
            bool activated = storeGates;
            SmallVector<Value> next =
                gateGeneric(lb, l, inputs, inits,
                            [&](OpBuilder &g, Location gl, ValueRange a) {
                              return cellBody(op, g, gl, a, activated);
                            });
            SmallVector<OpFoldResult> hSizes = {batch, lb.getIndexAttr(1),
                                                lb.getIndexAttr(hidden)};
            // h goes into out[:, t, :] through a linalg.copy into the slice,
            // so bufferization writes the step in place (no memref.copy).
            Value step = lb.create<tensor::ExtractSliceOp>(
                l, stateType, args[1], offsets, hSizes, one);
            step = lb.create<linalg::CopyOp>(l, next[0], step).getResult(0);
            Value newOut = lb.create<tensor::InsertSliceOp>(
                l, step, args[1], offsets, hSizes, one);
            // The new state is copied into the loop-carried tensors so that
            // one-shot bufferization keeps one buffer per state across steps.
            auto carry = [&](Value v, Value into) -> Value {
              return lb.create<linalg::CopyOp>(l, v, into).getResult(0);
            };
            SmallVector<Value> yields = {carry(next[0], h), newOut};
            if (cell == Cell::Lstm)
              yields.push_back(carry(next[1], args[2]));
            if (storeGates) {
              // An LSTM also stores its cell state c_t, after the copy that
              // carries it: a read of c after its insert_slice would make
              // bufferization write c into a temporary first.
              if (cell == Cell::Lstm)
                newPre = insertStep(lb, l, next[1], newPre, t, gates * hidden,
                                    batch);
              yields.push_back(newPre);
            }
            lb.create<scf::YieldOp>(l, yields);
          });
      SmallVector<Value> results = {loop.getResult(1)};
      if (storeGates)
        results.push_back(loop.getResult(preArg));
      return results;
    };
    SmallVector<Value> outs = {emptyWithBatch(b, loc, type, x)};
    if (storeGates)
      outs.push_back(emptyWithBatch(
          b, loc, cast<RankedTensorType>(op->getResult(1).getType()), x));
    if (batchRows <= 0) {
      rewriter.replaceOp(op, timeLoop(b, loc, batch, xp, nBias, outs));
      return success();
    }
    // The rows of the batch are independent through time: chunks of
    // `batchRows` rows each run the whole time loop, on the threads, so that
    // the steps need no synchronisation between them.
    SmallVector<Value> results = forAllRowChunks(
        b, loc, batch, batchRows, outs,
        [&](OpBuilder &cb, Value rows, llvm::function_ref<Value(Value)> rowsOf,
            ValueRange chunkOuts) {
          return timeLoop(cb, loc, rows, rowsOf(xp),
                          nBias ? rowsOf(nBias) : Value(), chunkOuts);
        });
    rewriter.replaceOp(op, results);
    return success();
  }

  /// The gate formulas. `a` holds (x_k, h_k) pairs per gate (or, when
  /// `activated`, an LSTM's gates i, f, g and o, a GRU's z and n), then h,
  /// then (LSTM) c or (GRU, not activated) b_hn, then the output block
  /// arguments.
  static SmallVector<Value> cellBody(OpTy op, OpBuilder &b, Location l,
                                     ValueRange a, bool activated = false) {
    auto add = [&](Value u, Value v) -> Value {
      return b.create<arith::AddFOp>(l, u, v);
    };
    auto mul = [&](Value u, Value v) -> Value {
      return b.create<arith::MulFOp>(l, u, v);
    };
    if constexpr (cell == Cell::Rnn) {
      return {activation(op, b, l, add(a[0], a[1]))};
    } else if constexpr (cell == Cell::Lstm) {
      if (activated) {
        Value c = add(mul(a[1], a[5]), mul(a[0], a[2]));
        return {mul(a[3], b.create<math::TanhOp>(l, c)), c};
      }
      Value i = sigmoid(b, l, add(a[0], a[1]));
      Value f = sigmoid(b, l, add(a[2], a[3]));
      Value g = b.create<math::TanhOp>(l, add(a[4], a[5]));
      Value o = sigmoid(b, l, add(a[6], a[7]));
      Value c = add(mul(f, a[9]), mul(i, g));
      return {mul(o, b.create<math::TanhOp>(l, c)), c};
    } else {
      if (activated) {
        // z and n, then h.
        Value oneMinusZ = b.create<arith::SubFOp>(l, f32Const(b, l, 1), a[0]);
        return {add(mul(oneMinusZ, a[1]), mul(a[0], a[2]))};
      }
      Value r = sigmoid(b, l, add(a[0], a[1]));
      Value z = sigmoid(b, l, add(a[2], a[3]));
      // a[5] is W_hn h (scaled by r with b_hn here) or, without lbr,
      // W_hn (r * h); a[7] is b_hn.
      Value hn =
          linearBeforeReset(op) ? mul(r, add(a[5], a[7])) : add(a[5], a[7]);
      Value n = b.create<math::TanhOp>(l, add(a[4], hn));
      Value h = a[6];
      Value oneMinusZ = b.create<arith::SubFOp>(l, f32Const(b, l, 1), z);
      return {add(mul(oneMinusZ, n), mul(z, h))};
    }
  }
};

} // namespace

void nnc::populateNNRecurrentPatterns(RewritePatternSet &patterns,
                                      const NNToLinalgOptions &options) {
  patterns.add<RecurrentLowering<nn::RnnOp, Cell::Rnn>,
               RecurrentLowering<nn::LstmOp, Cell::Lstm>,
               RecurrentLowering<nn::LstmWithGatesOp, Cell::Lstm>,
               RecurrentLowering<nn::GruOp, Cell::Gru>,
               RecurrentLowering<nn::GruWithGatesOp, Cell::Gru>>(
      patterns.getContext(), options.recurrentBatchRows);
}
