//===- FoldHeadTransposes.cpp - attention heads read in place ------------===//
//
// Implements nnc-fold-head-transposes, on linalg on tensors before
// nnc-distribute-ops: a `linalg.batch_matmul` over `N * H` matrices whose
// operands are heads moved next to the batch (`collapse(transpose(x))` with
// `x` `[N, T, H, D]`, attention's q, k, v and their gradients) or whose
// result is moved back (`transpose(expand(r))`) becomes a loop over the
// images (`scf.forall`) and their heads (`scf.for`) of 2-D `linalg.matmul`
// or `linalg.matmul_transpose_a` on strided slices of the untransposed
// tensors: `x[n, :, h, :]` is a `[T, D]` matrix whose rows are `H * D`
// floats apart, which the register tile reads as well as a packed one. The
// transposes folded this way, each a pass over a whole activation written
// and read back, are not computed at all.
//
// A slice read transposed (`P^T` of `dV = P^T dO`) is the lhs of
// `matmul_transpose_a`; a result stored transposed (`dK^T = Q^T dS`) is
// computed as `dK = dS^T Q` when that lets both operands be read in place.
// A right operand that would be read transposed (`K^T` of the scores) keeps
// its copy, made in one pass: a transpose of a transpose is composed first.
// An elementwise op between a head transpose and the products (the scaling
// of q) is moved before the transpose; one between a product and the
// transpose of its result (the scaling of dq) becomes the epilogue of the
// per-head products. A result moved back and then inserted whole into the
// columns of a wider tensor (dq, dk and dv into the gradient of the fused
// `[N, T, 3 D]` projection) is written there directly, without the copy. Each
// element sums the same products in the same order as the batch_matmul. An
// encoder layer's train step had twelve head transposes; two are left.
//
//===----------------------------------------------------------------------===//

#include "nnc/Target/CPU/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/PatternMatch.h"

namespace nnc {
#define GEN_PASS_DEF_FOLDHEADTRANSPOSES
#include "nnc/Target/CPU/Passes.h.inc"
} // namespace nnc

using namespace mlir;

