//===- CPUPipeline.cpp - linalg on tensors to LLVM-dialect kernels --------===//
//
// Composes the CPU lowering: the shared prefix (elementwise fusion,
// destination passing, nnc/Codegen/Pipeline.h), thread chunks, the
// matmul schedule (tiling and vectorization), one-shot bufferization with
// deallocation, lowering of loops, vectors, memrefs, math and arith to the LLVM
// dialect (each top-level loop nest in a function of its own), and the packed
// kernel entry points.
//
//===----------------------------------------------------------------------===//

#include "nnc/Target/CPU/CPUPipeline.h"
#include "nnc/Codegen/Pipeline.h"
#include "nnc/Target/CPU/Passes.h"

#include "mlir/Conversion/AffineToStandard/AffineToStandard.h"
#include "mlir/Conversion/ArithToLLVM/ArithToLLVM.h"
#include "mlir/Conversion/ControlFlowToLLVM/ControlFlowToLLVM.h"
#include "mlir/Conversion/FuncToLLVM/ConvertFuncToLLVMPass.h"
#include "mlir/Conversion/IndexToLLVM/IndexToLLVM.h"
#include "mlir/Conversion/MathToLLVM/MathToLLVM.h"
#include "mlir/Conversion/MathToLibm/MathToLibm.h"
#include "mlir/Conversion/MemRefToLLVM/MemRefToLLVM.h"
#include "mlir/Conversion/ReconcileUnrealizedCasts/ReconcileUnrealizedCasts.h"
#include "mlir/Conversion/SCFToControlFlow/SCFToControlFlow.h"
#include "mlir/Conversion/VectorToLLVM/ConvertVectorToLLVMPass.h"
#include "mlir/Conversion/VectorToSCF/VectorToSCF.h"
#include "mlir/Dialect/Bufferization/Pipelines/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

void nnc::buildCPUBufferizePipeline(OpPassManager &pm,
                                    const CPUCodegenOptions &options) {
  buildSharedPrefix(pm);
  CPUTarget target = getCPUTarget(options);
  // Before the chunks: a matmul_transpose_a is chunked and scheduled like a
  // matmul, and the transpose it replaces is no op to chunk.
  // First: the convolution's product is still a matmul of its own here.
  if (options.vectorizeMatmul && options.vectorizeOps) {
    FuseConvPoolOptions convPool;
    convPool.vectorLanes = target.lanes();
    pm.addNestedPass<func::FuncOp>(nnc::createFuseConvPool(convPool));
  }
  if (options.vectorizeMatmul) {
    pm.addNestedPass<func::FuncOp>(nnc::createFoldLhsTranspose());
    pm.addNestedPass<func::FuncOp>(nnc::createFoldHeadTransposes());
    pm.addNestedPass<func::FuncOp>(nnc::createCollapseEpilogues());
    pm.addNestedPass<func::FuncOp>(nnc::createAlignMatmulRows());
  }
  pm.addNestedPass<func::FuncOp>(nnc::createFuseSiblingReductions());
  pm.addNestedPass<func::FuncOp>(nnc::createFuseIntoSlices());
  // Chunks for the threads, whether or not they run on several: the same
  // chunks, hence the same bits, for any thread count.
  DistributeOpsOptions distribute;
  distribute.tileM = target.matmulTileM;
  distribute.tileN = target.matmulTileN;
  pm.addNestedPass<func::FuncOp>(nnc::createDistributeOps(distribute));
  pm.addNestedPass<func::FuncOp>(nnc::createFuseForalls());
  if (options.vectorizeOps) {
    FuseRowsOptions rows;
    rows.tileElements = 8 * target.lanes();
    pm.addNestedPass<func::FuncOp>(nnc::createFuseRows(rows));
  }
  if (options.vectorizeMatmul) {
    pm.addNestedPass<func::FuncOp>(nnc::createBatchMatmulLoop());
    MatmulScheduleOptions schedule;
    schedule.tileM = target.matmulTileM;
    schedule.tileN = target.matmulTileN;
    pm.addPass(nnc::createMatmulSchedule(schedule));
  }
  if (options.vectorizeOps) {
    VectorizeIm2colOptions im2col;
    im2col.vectorLanes = target.lanes();
    pm.addNestedPass<func::FuncOp>(nnc::createVectorizeIm2col(im2col));
    VectorizeOpsOptions vectorize;
    vectorize.vectorLanes = target.lanes();
    vectorize.vectorElements = 8 * vectorize.vectorLanes;
    vectorize.transposeBlocks = target.vectorBits >= 256;
    pm.addNestedPass<func::FuncOp>(nnc::createVectorizeOps(vectorize));
    // Two rows per iteration: the encoder's GELU epilogue 3-4% faster than
    // one row or the whole 8-row tile, 7% faster than four rows.
    pm.addNestedPass<func::FuncOp>(nnc::createEpilogueRowLoops());
  }

  pm.addNestedPass<func::FuncOp>(nnc::createSplitEmptyTensors());
  pm.addPass(nnc::createBufferizeFunctions());
  // The chunks' static temporaries in one buffer per loop, before the
  // deallocation passes free it (and before nnc summary's workspace
  // estimate counts the allocations).
  pm.addNestedPass<func::FuncOp>(nnc::createHoistChunkAllocs());
}

