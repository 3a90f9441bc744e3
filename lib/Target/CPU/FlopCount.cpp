//===- FlopCount.cpp - FLOPs of a call of an outlined loop function ------===//
//
// The FLOP counts of nnc-profile-loops (ProfileLoops.cpp,
// docs/performance.md).
//
// FLOPs are the float operations the loop nest executes: each element of an
// arith float op (add, sub, mul, div, max, min, neg, compare) or of a math op
// (exp, tanh, sqrt, ... count one) is 1, an fma is 2; a vector op counts
// each lane. The count of a block is the sum over its ops, a loop's is its
// trip count times its body's. Trip counts are computed at the call site
// from the call's operands (the bounds are constants, arguments or pure
// computations on them, cloned before the profile call), so the batch size
// and the main/remainder split of a tiled loop are exact; a loop over
// blocks of C steps whose inner loop runs min(C, ub - iv) steps (a blocked
// reduction) counts ub steps of that inner loop in all. A call of another
// outlined function (an RNN time loop's step tasks) counts that function for
// the call's operands. Where a bound, an `scf.if` condition or such a call's
// operand depends on an enclosing loop's induction variable (a thread
// chunk's clamped rows, a triangle, a time step), the count comes from a
// counting function `__nnc_flops_<loop>(t0, operands)` that walks those
// loops only and returns 0 at once when t0 is 0 (profiling off). A bound
// carried by a loop, float ops in a `scf.while` or under another op with
// regions make the count unknown: the call passes -1 and the report prints '-'.
//
//===----------------------------------------------------------------------===//

#include "FlopCount.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

using namespace mlir;

namespace {

/// FLOPs of one execution of `op` alone (not of its regions).
int64_t elementaryFlops(Operation *op) {
  auto lanes = [](Type type) -> int64_t {
    if (auto vector = dyn_cast<VectorType>(type))
      return vector.getNumElements();
    return 1;
  };
  if (isa<vector::FMAOp, math::FmaOp>(op))
    return 2 * lanes(op->getResult(0).getType());
  if (auto outer = dyn_cast<vector::OuterProductOp>(op))
    return 2 * lanes(outer.getResult().getType());
  if (auto contract = dyn_cast<vector::ContractionOp>(op)) {
    int64_t n = 2;
    SmallVector<int64_t> bounds;
    contract.getIterationBounds(bounds);
    for (int64_t bound : bounds)
      n *= bound;
    return n;
  }
  if (isa<vector::ReductionOp, vector::MultiDimReductionOp>(op))
    return lanes(op->getOperand(0).getType());
  if (isa<arith::AddFOp, arith::SubFOp, arith::MulFOp, arith::DivFOp,
          arith::RemFOp, arith::MaximumFOp, arith::MinimumFOp, arith::MaxNumFOp,
          arith::MinNumFOp, arith::NegFOp, arith::CmpFOp>(op))
    return lanes(op->getOperand(0).getType());
  if (isa<math::MathDialect>(op->getDialect()) && op->getNumResults() == 1 &&
      isa<FloatType>(getElementTypeOrSelf(op->getResult(0).getType())))
    return lanes(op->getResult(0).getType());
  return 0;
}

} // namespace

