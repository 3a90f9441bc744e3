//===- SplitReductionChains.cpp - more accumulators for narrow register tiles
//---===//
//
// Implements nnc-split-reduction-chains, before nnc-lower-vector-contract:
// a register tile's reduction loop (`scf.for` of step 1 whose one iter_arg,
// a vector, is the accumulator of the body's one `vector.contract`, which
// the loop yields) keeps `accumulator registers` multiply-add chains in
// flight, one per vector register of the accumulator. A full 8 x 32 tile
// has 16, more than the FMA units' latency x throughput (4 x 2 on the
// x86 cores nnc targets); a remainder tile of one row (vector<1x32>, 2
// registers) has 2, and waits on the FMA latency at every step: the one
// leftover row of a convolution's weight gradient with C * KH * KW = 9 (a
// grayscale 3 x 3 layer) took as long as the 8 rows before it. The loop
// becomes one of step `factor` with `factor` accumulators, the first
// starting from the original one and the others from zero, each summing
// every factor-th step, then the leftover steps into the first, then the
// accumulators added pairwise. The sum is reassociated: the result differs
// by rounding from the one-chain order, the same for any thread count.
//
//===----------------------------------------------------------------------===//

#include "nnc/Target/CPU/Passes.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/IRMapping.h"

namespace nnc {
#define GEN_PASS_DEF_SPLITREDUCTIONCHAINS
#include "nnc/Target/CPU/Passes.h.inc"
} // namespace nnc

using namespace mlir;

namespace {

/// The body's contract when `loop` is a register tile's reduction loop
/// as described in the file comment, else null.
vector::ContractionOp tileContract(scf::ForOp loop) {
  std::optional<APInt> step = loop.getConstantStep();
  if (!step || *step != 1 || loop.getNumRegionIterArgs() != 1)
    return {};
  BlockArgument acc = loop.getRegionIterArgs()[0];
  auto type = dyn_cast<VectorType>(acc.getType());
  if (!type || type.isScalable() || !type.getElementType().isF32() ||
      !acc.hasOneUse())
    return {};
  auto contract = dyn_cast<vector::ContractionOp>(*acc.getUsers().begin());
  auto yield = cast<scf::YieldOp>(loop.getBody()->getTerminator());
  if (!contract || contract.getAcc() != acc ||
      contract.getKind() != vector::CombiningKind::ADD ||
      yield.getOperand(0) != contract.getResult() ||
      !contract.getResult().hasOneUse())
    return {};
  // Nothing else in the body may carry state from step to step.
  for (Operation &op : loop.getBody()->without_terminator())
    if (&op != contract.getOperation() && !isMemoryEffectFree(&op) &&
        !isa<vector::TransferReadOp, vector::LoadOp>(op))
      return {};
  return contract;
}

struct SplitReductionChainsPass
    : nnc::impl::SplitReductionChainsBase<SplitReductionChainsPass> {
  using SplitReductionChainsBase::SplitReductionChainsBase;

  void split(scf::ForOp loop, int64_t factor) {
    Location loc = loop.getLoc();
    OpBuilder b(loop);
    Value lb = loop.getLowerBound(), ub = loop.getUpperBound();
    Value init = loop.getInitArgs()[0];
    auto type = cast<VectorType>(init.getType());
    // Where the main loop ends: lb + (ub - lb) floordiv f * f, and lb
    // itself when ub < lb (then neither loop runs, as the original).
    MLIRContext *ctx = b.getContext();
    AffineExpr d0 = getAffineDimExpr(0, ctx), d1 = getAffineDimExpr(1, ctx);
    Value mainEnd = b.create<affine::AffineMaxOp>(
        loc,
        AffineMap::get(2, 0, {d0, d0 + (d1 - d0).floorDiv(factor) * factor},
                       ctx),
        ValueRange{lb, ub});
    Value zero = b.create<arith::ConstantOp>(
        loc, type, DenseElementsAttr::get(type, 0.0f));
    SmallVector<Value> inits(factor, zero);
    inits[0] = init;
    Value stepValue = b.create<arith::ConstantIndexOp>(loc, factor);
    // One step of the original body at `k` on accumulator `acc`: the new
    // accumulator.
    Block *body = loop.getBody();
    auto step = [&](OpBuilder &nb, Value k, Value acc) {
      IRMapping map;
      map.map(loop.getInductionVar(), k);
      map.map(loop.getRegionIterArgs()[0], acc);
      for (Operation &op : body->without_terminator())
        nb.clone(op, map);
      return map.lookup(body->getTerminator()->getOperand(0));
    };
    auto main = b.create<scf::ForOp>(
        loc, lb, mainEnd, stepValue, inits,
        [&](OpBuilder &nb, Location l, Value iv, ValueRange accs) {
          SmallVector<Value> results;
          for (int64_t j = 0; j < factor; ++j) {
            Value k = iv;
            if (j != 0)
              k = nb.create<arith::AddIOp>(
                  l, iv, nb.create<arith::ConstantIndexOp>(l, j));
            results.push_back(step(nb, k, accs[j]));
          }
          nb.create<scf::YieldOp>(l, results);
        });
    // The leftover steps, into the first accumulator.
    auto rest = b.create<scf::ForOp>(
        loc, mainEnd, ub, loop.getStep(), ValueRange{main.getResult(0)},
        [&](OpBuilder &nb, Location l, Value iv, ValueRange accs) {
          nb.create<scf::YieldOp>(l, step(nb, iv, accs[0]));
        });
    // Pairwise: ((a0 + a1) + (a2 + a3)).
    SmallVector<Value> sums = {rest.getResult(0)};
    for (int64_t j = 1; j < factor; ++j)
      sums.push_back(main.getResult(j));
    while (sums.size() > 1) {
      SmallVector<Value> next;
      for (size_t j = 0; j + 1 < sums.size(); j += 2)
        next.push_back(b.create<arith::AddFOp>(loc, sums[j], sums[j + 1]));
      if (sums.size() % 2)
        next.push_back(sums.back());
      sums = std::move(next);
    }
    loop.getResult(0).replaceAllUsesWith(sums[0]);
    loop.erase();
  }

  void runOnOperation() override {
    SmallVector<std::pair<scf::ForOp, int64_t>> loops;
    getOperation().walk([&](scf::ForOp loop) {
      vector::ContractionOp contract = tileContract(loop);
      if (!contract)
        return;
      auto type = cast<VectorType>(contract.getAccType());
      int64_t bits = type.getNumElements() * 32;
      int64_t registers = (bits + registerBits - 1) / registerBits;
      if (registers >= minChains)
        return;
      int64_t factor =
          std::min<int64_t>(maxFactor, (minChains + registers - 1) / registers);
      // A short constant reduction gains less than the adds cost.
      std::optional<int64_t> lb = getConstantIntValue(loop.getLowerBound());
      std::optional<int64_t> ub = getConstantIntValue(loop.getUpperBound());
      if (lb && ub && *ub - *lb < 4 * factor)
        return;
      if (factor > 1)
        loops.emplace_back(loop, factor);
    });
    for (auto [loop, factor] : loops)
      split(loop, factor);
  }
};

} // namespace
