//===- ProfileLoops.cpp - time every outlined loop nest through the shim --===//
//
// Implements nnc-profile-loops (docs/performance.md): after
// nnc-outline-loops, each call of an outlined `nnc_loop_*` function is
// bracketed by the model shim's profiler (lib/ModelRT/Profile.c):
//
//   %t0 = call @nnc_rt_profile_begin() : () -> i64   // 0 when profiling is off
//   call @nnc_loop_K_n(...)
//   %flops = <FLOPs of this call, from the call's operands>
//   call @nnc_rt_profile_end(@__nnc_profile_K_n, %t0, %flops)  // no-op if 0
//
// `@__nnc_profile_K_n` is an internal global record (its layout is
// NncProfileRecord in lib/ModelRT/Internal.h) holding the loop's name, the
// `.nn` locations its ops came from, and counters the shim updates.
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

#include "nnc/Target/CPU/Passes.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "llvm/ADT/SetVector.h"

#include <map>
#include <set>

namespace nnc {
#define GEN_PASS_DEF_PROFILELOOPS
#include "nnc/Target/CPU/Passes.h.inc"
} // namespace nnc

using namespace mlir;

namespace {

constexpr llvm::StringLiteral kBegin = "nnc_rt_profile_begin";
constexpr llvm::StringLiteral kEnd = "nnc_rt_profile_end";
constexpr llvm::StringLiteral kLoopPrefix = "nnc_loop_";
/// The entry points' kernels are `nnc_impl_<entry>` (nnc-model-abi).
constexpr llvm::StringLiteral kEntryPrefix = "nnc_impl_";
/// At most this many locations are named per loop; the rest are counted.
constexpr unsigned kMaxLocations = 6;

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

/// The `.nn` locations of the ops of `root` (a loop function, or the call of
/// a function several layers share), sorted, as "file:line:col line:col ..."
/// (the file named once per file).
std::string locationsOf(Operation *root) {
  std::map<std::string, std::set<std::pair<unsigned, unsigned>>> byFile;
  auto collect = [&](Location loc) {
    loc->walk([&](Location inner) {
      if (auto file = dyn_cast<FileLineColLoc>(inner))
        byFile[file.getFilename().str()].insert(
            {file.getLine(), file.getColumn()});
      return WalkResult::advance();
    });
  };
  root->walk([&](Operation *op) {
    // Constants and index computations may have been merged (CSE) with
    // those of another layer, and terminators are made up by rewrites:
    // their locations say nothing of this loop.
    if (isa<func::FuncOp>(op) || isa<arith::ConstantOp>(op) ||
        op->hasTrait<OpTrait::IsTerminator>() ||
        (op->getNumResults() && llvm::all_of(op->getResultTypes(), [](Type t) {
           return t.isIndex();
         })))
      return;
    collect(op->getLoc());
  });
  std::string text;
  unsigned named = 0, total = 0;
  for (auto &[file, positions] : byFile) {
    bool first = true;
    for (auto [line, col] : positions) {
      ++total;
      if (named == kMaxLocations)
        continue;
      ++named;
      if (!text.empty())
        text += ' ';
      if (first)
        text += file + ":";
      text += std::to_string(line) + ":" + std::to_string(col);
      first = false;
    }
  }
  if (total > named)
    text += " (+" + std::to_string(total - named) + ")";
  return text.empty() ? "?" : text;
}

struct ProfileLoopsPass : nnc::impl::ProfileLoopsBase<ProfileLoopsPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    MLIRContext *ctx = &getContext();
    SmallVector<func::CallOp> calls;
    for (func::FuncOp func : module.getOps<func::FuncOp>())
      if (func.isPublic() && !func.isExternal())
        func.walk([&](func::CallOp call) {
          if (call.getCallee().starts_with(kLoopPrefix))
            calls.push_back(call);
        });
    if (calls.empty())
      return;

    OpBuilder top = OpBuilder::atBlockEnd(module.getBody());
    Type i64 = top.getI64Type();
    auto ptr = LLVM::LLVMPointerType::get(ctx);
    auto recordType = LLVM::LLVMStructType::getLiteral(
        ctx, {ptr, ptr, ptr, ptr, i64, i64, i64, i64, i64});
    Location unknown = UnknownLoc::get(ctx);
    auto begin = declare(top, module, kBegin, top.getFunctionType({}, {i64}));
    auto end =
        declare(top, module, kEnd, top.getFunctionType({ptr, i64, i64}, {}));

