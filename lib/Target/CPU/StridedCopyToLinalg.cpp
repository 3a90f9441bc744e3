//===- StridedCopyToLinalg.cpp - no memrefCopy calls in a model.so --------===//
//
// Implements nnc-strided-copy-to-linalg: `memref.copy` between views that are
// not contiguous (slices of a sequence, strided subviews left by
// bufferization) would lower to a call of MLIR's `memrefCopy` runtime
// function, which a self-contained model.so does not have. Such copies become
// `linalg.copy`, lowered to loops like every other linalg op.
//
//===----------------------------------------------------------------------===//

#include "nnc/Target/CPU/Passes.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/Builders.h"

namespace nnc {
#define GEN_PASS_DEF_STRIDEDCOPYTOLINALG
#include "nnc/Target/CPU/Passes.h.inc"
} // namespace nnc

using namespace mlir;

namespace {

/// True when `type` is a memref whose elements are laid out contiguously in
/// row-major order (identity layout), which LLVM lowering copies with memcpy.
bool isContiguous(Type type) {
  auto memref = dyn_cast<MemRefType>(type);
  return memref && memref.getLayout().isIdentity();
}

struct StridedCopyToLinalgPass
    : nnc::impl::StridedCopyToLinalgBase<StridedCopyToLinalgPass> {
  void runOnOperation() override {
    SmallVector<memref::CopyOp> copies;
    getOperation()->walk([&](memref::CopyOp copy) {
      if (!isContiguous(copy.getSource().getType()) ||
          !isContiguous(copy.getTarget().getType()))
        copies.push_back(copy);
    });
    for (memref::CopyOp copy : copies) {
      OpBuilder b(copy);
      b.create<linalg::CopyOp>(copy.getLoc(), copy.getSource(),
                               copy.getTarget());
      copy.erase();
    }
  }
};

} // namespace
