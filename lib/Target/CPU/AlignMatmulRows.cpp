//===- AlignMatmulRows.cpp - right operands whose rows start on a line ----===//
//
// Implements nnc-align-matmul-rows: when the right operand `[K, N]` of a
// `linalg.matmul` is computed into a fresh tensor by one linalg op whose
// result is collapsed into that matrix (a convolution's im2col columns
// `[C, KH, KW, OH, OW] -> [C * KH * KW, OH * OW]`), and N floats are not a
// whole number of 64-byte cache lines, the op writes into a slice
// `[K, N]` of a buffer `[K, N rounded up to 16]` instead, so that every row
// of the matrix starts on a cache line. The register tiles load 32 floats of
// a row per step of K: with rows of 196 floats (fashion_cnn's 14 x 14
// images) most of those loads straddled two lines, and the product ran at
// 159 GFLOP/s where aligned rows give 185 (docs/codegen.md). The padding
// columns are never read or written.
//
//===----------------------------------------------------------------------===//

#include "nnc/Target/CPU/Passes.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include "llvm/Support/MathExtras.h"

namespace nnc {
#define GEN_PASS_DEF_ALIGNMATMULROWS
#include "nnc/Target/CPU/Passes.h.inc"
} // namespace nnc

using namespace mlir;

namespace {

/// f32 elements in a 64-byte cache line.
constexpr int64_t kLineFloats = 16;

struct AlignMatmulRowsPass
    : nnc::impl::AlignMatmulRowsBase<AlignMatmulRowsPass> {
  /// Gives the producer of `matmul`'s right operand a row-aligned buffer
  /// when the conditions of the file comment hold.
  static void align(linalg::MatmulOp matmul) {
    auto collapse =
        matmul.getInputs()[1].getDefiningOp<tensor::CollapseShapeOp>();
    if (!collapse || !collapse->hasOneUse())
      return;
    RankedTensorType matrixType = collapse.getResultType();
    if (matrixType.getRank() != 2 || !matrixType.hasStaticShape() ||
        !matrixType.getElementType().isF32())
      return;
    int64_t rows = matrixType.getDimSize(0), cols = matrixType.getDimSize(1);
    if (cols % kLineFloats == 0 || cols < kLineFloats)
      return;
    auto producer = collapse.getSrc().getDefiningOp<linalg::LinalgOp>();
    if (!producer || producer->getNumResults() != 1 ||
        !producer->getResult(0).hasOneUse() || producer.getNumDpsInits() != 1)
      return;
    OpOperand *init = producer.getDpsInitOperand(0);
    if (!init->get().getDefiningOp<tensor::EmptyOp>() ||
        producer.payloadUsesValueFromOperand(init))
      return;
    OpBuilder b(producer);
    Location loc = producer.getLoc();
    int64_t stride = llvm::alignTo(cols, kLineFloats);
    // alloc_tensor, not tensor.empty: canonicalization would fold the slice
    // of an empty tensor into a smaller empty tensor.
    Value storage = b.create<bufferization::AllocTensorOp>(
        loc, RankedTensorType::get({rows, stride}, b.getF32Type()),
        ValueRange{});
    Value matrix = b.create<tensor::ExtractSliceOp>(
        loc, matrixType, storage,
        ArrayRef<OpFoldResult>{b.getIndexAttr(0), b.getIndexAttr(0)},
        ArrayRef<OpFoldResult>{b.getIndexAttr(rows), b.getIndexAttr(cols)},
        ArrayRef<OpFoldResult>{b.getIndexAttr(1), b.getIndexAttr(1)});
    Value expanded = b.create<tensor::ExpandShapeOp>(
        loc, collapse.getSrcType(), matrix, collapse.getReassociationIndices());
    init->set(expanded);
  }

  void runOnOperation() override {
    getOperation().walk([](linalg::MatmulOp matmul) { align(matmul); });
  }
};

} // namespace
