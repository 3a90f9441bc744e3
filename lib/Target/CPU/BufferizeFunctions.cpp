//===- BufferizeFunctions.cpp - One-Shot Bufferize, functions in parallel -===//
//
// Implements nnc-bufferize-functions: One-Shot Bufferize (MLIR's
// runOneShotBufferize) of each function of the module on its own, with the
// settings of the CPU pipeline. The module-level `one-shot-bufferize` pass
// bufferizes the entry points one after the other, single-threaded: LeNet-5
// spent 0.31 s of its 2.7 s compile there. With function boundaries left
// alone (they are memrefs already) nothing it decides crosses a function,
// so the functions are bufferized side by side on the context's threads.
// The one thing that does touch the module is a tensor constant, which
// becomes a `memref.global` beside the functions: functions holding one
// are bufferized first, one at a time, so that no two threads add to (or
// search) the module's symbols at once.
//
//===----------------------------------------------------------------------===//

#include "nnc/Target/CPU/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Bufferization/Transforms/OneShotAnalysis.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/Threading.h"

namespace nnc {
#define GEN_PASS_DEF_BUFFERIZEFUNCTIONS
#include "nnc/Target/CPU/Passes.h.inc"
} // namespace nnc

using namespace mlir;

namespace {

/// Whether bufferizing `func` adds a global to the module: it holds a
/// constant of tensor type.
bool holdsTensorConstant(func::FuncOp func) {
  return func
      .walk([](arith::ConstantOp constant) {
        return isa<TensorType>(constant.getType()) ? WalkResult::interrupt()
                                                   : WalkResult::advance();
      })
      .wasInterrupted();
}

struct BufferizeFunctionsPass
    : nnc::impl::BufferizeFunctionsBase<BufferizeFunctionsPass> {
  void runOnOperation() override {
    bufferization::OneShotBufferizationOptions options;
    options.bufferizeFunctionBoundaries = false;
    // Loops may carry freshly allocated tensors (recurrent states); the
    // deallocation pipeline of buildLinalgToLLVMPipeline frees them.
    options.allowReturnAllocsFromLoops = true;
    options.setFunctionBoundaryTypeConversion(
        bufferization::LayoutMapOption::IdentityLayoutMap);
    auto bufferize = [&](func::FuncOp func) {
      return bufferization::runOneShotBufferize(func, options);
    };
    SmallVector<func::FuncOp> alone, parallel;
    for (auto func : getOperation().getOps<func::FuncOp>())
      if (!func.isExternal())
        (holdsTensorConstant(func) ? alone : parallel).push_back(func);
    for (func::FuncOp func : alone)
      if (failed(bufferize(func)))
        return signalPassFailure();
    if (failed(failableParallelForEach(&getContext(), parallel, bufferize)))
      signalPassFailure();
  }
};

} // namespace
