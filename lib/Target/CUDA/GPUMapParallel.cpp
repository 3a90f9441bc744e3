//===- GPUMapParallel.cpp - scf.parallel onto GPU blocks and threads ------===//
//
// Implements nnc-gpu-map-parallel: each outermost scf.parallel of a host
// function is tiled so that one block holds up to 256 threads, handed out
// from the innermost dimension (the contiguous one) outwards, and annotated
// with the mapping that convert-parallel-loops-to-gpu reads: in-tile loop to
// threads, innermost dimension on thread x; tile loop to blocks, its three
// dimensions with the most tiles on block x, y, z (the largest, often the
// dynamic batch, on x: y and z allow only 65535 blocks), any other
// dimension sequential. Nested scf.parallel loops run sequentially inside
// the thread.
//
//===----------------------------------------------------------------------===//

#include "nnc/Target/CUDA/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/GPU/Transforms/ParallelLoopMapper.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/Transforms/Transforms.h"
#include "mlir/IR/Matchers.h"

#include <limits>

namespace nnc {
#define GEN_PASS_DEF_GPUMAPPARALLEL
#include "nnc/Target/CUDA/Passes.h.inc"
} // namespace nnc

using namespace mlir;

namespace {

constexpr int64_t kMaxThreads = 256;

/// Trip count of dimension `d` when static.
std::optional<int64_t> tripCount(scf::ParallelOp op, unsigned d) {
  APInt lb, ub, step;
  if (!matchPattern(op.getLowerBound()[d], m_ConstantInt(&lb)) ||
      !matchPattern(op.getUpperBound()[d], m_ConstantInt(&ub)) ||
      !matchPattern(op.getStep()[d], m_ConstantInt(&step)) ||
      step.getSExtValue() <= 0)
    return std::nullopt;
  int64_t n = ub.getSExtValue() - lb.getSExtValue();
  return n <= 0 ? 0 : (n + step.getSExtValue() - 1) / step.getSExtValue();
}

/// Threads per dimension: powers of two, innermost first, at most 3 dims.
SmallVector<int64_t> threadTile(scf::ParallelOp op) {
  unsigned n = op.getNumLoops();
  SmallVector<int64_t> tile(n, 1);
  int64_t budget = kMaxThreads;
  for (unsigned k = 0; k < n && k < 3 && budget > 1; ++k) {
    unsigned d = n - 1 - k;
    int64_t t = budget;
    if (std::optional<int64_t> trip = tripCount(op, d))
      t = std::min<int64_t>(budget,
                            llvm::PowerOf2Ceil(std::max<int64_t>(*trip, 1)));
    tile[d] = t;
    budget /= t;
  }
  return tile;
}

/// Maps the last three dimensions of `op` to x, y, z of `first` (here
/// ThreadX), the others to sequential loops.
LogicalResult mapLoop(scf::ParallelOp op, gpu::Processor first) {
  MLIRContext *ctx = op.getContext();
  unsigned n = op.getNumLoops();
  AffineMap id = AffineMap::getMultiDimIdentityMap(1, ctx);
  SmallVector<gpu::ParallelLoopDimMappingAttr> mapping;
  for (unsigned d = 0; d < n; ++d) {
    unsigned fromInner = n - 1 - d;
    gpu::Processor p = fromInner < 3
                           ? static_cast<gpu::Processor>(
                                 static_cast<uint64_t>(first) + fromInner)
                           : gpu::Processor::Sequential;
    mapping.push_back(gpu::ParallelLoopDimMappingAttr::get(ctx, p, id, id));
  }
  return gpu::setMappingAttr(op, mapping);
}

/// Maps the tile loop `op` to blocks: its three dimensions with the most
/// iterations (a dynamic one counts as the most, outermost first) to block
/// x, y, z in that order, the others to sequential loops. The largest goes
/// to x, whose limit is 2^31 - 1 blocks where y and z have 65535: a batch of
/// 4096 images of 28 x 28 pixels is 200704 rows of 16 threads.
LogicalResult mapBlocks(scf::ParallelOp op) {
  MLIRContext *ctx = op.getContext();
  unsigned n = op.getNumLoops();
  SmallVector<unsigned> dims = llvm::to_vector(llvm::seq<unsigned>(0, n));
  auto size = [&](unsigned d) {
    return tripCount(op, d).value_or(std::numeric_limits<int64_t>::max());
  };
  llvm::stable_sort(dims,
                    [&](unsigned a, unsigned b) { return size(a) > size(b); });
  SmallVector<gpu::Processor> processors(n, gpu::Processor::Sequential);
  for (unsigned i = 0; i < n && i < 3; ++i)
    processors[dims[i]] = static_cast<gpu::Processor>(
        static_cast<uint64_t>(gpu::Processor::BlockX) + i);
  AffineMap id = AffineMap::getMultiDimIdentityMap(1, ctx);
  SmallVector<gpu::ParallelLoopDimMappingAttr> mapping;
  for (gpu::Processor p : processors)
    mapping.push_back(gpu::ParallelLoopDimMappingAttr::get(ctx, p, id, id));
  return gpu::setMappingAttr(op, mapping);
}

LogicalResult mapSequential(scf::ParallelOp op) {
  MLIRContext *ctx = op.getContext();
  AffineMap id = AffineMap::getMultiDimIdentityMap(1, ctx);
  SmallVector<gpu::ParallelLoopDimMappingAttr> mapping(
      op.getNumLoops(), gpu::ParallelLoopDimMappingAttr::get(
                            ctx, gpu::Processor::Sequential, id, id));
  return gpu::setMappingAttr(op, mapping);
}

struct GPUMapParallelPass : nnc::impl::GPUMapParallelBase<GPUMapParallelPass> {
  void runOnOperation() override {
    SmallVector<scf::ParallelOp> roots;
    getOperation().walk([&](scf::ParallelOp op) {
      if (!op->getParentOfType<scf::ParallelOp>() &&
          !op->getParentOfType<gpu::LaunchOp>())
        roots.push_back(op);
    });
    for (scf::ParallelOp root : roots) {
      if (root.getNumReductions() != 0) {
        root.emitOpError("scf.parallel with reductions is not mapped to the "
                         "GPU");
        return signalPassFailure();
      }
      SmallVector<int64_t> tile = threadTile(root);
      auto [outer, inner] =
          scf::tileParallelLoop(root, tile, /*noMinMaxBounds=*/true);
      bool ok = succeeded(mapBlocks(outer)) &&
                succeeded(mapLoop(inner, gpu::Processor::ThreadX));
      inner.getBody()->walk([&](scf::ParallelOp nested) {
        ok = ok && succeeded(mapSequential(nested));
      });
      if (!ok) {
        outer.emitOpError("cannot be mapped to GPU blocks and threads");
        return signalPassFailure();
      }
    }
  }
};

} // namespace
