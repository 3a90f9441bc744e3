//===- TimeReport.h - the text of nnc --time-report -------------*- C++ -*-===//
//
// Private to lib/Pipelines.
//
//===----------------------------------------------------------------------===//

#ifndef NNC_LIB_PIPELINES_TIMEREPORT_H
#define NNC_LIB_PIPELINES_TIMEREPORT_H

#include "mlir/Support/Timing.h"

#include <memory>

namespace nnc {

/// MLIR's text report of the stages and passes as a tree, followed by the
/// longest of them as a list (each name's wall time summed over its runs,
/// the longest first): what to look at first.
std::unique_ptr<mlir::OutputStrategy>
createTimeReportOutput(llvm::raw_ostream &os);

} // namespace nnc

#endif // NNC_LIB_PIPELINES_TIMEREPORT_H
