//===- nnc-opt.cpp - mlir-opt for the nn dialect --------------------------===//
//
// The `mlir-opt` of nnc, used by the lit tests: MlirOptMain with the nn
// dialect and the upstream dialects of the pipeline registered, MLIR's
// generic passes (canonicalize, cse, ...) and nnc's own passes.
//
//===----------------------------------------------------------------------===//

#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"
#include "mlir/Transforms/Passes.h"

#include "nnc/Conversion/Passes.h"
#include "nnc/InitAllDialects.h"
#include "nnc/Target/Registration.h"
#include "nnc/Transforms/Passes.h"

int main(int argc, char **argv) {
  mlir::registerTransformsPasses();
  mlir::registerLinalgPasses();
  mlir::bufferization::registerBufferizationPasses();
  nnc::registerNNCPasses();
  nnc::registerTargetPasses();
  nnc::registerNNCConversionPasses();

  mlir::DialectRegistry registry;
  nnc::registerAllDialects(registry);
  nnc::registerTargetDialects(registry);
  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "nnc optimizer driver\n", registry));
}
