//===- MaskRaggedLoads.cpp - ragged vector rows read as one masked load ---===//
//
// Implements nnc-mask-ragged-loads, on vector code after bufferization (after
// nnc-widen-row-stores), for targets with mask registers (AVX-512): a 1-D
// `vector.load` of N floats whose last partial register holds a number of
// lanes that is not a power of two (13 or 14 of 16: a row of a 14 x 14
// feature map, or of a convolution tap's 13 x 13 window in the input
// gradient's col2im) becomes one `vector.maskedload` over whole registers
// with the first N lanes enabled. LLVM split such a load into power-of-two
// pieces (8 + 4 + 1 for 13 floats) joined by shuffles, three loads and two
// inserts where a masked load is one instruction; a masked-off lane is not
// read (nor can it fault), so the bits are the same. The N floats are taken
// from the wide register with an extract_strided_slice, which LLVM folds.
// Stores keep their pieces: masked stores measured 3-4% slower on
// fashion_cnn's train step (its col2im adds each tap into rows that the
// next tap loads again: presumably a masked store does not forward its
// data to that load), masked loads alone 1-2% faster (the input gradient's
// kernel 8.8 -> 8.4 ms).
//
//===----------------------------------------------------------------------===//

#include "nnc/Target/CPU/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include "llvm/Support/MathExtras.h"

namespace nnc {
#define GEN_PASS_DEF_MASKRAGGEDLOADS
#include "nnc/Target/CPU/Passes.h.inc"
} // namespace nnc

using namespace mlir;

namespace {

/// The number of lanes of the masked load for a 1-D f32 vector type
/// of N elements on `lanes`-wide registers (N rounded up to whole
/// registers), or 0 when N leaves a power-of-two remainder (one legal
/// piece) or none.
int64_t maskedWidth(VectorType type, int64_t lanes) {
  if (!type || type.getRank() != 1 || type.isScalable() ||
      !type.getElementType().isF32())
    return 0;
  int64_t n = type.getDimSize(0);
  int64_t rest = n % lanes;
  if (rest == 0 || llvm::isPowerOf2_64(rest))
    return 0;
  return n - rest + lanes;
}

/// The mask enabling the first `n` of `width` lanes.
Value prefixMask(PatternRewriter &rewriter, Location loc, int64_t n,
                 int64_t width) {
  auto type = VectorType::get({width}, rewriter.getI1Type());
  return rewriter.create<vector::ConstantMaskOp>(loc, type,
                                                 rewriter.getI64ArrayAttr({n}));
}

struct MaskRaggedLoad : OpRewritePattern<vector::LoadOp> {
  MaskRaggedLoad(MLIRContext *context, int64_t lanes)
      : OpRewritePattern(context), lanes(lanes) {}
  LogicalResult matchAndRewrite(vector::LoadOp load,
                                PatternRewriter &rewriter) const override {
    VectorType type = load.getVectorType();
    int64_t width = maskedWidth(type, lanes);
    if (width == 0)
      return failure();
    Location loc = load.getLoc();
    auto wide = VectorType::get({width}, type.getElementType());
    Value zeros = rewriter.create<arith::ConstantOp>(
        loc, wide, rewriter.getZeroAttr(wide));
    Value masked = rewriter.create<vector::MaskedLoadOp>(
        loc, wide, load.getBase(), load.getIndices(),
        prefixMask(rewriter, loc, type.getDimSize(0), width), zeros);
    rewriter.replaceOpWithNewOp<vector::ExtractStridedSliceOp>(
        load, masked, ArrayRef<int64_t>{0},
        ArrayRef<int64_t>{type.getDimSize(0)}, ArrayRef<int64_t>{1});
    return success();
  }
  int64_t lanes;
};

struct MaskRaggedLoadsPass
    : nnc::impl::MaskRaggedLoadsBase<MaskRaggedLoadsPass> {
  using MaskRaggedLoadsBase::MaskRaggedLoadsBase;

  void runOnOperation() override {
    if (lanes <= 1)
      return;
    RewritePatternSet patterns(&getContext());
    patterns.add<MaskRaggedLoad>(&getContext(), lanes);
    if (failed(
            applyPatternsAndFoldGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};

} // namespace
