//===- Embedding.cpp - embedding lookup and sinusoidal positions ----------===//
//
// `embedding` is a generic over the result whose body maps the id to its
// row (tableRow: negative ids from the end when asked, clamped to [0, V))
// and reads the table with `tensor.extract` (never out of bounds;
// docs/lowering.md). `positional_sinusoidal` adds sin/cos of
// t / 10000^(2i/D), computed from `linalg.index` inside the generic.
//
//===----------------------------------------------------------------------===//

#include "LoweringUtils.h"
#include "nnc/Conversion/NNToLinalg/NNToLinalg.h"

#include <cmath>

using namespace mlir;
using namespace nnc::lowering;

namespace {

Value lowerEmbedding(nn::EmbeddingOp op, nn::EmbeddingOp::Adaptor adaptor,
                     ConversionPatternRewriter &rewriter) {
  Location loc = op.getLoc();
  auto type = cast<RankedTensorType>(op.getType());
  Value ids = adaptor.getIds(), table = adaptor.getTable();
  int64_t vocab = cast<RankedTensorType>(table.getType()).getDimSize(0);
  int64_t rank = type.getRank();
  MLIRContext *ctx = rewriter.getContext();
  SmallVector<AffineExpr> lead;
  for (int64_t d = 0; d < rank - 1; ++d)
    lead.push_back(getAffineDimExpr(d, ctx));
  AffineMap idsMap = AffineMap::get(rank, 0, lead, ctx);
  Value init = emptyWithBatch(rewriter, loc, type, ids);
  return parallelGeneric(
      rewriter, loc, init, ids, idsMap,
      [&](OpBuilder &b, Location l, ValueRange a) -> Value {
        Value row = tableRow(b, l, a[0], vocab, op.getNegativeFromEnd());
        Value col = b.create<linalg::IndexOp>(l, rank - 1);
        return b.create<tensor::ExtractOp>(l, table, ValueRange{row, col});
      });
}

FailureOr<Value>
lowerPositionalSinusoidal(nn::PositionalSinusoidalOp op,
                          nn::PositionalSinusoidalOp::Adaptor adaptor,
                          ConversionPatternRewriter &rewriter) {
  auto type = cast<RankedTensorType>(adaptor.getInput().getType());
  if (type.getRank() != 3)
    return rewriter.notifyMatchFailure(op, "expects [N, T, D]");
  double dModel = type.getDimSize(2);
  return unaryElementwise(
      rewriter, op.getLoc(), adaptor.getInput(),
      [&](OpBuilder &b, Location l, ValueRange a) -> Value {
        auto toF32 = [&](Value index) -> Value {
          return b.create<arith::SIToFPOp>(
              l, b.getF32Type(),
              b.create<arith::IndexCastOp>(l, b.getI64Type(), index));
        };
        Value t = b.create<linalg::IndexOp>(l, 1);
        Value d = b.create<linalg::IndexOp>(l, 2);
        Value odd = b.create<arith::RemUIOp>(l, d, indexConst(b, l, 2));
        Value even = b.create<arith::SubIOp>(l, d, odd);
        // freq = exp(-(2i) * ln(10000) / D)
        Value freq = b.create<math::ExpOp>(
            l,
            b.create<arith::MulFOp>(
                l, toF32(even), f32Const(b, l, -std::log(10000.0) / dModel)));
        Value angle = b.create<arith::MulFOp>(l, toF32(t), freq);
        Value isOdd = b.create<arith::CmpIOp>(l, arith::CmpIPredicate::eq, odd,
                                              indexConst(b, l, 1));
        Value pe =
            b.create<arith::SelectOp>(l, isOdd, b.create<math::CosOp>(l, angle),
                                      b.create<math::SinOp>(l, angle));
        return b.create<arith::AddFOp>(l, a[0], pe);
      });
}

} // namespace

void nnc::populateNNEmbeddingPatterns(RewritePatternSet &patterns) {
  addLowerings<lowerEmbedding, lowerPositionalSinusoidal>(patterns);
}
