//===- EpilogueRowLoops.cpp - costly elementwise tiles one row at a time --===//
//
// Implements nnc-epilogue-row-loops, on vectorized tensor code before
// bufferization: the elementwise ops computing the R x C tiles (R > 1) that a
// group of `vector.transfer_write`s stores, when one of them is a function
// that math approximation expands into a polynomial (erf, exp, tanh, log,
// ...), are computed in an `scf.for` over the R rows, on C-wide rows.
//
// Unrolled over the tile's rows, such a chain keeps the rows' values, the
// polynomial's constants and its temporaries live at once: the feed-forward
// product's GELU epilogue (GELU and its slope on an 8 x 32 tile, 16 vector
// registers of accumulators) spilled a third of its 1,268 instructions, and
// LLVM's scheduler interleaves rows again when they are unrolled in order. In
// a loop, `rows-per-iteration` rows' temporaries are live at a time. The
// polynomials themselves stay (about 75 instructions per vector of GELU and
// slope): the encoder's GELU kernel went from 1.10-1.12 to 1.06-1.08 ms with
// two rows per iteration (one row: 1.09-1.13, four: 1.28, spilling again).
//
// Each value the chain reads is read row by row: a `vector.transfer_read` of
// the tile becomes one of the row, a `vector.broadcast` of a row (the bias)
// or a scalar is that row or its broadcast, a splat constant a row splat. At
// most one other tile value (the product's accumulator, in registers) is
// stored first into the first write's destination tile, which the loop reads
// back row by row before writing it over with the result of that row.
//
// Conditions, each needed for the values to stay the same:
//   - every op of the group is elementwise on R x C (or a broadcast or a
//     splat constant of that shape), in the writes' block, with no use
//     outside the group but the writes;
//   - every write stores a whole R x C tile in bounds into a rank-2 tensor
//     with the identity map and no mask, and no write's destination is
//     another write's result or the source of a tile read of the group;
//   - the reads of the group are in-bounds R x C tiles of rank-2 tensors
//     with the identity map, no mask.
//
//===----------------------------------------------------------------------===//

#include "nnc/Target/CPU/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "llvm/ADT/SetVector.h"

namespace nnc {
#define GEN_PASS_DEF_EPILOGUEROWLOOPS
#include "nnc/Target/CPU/Passes.h.inc"
} // namespace nnc

using namespace mlir;

