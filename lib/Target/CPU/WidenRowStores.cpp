//===- WidenRowStores.cpp - rows stored in whole vectors ------------------===//
//
// Implements nnc-widen-row-stores, on vector code after bufferization: a loop
// that stores one row of W floats per iteration at consecutive places of a
// buffer (row y at y * W, the im2col rows of a convolution, the rows of a
// pooling output) stores rows of P = the next power of two (or multiple of
// the register) above W, except in its last iteration. A row of 14 was three
// stores (8 + 4 + 2 floats) and is one: the P - W floats written past the row
// land on the next row, which the next iteration writes over. When the row
// comes from a load whose P-wide version stays inside its buffer (checked on
// the static shapes and the loops' bounds), the load is widened too; otherwise
// the stored value is padded with zeros in registers.
//
// Conditions, each needed for the bits to stay the same:
//   - the store is the only write of the loop body, and the body reads
//     nothing of the stored buffer (a different allocation);
//   - the stored buffer is a `memref.alloc` (so that no other view of it is
//     live in the body) with a static unit innermost stride, and the store
//     moves by exactly W elements per iteration;
//   - P - W <= W, so that a row's excess lies within the next row;
//   - the loop is sequential (`scf.for`), starts at 0 with step 1, runs at
//     least twice, and its last iteration keeps the W-wide store, so nothing
//     is written past the last row.
//
//===----------------------------------------------------------------------===//

#include "Views.h"
#include "nnc/Target/CPU/Passes.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Utils/IndexingUtils.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Interfaces/ViewLikeInterface.h"

#include "llvm/Support/MathExtras.h"

namespace nnc {
#define GEN_PASS_DEF_WIDENROWSTORES
#include "nnc/Target/CPU/Passes.h.inc"
} // namespace nnc

using namespace mlir;

