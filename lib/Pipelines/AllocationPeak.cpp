//===- AllocationPeak.cpp - execute the allocations of a kernel -----------===//
//
// Runs the allocations of a bufferized kernel at a batch (the Executor):
// integers (sizes, loop bounds, ownership flags) are evaluated by folding
// each op with its known operands, memref values carry the identity of their
// buffer through views, loops run every iteration (the chunks of a parallel
// loop one after the other, as on one thread), scf.if takes its branch, and
// memref.dealloc and bufferization.dealloc free what they free at run time.
// Loops whose bodies allocate nothing are skipped, so the execution touches
// only the ops around allocations. Bytes are counted as the kernel asks the
// allocator for them: the memref lowering (use-aligned-alloc=false) adds an
// aligned buffer's alignment to the malloc size. memref.alloca (the stack)
// is not counted.
//
//===----------------------------------------------------------------------===//

#include "AllocationPeak.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Interfaces/DataLayoutInterfaces.h"
#include "mlir/Interfaces/ViewLikeInterface.h"

#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace nnc;

namespace {

/// Ops executed per entry point before the estimate gives up.
constexpr int64_t kMaxSteps = 20'000'000;

/// Executes the allocations of one entry point (see the file comment).
class Executor {
public:
  Executor(ModuleOp module, int64_t batch)
      : module(module), layout(module), batch(batch) {}

  /// Runs `entry`; on failure `why` says what could not be evaluated.
  LogicalResult run(func::FuncOp entry, EntryWorkspace &out);

  std::string why;

private:
  struct Buffer {
    int64_t bytes;
    bool heap, live;
  };

  LogicalResult fail(Operation *op, const Twine &what);
  Operation *execBlock(Block &block, LogicalResult &result);
  LogicalResult execOp(Operation *op);
  LogicalResult execAlloc(Operation *op, Value result, int64_t alignment,
                          bool heap);
  LogicalResult execDealloc(bufferization::DeallocOp op);
  LogicalResult execFor(scf::ForOp op);
  LogicalResult execIndexSpace(Operation *op, ArrayRef<OpFoldResult> lbs,
                               ArrayRef<OpFoldResult> ubs,
                               ArrayRef<OpFoldResult> steps, ValueRange ivs,
                               Block &body);
  LogicalResult execIf(scf::IfOp op);
  LogicalResult execWhile(scf::WhileOp op);
  LogicalResult execCall(func::CallOp op);
  void execOther(Operation *op);
  /// A loop that allocates nothing: its results are its inits' buffers.
  void skipLoop(Operation *op, ValueRange inits);

  /// Whether `op`'s regions hold anything that allocates or frees.
  bool mayAllocate(Operation *op);
  std::optional<int64_t> intOf(Value v) const;
  std::optional<int64_t> intOf(OpFoldResult r) const;
  std::optional<SmallVector<int64_t>> shapeOf(Value memref) const;
  std::optional<SmallVector<int64_t>> viewShape(Operation *op) const;
  /// Copies what is known of each `from` to the `to` at its position (block
  /// arguments or results).
  void bindAll(ValueRange to, ValueRange from);
  int64_t newBuffer(Value v, int64_t bytes, bool heap);
  void release(Value memref);

