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
// reduction) counts ub steps of that inner loop in all. A loop whose
// bounds depend on an enclosing loop's induction variable, a `scf.while` or a
// `scf.if` around float ops makes the count unknown: the call passes -1 and
// the report prints '-'.
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

/// Builds, at a call site, the FLOP count of one call of an outlined loop
/// function from the call's operands.
class FlopCounter {
public:
  FlopCounter(func::FuncOp callee, ValueRange operands, OpBuilder &b,
              Location loc)
      : callee(callee), b(b), loc(loc) {
    for (auto [arg, operand] : llvm::zip(callee.getArguments(), operands))
      map.map(arg, operand);
  }

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

  /// The enclosing loop of which `loop` runs the block remainders, if any.
  static scf::ForOp blockOf(scf::ForOp loop) {
    for (auto outer = loop->getParentOfType<scf::ForOp>(); outer;
         outer = outer->getParentOfType<scf::ForOp>())
      if (isBlockRemainder(loop, outer))
        return outer;
    return nullptr;
  }

  /// Whether the count is known without building anything.
  static bool isKnown(func::FuncOp callee) {
    bool known = true;
    callee.walk([&](Operation *op) {
      if (isa<scf::WhileOp, scf::IfOp>(op) && hasFlops(op))
        known = false;
      else if (auto loop = dyn_cast<scf::ForOp>(op)) {
        // A block remainder's steps are counted by its block loop.
        if (scf::ForOp block = blockOf(loop))
          known &= materializable(block.getUpperBound(), callee);
        else
          known &= materializable(loop.getLowerBound(), callee) &&
                   materializable(loop.getUpperBound(), callee) &&
                   materializable(loop.getStep(), callee);
      } else if (auto loop = dyn_cast<scf::ParallelOp>(op))
        for (Value v : op->getOperands())
          known &= materializable(v, callee);
      else if (op != callee && op->getNumRegions() &&
               !isa<scf::ForOp, scf::ParallelOp, scf::WhileOp, scf::IfOp>(op) &&
               hasFlops(op))
        known = false; // an op with regions of unknown trip count
      return known ? WalkResult::advance() : WalkResult::interrupt();
    });
    return known;
  }

  /// The FLOPs of one call, as i64.
  Value build() {
    Value n = block(callee.getBody().front());
    return b.createOrFold<arith::IndexCastOp>(loc, b.getI64Type(), n);
  }

private:
  static bool hasFlops(Operation *root) {
    bool any = false;
    root->walk([&](Operation *op) {
      any |= elementaryFlops(op) != 0;
      return any ? WalkResult::interrupt() : WalkResult::advance();
    });
    return any;
  }

  /// Whether `v` can be recomputed at the call site: an argument of the
  /// function, or the result of a pure op without regions whose operands
  /// can be (never an induction variable or a loop-carried value).
  static bool materializable(Value v, func::FuncOp callee) {
    if (auto arg = dyn_cast<BlockArgument>(v))
      return arg.getOwner() == &callee.getBody().front();
    Operation *def = v.getDefiningOp();
    if (!def || def->getNumRegions() || !isMemoryEffectFree(def))
      return false;
    return llvm::all_of(def->getOperands(), [&](Value operand) {
      return materializable(operand, callee);
    });
  }

  Value materialize(Value v) {
    if (Value mapped = map.lookupOrNull(v))
      return mapped;
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

  Value block(Block &body) {
    int64_t direct = 0;
    Value total;
    auto add = [&](Value v) {
      total = total ? b.createOrFold<arith::AddIOp>(loc, total, v) : v;
    };
    for (Operation &op : body) {
      direct += elementaryFlops(&op);
      if (!hasFlops(&op) || !op.getNumRegions())
        continue;
      Value count;
      if (auto loop = dyn_cast<scf::ForOp>(op); loop && blockOf(loop)) {
        // Counted by its block loop: one per step of that loop's range.
        count = constant(1);
      } else if (auto loop = dyn_cast<scf::ForOp>(op)) {
        // A loop of blocks runs its remainder loops ub steps in all: it
        // counts its range, not its blocks.
        bool blocks = false;
        loop.walk([&](scf::ForOp inner) {
          blocks |= inner != loop && isBlockRemainder(inner, loop);
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

  func::FuncOp callee;
  OpBuilder &b;
  Location loc;
  IRMapping map;
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
        ctx, {ptr, ptr, ptr, i64, i64, i64, i64, i64});
    Location unknown = UnknownLoc::get(ctx);
    auto begin = declare(top, module, kBegin, top.getFunctionType({}, {i64}));
    auto end =
        declare(top, module, kEnd, top.getFunctionType({ptr, i64, i64}, {}));

    llvm::StringMap<unsigned> callCount, callsOf;
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
      if (FlopCounter::isKnown(callee))
        flops = FlopCounter(callee, call.getOperands(), b, loc).build();
      else
        flops = b.create<arith::ConstantIntOp>(loc, -1, 64);
      Value address = b.create<LLVM::AddressOfOp>(loc, record);
      b.create<func::CallOp>(loc, end, ValueRange{address, t0, flops});
    }
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
