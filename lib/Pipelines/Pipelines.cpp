//===- Pipelines.cpp - pass pipelines composed from nnc's passes ----------===//
//
// The nn-level pipeline and the nn-to-linalg pipeline, as compositions of the
// passes declared in the Transforms and Conversion Passes.td files.
//
//===----------------------------------------------------------------------===//

#include "nnc/Pipelines/Pipelines.h"

#include "nnc/Conversion/Passes.h"
#include "nnc/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

void nnc::buildNNPipeline(OpPassManager &pm, const NNPipelineOptions &options) {
  pm.addPass(createCanonicalizerPass());
  if (options.training) {
    nnc::AutodiffOptions autodiff;
    autodiff.inputGrads = options.inputGrads;
    pm.addPass(nnc::createAutodiff(autodiff));
    pm.addPass(nnc::createOptimizer());
    buildGradientCleanupPipeline(pm);
  }
}

void nnc::buildGradientCleanupPipeline(OpPassManager &pm) {
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  pm.addNestedPass<func::FuncOp>(nnc::createLayerNormParamGrads());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
}

void nnc::buildNNToLinalgPipeline(OpPassManager &pm, bool perImageConvolutions,
                                  int64_t recurrentBatchRows) {
  ConvertNNToLinalgOptions options;
  options.perImageConvolutions = perImageConvolutions;
  options.recurrentBatchRows = recurrentBatchRows;
  pm.addPass(nnc::createConvertNNToLinalg(options));
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
}
