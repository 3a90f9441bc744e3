//===- FlopCount.h - FLOPs of a call of an outlined loop function -*- C++
//-*-===//
//
// The FLOP count of one call of an outlined loop function, for
// nnc-profile-loops (FlopCount.cpp, docs/performance.md).
//
//===----------------------------------------------------------------------===//

#ifndef NNC_TARGET_CPU_FLOPCOUNT_H
#define NNC_TARGET_CPU_FLOPCOUNT_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"

#include <memory>

namespace nnc {

class FlopAnalysis;

/// The FLOPs of calls of outlined loop functions, with what it learnt of
/// the functions it has seen (which call other functions with float ops).
class FlopCounts {
public:
  FlopCounts();
  ~FlopCounts();

  /// Whether the FLOPs of a call of `callee` can be computed from its
  /// operands; `needsLoops` is set when that takes loops or branches (a
  /// counting function of its own, not code at the call site).
  bool isKnown(mlir::func::FuncOp callee, bool &needsLoops);

  /// The FLOPs of a call of `callee` with `operands`, as i64, built at `b`'s
  /// insertion point (only where isKnown).
  mlir::Value build(mlir::func::FuncOp callee, mlir::ValueRange operands,
                    mlir::OpBuilder &b, mlir::Location loc);

private:
  std::unique_ptr<FlopAnalysis> analysis;
};

} // namespace nnc

#endif // NNC_TARGET_CPU_FLOPCOUNT_H
