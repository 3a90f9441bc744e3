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
// The FLOP count is FlopCount.cpp's: a formula of the call's operands at
// the call site, or, where it must walk loops (a thread chunk's clamped
// rows, a time step), a call of a counting function `__nnc_flops_<loop>(t0,
// operands)` that returns 0 at once when t0 is 0 (profiling off); -1 when
// unknown (the report prints '-').
//
//===----------------------------------------------------------------------===//

#include "nnc/Target/CPU/Passes.h"

#include "FlopCount.h"

#include "mlir/Dialect/Arith/IR/Arith.h"

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
    nnc::FlopCounts counts;
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
      if (!counts.isKnown(callee, needsLoops)) {
        flops = b.create<arith::ConstantIntOp>(loc, -1, 64);
      } else if (!needsLoops) {
        flops = counts.build(callee, call.getOperands(), b, loc);
      } else {
        Counter &counter = counters[callee];
        if (!counter.func)
          counter = countingFunction(top, counts, callee);
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
  /// call of `callee` whose count walks loops (FlopCount.cpp), 0 when `t0` is
  /// 0 (profiling off), so that an unprofiled call only pays a call and a
  /// branch. It takes only the operands the count reads (chunk ranges and
  /// sizes, rarely a buffer for its shape): every memref operand would be
  /// passed as a whole descriptor, which in the transformer's large entry
  /// points cost 0.1 s of machine code. Internal and not inlined: its loops
  /// would otherwise split the entry's block, which makes SCF-to-CF quadratic
  /// in the number of kernels. Not optimized either: LLVM would vectorize and
  /// unroll its walks, which cost the transformer's compile 0.2 s for code that
  /// only runs when profiling.
  static Counter countingFunction(OpBuilder &top, nnc::FlopCounts &counts,
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
          Value n = counts.build(callee, func.getArguments().drop_front(),
                                 otherwise, loc);
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
