//===- FlattenVectorTransfers.cpp - n-D tile transfers to 1-D ones --------===//
//
// Implements nnc-flatten-vector-transfers, after bufferization and before the
// contract and vector lowerings (which unroll every n-D transfer into its
// rows): a transfer of rank 4 or more (a tile of nnc-vectorize-ops, such as
// a row of pooling windows [1, 1, 1, 2, 14, 2]) loses its unit dims and, when
// the memory it covers is contiguous and its rows are narrower than a
// register, becomes one 1-D transfer and a shape_cast. Unrolled, that row of
// windows was 28 loads of 2 floats. The matmul schedule's transfers (rank 2)
// are left to nnc-lower-vector-contract as they are, and so are rank-3 tiles:
// flattening the per-tap adds of the per-image convolution input gradient
// ([1, 2, 14] rows of a [C, 14, 14] image) doubled that loop's time
// (fashion_cnn conv2, 15 -> 29 ms per train step).
//
//===----------------------------------------------------------------------===//

#include "nnc/Target/CPU/Passes.h"

#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Dialect/Vector/Transforms/VectorRewritePatterns.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace nnc {
#define GEN_PASS_DEF_FLATTENVECTORTRANSFERS
#include "nnc/Target/CPU/Passes.h.inc"
} // namespace nnc

using namespace mlir;

namespace {

struct FlattenVectorTransfersPass
    : nnc::impl::FlattenVectorTransfersBase<FlattenVectorTransfersPass> {
  using FlattenVectorTransfersBase::FlattenVectorTransfersBase;

  void runOnOperation() override {
    SmallVector<Operation *> transfers;
    getOperation()->walk([&](VectorTransferOpInterface op) {
      if (op.getVectorType().getRank() >= 4)
        transfers.push_back(op);
    });
    if (transfers.empty())
      return;
    RewritePatternSet patterns(&getContext());
    // Unit dims first: they make the view look non-contiguous (a
    // [1, 1, 1, 2, 14, 2] tile of a [N, 32, 14, 2, 14, 2] view).
    vector::populateVectorTransferDropUnitDimsPatterns(patterns);
    vector::populateFlattenVectorTransferPatterns(patterns, registerBits - 32);
    GreedyRewriteConfig config;
    config.strictMode = GreedyRewriteStrictness::ExistingAndNewOps;
    (void)applyOpPatternsAndFold(transfers, std::move(patterns), config);
  }
};

} // namespace