namespace {

/// Whether math approximation expands `op` into a polynomial with its own
/// constants and temporaries (the ops worth a loop over rows).
bool isPolynomial(Operation *op) {
  return isa<math::ErfOp, math::ExpOp, math::Exp2Op, math::ExpM1Op,
             math::TanhOp, math::LogOp, math::Log1pOp, math::Log2Op,
             math::SinOp, math::CosOp, math::AtanOp, math::Atan2Op,
             math::PowFOp>(op);
}

/// Whether `t` is a vector of exactly `shape`.
bool hasShape(Type t, ArrayRef<int64_t> shape) {
  auto v = dyn_cast<VectorType>(t);
  return v && !v.isScalable() && v.getShape() == shape;
}

/// Whether `map` of a transfer between an R x C vector and a rank-2 tensor is
/// the identity, with both dims in bounds and no mask.
template <typename TransferOp>
bool isWholeTile(TransferOp op, ArrayRef<int64_t> shape) {
  auto tensor = dyn_cast<RankedTensorType>(op.getSource().getType());
  return tensor && tensor.getRank() == 2 && !op.getMask() &&
         op.getPermutationMap().isIdentity() &&
         hasShape(op.getVectorType(), shape) &&
         llvm::all_of(op.getInBoundsValues(), [](bool b) { return b; });
}

/// Whether `v` is read row by row without computing it: a splat constant of
/// the tile, or a broadcast of a row or a scalar to the tile.
bool isRowLeaf(Value v, ArrayRef<int64_t> shape) {
  if (!hasShape(v.getType(), shape))
    return false;
  if (auto cst = v.getDefiningOp<arith::ConstantOp>()) {
    auto dense = dyn_cast<DenseElementsAttr>(cst.getValue());
    return dense && dense.isSplat();
  }
  if (auto bcast = v.getDefiningOp<vector::BroadcastOp>()) {
    Type src = bcast.getSourceType();
    int64_t c = shape.back();
    return !isa<VectorType>(src) || hasShape(src, {c}) || hasShape(src, {1, c});
  }
  return false;
}

/// An op of the group computed per row: elementwise on the tile.
bool isRowOp(Operation *op, ArrayRef<int64_t> shape) {
  return op->getNumResults() == 1 &&
         hasShape(op->getResult(0).getType(), shape) &&
         op->hasTrait<OpTrait::Elementwise>() && isPure(op) &&
         op->getNumRegions() == 0 &&
         llvm::all_of(op->getOperandTypes(),
                      [&](Type t) { return hasShape(t, shape); });
}

/// One group: the writes and the ops computing what they store.
struct Group {
  SmallVector<vector::TransferWriteOp> writes;
  llvm::SetVector<Operation *> ops;
  /// Constants and broadcasts (isRowLeaf), tile reads, and the one tile
  /// value stored before the loop.
  llvm::SetVector<Value> leaves;
  llvm::SetVector<vector::TransferReadOp> reads;
  Value spilled;
};

/// Collects the group of `seed` (the ops reachable through operands and
/// users of group ops, and the writes of their results); nullopt when a
/// condition of the file comment fails.
std::optional<Group> collectGroup(vector::TransferWriteOp seed,
                                  ArrayRef<int64_t> shape) {
  Group g;
  Block *block = seed->getBlock();
  SmallVector<Operation *> worklist = {seed};
  llvm::SmallPtrSet<Operation *, 16> seen = {seed};
  auto visit = [&](Operation *op) {
    if (seen.insert(op).second)
      worklist.push_back(op);
  };
  // Classifies a value the group reads but does not compute.
  auto leaf = [&](Value v) {
    if (isRowLeaf(v, shape)) {
      g.leaves.insert(v);
    } else if (auto read = v.getDefiningOp<vector::TransferReadOp>();
               read && isWholeTile(read, shape)) {
      g.reads.insert(read);
    } else if (!g.spilled || g.spilled == v) {
      g.spilled = v;
    } else {
      return false;
    }
    return true;
  };
  while (!worklist.empty()) {
    Operation *op = worklist.pop_back_val();
    if (op->getBlock() != block)
      return std::nullopt;
    if (auto write = dyn_cast<vector::TransferWriteOp>(op)) {
      if (!isWholeTile(write, shape) || !write->getNumResults())
        return std::nullopt;
      g.writes.push_back(write);
      Operation *def = write.getVector().getDefiningOp();
      if (def && def->getBlock() == block && isRowOp(def, shape))
        visit(def);
      else if (!leaf(write.getVector()))
        return std::nullopt;
      continue;
    }
    g.ops.insert(op);
    for (Operation *user : op->getUsers()) {
      if (isRowOp(user, shape) || isa<vector::TransferWriteOp>(user))
        visit(user);
      else
        return std::nullopt;
    }
    for (Value operand : op->getOperands()) {
      Operation *def = operand.getDefiningOp();
      if (def && def->getBlock() == block && isRowOp(def, shape))
        visit(def);
      else if (!leaf(operand))
        return std::nullopt;
    }
  }
  // No destination is another write's result or a tile read's source, no
  // tile read reads a write's result, and every write's result is used only
  // after the last write (where the loop replaces them).
  vector::TransferWriteOp last = *llvm::max_element(
      g.writes, [](auto a, auto b) { return a->isBeforeInBlock(b); });
  for (vector::TransferWriteOp w : g.writes) {
    Value dest = w.getSource();
    if (llvm::any_of(g.writes, [&](auto o) { return o.getResult() == dest; }) ||
        llvm::any_of(g.reads, [&](auto r) {
          return r.getSource() == dest || r.getSource() == w.getResult();
        }))
      return std::nullopt;
    for (Operation *user : w.getResult().getUsers()) {
      Operation *at = block->findAncestorOpInBlock(*user);
      if (!at || at == last || at->isBeforeInBlock(last))
        return std::nullopt;
    }
  }
  return g;
}

/// Rewrites group `g` into a loop over the tile's rows.
void buildRowLoop(Group &g, ArrayRef<int64_t> shape, int64_t step) {
  llvm::sort(g.writes, [](auto a, auto b) {
    return a->isBeforeInBlock(b.getOperation());
  });
  vector::TransferWriteOp last = g.writes.back();
  OpBuilder b(last);
  Location loc = last.getLoc();
  int64_t rows = shape.front(), cols = shape.back();
  SmallVector<Value> inits;
  for (vector::TransferWriteOp w : g.writes)
    inits.push_back(w.getSource());
  vector::TransferWriteOp first = g.writes.front();
  if (g.spilled)
    inits[0] = b.create<vector::TransferWriteOp>(
                    loc, g.spilled, first.getSource(), first.getIndices(),
                    first.getPermutationMapAttr(), first.getInBoundsAttr())
                   .getResult();

  auto rowType = [&](Type tile) {
    Type element = cast<VectorType>(tile).getElementType();
    return step == 1 ? VectorType::get({cols}, element)
                     : VectorType::get({step, cols}, element);
  };
  SmallVector<bool> inBounds(step == 1 ? 1 : 2, true);
  auto body = [&](OpBuilder &b, Location loc, Value r, ValueRange tensors) {
    auto rowIndices = [&](OperandRange indices) {
      SmallVector<Value> at(indices);
      at[0] = b.create<arith::AddIOp>(loc, at[0], r);
      return at;
    };
    IRMapping map;
    if (g.spilled)
      map.map(g.spilled,
              b.create<vector::TransferReadOp>(
                  loc, rowType(g.spilled.getType()), tensors[0],
                  rowIndices(first.getIndices()), ArrayRef<bool>(inBounds)));
    for (vector::TransferReadOp read : g.reads)
      map.map(read.getResult(),
              b.create<vector::TransferReadOp>(
                  loc, rowType(read.getType()), read.getSource(),
                  rowIndices(read.getIndices()), read.getPadding(),
                  ArrayRef<bool>(inBounds)));
    // The group's ops in block order: operands before users.
    SmallVector<Operation *> ops(g.ops.begin(), g.ops.end());
    llvm::sort(
        ops, [](Operation *x, Operation *y) { return x->isBeforeInBlock(y); });
    for (Value v : g.leaves) {
      Type type = rowType(v.getType());
      Value row;
      if (auto cst = v.getDefiningOp<arith::ConstantOp>()) {
        auto dense = cast<DenseElementsAttr>(cst.getValue());
        row = b.create<arith::ConstantOp>(
            loc, DenseElementsAttr::get(cast<ShapedType>(type),
                                        dense.getSplatValue<Attribute>()));
      } else {
        Value src = v.getDefiningOp<vector::BroadcastOp>().getSource();
        if (src.getType() == type)
          row = src;
        else if (step == 1 && isa<VectorType>(src.getType()))
          row = b.create<vector::ShapeCastOp>(loc, type, src);
        else
          row = b.create<vector::BroadcastOp>(loc, type, src);
      }
      map.map(v, row);
    }
    for (Operation *op : ops) {
      Operation *clone = b.clone(*op, map);
      clone->getResult(0).setType(rowType(op->getResult(0).getType()));
    }
    SmallVector<Value> results;
    for (auto [w, t] : llvm::zip(g.writes, tensors))
      results.push_back(
          b.create<vector::TransferWriteOp>(loc, map.lookup(w.getVector()), t,
                                            rowIndices(w.getIndices()),
                                            ArrayRef<bool>(inBounds))
              .getResult());
    b.create<scf::YieldOp>(loc, results);
  };
  Value zero = b.create<arith::ConstantIndexOp>(loc, 0);
  Value ub = b.create<arith::ConstantIndexOp>(loc, rows);
  Value stepValue = b.create<arith::ConstantIndexOp>(loc, step);
  auto loop = b.create<scf::ForOp>(loc, zero, ub, stepValue, inits, body);
  for (auto [w, result] : llvm::zip(g.writes, loop.getResults())) {
    w.getResult().replaceAllUsesWith(result);
    w->erase();
  }
  SmallVector<Operation *> ops(g.ops.begin(), g.ops.end());
  llvm::sort(ops,
             [](Operation *x, Operation *y) { return x->isBeforeInBlock(y); });
  for (Operation *op : llvm::reverse(ops))
    op->erase();
  for (vector::TransferReadOp read : g.reads)
    if (read->use_empty())
      read->erase();
}

struct EpilogueRowLoopsPass
    : nnc::impl::EpilogueRowLoopsBase<EpilogueRowLoopsPass> {
  using EpilogueRowLoopsBase::EpilogueRowLoopsBase;

  void runOnOperation() override {
    SmallVector<vector::TransferWriteOp> seeds;
    getOperation()->walk([&](vector::TransferWriteOp w) {
      VectorType type = w.getVectorType();
      if (type.getRank() == 2 && type.getDimSize(0) > 1 && w->getNumResults())
        seeds.push_back(w);
    });
    llvm::SmallPtrSet<Operation *, 16> done;
    for (vector::TransferWriteOp seed : seeds) {
      if (done.contains(seed))
        continue;
      SmallVector<int64_t> shape(seed.getVectorType().getShape());
      std::optional<Group> g = collectGroup(seed, shape);
      if (!g)
        continue;
      for (vector::TransferWriteOp w : g->writes)
        done.insert(w);
      if (llvm::none_of(g->ops, isPolynomial))
        continue;
      int64_t step = rowsPerIteration;
      if (step < 1 || shape.front() % step != 0)
        step = 1;
      buildRowLoop(*g, shape, step);
    }
  }
};

} // namespace