namespace nnc {

/// What the FLOP count of an outlined loop function takes: which loops must
/// be walked step by step, and whether every bound can be recomputed from
/// the call's operands, through the calls of other outlined functions (an
/// RNN's time loop calls the parallel tasks of each step).
class FlopAnalysis {
public:
  /// Whether `inner` runs the last steps of a block of `outer` (a blocked
  /// reduction): from 0 by 1 to `affine.min(C, ub - iv)`, where iv runs from
  /// 0 to ub by the constant C. Over all of `outer`, `inner` then runs ub
  /// steps in all.
  static bool isBlockRemainder(scf::ForOp inner, scf::ForOp outer) {
    std::optional<int64_t> step = getConstantIntValue(outer.getStep());
    auto min = inner.getUpperBound().getDefiningOp<affine::AffineMinOp>();
    if (!step || !min || !isConstantIntValue(outer.getLowerBound(), 0) ||
        !isConstantIntValue(inner.getLowerBound(), 0) ||
        !isConstantIntValue(inner.getStep(), 1) ||
        min.getMap().getNumResults() != 2)
      return false;
    AffineMap map = min.getMap();
    ValueRange operands = min.getMapOperands();
    bool constant = false, remainder = false;
    for (AffineExpr e : map.getResults()) {
      if (auto c = dyn_cast<AffineConstantExpr>(e)) {
        constant |= c.getValue() == *step;
        continue;
      }
      // ub - iv: one dim or symbol for each, with coefficients +1 and -1.
      auto sum = dyn_cast<AffineBinaryOpExpr>(e);
      if (!sum || sum.getKind() != AffineExprKind::Add)
        continue;
      auto operandOf = [&](AffineExpr x) -> Value {
        if (auto d = dyn_cast<AffineDimExpr>(x))
          return operands[d.getPosition()];
        if (auto sym = dyn_cast<AffineSymbolExpr>(x))
          return operands[map.getNumDims() + sym.getPosition()];
        return nullptr;
      };
      auto negated = [&](AffineExpr x) -> Value {
        auto mul = dyn_cast<AffineBinaryOpExpr>(x);
        if (!mul || mul.getKind() != AffineExprKind::Mul)
          return nullptr;
        auto c = dyn_cast<AffineConstantExpr>(mul.getRHS());
        return c && c.getValue() == -1 ? operandOf(mul.getLHS()) : nullptr;
      };
      for (auto [pos, neg] : {std::pair(sum.getLHS(), sum.getRHS()),
                              std::pair(sum.getRHS(), sum.getLHS())})
        remainder |= operandOf(pos) == outer.getUpperBound() &&
                     negated(neg) == outer.getInductionVar();
    }
    return constant && remainder;
  }

  /// Whether the count of `loop`'s body depends on its induction variable
  /// beyond the block remainders it runs: an inner loop's bounds or the
  /// condition of an `scf.if` around float ops are computed from it. Such a
  /// loop is walked step by step by the counting function.
  bool needsSkeleton(scf::ForOp loop) {
    Value iv = loop.getInductionVar();
    bool needs = false;
    loop.getBody()->walk([&](Operation *op) {
      if (auto inner = dyn_cast<scf::ForOp>(op)) {
        if (hasFlops(inner) && !isBlockRemainder(inner, loop))
          needs |= llvm::any_of(inner->getOperands().take_front(3),
                                [&](Value v) { return dependsOn(v, iv); });
      } else if (auto branch = dyn_cast<scf::IfOp>(op)) {
        needs |= hasFlops(branch) && dependsOn(branch.getCondition(), iv);
      } else if (isa<scf::ParallelOp>(op) && hasFlops(op)) {
        needs |= llvm::any_of(op->getOperands(),
                              [&](Value v) { return dependsOn(v, iv); });
      } else if (calledFunction(op) && hasFlops(op)) {
        // A step's task over a slice of this step (an RNN's time loop).
        needs |= llvm::any_of(op->getOperands(),
                              [&](Value v) { return dependsOn(v, iv); });
      }
      return needs ? WalkResult::interrupt() : WalkResult::advance();
    });
    return needs;
  }

  /// The enclosing loop of which `loop` runs the block remainders, if any
  /// (not one walked step by step: there the remainder's bound is known).
  scf::ForOp blockOf(scf::ForOp loop) {
    for (auto outer = loop->getParentOfType<scf::ForOp>(); outer;
         outer = outer->getParentOfType<scf::ForOp>())
      if (isBlockRemainder(loop, outer) && !needsSkeleton(outer))
        return outer;
    return nullptr;
  }

  /// Whether the count is known; `needsLoops` is set when computing it takes
  /// a skeleton loop or an `scf.if` (a counting function, see build).
  bool isKnown(func::FuncOp callee, bool &needsLoops) {
    needsLoops = false;
    frames = {{callee, nullptr}};
    ivs.clear();
    return known(callee.getBody().front(), needsLoops);
  }

  /// Whether `root` or a function it calls executes float ops.
  bool hasFlops(Operation *root) {
    bool any = false;
    root->walk([&](Operation *op) {
      any |= elementaryFlops(op) != 0;
      if (func::FuncOp func = calledFunction(op)) {
        auto cached = functionFlops.find(func);
        if (cached != functionFlops.end()) {
          any |= cached->second;
        } else {
          // Entered first (a recursive call counts none); the walk below
          // may grow the map, so the entry is written again by key.
          functionFlops[func] = false;
          bool flops = hasFlops(func);
          functionFlops[func] = flops;
          any |= flops;
        }
      }
      return any ? WalkResult::interrupt() : WalkResult::advance();
    });
    return any;
  }

