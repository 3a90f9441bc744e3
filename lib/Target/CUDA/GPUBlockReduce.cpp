//===- GPUBlockReduce.cpp - reductions as block-level GPU reductions ------===//
//
// Implements nnc-gpu-block-reduce: a linalg.generic on memrefs that reduces
// many elements into few outputs (a bias gradient or batchnorm statistic
// over the batch, a mean loss, a gradient norm) becomes one gpu.launch with
// one block of 256 threads per output element: each thread folds a strided
// share of the reduction space into a partial value, the block combines the
// partials with gpu.all_reduce (warp shuffles and workgroup memory, lowered
// by convert-gpu-to-nvvm), and thread 0 combines the result with the
// output's initial value. Rows of 32 or more elements (layernorm, attention
// rows), however many, get a warp each the same way. Rows shorter than a
// warp (softmax over 10 classes) keep one thread per output with a serial
// loop (nnc-gpu-linalg-to-parallel).
//
// Handled: one f32 output whose body yields combine(x, out) with `out` used
// only there and combine one of addf, mulf, maximumf, maxnumf, minimumf,
// minnumf (associative and commutative: the order of the fold changes only
// the rounding of a sum, as between any two reduction orders).
//
//===----------------------------------------------------------------------===//

#include "nnc/Target/CUDA/Passes.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/IRMapping.h"

#include "llvm/ADT/TypeSwitch.h"

#include <limits>

namespace nnc {
#define GEN_PASS_DEF_GPUBLOCKREDUCE
#include "nnc/Target/CUDA/Passes.h.inc"
} // namespace nnc

using namespace mlir;

namespace {

constexpr int64_t kThreads = 256;
/// A warp: the block of an output whose row is short but not tiny.
constexpr int64_t kWarp = 32;
/// At most this many outputs (static) get a block each; more outputs fill
/// the GPU with one thread each.
constexpr int64_t kMaxBlocks = 16384;

/// The fold of a reduction: `op` = combine(term, out).
struct Combiner {
  Operation *op;
  gpu::AllReduceOperation kind;
  double identity;
  unsigned outOperand; // which operand of `op` is the output's value
};

std::optional<Combiner> matchCombiner(linalg::GenericOp generic) {
  if (generic.getNumDpsInits() != 1 || generic.getNumResults() != 0)
    return std::nullopt;
  OpOperand *init = generic.getDpsInitOperand(0);
  auto type = dyn_cast<MemRefType>(init->get().getType());
  if (!type || !type.getElementType().isF32())
    return std::nullopt;
  BlockArgument out = generic.getMatchingBlockArgument(init);
  Operation *op =
      generic.getBody()->getTerminator()->getOperand(0).getDefiningOp();
  if (!op || op->getNumOperands() != 2 || !out.hasOneUse() ||
      out.getUses().begin()->getOwner() != op)
    return std::nullopt;
  unsigned outOperand = op->getOperand(0) == out ? 0 : 1;
  double inf = std::numeric_limits<double>::infinity();
  using Kind = gpu::AllReduceOperation;
  std::optional<std::pair<Kind, double>> kind =
      llvm::TypeSwitch<Operation *, std::optional<std::pair<Kind, double>>>(op)
          .Case([](arith::AddFOp) { return std::pair(Kind::ADD, 0.0); })
          .Case([](arith::MulFOp) { return std::pair(Kind::MUL, 1.0); })
          .Case([&](arith::MaximumFOp) {
            return std::pair(Kind::MAXIMUMF, -inf);
          })
          .Case(
              [&](arith::MaxNumFOp) { return std::pair(Kind::MAXNUMF, -inf); })
          .Case(
              [&](arith::MinimumFOp) { return std::pair(Kind::MINIMUMF, inf); })
          .Case([&](arith::MinNumFOp) { return std::pair(Kind::MINNUMF, inf); })
          .Default([](Operation *) { return std::nullopt; });
  if (!kind)
    return std::nullopt;
  return Combiner{op, kind->first, kind->second, outOperand};
}

/// The threads per output when the reduction is better done by a block
/// per output than by a thread per output, else 0: 256 for a full
/// reduction and for few (static) outputs each folding many or an unknown
/// number of elements; a warp for rows of 32 or more elements (layernorm
/// and attention rows, any number of them); shorter rows (softmax over 10
/// classes) stay one thread each.
int64_t blockThreads(linalg::GenericOp generic) {
  int64_t outputs = 1, elements = 1;
  bool dynamicOutputs = false, dynamicElements = false;
  for (auto [size, type] : llvm::zip(generic.getStaticLoopRanges(),
                                     generic.getIteratorTypesArray())) {
    bool parallel = type == utils::IteratorType::parallel;
    if (ShapedType::isDynamic(size))
      (parallel ? dynamicOutputs : dynamicElements) = true;
    else
      (parallel ? outputs : elements) *= size;
  }
  if (generic.getNumReductionLoops() == 0)
    return 0;
  if (generic.getNumParallelLoops() == 0 ||
      (!dynamicOutputs && outputs <= kMaxBlocks &&
       (dynamicElements || elements >= kThreads)))
    return kThreads;
  return !dynamicElements && elements >= kWarp ? kWarp : 0;
}

class BlockReduceBuilder {
public:
  BlockReduceBuilder(OpBuilder &b, linalg::GenericOp generic, Combiner comb,
                     int64_t threads)
      : b(b), loc(generic.getLoc()), generic(generic), comb(comb),
        threads(threads) {}

