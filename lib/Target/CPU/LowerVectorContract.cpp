//===- LowerVectorContract.cpp - vector.contract to outer products --------===//
//
// Implements nnc-lower-vector-contract, the post-bufferization half of the
// matmul schedule: vector.contract becomes vector.outerproduct (lowered to
// FMAs by the LLVM conversion), the strategy measured fastest in
// docs/cpu-codegen, and n-D vector transfers are fully unrolled to 1-D ones
// instead of going through a stack buffer.
//
//===----------------------------------------------------------------------===//

#include "nnc/Target/CPU/Passes.h"

#include "mlir/Conversion/VectorToSCF/VectorToSCF.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Dialect/Vector/Transforms/LoweringPatterns.h"
#include "mlir/Dialect/Vector/Transforms/VectorTransforms.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace nnc {
#define GEN_PASS_DEF_LOWERVECTORCONTRACT
#include "nnc/Target/CPU/Passes.h.inc"
} // namespace nnc

using namespace mlir;

namespace {

struct LowerVectorContractPass
    : nnc::impl::LowerVectorContractBase<LowerVectorContractPass> {
  void runOnOperation() override {
    MLIRContext *ctx = &getContext();
    RewritePatternSet patterns(ctx);
    vector::VectorTransformsOptions contract;
    contract.setVectorTransformsOptions(
        vector::VectorContractLowering::OuterProduct);
    vector::populateVectorContractLoweringPatterns(patterns, contract);
    // Reads that broadcast (a row statistic [N, T, 1] read as a row of
    // [N, T, D] in layernorm's gradient) become a read of what is there and
    // a vector.broadcast, and a 1-D read a load, before VectorToSCF unrolls
    // transfers: it turned such a read into a loop of 64 scalar loads of the
    // same element and as many inserts. LLVM cleaned that loop up (the
    // kernel's time did not change, 0.065 ms on the encoder), but it was
    // IR for every later pass and for LLVM to remove.
    vector::populateVectorTransferPermutationMapLoweringPatterns(patterns,
                                                                 /*benefit=*/2);
    vector::populateVectorTransferLoweringPatterns(patterns,
                                                   /*maxTransferRank=*/1,
                                                   /*benefit=*/2);
    populateVectorToSCFConversionPatterns(
        patterns,
        VectorTransferToSCFOptions().setTargetRank(1).enableFullUnroll());
    if (failed(
            applyPatternsAndFoldGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};

} // namespace
