//===- StridedCopyToLinalg.cpp - no memrefCopy calls in a model.so --------===//
//
// Implements nnc-strided-copy-to-linalg: `memref.copy` between views that are
// not contiguous (slices of a sequence, strided subviews left by
// bufferization) would lower to a call of MLIR's `memrefCopy` runtime
// function, which a self-contained model.so does not have. Such copies become
// loops: with `vector-lanes`, a copy of contiguous static rows moves each row
// in vector loads and stores (the row's end in narrower vectors); any other
// becomes `linalg.copy`, lowered to scalar loops like every other linalg op.
//
//===----------------------------------------------------------------------===//

#include "nnc/Target/CPU/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/Builders.h"

namespace nnc {
#define GEN_PASS_DEF_STRIDEDCOPYTOLINALG
#include "nnc/Target/CPU/Passes.h.inc"
} // namespace nnc

using namespace mlir;

namespace {

/// True when `type` is a memref whose elements are laid out contiguously in
/// row-major order (identity layout), which LLVM lowering copies with memcpy.
bool isContiguous(Type type) {
  auto memref = dyn_cast<MemRefType>(type);
  return memref && memref.getLayout().isIdentity();
}

/// True when the innermost dim of `type` has stride 1 and a static size.
bool hasContiguousRows(MemRefType type) {
  if (type.getRank() == 0 || type.isDynamicDim(type.getRank() - 1))
    return false;
  int64_t offset;
  SmallVector<int64_t> strides;
  return succeeded(getStridesAndOffset(type, strides, offset)) &&
         strides.back() == 1;
}

/// Elements per iteration of a copy's outermost dim from which its
/// iterations run in parallel (16 KB of f32).
constexpr int64_t kParallelCopyElements = 4096;

/// Copies `copy`'s source to its target row by row: loops over the outer
/// dims, then `lanes`-wide vector loads and stores along the row and
/// narrower ones for its last `row % lanes` elements.
void copyRows(memref::CopyOp copy, int64_t lanes) {
  OpBuilder b(copy);
  Location loc = copy.getLoc();
  Value src = copy.getSource(), dst = copy.getTarget();
  auto type = cast<MemRefType>(src.getType());
  int64_t rank = type.getRank(), row = type.getDimSize(rank - 1);
  Value zero = b.create<arith::ConstantIndexOp>(loc, 0);
  Value one = b.create<arith::ConstantIndexOp>(loc, 1);
  SmallVector<Value> indices;
  // The outermost dim in parallel when each of its iterations copies enough
  // (an scf.forall, a thread-pool task after nnc-outline-parallel): the
  // attention gradients' [N, T, D] slices into [N, T, 3D] were serial.
  int64_t inner = 1;
  for (int64_t d = 1; d < rank; ++d)
    inner = type.isDynamicDim(d) ? 0 : inner * type.getDimSize(d);
  for (int64_t d = 0; d + 1 < rank; ++d) {
    Value size = b.createOrFold<memref::DimOp>(loc, src, d);
    if (d == 0 && inner >= kParallelCopyElements) {
      auto loop = b.create<scf::ForallOp>(loc, ArrayRef<OpFoldResult>{size},
                                          ValueRange{},
                                          /*mapping=*/std::nullopt);
      b.setInsertionPoint(loop.getTerminator());
      indices.push_back(loop.getInductionVar(0));
      continue;
    }
    auto loop = b.create<scf::ForOp>(loc, zero, size, one);
    b.setInsertionPointToStart(loop.getBody());
    indices.push_back(loop.getInductionVar());
  }
  auto at = [&](Value column) {
    SmallVector<Value> all(indices);
    all.push_back(column);
    return all;
  };
  int64_t full = row / lanes * lanes;
  if (full > 0) {
    auto vectorType = VectorType::get({lanes}, type.getElementType());
    auto loop = b.create<scf::ForOp>(
        loc, zero, b.create<arith::ConstantIndexOp>(loc, full),
        b.create<arith::ConstantIndexOp>(loc, lanes));
    OpBuilder inner = OpBuilder::atBlockBegin(loop.getBody());
    Value v = inner.create<vector::LoadOp>(loc, vectorType, src,
                                           at(loop.getInductionVar()));
    inner.create<vector::StoreOp>(loc, v, dst, at(loop.getInductionVar()));
  }
  // The rest of the row in one vector of each narrower power of two that
  // fits (a row of 14: 8 + 4 + 2), then a scalar: rows shorter than `lanes`
  // (the 14 x 14 planes of a padded convolution input) were scalar copies.
  int64_t column = full;
  for (int64_t width = lanes / 2; width >= 2; width /= 2) {
    if (row - column < width)
      continue;
    auto vectorType = VectorType::get({width}, type.getElementType());
    Value at0 = b.create<arith::ConstantIndexOp>(loc, column);
    Value v = b.create<vector::LoadOp>(loc, vectorType, src, at(at0));
    b.create<vector::StoreOp>(loc, v, dst, at(at0));
    column += width;
  }
  if (column < row) {
    Value at0 = b.create<arith::ConstantIndexOp>(loc, column);
    Value x = b.create<memref::LoadOp>(loc, src, at(at0));
    b.create<memref::StoreOp>(loc, x, dst, at(at0));
  }
}

struct StridedCopyToLinalgPass
    : nnc::impl::StridedCopyToLinalgBase<StridedCopyToLinalgPass> {
  using StridedCopyToLinalgBase::StridedCopyToLinalgBase;

  void runOnOperation() override {
    SmallVector<memref::CopyOp> copies;
    getOperation()->walk([&](memref::CopyOp copy) {
      if (!isContiguous(copy.getSource().getType()) ||
          !isContiguous(copy.getTarget().getType()))
        copies.push_back(copy);
    });
    for (memref::CopyOp copy : copies) {
      auto src = cast<MemRefType>(copy.getSource().getType());
      auto dst = cast<MemRefType>(copy.getTarget().getType());
      if (vectorLanes > 0 && src.getElementType().isF32() &&
          hasContiguousRows(src) && hasContiguousRows(dst)) {
        copyRows(copy, vectorLanes);
      } else {
        OpBuilder b(copy);
        b.create<linalg::CopyOp>(copy.getLoc(), copy.getSource(),
                                 copy.getTarget());
      }
      copy.erase();
    }
  }
};

} // namespace
