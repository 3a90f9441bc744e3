//===- Recurrent.cpp - nn Recurrent lowering (in progress) ----------------------===//
//
// Placeholder: the patterns of this family are being written.
//
//===----------------------------------------------------------------------===//

#include "LoweringUtils.h"
#include "nnc/Conversion/NNToLinalg/NNToLinalg.h"

using namespace mlir;

void nnc::populateNNRecurrentPatterns(RewritePatternSet &patterns) {}
