//===- ParallelTaskCalls.cpp - task calls through the shim's thread pool --===//
//
// Implements nnc-parallel-task-calls on the LLVM dialect, after the task
// functions of nnc-outline-parallel have been converted: for each function
// `F(begin, end, args...)` marked `nnc.parallel_task` it adds
//
//   void F_thunk(ptr ctx, i64 begin, i64 end)   // reads base and args from
//                                               // the struct at ctx, calls
//   F(base + begin, base + end, args...)
//
// and `F_launch(b, e, args...)` (internal, never inlined) that stores {b,
// args...} into a stack slot and calls the model shim's
//
//   nnc_rt_parallel_for(F_thunk, slot, e - b)
//
// (lib/ModelRT/Parallel.c), which runs disjoint ranges of [0, e - b) on the
// instance's threads and returns when all are done. Every call of F calls
// F_launch instead: the kernel passes the task's arguments as it would to an
// outlined loop, and stays as small.
//
//===----------------------------------------------------------------------===//

#include "nnc/Target/CPU/Passes.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/Builders.h"

namespace nnc {
#define GEN_PASS_DEF_PARALLELTASKCALLS
#include "nnc/Target/CPU/Passes.h.inc"
} // namespace nnc

using namespace mlir;

namespace {

constexpr llvm::StringLiteral kParallelFor = "nnc_rt_parallel_for";

/// The declaration of nnc_rt_parallel_for(ptr task, ptr ctx, i64 count).
LLVM::LLVMFuncOp getParallelFor(ModuleOp module) {
  if (auto f = module.lookupSymbol<LLVM::LLVMFuncOp>(kParallelFor))
    return f;
  MLIRContext *ctx = module.getContext();
  auto ptr = LLVM::LLVMPointerType::get(ctx);
  auto type = LLVM::LLVMFunctionType::get(
      LLVM::LLVMVoidType::get(ctx), {ptr, ptr, IntegerType::get(ctx, 64)});
  OpBuilder b = OpBuilder::atBlockEnd(module.getBody());
  return b.create<LLVM::LLVMFuncOp>(module.getLoc(), kParallelFor, type);
}

/// The fields a call stores for the thunk: the range's base, then the
/// task's arguments after the range.
LLVM::LLVMStructType contextType(LLVM::LLVMFuncOp task) {
  ArrayRef<Type> params = task.getFunctionType().getParams();
  SmallVector<Type> fields{params[0]};
  llvm::append_range(fields, params.drop_front(2));
  return LLVM::LLVMStructType::getLiteral(task.getContext(), fields);
}

/// Adds `<task>_thunk(ptr ctx, i64 begin, i64 end)`.
LLVM::LLVMFuncOp buildThunk(LLVM::LLVMFuncOp task, ModuleOp module) {
  MLIRContext *ctx = module.getContext();
  Location loc = task.getLoc();
  auto ptr = LLVM::LLVMPointerType::get(ctx);
  Type i64 = IntegerType::get(ctx, 64);
  OpBuilder b = OpBuilder::atBlockEnd(module.getBody());
  auto thunk = b.create<LLVM::LLVMFuncOp>(
      loc, (task.getSymName() + "_thunk").str(),
      LLVM::LLVMFunctionType::get(LLVM::LLVMVoidType::get(ctx),
                                  {ptr, i64, i64}),
      LLVM::Linkage::Internal);
  Block *entry = thunk.addEntryBlock(b);
  b.setInsertionPointToStart(entry);
  LLVM::LLVMStructType fields = contextType(task);
  SmallVector<Value> values;
  for (auto [i, type] : llvm::enumerate(fields.getBody())) {
    Value at = b.create<LLVM::GEPOp>(
        loc, ptr, fields, entry->getArgument(0),
        ArrayRef<LLVM::GEPArg>{0, static_cast<int32_t>(i)});
    values.push_back(b.create<LLVM::LoadOp>(loc, type, at));
  }
  Value base = values.front();
  SmallVector<Value> operands{
      b.create<LLVM::AddOp>(loc, base, entry->getArgument(1)),
      b.create<LLVM::AddOp>(loc, base, entry->getArgument(2))};
  llvm::append_range(operands, ArrayRef<Value>(values).drop_front());
  b.create<LLVM::CallOp>(loc, task, operands);
  b.create<LLVM::ReturnOp>(loc, ValueRange{});
  return thunk;
}

/// Adds `<task>_launch(begin, end, args...)`, of the task's type: it stores
/// {begin, args...} into a stack slot and calls nnc_rt_parallel_for(thunk,
/// slot, end - begin). Internal and never inlined, so that a kernel calling
/// many tasks stays as small as one calling outlined loops.
LLVM::LLVMFuncOp buildLauncher(LLVM::LLVMFuncOp task, LLVM::LLVMFuncOp thunk,
                               LLVM::LLVMFuncOp parallelFor, ModuleOp module) {
  MLIRContext *ctx = module.getContext();
  Location loc = task.getLoc();
  auto ptr = LLVM::LLVMPointerType::get(ctx);
  OpBuilder b = OpBuilder::atBlockEnd(module.getBody());
  auto launcher = b.create<LLVM::LLVMFuncOp>(
      loc, (task.getSymName() + "_launch").str(), task.getFunctionType(),
      LLVM::Linkage::Internal);
  launcher.setNoInline(true);
  Block *entry = launcher.addEntryBlock(b);
  b.setInsertionPointToStart(entry);
  LLVM::LLVMStructType fields = contextType(task);
  Value one = b.create<LLVM::ConstantOp>(loc, b.getI64Type(), 1);
  Value slot = b.create<LLVM::AllocaOp>(loc, ptr, fields, one);
  ArrayRef<BlockArgument> args = entry->getArguments();
  SmallVector<Value> stored{args[0]};
  llvm::append_range(stored, args.drop_front(2));
  for (auto [i, value] : llvm::enumerate(stored)) {
    Value at = b.create<LLVM::GEPOp>(
        loc, ptr, fields, slot,
        ArrayRef<LLVM::GEPArg>{0, static_cast<int32_t>(i)});
    b.create<LLVM::StoreOp>(loc, value, at);
  }
  Value count = b.create<LLVM::SubOp>(loc, args[1], args[0]);
  Value fn = b.create<LLVM::AddressOfOp>(loc, thunk);
  b.create<LLVM::CallOp>(loc, parallelFor, ValueRange{fn, slot, count});
  b.create<LLVM::ReturnOp>(loc, ValueRange{});
  return launcher;
}

struct ParallelTaskCallsPass
    : nnc::impl::ParallelTaskCallsBase<ParallelTaskCallsPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<LLVM::LLVMFuncOp> tasks;
    for (auto func : module.getOps<LLVM::LLVMFuncOp>())
      if (func->hasAttr(nnc::kParallelTaskAttr))
        tasks.push_back(func);
    if (tasks.empty())
      return;
    Type i64 = IntegerType::get(&getContext(), 64);
    for (LLVM::LLVMFuncOp task : tasks) {
      ArrayRef<Type> params = task.getFunctionType().getParams();
      if (params.size() < 2 || params[0] != i64 || params[1] != i64) {
        task.emitError("nnc-parallel-task-calls: a task takes its range "
                       "(i64 begin, i64 end) first");
        return signalPassFailure();
      }
    }
    LLVM::LLVMFuncOp parallelFor = getParallelFor(module);
    // One walk finds the calls of every task.
    llvm::StringMap<SmallVector<LLVM::CallOp>> calls;
    for (LLVM::LLVMFuncOp task : tasks)
      calls[task.getSymName()];
    module.walk([&](LLVM::CallOp call) {
      if (std::optional<StringRef> callee = call.getCallee())
        if (auto it = calls.find(*callee); it != calls.end())
          it->second.push_back(call);
    });
    for (LLVM::LLVMFuncOp task : tasks) {
      LLVM::LLVMFuncOp thunk = buildThunk(task, module);
      LLVM::LLVMFuncOp launcher =
          buildLauncher(task, thunk, parallelFor, module);
      for (LLVM::CallOp call : calls[task.getSymName()])
        call.setCallee(launcher.getSymName());
      task->removeAttr(nnc::kParallelTaskAttr);
      task.setLinkage(LLVM::Linkage::Internal);
    }
  }
};

} // namespace
