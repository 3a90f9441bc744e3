//===- Passes.h - nnc conversion passes ----------------------- -*- C++ -*-===//
//
// Declares the conversion passes of nnc (generated from Passes.td with
// GEN_PASS_DECL) and `nnc::registerNNCConversionPasses()`
// (GEN_PASS_REGISTRATION), which makes them known to `nnc-opt` and to
// textual pipelines.
//
//===----------------------------------------------------------------------===//

#ifndef NNC_CONVERSION_PASSES_H
#define NNC_CONVERSION_PASSES_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

namespace nnc {

#define GEN_PASS_DECL
#include "nnc/Conversion/Passes.h.inc"

/// `registerNNCConversionPasses()`: registers every conversion pass.
#define GEN_PASS_REGISTRATION
#include "nnc/Conversion/Passes.h.inc"

} // namespace nnc

#endif // NNC_CONVERSION_PASSES_H