  void build() {
    SmallVector<Value> sizes;
    auto linalgOp = cast<linalg::LinalgOp>(generic.getOperation());
    for (Range range : linalgOp.createLoopRanges(b, loc))
      sizes.push_back(getValueOrCreateConstantIndexOp(b, loc, range.size));
    SmallVector<unsigned> parallel, reduction;
    for (auto [d, type] : llvm::enumerate(generic.getIteratorTypesArray()))
      (type == utils::IteratorType::parallel ? parallel : reduction)
          .push_back(d);
    Value outputs = product(sizes, parallel);
    Value elements = product(sizes, reduction);
    Value one = cst(1);
    auto launch =
        b.create<gpu::LaunchOp>(loc, outputs, one, one, cst(threads), one, one);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(&launch.getBody().front());
    Value tx = launch.getThreadIds().x;
    SmallVector<Value> ivs(sizes.size());
    delinearize(launch.getBlockIds().x, sizes, parallel, ivs);

    // Each thread folds elements tx, tx + 256, ... into its partial value.
    Value identity = b.create<arith::ConstantOp>(
        loc, b.getF32FloatAttr(static_cast<float>(comb.identity)));
    auto fold = b.create<scf::ForOp>(loc, tx, elements, cst(threads),
                                     ValueRange{identity});
    {
      OpBuilder::InsertionGuard g(b);
      b.setInsertionPointToStart(fold.getBody());
      delinearize(fold.getInductionVar(), sizes, reduction, ivs);
      b.create<scf::YieldOp>(loc, body(ivs, fold.getRegionIterArgs().front()));
    }
    Value total = b.create<gpu::AllReduceOp>(
        loc, fold.getResult(0),
        gpu::AllReduceOperationAttr::get(b.getContext(), comb.kind),
        /*uniform=*/true);

    // Thread 0 folds the block's value into the output.
    Value first =
        b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::eq, tx, cst(0));
    auto ifOp = b.create<scf::IfOp>(loc, first, /*withElseRegion=*/false);
    {
      OpBuilder::InsertionGuard g(b);
      b.setInsertionPointToStart(&ifOp.getThenRegion().front());
      OpOperand *init = generic.getDpsInitOperand(0);
      for (unsigned d : reduction)
        ivs[d] = cst(0); // not read by the output's map
      SmallVector<Value> idx = apply(generic.getMatchingIndexingMap(init), ivs);
      Value old = b.create<memref::LoadOp>(loc, init->get(), idx);
      Operation *result = b.clone(*comb.op);
      result->setOperand(comb.outOperand, old);
      result->setOperand(1 - comb.outOperand, total);
      b.create<memref::StoreOp>(loc, result->getResult(0), init->get(), idx);
    }
    b.create<gpu::TerminatorOp>(loc);
  }

private:
  Value cst(int64_t v) { return b.create<arith::ConstantIndexOp>(loc, v); }

  Value product(ArrayRef<Value> sizes, ArrayRef<unsigned> dims) {
    Value p = cst(1);
    for (unsigned d : dims)
      p = b.create<arith::MulIOp>(loc, p, sizes[d]);
    return p;
  }

  /// Splits `linear` into the indices of `dims` (the last varies fastest).
  void delinearize(Value linear, ArrayRef<Value> sizes, ArrayRef<unsigned> dims,
                   SmallVectorImpl<Value> &ivs) {
    for (unsigned d : llvm::reverse(dims)) {
      ivs[d] = b.create<arith::RemUIOp>(loc, linear, sizes[d]);
      linear = b.create<arith::DivUIOp>(loc, linear, sizes[d]);
    }
  }

  SmallVector<Value> apply(AffineMap map, ArrayRef<Value> ivs) {
    SmallVector<Value> idx;
    for (AffineExpr e : map.getResults())
      idx.push_back(b.create<affine::AffineApplyOp>(
          loc, AffineMap::get(map.getNumDims(), 0, e), ivs));
    return idx;
  }

  /// The generic's body at `ivs` with the output's value `acc`: the next
  /// partial value.
  Value body(ArrayRef<Value> ivs, Value acc) {
    IRMapping map;
    for (OpOperand *in : generic.getDpsInputOperands()) {
      Value v = in->get();
      if (isa<MemRefType>(v.getType()))
        v = b.create<memref::LoadOp>(
            loc, v, apply(generic.getMatchingIndexingMap(in), ivs));
      map.map(generic.getMatchingBlockArgument(in), v);
    }
    map.map(generic.getMatchingBlockArgument(generic.getDpsInitOperand(0)),
            acc);
    for (Operation &op : generic.getBody()->without_terminator()) {
      if (auto index = dyn_cast<linalg::IndexOp>(op))
        map.map(index.getResult(), ivs[index.getDim()]);
      else
        b.clone(op, map);
    }
    return map.lookup(generic.getBody()->getTerminator()->getOperand(0));
  }

  OpBuilder &b;
  Location loc;
  linalg::GenericOp generic;
  Combiner comb;
  int64_t threads;
};

struct GPUBlockReducePass : nnc::impl::GPUBlockReduceBase<GPUBlockReducePass> {
  void runOnOperation() override {
    struct Reduction {
      linalg::GenericOp op;
      Combiner comb;
      int64_t threads;
    };
    SmallVector<Reduction> reductions;
    getOperation().walk([&](linalg::GenericOp op) {
      if (!op.hasPureBufferSemantics() || op->getParentOfType<gpu::LaunchOp>())
        return;
      std::optional<Combiner> comb = matchCombiner(op);
      if (int64_t threads = comb ? blockThreads(op) : 0)
        reductions.push_back({op, *comb, threads});
    });
    for (Reduction &r : reductions) {
      OpBuilder b(r.op);
      BlockReduceBuilder(b, r.op, r.comb, r.threads).build();
      r.op->erase();
    }
  }
};

} // namespace
