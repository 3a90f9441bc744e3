//===- ConvPoolKernels.cpp - a convolution pooled in its registers --------===//
//
// The two loop nests of nnc-fuse-conv-pool (ConvPoolKernels.h). Both sum
// the taps (c, kh, kw) of a block of outputs in vector accumulators, reading
// the padded image in place (no im2col), in the order of the product's
// register tile (from zero, tap by tap, the bias after: MatmulForms.cpp),
// then pool the block's 2 x 2 windows in registers, add the bias (after the
// pooling: max(x + b) = max(x) + b in floating point too, rounding being
// monotone, and a quarter of the adds), take the maximum with the pooling's
// initial value (the folded ReLU) and store the pooled results.
//
// Row form: vectors run along a row of outputs. A block is FB channels x 2
// output rows x V = ceil(OW / lanes) vectors (at most 24 accumulators); the
// two rows' maximum, one shuffle each for the even and the odd columns and
// their maximum give a row of pooled results, written by one masked store.
//
// Channel form: vectors run along the channels (every lane used where rows
// of 14 leave 2 of 16 idle). A block is 4 channel vectors x one window's 4
// pixels, or 2 x two windows, each pixel's value broadcast from the image
// (LLVM shares the broadcasts of taps that read the same pixel), the
// weights read from w^T; a window is pooled elementwise, and the pooled
// vector is written along the channels, a lane at a time: a reduction of at
// least 64 steps pays for that (fashion_cnn's first convolution, K = 9, ran
// 12.5% of its loop over the images in this form, 8% in the row form).
//
//===----------------------------------------------------------------------===//

#include "ConvPoolKernels.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;

namespace nnc::convpool {

namespace {

/// Accumulators of the row form's block: 24 of the 32 AVX-512 registers,
/// the rest for a row pair's vectors and a broadcast weight.
constexpr int64_t kAccumulators = 24;

/// The shortest reduction (C * KH * KW) for the channel form.
constexpr int64_t kChannelFormMinK = 64;

/// Vectors per row of outputs in the row form.
int64_t rowVectors(const ConvShape &shape, int64_t lanes) {
  return (shape.ow + lanes - 1) / lanes;
}

/// Channels per block of the row form: the largest of 12, 8, 6, 4, 3, 2, 1
/// that divides F and keeps 2 rows x `vectors` x FB accumulators within
/// kAccumulators.
int64_t channelBlock(int64_t f, int64_t vectors) {
  for (int64_t fb : {12, 8, 6, 4, 3, 2, 1})
    if (f % fb == 0 && 2 * vectors * fb <= kAccumulators)
      return fb;
  return 1;
}

/// What the two kernels build with: the vector type, constants, the sums
/// over the taps and the start of the pooling.
struct Emitter {
  Emitter(OpBuilder &b, Location loc, const ConvShape &shape,
          const KernelInputs &in, int64_t lanes)
      : loc(loc), in(in), vectorType(VectorType::get({lanes}, b.getF32Type())),
        padding(b.create<arith::ConstantOp>(loc, b.getF32FloatAttr(0))),
        floor(b.create<arith::ConstantOp>(
            loc, DenseElementsAttr::get(vectorType,
                                        ArrayRef<Attribute>(shape.floor)))),
        nsz(arith::FastMathFlagsAttr::get(b.getContext(),
                                          arith::FastMathFlags::nsz)) {}

  Value index(OpBuilder &b, int64_t v) const {
    return b.create<arith::ConstantIndexOp>(loc, v);
  }
  Value max(OpBuilder &b, Value x, Value y) const {
    return b.create<arith::MaximumFOp>(loc, x, y, nsz);
  }

  /// `count` accumulators at the sums' start.
  SmallVector<Value> startSums(OpBuilder &b, int64_t count) const {
    return SmallVector<Value>(
        count, b.create<vector::BroadcastOp>(loc, vectorType, in.start));
  }

