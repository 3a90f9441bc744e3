//===- FuseIntoSlices.cpp - elementwise producers computed where sliced ---===//
//
// Implements nnc-fuse-into-slices, on linalg on tensors before
// nnc-distribute-ops: an all-parallel linalg.generic whose every use is a
// `tensor.extract_slice` nested in a loop the generic is not in (a
// convolution's per-image loops reading `dy[n]`) is computed on each slice
// instead, in its loop (`tensor::replaceExtractSliceWithTiledProducer`):
// the whole tensor is never written to memory and read back. fashion_cnn's
// first batchnorm writes its input gradient `[N, 32, 28, 28]` (12.8 MB at
// batch 128) for the first convolution's weight gradient, which reads it
// image by image; the second's `[N, 64, 14, 14]` is read by both the weight
// and the input gradient of the second convolution. Each image's gradient is
// now computed where it is read: with two readers, from its inputs twice,
// which reads less memory than writing the tensor once and reading it
// twice. Elementwise payloads compute each element on its own, so the bits
// do not change; a loop whose slices overlap would compute some elements
// twice, which is only slower.
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

/// The slices through which `op`, an all-parallel generic, is read, when
/// they are all its uses and each lies in a loop that does not contain `op`.
SmallVector<tensor::ExtractSliceOp> slicesInLoops(linalg::GenericOp op) {
  if (!op.hasPureTensorSemantics() || op->getNumResults() != 1 ||
      op.getNumParallelLoops() != op.getNumLoops() || op->use_empty())
    return {};
  SmallVector<tensor::ExtractSliceOp> slices;
  for (Operation *user : op->getResult(0).getUsers()) {
    auto slice = dyn_cast<tensor::ExtractSliceOp>(user);
    auto loop = slice ? slice->getParentOfType<LoopLikeOpInterface>()
                      : LoopLikeOpInterface();
    if (!loop || loop->isAncestor(op))
      return {};
    slices.push_back(slice);
  }
  return slices;
}

struct FuseIntoSlicesPass : nnc::impl::FuseIntoSlicesBase<FuseIntoSlicesPass> {
  void runOnOperation() override {
    SmallVector<std::pair<linalg::GenericOp, tensor::ExtractSliceOp>> found;
    getOperation().walk([&](linalg::GenericOp op) {
      for (tensor::ExtractSliceOp slice : slicesInLoops(op))
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
