//===- Pooling.cpp - nn Pooling lowering (in progress) ----------------------===//
//
// Placeholder: the patterns of this family are being written.
//
//===----------------------------------------------------------------------===//

#include "LoweringUtils.h"
#include "nnc/Conversion/NNToLinalg/NNToLinalg.h"

using namespace mlir;

void nnc::populateNNPoolingPatterns(RewritePatternSet &patterns) {}
