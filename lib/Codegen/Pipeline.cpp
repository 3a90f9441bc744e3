//===- Pipeline.cpp - the pipeline prefix every back end shares -----------===//
//
// The CPU and CUDA pipelines both start here, so what they fuse cannot
// drift apart (it did: the CUDA pipeline used to run the stock
// linalg-fuse-elementwise-ops, which folds reshapes into contractions and
// recomputes broadcast producers per element).
//
//===----------------------------------------------------------------------===//

#include "nnc/Codegen/Pipeline.h"
#include "nnc/Codegen/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

void nnc::buildFusionPipeline(OpPassManager &pm) {
  // Per function, so that the entry points (predict, grads, train_step,
  // apply) are fused on several threads at once.
  OpPassManager &func = pm.nest<func::FuncOp>();
  func.addPass(createCanonicalizerPass());
  // The adjoints recompute forward values (batchnorm_train's statistics):
  // the same ops on the same operands, computed once before fusion copies
  // them into different consumers.
  func.addPass(createCSEPass());
  func.addPass(nnc::createFuseElementwise());
  func.addPass(createCanonicalizerPass());
  func.addPass(createCSEPass());
}

void nnc::buildSharedPrefix(OpPassManager &pm) {
  buildFusionPipeline(pm);
  pm.addPass(nnc::createDestinationPassing());
}