  /// Whether `v` is computed from `iv` (through the ops defining it).
  static bool dependsOn(Value v, Value iv) {
    SmallVector<Value> work{v};
    DenseSet<Value> seen;
    while (!work.empty()) {
      Value x = work.pop_back_val();
      if (x == iv)
        return true;
      if (!seen.insert(x).second)
        continue;
      if (Operation *def = x.getDefiningOp())
        llvm::append_range(work, def->getOperands());
    }
    return false;
  }

  bool known(Block &body, bool &needsLoops) {
    for (Operation &op : body) {
      if (func::FuncOp func = calledFunction(&op)) {
        if (!hasFlops(&op))
          continue;
        if (llvm::any_of(frames,
                         [&](const Frame &f) { return f.func == func; }))
          return false; // recursion
        frames.push_back({func, cast<func::CallOp>(op)});
        bool ok = known(func.getBody().front(), needsLoops);
        frames.pop_back();
        if (!ok)
          return false;
        continue;
      }
      if (!op.getNumRegions() || !hasFlops(&op))
        continue;
      auto inner = [&](Operation &parent) {
        for (Region &region : parent.getRegions())
          for (Block &nested : region)
            if (!known(nested, needsLoops))
              return false;
        return true;
      };
      auto computable = [&](ValueRange values) {
        return llvm::all_of(values, [&](Value v) { return materializable(v); });
      };
      if (auto loop = dyn_cast<scf::ForOp>(op)) {
        // A block remainder's steps are counted by its block loop.
        if (scf::ForOp outer = blockOf(loop)) {
          if (!computable(outer.getUpperBound()) || !inner(op))
            return false;
          continue;
        }
        if (!computable(
                {loop.getLowerBound(), loop.getUpperBound(), loop.getStep()}))
          return false;
        bool skeleton = needsSkeleton(loop);
        needsLoops |= skeleton;
        if (skeleton)
          ivs.insert(loop.getInductionVar());
        bool ok = inner(op);
        ivs.erase(loop.getInductionVar());
        if (!ok)
          return false;
      } else if (isa<scf::ParallelOp>(op)) {
        if (!computable(op.getOperands()) || !inner(op))
          return false;
      } else if (auto branch = dyn_cast<scf::IfOp>(op)) {
        needsLoops = true;
        if (!computable(branch.getCondition()) || !inner(op))
          return false;
      } else {
        return false; // scf.while, or an op with regions of unknown trips
      }
    }
    return true;
  }

  /// Whether `v` can be recomputed where the count is built: an argument of
  /// the loop function, one of a called function whose operand in the call
  /// can be, the induction variable of a loop walked step by step (`ivs`), or
  /// the result of a pure op without regions whose operands can be (never a
  /// loop-carried value).
  bool materializable(Value v) {
    if (ivs.contains(v))
      return true;
    if (auto arg = dyn_cast<BlockArgument>(v)) {
      std::optional<Frame> frame = frameOf(arg, frames);
      return frame &&
             (!frame->call ||
              materializable(frame->call.getOperand(arg.getArgNumber())));
    }
    Operation *def = v.getDefiningOp();
    if (!def || def->getNumRegions() || !isMemoryEffectFree(def))
      return false;
    return llvm::all_of(def->getOperands(),
                        [&](Value operand) { return materializable(operand); });
  }

  /// A function whose count is being analysed or built, and the call that
  /// entered it (none for the loop function the profile calls).
  struct Frame {
    func::FuncOp func;
    func::CallOp call;
  };

  /// The function `op` calls, if it is a call of a function defined here.
  static func::FuncOp calledFunction(Operation *op) {
    auto call = dyn_cast<func::CallOp>(op);
    if (!call)
      return nullptr;
    auto func = SymbolTable::lookupNearestSymbolFrom<func::FuncOp>(
        call, call.getCalleeAttr());
    return func && !func.isExternal() ? func : nullptr;
  }