namespace {

/// A matrix of a batch_matmul as the 2-D slice, for image `n` and head `h`,
/// of the tensor that stores it.
struct HeadView {
  /// `[N, ...]` with a head dim (read through a transpose), or the
  /// batch_matmul's own `[N * H, R, C]` operand (`headDim` 0, `folded` null).
  Value source;
  int64_t headDim = 0;
  /// The matrix is the stored slice transposed.
  bool transposed = false;
  /// The transpose read through, if any.
  Operation *folded = nullptr;
  /// A result written into the columns of a wider tensor (attention's
  /// `dq`, `dk` and `dv` into the gradient of the fused `[N, T, 3 D]`
  /// projection): `source` is that `[N, R, W]` tensor, the matrix of head
  /// `h` its columns `column + h * headSize` on, `insert` the insert_slice
  /// it replaces. `rows` x `headSize` is the stored matrix.
  tensor::InsertSliceOp insert = nullptr;
  int64_t column = 0, headSize = 0, rows = 0;
  /// The heads, of a folded view.
  int64_t heads = 0;
  /// An elementwise op on a folded result before it is moved back.
  linalg::GenericOp epilogue = nullptr;
};

/// The view of `operand` through `collapse(transpose(x, [0, ...]),
/// [[0, 1], [2], [3]])`, with `x` static but for its first dim.
std::optional<HeadView> foldedInput(Value operand) {
  auto collapse = operand.getDefiningOp<tensor::CollapseShapeOp>();
  if (!collapse)
    return std::nullopt;
  SmallVector<ReassociationIndices> groups = collapse.getReassociationIndices();
  if (groups.size() != 3 || groups[0] != ReassociationIndices{0, 1})
    return std::nullopt;
  auto transpose = collapse.getSrc().getDefiningOp<linalg::TransposeOp>();
  if (!transpose)
    return std::nullopt;
  SmallVector<int64_t> perm(transpose.getPermutation());
  if (perm.size() != 4 || perm[0] != 0)
    return std::nullopt;
  // Through a transpose of a transpose (a head's matrix transposed after the
  // heads were moved): `t2[i] = t1[p2[i]] = x[p1[p2[i]]]`.
  Value source = transpose.getInput();
  while (auto inner = source.getDefiningOp<linalg::TransposeOp>()) {
    ArrayRef<int64_t> innerPerm = inner.getPermutation();
    if (innerPerm.size() != 4 || innerPerm[0] != 0)
      break;
    for (int64_t &p : perm)
      p = innerPerm[p];
    source = inner.getInput();
  }
  auto type = cast<RankedTensorType>(source.getType());
  if (llvm::any_of(type.getShape().drop_front(), ShapedType::isDynamic))
    return std::nullopt;
  HeadView view{source, perm[1], perm[2] > perm[3], transpose.getOperation()};
  view.heads = type.getDimSize(perm[1]);
  return view;
}

/// Whether `op` is an elementwise generic of one tensor (constants aside)
/// of the same element type: identity maps, parallel loops, neither an index
/// nor the output's old value read in its body.
bool isUnaryElementwise(linalg::GenericOp op) {
  if (op.getNumDpsInputs() != 1 || op.getNumDpsInits() != 1 ||
      op.getNumParallelLoops() != op.getNumLoops() ||
      !llvm::all_of(op.getIndexingMapsArray(),
                    [](AffineMap map) { return map.isIdentity(); }) ||
      getElementTypeOrSelf(op.getDpsInputs()[0].getType()) !=
          getElementTypeOrSelf(op->getResult(0).getType()))
    return false;
  return op.getBody()->getOps<linalg::IndexOp>().empty() &&
         !op.payloadUsesValueFromOperand(op.getDpsInitOperand(0));
}

/// `op`'s computation applied to `input` (of another shape, same element
/// types), into a fresh tensor.
Value cloneElementwise(OpBuilder &rewriter, linalg::GenericOp op, Value input,
                       Value init = nullptr) {
  Location loc = op.getLoc();
  auto type = cast<RankedTensorType>(input.getType());
  auto resultType = cast<RankedTensorType>(op->getResult(0).getType());
  if (!init)
    init = rewriter.create<tensor::EmptyOp>(
        loc, tensor::getMixedSizes(rewriter, loc, input),
        resultType.getElementType());
  AffineMap identity = rewriter.getMultiDimIdentityMap(type.getRank());
  auto clone = rewriter.create<linalg::GenericOp>(
      loc, TypeRange{init.getType()}, ValueRange{input}, ValueRange{init},
      ArrayRef<AffineMap>{identity, identity},
      SmallVector<utils::IteratorType>(type.getRank(),
                                       utils::IteratorType::parallel));
  IRMapping map;
  op.getRegion().cloneInto(&clone.getRegion(), map);
  return clone->getResult(0);
}

/// The permutation of a generic that only copies its input to an identity
/// output through a permuted input map (a transpose written as a generic),
/// in linalg.transpose's convention (`out.dim(i) = in.dim(perm[i])`).
std::optional<SmallVector<int64_t>> copyPermutation(linalg::GenericOp op) {
  if (op.getNumDpsInputs() != 1 || op.getNumDpsInits() != 1 ||
      op.getNumParallelLoops() != op.getNumLoops())
    return std::nullopt;
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  if (!maps[1].isIdentity() || !maps[0].isPermutation())
    return std::nullopt;
  auto yield = cast<linalg::YieldOp>(op.getBody()->getTerminator());
  if (yield.getNumOperands() != 1 ||
      yield.getOperand(0) != op.getBody()->getArgument(0))
    return std::nullopt;
  // in[map(i)] is out[i]: in.dim(map_r) runs with out dim map_r, so
  // out.dim(map_r) = in.dim(r), perm = map's inverse.
  SmallVector<int64_t> perm(maps[0].getNumResults());
  for (auto [r, expr] : llvm::enumerate(maps[0].getResults()))
    perm[cast<AffineDimExpr>(expr).getPosition()] = r;
  return perm;
}

/// A transpose of a transpose, the second written as a generic (the key
/// matrices K^T of the scores: heads moved, then each matrix transposed),
/// becomes one linalg.transpose: one pass over the tensor instead of two.
void composeTransposes(RewriterBase &rewriter, func::FuncOp func) {
  SmallVector<linalg::GenericOp> generics;
  func.walk([&](linalg::GenericOp op) { generics.push_back(op); });
  for (linalg::GenericOp op : generics) {
    // A generic without inputs (a padded pooling input, built from
    // linalg.index and tensor.extract) has no input to look through:
    // copyPermutation is checked first (reading input 0 of one crashed nnc).
    std::optional<SmallVector<int64_t>> outer = copyPermutation(op);
    if (!outer)
      continue;
    auto inner = op.getDpsInputs()[0].getDefiningOp<linalg::TransposeOp>();
    if (!inner)
      continue;
    // out.dim(i) = t.dim(outer[i]) = x.dim(inner[outer[i]]).
    SmallVector<int64_t> perm;
    for (int64_t p : *outer)
      perm.push_back(inner.getPermutation()[p]);
    rewriter.setInsertionPoint(op);
    rewriter.replaceOpWithNewOp<linalg::TransposeOp>(op, inner.getInput(),
                                                     op.getDpsInits()[0], perm);
    if (inner->use_empty())
      rewriter.eraseOp(inner);
  }
}

/// Moves the elementwise ops that read a head transpose before it, so that
/// it can be folded into the batch products that read them: attention's
/// scaling of q after its heads were moved (`scale(transpose(q))` becomes
/// `transpose(scale(q))`). (An elementwise op on a product's result before
/// it is moved back, dq's scaling, becomes the per-head products' epilogue:
/// see foldedResult.)
void moveElementwiseBeforeTransposes(RewriterBase &rewriter,
                                     func::FuncOp func) {
  SmallVector<linalg::GenericOp> generics;
  func.walk([&](linalg::GenericOp op) {
    if (isUnaryElementwise(op))
      generics.push_back(op);
  });
  for (linalg::GenericOp op : generics) {
    Value input = op.getDpsInputs()[0];
    // Up: the generic's only input is a head transpose, and each of its
    // readers is a collapse or transpose (of the batch products).
    auto transpose = input.getDefiningOp<linalg::TransposeOp>();
    if (!transpose || transpose.getPermutation().size() != 4 ||
        transpose.getPermutation()[0] != 0 ||
        !llvm::all_of(op->getUsers(), [](Operation *user) {
          return isa<tensor::CollapseShapeOp, linalg::TransposeOp>(user);
        }))
      continue;
    rewriter.setInsertionPoint(op);
    Value computed = cloneElementwise(rewriter, op, transpose.getInput());
    rewriter.replaceOpWithNewOp<linalg::TransposeOp>(
        op, computed, op.getDpsInits()[0], transpose.getPermutation());
    if (transpose->use_empty())
      rewriter.eraseOp(transpose);
  }
}

/// The transpose that moves the heads of `bmm`'s result back, when it is
/// its only reader: `transpose(expand(r, [[0, 1], [2], [3]]), [0, ...])`,
/// possibly through one elementwise `epilogue` (dq's scaling), then applied
/// to each head's product in its register tile.
linalg::TransposeOp foldedResult(linalg::BatchMatmulOp bmm,
                                 linalg::GenericOp &epilogue) {
  Value result = bmm->getResult(0);
  if (!result.hasOneUse())
    return nullptr;
  auto expand = dyn_cast<tensor::ExpandShapeOp>(*result.getUsers().begin());
  if (!expand || !expand->hasOneUse() ||
      expand.getReassociationIndices().size() != 3 ||
      expand.getReassociationIndices()[0] != ReassociationIndices{0, 1})
    return nullptr;
  Value heads = expand.getResult();
  epilogue = dyn_cast<linalg::GenericOp>(*expand->getUsers().begin());
  if (epilogue) {
    if (!isUnaryElementwise(epilogue) || !epilogue->hasOneUse())
      return nullptr;
    heads = epilogue->getResult(0);
  }
  auto transpose = dyn_cast<linalg::TransposeOp>(*heads.getUsers().begin());
  if (!transpose || transpose.getInput() != heads ||
      transpose.getPermutation()[0] != 0 ||
      llvm::any_of(cast<ShapedType>(transpose.getInit().getType())
                       .getShape()
                       .drop_front(),
                   ShapedType::isDynamic))
    return nullptr;
  return transpose;
}

/// The heads of a result transposed back by `t`: its dims are those of
/// `[N, H, M, N']` permuted.
HeadView resultView(linalg::TransposeOp t) {
  ArrayRef<int64_t> perm = t.getPermutation();
  auto position = [&](int64_t dim) {
    return llvm::find(perm, dim) - perm.begin();
  };
  HeadView view{t.getInit(), position(1), position(2) > position(3),
                t.getOperation()};
  view.heads = cast<ShapedType>(t.getInit().getType()).getDimSize(view.headDim);
  // `[N, T, H, D]` collapsed to `[N, T, H * D]` and inserted whole at
  // columns `c` of a static `[N', T', W]`: written there in place.
  Value result = t->getResult(0);
  auto collapse =
      result.hasOneUse()
          ? dyn_cast<tensor::CollapseShapeOp>(*result.getUsers().begin())
          : nullptr;
  if (view.headDim != 2 || !collapse || !collapse->hasOneUse() ||
      collapse.getReassociationIndices() !=
          SmallVector<ReassociationIndices>{{0}, {1}, {2, 3}})
    return view;
  auto insert = dyn_cast<tensor::InsertSliceOp>(*collapse->getUsers().begin());
  if (!insert || insert.getSource() != collapse.getResult() ||
      insert.getDestType().getRank() != 3 ||
      insert.getDestType().isDynamicDim(1) ||
      insert.getDestType().isDynamicDim(2) || !insert.hasUnitStride())
    return view;
  ArrayRef<int64_t> offsets = insert.getStaticOffsets();
  if (offsets[0] != 0 || offsets[1] != 0 || ShapedType::isDynamic(offsets[2]))
    return view;
  auto init = cast<ShapedType>(t.getInit().getType());
  view.source = insert.getDest();
  view.insert = insert;
  view.column = offsets[2];
  view.rows = init.getDimSize(1);
  view.headSize = init.getDimSize(3);
  return view;
}

/// The rows and columns of `view`'s matrix as stored.
SmallVector<int64_t, 2> storedShape(const HeadView &view) {
  if (view.insert)
    return {view.rows, view.headSize};
  auto type = cast<ShapedType>(view.source.getType());
  SmallVector<int64_t, 2> shape;
  for (int64_t d = 1; d < type.getRank(); ++d)
    if (d != view.headDim)
      shape.push_back(type.getDimSize(d));
  return shape;
}

/// The 2-D matrix of `view` for image `n` and head `h`. `imageRelative`:
/// `view.source` is already the slice of one image (dim 0 of size 1, or the
/// image's H matrices of an unfolded operand).
Value slice2D(OpBuilder &b, Location loc, const HeadView &view, Value n,
              Value h, int64_t heads, bool imageRelative) {
  auto type = cast<RankedTensorType>(view.source.getType());
  if (view.insert) {
    // [N, R, W]: rows 0..rows, columns column + h * headSize on.
    Value column = b.create<arith::AddIOp>(
        loc, b.create<arith::ConstantIndexOp>(loc, view.column),
        b.create<arith::MulIOp>(
            loc, h, b.create<arith::ConstantIndexOp>(loc, view.headSize)));
    SmallVector<OpFoldResult> offsets = {
        imageRelative ? OpFoldResult(b.getIndexAttr(0)) : OpFoldResult(n),
        b.getIndexAttr(0), column};
    SmallVector<OpFoldResult> sizes = {b.getIndexAttr(1),
                                       b.getIndexAttr(view.rows),
                                       b.getIndexAttr(view.headSize)};
    auto sliceType = RankedTensorType::get({view.rows, view.headSize},
                                           type.getElementType());
    return b.create<tensor::ExtractSliceOp>(
        loc, sliceType, view.source, offsets, sizes,
        SmallVector<OpFoldResult>(3, b.getIndexAttr(1)));
  }
  int64_t rank = type.getRank();
  SmallVector<OpFoldResult> offsets(rank, b.getIndexAttr(0)), sizes,
      strides(rank, b.getIndexAttr(1));
  for (int64_t d = 0; d < rank; ++d)
    sizes.push_back(
        b.getIndexAttr(d == 0 || d == view.headDim ? 1 : type.getDimSize(d)));
  if (!view.folded) {
    // [N * H, R, C]: matrix n * H + h (h within the image's slice).
    Value index = h;
    if (!imageRelative)
      index = b.create<arith::AddIOp>(
          loc,
          b.create<arith::MulIOp>(loc, n,
                                  b.create<arith::ConstantIndexOp>(loc, heads)),
          h);
    offsets[0] = index;
  } else {
    if (!imageRelative)
      offsets[0] = n;
    offsets[view.headDim] = h;
  }
  auto sliceType =
      RankedTensorType::get(storedShape(view), type.getElementType());
  return b.create<tensor::ExtractSliceOp>(loc, sliceType, view.source, offsets,
                                          sizes, strides);
}

/// How one batch_matmul is computed per head: `out = lhs * rhs` or, with
/// `lhsTransposed`, `out = lhs^T * rhs` (matmul_transpose_a); `rhs` and
/// `out` are read and written as stored.
struct Plan {
  HeadView lhs, rhs, out;
  bool lhsTransposed;
  int folds;
};

/// The plan that reads or writes the most of `bmm`'s matrices in place,
/// none if no transpose can be folded.
std::optional<Plan> choosePlan(linalg::BatchMatmulOp bmm) {
  for (Value operand : bmm->getOperands())
    if (llvm::any_of(
            cast<ShapedType>(operand.getType()).getShape().drop_front(),
            ShapedType::isDynamic))
      return std::nullopt;
  HeadView a{bmm.getInputs()[0]}, b{bmm.getInputs()[1]}, c{bmm.getOutputs()[0]};
  std::optional<HeadView> fa = foldedInput(a.source),
                          fb = foldedInput(b.source);
  std::optional<HeadView> fc;
  linalg::GenericOp epilogue = nullptr;
  if (linalg::TransposeOp t = foldedResult(bmm, epilogue)) {
    fc = resultView(t);
    fc->epilogue = epilogue;
  }
  // out = a * b: the result stored as is, b read as stored.
  Plan normal{fa.value_or(a), b, c, fa && fa->transposed, 0};
  if (fb && !fb->transposed)
    normal.rhs = *fb;
  if (fc && !fc->transposed)
    normal.out = *fc;
  normal.folds = int(bool(fa)) + int(bool(normal.rhs.folded)) +
                 int(bool(normal.out.folded));
  // out^T = b^T * a^T, when the result is stored transposed and a is read
  // transposed (so that a^T is a stored slice).
  std::optional<Plan> swapped;
  if (fc && fc->transposed && fa && fa->transposed) {
    HeadView lhs = fb.value_or(b);
    swapped = Plan{lhs, *fa, *fc, !lhs.transposed, 2 + int(bool(fb))};
    swapped->rhs.transposed = false;
    swapped->out.transposed = false;
  }
  std::optional<Plan> best;
  if (normal.folds > 0)
    best = normal;
  if (swapped && (!best || swapped->folds > best->folds))
    best = swapped;
  return best;
}

/// Replaces `bmm` by its plan; fails (changing nothing) where the heads or
/// the shapes do not allow it.
LogicalResult rewrite(RewriterBase &rewriter, linalg::BatchMatmulOp bmm,
                      const Plan &plan) {
  auto fill = bmm.getOutputs()[0].getDefiningOp<linalg::FillOp>();
  if (!fill)
    return failure(); // accumulating onto values: keep the batch_matmul
  // The heads, and the images from the batch of the batch_matmul.
  int64_t heads = 0;
  for (const HeadView *view : {&plan.lhs, &plan.rhs, &plan.out})
    if (view->folded)
      heads = view->heads;
  auto batchType = cast<RankedTensorType>(bmm->getResult(0).getType());
  if (heads <= 0 ||
      (!batchType.isDynamicDim(0) && batchType.getDimSize(0) % heads != 0))
    return failure();
  for (const HeadView *view : {&plan.lhs, &plan.rhs, &plan.out})
    if (view->folded && view->heads != heads)
      return failure();
  // The per-head product's shapes: [M, K] (stored [K, M] for
  // matmul_transpose_a) times [K, N] into [M, N].
  SmallVector<int64_t, 2> lhsShape = storedShape(plan.lhs),
                          rhsShape = storedShape(plan.rhs),
                          outShape = storedShape(plan.out);
  if (plan.lhsTransposed)
    std::swap(lhsShape[0], lhsShape[1]);
  if (lhsShape[1] != rhsShape[0] || lhsShape[0] != outShape[0] ||
      rhsShape[1] != outShape[1])
    return failure();

  Location loc = bmm.getLoc();
  rewriter.setInsertionPoint(plan.out.insert   ? plan.out.insert
                             : plan.out.folded ? plan.out.folded
                                               : bmm.getOperation());
  // The destination: the result transposed back, or the fill's init.
  Value dest = plan.out.folded ? plan.out.source : fill.getOutputs()[0];
  // The images: dim 0 of a folded tensor (a dim of an unfolded operand would
  // keep its transpose alive).
  Value images;
  for (const HeadView *view : {&plan.lhs, &plan.rhs, &plan.out})
    if (view->folded && !images)
      images = rewriter.create<tensor::DimOp>(
          loc,
          view != &plan.out ? view->source
          : plan.out.insert
              ? cast<linalg::TransposeOp>(plan.out.folded).getInit()
              : dest,
          0);
  auto destType = cast<RankedTensorType>(dest.getType());
  auto forall = rewriter.create<scf::ForallOp>(
      loc, ArrayRef<OpFoldResult>{images}, ValueRange{dest},
      /*mapping=*/std::nullopt);
  OpBuilder b = OpBuilder::atBlockBegin(forall.getBody());
  Value n = forall.getInductionVars()[0];
  Value shared = forall.getRegionIterArgs()[0];
  // The image's part of the destination.
  int64_t rank = destType.getRank();
  SmallVector<OpFoldResult> offsets(rank, b.getIndexAttr(0)), sizes,
      strides(rank, b.getIndexAttr(1));
  SmallVector<int64_t> imageShape(destType.getShape());
  imageShape[0] = plan.out.folded ? 1 : heads;
  for (int64_t size : imageShape)
    sizes.push_back(b.getIndexAttr(size));
  offsets[0] =
      plan.out.folded
          ? OpFoldResult(n)
          : OpFoldResult(
                b.create<arith::MulIOp>(
                     loc, n, b.create<arith::ConstantIndexOp>(loc, heads))
                    .getResult());
  auto imageType = RankedTensorType::get(imageShape, destType.getElementType());
  Value image = b.create<tensor::ExtractSliceOp>(loc, imageType, shared,
                                                 offsets, sizes, strides);
  Value zero = b.create<arith::ConstantIndexOp>(loc, 0);
  Value one = b.create<arith::ConstantIndexOp>(loc, 1);
  Value headCount = b.create<arith::ConstantIndexOp>(loc, heads);
  auto loop = b.create<scf::ForOp>(
      loc, zero, headCount, one, ValueRange{image},
      [&](OpBuilder &b, Location loc, Value h, ValueRange iterArgs) {
        Value lhs = slice2D(b, loc, plan.lhs, n, h, heads, false);
        Value rhs = slice2D(b, loc, plan.rhs, n, h, heads, false);
        HeadView outView = plan.out;
        outView.source = iterArgs[0];
        auto out = slice2D(b, loc, outView, n, h, heads, true)
                       .getDefiningOp<tensor::ExtractSliceOp>();
        // With an epilogue, the product accumulates onto zeros of its own
        // and the epilogue writes the destination (the schedule fuses it
        // into the register tile).
        Value accumulator = out.getResult();
        if (plan.out.epilogue)
          accumulator = b.create<tensor::EmptyOp>(
              loc, out.getType().getShape(), out.getType().getElementType());
        Value init =
            b.create<linalg::FillOp>(loc, fill.getInputs()[0], accumulator)
                .getResult(0);
        Value product = plan.lhsTransposed
                            ? b.create<linalg::MatmulTransposeAOp>(
                                   loc, ValueRange{lhs, rhs}, ValueRange{init})
                                  .getResult(0)
                            : b.create<linalg::MatmulOp>(
                                   loc, ValueRange{lhs, rhs}, ValueRange{init})
                                  .getResult(0);
        if (plan.out.epilogue)
          product =
              cloneElementwise(b, plan.out.epilogue, product, out.getResult());
        Value inserted = b.create<tensor::InsertSliceOp>(
            loc, product, iterArgs[0], out.getMixedOffsets(),
            out.getMixedSizes(), out.getMixedStrides());
        b.create<scf::YieldOp>(loc, inserted);
      });
  b.setInsertionPointToStart(forall.getTerminator().getBody());
  b.create<tensor::ParallelInsertSliceOp>(loc, loop.getResult(0), shared,
                                          offsets, sizes, strides);
  if (plan.out.insert)
    rewriter.replaceOp(plan.out.insert, forall.getResults());
  else if (plan.out.folded)
    rewriter.replaceOp(plan.out.folded, forall.getResults());
  else
    rewriter.replaceAllUsesWith(bmm->getResult(0), forall.getResult(0));
  return success();
}

/// Erases the ops of `candidates` left without uses, then the producers
/// they leave without uses (the expand, the transposes and collapses read
/// through, their inits).
void eraseDead(RewriterBase &rewriter, SmallVector<Operation *> candidates) {
  llvm::SmallPtrSet<Operation *, 16> erased;
  bool changed = true;
  while (changed) {
    changed = false;
    for (size_t i = 0; i < candidates.size(); ++i) {
      Operation *op = candidates[i];
      if (!op || erased.contains(op) || op->getNumResults() == 0 ||
          !op->use_empty() || !isMemoryEffectFree(op))
        continue;
      for (Value operand : op->getOperands())
        if (Operation *producer = operand.getDefiningOp())
          candidates.push_back(producer);
      erased.insert(op);
      rewriter.eraseOp(op);
      changed = true;
    }
  }
}

struct FoldHeadTransposesPass
    : nnc::impl::FoldHeadTransposesBase<FoldHeadTransposesPass> {
  void runOnOperation() override {
    SmallVector<linalg::BatchMatmulOp> ops;
    getOperation().walk([&](linalg::BatchMatmulOp op) {
      auto type = dyn_cast<RankedTensorType>(op->getResult(0).getType());
      if (type && type.getElementType().isF32() && op.hasPureTensorSemantics())
        ops.push_back(op);
    });
    IRRewriter rewriter(&getContext());
    if (!ops.empty()) {
      composeTransposes(rewriter, getOperation());
      moveElementwiseBeforeTransposes(rewriter, getOperation());
    }
    for (linalg::BatchMatmulOp bmm : ops) {
      std::optional<Plan> plan = choosePlan(bmm);
      if (!plan)
        continue;
      SmallVector<Operation *> dead = {bmm.getOperation()};
      for (Operation *user : bmm->getResult(0).getUsers())
        if (isa<tensor::ExpandShapeOp>(user))
          dead.push_back(user);
      for (Value input : bmm.getInputs())
        dead.push_back(input.getDefiningOp());
      // Written into the wider tensor: the transpose and its collapse stay
      // behind, unused (the insert is replaced).
      if (plan->out.insert) {
        dead.push_back(plan->out.insert.getSource().getDefiningOp());
        dead.push_back(plan->out.folded);
      }
      if (plan->out.epilogue)
        dead.push_back(plan->out.epilogue);
      if (failed(rewrite(rewriter, bmm, *plan)))
        continue;
      eraseDead(rewriter, dead);
    }
  }
};

} // namespace