void nnc::buildLinalgToLLVMPipeline(OpPassManager &pm,
                                    const CPUCodegenOptions &options) {
  buildCPUBufferizePipeline(pm, options);
  CPUTarget target = getCPUTarget(options);
  // bufferization::buildBufferDeallocationPipeline, per function but for
  // the lowering of bufferization.dealloc, which may add a helper function
  // to the module.
  {
    OpPassManager &func = pm.nest<func::FuncOp>();
    func.addPass(memref::createExpandReallocPass(/*emitDeallocs=*/false));
    func.addPass(createCanonicalizerPass());
    func.addPass(bufferization::createOwnershipBasedBufferDeallocationPass());
    func.addPass(createCanonicalizerPass());
    func.addPass(bufferization::createBufferDeallocationSimplificationPass());
    // Each buffer freed right after its last use rather than at the end of
    // its block: the allocator reuses it while it is still in cache.
    func.addPass(nnc::createDeallocAfterLastUse());
  }
  pm.addPass(bufferization::createLowerDeallocationsPass());
  {
    OpPassManager &func = pm.nest<func::FuncOp>();
    func.addPass(createCSEPass());
    func.addPass(createCanonicalizerPass());
  }
  // The tiles' n-D transfers are flattened before the contract lowering's
  // full unroll would split them into rows.
  if (options.vectorizeOps) {
    FlattenVectorTransfersOptions flatten;
    flatten.registerBits = target.vectorBits;
    pm.addNestedPass<func::FuncOp>(nnc::createFlattenVectorTransfers(flatten));
  }
  if (options.vectorizeMatmul) {
    SplitReductionChainsOptions chains;
    chains.registerBits = target.vectorBits;
    pm.addNestedPass<func::FuncOp>(nnc::createSplitReductionChains(chains));
    pm.addNestedPass<func::FuncOp>(nnc::createLowerVectorContract());
  }
  if (options.vectorizeOps) {
    LowerVectorOpsOptions lowerVectors;
    lowerVectors.registerBits = target.vectorBits;
    lowerVectors.avx2Transpose = target.vectorBits >= 256;
    pm.addNestedPass<func::FuncOp>(nnc::createLowerVectorOps(lowerVectors));
  }

  StridedCopyToLinalgOptions copies;
  if (options.vectorizeOps)
    copies.vectorLanes = target.lanes();
  pm.addNestedPass<func::FuncOp>(nnc::createStridedCopyToLinalg(copies));
  if (options.vectorizeOps) {
    WidenRowStoresOptions rows;
    rows.lanes = target.lanes();
    pm.addNestedPass<func::FuncOp>(nnc::createWidenRowStores(rows));
  }
  // Every allocation of the kernels is in place: which arguments a failed
  // call may have changed (the shim's undo copy).
  pm.addNestedPass<func::FuncOp>(nnc::createMarkUndoArgs());
  // After nnc-mark-undo-args: a memref.prefetch has no declared memory
  // effects, which that pass would take for a write of every argument.
  if (options.vectorizeMatmul)
    pm.addNestedPass<func::FuncOp>(nnc::createPrefetchStridedRows());
  pm.addNestedPass<func::FuncOp>(createConvertLinalgToLoopsPass());
  pm.addNestedPass<func::FuncOp>(createConvertVectorToSCFPass());
  OutlineParallelOptions parallel;
  parallel.threads = options.threads;
  pm.addPass(nnc::createOutlineParallel(parallel));
  pm.addPass(nnc::createOutlineLoops());
  pm.addPass(nnc::createMergeFunctions());
  // The profiler (NNC_PROFILE) lives in the shim, like the block cache.
  if (options.shimAllocator)
    pm.addPass(nnc::createProfileLoops());
  // The passes that need no other function than the one they rewrite run
  // per function, on several threads (the outlined kernels are hundreds of
  // functions); those that add declarations to the module (libm, malloc,
  // the LLVM functions) on the module.
  {
    OpPassManager &func = pm.nest<func::FuncOp>();
    func.addPass(createLowerAffinePass());
    func.addPass(createConvertSCFToCFPass());
    func.addPass(createCanonicalizerPass());
    func.addPass(createCSEPass());
    // math first: libm calls on vectors are scalarized with vector ops,
    // which the vector conversion below then lowers.
    func.addPass(nnc::createMathApproximation());
    func.addPass(createConvertMathToLLVMPass());
  }
  pm.addPass(createConvertMathToLibmPass());
  {
    OpPassManager &func = pm.nest<func::FuncOp>();
    // Vector reductions (softmax and layernorm rows, loss sums) as trees of
    // vector adds rather than a sequential chain of scalar ones.
    ConvertVectorToLLVMPassOptions vectorToLLVM;
    vectorToLLVM.reassociateFPReductions = true;
    func.addPass(createConvertVectorToLLVMPass(vectorToLLVM));
    func.addPass(memref::createExpandStridedMetadataPass());
    func.addPass(createLowerAffinePass());
  }
  pm.addPass(createFinalizeMemRefToLLVMConversionPass());
  {
    OpPassManager &func = pm.nest<func::FuncOp>();
    func.addPass(createArithToLLVMConversionPass());
    func.addPass(createConvertIndexToLLVMPass());
  }
  pm.addPass(createConvertFuncToLLVMPass());
  pm.addPass(createConvertControlFlowToLLVMPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
  if (options.shimAllocator)
    pm.addPass(nnc::createHostAlloc());
  pm.addPass(nnc::createParallelTaskCalls());
  pm.addPass(nnc::createPackKernelArgs());
}