  /// The frame whose function's entry block defines `arg`, if any.
  static std::optional<Frame> frameOf(BlockArgument arg,
                                      ArrayRef<Frame> frames) {
    for (Frame frame : llvm::reverse(frames))
      if (arg.getOwner() == &frame.func.getBody().front())
        return frame;
    return std::nullopt;
  }

private:
  SmallVector<Frame> frames;
  DenseSet<Value> ivs;
  DenseMap<Operation *, bool> functionFlops;
};

} // namespace nnc

namespace {

using nnc::FlopAnalysis;

/// Builds the FLOP count of one call of an outlined loop function from the
/// call's operands: at the call site when it is a closed formula of them, or
/// in a counting function (`needsLoops`) that walks a skeleton of the loop
/// nest: the loops whose induction variable bounds an inner loop (a chunk's
/// clamped size, a triangle), decides an `scf.if` around float ops or is an
/// operand of a called function's, without their bodies' work. A call of
/// another outlined function counts that function's FLOPs for the call's
/// operands.
class FlopCounter {
public:
  FlopCounter(FlopAnalysis &analysis, func::FuncOp callee, ValueRange operands,
              OpBuilder &b, Location loc)
      : analysis(analysis), callee(callee), b(b), loc(loc) {
    for (auto [arg, operand] : llvm::zip(callee.getArguments(), operands))
      map.map(arg, operand);
    frames.push_back({callee, nullptr});
  }

  /// The FLOPs of one call, as i64.
  Value build() {
    Value n = block(callee.getBody().front());
    return b.createOrFold<arith::IndexCastOp>(loc, b.getI64Type(), n);
  }

private:
  Value materialize(Value v) {
    if (Value mapped = map.lookupOrNull(v))
      return mapped;
    if (auto arg = dyn_cast<BlockArgument>(v)) {
      // An argument of a called function: its operand in the call.
      std::optional<FlopAnalysis::Frame> frame =
          FlopAnalysis::frameOf(arg, frames);
      Value operand = materialize(frame->call.getOperand(arg.getArgNumber()));
      map.map(arg, operand);
      return operand;
    }
    Operation *def = v.getDefiningOp();
    for (Value operand : def->getOperands())
      materialize(operand);
    Operation *copy = b.clone(*def, map);
    return copy->getResult(cast<OpResult>(v).getResultNumber());
  }

  Value constant(int64_t n) { return b.create<arith::ConstantIndexOp>(loc, n); }

  /// max(ub - lb, 0).
  Value range(Value lb, Value ub) {
    Value span =
        b.createOrFold<arith::SubIOp>(loc, materialize(ub), materialize(lb));
    return b.createOrFold<arith::MaxSIOp>(loc, span, constant(0));
  }

  /// max(ub - lb, 0) ceildiv step (steps are positive).
  Value trips(Value lb, Value ub, Value step) {
    Value l = materialize(lb), u = materialize(ub), s = materialize(step);
    Value span = b.createOrFold<arith::SubIOp>(loc, u, l);
    span = b.createOrFold<arith::MaxSIOp>(loc, span, constant(0));
    Value up = b.createOrFold<arith::SubIOp>(loc, s, constant(1));
    span = b.createOrFold<arith::AddIOp>(loc, span, up);
    return b.createOrFold<arith::DivUIOp>(loc, span, s);
  }

  /// The count of `region`'s blocks, built in a nested region whose values
  /// must not leak out: the mapping is restored afterwards.
  Value scoped(Region &region) {
    IRMapping outer = map;
    Value total;
    for (Block &inner : region) {
      Value n = block(inner);
      total = total ? b.createOrFold<arith::AddIOp>(loc, total, n) : n;
    }
    map = std::move(outer);
    return total ? total : constant(0);
  }

  /// The sum over the steps of `loop` of its body's count, as an `scf.for`.
  Value skeleton(scf::ForOp loop) {
    Value lb = materialize(loop.getLowerBound());
    Value ub = materialize(loop.getUpperBound());
    Value step = materialize(loop.getStep());
    auto walk = b.create<scf::ForOp>(
        loc, lb, ub, step, ValueRange{constant(0)},
        [&](OpBuilder &nested, Location, Value iv, ValueRange acc) {
          OpBuilder::InsertionGuard guard(b);
          b.setInsertionPoint(nested.getInsertionBlock(),
                              nested.getInsertionPoint());
          IRMapping outer = map;
          map.map(loop.getInductionVar(), iv);
          Value n = scoped(loop.getRegion());
          map = std::move(outer);
          Value sum = b.createOrFold<arith::AddIOp>(loc, acc.front(), n);
          b.create<scf::YieldOp>(loc, sum);
        });
    return walk.getResult(0);
  }