namespace {

/// Closed integer interval.
struct Range {
  int64_t lo, hi;
};

/// The operand of an affine map (dims, then symbols) that `e` names, when
/// it is a dim or a symbol.
std::optional<unsigned> operandIndex(AffineExpr e, unsigned numDims) {
  if (auto d = dyn_cast<AffineDimExpr>(e))
    return d.getPosition();
  if (auto s = dyn_cast<AffineSymbolExpr>(e))
    return numDims + s.getPosition();
  return std::nullopt;
}

/// Whether `v` is computed in `loop`'s body from its induction variable.
bool dependsOnIv(Value v, scf::ForOp loop) {
  if (v == loop.getInductionVar())
    return true;
  Operation *op = v.getDefiningOp();
  if (!op || op->getParentOp() != loop.getOperation())
    return false;
  return llvm::any_of(op->getOperands(), [&](Value operand) {
    return dependsOnIv(operand, loop);
  });
}

/// The coefficient of `loop`'s induction variable in the index `v` (an
/// affine function of it), or nullopt when `v` is not affine in it.
std::optional<int64_t> ivCoefficient(Value v, scf::ForOp loop) {
  if (v == loop.getInductionVar())
    return 1;
  if (!dependsOnIv(v, loop))
    return 0;
  auto apply = v.getDefiningOp<affine::AffineApplyOp>();
  if (!apply)
    return std::nullopt;
  SmallVector<std::optional<int64_t>> operandCoefs;
  for (Value operand : apply.getMapOperands())
    operandCoefs.push_back(ivCoefficient(operand, loop));
  unsigned numDims = apply.getAffineMap().getNumDims();
  std::function<std::optional<int64_t>(AffineExpr)> coef =
      [&](AffineExpr e) -> std::optional<int64_t> {
    if (std::optional<unsigned> i = operandIndex(e, numDims))
      return operandCoefs[*i];
    if (isa<AffineConstantExpr>(e))
      return 0;
    auto bin = cast<AffineBinaryOpExpr>(e);
    std::optional<int64_t> l = coef(bin.getLHS()), r = coef(bin.getRHS());
    if (!l || !r)
      return std::nullopt;
    switch (e.getKind()) {
    case AffineExprKind::Add:
      return *l + *r;
    case AffineExprKind::Mul:
      if (auto c = dyn_cast<AffineConstantExpr>(bin.getRHS()))
        return *l * c.getValue();
      if (auto c = dyn_cast<AffineConstantExpr>(bin.getLHS()))
        return *r * c.getValue();
      return (*l == 0 && *r == 0) ? std::optional<int64_t>(0) : std::nullopt;
    default: // floordiv, ceildiv, mod: affine only when the iv is absent
      return (*l == 0 && *r == 0) ? std::optional<int64_t>(0) : std::nullopt;
    }
  };
  return coef(apply.getAffineMap().getResult(0));
}

/// The values `v` may take, from constants and the bounds of the enclosing
/// `scf.for` loops (`lastIv` of `loop` overriding its upper bound), or
/// nullopt when unknown.
std::optional<Range> rangeOf(Value v, scf::ForOp loop, int64_t lastIv) {
  if (std::optional<int64_t> c = getConstantIntValue(v))
    return Range{*c, *c};
  if (auto arg = dyn_cast<BlockArgument>(v)) {
    auto forOp = dyn_cast<scf::ForOp>(arg.getOwner()->getParentOp());
    if (!forOp || arg != forOp.getInductionVar())
      return std::nullopt;
    std::optional<int64_t> lb = getConstantIntValue(forOp.getLowerBound());
    std::optional<int64_t> ub = getConstantIntValue(forOp.getUpperBound());
    std::optional<int64_t> step = getConstantIntValue(forOp.getStep());
    if (!lb || !ub || !step || *step <= 0 || *ub <= *lb)
      return std::nullopt;
    int64_t hi = forOp == loop ? lastIv : *ub - 1;
    return Range{*lb, hi};
  }
  auto apply = v.getDefiningOp<affine::AffineApplyOp>();
  if (!apply)
    return std::nullopt;
  SmallVector<Range> operands;
  for (Value operand : apply.getMapOperands()) {
    std::optional<Range> r = rangeOf(operand, loop, lastIv);
    if (!r)
      return std::nullopt;
    operands.push_back(*r);
  }
  unsigned numDims = apply.getAffineMap().getNumDims();
  std::function<std::optional<Range>(AffineExpr)> eval =
      [&](AffineExpr e) -> std::optional<Range> {
    if (std::optional<unsigned> i = operandIndex(e, numDims))
      return operands[*i];
    if (auto c = dyn_cast<AffineConstantExpr>(e))
      return Range{c.getValue(), c.getValue()};
    auto bin = cast<AffineBinaryOpExpr>(e);
    std::optional<Range> l = eval(bin.getLHS());
    auto c = dyn_cast<AffineConstantExpr>(bin.getRHS());
    if (e.getKind() == AffineExprKind::Add) {
      std::optional<Range> r = eval(bin.getRHS());
      if (!l || !r)
        return std::nullopt;
      return Range{l->lo + r->lo, l->hi + r->hi};
    }
    if (!l || !c)
      return std::nullopt;
    int64_t k = c.getValue();
    switch (e.getKind()) {
    case AffineExprKind::Mul:
      return k >= 0 ? Range{l->lo * k, l->hi * k} : Range{l->hi * k, l->lo * k};
    case AffineExprKind::FloorDiv:
      if (k <= 0)
        return std::nullopt;
      return Range{llvm::divideFloorSigned(l->lo, k),
                   llvm::divideFloorSigned(l->hi, k)};
    case AffineExprKind::Mod:
      if (k <= 0)
        return std::nullopt;
      return Range{0, k - 1};
    default:
      return std::nullopt;
    }
  };
  return eval(apply.getAffineMap().getResult(0));
}

/// Whether `memref` has a static unit innermost stride; `strides` gets all.
bool unitInnermostStride(Value memref, SmallVectorImpl<int64_t> &strides) {
  auto type = dyn_cast<MemRefType>(memref.getType());
  int64_t offset;
  return type && type.getRank() > 0 &&
         succeeded(getStridesAndOffset(type, strides, offset)) &&
         llvm::none_of(strides, ShapedType::isDynamic) && strides.back() == 1;
}

/// `v` rebuilt lane by lane into a fresh vector (insert i of extract i of
/// the same vector, for every lane; a lowering leaves such chains): that
/// vector; else `v`.
Value throughLaneCopy(Value v) {
  auto type = dyn_cast<VectorType>(v.getType());
  if (!type || type.getRank() != 1)
    return v;
  Value source;
  llvm::SmallBitVector seen(type.getNumElements());
  Value acc = v;
  while (auto insert = acc.getDefiningOp<vector::InsertOp>()) {
    auto extract = insert.getSource().getDefiningOp<vector::ExtractOp>();
    if (!extract || insert.hasDynamicPosition() ||
        extract.hasDynamicPosition() ||
        insert.getStaticPosition() != extract.getStaticPosition() ||
        extract.getVector().getType() != type ||
        (source && extract.getVector() != source))
      return v;
    source = extract.getVector();
    seen.set(insert.getStaticPosition()[0]);
    acc = insert.getDest();
  }
  return source && seen.all() ? source : v;
}

/// The linear offset, in elements of its root buffer, of index `indices` of
/// `memref`, a chain of rank-preserving unit-stride subviews of a buffer of
/// static shape and identity layout; the offset's operands and the affine
/// map summing them, or failure.
struct LinearIndex {
  Value root;
  SmallVector<OpFoldResult> terms; // sum of terms[i] * coefs[i]
  SmallVector<int64_t> coefs;
};
FailureOr<LinearIndex> linearIndex(Value memref, ValueRange indices) {
  LinearIndex li;
  SmallVector<OpFoldResult> position(indices.begin(), indices.end());
  Value view = memref;
  while (auto subview = view.getDefiningOp<memref::SubViewOp>()) {
    if (subview.getSourceType().getRank() != subview.getType().getRank() ||
        !llvm::all_of(subview.getStaticStrides(),
                      [](int64_t s) { return s == 1; }))
      return failure();
    for (auto [i, offset] : llvm::enumerate(subview.getMixedOffsets())) {
      li.terms.push_back(offset);
      li.coefs.push_back(static_cast<int64_t>(i)); // dim, strided below
    }
    view = subview.getSource();
  }
  auto rootType = dyn_cast<MemRefType>(view.getType());
  if (!rootType || !rootType.hasStaticShape() ||
      !rootType.getLayout().isIdentity())
    return failure();
  SmallVector<int64_t> strides = computeStrides(rootType.getShape());
  for (int64_t &dim : li.coefs)
    dim = strides[dim];
  for (auto [i, p] : llvm::enumerate(position)) {
    li.terms.push_back(p);
    li.coefs.push_back(strides[i]);
  }
  li.root = view;
  return li;
}

/// The range of a linear index, or nullopt.
std::optional<Range> rangeOf(const LinearIndex &li, scf::ForOp loop,
                             int64_t lastIv) {
  Range total{0, 0};
  for (auto [term, coef] : llvm::zip(li.terms, li.coefs)) {
    std::optional<Range> r;
    if (std::optional<int64_t> c = getConstantIntValue(term))
      r = Range{*c, *c};
    else
      r = rangeOf(cast<Value>(term), loop, lastIv);
    if (!r || coef < 0)
      return std::nullopt;
    total.lo += r->lo * coef;
    total.hi += r->hi * coef;
  }
  return total;
}

/// Builds `li` as one `affine.apply` (its constant terms folded).
Value buildLinearIndex(OpBuilder &b, Location loc, const LinearIndex &li) {
  AffineExpr sum = b.getAffineConstantExpr(0);
  SmallVector<Value> operands;
  for (auto [term, coef] : llvm::zip(li.terms, li.coefs)) {
    if (std::optional<int64_t> c = getConstantIntValue(term)) {
      sum = sum + *c * coef;
      continue;
    }
    sum = sum + b.getAffineSymbolExpr(operands.size()) * coef;
    operands.push_back(cast<Value>(term));
  }
  return b.create<affine::AffineApplyOp>(
      loc, AffineMap::get(0, operands.size(), sum), operands);
}

/// A 1-D view of `root` (static shape, identity layout), created at `b`.
Value flatten(OpBuilder &b, Location loc, Value root) {
  auto type = cast<MemRefType>(root.getType());
  if (type.getRank() == 1)
    return root;
  ReassociationIndices all;
  for (int64_t d = 0; d < type.getRank(); ++d)
    all.push_back(d);
  return b.create<memref::CollapseShapeOp>(loc, root,
                                           ArrayRef<ReassociationIndices>{all});
}

struct WidenRowStoresPass : nnc::impl::WidenRowStoresBase<WidenRowStoresPass> {
  using WidenRowStoresBase::WidenRowStoresBase;

