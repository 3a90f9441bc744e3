//===- PrefetchStridedRows.cpp - prefetch the rows a register tile reads
//---===//
//
// Implements nnc-prefetch-strided-rows, after nnc-lower-vector-contract: in
// a register tile's reduction loop (an `scf.for` of step 1 carrying the
// accumulators), a `vector.load` of a row segment of a 2-D memref whose row
// index is `k` plus loop-invariant terms and whose rows are far apart (the
// left operand `[K, M]` of a weight gradient `dy^T x`, read at `[k, m:m+8]`)
// gets a `memref.prefetch` of the same segment `distance` rows ahead,
// clamped to the last row. Its rows are 1.5-2 KB apart (the encoder's
// feed-forward dW): every step of every tile loads a new line, the lines of
// a reduction block fall into two L1 sets and evict each other, and the
// hardware prefetchers did not keep up (the tiles ran at 60% of peak,
// each multiply-add chain waiting on its broadcast). A microbenchmark of
// that loop ran 20% faster with the prefetch 8 rows ahead (docs/codegen.md).
// A prefetch reads nothing architecturally and never faults; the clamp
// keeps its address inside the buffer all the same.
//
//===----------------------------------------------------------------------===//

#include "nnc/Target/CPU/Passes.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

namespace nnc {
#define GEN_PASS_DEF_PREFETCHSTRIDEDROWS
#include "nnc/Target/CPU/Passes.h.inc"
} // namespace nnc

using namespace mlir;

namespace {

/// Whether `index` is the induction variable `iv` of `loop` plus
/// loop-invariant terms: `iv` itself, or an `affine.apply` in `loop` that
/// grows by exactly 1 when `iv` does and whose other operands are defined
/// outside `loop`.
bool advancesWith(Value index, scf::ForOp loop) {
  Value iv = loop.getInductionVar();
  if (index == iv)
    return true;
  auto apply = index.getDefiningOp<affine::AffineApplyOp>();
  if (!apply || apply.getAffineMap().getNumResults() != 1)
    return false;
  AffineMap map = apply.getAffineMap();
  MLIRContext *ctx = map.getContext();
  unsigned dims = map.getNumDims();
  SmallVector<AffineExpr> shifted;
  for (unsigned d = 0; d < dims; ++d)
    shifted.push_back(getAffineDimExpr(d, ctx));
  for (unsigned s = 0; s < map.getNumSymbols(); ++s)
    shifted.push_back(getAffineSymbolExpr(s, ctx));
  unsigned uses = 0;
  for (auto [i, operand] : llvm::enumerate(apply.getMapOperands())) {
    if (operand == iv) {
      shifted[i] = shifted[i] + 1;
      ++uses;
    } else if (!loop.isDefinedOutsideOfLoop(operand)) {
      return false;
    }
  }
  AffineExpr expr = map.getResult(0);
  AffineExpr step = simplifyAffineExpr(
      expr.replaceDimsAndSymbols(ArrayRef(shifted).take_front(dims),
                                 ArrayRef(shifted).drop_front(dims)) -
          expr,
      dims, map.getNumSymbols());
  auto constant = dyn_cast<AffineConstantExpr>(step);
  return uses == 1 && constant && constant.getValue() == 1;
}

struct PrefetchStridedRowsPass
    : nnc::impl::PrefetchStridedRowsBase<PrefetchStridedRowsPass> {
  using PrefetchStridedRowsBase::PrefetchStridedRowsBase;

  /// Prefetches the row segment `load` reads `distance` rows ahead, when
  /// the conditions of the file comment hold.
  void prefetch(vector::LoadOp load, scf::ForOp loop) {
    MemRefType type = load.getMemRefType();
    if (type.getRank() != 2 || load.getVectorType().getRank() != 1)
      return;
    SmallVector<int64_t> strides;
    int64_t offset;
    if (failed(getStridesAndOffset(type, strides, offset)) ||
        ShapedType::isDynamic(strides[0]) || strides[1] != 1 ||
        strides[0] < minRowFloats)
      return;
    Value row = load.getIndices()[0], column = load.getIndices()[1];
    if (!advancesWith(row, loop) || !loop.isDefinedOutsideOfLoop(column) ||
        !loop.isDefinedOutsideOfLoop(load.getBase()))
      return;
    // The last row, computed once before the loop.
    OpBuilder outside(loop);
    Location loc = load.getLoc();
    Value last = outside.create<arith::SubIOp>(
        loc, outside.create<memref::DimOp>(loc, load.getBase(), 0),
        outside.create<arith::ConstantIndexOp>(loc, 1));
    Value rows = outside.create<arith::ConstantIndexOp>(loc, distance);
    OpBuilder b(load);
    Value ahead = b.create<arith::MinSIOp>(
        loc, b.create<arith::AddIOp>(loc, row, rows), last);
    b.create<memref::PrefetchOp>(loc, load.getBase(), ValueRange{ahead, column},
                                 /*isWrite=*/false, /*localityHint=*/3,
                                 /*isDataCache=*/true);
  }

  void runOnOperation() override {
    SmallVector<std::pair<vector::LoadOp, scf::ForOp>> loads;
    getOperation().walk([&](scf::ForOp loop) {
      // A reduction loop of register tiles: step 1, accumulators carried.
      std::optional<APInt> step = loop.getConstantStep();
      if (!step || *step != 1 || loop.getNumRegionIterArgs() == 0 ||
          !llvm::all_of(loop.getRegionIterArgs(), [](BlockArgument arg) {
            return isa<VectorType>(arg.getType());
          }))
        return;
      for (Operation &op : loop.getBody()->without_terminator())
        if (auto load = dyn_cast<vector::LoadOp>(op))
          loads.emplace_back(load, loop);
    });
    for (auto [load, loop] : loads)
      prefetch(load, loop);
  }
};

} // namespace