    llvm::StringMap<unsigned> callCount, callsOf;
    DenseMap<func::FuncOp, Counter> counters;
    FlopAnalysis analysis;
    llvm::StringMap<LLVM::GlobalOp> entryStrings;
    for (func::CallOp call : calls)
      ++callCount[call.getCallee()];
    for (func::CallOp call : calls) {
      auto callee = module.lookupSymbol<func::FuncOp>(call.getCallee());
      if (!callee || callee.isExternal())
        continue;
      // One record per call: nnc-merge-functions makes the layers of a
      // repeated block call one function; each call still has its layer's
      // location (the loop's, kept by nnc-outline-loops).
      unsigned &nth = callsOf[callee.getSymName()];
      std::string name = ("__nnc_profile_" + callee.getSymName()).str();
      if (nth++ > 0)
        name += "_" + std::to_string(nth - 1);
      bool shared = callCount[callee.getSymName()] > 1;
      LLVM::GlobalOp nameString =
          string(top, name + "_name", callee.getSymName());
      LLVM::GlobalOp locString =
          string(top, name + "_locations",
                 shared ? locationsOf(call) : locationsOf(callee));
      // The entry point whose kernel makes the call ("train_step" for
      // nnc_impl_train_step), for the report's "in loops": the loop's own
      // name may be another entry's (nnc-merge-functions keeps one copy).
      StringRef entry = call->getParentOfType<func::FuncOp>().getSymName();
      entry.consume_front(kEntryPrefix);
      LLVM::GlobalOp &entryString = entryStrings[entry];
      if (!entryString)
        entryString =
            string(top, ("__nnc_profile_entry_" + entry).str(), entry);
      auto record = top.create<LLVM::GlobalOp>(
          unknown, recordType, /*isConstant=*/false, LLVM::Linkage::Internal,
          name, Attribute(), /*alignment=*/8);
      {
        OpBuilder::InsertionGuard guard(top);
        Block *init = top.createBlock(&record.getInitializerRegion());
        top.setInsertionPointToStart(init);
        Value value = top.create<LLVM::UndefOp>(unknown, recordType);
        Value null = top.create<LLVM::ZeroOp>(unknown, ptr);
        Value zero = top.create<LLVM::ConstantOp>(unknown, i64, 0);
        Value fields[] = {null,
                          top.create<LLVM::AddressOfOp>(unknown, nameString),
                          top.create<LLVM::AddressOfOp>(unknown, locString),
                          top.create<LLVM::AddressOfOp>(unknown, entryString),
                          zero,
                          zero,
                          zero,
                          zero,
                          zero};
        for (auto [index, field] : llvm::enumerate(fields))
          value = top.create<LLVM::InsertValueOp>(unknown, value, field, index);
        top.create<LLVM::ReturnOp>(unknown, value);
      }

      Location loc = call.getLoc();
      OpBuilder b(call);
      Value t0 = b.create<func::CallOp>(loc, begin, ValueRange()).getResult(0);
      // The end call is unconditional (the shim returns at once when t0 is
      // 0): an `scf.if` per call would split the entry's block once per
      // kernel when SCF is lowered to CF, which is quadratic in the number
      // of kernels. The FLOP count is a few integer ops on the operands.
      b.setInsertionPointAfter(call);
      Value flops;
      bool needsLoops = false;
      if (!analysis.isKnown(callee, needsLoops)) {
        flops = b.create<arith::ConstantIntOp>(loc, -1, 64);
      } else if (!needsLoops) {
        flops =
            FlopCounter(analysis, callee, call.getOperands(), b, loc).build();
      } else {
        Counter &counter = counters[callee];
        if (!counter.func)
          counter = countingFunction(top, analysis, callee);
        SmallVector<Value> operands{t0};
        for (unsigned i : counter.operands)
          operands.push_back(call.getOperand(i));
        flops =
            b.create<func::CallOp>(loc, counter.func, operands).getResult(0);
      }
      Value address = b.create<LLVM::AddressOfOp>(loc, record);
      b.create<func::CallOp>(loc, end, ValueRange{address, t0, flops});
    }
  }

  /// A counting function and the operands of the loop's call it takes.
  struct Counter {
    func::FuncOp func;
    SmallVector<unsigned> operands;
  };

  /// `__nnc_flops_<loop>(t0, operands of the loop) -> i64`: the FLOPs of a
  /// call of `callee` whose count walks loops (FlopCounter), 0 when `t0` is
  /// 0 (profiling off), so that an unprofiled call only pays a call and a
  /// branch. It takes only the operands the count reads (chunk ranges and
  /// sizes, rarely a buffer for its shape): every memref operand would be
  /// passed as a whole descriptor, which in the transformer's large entry
  /// points cost 0.1 s of machine code. Internal and not inlined: its loops
  /// would otherwise split the entry's block, which makes SCF-to-CF quadratic
  /// in the number of kernels. Not optimized either: LLVM would vectorize and
  /// unroll its walks, which cost the transformer's compile 0.2 s for code that
  /// only runs when profiling.
  static Counter countingFunction(OpBuilder &top, FlopAnalysis &analysis,
                                  func::FuncOp callee) {
    MLIRContext *ctx = top.getContext();
    Type i64 = top.getI64Type();
    SmallVector<Type> inputs{i64};
    llvm::append_range(inputs, callee.getArgumentTypes());
    Location loc = callee.getLoc();
    auto func = top.create<func::FuncOp>(
        loc, ("__nnc_flops_" + callee.getSymName()).str(),
        top.getFunctionType(inputs, {i64}));
    func.setPrivate();
    OperationName llvmFunc(LLVM::LLVMFuncOp::getOperationName(), ctx);
    func->setAttr(LLVM::LLVMFuncOp::getNoInlineAttrName(llvmFunc),
                  UnitAttr::get(ctx));
    func->setAttr(LLVM::LLVMFuncOp::getOptimizeNoneAttrName(llvmFunc),
                  UnitAttr::get(ctx));
    func->setAttr("llvm.linkage",
                  LLVM::LinkageAttr::get(ctx, LLVM::Linkage::Internal));
    OpBuilder b = OpBuilder::atBlockBegin(func.addEntryBlock());
    Value t0 = func.getArgument(0);
    Value zero = b.create<arith::ConstantIntOp>(loc, 0, 64);
    Value off =
        b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::eq, t0, zero);
    auto branch = b.create<scf::IfOp>(
        loc, off,
        [&](OpBuilder &then, Location) {
          then.create<scf::YieldOp>(loc, zero);
        },
        [&](OpBuilder &otherwise, Location) {
          Value n =
              FlopCounter(analysis, callee, func.getArguments().drop_front(),
                          otherwise, loc)
                  .build();
          otherwise.create<scf::YieldOp>(loc, n);
        });
    b.create<func::ReturnOp>(loc, branch.getResults());
    Counter counter{func, {}};
    llvm::BitVector unused(func.getNumArguments());
    for (BlockArgument arg : func.getArguments().drop_front()) {
      if (arg.use_empty())
        unused.set(arg.getArgNumber());
      else
        counter.operands.push_back(arg.getArgNumber() - 1);
    }
    func.eraseArguments(unused);
    return counter;
  }

  static func::FuncOp declare(OpBuilder &top, ModuleOp module, StringRef name,
                              FunctionType type) {
    if (auto existing = module.lookupSymbol<func::FuncOp>(name))
      return existing;
    auto func = top.create<func::FuncOp>(module.getLoc(), name, type);
    func.setPrivate();
    return func;
  }

  /// An internal constant global holding `text` and a NUL.
  static LLVM::GlobalOp string(OpBuilder &top, StringRef name, StringRef text) {
    std::string bytes = text.str();
    bytes.push_back('\0');
    auto type = LLVM::LLVMArrayType::get(top.getI8Type(), bytes.size());
    return top.create<LLVM::GlobalOp>(
        top.getUnknownLoc(), type, /*isConstant=*/true, LLVM::Linkage::Internal,
        name, top.getStringAttr(bytes),
        /*alignment=*/1);
  }
};

} // namespace