  /// The widened row for `w` floats: the next power of two up to the
  /// register, else the next multiple of the register; 0 when `w` is
  /// already a whole number of vectors or the excess would pass the next
  /// row.
  int64_t widenedWidth(int64_t w) const {
    int64_t p = w <= lanes ? static_cast<int64_t>(llvm::PowerOf2Ceil(w))
                           : llvm::alignTo(w, lanes);
    return p == w || p - w > w ? 0 : p;
  }

  /// Rewrites `store`'s loop when every condition of the file comment holds.
  void widen(vector::StoreOp store) {
    auto loop = dyn_cast<scf::ForOp>(store->getParentOp());
    VectorType type = store.getVectorType();
    if (!loop || type.getRank() != 1 || !type.getElementType().isF32() ||
        loop.getNumResults() != 0)
      return;
    int64_t w = type.getNumElements(), p = widenedWidth(w);
    std::optional<int64_t> lb = getConstantIntValue(loop.getLowerBound());
    std::optional<int64_t> ub = getConstantIntValue(loop.getUpperBound());
    std::optional<int64_t> step = getConstantIntValue(loop.getStep());
    if (!p || lb != 0 || step != 1 || !ub || *ub < 2)
      return;
    // The stored buffer: a local allocation, a view of it that the loop
    // does not move, with unit innermost stride; the row moves by w.
    Value dst = store.getBase(), root = nnc::viewRoot(dst);
    SmallVector<int64_t> strides;
    if (!root.getDefiningOp<memref::AllocOp>() || dependsOnIv(dst, loop) ||
        !unitInnermostStride(dst, strides))
      return;
    int64_t step1 = 0;
    for (auto [index, stride] : llvm::zip(store.getIndices(), strides)) {
      std::optional<int64_t> c = ivCoefficient(index, loop);
      if (!c)
        return;
      step1 += *c * stride;
    }
    if (step1 != w)
      return;
    // A p-wide store into an n-D view would pass its innermost dim: such a
    // view is stored through a collapse of its trailing dims from `first`
    // on, the fewest outer dims kept that make them collapsible (a row of a
    // matrix whose rows are padded to cache lines: [C, KH, KW, OH, OW] ->
    // [C, KH, KW, OH * OW]), the loop moving none of the outer ones.
    auto dstType = cast<MemRefType>(dst.getType());
    int64_t rank = dstType.getRank();
    SmallVector<Value> indices(store.getIndices());
    SmallVector<ReassociationIndices> groups;
    for (int64_t first = 0; first < rank && groups.empty(); ++first) {
      SmallVector<ReassociationIndices> candidate;
      for (int64_t d = 0; d < first; ++d)
        candidate.push_back({d});
      candidate.emplace_back();
      for (int64_t d = first; d < rank; ++d)
        candidate.back().push_back(d);
      bool outerFixed = llvm::all_of(
          ArrayRef<Value>(indices).take_front(first),
          [&](Value index) { return ivCoefficient(index, loop) == 0; });
      if (outerFixed &&
          memref::CollapseShapeOp::isGuaranteedCollapsible(dstType, candidate))
        groups = candidate;
    }
    if (groups.empty())
      return;
    int64_t first = groups.back().front();
    // One write in the body, and no read of the stored buffer.
    for (Operation &op : loop.getBody()->without_terminator()) {
      if (&op == store.getOperation() || isMemoryEffectFree(&op))
        continue;
      auto read = dyn_cast<vector::LoadOp>(op);
      if (!read || nnc::viewRoot(read.getBase()) == root)
        return;
    }
    // A row loaded by a vector.load that stays in its buffer when widened,
    // up to the last widened iteration (ub - 2), is loaded wide.
    Value row = throughLaneCopy(store.getValueToStore());
    auto load = row.getDefiningOp<vector::LoadOp>();
    FailureOr<LinearIndex> source = failure();
    if (load && load->getParentOp() == loop.getOperation() &&
        load.getVectorType() == type) {
      source = linearIndex(load.getBase(), load.getIndices());
      if (succeeded(source)) {
        std::optional<Range> range = rangeOf(*source, loop, *ub - 2);
        int64_t size =
            cast<MemRefType>(source->root.getType()).getNumElements();
        if (!range || range->lo < 0 || range->hi + p > size ||
            !source->root.getParentRegion()->isProperAncestor(
                &loop.getRegion()))
          source = failure();
      }
    }

    // The last iteration, as it was, after the loop.
    OpBuilder b(loop);
    Location loc = store.getLoc();
    b.setInsertionPointAfter(loop);
    IRMapping last;
    last.map(loop.getInductionVar(),
             b.create<arith::ConstantIndexOp>(loc, *ub - 1).getResult());
    for (Operation &op : loop.getBody()->without_terminator())
      b.clone(op, last);
    b.setInsertionPoint(loop);
    loop.getUpperBoundMutable().assign(
        b.create<arith::ConstantIndexOp>(loc, *ub - 1));

    // The loop's rows, p wide.
    auto wideType = VectorType::get({p}, type.getElementType());
    b.setInsertionPoint(store);
    Value wide;
    if (succeeded(source)) {
      OpBuilder outside(loop);
      Value flat = flatten(outside, loc, source->root);
      Value at = buildLinearIndex(b, loc, *source);
      wide = b.create<vector::LoadOp>(loc, wideType, flat, ValueRange{at});
    } else {
      Value zeros = b.create<arith::ConstantOp>(
          loc, wideType,
          DenseElementsAttr::get(wideType, b.getF32FloatAttr(0)));
      wide = b.create<vector::InsertStridedSliceOp>(
          loc, store.getValueToStore(), zeros, ArrayRef<int64_t>{0},
          ArrayRef<int64_t>{1});
    }
    if (rank == 1) {
      b.create<vector::StoreOp>(loc, wide, dst, store.getIndices());
    } else {
      LinearIndex at;
      for (auto [index, stride] :
           llvm::zip(ArrayRef<Value>(indices).drop_front(first),
                     ArrayRef<int64_t>(strides).drop_front(first))) {
        at.terms.push_back(index);
        at.coefs.push_back(stride);
      }
      Value flat = b.create<memref::CollapseShapeOp>(loc, dst, groups);
      SmallVector<Value> outer(ArrayRef<Value>(indices).take_front(first));
      outer.push_back(buildLinearIndex(b, loc, at));
      b.create<vector::StoreOp>(loc, wide, flat, outer);
    }
    store.erase();
  }

  void runOnOperation() override {
    SmallVector<vector::StoreOp> stores;
    getOperation()->walk(
        [&](vector::StoreOp store) { stores.push_back(store); });
    for (vector::StoreOp store : stores)
      widen(store);
  }
};

} // namespace