  ModuleOp module;
  DataLayout layout;
  int64_t batch;
  DenseMap<Value, int64_t> ints;
  DenseMap<Value, int64_t> buffers;
  DenseMap<Value, SmallVector<int64_t>> shapes;
  std::vector<Buffer> all;
  DenseMap<Operation *, bool> allocating;
  int64_t live = 0, peak = 0, perThread = 0, steps = 0;
  int parallelDepth = 0, callDepth = 0;
};

LogicalResult Executor::fail(Operation *op, const Twine &what) {
  std::string loc;
  llvm::raw_string_ostream os(loc);
  op->getLoc().print(os);
  why =
      (what + " ('" + op->getName().getStringRef() + "' at " + loc + ")").str();
  return failure();
}

bool Executor::mayAllocate(Operation *op) {
  auto [it, inserted] = allocating.try_emplace(op, false);
  if (!inserted)
    return it->second;
  bool found = op->walk([](Operation *inner) {
                   return isa<memref::AllocOp, memref::DeallocOp,
                              bufferization::DeallocOp, bufferization::CloneOp,
                              func::CallOp>(inner)
                              ? WalkResult::interrupt()
                              : WalkResult::advance();
                 }).wasInterrupted();
  allocating[op] = found;
  return found;
}

std::optional<int64_t> Executor::intOf(Value v) const {
  auto it = ints.find(v);
  if (it == ints.end())
    return std::nullopt;
  return it->second;
}

std::optional<int64_t> Executor::intOf(OpFoldResult r) const {
  if (auto attr = dyn_cast<Attribute>(r)) {
    if (auto i = dyn_cast<IntegerAttr>(attr))
      return i.getValue().getSExtValue();
    return std::nullopt;
  }
  return intOf(cast<Value>(r));
}

std::optional<SmallVector<int64_t>> Executor::shapeOf(Value memref) const {
  auto type = dyn_cast<MemRefType>(memref.getType());
  if (!type)
    return std::nullopt;
  if (type.hasStaticShape())
    return SmallVector<int64_t>(type.getShape());
  auto it = shapes.find(memref);
  if (it == shapes.end())
    return std::nullopt;
  return it->second;
}

/// The shape of a view's result from its operands' (dynamic results only).
std::optional<SmallVector<int64_t>> Executor::viewShape(Operation *op) const {
  auto evalAll =
      [&](ArrayRef<OpFoldResult> sizes) -> std::optional<SmallVector<int64_t>> {
    SmallVector<int64_t> out;
    for (OpFoldResult s : sizes) {
      std::optional<int64_t> v = intOf(s);
      if (!v)
        return std::nullopt;
      out.push_back(*v);
    }
    return out;
  };
  return llvm::TypeSwitch<Operation *, std::optional<SmallVector<int64_t>>>(op)
      .Case([&](memref::SubViewOp v) -> std::optional<SmallVector<int64_t>> {
        auto sizes = evalAll(v.getMixedSizes());
        if (!sizes)
          return std::nullopt;
        llvm::SmallBitVector dropped = v.getDroppedDims();
        SmallVector<int64_t> out;
        for (auto [i, s] : llvm::enumerate(*sizes))
          if (!dropped.test(i))
            out.push_back(s);
        return out;
      })
      .Case([&](memref::ReinterpretCastOp v) {
        return evalAll(v.getMixedSizes());
      })
      .Case(
          [&](memref::ExpandShapeOp v) -> std::optional<SmallVector<int64_t>> {
            SmallVector<int64_t> out;
            auto dynamic = v.getOutputShape().begin();
            for (int64_t d : v.getStaticOutputShape()) {
              std::optional<int64_t> s =
                  ShapedType::isDynamic(d) ? intOf(Value(*dynamic++)) : d;
              if (!s)
                return std::nullopt;
              out.push_back(*s);
            }
            return out;
          })
      .Case([&](memref::CollapseShapeOp v)
                -> std::optional<SmallVector<int64_t>> {
        auto src = shapeOf(v.getSrc());
        if (!src)
          return std::nullopt;
        SmallVector<int64_t> out;
        for (const ReassociationIndices &group : v.getReassociationIndices()) {
          int64_t n = 1;
          for (int64_t d : group)
            n *= (*src)[d];
          out.push_back(n);
        }
        return out;
      })
      .Case([&](memref::CastOp v) -> std::optional<SmallVector<int64_t>> {
        return shapeOf(v.getSource());
      })
      .Case([&](memref::TransposeOp v) -> std::optional<SmallVector<int64_t>> {
        auto src = shapeOf(v.getIn());
        if (!src)
          return std::nullopt;
        SmallVector<int64_t> out;
        AffineMap perm = v.getPermutation();
        for (unsigned i = 0; i < perm.getNumResults(); ++i)
          out.push_back((*src)[perm.getDimPosition(i)]);
        return out;
      })
      .Case([&](memref::ViewOp v) -> std::optional<SmallVector<int64_t>> {
        SmallVector<int64_t> out;
        auto sizes = v.getSizes().begin();
        for (int64_t d : v.getType().getShape()) {
          if (!ShapedType::isDynamic(d)) {
            out.push_back(d);
            continue;
          }
          std::optional<int64_t> s = intOf(*sizes++);
          if (!s)
            return std::nullopt;
          out.push_back(*s);
        }
        return out;
      })
      .Default([](Operation *) { return std::nullopt; });
}

void Executor::bindAll(ValueRange to, ValueRange from) {
  // Copy first: `to` and `from` may overlap (a loop's yield of its own
  // iteration arguments in another order).
  SmallVector<std::optional<int64_t>> i;
  SmallVector<std::optional<int64_t>> b;
  SmallVector<std::optional<SmallVector<int64_t>>> s;
  for (Value v : from) {
    i.push_back(intOf(v));
    auto bit = buffers.find(v);
    b.push_back(bit == buffers.end() ? std::nullopt
                                     : std::optional<int64_t>(bit->second));
    auto sit = shapes.find(v);
    s.push_back(sit == shapes.end()
                    ? std::nullopt
                    : std::optional<SmallVector<int64_t>>(sit->second));
  }
  for (auto [k, v] : llvm::enumerate(to)) {
    if (i[k])
      ints[v] = *i[k];
    else
      ints.erase(v);
    if (b[k])
      buffers[v] = *b[k];
    else
      buffers.erase(v);
    if (s[k])
      shapes[v] = *s[k];
    else
      shapes.erase(v);
  }
}

int64_t Executor::newBuffer(Value v, int64_t bytes, bool heap) {
  all.push_back({bytes, heap, true});
  buffers[v] = int64_t(all.size()) - 1;
  if (heap) {
    live += bytes;
    peak = std::max(peak, live);
  }
  return int64_t(all.size()) - 1;
}

void Executor::release(Value memref) {
  auto it = buffers.find(memref);
  if (it == buffers.end())
    return;
  Buffer &b = all[it->second];
  if (b.heap && b.live)
    live -= b.bytes;
  b.live = false;
}

Operation *Executor::execBlock(Block &block, LogicalResult &result) {
  for (Operation &op : block.without_terminator())
    if (failed(execOp(&op))) {
      result = failure();
      return nullptr;
    }
  result = success();
  return block.getTerminator();
}

LogicalResult Executor::execAlloc(Operation *op, Value result,
                                  int64_t alignment, bool heap) {
  auto type = cast<MemRefType>(result.getType());
  SmallVector<int64_t> shape;
  auto dynamic = op->getOperands().begin();
  for (int64_t d : type.getShape()) {
    if (!ShapedType::isDynamic(d)) {
      shape.push_back(d);
      continue;
    }
    if (dynamic == op->getOperands().end())
      return fail(op, "a dynamic size without an operand");
    std::optional<int64_t> v = intOf(*dynamic++);
    if (!v) {
      if (!heap) { // the stack is not counted
        newBuffer(result, 0, false);
        return success();
      }
      return fail(op, "an allocation size that does not fold at the batch");
    }
    shape.push_back(*v);
  }
  int64_t elements = 1;
  for (int64_t d : shape)
    elements *= d;
  int64_t bytes =
      elements * int64_t(layout.getTypeSize(type.getElementType())) + alignment;
  newBuffer(result, heap ? bytes : 0, heap);
  if (!type.hasStaticShape())
    shapes[result] = shape;
  return success();
}

/// bufferization.dealloc: frees the base buffer of every memref whose
/// condition holds and that no retained memref aliases; each retained
/// memref's updated condition is whether one of those memrefs is it.
LogicalResult Executor::execDealloc(bufferization::DeallocOp op) {
  SmallVector<int64_t> retained;
  for (Value r : op.getRetained()) {
    auto it = buffers.find(r);
    retained.push_back(it == buffers.end() ? -1 : it->second);
  }
  SmallVector<bool> owned(retained.size(), false);
  for (auto [m, c] : llvm::zip(op.getMemrefs(), op.getConditions())) {
    std::optional<int64_t> cond = intOf(c);
    if (!cond)
      return fail(op, "a deallocation condition that does not fold");
    if (!*cond)
      continue;
    auto it = buffers.find(m);
    if (it == buffers.end())
      return fail(op, "deallocating a buffer of unknown origin");
    bool kept = false;
    for (auto [k, r] : llvm::enumerate(retained))
      if (r == it->second) {
        owned[k] = true;
        kept = true;
      }
    if (!kept)
      release(m);
  }
  for (auto [k, result] : llvm::enumerate(op.getUpdatedConditions()))
    ints[result] = owned[k];
  return success();
}

void Executor::skipLoop(Operation *op, ValueRange inits) {
  // Nothing to count inside: the memrefs it yields are those it got.
  execOther(op);
  for (auto [r, init] : llvm::zip(op->getResults(), inits))
    if (isa<MemRefType>(r.getType()) && buffers.count(init))
      buffers[r] = buffers[init];
}

LogicalResult Executor::execFor(scf::ForOp op) {
  if (!mayAllocate(op)) {
    skipLoop(op, op.getInitArgs());
    return success();
  }
  std::optional<int64_t> lb = intOf(op.getLowerBound()),
                         ub = intOf(op.getUpperBound()),
                         step = intOf(op.getStep());
  if (!lb || !ub || !step || *step <= 0)
    return fail(op, "loop bounds that do not fold at the batch");
  Block &body = *op.getBody();
  bindAll(op.getRegionIterArgs(), op.getInitArgs());
  for (int64_t iv = *lb; iv < *ub; iv += *step) {
    ints[op.getInductionVar()] = iv;
    LogicalResult result = success();
    Operation *yield = execBlock(body, result);
    if (failed(result))
      return failure();
    bindAll(op.getRegionIterArgs(), yield->getOperands());
  }
  bindAll(op.getResults(), op.getRegionIterArgs());
  return success();
}

/// The iterations of scf.forall or scf.parallel in order. The outermost
/// parallel loop's iterations are the tasks of the thread pool: the most any
/// one of them has live is the part of the peak each further thread may add.
LogicalResult Executor::execIndexSpace(Operation *op,
                                       ArrayRef<OpFoldResult> lbs,
                                       ArrayRef<OpFoldResult> ubs,
                                       ArrayRef<OpFoldResult> steps,
                                       ValueRange ivs, Block &body) {
  SmallVector<int64_t> lo, hi, st;
  for (auto [l, u, s] : llvm::zip(lbs, ubs, steps)) {
    std::optional<int64_t> a = intOf(l), b = intOf(u), c = intOf(s);
    if (!a || !b || !c || *c <= 0)
      return fail(op, "loop bounds that do not fold at the batch");
    lo.push_back(*a);
    hi.push_back(*b);
    st.push_back(*c);
  }
  for (int64_t d = 0; d < int64_t(lo.size()); ++d)
    if (lo[d] >= hi[d])
      return success();
  SmallVector<int64_t> at = lo;
  bool outermost = parallelDepth == 0;
  ++parallelDepth;
  while (true) {
    for (auto [iv, v] : llvm::zip(ivs, at))
      ints[iv] = v;
    int64_t savedPeak = peak, base = live;
    if (outermost)
      peak = live;
    LogicalResult result = success();
    execBlock(body, result);
    if (failed(result))
      return failure();
    if (outermost) {
      perThread = std::max(perThread, peak - base);
      peak = std::max(savedPeak, peak);
    }
    int64_t d = int64_t(at.size()) - 1;
    for (; d >= 0; --d) {
      at[d] += st[d];
      if (at[d] < hi[d])
        break;
      at[d] = lo[d];
    }
    if (d < 0)
      break;
  }
  --parallelDepth;
  return success();
}

LogicalResult Executor::execIf(scf::IfOp op) {
  std::optional<int64_t> cond = intOf(op.getCondition());
  if (!cond && !mayAllocate(op)) {
    execOther(op);
    return success();
  }
  if (!cond)
    return fail(op, "a branch condition that does not fold");
  Region &region = *cond ? op.getThenRegion() : op.getElseRegion();
  if (region.empty())
    return success();
  LogicalResult result = success();
  Operation *yield = execBlock(region.front(), result);
  if (failed(result))
    return failure();
  bindAll(op.getResults(), yield->getOperands());
  return success();
}

LogicalResult Executor::execWhile(scf::WhileOp op) {
  if (!mayAllocate(op)) {
    skipLoop(op, op.getInits());
    return success();
  }
  bindAll(op.getBeforeArguments(), op.getInits());
  while (true) {
    LogicalResult result = success();
    auto condition =
        cast<scf::ConditionOp>(execBlock(op.getBefore().front(), result));
    if (failed(result))
      return failure();
    std::optional<int64_t> cond = intOf(condition.getCondition());
    if (!cond)
      return fail(op, "a loop condition that does not fold");
    if (!*cond) {
      bindAll(op.getResults(), condition.getArgs());
      return success();
    }
    bindAll(op.getAfterArguments(), condition.getArgs());
    Operation *yield = execBlock(op.getAfter().front(), result);
    if (failed(result))
      return failure();
    bindAll(op.getBeforeArguments(), yield->getOperands());
  }
}

LogicalResult Executor::execCall(func::CallOp op) {
  auto callee = module.lookupSymbol<func::FuncOp>(op.getCallee());
  if (!callee || callee.isExternal() || !callee.getBody().hasOneBlock()) {
    execOther(op);
    return success();
  }
  if (++callDepth > 64)
    return fail(op, "calls nested too deeply");
  bindAll(callee.getArguments(), op.getOperands());
  LogicalResult result = success();
  Operation *ret = execBlock(callee.getBody().front(), result);
  --callDepth;
  if (failed(result))
    return failure();
  bindAll(op.getResults(), ret->getOperands());
  return success();
}

/// Any other op: views alias their source, other memrefs are buffers the
/// estimate does not count, integers fold from known operands.
void Executor::execOther(Operation *op) {
  for (Value r : op->getResults()) {
    if (!isa<MemRefType>(r.getType()))
      continue;
    Value source;
    if (auto view = dyn_cast<ViewLikeOpInterface>(op))
      source = view.getViewSource();
    else if (auto cast = dyn_cast<memref::CastOp>(op))
      source = cast.getSource();
    if (source && buffers.count(source))
      buffers[r] = buffers[source];
    else
      newBuffer(r, 0, false);
    if (!cast<MemRefType>(r.getType()).hasStaticShape()) {
      if (auto shape = viewShape(op))
        shapes[r] = *shape;
      else
        shapes.erase(r);
    }
  }
  if (op->getNumResults() == 0 || op->getNumRegions() != 0 ||
      !llvm::all_of(op->getResultTypes(),
                    [](Type t) { return t.isIntOrIndex(); }))
    return;
  SmallVector<Attribute> operands;
  for (Value v : op->getOperands()) {
    std::optional<int64_t> i = intOf(v);
    operands.push_back(i && v.getType().isIntOrIndex()
                           ? IntegerAttr::get(v.getType(), *i)
                           : Attribute());
  }
  SmallVector<OpFoldResult> folded;
  bool ok = succeeded(op->fold(operands, folded)) &&
            folded.size() == op->getNumResults();
  for (auto [k, r] : llvm::enumerate(op->getResults())) {
    std::optional<int64_t> v;
    if (ok) {
      if (auto attr = dyn_cast_if_present<Attribute>(folded[k])) {
        if (auto i = dyn_cast<IntegerAttr>(attr))
          v = r.getType().isInteger(1) ? int64_t(i.getValue().getZExtValue())
                                       : i.getValue().getSExtValue();
      } else {
        v = intOf(cast<Value>(folded[k]));
      }
    }
    if (v)
      ints[r] = *v;
    else
      ints.erase(r);
  }
}

LogicalResult Executor::execOp(Operation *op) {
  if (++steps > kMaxSteps)
    return fail(op, "more than 20M operations to execute");
  return llvm::TypeSwitch<Operation *, LogicalResult>(op)
      .Case([&](memref::AllocOp a) {
        return execAlloc(a, a.getResult(), a.getAlignment().value_or(0),
                         /*heap=*/true);
      })
      .Case([&](memref::AllocaOp a) {
        return execAlloc(a, a.getResult(), 0, /*heap=*/false);
      })
      .Case([&](bufferization::CloneOp c) -> LogicalResult {
        // Lowered to memref.alloc (without alignment) and memref.copy.
        auto shape = shapeOf(c.getInput());
        if (!shape)
          return fail(c, "cloning a buffer of unknown shape");
        int64_t elements = 1;
        for (int64_t d : *shape)
          elements *= d;
        auto type = cast<MemRefType>(c.getType());
        newBuffer(c.getResult(),
                  elements * int64_t(layout.getTypeSize(type.getElementType())),
                  true);
        if (!type.hasStaticShape())
          shapes[c.getResult()] = *shape;
        return success();
      })
      .Case([&](memref::DeallocOp d) {
        release(d.getMemref());
        return success();
      })
      .Case([&](bufferization::DeallocOp d) { return execDealloc(d); })
      .Case([&](memref::DimOp d) {
        auto shape = shapeOf(d.getSource());
        std::optional<int64_t> index = intOf(d.getIndex());
        if (shape && index && *index >= 0 && *index < int64_t(shape->size()))
          ints[d.getResult()] = (*shape)[*index];
        else
          ints.erase(d.getResult());
        return success();
      })
      .Case([&](memref::ExtractStridedMetadataOp m) {
        if (auto it = buffers.find(m.getSource()); it != buffers.end())
          buffers[m.getBaseBuffer()] = it->second;
        auto shape = shapeOf(m.getSource());
        for (auto [k, size] : llvm::enumerate(m.getSizes())) {
          if (shape)
            ints[size] = (*shape)[k];
          else
            ints.erase(size);
        }
        return success();
      })
      .Case([&](memref::ExtractAlignedPointerAsIndexOp p) {
        // A stand-in address: equal for the same buffer, else different.
        auto it = buffers.find(p.getSource());
        if (it != buffers.end())
          ints[p.getResult()] = (it->second + 1) * 4096;
        else
          ints.erase(p.getResult());
        return success();
      })
      .Case([&](scf::ForOp f) { return execFor(f); })
      .Case([&](scf::ForallOp f) -> LogicalResult {
        if (!mayAllocate(f)) {
          execOther(f);
          return success();
        }
        return execIndexSpace(f, f.getMixedLowerBound(), f.getMixedUpperBound(),
                              f.getMixedStep(), f.getInductionVars(),
                              *f.getBody());
      })
      .Case([&](scf::ParallelOp p) -> LogicalResult {
        if (!mayAllocate(p)) {
          execOther(p);
          return success();
        }
        if (!p.getInitVals().empty())
          return fail(p, "a parallel reduction that allocates");
        return execIndexSpace(p, getAsOpFoldResult(p.getLowerBound()),
                              getAsOpFoldResult(p.getUpperBound()),
                              getAsOpFoldResult(p.getStep()),
                              p.getInductionVars(), *p.getBody());
      })
      .Case([&](scf::IfOp i) { return execIf(i); })
      .Case([&](scf::WhileOp w) { return execWhile(w); })
      .Case([&](func::CallOp c) { return execCall(c); })
      .Default([&](Operation *other) -> LogicalResult {
        if (other->getNumRegions() && mayAllocate(other))
          return fail(other, "an op with regions that allocate");
        execOther(other);
        return success();
      });
}

LogicalResult Executor::run(func::FuncOp entry, EntryWorkspace &out) {
  ints.clear();
  buffers.clear();
  shapes.clear();
  all.clear();
  live = peak = perThread = steps = 0;
  parallelDepth = callDepth = 0;
  if (!entry.getBody().hasOneBlock())
    return fail(entry, "a kernel of several blocks");
  // Every dynamic dimension of an argument is the batch.
  for (BlockArgument arg : entry.getArguments()) {
    auto type = dyn_cast<MemRefType>(arg.getType());
    if (!type)
      continue;
    newBuffer(arg, 0, false);
    SmallVector<int64_t> shape(type.getShape());
    for (int64_t &d : shape)
      if (ShapedType::isDynamic(d))
        d = batch;
    shapes[arg] = shape;
  }
  LogicalResult result = success();
  execBlock(entry.getBody().front(), result);
  if (failed(result))
    return failure();
  out.peakBytes = peak;
  out.perThreadBytes = perThread;
  return success();
}

} // namespace

LogicalResult nnc::peakOfAllocations(func::FuncOp entry, int64_t batch,
                                     EntryWorkspace &out, std::string &why) {
  Executor executor(entry->getParentOfType<ModuleOp>(), batch);
  LogicalResult result = executor.run(entry, out);
  why = executor.why;
  return result;
}
