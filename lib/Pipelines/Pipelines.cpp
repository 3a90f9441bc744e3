//===- Pipelines.cpp - pass pipelines composed from nnc's passes ----------===//
//
// The nn-level pipeline and the nn-to-linalg pipeline, as compositions of the
// passes declared in the Transforms and Conversion Passes.td files.
//
//===----------------------------------------------------------------------===//

#include "nnc/Pipelines/Pipelines.h"

#include "nnc/Conversion/Passes.h"

#include "mlir/Transforms/Passes.h"

using namespace mlir;

void nnc::buildNNPipeline(OpPassManager &pm,
                          const NNPipelineOptions &options) {
  pm.addPass(createCanonicalizerPass());
  (void)options;
}

void nnc::buildNNToLinalgPipeline(OpPassManager &pm) {
  pm.addPass(nnc::createConvertNNToLinalg());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
}
