//===- GradEmbedding.cpp - embedding_backward to a scatter-add loop -------===//
//
// Lowers `embedding_backward` to a scatter-add: the ids and the gradient
// are flattened to [P] and [P, D], the table gradient starts at zero, and an
// `scf.for` over the P positions adds gradient row p into row
// tableRow(ids[p]) (the forward's row) with a one-row
// `linalg.generic` on an extract_slice / insert_slice pair of the loop's
// tensor, which one-shot bufferization updates in place. Cost O(P D), not
// O(V P D).
//
//===----------------------------------------------------------------------===//

#include "LoweringUtils.h"
#include "nnc/Conversion/NNToLinalg/NNToLinalg.h"

using namespace mlir;
using namespace nnc::lowering;

namespace {

Value lowerEmbeddingBackward(nn::EmbeddingBackwardOp op,
                             nn::EmbeddingBackwardOp::Adaptor adaptor,
                             ConversionPatternRewriter &rewriter) {
  Location loc = op.getLoc();
  OpBuilder &b = rewriter;
  auto tableType = cast<RankedTensorType>(op.getType());
  int64_t vocab = tableType.getDimSize(0), width = tableType.getDimSize(1);
  Value ids = adaptor.getIds(), g = adaptor.getGrad();
  int64_t idRank = cast<RankedTensorType>(ids.getType()).getRank();
  if (idRank > 1) {
    ids = collapseDims(b, loc, ids, 0, idRank);
    g = collapseDims(b, loc, g, 0, idRank);
  }
  Value positions = b.create<tensor::DimOp>(loc, ids, 0);
  Value acc =
      fill(b, loc, b.create<tensor::EmptyOp>(loc, tableType, ValueRange{}), 0);
  auto rowType = RankedTensorType::get({width}, b.getF32Type());
  SmallVector<OpFoldResult> rowSizes = {b.getIndexAttr(1),
                                        b.getIndexAttr(width)};
  SmallVector<OpFoldResult> unit(2, b.getIndexAttr(1));
  auto loop = b.create<scf::ForOp>(
      loc, indexConst(b, loc, 0), positions, indexConst(b, loc, 1),
      ValueRange{acc},
      [&](OpBuilder &lb, Location l, Value p, ValueRange args) {
        Value id = lb.create<tensor::ExtractOp>(l, ids, ValueRange{p});
        Value row = tableRow(lb, l, id, vocab, op.getNegativeFromEnd());
        SmallVector<OpFoldResult> accAt = {row, lb.getIndexAttr(0)};
        SmallVector<OpFoldResult> gAt = {p, lb.getIndexAttr(0)};
        Value accRow = lb.create<tensor::ExtractSliceOp>(l, rowType, args[0],
                                                         accAt, rowSizes, unit);
        Value gRow = lb.create<tensor::ExtractSliceOp>(l, rowType, g, gAt,
                                                       rowSizes, unit);
        AffineMap id1 = lb.getMultiDimIdentityMap(1);
        Value sum =
            lb.create<linalg::GenericOp>(
                  l, TypeRange{rowType}, ValueRange{gRow}, ValueRange{accRow},
                  ArrayRef<AffineMap>{id1, id1},
                  ArrayRef<utils::IteratorType>{utils::IteratorType::parallel},
                  [](OpBuilder &nb, Location nl, ValueRange a) {
                    nb.create<linalg::YieldOp>(
                        nl,
                        ValueRange{nb.create<arith::AddFOp>(nl, a[0], a[1])});
                  })
                .getResult(0);
        Value updated = lb.create<tensor::InsertSliceOp>(l, sum, args[0], accAt,
                                                         rowSizes, unit);
        lb.create<scf::YieldOp>(l, updated);
      });
  return loop.getResult(0);
}

} // namespace

void nnc::populateNNEmbeddingGradPatterns(RewritePatternSet &patterns) {
  addLowerings<lowerEmbeddingBackward>(patterns);
}
