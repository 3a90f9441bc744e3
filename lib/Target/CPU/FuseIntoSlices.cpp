//===- FuseIntoSlices.cpp - elementwise producers computed where sliced ---===//
//
// Implements nnc-fuse-into-slices, on linalg on tensors before
// nnc-distribute-ops: an all-parallel linalg.generic whose only use is one
// `tensor.extract_slice` nested in a loop the generic is not in (a
// convolution's per-image loop reading `dy[n]`) is computed on that slice
// instead, in the loop (`tensor::replaceExtractSliceWithTiledProducer`):
// the whole tensor is never written to memory and read back. fashion_cnn's
// first batchnorm writes its input gradient `[N, 32, 28, 28]` (12.8 MB at
// batch 128) for the first convolution's weight gradient, which reads it
// image by image; each image's gradient is now computed where it is read.
// Elementwise payloads compute each element on its own, so the bits do not
// change; a loop whose slices overlap would compute some elements twice,
// which is only slower.
//
//===----------------------------------------------------------------------===//

#include "nnc/Target/CPU/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Tensor/Transforms/Transforms.h"
#include "mlir/Interfaces/LoopLikeInterface.h"

namespace nnc {
#define GEN_PASS_DEF_FUSEINTOSLICES
#include "nnc/Target/CPU/Passes.h.inc"
} // namespace nnc

using namespace mlir;

namespace {

/// The slice through which `op`, an all-parallel generic, is read, when it
/// is its only use and lies in a loop that does not contain `op`.
tensor::ExtractSliceOp slicedInLoop(linalg::GenericOp op) {
  if (!op.hasPureTensorSemantics() || op->getNumResults() != 1 ||
      op.getNumParallelLoops() != op.getNumLoops() ||
      !op->getResult(0).hasOneUse())
    return nullptr;
  auto slice =
      dyn_cast<tensor::ExtractSliceOp>(*op->getResult(0).getUsers().begin());
  if (!slice)
    return nullptr;
  auto loop = slice->getParentOfType<LoopLikeOpInterface>();
  if (!loop || loop->isAncestor(op))
    return nullptr;
  return slice;
}

struct FuseIntoSlicesPass : nnc::impl::FuseIntoSlicesBase<FuseIntoSlicesPass> {
  void runOnOperation() override {
    SmallVector<std::pair<linalg::GenericOp, tensor::ExtractSliceOp>> found;
    getOperation().walk([&](linalg::GenericOp op) {
      if (tensor::ExtractSliceOp slice = slicedInLoop(op))
        found.emplace_back(op, slice);
    });
    for (auto [op, slice] : found) {
      OpBuilder b(slice);
      FailureOr<TilingResult> tiled =
          tensor::replaceExtractSliceWithTiledProducer(
              b, slice, cast<OpResult>(op->getResult(0)));
      if (failed(tiled))
        continue;
      Value value = tiled->tiledValues.front();
      // A rank-reducing slice: the same drop of unit dims on the tile.
      if (value.getType() != slice.getType()) {
        auto type = cast<RankedTensorType>(value.getType());
        SmallVector<OpFoldResult> zeros(type.getRank(), b.getIndexAttr(0)),
            ones(type.getRank(), b.getIndexAttr(1));
        value = b.create<tensor::ExtractSliceOp>(
            slice.getLoc(), slice.getType(), value, zeros,
            tensor::getMixedSizes(b, slice.getLoc(), value), ones);
      }
      slice.replaceAllUsesWith(value);
      slice->erase();
      if (op->use_empty())
        op->erase();
    }
  }
};

} // namespace