  /// The accumulators after every tap (c, kh, kw): loops over the input
  /// channels and the kernel's rows, its columns unrolled (3 or 5: a loop of
  /// 3 steps left its bookkeeping in every 16 multiply-adds). `step` adds
  /// tap (c, kh, kw), whose column of w [F, C * KH * KW] is `k`.
  using TapStep = function_ref<SmallVector<Value>(
      OpBuilder &, Value c, Value kh, int64_t kw, Value k, ValueRange acc)>;
  ValueRange sumTaps(OpBuilder &b, ValueRange init, TapStep step) const {
    int64_t channels =
        cast<RankedTensorType>(in.padded.getType()).getDimSize(0);
    Value zero = index(b, 0), one = index(b, 1);
    auto loop = b.create<scf::ForOp>(
        loc, zero, index(b, channels), one, init,
        [&](OpBuilder &cb, Location, Value c, ValueRange accC) {
          auto rows = cb.create<scf::ForOp>(
              loc, zero, index(cb, in.taps[0]), one, accC,
              [&](OpBuilder &hb, Location, Value kh, ValueRange accH) {
                // (c * KH + kh) * KW + kw
                Value row = hb.create<arith::AddIOp>(
                    loc,
                    hb.create<arith::MulIOp>(loc, c, index(hb, in.taps[0])),
                    kh);
                Value first =
                    hb.create<arith::MulIOp>(loc, row, index(hb, in.taps[1]));
                SmallVector<Value> acc(accH.begin(), accH.end());
                for (int64_t kw = 0; kw < in.taps[1]; ++kw) {
                  Value k = hb.create<arith::AddIOp>(loc, first, index(hb, kw));
                  acc = step(hb, c, kh, kw, k, acc);
                }
                hb.create<scf::YieldOp>(loc, acc);
              });
          cb.create<scf::YieldOp>(loc, rows.getResults());
        });
    return loop.getResults();
  }

  /// A pooled vector's bias (a vector of it, `biasAt` giving it) and the
  /// maximum with the pooling's initial value.
  Value finish(OpBuilder &b, Value pooled, function_ref<Value()> biasAt) const {
    if (in.bias)
      pooled = b.create<arith::AddFOp>(loc, pooled, biasAt());
    return max(b, pooled, floor);
  }