  /// Either branch's count, as an `scf.if` on the branch's condition.
  Value branches(scf::IfOp branch) {
    auto count = [&](Region &region) {
      return [&](OpBuilder &nested, Location) {
        OpBuilder::InsertionGuard guard(b);
        b.setInsertionPoint(nested.getInsertionBlock(),
                            nested.getInsertionPoint());
        Value n = region.empty() ? constant(0) : scoped(region);
        b.create<scf::YieldOp>(loc, n);
      };
    };
    auto walk = b.create<scf::IfOp>(loc, materialize(branch.getCondition()),
                                    count(branch.getThenRegion()),
                                    count(branch.getElseRegion()));
    return walk.getResult(0);
  }

  Value block(Block &body) {
    int64_t direct = 0;
    Value total;
    auto add = [&](Value v) {
      total = total ? b.createOrFold<arith::AddIOp>(loc, total, v) : v;
    };
    for (Operation &op : body) {
      direct += elementaryFlops(&op);
      if (func::FuncOp func = FlopAnalysis::calledFunction(&op)) {
        if (!analysis.hasFlops(&op))
          continue;
        // The callee's count for this call's operands; its arguments are
        // mapped for this call only.
        IRMapping outer = map;
        frames.push_back({func, cast<func::CallOp>(op)});
        add(block(func.getBody().front()));
        frames.pop_back();
        map = std::move(outer);
        continue;
      }
      if (!analysis.hasFlops(&op) || !op.getNumRegions())
        continue;
      if (auto loop = dyn_cast<scf::ForOp>(op);
          loop && analysis.needsSkeleton(loop)) {
        add(skeleton(loop));
        continue;
      }
      if (auto branch = dyn_cast<scf::IfOp>(op)) {
        add(branches(branch));
        continue;
      }
      Value count;
      if (auto loop = dyn_cast<scf::ForOp>(op);
          loop && analysis.blockOf(loop)) {
        // Counted by its block loop: one per step of that loop's range.
        count = constant(1);
      } else if (auto loop = dyn_cast<scf::ForOp>(op)) {
        // A loop of blocks runs its remainder loops ub steps in all: it
        // counts its range, not its blocks.
        bool blocks = false;
        loop.walk([&](scf::ForOp inner) {
          blocks |=
              inner != loop && FlopAnalysis::isBlockRemainder(inner, loop);
        });
        count = blocks ? range(loop.getLowerBound(), loop.getUpperBound())
                       : trips(loop.getLowerBound(), loop.getUpperBound(),
                               loop.getStep());
      } else if (auto loop = dyn_cast<scf::ParallelOp>(op)) {
        for (auto [lb, ub, step] : llvm::zip(
                 loop.getLowerBound(), loop.getUpperBound(), loop.getStep())) {
          Value t = trips(lb, ub, step);
          count = count ? b.createOrFold<arith::MulIOp>(loc, count, t) : t;
        }
      }
      for (Region &region : op.getRegions())
        for (Block &inner : region) {
          Value n = block(inner);
          add(count ? b.createOrFold<arith::MulIOp>(loc, count, n) : n);
        }
    }
    if (direct || !total)
      add(constant(direct));
    return total;
  }

  FlopAnalysis &analysis;
  func::FuncOp callee;
  OpBuilder &b;
  Location loc;
  IRMapping map;
  SmallVector<FlopAnalysis::Frame> frames;
};

} // namespace

nnc::FlopCounts::FlopCounts() : analysis(std::make_unique<FlopAnalysis>()) {}

nnc::FlopCounts::~FlopCounts() = default;

bool nnc::FlopCounts::isKnown(func::FuncOp callee, bool &needsLoops) {
  return analysis->isKnown(callee, needsLoops);
}

Value nnc::FlopCounts::build(func::FuncOp callee, ValueRange operands,
                             OpBuilder &b, Location loc) {
  return FlopCounter(*analysis, callee, operands, b, loc).build();
}