  Location loc;
  const KernelInputs &in;
  VectorType vectorType;
  /// 0.0f: the transfer reads' padding.
  Value padding;
  Value floor;
  arith::FastMathFlagsAttr nsz;
};

} // namespace

std::optional<ChannelBlock> channelBlockOf(const ConvShape &shape,
                                           int64_t lanes) {
  if (shape.ow % lanes == 0 || shape.k < kChannelFormMinK)
    return std::nullopt;
  if (shape.f % (4 * lanes) == 0)
    return ChannelBlock{4, 1};
  if (shape.f % (2 * lanes) == 0)
    return ChannelBlock{2, 2};
  return std::nullopt;
}

bool rowFormApplies(const ConvShape &shape, int64_t lanes) {
  return shape.ow <= 2 * lanes &&
         2 * shape.ow >= rowVectors(shape, lanes) * lanes;
}

int64_t rowFormWidth(const ConvShape &shape, int64_t taps1, int64_t lanes) {
  return rowVectors(shape, lanes) * lanes + taps1 - 1;
}

Value buildRowKernel(OpBuilder &b, Location loc, const ConvShape &shape,
                     Value weights, const KernelInputs &in, int64_t lanes) {
  int64_t vectors = rowVectors(shape, lanes);
  int64_t fb = channelBlock(shape.f, vectors);
  int64_t pw = shape.ow / 2;
  Emitter e(b, loc, shape, in, lanes);
  Value zero = e.index(b, 0), one = e.index(b, 1);
  // A whole vector of results per row, its last lanes masked off by the
  // write: one masked store rather than 8 + 4 + 2 floats.
  SmallVector<int64_t> evens, odds;
  for (int64_t x = 0; x < lanes; ++x) {
    evens.push_back(std::min(2 * x, 2 * lanes - 2));
    odds.push_back(std::min(2 * x + 1, 2 * lanes - 1));
  }

  auto channels = b.create<scf::ForOp>(
      loc, zero, e.index(b, shape.f), e.index(b, fb), ValueRange{in.dest},
      [&](OpBuilder &cb, Location, Value f0, ValueRange channelArgs) {
        auto rows = cb.create<scf::ForOp>(
            loc, zero, e.index(cb, shape.oh / 2), one, channelArgs,
            [&](OpBuilder &rb, Location, Value py, ValueRange rowArgs) {
              SmallVector<Value> channel;
              for (int64_t f = 0; f < fb; ++f)
                channel.push_back(
                    rb.create<arith::AddIOp>(loc, f0, e.index(rb, f)));
              // Tap (c, kh, kw) of output row 2 py + r is image row
              // 2 py + r + kh from column kw: colT's row, read in place.
              Value top = rb.create<arith::MulIOp>(loc, py, e.index(rb, 2));
              ValueRange acc = e.sumTaps(
                  rb, e.startSums(rb, fb * 2 * vectors),
                  [&](OpBuilder &kb, Value c, Value kh, int64_t kw, Value k,
                      ValueRange sums) {
                    SmallVector<Value> reads;
                    for (int64_t r = 0; r < 2; ++r) {
                      Value row = kb.create<arith::AddIOp>(
                          loc, top,
                          kb.create<arith::AddIOp>(loc, kh, e.index(kb, r)));
                      for (int64_t v = 0; v < vectors; ++v)
                        reads.push_back(kb.create<vector::TransferReadOp>(
                            loc, e.vectorType, in.padded,
                            ValueRange{c, row, e.index(kb, kw + v * lanes)},
                            e.padding, ArrayRef<bool>{true}));
                    }
                    SmallVector<Value> next;
                    for (int64_t f = 0; f < fb; ++f) {
                      Value w = kb.create<vector::BroadcastOp>(
                          loc, e.vectorType,
                          kb.create<tensor::ExtractOp>(
                              loc, weights, ValueRange{channel[f], k}));
                      for (int64_t j = 0; j < 2 * vectors; ++j)
                        next.push_back(kb.create<vector::FMAOp>(
                            loc, w, reads[j], sums[f * 2 * vectors + j]));
                    }
                    return next;
                  });
              Value image = rowArgs[0];
              for (int64_t f = 0; f < fb; ++f) {
                ValueRange sums = acc.slice(f * 2 * vectors, 2 * vectors);
                SmallVector<Value> pairs;
                for (int64_t v = 0; v < vectors; ++v)
                  pairs.push_back(e.max(rb, sums[v], sums[vectors + v]));
                Value second = pairs.back();
                Value even =
                    rb.create<vector::ShuffleOp>(loc, pairs[0], second, evens);
                Value odd =
                    rb.create<vector::ShuffleOp>(loc, pairs[0], second, odds);
                Value pooled =
                    e.finish(rb, e.max(rb, even, odd), [&]() -> Value {
                      return rb.create<vector::BroadcastOp>(
                          loc, e.vectorType,
                          rb.create<tensor::ExtractOp>(loc, in.bias,
                                                       channel[f]));
                    });
                image =
                    rb.create<vector::TransferWriteOp>(
                          loc, pooled, image, ValueRange{channel[f], py, zero},
                          ArrayRef<bool>{pw == lanes})
                        .getResult();
              }
              rb.create<scf::YieldOp>(loc, image);
            });
        cb.create<scf::YieldOp>(loc, rows.getResults());
      });
  return channels.getResult(0);
}

Value buildChannelKernel(OpBuilder &b, Location loc, const ConvShape &shape,
                         ChannelBlock cb, Value weightsT,
                         const KernelInputs &in, int64_t lanes) {
  int64_t pw = shape.ow / 2;
  Emitter e(b, loc, shape, in, lanes);
  Value zero = e.index(b, 0), one = e.index(b, 1);
  MLIRContext *ctx = b.getContext();
  // Written along dim 0 (the channels) of `dest [F, PH, PW]`.
  AffineMap alongChannels =
      AffineMap::get(3, 0, {getAffineDimExpr(0, ctx)}, ctx);

  // `windows` windows from column px0 of pooled row py, written into image.
  auto block = [&](OpBuilder &wb, ArrayRef<Value> channel, Value py, Value px0,
                   int64_t windows, Value image) -> Value {
    int64_t width = 2 * windows; // pixels per row of the block
    Value top = wb.create<arith::MulIOp>(loc, py, e.index(wb, 2));
    Value left = wb.create<arith::MulIOp>(loc, px0, e.index(wb, 2));
    ValueRange acc = e.sumTaps(
        wb, e.startSums(wb, 2 * width * cb.vectors),
        [&](OpBuilder &kb, Value c, Value kh, int64_t kw, Value k,
            ValueRange sums) {
          SmallVector<Value> w;
          for (Value f : channel)
            w.push_back(kb.create<vector::TransferReadOp>(
                loc, e.vectorType, weightsT, ValueRange{k, f}, e.padding,
                ArrayRef<bool>{true}));
          Value base = kb.create<arith::AddIOp>(loc, top, kh);
          SmallVector<Value> next;
          for (int64_t q = 0; q < 2 * width; ++q) {
            Value row =
                kb.create<arith::AddIOp>(loc, base, e.index(kb, q / width));
            Value col = kb.create<arith::AddIOp>(loc, left,
                                                 e.index(kb, q % width + kw));
            Value x = kb.create<vector::BroadcastOp>(
                loc, e.vectorType,
                kb.create<tensor::ExtractOp>(loc, in.padded,
                                             ValueRange{c, row, col}));
            for (int64_t v = 0; v < cb.vectors; ++v)
              next.push_back(kb.create<vector::FMAOp>(
                  loc, x, w[v], sums[q * cb.vectors + v]));
          }
          return next;
        });
    for (int64_t win = 0; win < windows; ++win) {
      Value px = wb.create<arith::AddIOp>(loc, px0, e.index(wb, win));
      for (int64_t v = 0; v < cb.vectors; ++v) {
        auto at = [&](int64_t r, int64_t s) {
          return acc[(r * width + 2 * win + s) * cb.vectors + v];
        };
        Value pooled =
            e.finish(wb,
                     e.max(wb, e.max(wb, at(0, 0), at(0, 1)),
                           e.max(wb, at(1, 0), at(1, 1))),
                     [&]() -> Value {
                       return wb.create<vector::TransferReadOp>(
                           loc, e.vectorType, in.bias, ValueRange{channel[v]},
                           e.padding, ArrayRef<bool>{true});
                     });
        image = wb.create<vector::TransferWriteOp>(
                      loc, pooled, image, ValueRange{channel[v], py, px},
                      AffineMapAttr::get(alongChannels),
                      ArrayAttr(wb.getBoolArrayAttr({true})))
                    .getResult();
      }
    }
    return image;
  };

  int64_t full = pw / cb.windows, rest = pw % cb.windows;
  auto channels = b.create<scf::ForOp>(
      loc, zero, e.index(b, shape.f), e.index(b, cb.vectors * lanes),
      ValueRange{in.dest},
      [&](OpBuilder &fb, Location, Value f0, ValueRange channelArgs) {
        SmallVector<Value> channel;
        for (int64_t v = 0; v < cb.vectors; ++v)
          channel.push_back(
              fb.create<arith::AddIOp>(loc, f0, e.index(fb, v * lanes)));
        auto rows = fb.create<scf::ForOp>(
            loc, zero, e.index(fb, shape.oh / 2), one, channelArgs,
            [&](OpBuilder &rb, Location, Value py, ValueRange rowArgs) {
              auto blocks = rb.create<scf::ForOp>(
                  loc, zero, e.index(rb, full), one, rowArgs,
                  [&](OpBuilder &wb, Location, Value i, ValueRange args) {
                    Value px0 = wb.create<arith::MulIOp>(
                        loc, i, e.index(wb, cb.windows));
                    wb.create<scf::YieldOp>(
                        loc, block(wb, channel, py, px0, cb.windows, args[0]));
                  });
              Value image = blocks.getResult(0);
              if (rest)
                image = block(rb, channel, py, e.index(rb, full * cb.windows),
                              rest, image);
              rb.create<scf::YieldOp>(loc, image);
            });
        fb.create<scf::YieldOp>(loc, rows.getResults());
      });
  return channels.getResult(0);
}

} // namespace nnc::convpool
